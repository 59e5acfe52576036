"""backward_steps: the backward pass recorded step by step, as a table, as the chain rule, as frames."""
import html
import math
import re

import pytest

import autograd
from autograd import Value
from autograd.backward import topological_order
from autograd.graph import HIGHLIGHT_EDGE
from autograd.notation import format_number
from autograd.frames import BackwardFrames, backward_frames
from autograd.steps import backward_steps
from seed_example import seed_graph


def mixed_graph():
    """Fan-out (a used three times), an n-ary linear node, a sum, and smooth primitives."""
    a, b, c = Value(0.7, label="a"), Value(-1.3, label="b"), Value(2.0, label="c")
    h = autograd.linear([a, b], [c, a], Value(0.1, label="bias")).tanh()
    out = autograd.sum([h * a, (b * b).exp(), a / c]) ** 2
    return [a, b, c], out


def test_seed_chain_rule_reproduces_the_lecture_notes():
    x, y, w, z = seed_graph(backward=False)
    steps = backward_steps(z)
    assert str(steps.chain_rule(x)) == "dz/dx = dz/dw · dw/dx = 2(x + y) · 1 = 6"
    assert steps.latex(x) == (r"\frac{\partial z}{\partial x} = \frac{\partial z}{\partial w} "
                              r"\cdot \frac{\partial w}{\partial x} = 2(x + y) \cdot 1 = 6")
    assert steps.chain_rule(x)._repr_latex_() == f"${steps.latex(x)}$"
    # The last number is the gradient itself: 2(x + y) * 1 at x=1, y=2.
    assert x.grad == 2 * (x.data + y.data) == 6


def test_chain_rule_without_expansion_keeps_labels():
    x, y, w, z = seed_graph(backward=False)
    assert str(backward_steps(z).chain_rule(x, expand=False)) == "dz/dx = dz/dw · dw/dx = 2w · 1 = 6"


def test_recorded_contributions_sum_to_each_leafs_gradient_and_equal_grad():
    inputs, out = mixed_graph()
    expected = autograd.grad(out, inputs)
    steps = backward_steps(out)
    for x, g in zip(inputs, expected):
        received = [c.contribution for step in steps for c in step.contributions if c.parent is x]
        assert len(received) >= 2  # every input is reached by more than one edge here
        assert math.fsum(received) == pytest.approx(x.grad, rel=1e-12)
        assert x.grad == pytest.approx(g, rel=1e-12)


def test_each_contribution_is_upstream_grad_times_local_grad_with_a_running_total():
    _, out = mixed_graph()
    totals = {}
    for step in backward_steps(out):
        assert step.upstream_grad == step.node.grad
        for c in step.contributions:
            assert c.local_grad == step.node.local_grads[c.index]
            assert c.parent is step.node.parents[c.index]
            assert c.contribution == step.upstream_grad * c.local_grad
            totals[c.parent] = totals.get(c.parent, 0.0) + c.contribution
            assert c.parent_grad == pytest.approx(totals[c.parent], rel=1e-12)


def test_steps_take_backwards_order_and_leave_the_grads_backward_would():
    inputs, out = mixed_graph()
    for x in inputs:
        x.grad = 123.0  # stale gradients are reset: the steps start from zero
    steps = backward_steps(out)
    order = topological_order(out)
    assert [s.node for s in steps] == [v for v in reversed(order) if v.parents]
    recorded = [v.grad for v in order]
    autograd.zero_grad(order)
    out.backward()
    assert recorded == [v.grad for v in order]


def test_steps_pass_the_gradients_check_against_finite_differences():
    def f(a, b, c):
        h = autograd.linear([a, b], [c, a], 0.1).tanh()
        return autograd.sum([h * a, (b * b).exp(), a / c]) ** 2

    values = [Value(0.7), Value(-1.3), Value(2.0)]
    backward_steps(f(*values))
    numeric = autograd.numeric_grad(f, [v.data for v in values])
    assert [v.grad for v in values] == pytest.approx(numeric, rel=1e-5)


def test_table_has_one_row_per_edge_and_shows_each_formula():
    x, y, w, z = seed_graph(backward=False)
    steps = backward_steps(z)
    lines = steps.table().splitlines()
    edges = sum(len(s.contributions) for s in steps)
    assert len(lines) == 2 + edges  # title, header, one row per edge
    assert lines[0] == "backward from z: seed dz/dz = 1"
    assert re.search(r"\bz\s+1\s+w\s+2w = 6\s+6\s+6$", lines[2])
    assert str(steps) == steps.table()


def test_html_table_escapes_labels():
    x = Value(2.0, label="<script>")
    y = x * x
    page = backward_steps(y)._repr_html_()
    assert "<script>" not in page and html.escape("<script>") in page
    assert page.count("<tr>") == 1 + 2  # header and one row per edge (x used twice)


def test_chain_rule_sums_over_every_path_of_a_fan_out():
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    c = b * a
    c.label = "c"
    steps = backward_steps(c)
    # c = (a + a) a: two paths through b (one per edge a -> b) and one straight to c.
    # Written as factors, the two paths through b would read the same (dc/db · db/da
    # twice), so the chain shows each path's local gradients instead.
    assert str(steps.chain_rule(a)) == "dc/da = a · 1 + a · 1 + (a + a) = 12"
    assert a.grad == 4 * a.data == 12


def test_chain_rule_of_a_longer_path_has_one_factor_per_edge():
    w, x = Value(0.5, label="w"), Value(-2.0, label="x")
    y = (w * x).tanh()
    y.label = "y"
    text = str(backward_steps(y).chain_rule(x))
    chain = text.split(" = ")[1]
    assert chain == "dy/d(w·x) · d(w·x)/dx"
    assert text.split(" = ")[2] == "(1 - tanh(w·x)^2) · w"
    assert text.endswith(f"= {format_number((1 - math.tanh(w.data * x.data) ** 2) * w.data)}")


def test_power_formulas_are_simplified():
    x = Value(2.0, label="x")
    assert str(backward_steps(x ** 3).chain_rule(x)).split(" = ")[1] == "3x^2"
    assert str(backward_steps(x ** -1).chain_rule(x)).split(" = ")[1] == "-x^-2"
    assert backward_steps(x ** 3).latex(x).split(" = ")[1] == "3x^{2}"


def test_latex_escapes_unusual_labels():
    x = Value(1.0, label="a&b_{c}")
    y = x.exp()
    y.label = "y_1"
    assert backward_steps(y).latex(x) == (r"\frac{\partial y_{1}}{\partial \text{a\&b\_\{c\}}} "
                                          r"= \exp(\text{a\&b\_\{c\}}) = 2.718")


def test_chain_rule_of_the_root_and_of_strangers():
    x, y, w, z = seed_graph(backward=False)
    steps = backward_steps(z)
    assert str(steps.chain_rule(z)) == "dz/dz = 1"
    with pytest.raises(ValueError, match="not part of the graph"):
        steps.chain_rule(Value(1.0))
    with pytest.raises(TypeError, match="backward_steps.*expected a Value"):
        backward_steps(2.0)


def test_one_frame_per_node_with_a_gradient_in_backward_order():
    inputs, out = mixed_graph()
    frames = backward_frames(out)
    order = topological_order(out)
    assert isinstance(frames, BackwardFrames)
    assert len(frames) == len(order)  # every node of the graph gets a gradient
    assert frames.captions[0].endswith(" = 1 (the seed)")
    for k, svg in enumerate(frames):
        # After frame k the first k+1 nodes (in backward order) know their gradient.
        assert svg.count("grad ?") == len(order) - (k + 1)


def test_each_frame_colours_the_node_just_finished_and_the_edges_that_fed_it():
    x, y, w, z = seed_graph(backward=False)
    frames = backward_frames(z)
    order = topological_order(z)
    for k, v in enumerate(reversed(order)):
        svg = frames[k]
        groups = dict(re.findall(r"<title>(v\d+)</title>(.*?)</g>", svg, re.S))
        node_id = f"v{order.index(v)}"
        assert HIGHLIGHT_EDGE in groups[node_id]
        others = [g for name, g in groups.items() if name != node_id]
        assert not any(f'stroke="{HIGHLIGHT_EDGE}" stroke-width="2"' in g for g in others)
    assert frames.captions == ["dz/dz = 1 (the seed)", "dz/dw = 1 · 6 = 6",
                               "dz/dy = dz/dw · dw/dy = 6 · 1 = 6",
                               "dz/dx = dz/dw · dw/dx = 6 · 1 = 6"]


def test_saved_frames_are_one_self_contained_page(tmp_path):
    x, y, w, z = seed_graph(backward=False)
    page = backward_frames(z).save_html(tmp_path / "backward.html").read_text(encoding="utf-8")
    # one drawing for all four frames: a frame is data the player applies to it
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 1
    without_namespaces = re.sub(r'xmlns(:\w+)?="[^"]*"', "", page)
    assert "http" not in without_namespaces  # nothing fetched from a network
    assert not re.search(r"<(script|img|link)[^>]*(src|href)=", page)
    assert backward_frames(z).to_html() == page  # the same frames, the same bytes
