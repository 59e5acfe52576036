"""draw_graph: the computation graph drawn by the real Graphviz ``dot``."""
import html
import re
import subprocess
import sys

import pytest

import autograd
import nn
from autograd import Value
from autograd.backward import topological_order
from autograd.graph import HIGHLIGHT_FILL, check_graph, draw_graph, too_big
from autograd.notation import format_number
from seed_example import seed_graph

# These tests draw graphs before backward() on purpose (to test the drawing itself);
# the learner-facing warning for that is tested in test_warnings.py.
pytestmark = pytest.mark.filterwarnings("ignore::autograd.ChainruleWarning")


def svg_of(dot) -> str:
    return dot.pipe(format="svg").decode("utf-8")


def svg_texts(dot) -> list[str]:
    """Every piece of text in the rendered picture, as a reader sees it."""
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg_of(dot), re.S)]


def edge_labels(source: str) -> list[str]:
    """The label of every edge statement in DOT source."""
    return [m.group(1) for line in source.splitlines() if " -> " in line
            for m in re.finditer(r"label=<([^>]*)>", line)]


def node_lines(source: str) -> dict[str, str]:
    """Node id -> its DOT statement."""
    nodes = {}
    for line in source.splitlines():
        m = re.match(r"\s*(\w+) \[", line)
        if m and " -> " not in line and m.group(1) not in ("node", "edge", "graph"):
            nodes[m.group(1)] = line
    return nodes


def clusters_of_nodes(source: str) -> dict[str, list[str]]:
    """Node id -> the labels of the clusters around it, outermost first."""
    stack, where = [], {}
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("subgraph cluster"):
            stack.append(None)
        elif stripped == "}" and stack:
            stack.pop()
        elif stack and stack[-1] is None and stripped.startswith(("color=", "fontsize=", "label=")):
            stack[-1] = re.search(r"label=<([^>]*)>", stripped).group(1)
        else:
            m = re.match(r"(\w+) \[", stripped)
            if m:
                where[m.group(1)] = list(stack)
    return where


def test_rendered_svg_shows_every_values_data_and_grad():
    a, b = Value(0.5, label="a"), Value(-3.25, label="b")
    out = (a * b + b.tanh()) ** 2
    out.backward()
    texts = svg_texts(draw_graph(out))
    for v in topological_order(out):
        assert f"data {format_number(v.data)}" in texts
        assert f"grad {format_number(v.grad)}" in texts


def test_grads_false_hides_gradients():
    *_, z = seed_graph()
    assert "grad " not in draw_graph(z, grads=False).source


def test_numbers_keep_four_significant_digits_and_never_show_minus_zero():
    assert format_number(2 / 3) == "0.6667"
    assert format_number(-0.0) == "0"
    assert format_number(-1e-9, ".3f") == "0.000"
    assert format_number(-1e-9) == "-1e-09"  # a small number is not zero


def test_each_value_and_each_operation_is_one_node():
    *_, z = seed_graph()
    nodes = node_lines(draw_graph(z).source)
    values = [n for n in nodes if not n.endswith("_op")]
    ops = [n for n in nodes if n.endswith("_op")]
    order = topological_order(z)
    assert len(values) == len(order)
    assert len(ops) == sum(1 for v in order if v.parents)
    assert 'label=<+>' in nodes["v2_op"] and 'label=<**2>' in nodes["v3_op"]


def test_edge_labels_show_each_local_derivative():
    x, y = Value(3.0, label="x"), Value(-2.0, label="y")
    z = (x * y).tanh() + x ** 2
    labels = edge_labels(draw_graph(z, edge_labels=True).source)
    expected = [format_number(g) for v in topological_order(z) for g in v.local_grads]
    assert sorted(labels) == sorted(expected)
    assert edge_labels(draw_graph(z).source) == []


def test_highlight_colours_every_path_from_the_input_to_the_output_and_nothing_else():
    x, y = Value(0.5, label="x"), Value(2.0, label="y")
    xy = x * y
    ty = y.tanh()
    z = xy + ty
    order = topological_order(z)
    nodes = node_lines(draw_graph(z, highlight=x).source)
    coloured = {v for k, v in enumerate(order) if HIGHLIGHT_FILL in nodes[f"v{k}"]}
    assert coloured == {x, xy, z}
    # From y both branches lead to z: everything but x is on a path.
    nodes = node_lines(draw_graph(z, highlight=y).source)
    assert {v for k, v in enumerate(order) if HIGHLIGHT_FILL in nodes[f"v{k}"]} == {y, xy, ty, z}


def test_highlight_of_a_value_outside_the_graph_is_an_error():
    *_, z = seed_graph()
    with pytest.raises(ValueError, match="not part of the graph"):
        draw_graph(z, highlight=Value(1.0))


def test_the_same_graph_gives_the_same_dot_and_svg_twice():
    *_, z = seed_graph()
    first, second = draw_graph(z, edge_labels=True), draw_graph(z, edge_labels=True)
    assert first.source == second.source
    assert svg_of(first) == svg_of(second)


HOSTILE = ['say "hi"', "{braces}", "<b>bold</b>", "a|b", "back\\slash\\", "two\nlines",
           "amp & semi;", "]] [[", "tab\there", "bell\x07", "it's"]


def test_hostile_labels_render_with_real_dot():
    leaves = [Value(float(k), label=text) for k, text in enumerate(HOSTILE)]
    out = autograd.sum(leaves)
    out.label = "<out>"
    weird = Value(out.data * 2, (out,), (2.0,), op='<"op"> & {x}|\\')
    dot = draw_graph(weird, edge_labels=True, highlight=leaves[2])
    texts = svg_texts(dot)  # raises graphviz.CalledProcessError if the DOT were broken
    for text in HOSTILE:
        if "\n" in text:
            assert all(line in texts for line in text.split("\n"))
        elif text.isprintable():
            assert text in texts
    assert "<out>" in texts and '<"op"> & {x}|\\' in texts


def test_unfused_linear_draws_each_multiplication_and_one_sum():
    w = [Value(2.0, label="w1"), Value(-1.0, label="w2"), Value(0.5, label="w3")]
    x = [Value(3.0, label="x1"), Value(4.0, label="x2"), Value(-2.0, label="x3")]
    b = Value(0.25, label="b")
    out = autograd.linear(w, x, b)
    out.backward()
    before = (topological_order(out), out.parents, out.local_grads)
    fused = node_lines(draw_graph(out).source)
    unfused = node_lines(draw_graph(out, fused=False, edge_labels=True).source)
    assert "Σw·x+b" in fused["v7_op"] and not any("label=<*>" in s for s in fused.values())
    multiplications = [s for s in unfused.values() if "label=<*>" in s]
    sums = [s for s in unfused.values() if "label=<+>" in s]
    assert len(multiplications) == 3 and len(sums) == 1
    texts = svg_texts(draw_graph(out, fused=False))
    for wi, xi in zip(w, x):
        assert f"data {format_number(wi.data * xi.data)}" in texts
    assert before == (topological_order(out), out.parents, out.local_grads)  # drawing only


def mlp_loss(batch_size=1):
    model = nn.MLP(2, [3, 2, 1], seed=0)
    xs = [[0.5 * k, -1.0 + k] for k in range(batch_size)]
    loss = nn.mse_loss([model(x) for x in xs], [1.0] * batch_size)
    loss.backward()
    return model, loss


def layer_title(layer: int, neurons: int) -> str:
    return f"Layer {layer} ({neurons} neuron{'s' if neurons != 1 else ''})"


def test_mlp_graph_groups_each_neuron_inside_its_layer():
    model, loss = mlp_loss()
    source = draw_graph(loss, model=model).source
    where = clusters_of_nodes(source)
    nodes = node_lines(source)
    order = topological_order(loss)
    index = {v: f"v{k}" for k, v in enumerate(order)}
    for l, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            path = [layer_title(l, len(layer.neurons)), f"neuron {j}"]
            [table] = [n for n, line in nodes.items() if f"<B>W{l}[{j},0]</B>" in line]
            assert where[table] == path
            # one table of the neuron's parameters: its weights in order, then its bias
            assert re.findall(r"<B>(.*?)</B>", nodes[table]) == \
                [f"W{l}[{j},{i}]" for i in range(len(neuron.w))] + [f"b{l}[{j}]"]
            linear = next(v for v in order if neuron.w[0] in v.parents)
            assert where[index[linear]] == path
            activations = [v for v in order if v.parents == (linear,)]
            assert all(where[index[a]] == path for a in activations)
    texts = svg_texts(draw_graph(loss, model=model))
    assert "Layer 2 (1 neuron)" in texts and "Layer 0 (3 neurons)" in texts and "neuron 1" in texts


def neuron_rows(source: str) -> list[str]:
    """The rows of the layer tables at neuron level, one per neuron application."""
    return re.findall(r"<B>(neuron \d+)  [^<]*</B>", source)


def test_collapse_neuron_draws_one_row_per_neuron_application():
    batch = 3
    model, loss = mlp_loss(batch)
    dot = draw_graph(loss, model=model, collapse="neuron")
    nodes = node_lines(dot.source)
    assert len(neuron_rows(dot.source)) == batch * (3 + 2 + 1)
    # each layer application is one table whose rows are its neurons, in order
    tables = [re.findall(r"<B>(neuron \d+)  ", s) for s in nodes.values() if "<B>neuron" in s]
    assert sorted(tables) == sorted([[f"neuron {j}" for j in range(size)]
                                     for size in (3, 2, 1) for _ in range(batch)])
    assert not re.search(r"<B>(W\d|b\d)", dot.source)  # weights hidden
    assert len([n for n in nodes if re.fullmatch(r"x\d+", n)]) == batch  # one input box per sample
    svg_of(dot)


def test_a_weight_penalty_is_not_mistaken_for_a_neuron():
    model, loss = mlp_loss(2)
    penalty = autograd.sum([p * p * 0.01 for p in model.parameters()])
    total = loss + penalty
    total.backward()
    source = draw_graph(total, model=model, collapse="neuron").source
    assert len(neuron_rows(source)) == 2 * (3 + 2 + 1)
    # Every parameter is used by the penalty too, so none can hide inside a neuron.
    shown = re.findall(r"<B>(W\d\[\d+,\d+\]|b\d\[\d+\])</B>", source)
    assert len(set(shown)) == len(shown) == len(model.parameters())


def test_collapse_layer_draws_one_node_per_layer_application():
    batch = 3
    model, loss = mlp_loss(batch)
    for with_model in (model, None):
        dot = draw_graph(loss, model=with_model, collapse="layer")
        layers = [n for n in node_lines(dot.source) if re.fullmatch(r"l\d+", n)]
        assert len(layers) == batch * 3
    texts = svg_texts(draw_graph(loss, model=model, collapse="layer"))
    assert any(t.startswith("Layer 1 (2 neurons)") for t in texts)
    assert any(t.startswith("Layer 2 (1 neuron)") for t in texts)


def test_a_loss_graph_says_target_error_and_mean_and_shows_targets_as_they_are():
    model = nn.MLP(2, [3, 1], seed=0)
    targets = [1.0, -0.5]
    loss = nn.mse_loss([model([0.5, -1.0]), model([1.0, 0.0])], targets)
    loss.backward()
    nodes = node_lines(draw_graph(loss, model=model, collapse="layer").source)
    for s, t in enumerate(targets):
        [box] = [line for line in nodes.values() if f"<B>target[{s}]</B>" in line]
        assert f"data {format_number(t)}<" in box  # the target itself, not its negation
        assert any(f"<B>error[{s}]</B>" in line for line in nodes.values())
    ops = [re.search(r"label=<([^>]*)>", line).group(1) for n, line in nodes.items()
           if n.endswith("_op")]
    assert ops.count("−") == 2 and ops.count("mean") == 1 and "Σ" not in ops
    assert any("<B>loss</B>" in line for line in nodes.values())


def test_subtracting_a_number_is_one_operation_with_the_number_in_it():
    x = Value(2.0, label="x")
    y = (x - 1) ** 2
    y.backward()
    nodes = node_lines(draw_graph(y).source)
    ops = sorted(re.search(r"label=<([^>]*)>", line).group(1) for n, line in nodes.items()
                 if n.endswith("_op"))
    assert ops == ["**2", "− 1"]
    assert len(nodes) == 5  # x, x - 1, its square and their two operations: no box for 1 or -1
    assert not any("data -1<" in line for line in nodes.values())


def test_the_inputs_stand_in_front_of_the_first_layer():
    model = nn.MLP(2, [3, 2, 1], seed=0)
    x = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
    loss = nn.mse_loss(model(x), 1.0)
    loss.backward()
    dot = draw_graph(loss, model=model)
    order = topological_order(loss)
    plain = dot.pipe(format="plain").decode()
    left = {m.group(1): float(m.group(2)) for m in re.finditer(r"^node (\S+) (\S+) ", plain, re.M)}
    inputs = [left[f"v{order.index(v)}"] for v in x]
    everything_else = [at for name, at in left.items() if name not in
                       {f"v{order.index(v)}" for v in x}]
    assert max(inputs) < min(everything_else)


def test_collapse_rejects_an_unknown_mode():
    *_, z = seed_graph()
    with pytest.raises(ValueError, match="collapse='neurons'"):
        draw_graph(z, collapse="neurons")


def test_a_big_graph_is_still_drawn_whole():
    xs = [Value(float(k)) for k in range(200)]
    out = autograd.sum([x * x for x in xs])
    order = topological_order(out)
    assert too_big(len(order), 300)
    values = [n for n in node_lines(draw_graph(out).source) if not n.endswith("_op")]
    assert len(values) == len(order)


def test_bad_arguments_are_named_in_the_error():
    *_, z = seed_graph()
    with pytest.raises(TypeError, match="draw_graph.*expected a Value"):
        draw_graph(3.0)
    with pytest.raises(TypeError, match="named_parameters"):
        draw_graph(z, model=object())
    with pytest.raises(ValueError, match="rankdir='XY'"):
        draw_graph(z, rankdir="XY")


def test_shows_inline_in_a_notebook_as_svg():
    *_, z = seed_graph()
    bundle = draw_graph(z)._repr_mimebundle_()
    assert "data 9" in bundle["image/svg+xml"]


def test_drawing_never_imports_nn():
    code = ("import sys; from autograd import Value; from autograd.graph import draw_graph; "
            "x = Value(1.0); draw_graph((x * x).tanh()).pipe(format='svg'); "
            "assert 'nn' not in sys.modules, 'autograd.graph imported nn'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_shows_as_png_too_where_svg_is_refused():
    # An untrusted notebook and a repository browser show the PNG; text/plain says what it is.
    import base64

    *_, z = seed_graph()
    for picture in (draw_graph(z), check_graph(z).draw()):
        bundle = picture._repr_mimebundle_()
        assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
        assert bundle["text/plain"].startswith("<computation graph of")
        assert "graphviz" not in bundle["text/plain"] and "0x" not in bundle["text/plain"]
        assert picture.pipe(format="svg").startswith(b"<?xml") and "digraph" in picture.source
