"""The notation: how a graph is read -- what each Value is, what it is called, how it is written.

Key idea: a learner reads a graph as the mathematics it computes.  A node is
written as an expression of its parents (``x + y``, ``tanh(w)``, ``2x``), a local
derivative as its primitive's formula from the table in ``autograd/ops.py``
with the parents' expressions filled in (``2(x + y)``), and the chain rule for
d(root)/dx as one product of formulas per path from the root down to x, summed
over the paths.  Each piece has a plain-text form and a LaTeX form.

Before anything is written, :class:`GraphView` reads the graph the way the
notes do: each ``linear`` node is a neuron's pre-activation ``z`` and the node
after it its activation ``h``; neurons reading the same inputs form a layer;
their leaves are weights ``W0[j,i]``, biases ``b0[j]`` and inputs ``x[i]``; a
network output minus a number is an ``error`` against a ``target``; a sum
times 1/n is a ``mean``.  Numbers the engine made into leaves (the 1 in
``x - 1``) are *constants*: they are written as numbers and folded into the
operation that uses them, so ``x - 1`` is one subtraction, not
``x + (1 * -1)``.  The step table, the frames, the drawings, ``explain`` and
``check_graph`` all read a graph through this one module, so they always agree.

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

import numbers
import re
import unicodedata
from dataclasses import dataclass

from autograd import ops
from autograd.language import say
from autograd.value import Value

__all__ = ["MAX_VIEW", "format_number", "check_format", "check_count", "check_flag", "safe_text", "Expr",
           "Neuron", "Edge", "Operation", "GraphView", "parameter_names", "Notation", "ChainRule",
           "chain_rule", "paths", "d_name", "text_width", "pad", "derivative_name", "latex_name", "latex_text", "wrap",
           "SUM", "PRODUCT", "POWER", "ATOM", "MAX_PATHS", "MAX_PATH_EDGES", "MAX_LABEL",
           "INPUT", "WEIGHT", "BIAS", "PRE_ACTIVATION", "ACTIVATION", "TARGET", "ERROR", "LOSS"]

MAX_PATHS = 32        # more paths than this make a chain-rule sum nobody reads
MAX_PATH_EDGES = 64   # a longer path makes a product nobody reads (and a text that grows without end)
MAX_LABEL = 80        # a label is cut to this many characters wherever it is shown
# Drawings, frames, step tables and explanations read a graph through a GraphView, about
# 20 microseconds per Value: past this many Values one would take seconds, then minutes,
# and show nobody anything readable.  Refused, saying how big and what to look at instead.
MAX_VIEW = 100_000

# The few words the notation writes, in Korean (autograd/language.py); the rest is symbols.
KOREAN = {"{op} (with {constants})": "{op} (상수 {constants})"}

# Precedence of an expression's outermost operation, to know when it needs brackets.
SUM, PRODUCT, POWER, ATOM = 0, 1, 2, 3

# The roles a Value can play in a network (GraphView.roles).
INPUT, WEIGHT, BIAS = "input", "weight", "bias"
PRE_ACTIVATION, ACTIVATION = "pre-activation", "activation"
TARGET, ERROR, LOSS = "target", "error", "loss"


# -- numbers, text and arguments ----------------------------------------------------------

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


def check_format(fmt, where: str) -> str:
    """``fmt`` if it formats a number (``'.4g'``, ``'.2f'``), else an error naming ``where``.

    >>> check_format('.2f', 'draw_graph')
    '.2f'
    >>> check_format('s', 'draw_graph')
    Traceback (most recent call last):
    ValueError: draw_graph(fmt='s'): not a number format; use one like '.4g' (4 significant digits) or '.2f' (2 decimals)
    """
    if not isinstance(fmt, str):
        raise TypeError(f"{where}(fmt=...): expected a format string like '.4g', got "
                        f"{type(fmt).__name__} {fmt!r}")
    try:
        format(-1.5, fmt)
    except (ValueError, TypeError):
        raise ValueError(f"{where}(fmt={fmt!r}): not a number format; use one like '.4g' "
                         "(4 significant digits) or '.2f' (2 decimals)") from None
    return fmt


def check_count(n, name: str, where: str, minimum: int = 1) -> int:
    """``n`` if it is a whole number >= ``minimum``, else an error naming the argument.

    >>> check_count(300, 'max_nodes', 'draw_graph')
    300
    >>> check_count('a', 'max_nodes', 'draw_graph')
    Traceback (most recent call last):
    TypeError: draw_graph(max_nodes='a'): expected a whole number, got str
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{where}({name}={n!r}): expected a whole number, got {type(n).__name__}")
    if n < minimum:
        raise ValueError(f"{where}({name}={n!r}): must be at least {minimum}")
    return int(n)


def check_flag(flag, name: str, where: str) -> bool:
    """``flag`` if it is True or False, else a TypeError naming the argument.

    >>> check_flag(True, 'grads', 'draw_graph')
    True
    """
    if not isinstance(flag, bool):
        raise TypeError(f"{where}({name}={flag!r}): expected True or False, got {type(flag).__name__}")
    return flag


def safe_text(text, limit: int = MAX_LABEL) -> str:
    """Any label as text every renderer takes: no lone surrogate or control character,
    and at most ``limit`` characters (a longer one is cut with '…').

    >>> safe_text('a\\ud800b'), safe_text('x' * 100, 8)
    ('a\\ufffdb', 'xxxxxxx…')
    """
    text = text if isinstance(text, str) else str(text)
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    if text.isprintable():
        return text
    # Surrogates cannot be encoded as UTF-8 and control characters are not allowed in
    # the XML Graphviz reads: both become the replacement character.
    return "".join(ch if ch in "\n\t" or (ch.isprintable() and not "\ud800" <= ch <= "\udfff")
                   or ch == " " else "\ufffd" for ch in text)


def text_width(text: str) -> int:
    """How many columns ``text`` takes in a terminal: a Hangul (or other wide) character two.

    >>> text_width('step'), text_width('단계')
    (4, 4)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``width`` columns (``text_width``), aligned left
    (``'<'``), right (``'>'``) or centred (``'^'``, as ``str.center``), so a table lines up
    in Korean too.

    >>> pad('ab', 4) + '|', pad('단', 4, '>') + '|'
    ('ab  |', '  단|')
    """
    n = len(text) + max(0, width - text_width(text))
    return text.ljust(n) if align == "<" else text.rjust(n) if align == ">" else text.center(n)


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
    """A label in LaTeX: 'x' and 'x_1' as maths, 'loss' upright, anything else as text.

    >>> latex_name('x_1'), latex_name('loss'), latex_name('a&b')
    ('x_{1}', '\\\\mathrm{loss}', '\\\\text{a\\\\&b}')
    """
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


# -- reading a network: neurons, layers, roles and names -------------------------------------

def parameter_names(model, where: str) -> dict:
    """Value -> dotted name for every parameter of ``model`` (an ``nn.Module``); {} for None.

    >>> parameter_names(None, 'draw_graph')
    {}
    """
    if model is None:
        return {}
    named = getattr(model, "named_parameters", None)
    if not callable(named):
        raise TypeError(f"{where}(model=...): expected a module with named_parameters(), "
                        f"got {type(model).__name__} {safe_text(repr(model))}")
    return {v: name for name, v in named()}


@dataclass(frozen=True, eq=False)
class Neuron:
    """One neuron applied to one sample: ``linear`` is z = Σ w·x + b, ``activation`` h = f(z).

    ``layer`` and ``index`` count from 0, as ``model.layers[layer].neurons[index]``;
    ``sample`` numbers the samples of a batch in the order the graph holds them.
    """

    linear: Value
    activation: Value | None
    layer: int
    index: int
    sample: int

    @property
    def weights(self) -> tuple:
        return tuple(ops.linear_parts(self.linear.parents)[0])

    @property
    def inputs(self) -> tuple:
        return tuple(ops.linear_parts(self.linear.parents)[1])

    @property
    def bias(self) -> Value:
        return ops.linear_parts(self.linear.parents)[2]

    @property
    def output(self) -> Value:
        """What the neuron passes on: h, or z for a neuron without an activation."""
        return self.linear if self.activation is None else self.activation


@dataclass(frozen=True)
class Edge:
    """One edge as a learner sees it: ``source`` feeds the operation that makes ``node``.

    ``local_grad`` is d(node)/d(source) along it (a product, when the edge passes
    through a node folded into the operation, as the -1 of a subtraction);
    ``key`` is the engine's edge (child, parent index) that leaves ``source``.
    """

    source: Value
    node: Value
    local_grad: float
    key: tuple


@dataclass(frozen=True)
class Operation:
    """The operation that makes a drawn Value, as drawn: its text and its edges.

    ``folded`` are engine nodes shown inside it (its constants, the negation
    of a subtraction, the sum of a mean).
    """

    node: Value
    text: str
    edges: tuple
    folded: tuple = ()


# What Module.label_parameters writes for a neuron's parameters: 'w.0', 'layers.1.neurons.0.b'.
_LIBRARY_LABEL = re.compile(r"(?:[A-Za-z_]\w*\.\d+\.)*(?:w\.\d+|b)")
# Words for the operations whose symbol is not a word, for names like 'product₂'.
_WORDS = {"add": "sum", "sum": "sum", "mul": "product", "div": "quotient", "pow": "power",
          "linear": "z", "max": "max"}
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _owner(name: str) -> str:
    """The module a parameter belongs to: 'layers.0.neurons.3.w.1' -> 'layers.0.neurons.3'."""
    parts = name.split(".")
    while parts and parts[-1].isdigit():
        parts.pop()
    return ".".join(parts[:-1])


def _users(order: list[Value]) -> dict:
    """Value -> the (child, parent index) edges that use it, in order."""
    users: dict = {v: [] for v in order}
    for v in order:
        for i, p in enumerate(v.parents):
            users.setdefault(p, []).append((v, i))  # (a part of a graph may leave parents out)
    return users


class GraphView:
    """A graph read as a learner reads it: each Value's role and name, what is drawn and how.

    * ``neurons``: every neuron application (:class:`Neuron`), found from the
      ``linear`` nodes; ``model=`` gives them the layer and neuron numbers of the
      model's parameter names, without one they are counted from the graph.
    * ``roles`` and ``names``: weights ``W0[j,i]``, biases ``b0[j]``,
      pre-activations ``z0[j]``, activations ``h0[j]``, inputs ``x[i]`` (a batch
      writes ``Z0[s,j]``, ``X[s,i]``, one row per sample); a network output minus
      a number is an ``error`` against a ``target``; the output of it all is the
      ``loss``.  A label the learner gave always wins.
    * ``constants``: Values that depend on no input, parameter or labelled
      leaf; they are written as numbers and ``hidden`` in drawings.
    * ``operations``: for each drawn interior Value, its :class:`Operation`,
      with constants folded in (``+ 0.5``), ``a + b·(-1)`` drawn as ``a − b``
      and ``Σ × 1/n`` as ``mean``.

    Every pass is linear in the size of the graph.

    >>> x = Value(2.0, label='x')
    >>> y = (x - 1) ** 2
    >>> from autograd.backward import topological_order
    >>> view = GraphView(topological_order(y))
    >>> [view.operations[v].text for v in view.drawn if v.parents]
    ['− 1', '**2']
    """

    def __init__(self, order: list[Value], model=None, *, fmt: str = ".4g",
                 where: str = "draw_graph", any_size: bool = False):
        if len(order) > MAX_VIEW and not any_size:  # check_graph reads only the constants
            raise ValueError(
                f"{where}: the graph has {len(order):,} Values, more than the {MAX_VIEW:,} a "
                "drawing, frames, a step table or an explanation can show (it would take minutes "
                "and nobody could read it). Look at a smaller piece: one sample instead of a "
                "batch, fewer layers or steps; backward() and check_graph() take any size")
        self.order = order
        self.root = order[-1] if order else None
        self.fmt = fmt
        self.users = _users(order)
        self.parameter_names = parameter_names(model, where)
        self.roles: dict = {}
        self.names: dict = {}        # Value -> Expr, for the Values the structure names
        self.titles: dict = {}       # Value -> what its box is titled, where not its name
        self.shown_data: dict = {}   # Value -> the number its box shows, where not its data
        self._applications: dict | None = None
        self._sizes: dict | None = None
        self.neurons: list[Neuron] = self._find_neurons()
        self.neuron_of = {}
        for n in self.neurons:
            self.neuron_of[n.linear] = n
            if n.activation is not None:
                self.neuron_of[n.activation] = n
        self.n_samples = 1 + max((n.sample for n in self.neurons), default=0)
        self.n_layers = 1 + max((n.layer for n in self.neurons), default=-1)
        self._name_network()
        self.constants = self._constants()
        self.folded_into: dict = {}  # engine node -> the drawn node whose operation shows it
        self._read_loss()
        self._operations: dict | None = None
        self.hidden = {v for v in self.constants if v not in self.roles} | set(self.folded_into)
        self.drawn = [v for v in order if v not in self.hidden]
        self._fallback: dict | None = None

    @property
    def operations(self) -> dict:
        """Drawn interior Value -> its :class:`Operation` (worked out when first asked for).

        >>> x = Value(2.0, label='x'); y = x * 3
        >>> GraphView([x, *y.parents[1:], y]).operations[y].text
        '× 3'
        """
        if self._operations is None:
            self._operations = {v: self._operation(v) for v in self.drawn if v.parents}
        return self._operations

    # -- neurons and layers ------------------------------------------------------------
    def _find_neurons(self) -> list[Neuron]:
        owners = {v: _owner(name) for v, name in self.parameter_names.items()}
        found = []  # (linear, activation, model numbers or None)
        for v in self.order:
            if ops.primitive_of(v) is not ops.LINEAR:
                continue
            users = self.users[v]
            child = users[0][0] if len(users) == 1 else None
            activation = child if child is not None and child.parents == (v,) else None
            weights = ops.linear_parts(v.parents)[0]
            numbered = None
            if weights and all(w in owners for w in weights):
                digits = [int(p) for p in owners[weights[0]].split(".") if p.isdigit()]
                numbered = (0, 0) if not digits else (0, digits[0]) if len(digits) == 1 \
                    else (digits[-2], digits[-1])
            found.append((v, activation, numbered))
        if not found:
            return []
        output_of = {}  # an output Value -> position in `found`
        for k, (linear, activation, _) in enumerate(found):
            output_of[linear if activation is None else activation] = k
        # A layer reads the outputs of the layer below: its number is one more than theirs.
        depth = []
        for linear, _, _ in found:
            below = [depth[output_of[x]] for x in ops.linear_parts(linear.parents)[1]
                     if x in output_of]
            depth.append(1 + max(below) if below else 0)
        # Neurons reading the very same inputs are one layer applied to one sample.
        applications: dict = {}
        for k, (linear, _, _) in enumerate(found):
            inputs = tuple(map(id, ops.linear_parts(linear.parents)[1]))
            applications.setdefault((depth[k], inputs), []).append(k)
        position = {}  # an output Value -> where the layer above reads it
        for linear, _, _ in found:
            for i, x in enumerate(ops.linear_parts(linear.parents)[1]):
                position.setdefault(x, i)
        samples, next_sample = {}, 0
        neurons: list = [None] * len(found)
        for (layer, _), members in applications.items():
            first = found[members[0]][0]
            below = [output_of[x] for x in ops.linear_parts(first.parents)[1] if x in output_of]
            if below and below[0] in samples:
                sample = samples[below[0]]
            else:
                sample, next_sample = next_sample, next_sample + 1
            outputs = [found[k][0] if found[k][1] is None else found[k][1] for k in members]
            places = [position.get(o) for o in outputs]
            if None in places or len(set(places)) < len(places):
                places = list(range(len(members)))  # nobody reads them: keep the graph's order
            for k, place in zip(members, places):
                samples[k] = sample
                linear, activation, numbered = found[k]
                layer_number, index = numbered if numbered is not None else (layer, place)
                neurons[k] = Neuron(linear, activation, layer_number, index, sample)
        return sorted(neurons, key=lambda n: (n.sample, n.layer, n.index))

    def layer_applications(self) -> dict:
        """(layer, sample) -> its neurons, in neuron order.

        >>> from autograd.nary import linear
        >>> x = Value(1.0, label='x')
        >>> h = [linear([Value(0.5)], [x]).tanh() for _ in range(2)]
        >>> from autograd.backward import topological_order
        >>> {k: len(v) for k, v in GraphView(topological_order(h[0] + h[1])).layer_applications().items()}
        {(0, 0): 2}
        """
        if self._applications is None:
            self._applications = {}
            for n in self.neurons:
                self._applications.setdefault((n.layer, n.sample), []).append(n)
        return self._applications

    def layer_size(self, layer: int) -> int:
        """How many neurons layer ``layer`` has (in one sample).

        >>> from autograd.nary import linear
        >>> x = Value(1.0, label='x')
        >>> from autograd.backward import topological_order
        >>> GraphView(topological_order(linear([Value(0.5)], [x]))).layer_size(0)
        1
        """
        if self._sizes is None:
            self._sizes = {}
            for (l, _), neurons in self.layer_applications().items():
                self._sizes[l] = max(self._sizes.get(l, 0), len(neurons))
        return self._sizes.get(layer, 0)

    def _library_label(self, v: Value) -> bool:
        """True for a label chainrule wrote itself (a parameter's dotted name), not the learner."""
        if not v.label:
            return True
        if v in self.parameter_names:
            return v.label == self.parameter_names[v]
        return isinstance(v.label, str) and bool(_LIBRARY_LABEL.fullmatch(v.label))

    def _name(self, v: Value, role: str, plain: str, latex: str) -> None:
        if v in self.roles:
            return  # a Value shared by several neurons keeps its first name
        self.roles[v] = role
        if role in (WEIGHT, BIAS) and not self._library_label(v) or \
                role not in (WEIGHT, BIAS) and v.label:
            return  # the learner's own label wins
        self.names[v] = Expr(plain, latex, ATOM)

    def _name_network(self) -> None:
        if not self.neurons:
            return
        one_layer = self.n_layers == 1
        one_neuron = one_layer and all(n.index == 0 for n in self.neurons)
        batch = self.n_samples > 1
        for n in self.neurons:
            l, j, s = n.layer, n.index, n.sample
            top = "" if one_layer else str(l)
            sup = "" if one_layer else f"^{{({l})}}"
            for i, w in enumerate(n.weights):
                if not w.parents:
                    if one_neuron:
                        self._name(w, WEIGHT, f"w[{i}]", f"w_{{{i}}}")
                    else:
                        self._name(w, WEIGHT, f"W{top}[{j},{i}]", f"W{sup}_{{{j},{i}}}")
            if not n.bias.parents:
                if one_neuron:
                    self._name(n.bias, BIAS, "b", "b")
                else:
                    self._name(n.bias, BIAS, f"b{top}[{j}]", f"b{sup}_{{{j}}}")
            for letter, v, role in (("z", n.linear, PRE_ACTIVATION), ("h", n.activation, ACTIVATION)):
                if v is None:
                    continue
                if one_neuron:
                    plain, latex = (f"{letter}[{s}]", f"{letter}_{{{s}}}") if batch else (letter, letter)
                elif batch:
                    big = letter.upper()
                    plain, latex = f"{big}{top}[{s},{j}]", f"{big}{sup}_{{{s},{j}}}"
                else:
                    plain, latex = f"{letter}{top}[{j}]", f"{letter}{sup}_{{{j}}}"
                self._name(v, role, plain, latex)
            for i, x in enumerate(n.inputs):
                if not x.parents and x not in self.roles and x not in self.parameter_names:
                    plain, latex = (f"X[{s},{i}]", f"X_{{{s},{i}}}") if batch else (f"x[{i}]", f"x_{{{i}}}")
                    self._name(x, INPUT, plain, latex)

    # -- constants, the loss and folded operations ---------------------------------------
    def _constants(self) -> set:
        """Values that depend on no input, parameter or labelled leaf: the numbers in formulas."""
        sources = {v for v in self.order if not v.parents and (v.label or v in self.roles)}
        if not sources:  # nothing is named: every leaf is an input of the learner's
            sources = {v for v in self.order if not v.parents}
        variable = set()
        for v in self.order:
            if v in sources or any(p in variable for p in v.parents):
                variable.add(v)
        return {v for v in self.order if v not in variable}

    def _is_constant_leaf(self, v: Value, value: float | None = None) -> bool:
        return (v in self.constants and not v.parents and v not in self.roles
                and (value is None or v.data == value))

    def _negation(self, v: Value, user: Value) -> Value | None:
        """The Value that ``v`` negates (v = q · (-1), used only by ``user``), else None."""
        if ops.primitive_of(v) is not ops.MUL or [u for u, _ in self.users[v]] != [user]:
            return None
        q, c = v.parents
        if not self._is_constant_leaf(c, -1.0):
            q, c = c, q
            if not self._is_constant_leaf(c, -1.0):
                return None
        return q

    def _read_loss(self) -> None:
        """Find each error (a network output minus a target), each mean, and fold negations."""
        outputs = {n.output for n in self.neurons}
        for v in self.order:
            prim = ops.primitive_of(v)
            if prim is ops.ADD and v.parents[0] is not v.parents[1]:
                a, b = v.parents
                negated = self._negation(b, v)
                target = None
                if a in outputs and self._is_constant_leaf(b):  # mse's out + (-t): -t is held
                    target = b
                    self.shown_data[b] = -b.data
                elif a in outputs and negated is not None and not negated.parents:  # out - t
                    target = negated
                elif negated in outputs and self._is_constant_leaf(a):  # t - out
                    target = a
                if negated is not None and (target is not None or negated not in self.constants):
                    self.folded_into[b] = v  # drawn as one subtraction
                if target is not None:
                    self._name_error(v, target)
            elif prim is ops.MUL and v.parents[0] is not v.parents[1]:
                s, c = v.parents
                if ops.primitive_of(s) is ops.SUM and self._is_constant_leaf(c) \
                        and [u for u, _ in self.users[s]] == [v] \
                        and abs(c.data * len(s.parents) - 1.0) < 1e-12:
                    self.folded_into[s] = v  # drawn as one mean
                    if not s.label:  # the sum inside it, as the chain rule passes through it
                        self.names.setdefault(s, Expr("Σ", r"\Sigma", ATOM))
        root = self.root
        if self.neurons and root is not None and root not in self.neuron_of and not root.label \
                and root not in self.roles and root not in self.constants:
            self.roles[root] = LOSS
            self.names[root] = Expr("loss", r"\mathrm{loss}", ATOM)

    def _name_error(self, error: Value, target: Value) -> None:
        if self.n_samples > 1:
            s = self._sample_of(error)
            plain, latex = f"[{s}]", f"_{{{s}}}"
        else:
            plain = latex = ""
        self._name(target, TARGET, f"target{plain}", rf"\mathrm{{target}}{latex}")
        if target in self.names:
            self.titles[target] = f"target{plain}"
            if target in self.shown_data:  # the engine holds -t, and its name says so
                self.names[target] = Expr(f"-target{plain}", rf"-\mathrm{{target}}{latex}", PRODUCT)
        self._name(error, ERROR, f"error{plain}", rf"\mathrm{{error}}{latex}")

    def _sample_of(self, v: Value) -> int:
        for p in v.parents:
            n = self.neuron_of.get(p)
            if n is not None:
                return n.sample
        return 0

    def _number(self, x: float) -> str:
        return format_number(x, self.fmt)

    def _operation(self, v: Value) -> Operation:
        edges, constants, folded = [], [], []
        negated = False
        for i, p in enumerate(v.parents):
            if self.folded_into.get(p) is v:  # a negation or a sum drawn inside this operation
                folded.append(p)
                for j, q in enumerate(p.parents):
                    if q in self.constants and q not in self.roles:
                        folded.append(q)
                    else:
                        edges.append(Edge(q, v, v.local_grads[i] * p.local_grads[j], (p, j)))
                negated = negated or ops.primitive_of(p) is ops.MUL
            elif p in self.constants and p not in self.roles:
                constants.append(p)
                folded.append(p)
            elif p in self.shown_data:  # a target held negated: drawn as itself, subtracted
                edges.append(Edge(p, v, -v.local_grads[i], (v, i)))
                negated = True
            else:
                edges.append(Edge(p, v, v.local_grads[i], (v, i)))
        return Operation(v, self._operation_text(v, constants, negated), tuple(edges), tuple(folded))

    def _operation_text(self, v: Value, constants: list, negated: bool) -> str:
        prim = ops.primitive_of(v)
        name = prim.name if prim else None
        if name == "add":
            if negated:
                return "−"
            if constants:
                c = constants[0].data
                return f"+ {self._number(c)}" if c >= 0 else f"− {self._number(-c)}"
        if name == "mul":
            if any(self.folded_into.get(p) is v for p in v.parents):
                return "mean"
            if constants:
                return f"× {self._number(constants[0].data)}"
        if name == "div" and constants:
            if constants[-1] is v.parents[1]:
                return f"÷ {self._number(constants[-1].data)}"
            return f"{self._number(constants[0].data)} ÷"
        text = str(v.op) if v.op else "?"
        if constants and name not in ("add", "mul", "div"):
            text = say("{op} (with {constants})", KOREAN, op=text,
                       constants=", ".join(self._number(c.data) for c in constants))
        return safe_text(text)

    @property
    def fallback(self) -> dict:
        """Value -> a name for a long unnamed expression: its operation and how many of those
        came before it in forward order ('tanh₃', 'product₂'), whatever the expression's length."""
        if self._fallback is None:
            self._fallback = {}
            counts: dict = {}
            latex: dict = {}
            for v in self.order:
                if not v.parents or v in self.names or v in self.constants:
                    continue
                prim = ops.primitive_of(v)
                word = _WORDS.get(prim.name, prim.name if prim.params else prim.symbol) if prim \
                    else (safe_text(str(v.op), 16) or "f")
                counts[word] = k = counts.get(word, 0) + 1
                if word not in latex:
                    latex[word] = _latex_function(word) or rf"\mathrm{{{latex_text(word)}}}"
                self._fallback[v] = Expr(f"{word}{str(k).translate(_SUBSCRIPTS)}",
                                         f"{latex[word]}_{{{k}}}", ATOM)
        return self._fallback

    def edges_from(self, v: Value) -> list:
        """The drawn edges that leave ``v``, in backward's order (the last user first).

        >>> x = Value(2.0, label='x'); y = x - 1
        >>> from autograd.backward import topological_order
        >>> [(e.node is y, e.local_grad) for e in GraphView(topological_order(y)).edges_from(x)]
        [(True, 1.0)]
        """
        out = []
        for child, _ in reversed(self.users[v]):
            shown = self.folded_into.get(child, child)
            if shown in self.operations:
                out += [e for e in self.operations[shown].edges if e.source is v and e.key[0] is child]
        return list(dict.fromkeys(out))  # a node folded in twice (a - a) is listed once per edge

    def title(self, v: Value) -> str:
        """What ``v``'s box is titled: its structural name or label ('' for none).

        >>> x = Value(2.0, label='x'); GraphView([x]).title(x)
        'x'
        """
        if v in self.titles:
            return self.titles[v]
        if v in self.names:
            return self.names[v].plain
        return safe_text(v.label) if v.label else ""

    def data(self, v: Value) -> float:
        """The number ``v``'s box shows (a target held negated shows the target).

        >>> x = Value(2.0, label='x'); GraphView([x]).data(x)
        2.0
        """
        return self.shown_data.get(v, v.data)


# -- writing nodes and derivatives -------------------------------------------------------------

class Notation:
    """Writes each node as an expression of its parents, and each local derivative as a formula.

    ``expand=True`` writes a labelled interior node as its expression in terms of
    the inputs (``w`` becomes ``x + y``); ``expand=False`` writes it by its label.
    Names from the network's structure (``W0[1,2]``, ``h0[1]``, ``loss``) are
    never expanded.  An expression longer than ``max_len`` is referred to by its
    label, or by its operation and how many of those came before it (``tanh₃``).
    ``view`` is the :class:`GraphView` to read names from (made from ``order``
    when not given).
    """

    def __init__(self, order: list[Value], fmt: str = ".4g", expand: bool = False,
                 max_len: int = 24, view: GraphView | None = None):
        self.fmt = fmt
        self.view = view if view is not None else GraphView(order, fmt=fmt)
        self.exprs: dict[Value, Expr] = {}
        for v in order:  # parents first, so no recursion is needed
            self.exprs[v] = self._write(v, expand, max_len)

    def number(self, x: float) -> Expr:
        text = format_number(x, self.fmt)
        return Expr(text, text, PRODUCT if text.startswith("-") else ATOM)

    def _write(self, v: Value, expand: bool, max_len: int) -> Expr:
        view = self.view
        named = view.names.get(v)
        if named is not None:
            return named
        if v.label and (not v.parents or not expand):
            label = safe_text(v.label)
            return Expr(label, latex_name(label), ATOM)
        if not v.parents or v in view.constants:
            return self.number(v.data)
        e = self._expression(v)
        if len(e.plain) > max_len:
            if v.label:
                label = safe_text(v.label)
                return Expr(label, latex_name(label), ATOM)
            return view.fallback[v]
        return e

    def _constant(self, v: Value) -> bool:
        return v in self.view.constants and v not in self.view.names

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
        """How ``v`` is called in plain text: its name, label, expression or ``tanh₃``."""
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
            if self.view.folded_into.get(v.parents[0]) is v:  # Σ × 1/n
                inner = self.exprs[v.parents[0]]
                return Expr(f"mean({inner.plain})", rf"\operatorname{{mean}}({inner.latex})", ATOM)
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
        symbol = safe_text(str(v.op), 24) or "f"
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


# -- the chain rule ------------------------------------------------------------------------

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
    """A node's name after 'd' in plain text: 'dx', 'dW0[1,2]', 'd(x + y)', 'd(tanh(x))'.

    >>> d_name(Expr('x', 'x', ATOM)), d_name(Expr('x + y', 'x + y', SUM)), d_name(Expr('2x', '2x', PRODUCT))
    ('x', '(x + y)', '(2x)')
    """
    # a name that starts with a digit is a number or a product (2x): 'd2x' would misread
    return e.plain if re.fullmatch(r"(?![\d.])[\w.]+(\[[\w,]+\])?", e.plain) else f"({e.plain})"


def paths(order: list[Value], root: Value, x: Value) -> list[list[tuple[Value, int]]]:
    """Every path from ``root`` down to ``x``, as the edges (node, parent index) it takes.

    Raises ValueError when more than MAX_PATHS paths lead from root to x, or a
    path has more than MAX_PATH_EDGES edges: both are counted first, in one pass
    over the graph, so the refusal costs no more than the graph's size.
    """
    reaches = {x}  # nodes that depend on x, found parents-first
    count, longest = {x: 1}, {x: 0}
    for v in order:
        below = [p for p in v.parents if p in reaches]
        if below:
            reaches.add(v)
            count[v] = min(MAX_PATHS + 1, sum(count[p] for p in below))
            longest[v] = 1 + max(longest[p] for p in below)
    if root not in reaches or root is x:
        return []
    if count[root] > MAX_PATHS:
        raise ValueError(f"chain_rule(): more than {MAX_PATHS} paths lead from "
                         f"{root!r} to {x!r}; too many to write out -- read "
                         "backward_steps(...).table() instead")
    if longest[root] > MAX_PATH_EDGES:
        raise ValueError(f"chain_rule(): a path from {root!r} to {x!r} has {longest[root]} edges, "
                         f"more than the {MAX_PATH_EDGES} a written product stays readable for -- "
                         "read explain(node) for what each node passed back, or "
                         "backward_steps(...).table()")
    found, stack = [], [(root, ())]
    while stack:
        node, so_far = stack.pop()
        if node is x:
            found.append(list(so_far))
            continue
        for i, p in reversed(list(enumerate(node.parents))):
            if p in reaches:
                stack.append((p, (*so_far, (node, i))))
    return found


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
    ValueError when more than MAX_PATHS paths lead from root to x, or a path is
    longer than MAX_PATH_EDGES.
    """
    if not isinstance(x, Value):
        raise TypeError(f"chain_rule(): expected a Value, got {type(x).__name__} {x!r}")
    if x not in names.exprs:
        raise ValueError(f"chain_rule(): {x!r} is not part of the graph of {root!r}")

    def d(top: Value, bottom: Value) -> tuple[str, str]:
        return derivative_name(names, top, bottom)

    lhs = d(root, x)
    result = format_number(x.grad if total is None else total, fmt)
    if x is root:
        return ChainRule(f"{lhs[0]} = {result}", f"{lhs[1]} = {result}")
    all_paths = paths(order, root, x)
    values = Notation(order, fmt, expand=expand, max_len=120, view=names.view)
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
