"""backward(), topological_order() and grad(): the chain rule over a whole graph."""
import gc
import math
import sys

import pytest

import autograd
from autograd import Value, grad, topological_order, zero_grad


# -- fan-out: a node used twice collects both contributions ----------------------------
def test_reused_node_accumulates_gradient():
    a = Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0


def test_node_times_itself_has_gradient_two_a():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 2 * 3.0


def test_diamond_graph_sums_both_paths():
    # a -> b = 2a, c = 3a -> d = b * c = 6a^2, so dd/da = 12a
    a = Value(1.5)
    b, c = a * 2, a * 3
    d = b * c
    d.backward()
    assert a.grad == pytest.approx(12 * 1.5)
    assert b.grad == c.data and c.grad == b.data  # interior nodes: d(bc)/db = c, d(bc)/dc = b


def test_stacked_diamonds_double_the_gradient_each_level():
    # each level x -> x + x doubles: after k levels d/dx = 2^k
    x = Value(1.0)
    y = x
    for _ in range(30):
        y = y + y
    y.backward()
    assert x.grad == 2.0 ** 30


def test_a_parent_reached_through_a_zero_gradient_node_still_gets_the_other_paths():
    # relu is inactive at -x, so its branch adds nothing (and is skipped); x*x still counts
    x = Value(2.0)
    y = (-x).relu() + x * x
    y.backward()
    assert x.grad == 2 * 2.0


def test_a_zero_upstream_gradient_contributes_nothing():
    x = Value(2.0)
    y = 0.0 * x.exp() + 3 * x
    y.backward()
    assert x.grad == 3.0


# -- accumulation, repeated calls ----------------------------------------------------
def build_example():
    x, y = Value(0.5), Value(-1.5)
    h = (x * y).tanh()
    z = h * x + y.exp()
    return x, y, h, z


def test_backward_twice_doubles_leaf_grads_and_recomputes_interior_ones():
    x, y, h, z = build_example()
    z.backward()
    leaf_once, interior_once = (x.grad, y.grad), (h.grad, z.grad)
    z.backward()
    assert (x.grad, y.grad) == (2 * leaf_once[0], 2 * leaf_once[1])
    assert (h.grad, z.grad) == interior_once


def test_zero_grad_then_backward_gives_the_single_gradient_again():
    x, y, h, z = build_example()
    z.backward()
    once = (x.grad, y.grad)
    zero_grad([x, y])
    z.backward()
    assert (x.grad, y.grad) == once


def test_backward_with_a_gradient_scales_every_gradient():
    x, y, h, z = build_example()
    z.backward()
    once = (x.grad, y.grad)
    x2, y2, h2, z2 = build_example()
    z2.backward(gradient=-3.0)
    assert (x2.grad, y2.grad) == pytest.approx((-3.0 * once[0], -3.0 * once[1]))


def test_backward_of_a_leaf_on_its_own():
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0
    x.backward()
    assert x.grad == 2.0  # a leaf accumulates, even when it is the root


def test_backward_through_a_hand_made_node():
    # a new operation defined by hand: its value, its parents, its local derivatives
    x = Value(3.0)
    y = Value(x.data ** 2, (x,), (2 * x.data,), op="square")
    (y * 5).backward()
    assert x.grad == 5 * 2 * 3.0


# -- topological order ---------------------------------------------------------------
def test_topological_order_puts_every_node_after_its_parents_once():
    x, y, h, z = build_example()
    order = topological_order(z)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order)  # no node twice
    assert order[-1] is z
    for node in order:
        for parent in node.parents:
            assert position[parent] < position[node]
    # every ancestor is there: walk the parents by hand
    seen, stack = set(), [z]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(node.parents)
    assert seen == set(order)


def test_topological_order_is_the_same_every_time():
    x, y, h, z = build_example()
    assert [id(v) for v in topological_order(z)] == [id(v) for v in topological_order(z)]


def test_topological_order_of_a_leaf_is_the_leaf():
    x = Value(1.0)
    assert topological_order(x) == [x]


# -- grad() --------------------------------------------------------------------------
def test_grad_returns_the_gradients_without_touching_dot_grad():
    x, y, h, z = build_example()
    dx, dy = grad(z, [x, y])
    assert x.grad == y.grad == h.grad == z.grad == 0.0
    z.backward()
    assert (dx, dy) == (x.grad, y.grad)


def test_grad_gives_zero_for_an_input_the_output_does_not_use():
    x, unused = Value(2.0), Value(7.0)
    assert grad(x * x, [x, unused]) == [4.0, 0.0]
    dx, dunused = grad(x * x, [x, unused], create_graph=True)
    assert dunused.data == 0.0


def test_grad_of_a_single_input_returns_a_single_result():
    x = Value(3.0)
    assert grad(x ** 2, x) == 6.0
    assert grad(x ** 2, x, create_graph=True).data == 6.0


def test_grad_of_a_leaf_with_respect_to_itself_is_one():
    x = Value(3.0)
    assert grad(x, [x]) == [1.0]
    assert grad(x, x, create_graph=True).data == 1.0


def test_grad_accepts_any_iterable_of_inputs():
    x, y = Value(1.0), Value(2.0)
    assert grad(x * y, (v for v in (x, y))) == [2.0, 1.0]


# -- deep graphs and memory ----------------------------------------------------------
@pytest.fixture
def default_recursion_limit():
    """CPython's default limit, so a recursive walk anywhere would fail."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    yield
    sys.setrecursionlimit(previous)


@pytest.fixture
def no_cycle_collector():
    """The graph has no cycles, so the cycle collector has nothing to find in it;
    left on, it only re-scans the million live nodes again and again (it would
    roughly double this test's time).  Depth is what is tested here."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


def test_million_node_chain_backward_and_free(default_recursion_limit, no_cycle_collector):
    # v -> v * c -> v * c + d -> ... : a chain of 1,000,000 nodes.  Adding d has
    # local derivative 1, multiplying by c has c, so dv/dx = c ** (number of products).
    steps = 500_000
    c, d = Value(1.0000001), Value(1e-6)
    x = Value(0.5)
    v = x
    for _ in range(steps):
        v = v * c + d
    v.backward()
    assert x.grad == pytest.approx(1.0000001 ** steps, rel=1e-9)
    # the closed form of the forward pass: x c^n + d (c^n - 1)/(c - 1)
    cn = 1.0000001 ** steps
    assert v.data == pytest.approx(0.5 * cn + 1e-6 * (cn - 1) / (1.0000001 - 1), rel=1e-6)

    # Dropping the root frees the whole chain by reference counting: each node
    # freed lets go of the next (CPython's trashcan keeps that from recursing
    # a million levels deep in C).  Every node held a reference to c, so c's
    # reference count falls back to what it was before the chain existed.
    refs_with_chain = sys.getrefcount(c)
    del v
    assert refs_with_chain - sys.getrefcount(c) == steps


def test_graph_is_freed_by_reference_counting_alone():
    """No reference cycles: with the cycle collector off, dropping a graph frees it all.

    ``gc.collect()`` returns how many unreachable objects it found -- objects that
    reference counting could not free.  Zero means the graph (forward, backward,
    and a create_graph derivative graph) left nothing behind for it.
    """
    def build_use_and_drop():
        x, w = Value(0.3), [Value(0.1 * i) for i in range(5)]
        h = [autograd.linear(w, [x] * 5, 0.5).tanh() for _ in range(3)]
        loss = autograd.sum([v * v for v in h]) + x.sigmoid().log() + x ** 0.5
        loss.backward()
        [dx] = grad(loss, [x], create_graph=True)
        grad(dx, [x])

    build_use_and_drop()  # warm-up: caches (one Op per exponent, per slope) fill here
    gc.collect()
    gc.disable()
    try:
        build_use_and_drop()
        found = gc.collect()
        # the check can see a leak: a graph kept alive by a cycle is found by gc
        cycle = [Value(1.0) * 2]
        cycle.append(cycle)
        del cycle
        found_in_cycle = gc.collect()
    finally:
        gc.enable()
    assert found == 0
    assert found_in_cycle >= 2
