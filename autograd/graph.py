"""Draw a computation graph with Graphviz: a box per Value, an ellipse per operation.

Key idea: the picture is made from exactly what ``backward()`` walks -- each
node's ``parents`` and ``local_grads`` -- so what a learner sees is what the
chain rule uses.  A Value is a box (its label, ``data`` and ``grad``); the
operation that made it is a small ellipse just before it (``+``, ``*``,
``**2``, ``tanh``, ``Σw·x+b``); edges run from inputs to outputs, left to right.

``draw_graph`` returns a ``graphviz.Digraph``: a notebook shows it inline as SVG,
``.render(path, format='svg')`` writes a file, ``.source`` is the DOT text.
Bigger graphs stay readable: ``model=`` names the parameters and groups each
neuron and layer in a labelled box; ``collapse='neuron'`` or ``'layer'`` draws
one node per neuron (or layer) application.  graphviz is imported only here,
and only when a drawing is made.

``check=True`` also checks each leaf's gradient (and, with
``check_interior=True``, every node's) against central differences and writes
the numeric slope in its box: a disagreement is drawn red with both numbers,
a Value that cannot be checked grey (see ``autograd.check.check_graph``).
Drawing a graph before ``backward()`` or one too big to read raises a
``ChainruleWarning`` saying what to do instead.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Callable, Iterable

from autograd import ops
from autograd.backward import topological_order
from autograd.check import check_order
from autograd.learner_warnings import warn, warn_if_never_backward
from autograd.notation import format_number
from autograd.value import Value, require_value

__all__ = ["draw_graph", "render_graph", "GraphStyle", "too_big", "format_number", "MAX_NODES",
           "HIGHLIGHT_FILL", "HIGHLIGHT_EDGE", "MISMATCH_FILL", "MISMATCH_EDGE", "UNCHECKED_FILL"]

MAX_NODES = 300  # beyond this many Values a plain drawing is a wall of boxes

# Colours: inputs blue, parameters yellow, the output green, a chosen path orange-red.
_INPUT_FILL = "#dbe9f6"
_PARAM_FILL = "#fff2cc"
_VALUE_FILL = "#ffffff"
_ROOT_FILL = "#e2f0d9"
_OP_FILL = "#f2f2f2"
_GROUP_FILL = "#ede7f6"
HIGHLIGHT_FILL = "#f8cbad"
HIGHLIGHT_EDGE = "#c0392b"
# The numeric check: a gradient that disagrees with central differences, one not checked.
MISMATCH_FILL = "#f4a6a6"
MISMATCH_EDGE = "#c00000"
UNCHECKED_FILL = "#d9d9d9"
_FONT = "Helvetica"


def too_big(n_values: int, max_nodes: int) -> bool:
    """True when a plain drawing of ``n_values`` Values is too big to read.

    The hook for a learner aid: ``draw_graph`` calls it when ``collapse`` is None
    and still draws the whole graph whatever it returns.

    >>> too_big(301, 300), too_big(300, 300)
    (True, False)
    """
    return n_values > max_nodes


def _escape(text) -> str:
    """Text made safe inside a Graphviz HTML-like label, whatever the user typed."""
    text = str(text)
    # Control characters are not allowed in the XML Graphviz parses labels as.
    text = "".join(ch if ch in "\n\t" or ch >= " " and ch != "\x7f" else "\ufffd" for ch in text)
    return html.escape(text, quote=True).replace("\t", " ").replace("\n", "<BR/>")


@dataclass
class GraphStyle:
    """What to colour or override in a drawing (used for highlight and for frames)."""

    fill: dict = field(default_factory=dict)          # Value -> fill colour
    emphasis: set = field(default_factory=set)        # Values drawn with a thick border
    edge_color: dict = field(default_factory=dict)    # (child, parent index) -> colour
    edge_text: dict = field(default_factory=dict)     # (child, parent index) -> label text
    grad_text: Callable[[Value], str] | None = None   # replaces the formatted grad
    grad_width: Callable[[Value], int] | None = None  # minimum width of the grad cell (points)
    title: Callable[[Value], str] | None = None       # a name for unlabelled Values
    note: dict = field(default_factory=dict)          # Value -> one more cell (the numeric check)


@dataclass
class _Group:
    """Several Values drawn as one box (a neuron or a layer application, or an input vector)."""

    id: str
    title: str
    op_text: str
    outputs: list          # the Values whose data and grad the box shows
    members: set           # every Value the box stands for
    cluster: tuple = ()


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
    model:       anything with ``named_parameters()`` (an ``nn.Module``): parameters
                 are shown by name, each neuron and layer is a labelled cluster.
    collapse:    None, 'neuron' (one node per neuron application, its weights
                 hidden) or 'layer' (one node per layer application).
    fused:       draw a linear node as one 'Σw·x+b' ellipse; False draws its
                 products and its sum (the graph itself is unchanged).
    max_nodes:   above this many Values the graph counts as too big to read.
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
    order = topological_order(root)
    style = GraphStyle()
    if highlight is not None:
        style = _highlight_style(root, order, highlight)
    if grads or check:
        warn_if_never_backward(root, order, "draw_graph", "call root.backward() first, or pass "
                               "grads=False to draw the values only")
    if collapse is None and too_big(len(order), max_nodes):
        _warntoo_big(order, max_nodes, model)  # and still draw the whole graph
    report = None
    if check or check_interior:
        report = check_order(root, order, check_interior, eps, atol, rtol)
        _check_style(style, report, fmt)
    dot = render_graph(root, order, grads=grads, edge_labels=edge_labels, fmt=fmt, rankdir=rankdir,
                  model=model, collapse=collapse, fused=fused, style=style)
    if report is not None:
        key = [text for text, rows in (("red: disagrees", report.mismatches),
                                        ("grey: not checked", report.unchecked)) if rows]
        dot.attr(label=report.summary(tolerance=False) + (f" ({', '.join(key)})" if key else ""),
                 labelloc="b", fontsize="10")
    return dot


def _warntoo_big(order: list[Value], max_nodes: int, model) -> None:
    if any(_is_linear(v) for v in order):
        fix = ("pass collapse='neuron' or collapse='layer' to draw one box per neuron or per layer"
               + ("" if model is not None else " (and model=your_model to name them)"))
    else:
        fix = "draw a smaller part of it (the loss of one sample, say)"
    warn(f"draw_graph: {len(order)} Values are too many to read in one picture "
          f"(max_nodes={max_nodes}); {fix}, or raise max_nodes to draw it whole anyway")


def _check_style(style: GraphStyle, report, fmt: str) -> None:
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


def _children(order: list[Value]) -> dict:
    """Each Value's children (the nodes that use it), each listed once, in order."""
    children: dict = {v: [] for v in order}
    for v in order:
        for p in dict.fromkeys(v.parents):
            children[p].append(v)
    return children


def _highlight_style(root: Value, order: list[Value], highlight) -> GraphStyle:
    sources = [highlight] if isinstance(highlight, Value) else list(highlight)
    in_graph = set(order)
    for s in sources:
        if not isinstance(s, Value):
            raise TypeError(f"draw_graph(highlight=...): expected a Value, got {type(s).__name__} {s!r}")
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


# -- model structure: names, neurons, layers ----------------------------------------------

def _parameter_names(model) -> dict:
    if model is None:
        return {}
    named = getattr(model, "named_parameters", None)
    if not callable(named):
        raise TypeError(f"draw_graph(model=...): expected a module with named_parameters(), "
                        f"got {type(model).__name__} {model!r}")
    return {v: name for name, v in named()}


def _owner(name: str) -> str:
    """The module a parameter belongs to: 'layers.0.neurons.3.w.1' -> 'layers.0.neurons.3'."""
    parts = name.split(".")
    while parts and parts[-1].isdigit():
        parts.pop()
    return ".".join(parts[:-1])


def _cluster_path(owner: str) -> tuple:
    """The clusters enclosing a neuron: each prefix ending in an index, and the neuron itself."""
    if not owner:
        return ()
    parts = owner.split(".")
    path = [".".join(parts[:k]) for k in range(1, len(parts)) if parts[k - 1].isdigit()]
    return (*path, owner)


def _relative(name: str, path: tuple) -> str:
    """A dotted name inside its cluster, without the cluster's own prefix."""
    if path and name.startswith(path[-1] + "."):
        return name[len(path[-1]) + 1:]
    return name


def _cluster_title(model, prefix: str, within: tuple = ()) -> str:
    """'Layer layers.0' (the sub-module's class and name, relative to ``within``)."""
    obj = model
    try:
        for part in prefix.split("."):
            obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return _relative(prefix, within)
    return f"{type(obj).__name__} {_relative(prefix, within)}"


def _is_linear(v: Value) -> bool:
    return ops.primitive_of(v) is ops.LINEAR


@dataclass
class _Neuron:
    linear: Value
    activation: Value | None
    params: list
    inputs: tuple
    owner: str


def _neurons(order: list[Value], children: dict, names: dict) -> list[_Neuron]:
    """Every neuron application: a linear node (with its activation node, if any).

    With a model, a linear node is one whose parents include all the weights of
    exactly one neuron (and something else: its inputs); without one, it is an
    ``autograd.linear`` node.
    """
    owners = {v: _owner(name) for v, name in names.items()}
    # A neuron's weights are its indexed parameters ('w.0', 'w.1'); the bias is not needed.
    weights: dict = {}
    for v, name in names.items():
        weights.setdefault(owners[v], set())
        if name.rsplit(".", 1)[-1].isdigit():
            weights[owners[v]].add(v)
    found = []
    for v in order:
        if not v.parents:
            continue
        if names:
            mine = {owners[p] for p in v.parents if p in owners}
            if len(mine) != 1:
                continue
            owner = mine.pop()
            params = [p for p in dict.fromkeys(v.parents) if p in owners]
            inputs = tuple(p for p in v.parents if p not in owners)
            if not inputs or not weights[owner] <= set(params):
                continue  # e.g. a penalty w * w on one weight is not the neuron's sum
        elif _is_linear(v):
            weights, inputs, bias = ops.linear_parts(v.parents)
            params = [p for p in dict.fromkeys((*weights, bias)) if not p.parents]
            owner = ""
        else:
            continue
        kids = children[v]
        activation = kids[0] if len(kids) == 1 and kids[0].parents == (v,) else None
        found.append(_Neuron(v, activation, params, inputs, owner))
    return found


def _clusters(order: list[Value], children: dict, names: dict) -> dict:
    """Value -> its cluster path, for parameters and each neuron's linear and activation nodes."""
    where = {v: _cluster_path(_owner(name)) for v, name in names.items()}
    for neuron in _neurons(order, children, names):
        path = _cluster_path(neuron.owner)
        where[neuron.linear] = path
        for kid in children[neuron.linear]:
            if kid.parents == (neuron.linear,):
                where[kid] = path
    return {v: path for v, path in where.items() if path}


def _op_text(v: Value) -> str:
    return str(v.op) if v.op else "?"


def _collapse(order: list[Value], children: dict, names: dict, mode: str, model):
    """Groups (neuron or layer applications, input vectors) and the Values they hide."""
    if mode not in ("neuron", "layer"):
        raise ValueError(f"draw_graph(collapse={mode!r}): expected None, 'neuron' or 'layer'")
    neurons = _neurons(order, children, names)
    linear_nodes = {n.linear for n in neurons}
    groups: list[_Group] = []
    if mode == "neuron":
        for k, n in enumerate(neurons):
            out = n.activation or n.linear
            path = _cluster_path(n.owner)
            title = _cluster_title(model, n.owner, path[:-1]) if n.owner else "neuron"
            op = _op_text(n.linear)
            if n.activation:
                op = f"{_op_text(n.activation)}({op})"
            groups.append(_Group(f"n{k}", title, op, [out], {n.linear, out}, path[:-1]))
    else:
        layers: dict = {}
        for n in neurons:
            path = _cluster_path(n.owner)
            layer = path[-2] if len(path) >= 2 else ""
            layers.setdefault((layer, tuple(map(id, n.inputs))), []).append(n)
        for k, ((layer, _), ns) in enumerate(layers.items()):
            title = _cluster_title(model, layer) if layer else "layer"
            acts = dict.fromkeys(_op_text(n.activation) if n.activation else "" for n in ns)
            act = acts.popitem()[0] if len(acts) == 1 else "f"
            op = f"{act}(Σw·x+b)" if act else "Σw·x+b"
            members = {n.linear for n in ns} | {n.activation for n in ns if n.activation}
            outputs = [n.activation or n.linear for n in ns]
            groups.append(_Group(f"l{k}", f"{title} ({len(ns)} neurons)", op, outputs, members))
    # A parameter disappears into its neurons when nothing else uses it.
    hidden = {p for n in neurons for p in n.params
              if not p.parents and all(c in linear_nodes for c in children[p])}
    # Plain-number inputs that feed only neurons become one vector box per sample.
    vectors: dict = {}
    in_a_vector: set = set()
    for n in neurons:
        key = tuple(map(id, n.inputs))
        if key in vectors or not n.inputs or in_a_vector.intersection(n.inputs):
            continue
        if all(not x.parents and x not in names and all(c in linear_nodes for c in children[x])
               for x in n.inputs):
            vectors[key] = list(dict.fromkeys(n.inputs))
            in_a_vector.update(n.inputs)
    for k, xs in enumerate(vectors.values()):
        groups.append(_Group(f"x{k}", "input", "", xs, set(xs)))
    return groups, hidden


# -- rendering --------------------------------------------------------------------------

def _numbers(values: list[Value], get: Callable[[Value], str], limit: int = 6) -> str:
    if len(values) == 1:
        return get(values[0])
    shown = [get(v) for v in values[:limit]]
    more = ", …" if len(values) > limit else ""
    return f"[{', '.join(shown)}{more}]"


def _box(title: str, cells: list[str], fill: str, emphasised: bool, grad_width: int = 0) -> str:
    tds = [f"<TD><B>{_escape(title)}</B></TD>"] if title else []
    for k, text in enumerate(cells):
        width = f' WIDTH="{grad_width}"' if grad_width and k == len(cells) - 1 else ""
        tds.append(f"<TD{width}>{_escape(text)}</TD>")
    border = f'BORDER="2" COLOR="{HIGHLIGHT_EDGE}"' if emphasised else 'BORDER="0"'
    return (f'<<TABLE {border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
            f'BGCOLOR="{fill}"><TR>{"".join(tds)}</TR></TABLE>>')


def render_graph(root: Value, order: list[Value], *, grads: bool, edge_labels: bool, fmt: str,
                 rankdir: str, model, collapse: str | None, fused: bool, style: GraphStyle):
    """The ``graphviz.Digraph`` of an already-ordered graph, coloured by ``style``.

    ``draw_graph`` checks its arguments and calls this; the frame player calls it
    once per frame with a different style.
    """
    import graphviz  # only drawing needs it

    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph(rankdir={rankdir!r}): expected 'LR', 'TB', 'RL' or 'BT'")
    names = _parameter_names(model)
    children = _children(order)
    groups, hidden = _collapse(order, children, names, collapse, model) if collapse else ([], set())
    group_of = {v: g for g in groups for v in g.members}
    for p in hidden:  # a hidden parameter that failed the check turns the box using it red
        if style.fill.get(p) == MISMATCH_FILL:
            for c in children[p]:
                style.fill[c] = MISMATCH_FILL
    where = _clusters(order, children, names) if names and collapse != "layer" else {}
    index = {v: i for i, v in enumerate(order)}
    statements: list[tuple[tuple, str, dict]] = []  # (cluster path, node id, attributes)
    edges: list[tuple[str, str, dict]] = []

    def number(x: float) -> str:
        return format_number(x, fmt)

    def grad_of(v: Value) -> str:
        return style.grad_text(v) if style.grad_text else number(v.grad)

    def cells(values: list[Value]) -> list[str]:
        out = [f"data {_numbers(values, lambda v: number(v.data))}"]
        if grads:
            out.append(f"grad {_numbers(values, grad_of)}")
        notes = [style.note[v] for v in values if v in style.note]
        if notes:
            out.append(notes[0] if len(values) == 1 else f"{len(notes)} checked")
        return out

    def item(v: Value) -> str | None:
        """The drawn node standing for Value ``v`` (None when hidden)."""
        if v in hidden:
            return None
        g = group_of.get(v)
        return g.id if g else f"v{index[v]}"

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
        edges.append((src, dst, attrs))

    def op_node(node_id: str, text: str, hot: bool, path: tuple) -> None:
        attrs = {"label": f"<{_escape(text)}>", "shape": "ellipse", "style": "filled",
                 "fillcolor": _OP_FILL, "fontsize": "10", "margin": "0.04,0.02",
                 "width": "0.3", "height": "0.3"}
        if hot:
            attrs.update(color=HIGHLIGHT_EDGE, penwidth="2")
        statements.append((path, node_id, attrs))

    drawn_groups: set = set()
    group_edges: set = set()
    for v in order:
        vid = item(v)
        if vid is None:
            continue
        g = group_of.get(v)
        if g is not None:
            if g.id not in drawn_groups:
                drawn_groups.add(g.id)
                members = g.members
                fill = next((style.fill[m] for m in members if m in style.fill), _GROUP_FILL)
                title = f"{g.title}  {g.op_text}" if g.op_text else g.title
                label = _box(title, cells(g.outputs), fill, any(m in style.emphasis for m in members))
                statements.append((g.cluster, g.id,
                                   {"label": label, "shape": "plaintext", "margin": "0"}))
                for m in sorted(members, key=index.get):
                    for i, p in enumerate(m.parents):
                        src = item(p)
                        if src is not None and src != g.id and (src, g.id) not in group_edges:
                            group_edges.add((src, g.id))
                            edge(src, g.id, (m, i), None)
            continue
        path = where.get(v, ())
        title = _relative(names[v], path) if v in names else v.label
        if not title and style.title:
            title = style.title(v)
        default = (_ROOT_FILL if v is root else _PARAM_FILL if v in names
                   else _INPUT_FILL if not v.parents else _VALUE_FILL)
        width = style.grad_width(v) if style.grad_width and grads else 0
        label = _box(title, cells([v]), style.fill.get(v, default), v in style.emphasis, width)
        statements.append((path, vid, {"label": label, "shape": "plaintext", "margin": "0"}))
        if not v.parents:
            continue
        hot = any((v, i) in style.edge_color for i in range(len(v.parents)))
        op_id = f"{vid}_op"
        if not fused and _is_linear(v):
            _expand_linear(v, vid, op_id, path, item, edge, op_node, statements, number, grad_of,
                           grads, style)
        else:
            op_node(op_id, _op_text(v), hot, path)
            for i, (p, local) in enumerate(zip(v.parents, v.local_grads)):
                src = item(p)
                if src is not None:
                    edge(src, op_id, (v, i), number(local))
        edges.append((op_id, vid, {"color": HIGHLIGHT_EDGE, "penwidth": "2.2"} if v in style.fill
                      and hot else {}))

    dot = graphviz.Digraph("computation_graph")
    dot.attr(rankdir=rankdir, fontname=_FONT)
    dot.attr("node", fontname=_FONT, fontsize="11")
    dot.attr("edge", fontname=_FONT, arrowsize="0.7")
    _add_nodes(dot, statements, model)
    for src, dst, attrs in edges:
        dot.edge(src, dst, **attrs)
    return dot


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


def _add_nodes(dot, statements: list, model) -> None:
    """Add node statements to ``dot``, each inside its (nested) cluster."""
    import graphviz

    tree: dict = {}  # cluster path -> list of (node id, attrs); insertion order is first use
    for path, node_id, attrs in statements:
        for k in range(len(path) + 1):
            tree.setdefault(path[:k], [])
        tree[path].append((node_id, attrs))
    numbers = {path: k for k, path in enumerate(p for p in tree if p)}

    def build(graph, path: tuple) -> None:
        for node_id, attrs in tree[path]:
            graph.node(node_id, **attrs)
        for sub in tree:
            if len(sub) == len(path) + 1 and sub[:len(path)] == path:
                cluster = graphviz.Digraph(f"cluster_{numbers[sub]}")
                title = _cluster_title(model, sub[-1], sub[:-1])
                cluster.attr(label=f"<{_escape(title)}>", style="rounded", color="#999999",
                             fontsize="10", labeljust="l")
                build(cluster, sub)
                graph.subgraph(cluster)

    build(dot, ())
