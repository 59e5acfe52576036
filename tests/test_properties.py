"""Properties over random graphs (hypothesis).

A random program is a list of steps; each step applies a random primitive to
nodes picked among the inputs and the nodes made so far, so intermediate nodes
get reused (fan-out) and the graph is a DAG of any shape.  Domains are kept
safe: log, sqrt and fractional powers get a positive argument (a*a + c), kinked
functions are only applied well away from their kink, and anything that would
grow past 1e4 is squashed with tanh.  These choices are made once, at the point
being checked, so the function gradcheck perturbs is one smooth function.
"""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, grad, gradcheck, gradgradcheck
from autograd.backward import GraphError, verify_graph

KINDS = ["add", "sub", "mul", "div", "pow_int", "pow_frac", "exp", "log", "sqrt", "sin", "cos",
         "tanh", "sigmoid", "softplus", "relu", "abs", "leaky_relu", "elu", "rpow", "vpow",
         "linear", "sum"]
KINKED = {"relu", "abs", "leaky_relu", "elu"}
INT_POWERS, FRACTIONAL_POWERS = (2, 3, -1, -2), (0.5, 1.5, -0.5, 1 / 3)


def apply_step(kind, a, b, c, choice):
    """One step of a program on Values a, b, c (choice picks a constant parameter)."""
    if kind == "add":
        return a + b
    if kind == "sub":
        return a - b
    if kind == "mul":
        return a * b
    if kind == "div":
        return a / (b * b + 1.0)
    if kind == "pow_int":
        return a ** INT_POWERS[choice % 4]
    if kind == "pow_frac":
        return (a * a + 0.5) ** FRACTIONAL_POWERS[choice % 4]
    if kind == "log":
        return (a * a + 0.5).log()
    if kind == "sqrt":
        return (a * a + 0.25).sqrt()
    if kind == "leaky_relu":
        return a.leaky_relu((0.01, 0.2)[choice % 2])
    if kind == "elu":
        return a.elu((1.0, 0.5)[choice % 2])
    if kind == "rpow":
        return 2.0 ** a
    if kind == "vpow":
        return (a * a + 0.5) ** b
    if kind == "linear":
        return autograd.linear([a, b], [c, a], b)
    if kind == "sum":
        return autograd.sum([a, b, c, a])
    return getattr(a, kind)()  # exp sin cos tanh sigmoid softplus relu abs


def is_safe(kind, a, b, choice):
    """Whether the step stays in its domain, away from kinks and overflow, at this point."""
    if kind in KINKED:
        return abs(a) > 0.1
    if kind == "pow_int" and INT_POWERS[choice % 4] < 0:
        return 0.2 < abs(a) < 20
    if kind == "pow_int":
        return abs(a) < 20
    if kind in ("exp", "rpow"):
        return abs(a) < 8
    if kind == "vpow":
        return abs(a) < 10 and abs(b) < 3
    return True


def plan(program, point):
    """Fix each step's kind at ``point``: an unsafe step becomes tanh of its first operand."""
    nodes = [Value(x) for x in point]
    steps = []
    for kind, picks, choice in program:
        i, j, k = (p % len(nodes) for p in picks)
        if not is_safe(kind, nodes[i].data, nodes[j].data, choice):
            kind = "tanh"
        node = apply_step(kind, nodes[i], nodes[j], nodes[k], choice)
        if abs(node.data) > 1e4:
            kind = "tanh"
            node = nodes[i].tanh()
        steps.append((kind, i, j, k, choice))
        nodes.append(node)
    return steps


def as_function(steps):
    """The planned program as f(*inputs) -> the sum of every node it makes."""
    def f(*inputs):
        nodes = list(inputs)
        for kind, i, j, k, choice in steps:
            nodes.append(apply_step(kind, nodes[i], nodes[j], nodes[k], choice))
        return autograd.sum(nodes[len(inputs):])
    return f


programs = st.lists(
    st.tuples(st.sampled_from(KINDS), st.tuples(*[st.integers(0, 50)] * 3), st.integers(0, 3)),
    min_size=1, max_size=12)
points = st.lists(st.floats(min_value=-2.0, max_value=2.0, allow_nan=False), min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(programs, points)
def test_random_graphs_pass_gradcheck(program, point):
    f = as_function(plan(program, point))
    assert gradcheck(f, point, atol=1e-5, rtol=1e-3)


@settings(max_examples=25, deadline=None)
@given(programs, points)
def test_random_graphs_pass_gradgradcheck(program, point):
    f = as_function(plan(program, point))
    assert gradgradcheck(f, point, atol=1e-4, rtol=1e-3)


@settings(max_examples=60, deadline=None)
@given(programs, points)
def test_grad_equals_backward_and_create_graph_gives_the_same_values(program, point):
    f = as_function(plan(program, point))
    inputs = [Value(x) for x in point]
    out = f(*inputs)
    from_grad = grad(out, inputs)
    assert all(x.grad == 0.0 for x in inputs)  # grad() leaves .grad alone
    out.backward()
    # the same products and sums in the same order: exactly equal
    assert from_grad == [x.grad for x in inputs]
    as_values = [g.data for g in grad(out, inputs, create_graph=True)]
    scale = max([1.0] + [abs(g) for g in from_grad])
    assert as_values == pytest.approx(from_grad, rel=1e-9, abs=1e-9 * scale)


@settings(max_examples=40, deadline=None)
@given(programs, points)
def test_backward_twice_doubles_leaf_grads(program, point):
    f = as_function(plan(program, point))
    inputs = [Value(x) for x in point]
    out = f(*inputs)
    out.backward()
    once = [x.grad for x in inputs]
    out.backward()
    assert [x.grad for x in inputs] == [2 * g for g in once]


# -- backward(check=True): no false alarm, and never a stale gradient -------------------
@settings(max_examples=40, deadline=None)
@given(programs, points)
def test_a_graph_just_built_passes_the_check_and_the_check_changes_no_gradient(program, point):
    f = as_function(plan(program, point))
    checked, plain = [Value(x) for x in point], [Value(x) for x in point]
    out = f(*checked)
    assert verify_graph(out)[-1] is out
    out.backward(check=True)
    f(*plain).backward()
    assert [x.grad for x in checked] == [x.grad for x in plain]


@settings(max_examples=40, deadline=None)
@given(programs, points, st.integers(0, 3), st.floats(min_value=-2.0, max_value=2.0, allow_nan=False))
def test_the_check_never_lets_a_stale_gradient_through(program, point, which, new_number):
    # Change one input after the graph is built: backward(check=True) either refuses, or
    # every number of the graph is still what the new input gives, so its gradients are
    # exactly those of a graph built afresh at the new point.
    f = as_function(plan(program, point))
    inputs = [Value(x) for x in point]
    out = f(*inputs)
    inputs[which % len(inputs)].data = new_number
    try:
        out.backward(check=True)
    except GraphError:
        return
    fresh = [Value(x.data) for x in inputs]
    f(*fresh).backward()
    assert [x.grad for x in inputs] == [x.grad for x in fresh]


# -- n-ary nodes equal the chains of binary nodes they replace ---------------------------
small = st.floats(min_value=-10.0, max_value=10.0, allow_nan=False)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(small, small), min_size=0, max_size=6), small)
def test_linear_equals_the_sum_of_products(pairs, b):
    ws, xs = [Value(w) for w, _ in pairs], [Value(x) for _, x in pairs]
    bias = Value(b)
    fused = autograd.linear(ws, xs, bias)
    chained = bias
    for w, x in zip(ws, xs):
        chained = chained + w * x
    assert fused.data == pytest.approx(chained.data, rel=1e-12, abs=1e-12)
    leaves = ws + xs + [bias]
    assert grad(fused, leaves) == grad(chained, leaves)  # d/dw_i = x_i, d/dx_i = w_i, d/db = 1


@settings(max_examples=50, deadline=None)
@given(st.lists(small, min_size=1, max_size=8))
def test_sum_equals_repeated_addition(numbers):
    xs = [Value(x) for x in numbers]
    chained = xs[0]
    for x in xs[1:]:
        chained = chained + x
    fused = autograd.sum(xs)
    assert fused.data == pytest.approx(chained.data, rel=1e-12, abs=1e-12)
    assert fused.data == math.fsum(numbers)  # the n-ary node adds exactly, then rounds once
    assert grad(fused, xs) == [1.0] * len(xs)
