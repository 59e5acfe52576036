"""``explain``: where one Value's gradient came from, in numbers and in formulas.

Key idea: after ``backward()`` a Value's ``grad`` is a sum.  Every node that
uses the Value -- its *children* -- passes back its own gradient (the upstream
gradient) times its local derivative towards it, and backward adds those
contributions up.  ``explain(node)`` writes each one down, so reuse becomes
visible: for ``b = a + a`` it shows 1 + 1 = 2, for ``b = a * a`` it shows a + a.
Beside them it shows the node's value, its operation, the formula of each of its
local derivatives (from the primitive table, ``autograd/ops.py``, through the
same notation ``backward_steps`` uses, ``autograd/notation.py``) and the whole chain rule from the output.
It prints as text, shows as an HTML table in a notebook, and gives LaTeX with
``.latex()``.

Children are found by walking the graph down from its output: the root of the
latest ``backward()`` unless ``root=`` is given.  ``autograd/backward.py`` keeps
only a weak reference to that root (``last_backward()``), so a graph is still freed the moment the
learner drops its output; explaining a node of a graph whose output was not
kept (``(a + a).backward()``) then asks for ``root=``.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

from autograd import ops
from autograd.backward import last_backward, topological_order
from autograd.language import say
from autograd.learner_warnings import never_backward, warn, warn_if_never_backward
from autograd.notation import (ChainRule, GraphView, Notation, chain_rule, check_format, d_name,
                               derivative_name, format_number, pad, safe_text, text_width)
from autograd.value import Value, require_value

__all__ = ["explain", "Explanation", "Incoming", "LocalDerivative"]

# The explanation's texts in Korean, by their English template (autograd/language.py; the
# words are docs/glossary.md's).
KOREAN = {
    "operation {op}, made by hand with Value(): its local derivatives are the numbers it was given":
        "Value()로 직접 만든 연산 {op}: 국소 기울기는 만들 때 준 수입니다",
    "operation {op} (primitive {prim} in autograd/ops.py)":
        "연산 {op} (autograd/ops.py의 기본 연산 {prim})",
    "local derivatives of its {op}": "{op}의 국소 기울기",
    "a {role} of the network": "신경망의 {role}",
    "weight": "가중치", "bias": "절편", "input": "입력", "target": "목표값",
    "an input, a parameter or a constant": "입력, 파라미터 또는 상수",
    "a leaf ({what}): no local derivatives": "잎 노드 ({what}): 국소 기울기가 없습니다",
    "no gradient yet: call root.backward() first":
        "아직 기울기가 없습니다: 먼저 root.backward()를 호출하세요",
    "gradient {d} = {value}: the seed backward() starts from":
        "기울기 {d} = {value}: backward()가 시작하는 시작값입니다",
    " (input {k})": " ({k}번째 입력)",
    "from {child}{which}": "{child}{which}에서",
    "sum": "합",
    "what the node that uses it passed back": "이 값을 쓰는 노드가 돌려준 값입니다",
    "the sum of what the {count} uses of it passed back": "이 값을 쓰는 {count}곳이 돌려준 값의 합입니다",
    "gradient {d} = {value}: {what}": "기울기 {d} = {value}: {what}",
    "but {name}.grad is {grad}: earlier backward() calls left {earlier} in it (a leaf's gradients "
    "add up until zero_grad(); call it before each backward())":
        "그런데 {name}.grad는 {grad}입니다: 이전 backward() 호출이 {earlier}을(를) 남겼습니다 "
        "(잎 노드의 기울기는 zero_grad()까지 더해집니다. backward()마다 그 전에 호출하세요)",
    "to {parent}": "{parent}(으)로",
    "passes on {d} · local derivative to each parent": "각 부모에게 {d} · 국소 기울기를 전달합니다",
    "chain rule: {text}": "연쇄 법칙: {text}",
    "chain rule not written out: {note}": "연쇄 법칙을 다 쓰지 않았습니다: {note}",
    "explain(): backward() has not run yet, so there is no gradient to explain: call "
    "root.backward() first (shown for now: the value and local derivatives)":
        "explain(): backward()가 아직 실행되지 않아 설명할 기울기가 없습니다: 먼저 "
        "root.backward()를 호출하세요 (지금은 값과 국소 기울기만 보여 줍니다)",
}

@dataclass(frozen=True)
class LocalDerivative:
    """d(node)/d(parent): its formula from the primitive table and its value."""

    parent: Value
    index: int       # the parent's position in ``node.parents``
    formula: str     # as the table writes it, in the names of the graph ('2w', 'y', '1')
    latex: str
    value: float     # ``node.local_grads[index]``


@dataclass(frozen=True)
class Incoming:
    """What one node that uses ``node`` passed back to it."""

    child: Value
    index: int             # ``node`` is ``child.parents[index]``
    upstream_grad: float   # ``child.grad``: d(root)/d(child)
    local_grad: float      # ``child.local_grads[index]``: d(child)/d(node)
    contribution: float    # upstream_grad * local_grad, added to ``node.grad``


class Explanation:
    """One Value's gradient taken apart; see :func:`explain`.

    ``incoming`` lists what each child passed back, ``total`` is their sum (the
    gradient this backward gave), ``earlier`` what earlier backward() calls left
    in a leaf's ``grad`` (0 after ``zero_grad()``), ``local`` the node's own local
    derivatives, ``chain_rule`` d(root)/d(node) written out (None when there are
    too many paths to write).
    """

    def __init__(self, node: Value, root: Value, order: list[Value], fmt: str, computed: bool,
                 view: GraphView | None = None):
        self.node, self.root, self.fmt = node, root, fmt
        self.computed = computed  # False when no gradient of the graph was computed yet
        self._order = order
        self._names = Notation(order, fmt, expand=False, max_len=24, view=view)
        incoming, total = [], 0.0
        # backward's order: children in reverse topological order, each parent in turn,
        # so an interior node's total is its grad to the last bit.
        uses: dict = {}  # child -> the positions in its parents where node is
        for child, i in self._names.view.users[node]:
            uses.setdefault(child, []).append(i)
        for child in reversed(list(uses)):
            for i in uses[child]:
                up, local = child.grad, child.local_grads[i]
                contribution = up * local if up else 0.0  # backward skips a zero gradient
                total += contribution
                incoming.append(Incoming(child, i, up, local, contribution))
        self.incoming = tuple(incoming)
        self.is_root = node is root
        if self.is_root:
            total = node.grad  # the seed, d(root)/d(root)
        self.total = total
        self.earlier = node.grad - total if not node.parents and node.grad != total else 0.0
        self.local = tuple(
            LocalDerivative(p, i, f.plain, f.latex, g)
            for i, (p, g) in enumerate(zip(node.parents, node.local_grads))
            for f in [self._names.formula(node, i)])
        self.chain_rule_note = ""
        try:
            self.chain_rule: ChainRule | None = chain_rule(order, root, node, self._names, fmt=fmt,
                                                           total=total)
        except ValueError as error:  # more paths, or a longer path, than anyone reads
            self.chain_rule = None
            self.chain_rule_note = str(error).partition(": ")[2]

    # -- names -----------------------------------------------------------------------
    def _num(self, x: float) -> str:
        return format_number(x, self.fmt)

    def _name(self, v: Value) -> str:
        return self._names.exprs[v].plain

    def _d(self, v: Value) -> str:
        return f"d{d_name(self._names.exprs[v])}"

    def _d_latex(self, top: Value, bottom: Value) -> str:
        return derivative_name(self._names, top, bottom)[1]

    def _defined(self, v: Value) -> str:
        """'w = x + y' for a labelled interior node, else its name."""
        if v.label and v.parents:
            return f"{self._name(v)} = {self._names.expression(v).plain}"
        return self._name(v)

    def _op_text(self) -> str:
        prim = ops.primitive_of(self.node)
        op = safe_text(str(self.node.op))
        if prim is None:
            return say("operation {op}, made by hand with Value(): its local derivatives are the "
                       "numbers it was given", KOREAN, op=repr(op or '?'))
        return say("operation {op} (primitive {prim} in autograd/ops.py)", KOREAN, op=repr(op),
                   prim=repr(prim.name))

    # -- the explanation as rows ---------------------------------------------------------
    def _title(self) -> str:
        node = self.node
        head = self._defined(node)
        value = self._num(node.data)
        return head if head.endswith(f" = {value}") or head == value else f"{head} = {value}"

    def _sections(self) -> list[tuple[str, list[list[str]]]]:
        """(heading, rows of [what, formula, number]) -- the text and the HTML table both."""
        node, n = self.node, self._d(self.node)
        r = self._d(self.root)
        sections = []
        if node.parents:
            rows = []
            for ld in self.local:
                value = self._num(ld.value)
                rows.append([f"{n}/{self._d(ld.parent)}", "" if ld.formula == value else ld.formula,
                             value])
            sections.append((say("local derivatives of its {op}", KOREAN, op=self._op_text()), rows))
        else:
            role = self._names.view.roles.get(node)
            what = say("a {role} of the network", KOREAN, role=say(role, KOREAN)) \
                if role in ("weight", "bias", "input", "target") \
                else say("an input, a parameter or a constant", KOREAN)
            sections.append((say("a leaf ({what}): no local derivatives", KOREAN, what=what), []))
        if not self.computed:
            sections.append((say("no gradient yet: call root.backward() first", KOREAN), []))
            return sections
        if self.is_root:
            sections.append((say("gradient {d} = {value}: the seed backward() starts from", KOREAN,
                                 d=f"{r}/{n}", value=self._num(self.total)), []))
        else:
            rows = []
            uses = {}
            for inc in self.incoming:
                uses[inc.child] = uses.get(inc.child, 0) + 1
            for inc in self.incoming:
                child = inc.child
                which = say(" (input {k})", KOREAN, k=inc.index + 1) if uses[child] > 1 else ""
                formula = self._names.formula(child, inc.index).plain
                up, local = self._num(inc.upstream_grad), self._num(inc.local_grad)
                parts = [f"{r}/{self._d(child)} · {self._d(child)}/{n}", f"{up} · {formula}",
                         f"{up} · {local}"]
                rows.append([say("from {child}{which}", KOREAN, child=self._defined(child), which=which),
                             " = ".join(dict.fromkeys(parts)), self._num(inc.contribution)])
            if len(self.incoming) > 1:
                rows.append([say("sum", KOREAN), " + ".join(self._num(i.contribution) for i in self.incoming),
                             self._num(self.total)])
            count = len(self.incoming)
            what = say("what the node that uses it passed back", KOREAN) if count == 1 else (
                say("the sum of what the {count} uses of it passed back", KOREAN, count=count))
            sections.append((say("gradient {d} = {value}: {what}", KOREAN, d=f"{r}/{n}",
                                 value=self._num(self.total), what=what), rows))
            if self.earlier:
                sections.append((say(
                    "but {name}.grad is {grad}: earlier backward() calls left {earlier} in it (a "
                    "leaf's gradients add up until zero_grad(); call it before each backward())",
                    KOREAN, name=self._name(node), grad=self._num(node.grad),
                    earlier=self._num(self.earlier)), []))
        if node.parents and not (self.is_root and not node.grad):
            rows = [[say("to {parent}", KOREAN, parent=self._name(ld.parent)),
                     f"{self._num(node.grad)} · {self._num(ld.value)}",
                     self._num(node.grad * ld.value)] for ld in self.local]
            sections.append((say("passes on {d} · local derivative to each parent", KOREAN,
                                 d=f"{r}/{n}"), rows))
        if self.chain_rule is not None and not self.is_root:
            sections.append((say("chain rule: {text}", KOREAN, text=self.chain_rule.text), []))
        elif not self.is_root:
            sections.append((say("chain rule not written out: {note}", KOREAN,
                                 note=self.chain_rule_note), []))
        return sections

    def text(self) -> str:
        """The explanation as plain text (what ``print`` shows)."""
        lines = [self._title()]
        for heading, rows in self._sections():
            lines.append(f"  {heading}")
            cells = [[what, f"{formula} = {number}" if formula else number]
                     for what, formula, number in rows]
            width = max((text_width(c[0]) for c in cells), default=0)
            lines += [f"    {pad(what, width)}  {rest}".rstrip() for what, rest in cells]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        esc = html.escape
        left = ' style="text-align:left"'  # notebooks right-align table cells; formulas read left
        body = []
        for heading, rows in self._sections():
            body.append(f'<tr><th colspan="3"{left}>{esc(heading)}</th></tr>')
            body += ["<tr>" + "".join(f"<td{left}>{esc(c)}</td>" for c in row) + "</tr>"
                     for row in rows]
        return (f'<table class="chainrule-explain"><caption{left}><b>{esc(self._title())}</b>'
                f"</caption><tbody>{''.join(body)}</tbody></table>")

    def latex(self) -> str:
        r"""The local derivatives, each contribution and the chain rule, as LaTeX lines.

        One line is returned as it is; several as an ``aligned`` block (give it to
        ``IPython.display.Math``).
        """
        node = self.node
        lines = []
        for ld in self.local:
            value = self._num(ld.value)
            rhs = value if ld.formula == value else f"{ld.latex} = {value}"
            lines.append((self._d_latex(node, ld.parent), rhs))
        if self.computed and (len(self.incoming) > 1 or self.chain_rule is None):
            for inc in self.incoming:
                formula = self._names.formula(inc.child, inc.index).latex
                lhs = rf"{self._d_latex(self.root, inc.child)} \cdot {self._d_latex(inc.child, node)}"
                lines.append((lhs, rf"{self._num(inc.upstream_grad)} \cdot {formula} = "
                                   f"{self._num(inc.contribution)}"))
        if self.chain_rule is not None and not self.is_root and self.computed:
            lhs, _, rhs = self.chain_rule.latex.partition(" = ")
            lines.append((lhs, rhs))
        if len(lines) == 1:
            return " = ".join(lines[0])
        return "\\begin{aligned}\n" + " \\\\\n".join(f"{lhs} &= {rhs}" for lhs, rhs in lines) + \
            "\n\\end{aligned}"


def explain(node: Value, root: Value | None = None, *, fmt: str = ".4g",
            model=None) -> Explanation:
    """How ``node.grad`` was computed: each child's contribution, the local derivatives, the chain rule.

    Call it after ``backward()``.  ``root`` is the output whose gradient is
    explained; by default the root of the latest ``backward()``.  ``model``
    numbers a network's neurons and layers as the model does (names such as
    ``W1[0,2]``).  One walk over the graph: linear in its size.

    >>> a = Value(3.0, label='a')
    >>> b = a + a; b.label = 'b'
    >>> b.backward()
    >>> print(explain(a))
    a = 3
      a leaf (an input, a parameter or a constant): no local derivatives
      gradient db/da = 2: the sum of what the 2 uses of it passed back
        from b = a + a (input 1)  db/db · db/da = 1 · 1 = 1
        from b = a + a (input 2)  db/db · db/da = 1 · 1 = 1
        sum                       1 + 1 = 2
      chain rule: db/da = 1 + 1 = 2
    """
    require_value(node, "explain")
    check_format(fmt, "explain")
    latest = last_backward()
    if root is None:
        root = latest.root if latest is not None else None
        if latest is None:
            warn(say("explain(): backward() has not run yet, so there is no gradient to explain: "
                     "call root.backward() first (shown for now: the value and local derivatives)",
                     KOREAN))
            root = node
        elif root is None:
            raise ValueError(f"explain(): the output of the latest backward() no longer exists "
                             f"(it was not kept in a variable), so the nodes that use {node!r} "
                             "cannot be found: pass explain(node, root=output), or keep the "
                             "output and call its backward() again")
        order = topological_order(root, "explain()")
        if not any(v is node for v in order):
            raise ValueError(f"explain(): {node!r} is not part of the graph of the latest "
                             f"backward() (from {root!r}): call backward() on the output it "
                             "leads to first, or pass explain(node, root=that_output)")
    else:
        require_value(root, "explain(root=...)")
        order = topological_order(root, "explain()")
        if not any(v is node for v in order):
            raise ValueError(f"explain(): {node!r} is not part of the graph of root {root!r}")
    computed = not never_backward(root, order)
    if not computed and latest is not None:  # (otherwise warned above)
        warn_if_never_backward(root, order, "explain", "call root.backward() first")
    view = GraphView(order, model, fmt=fmt, where="explain")
    return Explanation(node, root, order, fmt, computed, view)
