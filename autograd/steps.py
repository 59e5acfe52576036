"""The backward pass, one step at a time: a table, chain-rule formulas, and frames.

Key idea: ``backward()`` is a loop over the graph in reverse topological order;
at each node it multiplies the node's gradient (the *upstream* gradient) by the
local derivative towards each parent and adds the product to that parent's
gradient.  ``backward_steps(root)`` runs that very loop and writes down every
number it uses, so a learner can read the chain rule instead of trusting it:

* ``str(steps)`` / ``steps.table()`` -- one row per (node, parent) edge, as
  text; a notebook shows it as an HTML table;
* ``steps.chain_rule(x)`` -- dz/dx written as the chain rule, with each local
  derivative's formula taken from the primitive table (``autograd/ops.py``):
  ``dz/dx = dz/dw · dw/dx = 2(x + y) · 1 = 6``; ``steps.latex(x)`` is the same
  in LaTeX;
* ``steps.frames()`` / ``backward_frames(root)`` -- the walk as pictures, one per
  node whose gradient becomes final, playable in a notebook or a saved HTML page.
"""
from __future__ import annotations

import hashlib
import html
import re
import sys
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from autograd.backward import topological_order
from autograd.graph import HIGHLIGHT_EDGE, HIGHLIGHT_FILL, _check_root, _render, _Style, format_number
from autograd.value import Value

__all__ = ["backward_steps", "backward_frames", "BackwardSteps", "BackwardFrames", "Step",
           "Contribution", "ChainRule"]

# The module that records the latest backward() (the package rebinds the name
# ``autograd.backward`` to the function).
_engine = sys.modules["autograd.backward"]

MAX_PATHS = 32  # more paths than this make a chain-rule sum nobody reads

# Precedence of an expression's outermost operation, to know when it needs brackets.
_SUM, _PRODUCT, _POWER, _ATOM = 0, 1, 2, 3


@dataclass(frozen=True)
class Contribution:
    """What one edge adds to a parent: ``upstream_grad * local_grad``."""

    parent: Value
    index: int            # the parent's position in ``node.parents``
    local_grad: float     # d(node)/d(parent)
    contribution: float   # upstream_grad * local_grad, added to parent.grad
    parent_grad: float    # the parent's grad once this contribution is added


@dataclass(frozen=True)
class Step:
    """One node visited by backward: its gradient, passed on to each parent."""

    node: Value
    upstream_grad: float
    contributions: tuple[Contribution, ...]


# -- writing expressions and formulas ---------------------------------------------------

@dataclass(frozen=True)
class _Expr:
    plain: str
    latex: str
    prec: int


_LATEX_FUNCTIONS = {"exp": r"\exp", "log": r"\log", "sin": r"\sin", "cos": r"\cos",
                    "tanh": r"\tanh", "σ": r"\sigma"}
_LATEX_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\^{}",
                   "#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&", "~": r"\~{}"}


def _latex_name(label: str) -> str:
    """A label in LaTeX: 'x' and 'x_1' as maths, 'loss' upright, anything else as text."""
    m = re.fullmatch(r"([A-Za-z])(?:_([A-Za-z0-9]+)|(\d+))?|([A-Za-z]{2,})", label)
    if m and m.group(4):
        return rf"\mathrm{{{label}}}"
    if m and (m.group(2) or m.group(3)):
        return f"{m.group(1)}_{{{m.group(2) or m.group(3)}}}"
    if m:
        return label
    return rf"\text{{{_latex_text(label)}}}"


def _latex_text(text: str) -> str:
    """Any text made safe inside LaTeX's \\text{} or \\operatorname{}."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in text.replace("\n", " "))


def _latex_literal(text: str) -> str:
    """The fixed words of a formula template in LaTeX ('tanh(' -> '\\tanh(', ' if ')."""
    text = text.replace(" if ", r" \text{ if } ").replace(" else ", r" \text{ else } ")
    text = re.sub(r"\b(exp|log|sin|cos|tanh)(?=\()", r"\\\1", text)
    text = re.sub(r"\b(sign|ELU)(?=\()", r"\\operatorname{\1}", text)
    return text.replace("σ", r"\sigma").replace("·", r" \cdot ")


def _top_level(text: str) -> str:
    """``text`` with everything inside brackets removed."""
    depth, out = 0, []
    for ch in text:
        depth += ch in "({"
        if depth == 0:
            out.append(ch)
        depth -= ch in ")}"
    return "".join(out)


def _wrap(e: _Expr, below: int) -> _Expr:
    """``e`` in brackets if its precedence is below ``below`` (or it starts with a minus)."""
    if e.prec < below or (below > _SUM and e.plain.startswith("-")):
        return _Expr(f"({e.plain})", f"({e.latex})", _ATOM)
    return e


class _Writer:
    """Writes each node as an expression of its parents, and each local derivative as a formula.

    ``expand=True`` writes a labelled interior node as its expression in terms of
    the inputs (``w`` becomes ``x + y``); ``expand=False`` writes it by its label.
    An expression longer than ``max_len`` is referred to by its label, or by
    ``v<k>`` (its position in topological order) when it has none.
    """

    def __init__(self, order: list[Value], fmt: str, expand: bool, max_len: int):
        self.fmt = fmt
        self.index = {v: k for k, v in enumerate(order)}
        self.exprs: dict[Value, _Expr] = {}
        for v in order:  # parents first, so no recursion is needed
            self.exprs[v] = self._write(v, expand, max_len)

    def number(self, x: float) -> _Expr:
        text = format_number(x, self.fmt)
        return _Expr(text, text, _PRODUCT if text.startswith("-") else _ATOM)

    def _write(self, v: Value, expand: bool, max_len: int) -> _Expr:
        if v.label and (not v.parents or not expand):
            return _Expr(v.label, _latex_name(v.label), _ATOM)
        if not v.parents:
            return self.number(v.data)
        e = self._expression(v)
        if len(e.plain) > max_len:
            name = v.label or f"v{self.index[v]}"
            return _Expr(name, _latex_name(name), _ATOM)
        return e

    def _constant(self, v: Value) -> bool:
        return not v.parents and not v.label

    def _product(self, a: Value, b: Value) -> _Expr:
        ea, eb = self.exprs[a], self.exprs[b]
        if self._constant(b) and not self._constant(a):  # write the number first: 2x
            a, b, ea, eb = b, a, eb, ea
        if self._constant(a) and not self._constant(b):
            if a.data == -1.0:  # -x is x * -1 in the engine
                other = _wrap(eb, _PRODUCT)
                return _Expr(f"-{other.plain}", f"-{other.latex}", _PRODUCT)
            if a.data >= 0:  # 2x, 2(x + y)
                other = _wrap(eb, _POWER)
                return _Expr(f"{ea.plain}{other.plain}", f"{ea.latex}{other.latex}", _PRODUCT)
        ea, eb = _wrap(ea, _PRODUCT), _wrap(eb, _PRODUCT)
        return _Expr(f"{ea.plain}·{eb.plain}", rf"{ea.latex} \cdot {eb.latex}", _PRODUCT)

    @staticmethod
    def _sum(terms: list[_Expr]) -> _Expr:
        plain, latex = terms[0].plain, terms[0].latex
        for t in terms[1:]:
            if t.plain.startswith("-") and t.latex.startswith("-"):
                plain, latex = f"{plain} - {t.plain[1:]}", f"{latex} - {t.latex[1:]}"
            else:
                plain, latex = f"{plain} + {t.plain}", f"{latex} + {t.latex}"
        return _Expr(plain, latex, _SUM)

    def _expression(self, v: Value) -> _Expr:
        prim = getattr(v.op, "primitive", None)
        parents = [self.exprs[p] for p in v.parents]
        name = prim.name if prim else None
        if name in ("add", "sum"):
            return self._sum(parents)
        if name == "mul":
            return self._product(*v.parents)
        if name == "pow":
            base, n = _wrap(parents[0], _ATOM), format_number(v.op.params[0], "g")
            return _Expr(f"{base.plain}^{n}", f"{base.latex}^{{{n}}}", _POWER)
        if name == "linear":
            n = (len(v.parents) - 1) // 2
            terms = [self._product(w, x) for w, x in zip(v.parents[:n], v.parents[n:2 * n])]
            b = v.parents[-1]
            if not (self._constant(b) and b.data == 0.0):
                terms.append(parents[-1])
            return self._sum(terms)
        if prim is not None and len(v.parents) == 1:
            symbol = prim.name if prim.params else prim.symbol
            latex = _LATEX_FUNCTIONS.get(symbol, rf"\operatorname{{{_latex_text(symbol)}}}")
            return _Expr(f"{symbol}({parents[0].plain})", f"{latex}({parents[0].latex})", _ATOM)
        # An operation made by hand with Value(data, parents, local_grads, op).
        symbol = str(v.op) or "f"
        args = [p.plain for p in parents], [p.latex for p in parents]
        return _Expr(f"{symbol}({', '.join(args[0])})",
                     rf"\operatorname{{{_latex_text(symbol)}}}({', '.join(args[1])})", _ATOM)

    def formula(self, node: Value, i: int) -> _Expr:
        """d(node)/d(node.parents[i]) as the primitive table writes it."""
        prim = getattr(node.op, "primitive", None)
        if prim is None or not prim.formulas:
            return self.number(node.local_grads[i])
        parents = node.parents
        if prim.name == "linear":
            n = (len(parents) - 1) // 2
            k = 0 if i < n else 1 if i < 2 * n else 2
            bindings = {"x_i": parents[n + i] if k == 0 else None,
                        "w_i": parents[i - n] if k == 1 else None}
        else:
            k = min(i, len(prim.formulas) - 1)
            bindings = {"x": parents[0], "y": parents[1] if len(parents) > 1 else None}
        params = dict(zip(prim.params, node.op.params))
        return self._fill(prim.formulas[k], {n: v for n, v in bindings.items() if v is not None},
                          params)

    def _fill(self, template: str, bindings: dict, params: dict) -> _Expr:
        fields = list(re.finditer(r"\{([^{}]+)\}", template))
        if len(fields) == 1 and fields[0].group(0) == template and fields[0].group(1) in bindings:
            return self.exprs[bindings[fields[0].group(1)]]  # a bare '{y}': no brackets needed
        plain, latex, at = [], [], 0
        for m in fields:
            literal = template[at:m.start()]
            at = m.end()
            name = m.group(1)
            if name in bindings:
                e = self.exprs[bindings[name]]
                enclosed = (template[m.start() - 1:m.start()] == "("
                            and template[m.end():m.end() + 1] == ")")
                e = e if enclosed else _wrap(e, _ATOM)
                plain += [literal, e.plain]
                latex += [_latex_literal(literal), e.latex]
                continue
            value = _parameter(name, params, template)
            text = format_number(value, "g")
            followed = template[m.end():m.end() + 1] == "{"
            if literal.endswith("^"):
                if value == 1:  # x^1 is x
                    literal, text = literal[:-1], ""
                plain += [literal, text]
                latex += [_latex_literal(literal), f"{{{text}}}" if text else ""]
                continue
            if followed and value in (1, -1):  # a coefficient of 1 or -1: 'x', '-x'
                text = "" if value == 1 else "-"
            plain += [literal, text]
            latex += [_latex_literal(literal), text]
        plain.append(template[at:])
        latex.append(_latex_literal(template[at:]))
        plain_text = "".join(plain)
        top = _top_level(plain_text)
        prec = _SUM if " " in top else _PRODUCT if plain_text.startswith("-") else (
            _ATOM if re.fullmatch(r"[\w.]+", top) else _PRODUCT)
        return _Expr(plain_text, "".join(latex), prec)


def _parameter(field: str, params: dict, template: str) -> float:
    """A numeric field of a formula: 'n', or simple arithmetic on one like 'n-1'."""
    m = re.fullmatch(r"\s*(\w+)\s*(?:([-+])\s*(\d+(?:\.\d+)?))?\s*", field)
    if not m or m.group(1) not in params:
        raise ValueError(f"chain rule: cannot fill {{{field}}} in the formula {template!r} "
                         f"(known parameters: {sorted(params)})")
    value = float(params[m.group(1)])
    if m.group(2):
        value = value + float(m.group(3)) if m.group(2) == "+" else value - float(m.group(3))
    return value


# -- the steps --------------------------------------------------------------------------

class ChainRule:
    """dz/dx written out by the chain rule, as plain text (``str``) and LaTeX (``.latex``).

    A notebook shows it typeset (``_repr_latex_``).

    >>> x, y = Value(1.0, label='x'), Value(2.0, label='y')
    >>> w = x + y; w.label = 'w'
    >>> z = w ** 2; z.label = 'z'
    >>> print(backward_steps(z).chain_rule(x))
    dz/dx = dz/dw · dw/dx = 2(x + y) · 1 = 6
    """

    def __init__(self, text: str, latex: str):
        self.text = text
        self.latex = latex

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_latex_(self) -> str:
        return f"${self.latex}$"


class BackwardSteps(Sequence[Step]):
    """Every step of one backward pass (a sequence of ``Step``), with ways to read it.

    >>> x = Value(3.0, label='x'); y = x * x; y.label = 'y'
    >>> steps = backward_steps(y)
    >>> [(c.parent.label, c.contribution) for c in steps[0].contributions]
    [('x', 3.0), ('x', 3.0)]
    """

    def __init__(self, root: Value, order: list[Value], steps: list[Step], gradient: float,
                 fmt: str = ".4g"):
        self.root = root
        self.order = order
        self.steps = steps
        self.gradient = gradient
        self.fmt = fmt
        self._names = _Writer(order, fmt, expand=False, max_len=24)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, k):
        return self.steps[k]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def name(self, v: Value) -> str:
        """How the table and the frames call ``v``: its label, or its expression."""
        return self._names.exprs[v].plain

    def _number(self, x: float) -> str:
        return format_number(x, self.fmt)

    def _rows(self) -> list[list[str]]:
        rows = []
        for k, step in enumerate(self.steps, 1):
            for j, c in enumerate(step.contributions):
                formula = self._names.formula(step.node, c.index).plain
                local = self._number(c.local_grad)
                rows.append([str(k) if j == 0 else "", self.name(step.node) if j == 0 else "",
                             self._number(step.upstream_grad) if j == 0 else "",
                             self.name(c.parent), local if formula == local else f"{formula} = {local}",
                             self._number(c.contribution), self._number(c.parent_grad)])
        return rows

    _HEADER = ["step", "node", "upstream grad", "parent", "local grad", "contribution",
               "parent grad so far"]

    def _title(self) -> str:
        r = _d_name(self._names.exprs[self.root])
        return f"backward from {self.name(self.root)}: seed d{r}/d{r} = {self._number(self.gradient)}"

    def table(self) -> str:
        """The steps as a text table: one row per edge, in the order backward takes them.

        >>> x = Value(2.0, label='x'); y = x ** 2; y.label = 'y'
        >>> print(backward_steps(y).table())
        backward from y: seed dy/dy = 1
        step  node  upstream grad  parent  local grad  contribution  parent grad so far
        1     y     1              x       2x = 4      4             4
        """
        rows = [self._HEADER, *self._rows()]
        widths = [max(len(r[c]) for r in rows) for c in range(len(self._HEADER))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
        return "\n".join([self._title(), *lines])

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in self._HEADER)
        body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in self._rows())
        return (f'<table class="chainrule-steps"><caption>{esc(self._title())}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def chain_rule(self, x: Value, *, expand: bool = True) -> ChainRule:
        """d(root)/dx as the chain rule: one factor per edge of each path, summed over paths.

        With ``expand=True`` each local derivative is written in terms of the
        inputs (``2(x + y)``); with ``expand=False`` labelled nodes keep their
        label (``2w``).  See ``ChainRule`` for an example.
        """
        return self._chain_rule(x, expand, x.grad if isinstance(x, Value) else 0.0)

    def _chain_rule(self, x: Value, expand: bool, total: float) -> ChainRule:
        """``chain_rule(x)`` ending in ``total``: ``explain`` gives this backward's share of
        a leaf's grad, which also holds what earlier backward() calls left."""
        if not isinstance(x, Value):
            raise TypeError(f"chain_rule(): expected a Value, got {type(x).__name__} {x!r}")
        if x not in self._names.exprs:
            raise ValueError(f"chain_rule(): {x!r} is not part of the graph of {self.root!r}")
        values = _Writer(self.order, self.fmt, expand=expand, max_len=120)
        names = self._names.exprs

        def d(top: Value, bottom: Value) -> tuple[str, str]:
            t, b = _wrap(names[top], _ATOM), _wrap(names[bottom], _ATOM)
            return (f"d{_d_name(names[top])}/d{_d_name(names[bottom])}",
                    rf"\frac{{\partial {t.latex}}}{{\partial {b.latex}}}")

        lhs = d(self.root, x)
        result = self._number(total)
        paths = _paths(self.order, self.root, x)
        if x is self.root:
            return ChainRule(f"{lhs[0]} = {result}", f"{lhs[1]} = {result}")
        chain_plain, chain_latex, formula_plain, formula_latex = [], [], [], []
        for path in paths:
            factors = [d(node, node.parents[i]) for node, i in path]
            formulas = [values.formula(node, i) for node, i in path]
            if len(formulas) > 1 or len(paths) > 1:  # a sum inside a product or sum of paths
                formulas = [_wrap(f, _PRODUCT) for f in formulas]
            chain_plain.append(" · ".join(f[0] for f in factors))
            chain_latex.append(r" \cdot ".join(f[1] for f in factors))
            formula_plain.append(" · ".join(f.plain for f in formulas))
            formula_latex.append(r" \cdot ".join(f.latex for f in formulas))
        if not paths:
            parts_plain, parts_latex = [lhs[0]], [lhs[1]]
        elif (len(paths) == 1 and len(paths[0]) == 1) or len(set(chain_plain)) < len(chain_plain):
            # One edge: the chain is just the formula.  Two edges between the same nodes
            # (b = a + a) would write the same factor twice, which reads like a typo: show
            # the contribution of each edge instead, 1 + 1.
            parts_plain = [lhs[0], " + ".join(formula_plain)]
            parts_latex = [lhs[1], " + ".join(formula_latex)]
        else:
            parts_plain = [lhs[0], " + ".join(chain_plain), " + ".join(formula_plain)]
            parts_latex = [lhs[1], " + ".join(chain_latex), " + ".join(formula_latex)]
        if parts_plain[-1] != result:
            parts_plain.append(result)
            parts_latex.append(result)
        return ChainRule(" = ".join(parts_plain), " = ".join(parts_latex))

    def latex(self, x: Value, *, expand: bool = True) -> str:
        r"""The chain rule for d(root)/dx in LaTeX (give it to ``IPython.display.Math``).

        >>> x = Value(2.0, label='x'); y = x.tanh(); y.label = 'y'
        >>> backward_steps(y).latex(x)
        '\\frac{\\partial y}{\\partial x} = 1 - \\tanh(x)^2 = 0.07065'
        """
        return self.chain_rule(x, expand=expand).latex

    def frames(self, *, fmt: str | None = None, rankdir: str = "LR", model=None,
               edge_labels: bool = False) -> BackwardFrames:
        """The walk as pictures: one frame per node whose gradient becomes final.

        Frames follow backward's order: first the root (its seed), then each node
        once every node that uses it has passed its gradient on -- so there is one
        frame per node of the graph.  A frame colours that node and the edges that
        carried its gradient (labelled with what each one contributed); nodes not
        reached yet show ``grad ?``.  Needs Graphviz's ``dot``.
        """
        return _frames(self, fmt or self.fmt, rankdir, model, edge_labels)


def _d_name(e: _Expr) -> str:
    """A node's name after 'd' in plain text: 'dx', 'd(x + y)', 'd(tanh(x))'."""
    return e.plain if re.fullmatch(r"[\w.]+", e.plain) else f"({e.plain})"


def _paths(order: list[Value], root: Value, x: Value) -> list[list[tuple[Value, int]]]:
    """Every path from ``root`` down to ``x``, as the edges (node, parent index) it takes."""
    reaches = {x}  # nodes that depend on x, found parents-first
    for v in order:
        if any(p in reaches for p in v.parents):
            reaches.add(v)
    if root not in reaches or root is x:
        return []
    paths, stack = [], [(root, [])]
    while stack:
        node, so_far = stack.pop()
        if node is x:
            paths.append(so_far)
            if len(paths) > MAX_PATHS:
                raise ValueError(f"chain_rule(): more than {MAX_PATHS} paths lead from "
                                 f"{root!r} to {x!r}; too many to write out -- read "
                                 "backward_steps(...).table() instead")
            continue
        for i, p in reversed(list(enumerate(node.parents))):
            if p in reaches:
                stack.append((p, [*so_far, (node, i)]))
    return paths


def backward_steps(root: Value, gradient: float = 1.0, *, fmt: str = ".4g") -> BackwardSteps:
    """Run backward from ``root`` and record every step.

    The walk is ``autograd.backward``'s: reverse topological order, each node
    adding ``upstream_grad * local_grad`` to each parent.  Every ``grad`` in the
    graph is first set to 0, so afterwards each one holds d(root)/d(node) --
    exactly what ``zero_grad`` then ``root.backward(gradient)`` leaves behind.

    >>> x, y = Value(1.0, label='x'), Value(2.0, label='y')
    >>> steps = backward_steps((x + y) ** 2)
    >>> len(steps), x.grad, y.grad
    (2, 6.0, 6.0)
    """
    _check_root(root, "backward_steps")
    try:
        gradient = float(gradient)
    except (TypeError, ValueError):
        raise TypeError(f"backward_steps(): gradient must be a number, got {gradient!r}") from None
    order = topological_order(root)
    for v in order:
        v.grad = 0.0
    root.grad = gradient
    # Recorded as backward() records it: explain() finds children from this root,
    # and no gradient is added up here, so nothing is left for the optimizer to warn of.
    _engine.last_root, _engine.last_accumulated = weakref.ref(root), []
    steps = []
    for node in reversed(order):
        if not node.parents:
            continue
        upstream_grad = node.grad
        contributions = []
        for i, (parent, local_grad) in enumerate(zip(node.parents, node.local_grads)):
            # Same arithmetic as backward(), which skips a zero upstream gradient.
            contribution = upstream_grad * local_grad if upstream_grad else 0.0
            if upstream_grad:
                parent.grad += contribution
            contributions.append(Contribution(parent, i, local_grad, contribution, parent.grad))
        steps.append(Step(node, upstream_grad, tuple(contributions)))
    return BackwardSteps(root, order, steps, gradient, fmt)


# -- frames -----------------------------------------------------------------------------

def backward_frames(root: Value, *, fmt: str = ".4g", rankdir: str = "LR", model=None,
                    edge_labels: bool = False) -> BackwardFrames:
    """``backward_steps(root).frames(...)``: the backward pass as a playable sequence of graphs.

    >>> x = Value(3.0, label='x'); y = x * 2; y.label = 'y'
    >>> frames = backward_frames(y)
    >>> len(frames), frames.captions[0]
    (3, 'dy/dy = 1 (the seed)')
    """
    return backward_steps(root, fmt=fmt).frames(rankdir=rankdir, model=model, edge_labels=edge_labels)


def _frames(steps: BackwardSteps, fmt: str, rankdir: str, model, edge_labels: bool) -> BackwardFrames:
    order, root = steps.order, steps.root
    number = (lambda x: format_number(x, fmt))
    into: dict = {v: [] for v in order}  # node -> the edges that carry gradient into it
    for step in steps:
        for c in step.contributions:
            into[c.parent].append((step, c))
    # Keep every box as wide as its final grad, so the picture does not jump between frames.
    widths = {v: 8 + 7 * len(f"grad {number(v.grad)}") for v in order}
    r = steps.name(root)

    def d(v: Value) -> str:
        return f"d{_d_name(steps._names.exprs[v])}"

    svgs, captions = [], []
    done: set = set()
    for v in reversed(order):
        done.add(v)
        style = _Style(fill={u: ("#e2f0d9" if u in done else "#ffffff") for u in order},
                       emphasis={v}, grad_text=lambda u: number(u.grad) if u in done else "?",
                       grad_width=widths.get,
                       # the captions name unlabelled nodes, so the picture must too
                       title=lambda u: steps.name(u) if u.parents else "")
        style.fill[v] = HIGHLIGHT_FILL
        # Each edge into v carries (the child's gradient) times (d child / d v).
        chain, products = [], []
        for step, c in into[v]:
            key = (step.node, c.index)
            style.edge_color[key] = HIGHLIGHT_EDGE
            style.edge_text[key] = f"{number(step.upstream_grad)} · {number(c.local_grad)}"
            local = f"{d(step.node)}/{d(v)}"
            # (the root's own edges have no chain to write: dz/dx would read as the total)
            chain.append(None if step.node is root else f"{d(root)}/{d(step.node)} · {local}")
            products.append(f"{number(step.upstream_grad)} · {number(c.local_grad)}")
        lhs = f"{d(root)}/{d(v)}"
        if v is root:
            caption = f"{lhs} = {number(steps.gradient)} (the seed)"
        else:
            parts = [lhs, " + ".join(products), number(v.grad)]
            if None not in chain:
                parts.insert(1, " + ".join(chain))
            caption = " = ".join(dict.fromkeys(parts))  # '1 = 1' is said once
        dot = _render(root, order, grads=True, edge_labels=edge_labels, fmt=fmt, rankdir=rankdir,
                      model=model, collapse=None, fused=True, style=style)
        svgs.append(_inline_svg(dot.pipe(format="svg").decode("utf-8")))
        captions.append(caption)
    return BackwardFrames(svgs, captions, title=f"backward pass of {r}")


def _inline_svg(svg: str) -> str:
    """An SVG document made fit to sit inside HTML (no XML prolog, DOCTYPE or comments)."""
    svg = svg[svg.index("<svg"):]
    return re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)


_PLAYER_CSS = """
.chainrule-frames { font-family: Helvetica, Arial, sans-serif; font-size: 14px; }
.chainrule-frames .crf-controls { display: flex; gap: 6px; align-items: center; margin: 4px 0; }
.chainrule-frames .crf-controls input[type=range] { flex: 0 1 240px; }
.chainrule-frames .crf-caption { font-family: Menlo, Consolas, monospace; margin: 4px 0; }
.chainrule-frames svg { max-width: 100%; height: auto; }
"""

# The script finds its own player through document.currentScript, so several players can
# share a page; where a notebook runs scripts out of place (jQuery's .html()), it falls back
# to the player's id, a hash of its frames: the same frames give the same bytes.
_PLAYER_JS = """
(function () {
  var me = document.currentScript;
  var root = (me && me.closest('.chainrule-frames')) || document.getElementById('PLAYER_ID');
  if (!root) { return; }
  var frames = root.querySelectorAll('.crf-frame');
  var slider = root.querySelector('.crf-slider');
  var counter = root.querySelector('.crf-counter');
  var play = root.querySelector('.crf-play');
  var current = 0, timer = null;
  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    for (var i = 0; i < frames.length; i++) {
      frames[i].style.display = (i === current) ? '' : 'none';
    }
    slider.value = String(current);
    counter.textContent = (current + 1) + ' / ' + frames.length;
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = '\\u25b6 play';
  }
  function start() {
    if (current >= frames.length - 1) { show(0); }
    play.textContent = '\\u23f8 pause';
    timer = setInterval(function () {
      if (current >= frames.length - 1) { stop(); } else { show(current + 1); }
    }, DELAY);
  }
  root.querySelector('.crf-prev').addEventListener('click', function () { stop(); show(current - 1); });
  root.querySelector('.crf-next').addEventListener('click', function () { stop(); show(current + 1); });
  play.addEventListener('click', function () { if (timer === null) { start(); } else { stop(); } });
  slider.addEventListener('input', function () { stop(); show(parseInt(slider.value, 10)); });
  show(0);
})();
"""


class BackwardFrames(Sequence[str]):
    """The backward pass as pictures: a sequence of SVG strings, one per frame.

    In a notebook it shows as a player (buttons, a slider, play); ``save_html(path)``
    writes the same player as one self-contained HTML file.

    >>> frames = BackwardFrames(['<svg></svg>', '<svg></svg>'], ['first', 'second'])
    >>> len(frames), 'crf-slider' in frames._repr_html_()
    (2, True)
    """

    def __init__(self, svgs: list[str], captions: list[str], title: str = "backward pass",
                 delay_ms: int = 1200):
        if len(svgs) != len(captions):
            raise ValueError(f"BackwardFrames: {len(svgs)} pictures but {len(captions)} captions")
        if not svgs:
            raise ValueError("BackwardFrames: needs at least one frame")
        self.svgs = list(svgs)
        self.captions = list(captions)
        self.title = title
        self.delay_ms = int(delay_ms)

    def __len__(self) -> int:
        return len(self.svgs)

    def __getitem__(self, k):
        return self.svgs[k]

    def __repr__(self) -> str:
        return f"BackwardFrames({len(self)} frames: {self.title})"

    def _repr_html_(self) -> str:
        esc = html.escape
        n = len(self.svgs)
        hidden = ' style="display:none"'  # until the script runs, only frame 1 shows
        frames = "".join(
            f'<div class="crf-frame" data-frame="{k}"{"" if k == 0 else hidden}>'
            f'<div class="crf-caption">{esc(caption)}</div>{svg}</div>'
            for k, (svg, caption) in enumerate(zip(self.svgs, self.captions)))
        controls = (
            '<div class="crf-controls">'
            '<button type="button" class="crf-prev" title="previous frame">\u25c0 prev</button>'
            '<button type="button" class="crf-play" title="play">\u25b6 play</button>'
            '<button type="button" class="crf-next" title="next frame">next \u25b6</button>'
            f'<input type="range" class="crf-slider" min="0" max="{n - 1}" step="1" value="0" '
            'aria-label="frame">'
            f'<span class="crf-counter">1 / {n}</span></div>')
        digest = hashlib.sha256("\0".join(self.svgs + self.captions).encode()).hexdigest()[:12]
        player_id = f"chainrule-frames-{digest}"
        script = _PLAYER_JS.replace("DELAY", str(self.delay_ms)).replace("PLAYER_ID", player_id)
        return (f'<div class="chainrule-frames" id="{player_id}"><style>{_PLAYER_CSS}</style>'
                f"{controls}{frames}<script>{script}</script></div>")

    def to_html(self) -> str:
        """A whole HTML page holding the player: inline SVG, CSS and JavaScript, nothing fetched."""
        return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f"<title>{html.escape(self.title)}</title></head>\n<body>\n"
                f"<h3>{html.escape(self.title)}</h3>\n{self._repr_html_()}\n</body></html>\n")

    def save_html(self, path) -> Path:
        """Write ``to_html()`` to ``path`` (a file a learner can open in any browser)."""
        path = Path(path)
        path.write_text(self.to_html(), encoding="utf-8")
        return path
