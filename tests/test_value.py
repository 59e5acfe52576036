"""Value: what a node holds, how it prints, how it compares, and graph recording."""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, enable_grad, is_grad_enabled, no_grad, ops

reals = st.floats(min_value=-100.0, max_value=100.0, allow_nan=False)


# -- the worked example: z = (x + y)**2 ---------------------------------------------
def test_worked_example_at_x1_y2():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    z = (x + y) ** 2
    z.backward()
    assert z.data == 9.0
    # dz/dx = dz/dy = 2(x + y)
    assert x.grad == 2 * (1.0 + 2.0) == 6.0
    assert y.grad == 6.0


@settings(max_examples=50, deadline=None)
@given(reals, reals)
def test_worked_example_matches_the_hand_formula(a, b):
    x, y = Value(a), Value(b)
    z = (x + y) ** 2
    z.backward()
    assert z.data == pytest.approx((a + b) ** 2)
    assert x.grad == pytest.approx(2 * (a + b))
    assert y.grad == pytest.approx(2 * (a + b))


# -- what a node holds -------------------------------------------------------------
def test_a_node_records_its_parents_local_grads_and_op():
    x, y = Value(3.0), Value(4.0)
    z = x * y
    assert z.parents == (x, y)
    assert z.local_grads == (4.0, 3.0)  # d(xy)/dx = y, d(xy)/dy = x
    assert z.op == "*" and isinstance(z.op, str)
    assert z.op.primitive is ops.PRIMITIVES["mul"]


def test_the_op_carries_its_primitive_and_parameters():
    z = Value(3.0) ** 2
    assert z.op == "**2"
    assert z.op.primitive is ops.POW and z.op.params == (2,)
    assert Value(1.0).leaky_relu(0.2).op.params == (0.2,)


def test_nodes_of_the_same_operation_share_one_op():
    x = Value(1.0)
    assert (x ** 2).op is (Value(5.0) ** 2).op
    assert x.tanh().op is Value(2.0).tanh().op


def test_a_leaf_has_no_parents_and_an_empty_op():
    x = Value(2.0)
    assert x.parents == () and x.local_grads == () and x.op == "" and x.grad == 0.0


def test_numbers_become_constant_leaves_on_either_side():
    x = Value(2.0)
    for node in (x + 3, 3 + x, x * 3, 3 * x):
        constant = next(p for p in node.parents if p is not x)
        assert constant.data == 3.0 and constant.parents == ()


@pytest.mark.parametrize("expr, expected", [
    (lambda x: x - 3, lambda a: a - 3),
    (lambda x: 3 - x, lambda a: 3 - a),
    (lambda x: x / 4, lambda a: a / 4),
    (lambda x: 4 / x, lambda a: 4 / a),
    (lambda x: -x, lambda a: -a),
    (lambda x: 2 ** x, lambda a: 2 ** a),
    (lambda x: x ** 0.5, lambda a: a ** 0.5),
    (lambda x: abs(x), abs),
])
def test_operators_compute_the_same_number_as_floats(expr, expected):
    assert expr(Value(2.5)).data == pytest.approx(expected(2.5), rel=1e-15)


def test_data_is_always_a_float():
    assert type(Value(3).data) is float
    assert type(Value(True).data) is float
    assert type((Value(3) ** 2).data) is float


def test_item_gives_the_number_and_float_refuses_to_leave_the_graph_silently():
    v = Value(2.5)
    assert v.item() == 2.5 and v.data == 2.5
    with pytest.raises(TypeError, match=r"float\(\) of Value\(data=2\.5.*x\.data or x\.item\(\)"):
        float(v)


# -- printing, hashing, comparing ---------------------------------------------------
def test_repr_shows_data_grad_op_and_label():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    z = (x + y) ** 2
    z.backward()
    assert repr(z) == "Value(data=9.0, grad=1.0, op='**2')"
    assert repr(x) == "Value(data=1.0, grad=6.0, label='x')"
    assert repr(Value(0.5)) == "Value(data=0.5, grad=0.0)"


def test_values_are_hashable_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b, a}) == 2
    grads = {a: "a", b: "b"}
    assert grads[a] == "a" and grads[b] == "b"


def test_ordering_compares_data():
    small, big = Value(1.0), Value(2.0)
    assert small < big and big > small and small <= 1.0 and big >= 2.0
    assert max([small, big]) is big
    assert sorted([big, small]) == [small, big]


# -- no_grad / enable_grad ---------------------------------------------------------
def test_values_made_under_no_grad_have_no_parents():
    x = Value(2.0)
    with no_grad():
        y = x * 3 + x.tanh()
        assert not is_grad_enabled()
    assert y.parents == () and y.local_grads == ()
    assert y.data == pytest.approx(6.0 + math.tanh(2.0))
    assert is_grad_enabled()


def test_no_grad_applies_to_every_way_of_making_a_node():
    x, w = Value(2.0), Value(0.5)
    with no_grad():
        nodes = [autograd.linear([w], [x], 1.0), autograd.sum([x, w]),
                 Value(1.0, (x,), (1.0,)), x ** 2, x.leaky_relu(0.1)]
    assert all(node.parents == () for node in nodes)


def test_nested_no_grad_restores_the_outer_state():
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()
        with enable_grad():
            assert is_grad_enabled()
            y = Value(2.0) * 3
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert len(y.parents) == 2  # recorded: enable_grad was on


def test_no_grad_restores_the_state_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            Value(1.0) / 0
    assert is_grad_enabled()


def test_no_grad_works_as_a_decorator():
    @no_grad()
    def predict(x):
        return x * 2

    assert predict(Value(1.0)).parents == ()
    assert is_grad_enabled()


def test_grad_mode_belongs_to_each_thread_with_blocks_overlapping():
    """A no_grad() in one thread neither empties another thread's graph nor outlives its block."""
    import threading

    from autograd import is_grad_enabled

    inside, done = threading.Barrier(2), threading.Barrier(2)
    seen = {}

    def without_graph():
        with no_grad():
            inside.wait()            # both threads are inside a block now
            seen["no_grad"] = len((Value(2.0) * 3).parents)
            done.wait()
        seen["no_grad after"] = is_grad_enabled()

    def with_graph():
        inside.wait()
        with no_grad():
            with enable_grad():
                seen["enable_grad"] = len((Value(2.0) * 3).parents)
        seen["recording"] = len((Value(2.0) * 3).parents)  # while the other block is still open
        done.wait()

    threads = [threading.Thread(target=without_graph), threading.Thread(target=with_graph)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"no_grad": 0, "enable_grad": 2, "recording": 2, "no_grad after": True}
    assert is_grad_enabled() and len((Value(1.0) + 1).parents) == 2
