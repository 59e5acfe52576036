"""explain: a gradient taken apart into what each node that uses it passed back."""
import math
import warnings
import weakref

import pytest

import autograd
from autograd import Value, ops
from autograd.backward import topological_order
from autograd.explain import explain
from autograd.notation import format_number
from seed_example import seed_graph


def mixed_graph():
    """Fan-out (a used four times), an n-ary linear node, a sum, smooth primitives."""
    a, b, c = Value(0.7, label="a"), Value(-1.3, label="b"), Value(2.0, label="c")
    h = autograd.linear([a, b], [c, a], Value(0.1, label="bias")).tanh()
    out = autograd.sum([h * a, (b * b).exp(), a / c]) ** 2
    out.backward()
    return [a, b, c], out


def test_seed_chain_rule_of_x_is_two_times_x_plus_y_times_one():
    x, y, w, z = seed_graph()
    e = explain(x)
    value = format_number(2 * (x.data + y.data) * 1)
    assert str(e.chain_rule) == f"dz/dx = dz/dw · dw/dx = 2(x + y) · 1 = {value}"
    assert (r"\frac{\partial z}{\partial x} = \frac{\partial z}{\partial w} \cdot "
            rf"\frac{{\partial w}}{{\partial x}} = 2(x + y) \cdot 1 = {value}") in e.latex()
    assert f"dz/dx = dz/dw · dw/dx = 2(x + y) · 1 = {value}" in str(e)


def test_reused_node_a_plus_a_shows_two_contributions_of_one_summed_to_two():
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    b.backward()
    e = explain(a)
    assert [inc.contribution for inc in e.incoming] == [1.0, 1.0]
    assert [inc.index for inc in e.incoming] == [0, 1]
    assert e.total == a.grad == 1.0 + 1.0
    assert "1 + 1 = 2" in str(e)


def test_a_times_a_shows_a_plus_a():
    a = Value(3.0, label="a")
    b = a * a
    b.label = "b"
    b.backward()
    e = explain(a)
    assert [inc.contribution for inc in e.incoming] == [a.data, a.data]
    assert e.total == a.grad == 2 * a.data
    assert "= a + a = " in e.chain_rule.text
    assert f"{format_number(a.data)} + {format_number(a.data)} = {format_number(2 * a.data)}" in str(e)


def test_contributions_add_up_to_every_grad_bit_for_bit():
    inputs, out = mixed_graph()
    for v in topological_order(out):
        e = explain(v)
        if v is out:
            assert e.is_root and e.total == out.grad
            continue
        assert e.total == v.grad, f"{v!r}: {e.total} != {v.grad}"
        assert math.fsum(i.contribution for i in e.incoming) == pytest.approx(v.grad, rel=1e-12)


def test_each_contribution_is_the_childs_grad_times_its_local_derivative():
    inputs, out = mixed_graph()
    a = inputs[0]
    e = explain(a)
    assert len(e.incoming) == 4  # linear (as a weight and as an input), h * a, a / c
    for inc in e.incoming:
        assert inc.child.parents[inc.index] is a
        assert inc.upstream_grad == inc.child.grad
        assert inc.local_grad == inc.child.local_grads[inc.index]
        assert inc.contribution == inc.upstream_grad * inc.local_grad


def test_local_derivative_formulas_come_from_the_primitive_table():
    x, y = Value(2.0, label="x"), Value(5.0, label="y")
    p = x * y
    p.label = "p"
    p.backward()
    e = explain(p)
    filled = [f.format(x="x", y="y") for f in ops.MUL.formulas]
    assert [ld.formula for ld in e.local] == filled == ["y", "x"]
    assert [ld.value for ld in e.local] == list(p.local_grads)
    # the power rule's text, with its exponent filled in
    q = x ** 3
    q.label = "q"
    q.backward()
    assert [ld.formula for ld in explain(q).local] == ["3x^2"]


def test_interior_node_passes_its_grad_times_each_local_derivative_to_its_parents():
    x, y, w, z = seed_graph()
    text = str(explain(w))
    assert "local derivatives of its operation '+' (primitive 'add'" in text
    assert f"to x  {format_number(w.grad)} · 1 = {format_number(w.grad * 1)}" in text
    assert "from z = w^2" in text and "1 · 2w" in text


def test_the_default_root_is_the_latest_backward():
    x, y, w, z = seed_graph()
    assert explain(x).text() == explain(x, root=z).text()


def test_root_defaults_to_the_latest_backward_and_a_stranger_is_refused():
    x, y, w, z = seed_graph()
    other = Value(4.0) * 2
    with pytest.raises(ValueError, match="latest backward.*root="):
        explain(other)
    other.backward()
    with pytest.raises(ValueError, match="latest backward"):
        explain(x)
    assert explain(x, root=z).total == x.grad  # the graph can still be named
    with pytest.raises(ValueError, match="not part of the graph of root"):
        explain(x, root=other)
    with pytest.raises(TypeError, match="explain.*expected a Value"):
        explain(3.0)


def test_the_latest_root_is_not_kept_alive_and_a_dropped_one_asks_for_root():
    a = Value(2.0, label="a")
    out = a * a + a
    out.backward()
    assert explain(a).total == a.grad == 2 * a.data + 1
    probe = weakref.ref(out)
    del out  # the graph is freed by reference counting, as if explain did not exist
    assert probe() is None
    with pytest.raises(ValueError, match="no longer exists.*root=output"):
        explain(a)


def test_explaining_changes_no_gradient():
    inputs, out = mixed_graph()
    order = topological_order(out)
    before = [v.grad for v in order]
    for v in order:
        str(explain(v))
        explain(v).latex()
        explain(v)._repr_html_()
    assert [v.grad for v in order] == before


def test_gradient_left_by_an_earlier_backward_is_pointed_out():
    a = Value(3.0, label="a")
    b = a * a
    b.label = "b"
    b.backward()
    b.backward()  # without zero_grad: the leaf's gradients add up
    e = explain(a)
    assert e.total == 2 * a.data            # this backward's share
    assert a.grad == 2 * e.total            # what the leaf holds
    assert e.earlier == a.grad - e.total
    assert "earlier backward()" in str(e) and "zero_grad()" in str(e)
    assert e.chain_rule.text.endswith(f"= {format_number(e.total)}")


def test_html_table_shows_every_section_and_escapes_labels():
    x = Value(1.0, label="<x>")
    y = x.tanh()
    y.label = "y&"
    y.backward()
    page = explain(x)._repr_html_()
    assert page.startswith('<table class="chainrule-explain">')
    assert "&lt;x&gt;" in page and "<x>" not in page and "y&amp;" in page
    assert "chain rule" in page


def test_hand_made_node_shows_its_numbers_instead_of_formulas():
    x = Value(2.0, label="x")
    f = Value(7.0, (x,), (0.25,), op="f", label="f")
    out = f * 2
    out.backward()
    text = str(explain(f))
    assert "made by hand" in text
    assert explain(f).local[0].formula == format_number(0.25)
    assert explain(x).total == x.grad == 0.25 * 2


def test_linear_node_writes_each_weights_derivative_as_its_input():
    w = [Value(0.5, label="w1"), Value(-2.0, label="w2")]
    xs = [Value(3.0, label="x1"), Value(4.0, label="x2")]
    s = autograd.linear(w, xs, Value(1.0, label="b"))
    s.label = "s"
    s.backward()
    assert [ld.formula for ld in explain(s).local] == ["x1", "x2", "w1", "w2", "1"]


def test_root_explains_its_seed():
    x, y, w, z = seed_graph()
    e = explain(z)
    assert e.is_root and e.total == z.grad == 1.0 and not e.incoming
    assert "the seed" in str(e)


def test_before_any_backward_it_shows_values_and_warns(monkeypatch):
    import sys
    monkeypatch.setattr(sys.modules["autograd.backward"]._this_thread, "latest", None)
    x = Value(2.0, label="x")
    y = x * x
    y.label = "y"
    with pytest.warns(autograd.ChainruleWarning, match="backward"):
        e = explain(y)
    assert "no gradient yet" in str(e) and "dy/dx" in str(e)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y.backward()
        explain(x)  # no warning once the gradients exist


def test_a_networks_weight_is_explained_in_the_names_of_its_network():
    import nn
    model = nn.MLP(2, [3, 1], seed=0)
    loss = nn.mse_loss(model([0.5, -1.0]), 1.0)
    loss.backward()
    w = model.layers[0].neurons[1].w[0]
    e = explain(w, model=model)
    assert e.total == w.grad
    assert e.chain_rule.text == (
        "dloss/dW0[1,0] = dloss/derror · derror/dz1[0] · dz1[0]/dh0[1] · dh0[1]/dz0[1] · "
        "dz0[1]/dW0[1,0] = 2error · 1 · W1[0,1] · (1 - tanh(z0[1])^2) · x[0] = "
        f"{format_number(w.grad)}")
    assert r"\frac{\partial \mathrm{loss}}{\partial W^{(0)}_{1,0}}" in e.latex()
