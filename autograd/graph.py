"""Draw a computation graph with Graphviz: a box per Value, an ellipse per operation.

Key idea: the picture is made from exactly what ``backward()`` walks -- each
node's ``parents`` and ``local_grads`` -- read through ``GraphView``
(``autograd/notation.py``), so what a learner sees is what the chain rule uses,
named as the notes name it.  A Value is a box (its name, ``data`` and
``grad``); the operation that made it is a small ellipse just before it
(``+``, ``−``, ``× 2``, ``**2``, ``tanh``, ``Σw·x+b``, ``mean``); edges run
from inputs to outputs, left to right.  A number the engine made into a leaf
(the 1 in ``x - 1``) is written inside the operation that uses it.

``draw_graph`` returns a ``graphviz.Digraph`` (a ``GraphPicture``): a notebook shows
it inline as SVG, and stores a PNG beside it, so that a repository browser or a
notebook that is not trusted (which refuses SVG) shows the picture too;
``.render(path, format='svg')`` writes a file, ``.source`` is the DOT text.
Bigger graphs stay readable: ``model=`` groups each neuron and layer in a
labelled box; ``collapse='neuron'`` or ``'layer'`` draws one box per neuron (or
layer) application.  graphviz is imported only here, and only when a drawing
is made.  Above ``MAX_DRAWABLE`` drawn nodes Graphviz would not finish laying
the picture out, so ``draw_graph`` refuses and says what to draw instead.

``check=True`` also checks each leaf's gradient (and, with
``check_interior=True``, every node's) against central differences and writes
the numeric slope in its box: a disagreement is drawn red with both numbers,
a Value that cannot be checked grey (see ``autograd.check``).
``check_graph(fn, inputs).draw()`` does the same for a function, run again for
the numeric side, so operations made by hand are checked too.
"""
from __future__ import annotations

import base64
import functools
import html
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from autograd import ops
from autograd.backward import topological_order
from autograd.check import GraphCheck, check_graph as check_numbers, check_order
from autograd.language import say
from autograd.learner_warnings import warn, warn_if_never_backward
from autograd.notation import (MAX_LABEL, GraphView, Notation, check_count, check_flag,
                               check_format, format_number, safe_text)
from autograd.value import Value, require_value

__all__ = ["draw_graph", "render_graph", "build_drawing", "check_drawing_arguments", "Drawing", "GraphStyle", "too_big",
           "format_number", "check_graph", "draw_check", "CheckedGraph", "MAX_NODES",
           "MAX_DRAWABLE", "COLLAPSE", "HIGHLIGHT_FILL", "HIGHLIGHT_EDGE", "MISMATCH_FILL",
           "MISMATCH_EDGE", "UNCHECKED_FILL", "DONE_FILL", "PENDING_FILL", "ShownAnywhere",
           "picture_class", "png_base64"]

MAX_NODES = 300       # beyond this many Values a plain drawing is a wall of boxes
MAX_DRAWABLE = 6000   # beyond this many drawn nodes Graphviz takes minutes (or never finishes)
COLLAPSE = (None, "neuron", "layer")

# Colours: inputs blue, parameters yellow, the output green, a chosen path orange-red.
_INPUT_FILL = "#dbe9f6"
_PARAM_FILL = "#fff2cc"
_VALUE_FILL = "#ffffff"
_ROOT_FILL = "#e2f0d9"
_OP_FILL = "#f2f2f2"
_GROUP_FILL = "#ede7f6"
HIGHLIGHT_FILL = "#f8cbad"
HIGHLIGHT_EDGE = "#c0392b"
# The frame player: a Value whose gradient is final, and one not reached yet.
DONE_FILL = "#e2f0d9"
PENDING_FILL = "#ffffff"
# The numeric check: a gradient that disagrees with central differences, one not checked.
MISMATCH_FILL = "#f4a6a6"
MISMATCH_EDGE = "#c00000"
UNCHECKED_FILL = "#d9d9d9"
_FONT = "Helvetica"

# The drawing's titles under set_language('ko'), in docs/glossary.md's words.
KOREAN = {
    "Layer {layer} ({n} neuron)": "층 {layer} (뉴런 {n}개)",
    "Layer {layer} ({n} neurons)": "층 {layer} (뉴런 {n}개)",
    "neuron {index}": "뉴런 {index}",
    "input": "입력",
    "input, sample {sample}": "입력, 샘플 {sample}",
    ", sample {sample}": ", 샘플 {sample}",
    "computation graph of {n} Value": "Value {n}개의 계산 그래프",
    "computation graph of {n} Values": "Value {n}개의 계산 그래프",
}


def png_base64(png: bytes) -> str:
    """PNG bytes as a notebook stores them: base64 text, one line.

    >>> png_base64(b'PNG')
    'UE5H'
    """
    return base64.b64encode(png).decode("ascii")


class ShownAnywhere:
    """What makes a Graphviz graph show wherever a notebook is opened.

    JupyterLab draws SVG only in a trusted notebook, and a repository browser
    shows what is stored; so the bundle a notebook stores carries the picture
    twice: ``image/svg+xml`` (sharp, where it is allowed) and ``image/png``
    (everywhere), and a ``text/plain`` that says what the picture is, instead
    of ``<graphviz.graphs.Digraph at 0x...>``.  Mixed into ``graphviz.Digraph``
    by ``picture_class()``; ``description`` is the text.
    """

    description = "a computation graph drawn by chainrule"

    def __repr__(self) -> str:
        return f"<{self.description}: a picture (SVG and PNG); .source is its DOT text>"

    def _repr_mimebundle_(self, include=None, exclude=None, **_) -> dict:
        bundle = {"image/svg+xml": lambda: self.pipe(format="svg", encoding="utf-8"),
                  "image/png": lambda: png_base64(self.pipe(format="png")),
                  "text/plain": lambda: repr(self)}
        wanted = [m for m in bundle if (include is None or m in include)
                  and not (exclude and m in exclude)]
        return {mime: bundle[mime]() for mime in wanted}


@functools.cache
def picture_class() -> type:
    """``GraphPicture``: a ``graphviz.Digraph`` that is also ``ShownAnywhere`` (what every
    drawing is made of; graphviz is imported only when the first drawing is made).

    >>> x = Value(2.0, label='x'); y = x * x; y.backward()
    >>> picture = draw_graph(y)
    >>> isinstance(picture, picture_class()), sorted(picture._repr_mimebundle_())
    (True, ['image/png', 'image/svg+xml', 'text/plain'])
    >>> picture._repr_mimebundle_(include=['text/plain'])['text/plain'][:31]
    '<computation graph of 2 Values:'
    """
    import graphviz

    return type("GraphPicture", (ShownAnywhere, graphviz.Digraph), {"__module__": __name__})


def too_big(n_values: int, max_nodes: int) -> bool:
    """True when a plain drawing of ``n_values`` Values is too big to read.

    The hook for a learner aid: ``draw_graph`` calls it when ``collapse`` is None
    and still draws the whole graph whatever it returns.

    >>> too_big(301, 300), too_big(300, 300)
    (True, False)
    """
    return n_values > max_nodes


def _escape(text, limit: int = 4 * MAX_LABEL) -> str:
    """Text made safe inside a Graphviz HTML-like label, whatever the user typed."""
    text = safe_text(text, limit)  # no surrogate, no control character, not too long
    return html.escape(text, quote=True).replace("\t", " ").replace("\n", "<BR/>")


@dataclass
class GraphStyle:
    """What to colour or override in a drawing (used for highlight and for the check)."""

    fill: dict = field(default_factory=dict)          # Value -> fill colour
    emphasis: set = field(default_factory=set)        # Values drawn with a thick border
    edge_color: dict = field(default_factory=dict)    # (child, parent index) -> colour
    edge_text: dict = field(default_factory=dict)     # (child, parent index) -> label text
    grad_text: Callable[[Value], str] | None = None   # replaces the formatted grad
    title: Callable[[Value], str] | None = None       # a name for Values without one
    note: dict = field(default_factory=dict)          # Value -> one more cell (the numeric check)


@dataclass
class Drawing:
    """A drawing and how to find things in it (what the frame player needs).

    ``item`` maps each Value to the drawn row that shows it ('v3' for a box of
    its own, 'p2:r1' for row 1 of a table); ``edges`` maps each engine edge
    (child, parent index) to the ids of the drawn edges that carry it;
    ``grad_text`` is the final text of each row's grad cell; ``cells`` gives for
    each row (box id, index of its first cell in the box, cells in the row,
    which of the box's grad cells is its own, or -1).
    """

    dot: object
    item: dict
    edges: dict
    grad_text: dict
    cells: dict


def check_drawing_arguments(where: str, grads, edge_labels, fmt, rankdir, collapse, fused,
                            max_nodes) -> None:
    """A clear error for any drawing option of the wrong kind, naming ``where`` and the value.

    >>> check_drawing_arguments('draw_graph', True, False, '.4g', 'LR', None, True, 300)
    """
    check_flag(grads, "grads", where)
    check_flag(edge_labels, "edge_labels", where)
    check_flag(fused, "fused", where)
    check_format(fmt, where)
    check_count(max_nodes, "max_nodes", where)
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"{where}(rankdir={safe_text(repr(rankdir))}): expected 'LR', 'TB', 'RL' "
                         "or 'BT'")
    if collapse not in COLLAPSE:
        raise ValueError(f"{where}(collapse={safe_text(repr(collapse))}): expected None, 'neuron' "
                         "or 'layer'")


def draw_graph(root: Value, *, grads: bool = True, edge_labels: bool = False,
               highlight: Value | Iterable[Value] | None = None, fmt: str = ".4g",
               rankdir: str = "LR", model=None, collapse: str | None = None,
               fused: bool = True, max_nodes: int = MAX_NODES, check: bool = False,
               check_interior: bool = False, eps: float = 1e-6, atol: float = 1e-5,
               rtol: float = 1e-3):
    """The computation graph of ``root`` as a ``graphviz.Digraph``.

    grads:       show each Value's ``grad`` beside its ``data``.
    edge_labels: write each edge's local derivative (``node.local_grads``) on it.
    highlight:   an input Value (or several): colour every path from it to ``root``.
    fmt:         number format (4 significant digits by default).
    rankdir:     'LR' (inputs left, output right) or 'TB', 'RL', 'BT'.
    model:       anything with ``named_parameters()`` (an ``nn.Module``): neurons and
                 layers are numbered as the model numbers them, each a labelled cluster.
    collapse:    None, 'neuron' (one node per neuron application, its weights
                 hidden) or 'layer' (one node per layer application).
    fused:       draw a linear node as one 'Σw·x+b' ellipse; False draws its
                 products and its sum (the graph itself is unchanged).
    max_nodes:   above this many Values the graph counts as too big to read (a
                 warning); above MAX_DRAWABLE drawn nodes it is refused.
    check:       check each leaf's grad against central differences (``eps``,
                 tolerance ``atol + rtol * |numeric|``, as gradcheck): its box
                 gains a 'numeric' cell; a disagreement is red, and so is the
                 operation whose local derivative is then the likely culprit; a
                 Value that cannot be checked (it needs a node made by hand,
                 with no forward rule) is grey.  Off by default: it runs the
                 graph forward twice per checked Value.
    check_interior: check every interior node's grad too (implies ``check=True``);
                 it tells which operation's local derivative is wrong.

    >>> x, y = Value(1.0, label='x'), Value(2.0, label='y')
    >>> z = (x + y) ** 2
    >>> z.backward()
    >>> dot = draw_graph(z)
    >>> 'grad 6' in dot.source and '**2' in dot.source
    True
    """
    require_value(root, "draw_graph")
    check_drawing_arguments("draw_graph", grads, edge_labels, fmt, rankdir, collapse, fused, max_nodes)
    check_flag(check, "check", "draw_graph")
    check_flag(check_interior, "check_interior", "draw_graph")
    order = topological_order(root, "draw_graph()")
    view = GraphView(order, model, fmt=fmt)
    style = GraphStyle()
    if highlight is not None:
        style = _highlight_style(root, order, highlight)
    if grads or check:
        warn_if_never_backward(root, order, "draw_graph", "call root.backward() first, or pass "
                               "grads=False to draw the values only")
    if collapse is None and too_big(len(view.drawn), max_nodes):
        _warn_too_big(view, max_nodes, model)  # and still draw the whole graph
    report = None
    if check or check_interior:
        report = check_order(root, order, check_interior, eps, atol, rtol)
    return _draw(root, order, view, style, report, grads=grads, edge_labels=edge_labels, fmt=fmt,
                 rankdir=rankdir, collapse=collapse, fused=fused)


def _draw(root, order, view, style, report, **options):
    if report is not None:
        _check_style(style, report, options["fmt"])
    dot = build_drawing(root, order, view=view, style=style, **options).dot
    if report is not None:
        key = [text for text, rows in (("red: disagrees", report.mismatches),
                                        ("grey: not checked", report.unchecked)) if rows]
        dot.attr(label=report.summary(tolerance=False) + (f" ({', '.join(key)})" if key else ""),
                 labelloc="b", fontsize="10")
    return dot


def _warn_too_big(view: GraphView, max_nodes: int, model) -> None:
    if view.neurons:
        fix = ("pass collapse='neuron' or collapse='layer' to draw one box per neuron or per layer"
               + ("" if model is not None else " (and model=your_model to number them as it does)"))
    else:
        fix = "draw a smaller part of it (the loss of one sample, say)"
    warn(f"draw_graph: {len(view.drawn)} Values are too many to read in one picture "
         f"(max_nodes={max_nodes}); {fix}, or raise max_nodes to draw it whole anyway")


def _check_style(style: GraphStyle, report: GraphCheck, fmt: str) -> None:
    """Write each check in its Value's box; colour disagreements red and the unchecked grey."""
    for r in report:
        v = r.node
        if r.ok is None:
            style.fill[v] = UNCHECKED_FILL
            style.note[v] = f"not checked: {r.note}"
        elif r.ok:
            style.note[v] = f"numeric {format_number(r.numeric, fmt)} ✓"
        else:
            style.fill[v] = MISMATCH_FILL
            style.emphasis.add(v)
            style.note[v] = (f"numeric {format_number(r.numeric, fmt)} ≠ grad "
                             f"{format_number(r.analytic, fmt)}")
    for key in report.suspects:
        style.edge_color[key] = MISMATCH_EDGE


def _highlight_style(root: Value, order: list[Value], highlight) -> GraphStyle:
    sources = [highlight] if isinstance(highlight, Value) else list(highlight)
    in_graph = set(order)
    for s in sources:
        if not isinstance(s, Value):
            raise TypeError(f"draw_graph(highlight=...): expected a Value, got {type(s).__name__} "
                            f"{safe_text(repr(s))}")
        if s not in in_graph:
            raise ValueError(f"draw_graph(highlight=...): {s!r} is not part of the graph of {root!r}")
    # A node is on a path from a source to the root when it is a source or uses
    # one; topological order sees every parent before its child.
    on_path = set(sources)
    style = GraphStyle()
    for v in order:
        for i, p in enumerate(v.parents):
            if p in on_path:
                on_path.add(v)
                style.edge_color[(v, i)] = HIGHLIGHT_EDGE
    style.fill = {v: HIGHLIGHT_FILL for v in on_path}
    return style


# -- checking a function, and drawing the result -------------------------------------------

class CheckedGraph(GraphCheck):
    """A :class:`~autograd.check.GraphCheck` that can draw itself: ``.draw()``.

    >>> x = Value(3.0, label='x'); y = x * x; y.backward()
    >>> 'numeric 6' in check_graph(y).draw().source
    True
    """

    def draw(self, **options):
        """The checked graph, each mismatch red with its grad and numeric slope (see draw_check)."""
        return draw_check(self, **options)


def check_graph(root_or_fn, inputs: Sequence[float] | None = None, *, interior: bool = False,
                eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> CheckedGraph:
    """``autograd.check.check_graph`` whose result draws itself: ``check_graph(fn, inputs).draw()``.

    Give it a graph's output (after ``backward()``), or a function and the numbers
    to call it at: the function is run again for the numeric side, so a node made
    by hand with ``Value(data, parents, local_grads)`` is checked too.

    >>> def f(x):
    ...     return Value(x.data ** 2, (x,), (3 * x.data,), op='square')  # d/dx x² is 2x, not 3x
    >>> report = check_graph(f, [2.0])
    >>> report.ok, report.mismatches[0].numeric
    (False, 4.0...)
    """
    report = check_numbers(root_or_fn, inputs, interior=interior, eps=eps, atol=atol, rtol=rtol)
    return CheckedGraph(report.root, report.order, report.rows, report.suspects, report.eps,
                        report.atol, report.rtol, function=report.function,
                        local_checks=report.local_checks)


def draw_check(report: GraphCheck, *, grads: bool = True, edge_labels: bool = False,
               fmt: str = ".4g", rankdir: str = "LR", model=None, collapse: str | None = None,
               fused: bool = True):
    """Draw the graph a check was made of, with its results: a mismatch red (grad and numeric),
    a Value that could not be checked grey, the likely culprit's edge red.

    >>> x = Value(3.0, label='x'); y = x * x; y.backward()
    >>> from autograd.check import check_graph as check
    >>> 'numeric 6' in draw_check(check(y)).source
    True
    """
    if not isinstance(report, GraphCheck):
        raise TypeError(f"draw_check(): expected the result of check_graph(), got "
                        f"{type(report).__name__} {safe_text(repr(report))}")
    check_drawing_arguments("draw_check", grads, edge_labels, fmt, rankdir, collapse, fused, MAX_NODES)
    view = GraphView(report.order, model, fmt=fmt, where="draw_check")
    return _draw(report.root, report.order, view, GraphStyle(), report, grads=grads,
                 edge_labels=edge_labels, fmt=fmt, rankdir=rankdir, collapse=collapse, fused=fused)


# -- grouping a network ---------------------------------------------------------------------

@dataclass
class _Row:
    """One row of a drawn box: its title, the Values its data and grad show, and every Value
    it stands for (an edge into any of them enters this row)."""

    title: str
    values: list
    members: set
    fill: str
    grouped: bool = False  # stands for several Values (a neuron, a layer): edges enter the row


@dataclass
class _Box:
    """One drawn box: a table of rows (one Value; a neuron's parameters; a layer's neurons)."""

    id: str
    rows: list
    path: tuple = ()
    header: str = ""   # a title row over the whole table ('Layer 0 (3 neurons)')


def _default_fill(view: GraphView, v: Value) -> str:
    role = view.roles.get(v)
    if v is view.root:
        return _ROOT_FILL
    if role in ("weight", "bias") or v in view.parameter_names:
        return _PARAM_FILL
    return _INPUT_FILL if not v.parents else _VALUE_FILL


def _operation_text(n) -> str:
    op = str(n.linear.op)
    return f"{n.activation.op}({op})" if n.activation is not None else op


def _boxes(view: GraphView, order: list[Value], collapse: str | None, clusters: dict,
           title_of) -> list[_Box]:
    """Every box of the drawing, in the order a reader meets them: the inputs, then each layer
    (its neurons in order, each neuron's weights in order and then its bias), then the rest.

    Rows of one table keep their order whatever the layout does, so a neuron's parameters are
    one table (a row each), and at neuron level a layer is one table (a row per neuron)."""
    boxes: list[_Box] = []
    placed: set = set()
    users = view.users
    linear_nodes = {n.linear for n in view.neurons}
    batch = view.n_samples > 1

    def add(box: _Box) -> None:
        boxes.append(box)
        for row in box.rows:
            placed.update(row.members)

    index = {v: i for i, v in enumerate(order)}
    # The inputs: a box each, or at neuron and layer level one vector box per sample.
    for (layer, sample), neurons in view.layer_applications().items():
        xs = [x for x in neurons[0].inputs if view.roles.get(x) == "input" and x not in placed]
        if layer != 0 and not xs:
            continue
        if collapse and xs and all(all(c in linear_nodes for c, _ in users[x]) for x in xs):
            title = (say("input, sample {sample}", KOREAN, sample=sample) if batch
                     else say("input", KOREAN))
            add(_Box(f"x{len(boxes)}", [_Row(title, xs, set(xs), _GROUP_FILL, True)]))
        else:
            for x in xs:
                add(_Box(f"v{index[x]}", [_Row(title_of(x), [x], {x}, _default_fill(view, x))]))
    # The neurons.
    if collapse == "layer":
        for (layer, sample), ns in view.layer_applications().items():
            acts = {str(n.activation.op) if n.activation is not None else "" for n in ns}
            act = acts.pop() if len(acts) == 1 else "f"
            op = f"{act}(Σw·x+b)" if act else "Σw·x+b"
            members = {v for n in ns for v in (n.linear, n.activation) if v is not None}
            title = _layer_title(view, layer) + _sample_text(sample, batch)
            add(_Box(f"l{len(boxes)}", [_Row(f"{title}  {op}", [n.output for n in ns], members,
                                              _GROUP_FILL, True)]))
    elif collapse == "neuron":
        for (layer, sample), ns in view.layer_applications().items():
            rows = [_Row(f"{say('neuron {index}', KOREAN, index=n.index)}  {_operation_text(n)}",
                         [n.output],
                         {v for v in (n.linear, n.activation) if v is not None}, _GROUP_FILL, True)
                    for n in ns]
            header = _layer_title(view, layer) + _sample_text(sample, batch)
            add(_Box(f"l{len(boxes)}", rows, header=header))
    else:
        for (layer, index_), ns in _neurons_by_unit(view).items():
            params = [p for p in (*ns[0].weights, ns[0].bias) if not p.parents and p not in placed
                      and p in view.roles and all(c in linear_nodes and view.neuron_of[c].layer == layer
                                                  and view.neuron_of[c].index == index_
                                                  for c, _ in users[p])]
            if params:
                add(_Box(f"p{len(boxes)}", [_Row(title_of(p), [p], {p}, _default_fill(view, p))
                                            for p in params], clusters.get(params[0], ())))
    # Everything else, one box per Value.
    hidden = _hidden(view, collapse)
    for v in order:
        if v in placed or v in view.hidden or v in hidden:
            continue
        add(_Box(f"v{index[v]}", [_Row(title_of(v), [v], {v}, _default_fill(view, v))],
                 clusters.get(v, ())))
    return boxes


def _neurons_by_unit(view: GraphView) -> dict:
    """(layer, index) -> that neuron's applications, layers and neurons in order."""
    units: dict = {}
    for n in sorted(view.neurons, key=lambda n: (n.layer, n.index, n.sample)):
        units.setdefault((n.layer, n.index), []).append(n)
    return units


def _hidden(view: GraphView, collapse: str | None) -> set:
    """At neuron and layer level, the parameters nothing but their neurons use disappear."""
    if not collapse:
        return set()
    linear_nodes = {n.linear for n in view.neurons}
    return {p for n in view.neurons for p in (*n.weights, n.bias)
            if not p.parents and all(c in linear_nodes for c, _ in view.users[p])}


# -- rendering --------------------------------------------------------------------------

def _numbers(values: list[Value], get: Callable[[Value], str], limit: int = 6) -> str:
    if len(values) == 1:
        return get(values[0])
    shown = [get(v) for v in values[:limit]]
    more = ", …" if len(values) > limit else ""
    return f"[{', '.join(shown)}{more}]"


def _table(header: str, rows: list[tuple[str, list[str], str]], emphasised: bool,
           ports: bool) -> str:
    """A box as a Graphviz HTML table: an optional header, then one row per (title, cells, fill).

    Every cell carries the row's colour (so a script can recolour one row), and rows are
    padded to the same number of cells."""
    width = max(len(cells) + bool(title) for title, cells, _ in rows)
    trs = []
    if header:
        trs.append(f'<TR><TD COLSPAN="{width}" BGCOLOR="{_GROUP_FILL}"><B>{_escape(header, MAX_LABEL)}'
                   "</B></TD></TR>")
    for k, (title, cells, fill) in enumerate(rows):
        tds = [f"<B>{_escape(title, MAX_LABEL)}</B>"] if title else []
        tds += [_escape(text) for text in cells]
        tds += [""] * (width - len(tds))
        # Edges enter a row at its first cell and leave it at its last (see _port).
        port = {0: f' PORT="i{k}"', width - 1: f' PORT="o{k}"'} if ports else {}
        if ports and width == 1:
            port = {0: f' PORT="i{k}"'}
        trs.append("<TR>" + "".join(f'<TD BGCOLOR="{fill}"{port.get(j, "")}>{text}</TD>'
                                    for j, text in enumerate(tds)) + "</TR>")
    border = f'BORDER="2" COLOR="{HIGHLIGHT_EDGE}"' if emphasised else 'BORDER="0"'
    return (f'<<TABLE {border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'
            f'{"".join(trs)}</TABLE>>')


def _box(title: str, cells: list[str], fill: str, emphasised: bool) -> str:
    """A one-row box (the products of an unfused linear node)."""
    return _table("", [(title, cells, fill)], emphasised, False)


def render_graph(root: Value, order: list[Value], *, grads: bool, edge_labels: bool, fmt: str,
                 rankdir: str, model, collapse: str | None, fused: bool, style: GraphStyle):
    """The ``graphviz.Digraph`` of an already-ordered graph, coloured by ``style``.

    ``draw_graph`` checks its arguments and calls this (through ``build_drawing``).
    """
    view = GraphView(order, model, fmt=fmt)
    return build_drawing(root, order, view=view, grads=grads, edge_labels=edge_labels, fmt=fmt,
                         rankdir=rankdir, collapse=collapse, fused=fused, style=style).dot


def build_drawing(root: Value, order: list[Value], *, view: GraphView, grads: bool = True,
                  edge_labels: bool = False, fmt: str = ".4g", rankdir: str = "LR",
                  collapse: str | None = None, fused: bool = True,
                  style: GraphStyle | None = None, ids: str = "") -> Drawing:
    """The drawing of an already-ordered graph read through ``view``, and where each Value is in it.

    ``ids``, when given, prefixes an ``id`` on every drawn box and edge, so that a
    script can find them in the SVG (the frame player does); unnamed boxes are then
    titled by their expression, as the frames' captions call them.

    >>> x = Value(2.0, label='x'); y = x * 3; y.backward()
    >>> from autograd.notation import GraphView
    >>> order = topological_order(y)
    >>> drawing = build_drawing(y, order, view=GraphView(order))
    >>> drawing.item[x], drawing.grad_text[drawing.item[x]]
    ('v0', 'grad 3')
    """
    style = style if style is not None else GraphStyle()
    hidden = _hidden(view, collapse)
    for p in hidden:  # a hidden parameter that failed the check turns the row using it red
        if style.fill.get(p) == MISMATCH_FILL:
            for c, _ in view.users[p]:
                style.fill[c] = MISMATCH_FILL
    clusters = _clusters(view) if view.parameter_names and collapse is None else {}
    notation = Notation(order, fmt, expand=False, max_len=24, view=view) if ids else None

    def title_of(v: Value) -> str:
        title = view.title(v)
        if not title and style.title:
            title = style.title(v)
        if not title and notation is not None and v.parents:
            title = notation.name(v)  # the frames' captions name it, so the picture must
        return title

    boxes = _boxes(view, order, collapse, clusters, title_of)
    item_of: dict = {}   # Value -> 'v3', or 'p2:r1' for a row of a table
    row_of: dict = {}    # item -> (box, row)
    for box in boxes:
        for k, row in enumerate(box.rows):
            ref = box.id if len(box.rows) == 1 and not box.header else f"{box.id}:r{k}"
            row_of[ref] = (box, row)
            for v in row.members:
                item_of[v] = ref
    statements: list[tuple[tuple, str, dict]] = []  # (cluster path, node id, attributes)
    edges: list[tuple[str, str, dict]] = []
    edge_ids: dict = {}
    grad_texts: dict = {}
    cells_of: dict = {}  # item -> (box id, first cell, cells in its row, which grad cell)

    def number(x: float) -> str:
        return format_number(x, fmt)

    def grad_of(v: Value) -> str:
        return style.grad_text(v) if style.grad_text else number(v.grad)

    def item(v: Value) -> str | None:
        return item_of.get(v)

    def edge(src: str, dst: str, key: tuple | None, local: str | None) -> None:
        attrs = {}
        color = style.edge_color.get(key) if key else None
        text = style.edge_text.get(key) if key else None
        if text is None and edge_labels and local is not None:
            text = local
        if color:
            attrs.update(color=color, penwidth="2.2", fontcolor=color)
        if text:
            attrs.update(label=f"<{_escape(text)}>", fontsize="9")
        if ids:
            attrs["id"] = f"{ids}e{len(edges)}"
            if key is not None:
                edge_ids.setdefault(key, []).append(attrs["id"])
        edges.append((src, dst, attrs))

    def op_node(node_id: str, text: str, hot: bool, path: tuple) -> None:
        attrs = {"label": f"<{_escape(text, MAX_LABEL)}>", "shape": "ellipse", "style": "filled",
                 "fillcolor": _OP_FILL, "fontsize": "10", "margin": "0.04,0.02",
                 "width": "0.3", "height": "0.3"}
        if hot:
            attrs.update(color=HIGHLIGHT_EDGE, penwidth="2")
        statements.append((path, node_id, attrs))

    for box in boxes:
        rows, emphasised = [], False
        cell, grads_seen = 1 if box.header else 0, 0
        for k, row in enumerate(box.rows):
            cells = [f"data {_numbers(row.values, lambda v: number(view.data(v)))}"]
            ref = box.id if len(box.rows) == 1 and not box.header else f"{box.id}:r{k}"
            has_grad = grads and not all(view.roles.get(v) == "target" for v in row.values)
            if has_grad:
                grad_texts[ref] = f"grad {_numbers(row.values, grad_of)}"
                cells.append(grad_texts[ref])
            notes = [style.note[v] for v in row.values if v in style.note]
            if notes:
                cells.append(notes[0] if len(row.values) == 1 else f"{len(notes)} checked")
            fill = next((style.fill[m] for m in row.members if m in style.fill), row.fill)
            emphasised = emphasised or any(m in style.emphasis for m in row.members)
            rows.append((row.title, cells, fill))
        width = max(len(cells) + bool(title) for title, cells, _ in rows)
        for k, (title, cells, _) in enumerate(rows):
            ref = box.id if len(box.rows) == 1 and not box.header else f"{box.id}:r{k}"
            cells_of[ref] = (box.id, cell, width, grads_seen if ref in grad_texts else -1)
            grads_seen += ref in grad_texts
            cell += width
        attrs = {"label": _table(box.header, rows, emphasised, len(box.rows) > 1 or bool(box.header)),
                 "shape": "plaintext", "margin": "0"}
        if ids:
            attrs["id"] = f"{ids}{box.id}"
        statements.append((box.path, box.id, attrs))
    position = {v: k for k, v in enumerate(order)}
    group_edges: dict = {}  # (source, row) -> index of the one edge drawn between them
    for box in boxes:
        for k, row in enumerate(box.rows):
            if not row.grouped:
                continue  # one Value: its operation is drawn as an ellipse, below
            ref = item_of[next(iter(row.members))]
            for m in sorted(row.members, key=position.get):
                op = view.operations.get(m)
                for e in (op.edges if op else ()):
                    src = item(e.source)
                    if src is None or src == ref:
                        continue
                    if (src, ref) not in group_edges:
                        group_edges[(src, ref)] = len(edges)
                        edge(src, ref, e.key, None)
                    elif ids:  # one drawn edge carries several engine edges
                        edge_ids.setdefault(e.key, []).append(edges[group_edges[(src, ref)]][2]["id"])
    for box in boxes:
        for row in box.rows:
            if row.grouped:
                continue
            v = row.values[0]
            if not v.parents:
                continue
            vid = item_of[v]
            op = view.operations[v]
            path = box.path
            hot = any(e.key in style.edge_color for e in op.edges)
            op_id = f"{vid}_op"
            if not fused and _is_linear(v):
                _expand_linear(v, vid, op_id, path, item, edge, op_node, statements, number,
                               grad_of, grads, style)
            else:
                op_node(op_id, op.text, hot, path)
                for e in op.edges:
                    src = item(e.source)
                    if src is not None:
                        edge(src, op_id, e.key, number(e.local_grad))
            edges.append((op_id, vid, {"color": HIGHLIGHT_EDGE, "penwidth": "2.2"}
                          if v in style.fill and hot else {}))
    rank_groups, invisible = _ordering(view, boxes, item)
    if len(statements) > MAX_DRAWABLE:
        where = "backward_frames" if ids else "draw_graph"
        fix = ("collapse='layer' (or 'neuron') draws one box per layer (or neuron), "
               if view.neurons and collapse != "layer" else "")
        raise ValueError(f"{where}: {len(statements):,} boxes and operations are more than Graphviz "
                         f"lays out in reasonable time (MAX_DRAWABLE = {MAX_DRAWABLE:,}); {fix}"
                         "or draw a smaller part of the graph (the loss of one sample, say)")
    dot = picture_class()("computation_graph")
    shown = sum(len(row.values) for box in boxes for row in box.rows)
    dot.description = say("computation graph of {n} Value" if shown == 1 else
                          "computation graph of {n} Values", KOREAN, n=shown)
    dot.attr(rankdir=rankdir, fontname=_FONT)
    dot.attr("node", fontname=_FONT, fontsize="11")
    dot.attr("edge", fontname=_FONT, arrowsize="0.7")
    _add_nodes(dot, statements, rank_groups)
    for src, dst, attrs in edges:
        dot.edge(_port(src, "o", rankdir), _port(dst, "i", rankdir), **attrs)
    for src, dst in invisible:
        dot.edge(src, dst, style="invis")
    for v in view.order:  # a folded Value is found at the box of what shows it
        if v not in item_of and view.folded_into.get(v) in item_of:
            item_of[v] = item_of[view.folded_into[v]]
    return Drawing(dot, item_of, edge_ids, grad_texts, cells_of)


def _port(ref: str, side: str, rankdir: str) -> str:
    """A row of a table as the end of an edge: its first cell ('i') or its last ('o'), on the
    side facing the way the graph reads (left to right: in at the west, out at the east)."""
    if ":r" not in ref:
        return ref
    box, row = ref.split(":r")
    compass = {("LR", "i"): ":w", ("LR", "o"): ":e", ("RL", "i"): ":e", ("RL", "o"): ":w"}
    return f"{box}:{side}{row}{compass.get((rankdir, side), '')}"


def _layer_title(view: GraphView, layer: int) -> str:
    n = view.layer_size(layer)
    return say("Layer {layer} ({n} neuron)" if n == 1 else "Layer {layer} ({n} neurons)", KOREAN,
               layer=layer, n=n)


def _sample_text(sample: int, batch: bool) -> str:
    return say(", sample {sample}", KOREAN, sample=sample) if batch else ""


def _ordering(view: GraphView, boxes: list[_Box], item) -> tuple[list, list]:
    """What keeps a network drawing in reading order: the inputs held in the first column,
    and invisible edges that put a layer's parameters after its inputs (so that layers stand
    side by side instead of in a staircase)."""
    inputs = [x for n in view.neurons if n.layer == 0 for x in n.inputs if not x.parents]
    first = list(dict.fromkeys(i.split(":")[0] for i in map(item, inputs) if i is not None))
    groups = [((), "source", first)] if first else []
    invisible = []
    tables = {box.rows[0].values[0]: box.id for box in boxes if box.id.startswith("p")}
    for n in view.neurons:
        if n.weights and n.weights[0] in tables and n.inputs:
            source = item(n.inputs[0])
            if source is not None:
                invisible.append((source, tables[n.weights[0]]))
                del tables[n.weights[0]]
    return groups, invisible


def _clusters(view: GraphView) -> dict:
    """Value -> its cluster path: (layer title, neuron title) for a neuron's Values and
    parameters, the owning module's name for any other parameter."""
    where: dict = {}
    for n in view.neurons:
        path = (_layer_title(view, n.layer), say("neuron {index}", KOREAN, index=n.index))
        for v in (*n.weights, n.bias, n.linear, n.activation):
            if v is not None and v not in where and (v.parents or v in view.parameter_names
                                                     or v is n.linear):
                where[v] = path
    for v, name in view.parameter_names.items():
        if v not in where:
            parts = name.split(".")
            while parts and parts[-1].isdigit():
                parts.pop()
            if len(parts) > 1:
                where[v] = (".".join(parts[:-1]),)
    return where


def _is_linear(v: Value) -> bool:
    return ops.primitive_of(v) is ops.LINEAR


def _expand_linear(v, vid, op_id, path, item, edge, op_node, statements, number, grad_of, grads,
                   style) -> None:
    """Draw w1*x1 + ... + wn*xn + b as its products and one sum (the graph is unchanged)."""
    ws, xs, b = ops.linear_parts(v.parents)
    n = len(ws)
    for j, (w, x) in enumerate(zip(ws, xs)):
        mul_id, product_id = f"{vid}_mul{j}", f"{vid}_product{j}"
        hot = (v, j) in style.edge_color or (v, n + j) in style.edge_color
        op_node(mul_id, "*", hot, path)
        for src, key, local in ((item(w), (v, j), x.data), (item(x), (v, n + j), w.data)):
            if src is not None:
                edge(src, mul_id, key, number(local))
        # The product's gradient is the sum's: d(sum)/d(product) = 1.
        cells = [f"data {number(w.data * x.data)}"] + ([f"grad {grad_of(v)}"] if grads else [])
        fill = HIGHLIGHT_FILL if hot and v in style.fill else _VALUE_FILL
        statements.append((path, product_id, {"label": _box("", cells, fill, False),
                                              "shape": "plaintext", "margin": "0"}))
        key = (v, j) if (v, j) in style.edge_color else (v, n + j)  # whichever factor is coloured
        edge(mul_id, product_id, key, None)
        edge(product_id, op_id, key, "1")
    op_node(op_id, "+", any(k[0] is v for k in style.edge_color), path)
    if item(b) is not None:
        edge(item(b), op_id, (v, 2 * n), "1")


def _add_nodes(dot, statements: list, rank_groups: list) -> None:
    """Add node statements to ``dot``, each inside its (nested) cluster, and hold each rank
    group in one column, in order (a chain of invisible edges inside ``rank=same``)."""
    import graphviz

    tree: dict = {}  # cluster path -> list of (node id, attrs); insertion order is first use
    for path, node_id, attrs in statements:
        for k in range(len(path) + 1):
            tree.setdefault(path[:k], [])
        tree[path].append((node_id, attrs))
    ranks: dict = {}
    for path, rank, ids in rank_groups:
        ranks.setdefault(path if path in tree else (), []).append((rank, ids))
    numbers = {path: k for k, path in enumerate(p for p in tree if p)}

    def build(graph, path: tuple) -> None:
        for node_id, attrs in tree[path]:
            graph.node(node_id, **attrs)
        for rank, ids in ranks.get(path, ()):
            with graph.subgraph() as column:
                column.attr(rank=rank)
                for node_id in ids:
                    column.node(node_id)
        for sub in tree:
            if len(sub) == len(path) + 1 and sub[:len(path)] == path:
                cluster = graphviz.Digraph(f"cluster_{numbers[sub]}")
                cluster.attr(label=f"<{_escape(sub[-1], MAX_LABEL)}>", style="rounded",
                             color="#999999", fontsize="10", labeljust="l")
                build(cluster, sub)
                graph.subgraph(cluster)

    build(dot, ())
