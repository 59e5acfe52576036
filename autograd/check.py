"""Check every gradient of a graph numerically: ``check_graph(root)``.

Key idea: ask a question no formula can dodge.  Nudge one Value by ``eps`` up
and down, compute the output again, and see whether the slope matches its
``grad``.  "Compute the output again" means running the graph forward from the
primitive table's ``forward`` rules (``autograd.gradcheck.recompute``), so a
primitive with a wrong local derivative shows up as the one node whose numbers
disagree.  ``draw_graph(root, check=True)`` colours the result into the picture.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Iterator, Sequence

from autograd.backward import topological_order
from autograd.gradcheck import NoForwardRule, recompute_from
from autograd.learner_warnings import never_backward, warn_if_never_backward
from autograd.notation import Notation, format_number
from autograd.value import Value, require_value

__all__ = ["check_graph", "check_order", "GraphCheck", "NodeCheck"]


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
        names = Notation(self.order, ".4g", expand=False, max_len=24).exprs
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
    require_value(root, "check_graph")
    order = topological_order(root)
    warn_if_never_backward(root, order, "check_graph", "call root.backward() first")
    return check_order(root, order, interior, eps, atol, rtol)


def check_order(root: Value, order: list[Value], interior: bool = False, eps: float = 1e-6,
                atol: float = 1e-5, rtol: float = 1e-3) -> GraphCheck:
    """``check_graph`` for a graph whose topological order is already known (no warning).

    >>> x = Value(3.0); y = x * x; y.backward()
    >>> check_order(y, [x, y]).ok
    True
    """
    for name, value in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ValueError(f"check_graph(): {name} must be a number >= 0, got {value!r}")
    if not eps > 0:
        raise ValueError(f"check_graph(): eps must be > 0, got {eps!r}")
    seed = root.grad or 1.0  # backward(gradient=g) scales every grad by g
    never = never_backward(root, order)
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
        plus = recompute_from(order, k, {v: x + eps}).get(root, root.data)
        minus = recompute_from(order, k, {v: x - eps}).get(root, root.data)
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
