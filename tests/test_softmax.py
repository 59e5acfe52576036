"""softmax and log_softmax: the seed notes' printout, stability, and exact gradients."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, gradcheck, gradgradcheck
from autograd.tape import Tape
from nn.losses import cross_entropy, log_softmax, softmax

# The seed notes (000_*) apply a numpy softmax to each row of this matrix and print:
SEED_LOGITS = [[1, 2, 0], [-1, 0, 1], [-10, 0, 10]]
SEED_PRINTOUT = [[2.44728471e-01, 6.65240956e-01, 9.00305732e-02],
                 [9.00305732e-02, 2.44728471e-01, 6.65240956e-01],
                 [2.06106005e-09, 4.53978686e-05, 9.99954600e-01]]

logit_lists = st.lists(st.floats(-50, 50), min_size=1, max_size=6)


def data(values):
    return [v.data for v in values]


def test_softmax_reproduces_seed_printout():
    for row, printed in zip(SEED_LOGITS, SEED_PRINTOUT):
        probabilities = data(softmax(row))
        for p, expected in zip(probabilities, printed):
            # The printout has 9 significant digits: it agrees to 1e-8 both absolutely
            # and relative to each value, even the tiny 2e-9.
            assert abs(p - expected) <= 1e-8
            assert abs(p - expected) <= 1e-8 * abs(expected)
        # The notes print 0.9999999999999999 for each row's sum: one rounding away from 1.
        assert math.fsum(probabilities) == pytest.approx(1.0, abs=4e-16)


def test_softmax_printout_matches_the_notes_character_for_character():
    # the notes' own numpy printing of the result and of each row's sum
    a = np.array([data(softmax(row)) for row in SEED_LOGITS])
    printed = "\n".join([str(a)] + [str(np.sum(row)) for row in a])
    assert printed == (
        "[[2.44728471e-01 6.65240956e-01 9.00305732e-02]\n"
        " [9.00305732e-02 2.44728471e-01 6.65240956e-01]\n"
        " [2.06106005e-09 4.53978686e-05 9.99954600e-01]]\n"
        "0.9999999999999999\n0.9999999999999999\n0.9999999999999999")


def test_softmax_of_a_batch_is_softmax_of_each_row():
    batch = softmax(np.array(SEED_LOGITS, dtype=float))
    assert [data(row) for row in batch] == [data(softmax(row)) for row in SEED_LOGITS]


@settings(max_examples=40, deadline=None)
@given(logit_lists)
def test_softmax_is_a_probability_distribution(logits):
    probabilities = data(softmax(logits))
    assert all(0.0 <= p <= 1.0 for p in probabilities)
    assert math.fsum(probabilities) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(logit_lists, st.floats(-100, 100))
def test_softmax_does_not_change_when_every_logit_is_shifted(logits, c):
    shifted = data(softmax([z + c for z in logits]))
    assert shifted == pytest.approx(data(softmax(logits)), abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(logit_lists)
def test_log_softmax_is_the_log_of_softmax(logits):
    logs = data(log_softmax(logits))
    probabilities = data(softmax(logits))
    assert [math.exp(v) for v in logs] == pytest.approx(probabilities, abs=1e-12)


def test_extreme_logits_give_finite_probabilities_and_gradients():
    z = [Value(1000.0), Value(-1000.0)]
    p = softmax(z)
    assert data(p) == [1.0, 0.0]
    p[0].backward()
    assert all(math.isfinite(v.grad) for v in z)

    z = [Value(1000.0), Value(-1000.0)]
    log_p = log_softmax(z)
    assert data(log_p) == [0.0, -2000.0]   # exact: log(e^0 / (e^0 + e^-2000)) = 0
    log_p[1].backward()
    # d log softmax_1 / dz = onehot(1) - softmax(z) = [0 - 1, 1 - 0]
    assert [v.grad for v in z] == [-1.0, 1.0]


def test_softmax_gradient_is_the_softmax_jacobian():
    # d s_i / d z_j = s_i (δ_ij - s_j)
    logits = [0.3, -1.2, 2.0]
    s = data(softmax(logits))
    for i in range(3):
        z = [Value(v) for v in logits]
        softmax(z)[i].backward()
        jacobian_row = [s[i] * ((i == j) - s[j]) for j in range(3)]
        assert [v.grad for v in z] == pytest.approx(jacobian_row, abs=1e-14)


@pytest.mark.parametrize("function", [softmax, log_softmax])
@pytest.mark.parametrize("logits", [[0.3, -1.2, 2.0], [1.0, 1.0, 0.0], [30.0, -20.0]])
def test_softmax_gradients_match_finite_differences(function, logits):
    # [1, 1, 0] ties for the max: the max node sends its gradient to one of the two,
    # but what reaches it through the shift adds up to 0, so even there the
    # gradient is the smooth one.
    for i in range(len(logits)):
        def component(*z, i=i):
            return function(list(z))[i]
        assert gradcheck(component, logits)
        assert gradgradcheck(component, logits)


def test_plain_numbers_become_values():
    out = softmax([0.0, 0.0])
    assert all(isinstance(v, Value) for v in out)
    assert data(out) == [0.5, 0.5]


def test_softmax_rejects_inputs_that_are_not_one_row_of_logits():
    with pytest.raises(ValueError, match="empty"):
        softmax([])
    with pytest.raises(TypeError, match="list of logits"):
        softmax(Value(1.0))
    with pytest.raises(ValueError, match="shape"):
        log_softmax(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="softmax"):
        softmax(["a", "b"])


# Two samples whose logits lie about 1000 apart: a shift recorded as the first
# sample's max would be subtracted from the second's logits, and e^(z - c) would
# overflow (or the sum underflow to 0) in the replay.
FAR_APART = np.array([[1000.0, 1001.5, 999.0], [-2.0, 0.5, 1.0]])
SHIFTED_OUTPUTS = {
    "cross_entropy": lambda z: cross_entropy(z, 1),
    "softmax": lambda z: softmax(z)[2],
    "log_softmax": lambda z: log_softmax(z)[0],
}


@pytest.mark.parametrize("name", sorted(SHIFTED_OUTPUTS))
def test_replay_takes_each_samples_own_max_logit(name):
    output = SHIFTED_OUTPUTS[name]
    w, b = Value(0.9), Value(0.2)

    def sample_output(z0, z1, z2):
        return output([w * z0 + b, w * z1, w * z2])

    tape = Tape.record(sample_output, FAR_APART[0], [w, b], second_sample=FAR_APART[1])
    replayed = tape.forward(FAR_APART)
    replayed_grads = tape.backward()

    autograd.zero_grad([w, b])
    scalar = [sample_output(*map(Value, row)) for row in FAR_APART]
    autograd.sum(scalar).backward()
    np.testing.assert_allclose(replayed, [v.data for v in scalar], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(replayed_grads, [w.grad, b.grad], rtol=1e-12, atol=1e-12)
