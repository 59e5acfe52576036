"""The backward pass, one step at a time: a table, chain-rule formulas, and levels of detail.

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
* ``backward_frames(steps)`` (``autograd/frames.py``) -- the walk as pictures.

A network's graph has hundreds of nodes, so the same walk can be read at three
levels (``collapse=``): every node (None); one step per neuron ('neuron': its
upstream gradient, its activation's slope, the gradient of each weight, of its
bias and of its inputs); one step per layer, top layer first ('layer': the
chain rule in the matrix form of the notes, δ of a layer = f'(z) ⊙ Wᵀ δ of the
layer above, dL/dW = δ times the activations below, transposed).  The default
('auto') reads small graphs node by node and a network's bigger graph neuron
by neuron, and says so in the title.
"""
from __future__ import annotations

import heapq
import html
import math
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

from autograd.backward import (backward_lock, gradient_overflow, record_backward,
                               refuse_changed_graph, topological_order)
from autograd.language import say
from autograd.notation import (ChainRule, GraphView, Neuron, Notation, chain_rule, check_format,
                               d_name, format_number, pad, safe_text, text_width)
from autograd.value import Value, change_count, require_value

__all__ = ["backward_steps", "BackwardSteps", "Step", "Contribution", "NeuronStep", "LayerStep",
           "ValueStep", "LEVELS", "AUTO", "MAX_NODE_LEVEL", "MAX_NEURON_LEVEL"]

LEVELS = (None, "neuron", "layer")
AUTO = "auto"
MAX_NODE_LEVEL = 60     # a network's graph with more Values to show is read neuron by neuron
MAX_NEURON_LEVEL = 80   # and with more neuron steps than this, layer by layer
_MAX_PRINTED = 24       # a vector or matrix with more numbers is described, not printed
_MAX_TERMS = 4          # a sum of more terms is written as its total

# The texts of the table, the captions and the neuron and layer steps in Korean, by their
# English template (autograd/language.py; the words are docs/glossary.md's).
KOREAN = {
    "step": "단계", "node": "노드", "upstream grad": "상류 기울기", "parent": "부모",
    "local grad": "국소 기울기", "contribution": "기여", "parent grad so far": "지금까지의 부모 기울기",
    "what": "무엇", "chain rule": "연쇄 법칙",
    "backward from {root}: seed {seed} = {value}": "{root}에서 시작하는 역전파: 시작값 {seed} = {value}",
    "{d} = {value} (the seed)": "{d} = {value} (시작값)",
    "the inputs": "입력", "the loss": "손실",
    "(the sum of {n} contributions) = {total}": "(기여 {n}개의 합) = {total}",
    "neuron {index} of layer {layer}": "{layer}번 층의 {index}번 뉴런",
    "{z} (no activation)": "{z} (활성화 함수 없음)",
    "sample {sample}: ": "샘플 {sample}: ",
    "upstream {d} = {value} (the seed)": "상류 기울기 {d} = {value} (시작값)",
    "upstream {d} = {rest}": "상류 기울기 {d} = {rest}",
    "upstream {d} = {value} (from the loss)": "상류 기울기 {d} = {value} (손실에서)",
    "slope {d} = {rest}": "국소 기울기 {d} = {rest}",
    "delta {d} = {rest}": "델타 {d} = {rest}",
    "{x} gets {rest}": "{x}에는 {rest}",
    "each input x_i gets {rest}": "각 입력 x_i에는 {rest}",
    "to its inputs: {rest}": "입력으로: {rest}",
    "Σ over the {n} samples of ": "샘플 {n}개에 대한 Σ ",
    "its input": "그 입력",
    "weights {rest}": "가중치 {rest}",
    "weight {rest}": "가중치 {rest}",
    "bias {rest}": "절편 {rest}",
    "{p} neuron": "뉴런 {p}개", "{p} neurons": "뉴런 {p}개",
    "layer {layer} ({rest})": "{layer}번 층 ({rest})",
    "{formula}   (W{layer} is {shape}, one row per neuron)":
        "{formula}   (W{layer}: {shape}, 뉴런마다 한 행)",
    "{formula}: {n} samples, one row each (W{layer} is {shape}, one row per neuron)":
        "{formula}: 샘플 {n}개, 샘플마다 한 행 (W{layer}: {shape}, 뉴런마다 한 행)",
    "upstream": "상류 기울기",
    "{delta} = upstream (no activation) = {value}": "{delta} = 상류 기울기 (활성화 함수 없음) = {value}",
    "passes down {rest}": "아래로 전달: {rest}",
    "{lhs} ({term} summed over the samples) = {value}": "{lhs} (샘플에 대해 더한 {term}) = {value}",
    "{lhs} = the column sums of {delta} = {value}": "{lhs} = {delta}의 열 합 = {value}",
    "({n} numbers)": "(수 {n}개)", "({rows}×{cols} numbers)": "({rows}×{cols}개의 수)",
    "one neuron at a time: {shown} Values are too many to follow one by one; collapse=None shows "
    "every node": "뉴런 하나씩: Value {shown}개는 하나씩 따라가기에 너무 많습니다. collapse=None이면 "
    "모든 노드를 보여 줍니다",
    "one layer at a time: {shown} Values and {neurons} neurons are too many to follow one by one; "
    "collapse='neuron' or None shows more": "층 하나씩: Value {shown}개와 뉴런 {neurons}개는 하나씩 "
    "따라가기에 너무 많습니다. collapse='neuron'이나 None이면 더 자세히 보여 줍니다",
}


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


@dataclass(frozen=True, eq=False)
class ValueStep:
    """At a neuron or layer level, a Value outside any neuron (a loss, an error) or a group of
    them: ``values`` are the Values whose gradients become final, ``lines`` how."""

    kind: str            # 'value', 'loss' (the part of the graph above the network) or 'inputs'
    title: str
    values: tuple
    lines: tuple


@dataclass(frozen=True, eq=False)
class NeuronStep:
    """One neuron, over every sample: h = f(z), z = Σ w·x + b.

    ``upstream`` is dL/dh for each sample, ``slope`` f'(z), ``delta`` dL/dz =
    upstream · slope; ``weight_grads`` dL/dw_i and ``bias_grad`` dL/db (summed
    over the samples); ``input_grads`` what it passes to each input, per sample.
    """

    kind: str
    title: str
    values: tuple
    lines: tuple
    layer: int
    index: int
    neurons: tuple
    upstream: tuple
    slope: tuple
    delta: tuple
    weight_grads: tuple
    bias_grad: float
    input_grads: tuple


@dataclass(frozen=True, eq=False)
class LayerStep:
    """One layer, over every sample, in matrices with one row per sample.

    ``delta`` is dL/dz (samples × neurons) = ``slope`` ⊙ ``upstream``;
    ``weights`` the layer's W (one row per neuron, as ``neuron.w``), ``below``
    the activations it reads (samples × inputs); ``weight_grad`` = deltaᵀ · below
    is dL/dW, ``bias_grad`` dL/db, ``input_grad`` = delta · W what it passes down.
    """

    kind: str
    title: str
    values: tuple
    lines: tuple
    layer: int
    neurons: tuple
    upstream: np.ndarray
    slope: np.ndarray
    delta: np.ndarray
    weights: np.ndarray
    below: np.ndarray
    weight_grad: np.ndarray
    bias_grad: np.ndarray
    input_grad: np.ndarray


# -- the steps --------------------------------------------------------------------------

class BackwardSteps(Sequence):
    """Every step of one backward pass, at the level chosen, with ways to read it.

    At node level (``level is None``) each item is a ``Step``; at 'neuron' and
    'layer' level a ``NeuronStep`` or ``LayerStep`` (and a ``ValueStep`` for
    what lies outside the neurons).  ``node_steps`` is always the walk node by
    node; ``note`` says why this level was chosen when the default chose it.

    >>> x = Value(3.0, label='x'); y = x * x; y.label = 'y'
    >>> steps = backward_steps(y)
    >>> [(c.parent.label, c.contribution) for c in steps[0].contributions]
    [('x', 3.0), ('x', 3.0)]
    """

    def __init__(self, root: Value, order: list[Value], steps: list[Step], gradient: float,
                 fmt: str = ".4g", view: GraphView | None = None, level: str | None = None,
                 note: str = ""):
        self.root = root
        self.order = order
        self.node_steps = steps
        self.gradient = gradient
        self.fmt = fmt
        self.view = view if view is not None else GraphView(order, fmt=fmt)
        self.names = Notation(order, fmt, expand=False, max_len=24, view=self.view)
        self.level = level
        self.note = note
        self.steps = steps if level is None else _Levels(self).steps(level)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, k):
        return self.steps[k]

    def __iter__(self) -> Iterator:
        return iter(self.steps)

    def name(self, v: Value) -> str:
        """How the table and the frames call ``v``: its name, label, or expression."""
        return self.names.exprs[v].plain

    def d(self, v: Value) -> str:
        """'dv' as the steps write it: 'dx', 'dW0[1,2]', 'd(x + y)'.

        >>> x = Value(2.0, label='x'); steps = backward_steps(x * x)
        >>> steps.d(x), steps.d(steps.root)
        ('dx', 'd(x·x)')
        """
        return f"d{d_name(self.names.exprs[v])}"

    def _number(self, x: float) -> str:
        return format_number(x, self.fmt)

    def value_lines(self, v: Value) -> list[str]:
        """dL/dv from what each drawn operation using v passed back (the node-level caption).

        >>> x = Value(2.0, label='x'); y = x * x; y.label = 'y'
        >>> backward_steps(y).value_lines(x)
        ['dy/dx = 1 · 2 + 1 · 2 = 4']
        """
        root, r = self.root, self.d(self.root)
        number = self._number
        if v is root:
            return [say("{d} = {value} (the seed)", KOREAN, d=f"{r}/{self.d(v)}",
                        value=number(self.gradient))]
        chain, products = [], []
        for edge in self.view.edges_from(v):
            u = edge.node
            # (the root's own edges have no chain to write: dz/dx would read as the total)
            chain.append(None if u is root else f"{r}/{self.d(u)} · {self.d(u)}/{self.d(v)}")
            products.append(f"{number(u.grad)} · {number(edge.local_grad)}")
        parts = [f"{r}/{self.d(v)}", " + ".join(products), number(v.grad)]
        if None not in chain and chain:
            parts.insert(1, " + ".join(chain))
        return [" = ".join(dict.fromkeys(p for p in parts if p))]  # '1 = 1' is said once

    def _rows(self) -> list[list[str]]:
        rows = []
        for k, step in enumerate(self.node_steps, 1):
            for j, c in enumerate(step.contributions):
                formula = self.names.formula(step.node, c.index).plain
                local = self._number(c.local_grad)
                rows.append([str(k) if j == 0 else "", self.name(step.node) if j == 0 else "",
                             self._number(step.upstream_grad) if j == 0 else "",
                             self.name(c.parent), local if formula == local else f"{formula} = {local}",
                             self._number(c.contribution), self._number(c.parent_grad)])
        return rows

    _HEADER = ["step", "node", "upstream grad", "parent", "local grad", "contribution",
               "parent grad so far"]

    def _header(self) -> list[str]:
        return [say(h, KOREAN) for h in self._HEADER]

    def _title(self) -> str:
        r = d_name(self.names.exprs[self.root])
        title = say("backward from {root}: seed {seed} = {value}", KOREAN, root=self.name(self.root),
                    seed=f"d{r}/d{r}", value=self._number(self.gradient))
        return f"{title} ({self.note})" if self.note else title

    def table(self) -> str:
        """The steps as text: at node level one row per edge, in the order backward takes them;
        at neuron or layer level each step's chain rule with its numbers.

        >>> x = Value(2.0, label='x'); y = x ** 2; y.label = 'y'
        >>> print(backward_steps(y).table())
        backward from y: seed dy/dy = 1
        step  node  upstream grad  parent  local grad  contribution  parent grad so far
        1     y     1              x       2x = 4      4             4
        """
        if self.level is not None:
            lines = [self._title()]
            for k, step in enumerate(self.steps, 1):
                lines.append(f"{k}. {step.title}")
                lines += [f"   {line}" for line in step.lines]
            return "\n".join(lines)
        rows = [self._header(), *self._rows()]
        widths = [max(text_width(r[c]) for r in rows) for c in range(len(self._HEADER))]
        lines = ["  ".join(pad(cell, w) for cell, w in zip(r, widths)).rstrip() for r in rows]
        return "\n".join([self._title(), *lines])

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        esc = html.escape
        if self.level is not None:
            body = "".join(f"<tr><td>{k}</td><td>{esc(s.title)}</td>"
                           f"<td><pre>{esc(chr(10).join(s.lines))}</pre></td></tr>"
                           for k, s in enumerate(self.steps, 1))
            return (f'<table class="chainrule-steps"><caption>{esc(self._title())}</caption>'
                    f"<thead><tr><th>{say('step', KOREAN)}</th><th>{say('what', KOREAN)}</th>"
                    f"<th>{say('chain rule', KOREAN)}</th></tr></thead>"
                    f"<tbody>{body}</tbody></table>")
        head = "".join(f"<th>{esc(h)}</th>" for h in self._header())
        body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in self._rows())
        return (f'<table class="chainrule-steps"><caption>{esc(self._title())}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def chain_rule(self, x: Value, *, expand: bool = True) -> ChainRule:
        """d(root)/dx as the chain rule: one factor per edge of each path, summed over paths.

        With ``expand=True`` each local derivative is written in terms of the
        inputs (``2(x + y)``); with ``expand=False`` labelled nodes keep their
        label (``2w``).  See ``ChainRule`` for an example.
        """
        return chain_rule(self.order, self.root, x, self.names, fmt=self.fmt, expand=expand)

    def latex(self, x: Value, *, expand: bool = True) -> str:
        r"""The chain rule for d(root)/dx in LaTeX (give it to ``IPython.display.Math``).

        >>> x = Value(2.0, label='x'); y = x.tanh(); y.label = 'y'
        >>> backward_steps(y).latex(x)
        '\\frac{\\partial y}{\\partial x} = 1 - \\tanh(x)^2 = 0.07065'
        """
        return self.chain_rule(x, expand=expand).latex


# -- levels of detail --------------------------------------------------------------------

class _Levels:
    """Groups the drawn Values of a network into neuron or layer steps, in backward order."""

    def __init__(self, steps: BackwardSteps):
        self.s = steps
        self.view = steps.view
        self.position = {v: k for k, v in enumerate(steps.order)}

    def steps(self, level: str) -> list:
        view = self.view
        units = self._units(level)  # (priority, key, members)
        unit_of = {}
        for k, (_, _, members) in enumerate(units):
            for v in members:
                unit_of[v] = k
        for v, into in view.folded_into.items():  # a folded node belongs with what shows it
            if into in unit_of:
                unit_of[v] = unit_of[into]
        # Kahn's algorithm from the output down: a step is ready once every step using it is
        # done; among the ready ones the priority reads best (top layer first, neuron 0 first).
        users_of = [set() for _ in units]
        for v, k in unit_of.items():
            for child, _ in view.users[v]:
                u = unit_of.get(child)
                if u is not None and u != k:
                    users_of[k].add(u)
        waiting = [len(us) for us in users_of]
        uses = [[] for _ in units]
        for k, us in enumerate(users_of):
            for u in us:
                uses[u].append(k)
        ready = [(units[k][0], k) for k in range(len(units)) if waiting[k] == 0]
        heapq.heapify(ready)
        ordered = []
        while ready:
            _, k = heapq.heappop(ready)
            ordered.append(k)
            for p in uses[k]:
                waiting[p] -= 1
                if waiting[p] == 0:
                    heapq.heappush(ready, (units[p][0], p))
        if len(ordered) < len(units):
            raise ValueError("backward_steps(): the neurons of this graph cannot be put in one "
                             "order (a layer is used at two depths); pass collapse=None")
        return [self._describe(units[k][1], units[k][2]) for k in ordered]

    def _units(self, level: str) -> list:
        """(priority, key, members) for each step: neurons or layers, inputs, the other Values."""
        view = self.view
        groups: dict = {}  # key -> members
        for n in view.neurons:
            key = ("neuron", n.layer, n.index) if level == "neuron" else ("layer", n.layer)
            groups.setdefault(key, []).extend(v for v in (n.linear, n.activation) if v is not None)
        users = view.users
        in_group = {v: key for key, members in groups.items() for v in members}
        head = self._computed_from_network() if level == "layer" else set()
        inputs = []
        for v in view.drawn:
            if v in in_group:
                continue
            role = view.roles.get(v)
            if not v.parents and role in ("weight", "bias"):
                keys = {in_group.get(c) for c, _ in users[v]}
                if len(keys) == 1 and None not in keys:
                    groups[keys.pop()].append(v)  # a parameter only its neuron (or layer) uses
                    continue
            if role == "input" and all(c in view.neuron_of for c, _ in users[v]):
                inputs.append(v)
                continue
            if role == "target":
                continue  # a target gets no gradient anyone reads
            groups.setdefault(("loss",) if v in head else ("value", self.position[v]), []).append(v)
        if inputs:
            groups[("inputs",)] = inputs
        units = []
        for key, members in groups.items():
            kind = key[0]
            if kind == "value":
                priority = (0, -key[1], 0)
            elif kind in ("neuron", "layer"):
                priority = (1, -key[1], key[2] if kind == "neuron" else 0)
            else:
                priority = (0, 0, 0) if kind == "loss" else (3, 0, 0)
            units.append((priority, key, members))
        return units

    def _computed_from_network(self) -> set:
        """The Values computed from the network's outputs outside any neuron: the loss and its parts."""
        view = self.view
        outputs = {n.output for n in view.neurons}
        down = set()
        for u in self.s.order:
            if u in outputs or (u not in view.neuron_of and any(p in down for p in u.parents)):
                down.add(u)
        return down - outputs

    # -- what each step says ---------------------------------------------------------
    def _describe(self, key: tuple, members: list):
        kind = key[0]
        members = tuple(sorted(members, key=self.position.get))
        if kind == "neuron":
            return self._neuron(key[1], key[2], members)
        if kind == "layer":
            return self._layer(key[1], members)
        s = self.s
        if kind == "inputs":
            return ValueStep("inputs", say("the inputs", KOREAN), members, tuple(self._input_lines(members)))
        lines = [line for v in reversed(members) for line in s.value_lines(v)]
        title = say("the loss", KOREAN) if kind == "loss" else s.name(members[0])
        return ValueStep(kind, title, members, tuple(lines))

    def _sum_text(self, terms: list[str], total: float) -> str:
        """'a + b = total', or the total alone when it is all there is to say."""
        number = self.s._number(total)
        if len(terms) > _MAX_TERMS:
            return say("(the sum of {n} contributions) = {total}", KOREAN, n=len(terms), total=number)
        text = " + ".join(terms)
        return number if text == number else f"{text} = {number}"

    def _input_lines(self, inputs: tuple) -> list[str]:
        s = self.s
        lines = []
        for x in inputs:
            terms = [f"{s._number(e.node.grad)} · {s._number(e.local_grad)}"
                     for e in self.view.edges_from(x)]
            lines.append(f"{s.d(s.root)}/{s.d(x)} = " + self._sum_text(terms, x.grad))
        return lines

    def _activation_text(self, neurons: list[Neuron]) -> str:
        kinds = {str(n.activation.op) if n.activation is not None else "" for n in neurons}
        return kinds.pop() if len(kinds) == 1 else "f"

    def _neuron(self, layer: int, index: int, members: tuple) -> NeuronStep:
        s, view, num = self.s, self.view, self.s._number
        apps = tuple(sorted((n for n in view.neurons if n.layer == layer and n.index == index),
                            key=lambda n: n.sample))
        r = s.d(s.root)
        act = self._activation_text(list(apps))
        first = apps[0]
        title = say("neuron {index} of layer {layer}", KOREAN, index=index, layer=layer)
        lines = [f"{s.name(first.output)} = {act}({s.name(first.linear)})" if act
                 else say("{z} (no activation)", KOREAN, z=s.name(first.linear))]
        upstream, slope, delta, input_grads = [], [], [], []
        for n in apps:
            prefix = say("sample {sample}: ", KOREAN, sample=n.sample) if len(apps) > 1 else ""
            out, z = n.output, n.linear
            terms = [f"{num(e.node.grad)} · {num(e.local_grad)}" for e in view.edges_from(out)]
            if out is s.root:
                lines.append(prefix + say("upstream {d} = {value} (the seed)", KOREAN,
                                          d=f"{r}/{s.d(out)}", value=num(out.grad)))
            elif terms:
                lines.append(prefix + say("upstream {d} = {rest}", KOREAN, d=f"{r}/{s.d(out)}",
                                          rest=self._sum_text(terms, out.grad)))
            if n.activation is not None:
                formula = s.names.formula(n.activation, 0).plain
                local = n.activation.local_grads[0]
                text = num(local) if formula == num(local) else f"{formula} = {num(local)}"
                lines.append(prefix + say("slope {d} = {rest}", KOREAN, d=f"{s.d(out)}/{s.d(z)}",
                                          rest=text))
                lines.append(prefix + say("delta {d} = {rest}", KOREAN, d=f"{r}/{s.d(z)}",
                                          rest=f"{num(out.grad)} · {num(local)} = {num(z.grad)}"))
                slope.append(local)
            else:
                slope.append(1.0)
            upstream.append(out.grad)
            delta.append(z.grad)
            input_grads.append(tuple(z.grad * w.data for w in n.weights))
        weights, bias = first.weights, first.bias
        hidden = set(members)
        weight_grads = []
        for i, w in enumerate(weights):
            via = sum(n.linear.grad * n.linear.local_grads[i] for n in apps)
            weight_grads.append(w.grad if w in hidden else via)
        bias_grad = bias.grad if bias in hidden else sum(n.linear.grad for n in apps)
        lines += self._weight_lines(apps, weights, weight_grads, bias, bias_grad)
        for n, grads in zip(apps, input_grads):
            prefix = say("sample {sample}: ", KOREAN, sample=n.sample) if len(apps) > 1 else ""
            shown = [say("{x} gets {rest}", KOREAN, x=s.name(x),
                         rest=f"{num(n.linear.grad)} · {num(w.data)} = {num(g)}")
                     for x, w, g in zip(n.inputs, n.weights, grads)]
            if len(shown) > _MAX_TERMS:
                shown = [say("each input x_i gets {rest}", KOREAN,
                             rest=f"{s.d(s.root)}/{s.d(n.linear)} · w_i = {_vector(grads, num)}")]
            lines.append(prefix + say("to its inputs: {rest}", KOREAN, rest="; ".join(shown)))
        return NeuronStep("neuron", title, members, tuple(lines), layer, index, apps,
                          tuple(upstream), tuple(slope), tuple(delta), tuple(weight_grads),
                          bias_grad, tuple(input_grads))

    def _weight_lines(self, apps, weights, weight_grads, bias, bias_grad) -> list[str]:
        s, num = self.s, self.s._number
        r = s.d(s.root)
        many = len(apps) > 1
        z = f"{r}/dz" if many else f"{r}/{s.d(apps[0].linear)}"
        over = say("Σ over the {n} samples of ", KOREAN, n=len(apps)) if many else ""
        lines = []
        if len(weights) > _MAX_TERMS:
            inputs = apps[0].inputs
            lines.append(say("weights {rest}", KOREAN,
                             rest=f"{r}/{s.d(weights[0])} … {r}/{s.d(weights[-1])} = {over}{z} · "
                                  f"[{s.name(inputs[0])} … {s.name(inputs[-1])}] = "
                                  f"{_vector(weight_grads, num)}"))
        else:
            for i, (w, g) in enumerate(zip(weights, weight_grads)):
                terms = [f"{num(n.linear.grad)} · {num(n.inputs[i].data)}" for n in apps]
                what = say("its input", KOREAN) if many else s.name(apps[0].inputs[i])
                lines.append(say("weight {rest}", KOREAN, rest=f"{r}/{s.d(w)} = {over}{z} · {what} = "
                                                             + self._sum_text(terms, g)))
        lines.append(say("bias {rest}", KOREAN, rest=f"{r}/{s.d(bias)} = {over}{z} = "
                         + self._sum_text([num(n.linear.grad) for n in apps], bias_grad)))
        return lines

    def _layer(self, layer: int, members: tuple) -> LayerStep:
        s, view, num = self.s, self.view, self.s._number
        apps = view.layer_applications()
        samples = sorted(sample for (l, sample) in apps if l == layer)
        rows = [apps[(layer, sample)] for sample in samples]
        first = rows[0]
        p, d = len(first), len(first[0].weights)
        upstream = np.array([[n.output.grad for n in row] for row in rows])
        slope = np.array([[n.activation.local_grads[0] if n.activation is not None else 1.0
                           for n in row] for row in rows])
        delta = np.array([[n.linear.grad for n in row] for row in rows])
        weights = np.array([[w.data for w in n.weights] for n in first])
        below = np.array([[x.data for x in row[0].inputs] for row in rows])
        weight_grad = delta.T @ below
        bias_grad = delta.sum(axis=0)
        input_grad = delta @ weights
        act = self._activation_text(first)
        n_samples = len(rows)
        neurons_text = say("{p} neuron" if p == 1 else "{p} neurons", KOREAN, p=p)
        title = say("layer {layer} ({rest})", KOREAN, layer=layer,
                    rest=f"{neurons_text}{', ' + act if act else ''}")
        below_name = self._below_name(first[0])
        L, above = layer, self._layer_above(layer)
        r = s.d(s.root)
        lines = []
        if n_samples == 1:
            lines.append(say("{formula}   (W{layer} is {shape}, one row per neuron)", KOREAN,
                             formula=f"{'h' if act else 'z'}{L} = {act + '(' if act else ''}W{L} "
                                     f"{below_name} + b{L}{')' if act else ''}",
                             layer=L, shape=f"{p}×{d}"))
            if above is not None:
                lines.append(say("upstream {d} = {rest}", KOREAN, d=f"{r}/dh{L}",
                                 rest=f"W{above}ᵀ δ{above} = {_vector(upstream[0], num)}"))
            else:
                lines.append(say("upstream {d} = {value} (from the loss)", KOREAN,
                                 d=f"{r}/d{'h' if act else 'z'}{L}", value=_vector(upstream[0], num)))
            if act:
                lines.append(say("slope {d} = {rest}", KOREAN, d=f"{act}'(z{L})",
                                 rest=_vector(slope[0], num)))
                lines.append(f"δ{L} = {r}/dz{L} = {act}'(z{L}) ⊙ "
                             f"{'W' + str(above) + 'ᵀ δ' + str(above) if above is not None else say('upstream', KOREAN)}"
                             f" = {_vector(delta[0], num)}")
            else:
                lines.append(say("{delta} = upstream (no activation) = {value}", KOREAN,
                                 delta=f"δ{L} = {r}/dz{L}", value=_vector(delta[0], num)))
            lines.append(f"{r}/dW{L} = δ{L} {below_name}ᵀ = {_matrix(weight_grad, num)}")
            lines.append(f"{r}/db{L} = δ{L} = {_vector(bias_grad, num)}")
            lines.append(say("passes down {rest}", KOREAN,
                             rest=f"W{L}ᵀ δ{L} = {_vector(input_grad[0], num)}"))
        else:
            big_below = below_name.upper()
            lines.append(say("{formula}: {n} samples, one row each (W{layer} is {shape}, one row "
                             "per neuron)", KOREAN, formula=f"Z{L} = {big_below} W{L}ᵀ + b{L}",
                             n=n_samples, layer=L, shape=f"{p}×{d}"))
            if above is not None:
                lines.append(say("upstream {d} = {rest}", KOREAN, d=f"{r}/dH{L}",
                                 rest=f"Δ{above} W{above} = {_matrix(upstream, num)}"))
            else:
                lines.append(say("upstream {d} = {value} (from the loss)", KOREAN,
                                 d=f"{r}/d{'H' if act else 'Z'}{L}", value=_matrix(upstream, num)))
            if act:
                lines.append(f"Δ{L} = {r}/dZ{L} = {act}'(Z{L}) ⊙ {say('upstream', KOREAN)} = "
                             f"{_matrix(delta, num)}")
            else:
                lines.append(say("{delta} = upstream (no activation) = {value}", KOREAN,
                                 delta=f"Δ{L} = {r}/dZ{L}", value=_matrix(delta, num)))
            lines.append(say("{lhs} ({term} summed over the samples) = {value}", KOREAN,
                             lhs=f"{r}/dW{L} = Δ{L}ᵀ {big_below}", term=f"δ {below_name}ᵀ",
                             value=_matrix(weight_grad, num)))
            lines.append(say("{lhs} = the column sums of {delta} = {value}", KOREAN, lhs=f"{r}/db{L}",
                             delta=f"Δ{L}", value=_vector(bias_grad, num)))
            lines.append(say("passes down {rest}", KOREAN, rest=f"Δ{L} W{L} = {_matrix(input_grad, num)}"))
        return LayerStep("layer", title, members, tuple(lines), layer,
                         tuple(tuple(row) for row in rows), upstream, slope, delta, weights, below,
                         weight_grad, bias_grad, input_grad)

    def _below_name(self, neuron: Neuron) -> str:
        """What a layer reads, by name: 'x' for the inputs, 'h0' for layer 0's activations."""
        producer = self.view.neuron_of.get(neuron.inputs[0]) if neuron.inputs else None
        if producer is None:
            return "x"
        return f"{'h' if producer.activation is not None else 'z'}{producer.layer}"

    def _layer_above(self, layer: int) -> int | None:
        """The layer that reads this one's outputs, if a layer does."""
        for n in self.view.neurons:
            if n.layer == layer:
                for child, _ in self.view.users[n.output]:
                    above = self.view.neuron_of.get(child)
                    if above is not None and above.linear is child:
                        return above.layer
                return None
        return None


def _vector(values, num) -> str:
    values = list(values)
    if len(values) > _MAX_PRINTED:
        return say("({n} numbers)", KOREAN, n=len(values))
    return "[" + ", ".join(num(float(v)) for v in values) + "]"


def _matrix(values: np.ndarray, num) -> str:
    rows, cols = values.shape
    if rows * cols > _MAX_PRINTED:
        return say("({rows}×{cols} numbers)", KOREAN, rows=rows, cols=cols)
    return "[" + ", ".join(_vector(row, num) for row in values) + "]"


def _choose_level(view: GraphView, collapse) -> tuple[str | None, str]:
    """The level to read at, and a note saying why when the default chose it."""
    if collapse != AUTO:
        if collapse not in LEVELS:
            raise ValueError(f"backward_steps(collapse={safe_text(repr(collapse))}): expected "
                             "'auto', None, 'neuron' or 'layer'")
        return collapse, ""
    shown = sum(1 for v in view.drawn if view.roles.get(v) != "target")
    if not view.neurons or shown <= MAX_NODE_LEVEL:
        return None, ""
    neuron_steps = len({(n.layer, n.index) for n in view.neurons})
    if neuron_steps <= MAX_NEURON_LEVEL:
        return "neuron", say("one neuron at a time: {shown} Values are too many to follow one by "
                             "one; collapse=None shows every node", KOREAN, shown=shown)
    return "layer", say("one layer at a time: {shown} Values and {neurons} neurons are too many "
                        "to follow one by one; collapse='neuron' or None shows more", KOREAN,
                        shown=shown, neurons=neuron_steps)


def backward_steps(root: Value, gradient: float = 1.0, *, fmt: str = ".4g", model=None,
                   collapse: str | None = AUTO) -> BackwardSteps:
    """Run backward from ``root`` and record every step.

    The walk is ``autograd.backward``'s: reverse topological order, each node
    adding ``upstream_grad * local_grad`` to each parent.  Every ``grad`` in the
    graph is first set to 0, so afterwards each one holds d(root)/d(node) --
    exactly what ``zero_grad`` then ``root.backward(gradient)`` leaves behind.

    ``model`` (an ``nn.Module``) numbers neurons and layers as the model does;
    ``collapse`` is the level of detail: None (every node), 'neuron', 'layer',
    or 'auto' (the default: every node for a small graph, one neuron at a time
    above MAX_NODE_LEVEL Values, one layer at a time above MAX_NEURON_LEVEL
    neurons; ``steps.note`` says which and why).

    >>> x, y = Value(1.0, label='x'), Value(2.0, label='y')
    >>> steps = backward_steps((x + y) ** 2)
    >>> len(steps), x.grad, y.grad
    (2, 6.0, 6.0)
    """
    require_value(root, "backward_steps")
    check_format(fmt, "backward_steps")
    try:
        gradient = float(gradient)
    except (TypeError, ValueError):
        raise TypeError(f"backward_steps(): gradient must be a number, got {gradient!r}") from None
    if not gradient - gradient == 0.0:  # NaN or infinite
        raise ValueError(f"backward_steps(): gradient must be a finite number, got {gradient!r}")
    order = topological_order(root, "backward_steps()")
    refuse_changed_graph(order, change_count(), "backward_steps()")
    view = GraphView(order, model, fmt=fmt, where="backward_steps")
    level, note = _choose_level(view, collapse)
    with backward_lock():  # backward()'s turn-taking: two walks never interleave their grads
        before = [v.grad for v in order]
        try:
            steps = _walk(root, order, gradient)
        except BaseException:
            for v, g in zip(order, before):  # a failed walk changes nothing, as in backward()
                v.grad = g
            raise
        # Recorded as backward() records it: explain() finds children from this root,
        # and no gradient is added up here, so nothing is left for the optimizer to warn of.
        record_backward(root)
    return BackwardSteps(root, order, steps, gradient, fmt, view, level, note)


def _walk(root: Value, order: list[Value], gradient: float) -> list[Step]:
    """backward()'s walk, recording each node's step; the grads start from 0."""
    for v in order:
        v.grad = 0.0
    root.grad = gradient
    steps = []
    for node in reversed(order):
        if not node.parents:
            # a leaf: all of its gradient is in; inf or NaN anywhere would reach it
            if not math.isfinite(node.grad):
                raise gradient_overflow(node, "backward_steps()")
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
    return steps
