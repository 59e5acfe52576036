"""The perceptron learns AND and OR, can never learn XOR; an MLP learns XOR."""
import numpy as np
import pytest

import nn

# The truth table inputs, and targets as the perceptron writes them: +1 true, -1 false.
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
AND = np.array([-1, -1, -1, 1])
OR = np.array([-1, 1, 1, 1])
XOR = np.array([-1, 1, 1, -1])


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("name, y", [("AND", AND), ("OR", OR)])
def test_perceptron_learns_a_linearly_separable_gate(name, y, seed):
    p = nn.Perceptron(2, seed=seed).fit(X, y, epochs=100)
    assert p.errors_[-1] == 0
    assert p.predict(X).tolist() == y.tolist()


@pytest.mark.parametrize("seed", range(5))
def test_perceptron_never_learns_xor(seed):
    # No line separates {(0,1), (1,0)} from {(0,0), (1,1)}, so every epoch misclassifies
    # at least one point and the rule never stops changing the weights.
    p = nn.Perceptron(2, seed=seed).fit(X, XOR, epochs=200)
    assert len(p.errors_) == 200
    assert min(p.errors_) > 0
    assert np.mean(p.predict(X) == XOR) < 1.0


def test_an_mlp_learns_xor():
    model = nn.MLP(2, [4, 1], activation='tanh', seed=0)
    nn.fit(model, X, XOR, loss='hinge', optimizer='adam', lr=0.05, epochs=150,
           batch_size=None, progress=False)
    assert np.where(model.predict(X) > 0, 1, -1).tolist() == XOR.tolist()


def test_one_step_of_the_perceptron_rule():
    p = nn.Perceptron(2, lr=0.5)
    p.load_state_dict({'w.0': 1.0, 'w.1': 1.0, 'b': 0.0})
    x, target = [2.0, -3.0], 1          # net input 2 - 3 = -1 < 0: predicted -1, wrong
    p.fit([x], [target], epochs=1)
    update = 0.5 * (target - (-1))     # lr * (target - prediction)
    assert p.state_dict() == {'w.0': 1.0 + update * 2.0, 'w.1': 1.0 + update * -3.0, 'b': update}
    assert p.errors_ == [1]


def test_a_correct_prediction_changes_nothing():
    p = nn.Perceptron(2)
    p.load_state_dict({'w.0': 1.0, 'w.1': 1.0, 'b': 0.0})
    p.fit([[1.0, 1.0]], [1], epochs=5)
    assert p.state_dict() == {'w.0': 1.0, 'w.1': 1.0, 'b': 0.0}
    assert p.errors_ == [0]


def test_fit_stops_after_the_first_epoch_without_errors():
    p = nn.Perceptron(2, seed=0).fit(X, OR, epochs=100)
    assert p.errors_.index(0) == len(p.errors_) - 1


def test_step_output_is_plus_or_minus_one_with_threshold_at_zero():
    p = nn.Perceptron(1)
    p.load_state_dict({'w.0': 1.0, 'b': 0.0})
    assert p.net_input([0.0]) == 0.0
    assert p.predict([[-0.1], [0.0], [0.1]]).tolist() == [-1, 1, 1]
    assert p([-0.1]) == -1


def test_perceptron_separates_linearly_separable_random_points():
    rng = np.random.default_rng(0)
    points = rng.uniform(-1, 1, size=(60, 2))
    margin = points @ np.array([1.0, -2.0]) + 0.3
    keep = np.abs(margin) > 0.1
    points, labels = points[keep], np.where(margin[keep] > 0, 1, -1)
    p = nn.Perceptron(2, lr=0.1, seed=0).fit(points, labels, epochs=500)
    assert p.errors_[-1] == 0
    assert (p.predict(points) == labels).all()


def test_zero_one_labels_are_rejected_with_a_hint():
    with pytest.raises(ValueError, match=r"labels must be -1 or \+1, got \[0\].*2 \* y - 1"):
        nn.Perceptron(2).fit(X, [0, 1, 1, 1])


def test_perceptron_parameters_are_named_like_a_neuron():
    p = nn.Perceptron(3)
    assert [name for name, _ in p.named_parameters()] == ['w.0', 'w.1', 'w.2', 'b']
    assert repr(p) == "Perceptron(3, lr=1.0)"


@pytest.mark.parametrize("bad", [dict(nin=0), dict(nin=2, lr=0), dict(nin=2, lr=-1.0)])
def test_bad_settings_raise(bad):
    with pytest.raises(ValueError, match="Perceptron"):
        nn.Perceptron(**bad)
