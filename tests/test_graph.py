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
from autograd.graph import HIGHLIGHT_FILL, draw_graph, too_big
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


def test_mlp_graph_groups_each_neuron_inside_its_layer():
    model, loss = mlp_loss()
    source = draw_graph(loss, model=model).source
    where = clusters_of_nodes(source)
    order = topological_order(loss)
    cluster_labels = {tuple(path) for path in where.values() if path}
    for layer in range(3):
        assert any(path[0] == f"Layer layers.{layer}" for path in cluster_labels)
    index = {v: f"v{k}" for k, v in enumerate(order)}
    for name, p in model.named_parameters():
        layer, neuron = re.match(r"layers\.(\d+)\.neurons\.(\d+)\.", name).groups()
        assert where[index[p]] == [f"Layer layers.{layer}", f"Neuron neurons.{neuron}"]
    for layer_index, layer in enumerate(model.layers):
        for neuron_index, neuron in enumerate(layer.neurons):
            path = [f"Layer layers.{layer_index}", f"Neuron neurons.{neuron_index}"]
            linear = next(v for v in order if neuron.w[0] in v.parents)
            assert where[index[linear]] == path
            activations = [v for v in order if v.parents == (linear,)]
            assert all(where[index[a]] == path for a in activations)
    texts = svg_texts(draw_graph(loss, model=model))
    assert "Layer layers.2" in texts and "Neuron neurons.1" in texts


def test_collapse_neuron_draws_one_node_per_neuron_application():
    batch = 3
    model, loss = mlp_loss(batch)
    dot = draw_graph(loss, model=model, collapse="neuron")
    nodes = node_lines(dot.source)
    neurons = [n for n in nodes if re.fullmatch(r"n\d+", n)]
    assert len(neurons) == batch * (3 + 2 + 1)
    assert not any(".w." in s or "neurons.0.b" in s for s in nodes.values())  # weights hidden
    assert len([n for n in nodes if re.fullmatch(r"x\d+", n)]) == batch  # one input box per sample
    svg_of(dot)


def test_a_weight_penalty_is_not_mistaken_for_a_neuron():
    model, loss = mlp_loss(2)
    penalty = autograd.sum([p * p * 0.01 for p in model.parameters()])
    total = loss + penalty
    total.backward()
    nodes = node_lines(draw_graph(total, model=model, collapse="neuron").source)
    assert len([n for n in nodes if re.fullmatch(r"n\d+", n)]) == 2 * (3 + 2 + 1)
    # Every parameter is used by the penalty too, so none can hide inside a neuron.
    shown = [s for s in nodes.values() if re.search(r"<B>(w\.\d+|b)</B>", s)]
    assert len(shown) == len(model.parameters())


def test_collapse_layer_draws_one_node_per_layer_application():
    batch = 3
    model, loss = mlp_loss(batch)
    for with_model in (model, None):
        dot = draw_graph(loss, model=with_model, collapse="layer")
        layers = [n for n in node_lines(dot.source) if re.fullmatch(r"l\d+", n)]
        assert len(layers) == batch * 3
    texts = svg_texts(draw_graph(loss, model=model, collapse="layer"))
    assert any(t.startswith("Layer layers.1 (2 neurons)") for t in texts)


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
