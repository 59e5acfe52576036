"""The notation: how numbers, nodes, local derivatives and the chain rule are written.

Key idea: every node can be written as an expression of its parents (``x + y``,
``tanh(w)``, ``2x``), and every local derivative as its primitive's formula from
the table in ``autograd/ops.py`` with the parents' expressions filled in
(``2(x + y)``).  The chain rule for d(root)/dx is then one product of formulas per
path from the root down to x, summed over the paths.  Each piece has a plain-text
form and a LaTeX form.  The step table, the frames, ``explain`` and
``check_graph`` all write through this one module, so they always agree.

>>> from autograd import Value
>>> x, y = Value(1.0, label='x'), Value(2.0, label='y')
>>> z = (x + y) ** 2; z.label = 'z'
>>> z.backward()
>>> from autograd.backward import topological_order
>>> order = topological_order(z)
>>> print(chain_rule(order, z, x, Notation(order, expand=False)))
dz/dx = dz/d(x + y) · d(x + y)/dx = 2(x + y) · 1 = 6
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from autograd import ops
from autograd.value import Value

__all__ = ["format_number", "Expr", "Notation", "ChainRule", "chain_rule", "paths", "d_name",
           "derivative_name", "latex_name", "latex_text", "wrap", "SUM", "PRODUCT", "POWER", "ATOM",
           "MAX_PATHS"]

MAX_PATHS = 32  # more paths than this make a chain-rule sum nobody reads

# Precedence of an expression's outermost operation, to know when it needs brackets.
SUM, PRODUCT, POWER, ATOM = 0, 1, 2, 3


def format_number(x: float, fmt: str = ".4g") -> str:
    """``x`` written with ``fmt`` (4 significant digits by default), never as ``-0``.

    >>> format_number(3.14159), format_number(-0.0), format_number(-1e-7, '.2f')
    ('3.142', '0', '0.00')
    """
    text = format(x, fmt)
    # A rounded-away negative ('-0', '-0.00', '-0e+00') is zero to a reader.
    if re.fullmatch(r"-0*\.?0*(e[+-]?\d+)?%?", text):
        text = text[1:]
    return text


@dataclass(frozen=True)
class Expr:
    """One expression in plain text and in LaTeX, with the precedence of its outermost operation."""

    plain: str
    latex: str
    prec: int


def _latex_function(symbol: str) -> str | None:
    """A primitive's LaTeX name, found by its symbol in the table (``'tanh'`` -> ``\\tanh``)."""
    for prim in ops.PRIMITIVES.values():
        if prim.latex and prim.symbol == symbol:
            return prim.latex
    return None


_LATEX_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\^{}",
                   "#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&", "~": r"\~{}"}


def latex_name(label: str) -> str:
    """A label in LaTeX: 'x' and 'x_1' as maths, 'loss' upright, anything else as text."""
    m = re.fullmatch(r"([A-Za-z])(?:_([A-Za-z0-9]+)|(\d+))?|([A-Za-z]{2,})", label)
    if m and m.group(4):
        return rf"\mathrm{{{label}}}"
    if m and (m.group(2) or m.group(3)):
        return f"{m.group(1)}_{{{m.group(2) or m.group(3)}}}"
    if m:
        return label
    return rf"\text{{{latex_text(label)}}}"


def latex_text(text: str) -> str:
    """Any text made safe inside LaTeX's \\text{} or \\operatorname{}."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in text.replace("\n", " "))


def _latex_literal(text: str) -> str:
    """The fixed words of a formula template in LaTeX ('tanh(' -> '\\tanh(', ' if ')."""
    text = text.replace(" if ", r" \text{ if } ").replace(" else ", r" \text{ else } ")
    # a function name before a bracket: the table's LaTeX name, else an operator name
    text = re.sub(r"\b([A-Za-z]\w*)(?=\()",
                  lambda m: _latex_function(m.group(1)) or rf"\operatorname{{{m.group(1)}}}", text)
    # an exponent of more than one character needs braces: x^-0.5 -> x^{-0.5}
    text = re.sub(r"\^(-?\d+\.\d+|-\d+|\d{2,})", r"^{\1}", text)
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


def wrap(e: Expr, below: int) -> Expr:
    """``e`` in brackets if its precedence is below ``below`` (or it starts with a minus)."""
    if e.prec < below or (below > SUM and e.plain.startswith("-")):
        return Expr(f"({e.plain})", f"({e.latex})", ATOM)
    return e


class Notation:
    """Writes each node as an expression of its parents, and each local derivative as a formula.

    ``expand=True`` writes a labelled interior node as its expression in terms of
    the inputs (``w`` becomes ``x + y``); ``expand=False`` writes it by its label.
    An expression longer than ``max_len`` is referred to by its label, or by
    ``v<k>`` (its position in topological order) when it has none.
    """

    def __init__(self, order: list[Value], fmt: str = ".4g", expand: bool = False, max_len: int = 24):
        self.fmt = fmt
        self.index = {v: k for k, v in enumerate(order)}
        self.exprs: dict[Value, Expr] = {}
        for v in order:  # parents first, so no recursion is needed
            self.exprs[v] = self._write(v, expand, max_len)

    def number(self, x: float) -> Expr:
        text = format_number(x, self.fmt)
        return Expr(text, text, PRODUCT if text.startswith("-") else ATOM)

    def _write(self, v: Value, expand: bool, max_len: int) -> Expr:
        if v.label and (not v.parents or not expand):
            return Expr(v.label, latex_name(v.label), ATOM)
        if not v.parents:
            return self.number(v.data)
        e = self._expression(v)
        if len(e.plain) > max_len:
            name = v.label or f"v{self.index[v]}"
            return Expr(name, latex_name(name), ATOM)
        return e

    def _constant(self, v: Value) -> bool:
        return not v.parents and not v.label

    def _product(self, a: Value, b: Value) -> Expr:
        ea, eb = self.exprs[a], self.exprs[b]
        if self._constant(b) and not self._constant(a):  # write the number first: 2x
            a, b, ea, eb = b, a, eb, ea
        if self._constant(a) and not self._constant(b):
            if a.data == -1.0:  # -x is x * -1 in the engine
                other = wrap(eb, PRODUCT)
                return Expr(f"-{other.plain}", f"-{other.latex}", PRODUCT)
            if a.data >= 0:  # 2x, 2(x + y)
                other = wrap(eb, POWER)
                return Expr(f"{ea.plain}{other.plain}", f"{ea.latex}{other.latex}", PRODUCT)
        ea, eb = wrap(ea, PRODUCT), wrap(eb, PRODUCT)
        return Expr(f"{ea.plain}·{eb.plain}", rf"{ea.latex} \cdot {eb.latex}", PRODUCT)

    @staticmethod
    def _sum(terms: list[Expr]) -> Expr:
        plain, latex = terms[0].plain, terms[0].latex
        for t in terms[1:]:
            if t.plain.startswith("-") and t.latex.startswith("-"):
                plain, latex = f"{plain} - {t.plain[1:]}", f"{latex} - {t.latex[1:]}"
            else:
                plain, latex = f"{plain} + {t.plain}", f"{latex} + {t.latex}"
        return Expr(plain, latex, SUM)

    def name(self, v: Value) -> str:
        """How ``v`` is called in plain text: its label, its expression or ``v<k>``."""
        return self.exprs[v].plain

    def expression(self, v: Value) -> Expr:
        """``v`` written as its operation on its parents' names (``x + y``), whatever its label."""
        return self._expression(v)

    def _expression(self, v: Value) -> Expr:
        prim = ops.primitive_of(v)
        parents = [self.exprs[p] for p in v.parents]
        name = prim.name if prim else None
        if name in ("add", "sum"):
            return self._sum(parents)
        if name == "mul":
            return self._product(*v.parents)
        if name == "pow":
            base, n = wrap(parents[0], ATOM), format_number(v.op.params[0], "g")
            return Expr(f"{base.plain}^{n}", f"{base.latex}^{{{n}}}", POWER)
        if name == "linear":
            weights, inputs, b = ops.linear_parts(v.parents)
            terms = [self._product(w, x) for w, x in zip(weights, inputs)]
            if not (self._constant(b) and b.data == 0.0):
                terms.append(parents[-1])
            return self._sum(terms)
        if prim is not None and len(v.parents) == 1:
            symbol = prim.name if prim.params else prim.symbol
            latex = _latex_function(symbol) or rf"\operatorname{{{latex_text(symbol)}}}"
            return Expr(f"{symbol}({parents[0].plain})", f"{latex}({parents[0].latex})", ATOM)
        # An operation made by hand with Value(data, parents, local_grads, op).
        symbol = str(v.op) or "f"
        args = [p.plain for p in parents], [p.latex for p in parents]
        return Expr(f"{symbol}({', '.join(args[0])})",
                     rf"\operatorname{{{latex_text(symbol)}}}({', '.join(args[1])})", ATOM)

    def formula(self, node: Value, i: int) -> Expr:
        """d(node)/d(node.parents[i]) as the primitive table writes it."""
        prim = ops.primitive_of(node)
        if prim is None or not prim.formulas:
            return self.number(node.local_grads[i])
        parents = node.parents
        if prim is ops.LINEAR:
            n = len(ops.linear_parts(parents)[0])
            k = 0 if i < n else 1 if i < 2 * n else 2
            bindings = {"x_i": parents[n + i] if k == 0 else None,
                        "w_i": parents[i - n] if k == 1 else None}
        else:
            k = min(i, len(prim.formulas) - 1)
            bindings = {"x": parents[0], "y": parents[1] if len(parents) > 1 else None}
        params = dict(zip(prim.params, node.op.params))
        return self._fill(prim.formulas[k], {n: v for n, v in bindings.items() if v is not None},
                          params)

    def _fill(self, template: str, bindings: dict, params: dict) -> Expr:
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
                e = e if enclosed else wrap(e, ATOM)
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
        prec = SUM if " " in top else PRODUCT if plain_text.startswith("-") else (
            ATOM if re.fullmatch(r"[\w.]+", top) else PRODUCT)
        return Expr(plain_text, "".join(latex), prec)


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


class ChainRule:
    """dz/dx written out by the chain rule, as plain text (``str``) and LaTeX (``.latex``).

    A notebook shows it typeset (``_repr_latex_``).

    >>> x, y = Value(1.0, label='x'), Value(2.0, label='y')
    >>> w = x + y; w.label = 'w'
    >>> z = w ** 2; z.label = 'z'
    >>> from autograd.backward import topological_order
    >>> z.backward(); order = topological_order(z)
    >>> print(chain_rule(order, z, x, Notation(order)))
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


def d_name(e: Expr) -> str:
    """A node's name after 'd' in plain text: 'dx', 'd(x + y)', 'd(tanh(x))'.

    >>> d_name(Expr('x', 'x', ATOM)), d_name(Expr('x + y', 'x + y', SUM))
    ('x', '(x + y)')
    """
    return e.plain if re.fullmatch(r"[\w.]+", e.plain) else f"({e.plain})"


def paths(order: list[Value], root: Value, x: Value) -> list[list[tuple[Value, int]]]:
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


def derivative_name(names: Notation, top: Value, bottom: Value) -> tuple[str, str]:
    """d(top)/d(bottom) in plain text and in LaTeX, from the nodes' names.

    >>> x = Value(1.0, label='x'); y = x * 2; y.label = 'y'
    >>> derivative_name(Notation([x, y]), y, x)[0]
    'dy/dx'
    """
    t, b = wrap(names.exprs[top], ATOM), wrap(names.exprs[bottom], ATOM)
    return (f"d{d_name(names.exprs[top])}/d{d_name(names.exprs[bottom])}",
            rf"\frac{{\partial {t.latex}}}{{\partial {b.latex}}}")


def chain_rule(order: list[Value], root: Value, x: Value, names: Notation, *, fmt: str = ".4g",
               expand: bool = True, total: float | None = None) -> ChainRule:
    """d(root)/dx as the chain rule: one factor per edge of each path, summed over paths.

    ``names`` says how the nodes are called (labels kept); with ``expand=True``
    each local derivative is written in terms of the inputs (``2(x + y)``), with
    ``expand=False`` labelled nodes keep their label (``2w``).  The result ends in
    ``total``, by default ``x.grad`` (``explain`` gives this backward's share of a
    leaf's grad, which also holds what earlier backward() calls left).  Raises
    ValueError when more than MAX_PATHS paths lead from root to x.
    """
    if not isinstance(x, Value):
        raise TypeError(f"chain_rule(): expected a Value, got {type(x).__name__} {x!r}")
    if x not in names.exprs:
        raise ValueError(f"chain_rule(): {x!r} is not part of the graph of {root!r}")
    values = Notation(order, fmt, expand=expand, max_len=120)

    def d(top: Value, bottom: Value) -> tuple[str, str]:
        return derivative_name(names, top, bottom)

    lhs = d(root, x)
    result = format_number(x.grad if total is None else total, fmt)
    all_paths = paths(order, root, x)
    if x is root:
        return ChainRule(f"{lhs[0]} = {result}", f"{lhs[1]} = {result}")
    chain_plain, chain_latex, formula_plain, formula_latex = [], [], [], []
    for path in all_paths:
        factors = [d(node, node.parents[i]) for node, i in path]
        formulas = [values.formula(node, i) for node, i in path]
        if len(formulas) > 1 or len(all_paths) > 1:  # a sum inside a product or sum of paths
            formulas = [wrap(f, PRODUCT) for f in formulas]
        chain_plain.append(" · ".join(f[0] for f in factors))
        chain_latex.append(r" \cdot ".join(f[1] for f in factors))
        formula_plain.append(" · ".join(f.plain for f in formulas))
        formula_latex.append(r" \cdot ".join(f.latex for f in formulas))
    if not all_paths:
        parts_plain, parts_latex = [lhs[0]], [lhs[1]]
    elif (len(all_paths) == 1 and len(all_paths[0]) == 1) or len(set(chain_plain)) < len(chain_plain):
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
