"""fit(l1=..., l2=...): l1·Σ|w| + l2·Σw² over the weights (not the biases), in both engines."""
import math

import numpy as np
import pytest

import autograd
import nn
from autograd import Value
from nn.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from nn.train import Penalty

X, y = nn.data.make_moons(40, noise=0.1, seed=4)
TARGETS = 2.0 * y - 1.0


def model(seed=3):
    m = nn.MLP(2, [5, 1], activation="tanh", seed=seed)
    for name, p in m.named_parameters():     # biases away from 0, so that leaving them alone shows
        if name.endswith(".b"):
            p.data = 0.25
    return m


def no_data_loss(outputs, targets):
    """A loss whose gradient is 0: only the penalty moves the weights."""
    return autograd.sum(outputs) * 0.0


def test_the_penalty_is_added_to_the_loss_of_each_batch():
    trained, by_hand = model(), model()
    l1, l2, lr = 0.01, 0.02, 0.1
    history = nn.fit(trained, X, TARGETS, loss="hinge", optimizer=SGD(trained.parameters(), lr=lr),
                     epochs=1, batch_size=None, shuffle=False, progress=False, l1=l1, l2=l2)
    weights = by_hand.weight_parameters()
    loss = (nn.hinge_loss([by_hand(x) for x in X], TARGETS)
            + l1 * autograd.sum([w.abs() for w in weights])
            + l2 * autograd.sum([w * w for w in weights]))
    loss.backward()
    assert history["loss"] == [pytest.approx(loss.data, rel=1e-12)]
    for p in by_hand.parameters():
        p.data -= lr * p.grad
    np.testing.assert_allclose([p.data for p in trained.parameters()],
                               [p.data for p in by_hand.parameters()], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("replay", [False, True])
def test_l2_shrinks_every_weight_by_the_same_factor_and_leaves_the_biases(replay):
    m = model()
    before = dict(m.state_dict())
    lr, l2 = 0.1, 0.05
    nn.fit(m, X, TARGETS, loss=no_data_loss, optimizer=SGD(m.parameters(), lr=lr), epochs=1,
           batch_size=None, progress=False, l2=l2, replay=replay)
    for name, value in m.state_dict().items():
        if name.endswith(".b"):
            assert value == before[name]                        # d/db of l2·Σw² is 0
        else:
            assert value == pytest.approx(before[name] * (1 - 2 * lr * l2), rel=1e-14)


@pytest.mark.parametrize("replay", [False, True])
def test_l1_moves_every_weight_toward_zero_by_the_same_step(replay):
    m = model()
    before = dict(m.state_dict())
    lr, l1 = 0.1, 0.05
    nn.fit(m, X, TARGETS, loss=no_data_loss, optimizer=SGD(m.parameters(), lr=lr), epochs=1,
           batch_size=None, progress=False, l1=l1, replay=replay)
    for name, value in m.state_dict().items():
        expected = before[name] if name.endswith(".b") else (
            before[name] - lr * l1 * math.copysign(1.0, before[name]))
        assert value == pytest.approx(expected, rel=1e-14, abs=1e-16)


def test_l2_is_sgds_weight_decay_of_twice_lambda_on_the_weights():
    with_penalty, with_decay = model(), model()
    lr, l2 = 0.1, 0.01
    nn.fit(with_penalty, X, TARGETS, loss="hinge", optimizer=SGD(with_penalty.parameters(), lr=lr),
           epochs=1, batch_size=None, progress=False, l2=l2)
    nn.fit(with_decay, X, TARGETS, loss="hinge", progress=False, epochs=1, batch_size=None,
           optimizer=SGD(with_decay.parameters(), lr=lr, weight_decay=2 * l2))
    # after one step only the biases differ: weight decay shrinks them too, l2 does not
    np.testing.assert_allclose([p.data for p in with_penalty.weight_parameters()],
                               [p.data for p in with_decay.weight_parameters()], rtol=1e-12)


def test_adamw_shrinks_the_weight_itself_while_adams_decay_goes_through_its_rescaling():
    lr, decay = 0.1, 0.5
    decoupled, coupled = Value(2.0), Value(2.0)
    AdamW([decoupled], lr=lr, weight_decay=decay).step()      # both gradients are 0
    Adam([coupled], lr=lr, weight_decay=decay).step()
    assert decoupled.data == pytest.approx(2.0 * (1 - lr * decay), rel=1e-15)
    assert coupled.data == pytest.approx(2.0 - lr, rel=1e-7)  # Adam's first step is about lr


def test_validation_loss_includes_the_penalty_too():
    m = model()
    history = nn.fit(m, X, TARGETS, loss="hinge", optimizer=SGD(m.parameters(), lr=0.0), epochs=1,
                     batch_size=None, progress=False, l1=0.01, l2=0.02,
                     validation_data=(X, TARGETS))
    assert history["val_loss"][0] == pytest.approx(history["loss"][0], rel=1e-12)


def test_the_penalty_on_arrays_has_the_graphs_value_and_gradient():
    weights = [Value(v) for v in (0.5, -2.0, 0.0, 3.0)]     # 0: |w| has derivative 0 there
    penalty = Penalty(weights, l1=0.3, l2=0.07)
    graph = penalty.value()
    graph.backward()
    value, grad = penalty.on_arrays(np.array([w.data for w in weights]))
    assert value == pytest.approx(graph.data, rel=1e-15)
    np.testing.assert_allclose(grad, [w.grad for w in weights], rtol=1e-15, atol=0)


def test_the_penalty_runs_as_arrays_when_training_by_replay(monkeypatch):
    def no_graph(self):
        raise AssertionError("replay built the penalty as a graph")

    monkeypatch.setattr(Penalty, "value", no_graph)
    m = model()
    history = nn.fit(m, X, TARGETS, loss="hinge", epochs=2, progress=False, l1=0.01, l2=0.01,
                     replay=True, validation_data=(X, TARGETS))
    assert len(history["loss"]) == 2


def test_a_module_chooses_its_weights_and_biases_are_named_so():
    assert [p.label for p in nn.Neuron(2).weight_parameters()] == ["w.0", "w.1"]
    mlp = nn.MLP(2, [3, 1])
    assert len(mlp.weight_parameters()) == 2 * 3 + 3 * 1
    assert all(not p.label.endswith(".b") for p in mlp.weight_parameters())

    class Line(nn.Module):
        def __init__(self):
            self.slope, self.intercept = Value(1.0), Value(0.0)

        def forward(self, x):
            return self.slope * x + self.intercept

    line = Line()
    assert line.weight_parameters() == [line.slope]


EVERY_OPTIMIZER = [
    (SGD, dict(lr=0.05, momentum=0.9)), (SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (SGD, dict(lr=0.05, momentum=0.5, dampening=0.3, weight_decay=0.01)),
    (Adam, dict(lr=0.02)), (Adam, dict(lr=0.02, amsgrad=True, weight_decay=0.01)),
    (AdamW, dict(lr=0.02, weight_decay=0.1)), (RMSprop, dict(lr=0.01)),
    (RMSprop, dict(lr=0.01, momentum=0.5, centered=True)), (Adagrad, dict(lr=0.1)),
]


@pytest.mark.parametrize("cls, settings", EVERY_OPTIMIZER, ids=lambda v: getattr(v, "__name__", v))
def test_replay_with_penalties_gives_the_scalar_engines_weights(cls, settings):
    runs = []
    for replay in (False, True):
        m = model()
        history = nn.fit(m, X, TARGETS, loss="hinge", optimizer=cls(m.parameters(), **settings),
                         epochs=3, batch_size=16, seed=1, progress=False, l1=0.003, l2=0.01,
                         replay=replay)
        runs.append((history["loss"], [p.data for p in m.parameters()],
                     [p.grad for p in m.parameters()]))
    (scalar_loss, scalar_weights, scalar_grads), (replay_loss, replay_weights, replay_grads) = runs
    np.testing.assert_allclose(replay_loss, scalar_loss, rtol=1e-12)
    np.testing.assert_allclose(replay_weights, scalar_weights, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(replay_grads, scalar_grads, rtol=1e-12, atol=1e-14)
