"""Tape replay must agree with the scalar engine, value for value and gradient for gradient."""
import math

import numpy as np
import pytest

import autograd
from autograd import Value
from autograd.tape import ReplayError, Tape
from autograd import ops

# One expression per primitive, f(x, t) with a parameter w; inputs chosen inside each domain.
CASES = {
    "add": lambda w, x, t: w + x + t,
    "mul": lambda w, x, t: w * x * t,
    "div": lambda w, x, t: (w * x) / (t * t + 0.5) + 1.0 / (w + x * x + 3.0),
    "pow": lambda w, x, t: (w * x) ** 3 + (w * x * x + 1.0) ** 0.5,
    "exp": lambda w, x, t: (w * x).exp(),
    "log": lambda w, x, t: (w * w * x * x + 0.5).log(),
    "sin": lambda w, x, t: (w * x).sin(),
    "cos": lambda w, x, t: (w * x).cos(),
    "tanh": lambda w, x, t: (w * x + t).tanh(),
    "sigmoid": lambda w, x, t: (w * x * 40.0).sigmoid(),
    "relu": lambda w, x, t: (w * x).relu(),
    "leaky_relu": lambda w, x, t: (w * x).leaky_relu(0.1),
    "elu": lambda w, x, t: (w * x).elu(0.7),
    "softplus": lambda w, x, t: (w * x * 40.0).softplus(),
    "abs": lambda w, x, t: (w * x - t).abs(),
    "tan": lambda w, x, t: (w * x * 0.5).tan(),
    "atan": lambda w, x, t: (w * x + t).atan(),
    "asin": lambda w, x, t: (w * x * 0.4).asin(),
    "acos": lambda w, x, t: (w * t * 0.4).acos(),
    "sinh": lambda w, x, t: (w * x + t).sinh(),
    "cosh": lambda w, x, t: (w * x - t).cosh(),
    "log1p": lambda w, x, t: (w * w * x * x).log1p(),
    "expm1": lambda w, x, t: (w * x).expm1(),
    "linear": lambda w, x, t: autograd.linear([w, w * 2.0], [x, t], w),
    "sum": lambda w, x, t: autograd.sum([w * x, x, t, w]),
    "max": lambda w, x, t: autograd.max([w * x, t, w * 0.1]) * x,
}


def test_every_primitive_has_a_batching_rule_and_a_case():
    builtin = {p.name for p in vars(ops).values() if isinstance(p, ops.Primitive)}
    replayable = {name for name, p in ops.PRIMITIVES.items() if p.replayable}
    assert replayable == builtin
    assert set(CASES) == replayable


@pytest.mark.parametrize("name", sorted(CASES))
def test_replay_matches_scalar_engine(name):
    f = CASES[name]
    w = Value(0.8)
    rng = np.random.default_rng(0)
    batch = np.column_stack([rng.uniform(-2, 2, 64), rng.uniform(-2, 2, 64)])
    batch[0] = [0.3, -0.2]
    tape = Tape.record(lambda x, t: f(w, x, t), batch[0], [w], second_sample=batch[1])
    replayed = tape.forward(batch)
    grad_w = tape.backward()[0]
    expected_values, expected_grad = [], 0.0
    for x, t in batch:
        out = f(w, Value(x), Value(t))
        w.grad = 0.0
        out.backward()
        expected_values.append(out.data)
        expected_grad += w.grad
    np.testing.assert_allclose(replayed, expected_values, rtol=1e-12, atol=1e-12)
    assert math.isclose(grad_w, expected_grad, rel_tol=1e-12, abs_tol=1e-12)


def test_replay_of_a_network_loss_matches_scalar_gradients():
    import random
    rnd = random.Random(1)
    w1 = [[Value(rnd.uniform(-1, 1)) for _ in range(2)] for _ in range(4)]
    b1 = [Value(rnd.uniform(-1, 1)) for _ in range(4)]
    w2 = [Value(rnd.uniform(-1, 1)) for _ in range(4)]
    b2 = Value(0.1)
    params = [p for row in w1 for p in row] + b1 + w2 + [b2]

    def loss(x0, x1, t):
        hidden = [autograd.linear(w, [x0, x1], b).relu() for w, b in zip(w1, b1)]
        return (1.0 - t * autograd.linear(w2, hidden, b2)).relu()

    rng = np.random.default_rng(2)
    X = np.column_stack([rng.normal(size=(50, 2)), rng.choice([-1.0, 1.0], 50)])
    tape = Tape.record(loss, X[0], params, second_sample=X[1], check_samples=X[:5])
    tape.forward(X)
    replay_grads = tape.backward(scale=1 / len(X))
    autograd.zero_grad(params)
    total = autograd.sum([loss(*map(Value, row)) for row in X]) * (1 / len(X))
    total.backward()
    np.testing.assert_allclose(replay_grads, [p.grad for p in params], rtol=1e-12, atol=1e-13)


def test_graph_whose_shape_depends_on_the_data_is_refused():
    w = Value(1.0)

    def branchy(x):
        return (w * x).tanh() if x.data > 0 else w * x * x

    with pytest.raises(ReplayError, match="shape depends on the data"):
        Tape.record(branchy, [1.0], [w], second_sample=[-1.0])


def test_constant_taken_from_the_first_sample_is_caught_by_the_scalar_check():
    w = Value(1.0)

    def uses_data_as_constant(x):
        return w * x + Value(x.data) * 0.5  # a constant copied out of the data

    with pytest.raises(ReplayError, match="depends on the data"):
        Tape.record(uses_data_as_constant, [1.0], [w], second_sample=[2.0],
                    check_samples=np.array([[1.0], [2.0]]))


def test_replay_reports_bad_input_clearly():
    w = Value(1.0)
    tape = Tape.record(lambda x: (w * x).log(), [1.0], [w])
    with pytest.raises(ValueError, match=r"log\(\) of a non-positive number"):
        tape.forward(np.array([[1.0], [-1.0]]))
    with pytest.raises(ValueError, match="shape"):
        tape.forward(np.array([1.0, 2.0]))


def test_further_outputs_are_read_not_differentiated():
    w = Value(1.5)

    def loss_and_output(x, t):
        out = (w * x).tanh()
        return (out - t) ** 2, out

    X = np.array([[0.5, 1.0], [-1.0, 0.0], [2.0, 1.0]])
    tape = Tape.record(loss_and_output, X[0], [w], second_sample=X[1])
    losses = tape.forward(X)
    outputs = tape.extra_outputs()
    np.testing.assert_allclose(outputs[:, 0], np.tanh(1.5 * X[:, 0]), rtol=1e-15)
    np.testing.assert_allclose(losses, (outputs[:, 0] - X[:, 1]) ** 2, rtol=1e-15)
    expected = sum(2 * (np.tanh(1.5 * x) - t) * (1 - np.tanh(1.5 * x) ** 2) * x for x, t in X)
    assert math.isclose(tape.backward()[0], expected, rel_tol=1e-12)


# -- the fast layout computes the same numbers as the plain one ----------------------------------

def two_layer_loss(W1, b1, W2, b2):
    def loss(x0, x1, t):
        hidden = [autograd.linear(w, [x0, x1], b).tanh() for w, b in zip(W1, b1)]
        return (autograd.linear(W2, hidden, b2) - t) ** 2
    return loss


def network(seed):
    import random
    rnd = random.Random(seed)
    W1 = [[Value(rnd.uniform(-1, 1)) for _ in range(2)] for _ in range(3)]
    b1 = [Value(rnd.uniform(-1, 1)) for _ in range(3)]
    W2 = [Value(rnd.uniform(-1, 1)) for _ in range(3)]
    b2 = Value(0.3)
    return W1, b1, W2, b2


def test_parameters_in_any_order_give_the_same_gradients():
    # neuron by neuron (w..., b) the tape reads a layer as a view of the parameter vector;
    # in another order, through an index.  Both are the same chain rule.
    W1, b1, W2, b2 = network(3)
    by_neuron = [p for w, b in zip(W1, b1) for p in (*w, b)] + [*W2, b2]
    shuffled = by_neuron[::-1]
    loss = two_layer_loss(W1, b1, W2, b2)
    batch = np.random.default_rng(0).normal(size=(20, 3))
    results = []
    for params in (by_neuron, shuffled):
        tape = Tape.record(loss, batch[0], params)
        values = tape.forward(batch)
        grads = dict(zip(params, tape.backward().tolist()))
        results.append((values, [grads[p] for p in by_neuron]))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-15)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-13, atol=1e-15)


def test_forward_with_parameter_values_is_forward_with_those_values_in_the_parameters():
    W1, b1, W2, b2 = network(4)
    params = [p for w, b in zip(W1, b1) for p in (*w, b)] + [*W2, b2]
    batch = np.random.default_rng(1).normal(size=(8, 3))
    tape = Tape.record(two_layer_loss(W1, b1, W2, b2), batch[0], params)
    other = np.random.default_rng(2).normal(size=len(params))
    given = tape.forward(batch, other)
    given_grads = tape.backward()
    for p, v in zip(params, other.tolist()):
        p.data = v
    np.testing.assert_array_equal(tape.forward(batch), given)
    np.testing.assert_array_equal(tape.backward(), given_grads)
    with pytest.raises(ValueError, match=f"expected {len(params)} parameter values"):
        tape.forward(batch, other[:-1])


def test_batches_of_different_sizes_do_not_see_each_others_numbers():
    w = Value(0.7)
    tape = Tape.record(lambda x, t: (w * x - t).tanh() * x, [0.5, 0.1], [w])
    rng = np.random.default_rng(5)
    big, small = rng.normal(size=(9, 2)), rng.normal(size=(4, 2))
    first = (tape.forward(big), tape.backward())
    tape.forward(small)
    tape.backward()
    again = (tape.forward(big), tape.backward())   # the kept arrays are reused, not stale
    np.testing.assert_array_equal(again[0], first[0])
    np.testing.assert_array_equal(again[1], first[1])


def test_check_sample_passes_where_replay_is_exact_and_names_a_sample_where_it_is_not():
    w = Value(0.5)
    tape = Tape.record(lambda x, t: (w * x - t).relu(), [1.0, 0.0], [w])
    tape.forward(np.array([[1.0, 0.0], [-2.0, 1.0]]))
    tape.check_sample(0)
    tape.check_sample(1)      # relu's branch is inside the primitive: replay is exact
    w.data = 0.9              # the parameters no longer hold what forward used
    with pytest.raises(ReplayError, match=r"for the sample \[1.0, 0.0\]"):
        tape.check_sample(0)
