"""Check every gradient of a graph numerically: ``check_graph(root)``.

Key idea: ask a question no formula can dodge.  Nudge one Value by ``eps`` up
and down, compute the output again, and see whether the slope matches its
``grad``.  "Compute the output again" means running the graph forward from the
primitive table's ``forward`` rules (``autograd.gradcheck.recompute``), so a
primitive with a wrong local derivative shows up as the one node whose numbers
disagree.  ``draw_graph(root, check=True)`` colours the result into the picture.

A node made by hand with ``Value(data, parents, local_grads)`` has no forward
rule, so the graph cannot be run again through it.  ``check_graph(fn, inputs)``
checks such a node anyway: it calls the function again at each nudged input,
so the numeric side comes from the learner's own code.  Numbers the engine
made into leaves (the 1 in ``x - 1``) are constants: nobody reads their
gradient, and they are not checked.
"""
from __future__ import annotations

import html
import inspect
import math
import numbers
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from autograd import ops
from autograd.backward import topological_order, verify_graph
from autograd.gradcheck import NoForwardRule, recompute_from
from autograd.language import say
from autograd.learner_warnings import never_backward, warn_if_never_backward
from autograd.notation import GraphView, Notation, format_number, pad, safe_text, text_width
from autograd.value import Value, require_value

__all__ = ["check_graph", "check_function", "check_order", "GraphCheck", "NodeCheck",
           "MAX_CHECK_WORK"]

# Checking one Value runs the graph forward twice from it; past this many node visits in
# all, the check takes minutes, and check_graph says so instead of running.
MAX_CHECK_WORK = 5_000_000

# The report's texts in Korean, by their English template (autograd/language.py; the words
# are docs/glossary.md's).
KOREAN = {
    "{agree} of {checked} gradients agree with central differences":
        "기울기 {checked}개 중 {agree}개가 중심 차분과 일치합니다",
    "no gradient could be checked": "확인할 수 있는 기울기가 없습니다",
    "{n} disagrees": "{n}개가 다릅니다", "{n} disagree": "{n}개가 다릅니다",
    "{n} not checked": "{n}개는 확인하지 못했습니다",
    "the local derivative of {op} is {given}, running the function measures {numeric}":
        "{op}의 국소 기울기는 {given}인데, 함수를 다시 실행해 재면 {numeric}입니다",
    "value": "값", "grad": "기울기", "numeric": "수치 미분", "result": "결과", "note": "설명",
    "ok": "일치", "MISMATCH": "불일치", "not checked": "확인 못 함",
    "the local derivative of {op} towards it is {given}, but running the function again measures "
    "{numeric}": "이 값에 대한 {op}의 국소 기울기는 {given}인데, 함수를 다시 실행해 재면 {numeric}입니다",
    "every grad is 0: call root.backward() first":
        "모든 grad가 0입니다: 먼저 root.backward()를 호출하세요",
    "the nodes using it have the right gradient: check the local derivative of {ops} towards it":
        "이 값을 쓰는 노드의 기울기는 맞습니다: 이 값에 대한 {ops}의 국소 기울기를 확인하세요",
    "a node": "노드",
    "no forward rule: {what} was made with Value(...), so the graph cannot be run again from here "
    "(the function's inputs are checked by running it again)":
        "순전파 규칙이 없습니다: {what}은(는) Value(...)로 만들어서 여기서부터 그래프를 다시 실행할 수 "
        "없습니다 (함수의 입력은 함수를 다시 실행해 확인합니다)",
    "no forward rule: {what} was made with Value(...); check_graph(fn, inputs) checks it by running "
    "your function again": "순전파 규칙이 없습니다: {what}은(는) Value(...)로 만들었습니다. "
    "check_graph(fn, inputs)는 함수를 다시 실행해 확인합니다",
    "the output cannot be computed at {x} ± {eps} ({error})": "{x} ± {eps}에서 출력을 계산할 수 없습니다 ({error})",
    "the numeric slope is {numeric}": "수치 기울기가 {numeric}입니다",
    "this backward() gives {this_call}; the rest was left by earlier backward() calls: call "
    "zero_grad() before backward()": "이번 backward()가 준 값은 {this_call}이고, 나머지는 이전 "
    "backward() 호출이 남긴 것입니다: backward() 전에 zero_grad()를 호출하세요",
    "a local derivative on the way from here to the output is wrong":
        "여기서 출력까지 가는 길의 국소 기울기 하나가 틀렸습니다",
}


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
    only by nodes whose own gradients are right, or (``check_graph(fn,
    inputs)``) a node made by hand whose local derivative, measured by running
    the function again, is not the one it was given (``local_checks``).  Prints as a table; a notebook
    shows it as an HTML table.

    >>> x, y = Value(1.0, label='x'), Value(2.0, label='y')
    >>> z = (x + y) ** 2; z.backward()
    >>> report = check_graph(z)
    >>> report.ok, len(report), report.mismatches
    (True, 2, [])
    """

    def __init__(self, root: Value, order: list[Value], rows: list[NodeCheck],
                 suspects: list[tuple[Value, int]], eps: float, atol: float, rtol: float,
                 function: Callable | None = None, local_checks: Sequence = ()):
        self.root = root
        self.order = order
        self.rows = rows
        self.suspects = suspects
        self.eps, self.atol, self.rtol = eps, atol, rtol
        self.function = function  # the function run again for the numeric side, if any
        self.by_node = {r.node: r for r in rows}
        # (node, parent index, given, measured, ok) for each local derivative measured directly
        self.local_checks: list = list(local_checks)

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
        parts = [say("{agree} of {checked} gradients agree with central differences", KOREAN,
                     agree=agree, checked=checked) if checked
                 else say("no gradient could be checked", KOREAN)]
        if self.mismatches:
            n = len(self.mismatches)
            parts.append(say("{n} disagrees" if n == 1 else "{n} disagree", KOREAN, n=n))
        if self.unchecked:
            parts.append(say("{n} not checked", KOREAN, n=len(self.unchecked)))
        for node, _, given, numeric, ok in self.local_checks:
            if not ok:
                parts.append(say("the local derivative of {op} is {given}, running the function "
                                 "measures {numeric}", KOREAN, op=repr(safe_text(str(node.op))),
                                 given=format_number(given, '.6g'),
                                 numeric=format_number(numeric, '.6g')))
        text = "; ".join(parts)
        return f"{text} (eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g})" if tolerance else text

    def _rows(self) -> list[list[str]]:
        names = Notation(self.order, ".4g", expand=False, max_len=24).exprs
        result = {True: say("ok", KOREAN), False: say("MISMATCH", KOREAN),
                  None: say("not checked", KOREAN)}
        out = []
        for r in self.rows:
            numeric = "" if r.numeric is None else format_number(r.numeric, ".6g")
            out.append([names[r.node].plain, format_number(r.analytic, ".6g"), numeric,
                        result[r.ok], r.note])
        return out

    _HEADER = ["value", "grad", "numeric", "result", "note"]

    def _header(self) -> list[str]:
        return [say(h, KOREAN) for h in self._HEADER]

    def __str__(self) -> str:
        rows = [self._header(), *self._rows()]
        widths = [max(text_width(r[c]) for r in rows) for c in range(len(self._HEADER))]
        lines = ["  ".join(pad(cell, w) for cell, w in zip(r, widths)).rstrip() for r in rows]
        return "\n".join([self.summary(), *lines])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        esc = html.escape
        left = ' style="text-align:left"'  # notebooks right-align table cells
        head = "".join(f"<th{left}>{esc(h)}</th>" for h in self._header())
        colour = {say("MISMATCH", KOREAN): ' style="background:#f4a6a6"',
                  say("not checked", KOREAN): ' style="background:#d9d9d9"'}
        body = "".join(f"<tr{colour.get(r[3], '')}>" + "".join(f"<td{left}>{esc(c)}</td>" for c in r)
                       + "</tr>" for r in self._rows())
        return (f'<table class="chainrule-check"><caption{left}>{esc(self.summary())}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def check_graph(root: Value | Callable, inputs: Sequence[float] | None = None, *,
                interior: bool = False, eps: float = 1e-6, atol: float = 1e-5,
                rtol: float = 1e-3) -> GraphCheck:
    """Check the ``grad`` of every leaf (and, with ``interior=True``, every node) numerically.

    ``check_graph(root)``: for each Value v of the graph the output is computed
    again with v set to v ± eps (:func:`recompute`), and (out(v + eps) -
    out(v - eps)) / 2eps, times the seed ``root.grad``, is compared with
    ``v.grad`` using gradcheck's tolerance ``atol + rtol * |numeric|``.  Run
    ``root.backward()`` first.  Values whose slope needs a node made by hand (no
    forward rule) are reported as not checked.

    ``check_graph(fn, inputs)``: call ``fn`` with one Value per input (named
    after ``fn``'s parameters), run backward, and check each input by calling
    ``fn`` again at input ± eps, so operations made by hand inside ``fn`` are
    checked too.  Constants (numbers the engine made into leaves) are skipped.

    >>> x = Value(3.0, label='x'); y = x * x; y.backward()
    >>> print(check_graph(y))  # doctest: +NORMALIZE_WHITESPACE
    1 of 1 gradients agree with central differences (eps=1e-06, atol=1e-05, rtol=0.001)
    value  grad  numeric  result  note
    x      6     6        ok
    """
    if callable(root) and not isinstance(root, Value):
        return check_function(root, inputs, interior=interior, eps=eps, atol=atol, rtol=rtol)
    require_value(root, "check_graph")
    if inputs is not None:
        raise TypeError("check_graph(): inputs go with a function, check_graph(fn, inputs); "
                        f"a graph's output is checked on its own, check_graph(root) (got {root!r})")
    # a graph changed by hand since it was built would be checked against numbers it no
    # longer holds: refuse it, naming the node (this also gives the topological order)
    order = verify_graph(root, "check_graph()")
    warn_if_never_backward(root, order, "check_graph", "call root.backward() first")
    return check_order(root, order, interior, eps, atol, rtol)


def _check_tolerances(eps, atol, rtol) -> None:
    for name, value in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ValueError(f"check_graph(): {name} must be a number >= 0, got {value!r}")
    if not eps > 0:
        raise ValueError(f"check_graph(): eps must be > 0, got {eps!r}")


def _parameter_names(fn: Callable, n: int) -> list[str]:
    """The names of ``fn``'s first n positional parameters ('x0', 'x1', ... where there are none)."""
    try:
        params = [p.name for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return [params[i] if i < len(params) else f"x{i}" for i in range(n)]


def check_function(fn: Callable, inputs: Sequence[float], *, interior: bool = False,
                   eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> GraphCheck:
    """``check_graph(fn, inputs)``: the graph ``fn`` builds at ``inputs``, each input checked by
    running ``fn`` again at input ± eps.

    >>> def f(x):
    ...     return Value(x.data ** 2, (x,), (3 * x.data,), op='square')  # d/dx x² is 2x, not 3x
    >>> report = check_function(f, [2.0])
    >>> report.ok, round(report.mismatches[0].numeric, 6), report.mismatches[0].analytic
    (False, 4.0, 6.0)
    """
    name = getattr(fn, "__name__", "fn")
    _check_tolerances(eps, atol, rtol)
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence) and \
            not hasattr(inputs, "__len__"):
        raise TypeError(f"check_graph({name}, inputs): inputs must be a list of numbers, one per "
                        f"argument of {name}, got {type(inputs).__name__} {safe_text(repr(inputs))}")
    xs = []
    for i, x in enumerate(inputs):
        if isinstance(x, Value):
            x = x.data
        if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
            raise TypeError(f"check_graph({name}, inputs): input {i} must be a finite number, got "
                            f"{safe_text(repr(x))}")
        xs.append(float(x))
    labels = _parameter_names(fn, len(xs))

    def run(values: list[float]) -> Value:
        out = fn(*[Value(x, label=label) for x, label in zip(values, labels)])
        if not isinstance(out, Value):
            raise TypeError(f"check_graph({name}, inputs): {name} must return a Value, got "
                            f"{type(out).__name__} {safe_text(repr(out))}")
        return out

    root = run(xs)
    root.backward()
    order = topological_order(root)
    inputs_of = {}
    for v in order:
        if not v.parents and v.label in labels:
            inputs_of.setdefault(v.label, v)
    # Each input nudged both ways, the function run again: the numeric side of every check.
    nudged = {}
    for v in inputs_of.values():
        i = labels.index(v.label)
        nudged[v] = [run(xs[:i] + [xs[i] + sign * eps] + xs[i + 1:]) for sign in (1, -1)]

    def rerun(v: Value, x: float) -> float:
        plus, minus = nudged[v]
        return plus.data if x > v.data else minus.data

    report = check_order(root, order, interior, eps, atol, rtol, {v: rerun for v in nudged})
    report.function = fn
    _check_hand_made(report, order, nudged, atol, rtol)
    return report


def _check_hand_made(report: GraphCheck, order: list[Value], nudged: dict, atol: float,
                     rtol: float) -> None:
    """Measure the local derivative of each one-input node made by hand, from the function run
    again (the change of the node over the change of its input), and name a wrong one."""
    index = {v: k for k, v in enumerate(order)}
    made = [v for v in order if len(v.parents) == 1 and ops.primitive_of(v) is None]
    if not made:
        return
    measured: dict = {}
    for plus, minus in nudged.values():
        up, down = topological_order(plus), topological_order(minus)
        if len(up) != len(order) or len(down) != len(order):
            continue  # the function built another graph: nodes cannot be matched
        for v in made:
            if v in measured:
                continue
            k, j = index[v], index[v.parents[0]]
            change = up[j].data - down[j].data
            if abs(change) > 1e-12 * max(1.0, abs(v.parents[0].data)):
                measured[v] = (up[k].data - down[k].data) / change
    for v, numeric in measured.items():
        given = v.local_grads[0]
        ok = _close(given, numeric, atol, rtol)
        report.local_checks.append((v, 0, given, numeric, ok))
        if not ok:
            report.suspects.append((v, 0))
            p = v.parents[0]
            if p in report.by_node and report.by_node[p].ok is not True:
                r = report.by_node[p]
                note = say("the local derivative of {op} towards it is {given}, but running the "
                           "function again measures {numeric}", KOREAN, op=repr(safe_text(str(v.op))),
                           given=format_number(given, '.6g'), numeric=format_number(numeric, '.6g'))
                report.rows[report.rows.index(r)] = report.by_node[p] = NodeCheck(
                    p, r.analytic, r.numeric, r.ok, note)


def check_order(root: Value, order: list[Value], interior: bool = False, eps: float = 1e-6,
                atol: float = 1e-5, rtol: float = 1e-3, reruns: dict | None = None) -> GraphCheck:
    """``check_graph`` for a graph whose topological order is already known (no warning).

    ``reruns`` maps a Value to a function (value, number) -> the output computed
    again with that Value set to the number (``check_graph(fn, inputs)`` gives
    one per input); the others are recomputed from the graph.

    >>> x = Value(3.0); y = x * x; y.backward()
    >>> check_order(y, [x, y]).ok
    True
    """
    _check_tolerances(eps, atol, rtol)
    if not isinstance(interior, bool):
        raise TypeError(f"check_graph(interior={interior!r}): expected True or False")
    reruns = reruns or {}
    seed = root.grad or 1.0  # backward(gradient=g) scales every grad by g
    never = never_backward(root, order)
    constants = GraphView(order, where="check_graph", any_size=True).constants
    index = {v: k for k, v in enumerate(order)}
    children: dict = {v: [] for v in order}
    for v in order:
        for i, p in enumerate(v.parents):
            children[p].append((v, i))
    checked = [v for v in order if v not in constants and v is not root
               and (not v.parents or interior)]
    if len(order) == 1:
        checked = []
    n = len(order)
    work = sum(2 * (n - index[v]) for v in checked if v not in reruns)
    if work > MAX_CHECK_WORK:
        raise ValueError(
            f"check_graph(): checking {len(checked):,} Values of a {n:,}-node graph runs it forward "
            f"{2 * len(checked):,} times ({work:,} node visits, more than MAX_CHECK_WORK = "
            f"{MAX_CHECK_WORK:,}); check a smaller graph (the loss of one sample), leave "
            "interior=False, or label only the Values you want checked (unlabelled numbers then "
            "count as constants and are skipped)")
    rows: dict = {}
    for v in checked:
        rows[v] = r = _check_one(v, order, index[v], root, seed, children[v], eps, atol, rtol,
                                 reruns.get(v), bool(reruns))
        if never and r.ok is False:
            rows[v] = NodeCheck(v, r.analytic, r.numeric, False,
                                say("every grad is 0: call root.backward() first", KOREAN))
    if never:
        return GraphCheck(root, order, list(rows.values()), [], eps, atol, rtol)
    # A wrong local derivative shows first at its input: a Value that disagrees
    # although every node using it has the right gradient.
    suspects = []
    for v, r in rows.items():
        # (a leaf whose grad holds earlier calls' is said so already: its note names zero_grad())
        if r.ok is False and children[v] and "zero_grad()" not in r.note and all(
                c is root or (c in rows and rows[c].ok) for c, _ in children[v]):
            suspects += children[v]
            ops = ", ".join(dict.fromkeys(repr(safe_text(str(c.op))) for c, _ in children[v]))
            rows[v] = NodeCheck(v, r.analytic, r.numeric, False,
                                say("the nodes using it have the right gradient: check the local "
                                    "derivative of {ops} towards it", KOREAN, ops=ops))
    return GraphCheck(root, order, list(rows.values()), suspects, eps, atol, rtol)


def _check_one(v: Value, order: list[Value], k: int, root: Value, seed: float, uses: list,
               eps: float, atol: float, rtol: float, rerun: Callable | None = None,
               reruns_exist: bool = False) -> NodeCheck:
    x = v.data
    try:
        if rerun is not None:  # the function itself, run again
            plus, minus = rerun(v, x + eps), rerun(v, x - eps)
        else:
            plus = recompute_from(order, k, {v: x + eps}).get(root, root.data)
            minus = recompute_from(order, k, {v: x - eps}).get(root, root.data)
    except NoForwardRule as error:
        made = error.node
        what = f"{safe_text(str(made.op))!r}" if made.op else say("a node", KOREAN)
        if reruns_exist:
            note = say("no forward rule: {what} was made with Value(...), so the graph cannot be run "
                       "again from here (the function's inputs are checked by running it again)",
                       KOREAN, what=what)
        else:
            note = say("no forward rule: {what} was made with Value(...); check_graph(fn, inputs) "
                       "checks it by running your function again", KOREAN, what=what)
        return NodeCheck(v, v.grad, None, None, note)
    except (ArithmeticError, ValueError) as error:
        return NodeCheck(v, v.grad, None, None,
                         say("the output cannot be computed at {x} ± {eps} ({error})", KOREAN,
                             x=f"{x:g}", eps=f"{eps:g}", error=error))
    numeric = seed * (plus - minus) / (2 * eps)
    if not math.isfinite(numeric):
        return NodeCheck(v, v.grad, None, None,
                         say("the numeric slope is {numeric}", KOREAN, numeric=repr(numeric)))
    if _close(v.grad, numeric, atol, rtol):
        return NodeCheck(v, v.grad, numeric, True)
    # What this backward() passed to v; a leaf's grad can hold earlier calls' too.
    this_call = 0.0
    for c, i in reversed(uses):
        this_call += c.grad * c.local_grads[i]
    if not v.parents and uses and _close(this_call, numeric, atol, rtol):
        note = say("this backward() gives {this_call}; the rest was left by earlier backward() "
                   "calls: call zero_grad() before backward()", KOREAN, this_call=f"{this_call:.6g}")
    else:
        note = say("a local derivative on the way from here to the output is wrong", KOREAN)
    return NodeCheck(v, v.grad, numeric, False, note)
