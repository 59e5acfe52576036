"""Diagnostics: catch the classic mistakes, and check every gradient of a graph.

Key idea: the mistakes learners make with an autodiff engine leave traces the
engine can see.  A graph whose every ``grad`` is 0 was drawn before
``backward()``; a parameter whose gradient ``backward()`` added to a ``grad``
that was not 0 holds the sum of two passes, and an optimizer stepping with it
takes a step too big.  Each of these raises a :class:`ChainruleWarning` that
says what happened and what to do.  Silence them all with
``warnings.filterwarnings('ignore', category=autograd.ChainruleWarning)``.

The check behind ``draw_graph(root, check=True)``, :func:`check_graph`, asks a
question no formula can dodge: nudge one Value by ``eps`` up and down, compute
the output again, and see whether the slope matches its ``grad``.  "Compute the
output again" means running the graph forward from the primitive table's
``forward`` rules (:func:`recompute`), so a primitive with a wrong local
derivative shows up as the one node whose numbers disagree.

This module is named ``diagnostics`` and not ``warnings`` so that it never hides
the standard library's ``warnings`` module, for example when a script in this
folder is run directly.
"""
from __future__ import annotations

import math
import os
import sys
import warnings
from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

from autograd.backward import topological_order
from autograd.value import Value

__all__ = ["ChainruleWarning", "check_graph", "GraphCheck", "NodeCheck", "recompute", "NoForwardRule",
           "warn_if_never_backward", "mark_zero_grad", "warn_if_accumulated"]

# ``backward.py`` records the latest backward() in module globals.  The package
# rebinds ``autograd.backward`` to the function of that name, so the module itself
# is reached through ``sys.modules``.
_engine = sys.modules["autograd.backward"]

# Warnings point at the learner's line, not at a line inside chainrule.
_OUR_FOLDERS = tuple(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                  package) + os.sep for package in ("autograd", "nn"))


class ChainruleWarning(UserWarning):
    """A likely mistake in using chainrule: the message says what happened and what to do.

    >>> issubclass(ChainruleWarning, UserWarning)  # so warnings.filterwarnings can silence it
    True
    """


def _warn(message: str) -> None:
    """Issue a ChainruleWarning attributed to the first line outside chainrule's own code."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_OUR_FOLDERS):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, ChainruleWarning, stacklevel=level)


def _never_backward(root: Value, order: Sequence[Value]) -> bool:
    """True when no gradient of the graph was ever computed (every grad, the root's too, is 0)."""
    return root.grad == 0.0 and all(v.grad == 0.0 for v in order)


def warn_if_never_backward(root: Value, order: Sequence[Value], where: str, fix: str) -> None:
    """Warn when every gradient of ``root``'s graph is still 0 (``fix`` says what to do).

    >>> import warnings
    >>> x = Value(2.0); y = x * x
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter('always')
    ...     warn_if_never_backward(y, [x, y], 'demo', 'call root.backward() first')
    >>> print(caught[0].message)
    demo: the gradients of this graph were never computed (every grad is 0): call root.backward() first
    """
    if _never_backward(root, order):
        _warn(f"{where}: the gradients of this graph were never computed (every grad is 0): {fix}")


# -- gradients added up over several backward() calls ---------------------------------

def mark_zero_grad(optimizer) -> None:
    """Remember, on ``optimizer``, which backward() its ``zero_grad()`` came after.

    Whatever that backward() added up is cleared by this zero_grad, so
    :func:`warn_if_accumulated` no longer counts it.

    >>> from types import SimpleNamespace
    >>> w = Value(1.0); optimizer = SimpleNamespace(params=[w])   # anything with .params
    >>> (w * 3).backward(); (w * 3).backward()
    >>> mark_zero_grad(optimizer); w.grad = 0.0                    # what zero_grad() does
    >>> warn_if_accumulated(optimizer)                             # nothing to say
    """
    optimizer._zeroed_after = _engine.last_accumulated


def warn_if_accumulated(optimizer) -> None:
    """Warn when the latest backward() added to parameter gradients that were not 0.

    ``backward()`` keeps (it needs them anyway) the leaves whose ``grad`` was
    not 0 when it started: the gradients it added to.  If some of them are this
    optimizer's parameters and still hold that sum, the step about to be taken
    uses gradients summed over several backward() calls -- usually a forgotten
    ``zero_grad()``.  Unlike counting backward() calls, this sees only what
    happened to these parameters: ``model.zero_grad()``, ``p.grad = 0`` and a
    backward() through another graph never trigger it.

    >>> import warnings
    >>> from types import SimpleNamespace
    >>> w = Value(1.0, label='w'); optimizer = SimpleNamespace(params=[w])
    >>> (w * 3).backward(); (w * 3).backward()          # no zero_grad() in between
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter('always')
    ...     warn_if_accumulated(optimizer)
    >>> 'zero_grad()' in str(caught[0].message)
    True
    """
    added_to = _engine.last_accumulated
    if not added_to or added_to is getattr(optimizer, "_zeroed_after", None):
        return
    params = set(optimizer.params)
    hit = [leaf for leaf, _ in added_to if leaf in params and leaf.grad != 0.0]
    if not hit:
        return
    named = [p.label or f"params[{optimizer.params.index(p)}]" for p in hit[:3]]
    more = f" and {len(hit) - 3} more" if len(hit) > 3 else ""
    name = type(optimizer).__name__
    _warn(f"{name}.step(): the gradients of {len(hit)} of {len(optimizer.params)} parameters "
          f"({', '.join(named)}{more}) were added up over more than one backward() call: the "
          "last backward() added to gradients that were not 0, so this step moves by their sum. "
          "Call optimizer.zero_grad() before each loss.backward(). If you add up gradients on "
          f"purpose (several small batches per step), set optimizer.warn_accumulated_grads = False "
          "or warnings.filterwarnings('ignore', category=autograd.ChainruleWarning).")


# -- running the graph forward again ---------------------------------------------------

class NoForwardRule(ValueError):
    """A node must be recomputed but was made by hand, without a rule in the primitive table."""

    def __init__(self, node: Value):
        self.node = node
        op = f"operation {str(node.op)!r}" if node.op else "an operation with no name"
        super().__init__(
            f"recompute: {node!r} ({op}) was made with Value(data, parents, local_grads), so there "
            "is no forward rule to compute it again; register the operation with "
            "autograd.ops.define() and make its nodes with autograd.value.apply(), or check it "
            "with autograd.gradcheck(fn, inputs)")


def _recompute(order: Sequence[Value], start: int, changes: Mapping[Value, float]) -> dict:
    """New data of every node from ``order[start:]`` on that depends on a changed Value."""
    values = dict(changes)
    for v in order[start:]:
        if v in values or not any(p in values for p in v.parents):
            continue  # unchanged: its stored data is still right
        prim = getattr(v.op, "primitive", None)
        if prim is None:
            raise NoForwardRule(v)
        values[v] = prim.forward(*[values.get(p, p.data) for p in v.parents], *v.op.params)
    return values


def recompute(root: Value, changes: Mapping[Value, float]) -> dict:
    """Every Value of ``root``'s graph computed again, with some Values set to new numbers.

    Each node that depends on a changed Value is recomputed from its primitive's
    ``forward`` rule, parents first; the others keep their ``data``.  The graph
    itself is not touched.  Returns a dict Value -> number for every node.
    Raises ``NoForwardRule`` for a node that must be recomputed but was made by
    hand with ``Value(data, parents, local_grads)``.

    >>> x, y = Value(1.0), Value(2.0)
    >>> z = (x + y) ** 2
    >>> recompute(z, {x: 2.0})[z], z.data          # (2 + 2)**2, and z is unchanged
    (16.0, 9.0)
    """
    if not isinstance(root, Value):
        raise TypeError(f"recompute(): expected a Value, got {type(root).__name__} {root!r}")
    order = topological_order(root)
    index = {v: k for k, v in enumerate(order)}
    new = {}
    for v, number in changes.items():
        if v not in index:
            raise ValueError(f"recompute(): {v!r} is not part of the graph of {root!r}")
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise TypeError(f"recompute(): the new value of {v!r} must be a number, got {number!r}")
        new[v] = float(number)
    start = min((index[v] for v in new), default=len(order))
    values = _recompute(order, start, new)
    return {v: values.get(v, v.data) for v in order}


# -- checking every gradient -----------------------------------------------------------

@dataclass(frozen=True)
class NodeCheck:
    """One Value's ``grad`` beside the slope central differences measure.

    ``ok`` is True or False, or None when the Value could not be checked
    (``note`` says why); for a mismatch ``note`` says what it most likely means.
    """

    node: Value
    analytic: float
    numeric: float | None
    ok: bool | None
    note: str = ""


def _close(a: float, b: float, atol: float, rtol: float) -> bool:
    # gradcheck's tolerance: |analytic - numeric| <= atol + rtol * |numeric|
    return abs(a - b) <= atol + rtol * abs(b)


class GraphCheck(Sequence[NodeCheck]):
    """The result of :func:`check_graph`: one ``NodeCheck`` per checked Value.

    ``ok`` is True when no checked gradient disagrees; ``mismatches`` and
    ``unchecked`` list the others; ``suspects`` are the edges (node, parent
    index) whose local derivative is the likely culprit: a mismatched Value used
    only by nodes whose own gradients are right.  Prints as a table; a notebook
    shows it as an HTML table.

    >>> x, y = Value(1.0, label='x'), Value(2.0, label='y')
    >>> z = (x + y) ** 2; z.backward()
    >>> report = check_graph(z)
    >>> report.ok, len(report), report.mismatches
    (True, 2, [])
    """

    def __init__(self, root: Value, order: list[Value], rows: list[NodeCheck],
                 suspects: list[tuple[Value, int]], eps: float, atol: float, rtol: float):
        self.root = root
        self.order = order
        self.rows = rows
        self.suspects = suspects
        self.eps, self.atol, self.rtol = eps, atol, rtol
        self.by_node = {r.node: r for r in rows}

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, k):
        return self.rows[k]

    def __iter__(self) -> Iterator[NodeCheck]:
        return iter(self.rows)

    @property
    def mismatches(self) -> list[NodeCheck]:
        """The checked Values whose grad disagrees with central differences."""
        return [r for r in self.rows if r.ok is False]

    @property
    def unchecked(self) -> list[NodeCheck]:
        """The Values that could not be checked (``note`` says why)."""
        return [r for r in self.rows if r.ok is None]

    @property
    def ok(self) -> bool:
        """True when no checked gradient disagrees."""
        return not self.mismatches

    def summary(self, tolerance: bool = True) -> str:
        """One line: how many gradients agree, disagree, or could not be checked."""
        agree = sum(r.ok is True for r in self.rows)
        checked = len(self.rows) - len(self.unchecked)
        parts = [f"{agree} of {checked} gradients agree with central differences" if checked
                 else "no gradient could be checked"]
        if self.mismatches:
            n = len(self.mismatches)
            parts.append(f"{n} disagree{'s' * (n == 1)}")
        if self.unchecked:
            parts.append(f"{len(self.unchecked)} not checked")
        text = "; ".join(parts)
        return f"{text} (eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g})" if tolerance else text

    def _rows(self) -> list[list[str]]:
        from autograd.graph import format_number  # graph imports this module
        from autograd.steps import _Writer

        names = _Writer(self.order, ".4g", expand=False, max_len=24).exprs
        result = {True: "ok", False: "MISMATCH", None: "not checked"}
        out = []
        for r in self.rows:
            numeric = "" if r.numeric is None else format_number(r.numeric, ".6g")
            out.append([names[r.node].plain, format_number(r.analytic, ".6g"), numeric,
                        result[r.ok], r.note])
        return out

    _HEADER = ["value", "grad", "numeric", "result", "note"]

    def __str__(self) -> str:
        rows = [self._HEADER, *self._rows()]
        widths = [max(len(r[c]) for r in rows) for c in range(len(self._HEADER))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
        return "\n".join([self.summary(), *lines])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        import html

        esc = html.escape
        left = ' style="text-align:left"'  # notebooks right-align table cells
        head = "".join(f"<th{left}>{esc(h)}</th>" for h in self._HEADER)
        colour = {"MISMATCH": ' style="background:#f4a6a6"', "not checked": ' style="background:#d9d9d9"'}
        body = "".join(f"<tr{colour.get(r[3], '')}>" + "".join(f"<td{left}>{esc(c)}</td>" for c in r)
                       + "</tr>" for r in self._rows())
        return (f'<table class="chainrule-check"><caption{left}>{esc(self.summary())}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def check_graph(root: Value, *, interior: bool = False, eps: float = 1e-6, atol: float = 1e-5,
                rtol: float = 1e-3) -> GraphCheck:
    """Check the ``grad`` of every leaf (and, with ``interior=True``, every node) numerically.

    For each Value v the output is computed again with v set to v ± eps
    (:func:`recompute`), and (out(v + eps) - out(v - eps)) / 2eps, times the
    seed ``root.grad``, is compared with ``v.grad`` using gradcheck's tolerance
    ``atol + rtol * |numeric|``.  Run ``root.backward()`` first.  Values whose
    slope needs a node made by hand (no forward rule) are reported as not checked.

    >>> x = Value(3.0, label='x'); y = x * x; y.backward()
    >>> print(check_graph(y))  # doctest: +NORMALIZE_WHITESPACE
    1 of 1 gradients agree with central differences (eps=1e-06, atol=1e-05, rtol=0.001)
    value  grad  numeric  result  note
    x      6     6        ok
    """
    if not isinstance(root, Value):
        raise TypeError(f"check_graph(): expected a Value, got {type(root).__name__} {root!r}")
    order = topological_order(root)
    warn_if_never_backward(root, order, "check_graph", "call root.backward() first")
    return _check(root, order, interior, eps, atol, rtol)


def _check(root: Value, order: list[Value], interior: bool, eps: float, atol: float,
           rtol: float) -> GraphCheck:
    for name, value in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ValueError(f"check_graph(): {name} must be a number >= 0, got {value!r}")
    if not eps > 0:
        raise ValueError(f"check_graph(): eps must be > 0, got {eps!r}")
    seed = root.grad or 1.0  # backward(gradient=g) scales every grad by g
    never = _never_backward(root, order)
    index = {v: k for k, v in enumerate(order)}
    children: dict = {v: [] for v in order}
    for v in order:
        for i, p in enumerate(v.parents):
            children[p].append((v, i))
    rows: dict = {}
    for v in order:
        if v.parents and not (interior and v is not root):
            continue
        rows[v] = r = _check_one(v, order, index[v], root, seed, children[v], eps, atol, rtol)
        if never and r.ok is False:
            rows[v] = NodeCheck(v, r.analytic, r.numeric, False,
                                "every grad is 0: call root.backward() first")
    if never:
        return GraphCheck(root, order, list(rows.values()), [], eps, atol, rtol)
    # A wrong local derivative shows first at its input: a Value that disagrees
    # although every node using it has the right gradient.
    suspects = []
    for v, r in rows.items():
        if r.ok is False and children[v] and "earlier backward()" not in r.note and all(
                c is root or (c in rows and rows[c].ok) for c, _ in children[v]):
            suspects += children[v]
            ops = ", ".join(dict.fromkeys(repr(str(c.op)) for c, _ in children[v]))
            rows[v] = NodeCheck(v, r.analytic, r.numeric, False,
                                f"the nodes using it have the right gradient: check the local "
                                f"derivative of {ops} towards it")
    return GraphCheck(root, order, list(rows.values()), suspects, eps, atol, rtol)


def _check_one(v: Value, order: list[Value], k: int, root: Value, seed: float, uses: list,
               eps: float, atol: float, rtol: float) -> NodeCheck:
    x = v.data
    try:
        plus = _recompute(order, k, {v: x + eps}).get(root, root.data)
        minus = _recompute(order, k, {v: x - eps}).get(root, root.data)
    except NoForwardRule as error:
        made = error.node
        what = f"{str(made.op)!r}" if made.op else "a node"
        return NodeCheck(v, v.grad, None, None, f"no forward rule: {what} was made with Value(...)")
    except (ArithmeticError, ValueError) as error:
        return NodeCheck(v, v.grad, None, None, f"the output cannot be computed at {x:g} ± {eps:g} "
                                                f"({error})")
    numeric = seed * (plus - minus) / (2 * eps)
    if not math.isfinite(numeric):
        return NodeCheck(v, v.grad, None, None, f"the numeric slope is {numeric!r}")
    if _close(v.grad, numeric, atol, rtol):
        return NodeCheck(v, v.grad, numeric, True)
    # What this backward() passed to v; a leaf's grad can hold earlier calls' too.
    this_call = 0.0
    for c, i in reversed(uses):
        this_call += c.grad * c.local_grads[i]
    if not v.parents and uses and _close(this_call, numeric, atol, rtol):
        note = (f"this backward() gives {this_call:.6g}; the rest was left by earlier "
                "backward() calls: call zero_grad() before backward()")
    else:
        note = "a local derivative on the way from here to the output is wrong"
    return NodeCheck(v, v.grad, numeric, False, note)
