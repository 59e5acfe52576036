"""check_graph and draw_graph(check=True): every gradient of a graph against central differences."""
import html
import math
import re

import pytest

import autograd
import nn
from autograd import Value, ops
from autograd.backward import topological_order
from autograd.check import check_graph
from autograd.gradcheck import NoForwardRule, recompute
from autograd.graph import MISMATCH_FILL, UNCHECKED_FILL, draw_graph
from autograd.value import apply


@pytest.fixture
def wrong_square():
    """A custom primitive x² whose derivative is deliberately wrong: 3x instead of 2x."""
    prim = ops.define("square_wrong_derivative", lambda x: x * x, lambda out, x: (3 * x,),
                      symbol="square", formulas=("3{x}",))
    yield prim
    del ops.PRIMITIVES[prim.name]


def svg_nodes(dot) -> dict[str, tuple[list[str], list[str]]]:
    """Node id -> (its fill colours, its texts), read from the SVG Graphviz renders."""
    svg = dot.pipe(format="svg").decode("utf-8")
    nodes = {}
    for m in re.finditer(r'<g id="[^"]*" class="node">(.*?)</g>', svg, re.S):
        body = m.group(1)
        node_id = html.unescape(re.search(r"<title>(.*?)</title>", body).group(1))
        fills = re.findall(r'fill="(#[0-9a-fA-F]{6})"', body)
        texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", body, re.S)]
        nodes[node_id] = (fills, texts)
    return nodes


def mixed(a, b, c):
    """Fan-out (a used four times), an n-ary linear node, a sum, smooth primitives."""
    h = autograd.linear([a, b], [c, a], 0.1).tanh()
    return autograd.sum([h * a, (b * b).exp(), a / c, c.sigmoid() * b.softplus()]) ** 2


def mixed_graph():
    a, b, c = Value(0.7, label="a"), Value(-1.3, label="b"), Value(2.0, label="c")
    return [a, b, c], mixed(a, b, c)


def test_every_leaf_of_a_correct_graph_agrees_with_numeric_grad():
    (a, b, c), out = mixed_graph()
    out.backward()
    report = check_graph(out)
    assert report.ok and not report.unchecked
    numeric = autograd.numeric_grad(mixed, [a.data, b.data, c.data])
    for leaf, expected in zip((a, b, c), numeric):
        assert report.by_node[leaf].numeric == pytest.approx(expected, rel=1e-6, abs=1e-9)
        assert report.by_node[leaf].analytic == leaf.grad


def test_interior_nodes_check_too():
    (a, b, c), out = mixed_graph()
    out.backward()
    report = check_graph(out, interior=True)
    order = topological_order(out)
    assert {r.node for r in report} == set(order) - {out}
    assert report.ok


def test_recompute_matches_building_the_graph_again():
    (a, b, c), out = mixed_graph()
    new = {a: 0.2, c: 1.5}
    values = recompute(out, new)
    assert values[out] == pytest.approx(mixed(Value(0.2), b, Value(1.5)).data, rel=1e-14)
    assert values[a] == 0.2 and values[b] == b.data


def test_recompute_leaves_the_graph_untouched():
    (a, b, c), out = mixed_graph()
    order = topological_order(out)
    before = [v.data for v in order]
    recompute(out, {b: 3.0})
    assert [v.data for v in order] == before


def test_recompute_refuses_strangers_and_non_numbers():
    (a, b, c), out = mixed_graph()
    with pytest.raises(ValueError, match="not part of the graph"):
        recompute(out, {Value(1.0): 2.0})
    with pytest.raises(TypeError, match="must be a number"):
        recompute(out, {a: "2"})


def test_recompute_needs_a_forward_rule_only_where_something_changed():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    by_hand = Value(x.data * 10, (x,), (10.0,), op="times10")
    out = by_hand + y
    assert recompute(out, {y: 4.0})[out] == by_hand.data + 4.0
    with pytest.raises(NoForwardRule, match="times10.*autograd.ops.define"):
        recompute(out, {x: 1.0})


def test_wrong_custom_derivative_is_the_red_node_in_the_svg(wrong_square):
    x = Value(1.5, label="x")
    y = apply(ops.op_for(wrong_square), [x])
    y.label = "y"
    out = y * 2
    out.label = "out"
    out.backward()
    assert x.grad == 2 * 3 * x.data  # the wrong rule's gradient, not 2 * 2x
    dot = draw_graph(out, check=True)
    nodes = svg_nodes(dot)
    red = [node_id for node_id, (fills, _) in nodes.items() if MISMATCH_FILL in fills]
    assert len(red) == 1
    fills, texts = nodes[red[0]]
    assert "x" in texts
    numeric = 2 * 2 * x.data  # d(2x²)/dx
    assert f"numeric {numeric:g} ≠ grad {x.grad:g}" in texts


def test_interior_check_points_at_the_operation_with_the_wrong_derivative(wrong_square):
    x = Value(1.5, label="x")
    y = apply(ops.op_for(wrong_square), [x])
    y.label = "y"
    out = y * 2
    out.backward()
    report = check_graph(out, interior=True)
    assert [r.node for r in report.mismatches] == [x]
    assert report.by_node[y].ok
    assert report.suspects == [(y, 0)]
    assert "square" in report.by_node[x].note
    # in the drawing the operation's ellipse and the edge into it turn red
    source = draw_graph(out, check=True, check_interior=True).source
    assert re.search(r'label=<square> color="#c0392b"', source)
    assert re.search(r'v0 -> v1_op \[color="#c00000"', source)


def test_hand_made_node_is_grey_with_no_forward_rule():
    x = Value(2.0, label="x")
    twice = Value(2 * x.data, (x,), (2.0,), op="twice", label="t")
    out = twice * twice
    out.backward()
    report = check_graph(out, interior=True)
    assert report.by_node[x].ok is None and "no forward rule" in report.by_node[x].note
    assert report.by_node[twice].ok  # its own gradient only needs the table's '*'
    nodes = svg_nodes(draw_graph(out, check=True))
    grey = [texts for fills, texts in nodes.values() if UNCHECKED_FILL in fills]
    assert len(grey) == 1 and "x" in grey[0]
    assert any(t.startswith("not checked: no forward rule") for t in grey[0])


def test_gradients_added_up_by_two_backwards_disagree_and_say_why():
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    y.backward()
    report = check_graph(y)
    [r] = report.mismatches
    assert r.analytic == 2 * (2 * x.data)                # twice d(x²)/dx
    assert r.numeric == pytest.approx(2 * x.data, rel=1e-6)  # once
    assert "zero_grad()" in r.note
    assert not report.suspects  # no derivative is wrong


def test_a_seed_other_than_one_scales_the_numeric_slope():
    x = Value(0.3, label="x")
    y = x.sin()
    y.backward(gradient=-2.5)
    assert check_graph(y).ok


def test_a_point_where_the_output_cannot_be_computed_is_not_checked():
    x = Value(0.0, label="x")
    y = (x + 1e-7).log()
    y.backward()
    [r] = [r for r in check_graph(y) if r.node is x]
    assert r.ok is None and "cannot be computed" in r.note


def test_drawing_without_check_has_no_numeric_cell():
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    assert "numeric" not in draw_graph(y).source
    assert "numeric 6 ✓" in draw_graph(y, check=True).source
    assert "1 of 1 gradients agree" in draw_graph(y, check=True).source


def test_check_works_on_a_collapsed_network():
    model = nn.MLP(2, [3, 1], seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    dot = draw_graph(loss, model=model, collapse="neuron", check=True)
    assert "gradients agree" in dot.source
    assert check_graph(loss).ok


def test_bad_tolerances_are_named():
    x = Value(3.0)
    y = x * x
    y.backward()
    with pytest.raises(ValueError, match="eps must be > 0"):
        check_graph(y, eps=0.0)
    with pytest.raises(ValueError, match="atol"):
        check_graph(y, atol=-1)
    with pytest.raises(TypeError, match="check_graph.*expected a Value"):
        check_graph(2.0)


def test_report_prints_as_a_table_and_as_html():
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    report = check_graph(y)
    lines = str(report).splitlines()
    assert lines[0].startswith("1 of 1 gradients agree")
    assert lines[1].split() == ["value", "grad", "numeric", "result", "note"]
    assert lines[2].split()[0] == "x" and lines[2].split()[-1] == "ok"
    assert report._repr_html_().startswith('<table class="chainrule-check">')
    assert math.isclose(report[0].numeric, 2 * x.data, rel_tol=1e-6)


# -- check_graph(fn, inputs): the function run again, so hand-made nodes are checked too -------

def cube_by_hand(slope):
    """x³ made by hand with Value(data, parents, local_grads): no forward rule in the table."""
    def cube(x):
        return Value(x.data ** 3, (x,), (slope(x.data),), op="cube")
    return cube


def network_with(cube):
    def f(a, b):
        return cube(a * b) + b.tanh()
    return f


def red_boxes(dot) -> list[list[str]]:
    return [texts for fills, texts in svg_nodes(dot).values() if MISMATCH_FILL in fills]


def test_a_wrong_derivative_made_by_hand_inside_a_function_is_found_and_drawn_red():
    from autograd.graph import MISMATCH_EDGE, check_graph as check_and_draw
    f = network_with(cube_by_hand(lambda x: 3 * x))  # d/dx x³ is 3x², not 3x
    report = check_and_draw(f, [0.5, 3.0])
    assert not report.ok
    a, b = (r.node for r in report)
    assert (a.label, b.label) == ("a", "b")  # the inputs are named after f's parameters
    ab = 0.5 * 3.0
    assert report.by_node[a].numeric == pytest.approx(3 * ab ** 2 * 3.0, rel=1e-6)
    assert report.by_node[a].analytic == 3 * ab * 3.0
    [(node, index, given, measured, ok)] = report.local_checks
    assert str(node.op) == "cube" and given == 3 * ab and measured == pytest.approx(3 * ab ** 2)
    assert report.suspects == [(node, 0)]
    dot = report.draw()
    red = red_boxes(dot)
    assert sorted(texts[0] for texts in red) == ["a", "b"]
    assert any(t.startswith(f"numeric {report.by_node[a].numeric:.4g} ≠ grad") for t in red[0] + red[1])
    assert re.search(rf'label=<cube> color="#c0392b"', dot.source)
    assert MISMATCH_EDGE in dot.source


def test_the_right_derivative_made_by_hand_shows_no_red():
    from autograd.graph import MISMATCH_EDGE, check_graph as check_and_draw
    report = check_and_draw(network_with(cube_by_hand(lambda x: 3 * x ** 2)), [0.5, 3.0])
    assert report.ok and not report.unchecked
    assert [ok for *_, ok in report.local_checks] == [True]
    dot = report.draw()
    assert red_boxes(dot) == [] and MISMATCH_EDGE not in dot.source


def test_a_graph_with_a_hand_made_node_is_checked_through_its_function_not_its_graph():
    f = network_with(cube_by_hand(lambda x: 3 * x ** 2))
    a, b = Value(0.5, label="a"), Value(3.0, label="b")
    out = f(a, b)
    out.backward()
    assert check_graph(out).by_node[a].ok is None  # the graph cannot be run through `cube`
    assert check_graph(f, [0.5, 3.0]).ok
    assert "check_graph(fn, inputs)" in check_graph(out).by_node[a].note


def test_draw_check_draws_any_report_and_draw_graph_check_keeps_working():
    from autograd.graph import draw_check
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    assert "numeric 6 ✓" in draw_check(check_graph(y)).source
    assert "numeric 6 ✓" in draw_graph(y, check=True).source
    with pytest.raises(TypeError, match="draw_check.*result of check_graph"):
        draw_check(y)


def test_bad_inputs_to_a_checked_function_are_named():
    f = network_with(cube_by_hand(lambda x: 3 * x ** 2))
    with pytest.raises(TypeError, match=r"check_graph\(f, inputs\): input 1 must be a finite number"):
        check_graph(f, [0.5, "3"])
    with pytest.raises(TypeError, match="inputs must be a list of numbers"):
        check_graph(f, 0.5)
    def not_a_value(a, b):
        return 1.0

    with pytest.raises(TypeError, match="not_a_value must return a Value, got float 1.0"):
        check_graph(not_a_value, [0.5, 3.0])
    x = Value(1.0)
    with pytest.raises(TypeError, match="inputs go with a function"):
        check_graph(x * x, [1.0])
