"""nn.fit(replay=True) trains exactly as the scalar engine does, only faster."""
import numpy as np
import pytest

import nn
from autograd import Value
from autograd.tape import ReplayError

CASES = {
    "hinge": (lambda: nn.data.make_moons(60, noise=0.1, seed=3), lambda y: 2.0 * y - 1.0,
              dict(nouts=[8, 1], activation="relu")),
    "cross_entropy": (lambda: nn.data.make_blobs(60, centers=3, seed=3), lambda y: y,
                      dict(nouts=[6, 3], activation="tanh")),
    "bce_with_logits": (lambda: nn.data.make_circles(60, noise=0.05, seed=3), lambda y: y,
                        dict(nouts=[6, 1], activation="elu")),
    "mse": (lambda: nn.data.make_moons(60, noise=0.1, seed=3), lambda y: y.astype(float),
            dict(nouts=[5, 1], activation="sigmoid")),
    "mae": (lambda: nn.data.make_moons(60, noise=0.1, seed=3), lambda y: y.astype(float),
            dict(nouts=[5, 1], activation="softplus")),
}


def train(loss, replay):
    make_data, targets, arch = CASES[loss]
    X, y = make_data()
    model = nn.MLP(2, arch["nouts"], activation=arch["activation"], seed=7)
    optimizer = nn.optim.Adam(model.parameters(), lr=0.02)
    history = nn.fit(model, X, targets(y), loss=loss, optimizer=optimizer, epochs=4, batch_size=16,
                     seed=0, progress=False, validation_data=(X[:10], targets(y)[:10]),
                     replay=replay)
    return model, history


@pytest.mark.parametrize("loss", sorted(CASES))
def test_replay_trains_exactly_like_the_scalar_engine(loss):
    scalar_model, scalar_history = train(loss, replay=False)
    replay_model, replay_history = train(loss, replay=True)
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(replay_history[key], scalar_history[key], rtol=1e-10, atol=1e-12)
    for key in ("accuracy", "val_accuracy"):
        assert replay_history[key] == scalar_history[key]
    np.testing.assert_allclose([p.data for p in replay_model.parameters()],
                               [p.data for p in scalar_model.parameters()], rtol=1e-10, atol=1e-12)


def test_replay_refuses_a_loss_whose_graph_depends_on_the_data():
    X, y = nn.data.make_moons(20, noise=0.1, seed=0)

    def branchy_loss(outputs, targets):
        out, t = outputs[0], targets[0]
        # a Python branch on the data: class 1 gets a different formula
        return (out - t) ** 2 if t.data > 0.5 else (out - t).abs() * 3.0

    model = nn.MLP(2, [4, 1], seed=0)
    with pytest.raises(ReplayError, match="depends on the data"):
        nn.fit(model, X, y, loss=branchy_loss, epochs=1, progress=False, replay=True)


# -- every optimizer runs on arrays, with the scalar engine's numbers ----------------------------

EVERY_OPTIMIZER = [
    (nn.optim.SGD, dict(lr=0.1)), (nn.optim.SGD, dict(lr=0.05, momentum=0.9)),
    (nn.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (nn.optim.Adam, dict(lr=0.02)), (nn.optim.Adam, dict(lr=0.02, amsgrad=True)),
    (nn.optim.AdamW, dict(lr=0.02, weight_decay=0.1)),
    (nn.optim.RMSprop, dict(lr=0.01, alpha=0.9)),
    (nn.optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01)),
    (nn.optim.Adagrad, dict(lr=0.1, lr_decay=0.01)),
]


def train_blobs(cls, settings, replay, epochs=3):
    X, y = nn.data.make_blobs(45, centers=3, seed=5)
    model = nn.MLP(2, [6, 3], activation="tanh", seed=2)
    history = nn.fit(model, X, y, loss="cross_entropy",
                     optimizer=cls(model.parameters(), **settings), epochs=epochs, batch_size=10, seed=3, progress=False, replay=replay)
    return model, history


@pytest.mark.parametrize("cls, settings", EVERY_OPTIMIZER, ids=lambda v: getattr(v, "__name__", v))
def test_every_optimizer_replays_to_the_scalar_engines_weights(cls, settings):
    scalar_model, scalar_history = train_blobs(cls, settings, replay=False)
    replay_model, replay_history = train_blobs(cls, settings, replay=True)
    np.testing.assert_allclose(replay_history["loss"], scalar_history["loss"], rtol=1e-12)
    assert replay_history["accuracy"] == scalar_history["accuracy"]
    np.testing.assert_allclose([p.data for p in replay_model.parameters()],
                               [p.data for p in scalar_model.parameters()], rtol=1e-12, atol=1e-14)
    # the Values hold the last batch's gradient, as after the scalar engine's backward()
    np.testing.assert_allclose([p.grad for p in replay_model.parameters()],
                               [p.grad for p in scalar_model.parameters()], rtol=1e-12, atol=1e-14)


def test_replay_steps_the_optimizer_on_arrays_not_value_by_value(monkeypatch):
    def per_value_step(self, closure=None):
        raise AssertionError("replay called the per-Value step()")

    monkeypatch.setattr(nn.optim.Optimizer, "step", per_value_step)
    train_blobs(nn.optim.Adam, dict(lr=0.02), replay=True)


def test_the_models_values_hold_the_weights_after_every_replayed_step():
    X, y = nn.data.make_moons(30, noise=0.1, seed=1)
    model = nn.MLP(2, [4, 1], seed=0)
    trainer = nn.train.replay_trainer(model, X, y, loss="bce_with_logits", optimizer="adam")
    for start in (0, 10, 20):
        trainer.train_batch(list(range(start, start + 10)))
        assert [p.data for p in model.parameters()] == trainer.theta.tolist()


def frozen_first_layer(replay):
    X, y = nn.data.make_moons(30, noise=0.1, seed=2)
    model = nn.MLP(2, [4, 1], seed=0)
    optimizer = nn.optim.SGD(model.layers[1].parameters(), lr=0.1, momentum=0.9)
    nn.fit(model, X, y, loss="bce_with_logits", optimizer=optimizer, epochs=3, batch_size=8,
           seed=0, progress=False, replay=replay)
    return model


def test_an_optimizer_over_some_of_the_parameters_replays_like_the_scalar_engine():
    scalar, replayed = frozen_first_layer(False), frozen_first_layer(True)
    assert replayed.layers[0].state_dict() == nn.MLP(2, [4, 1], seed=0).layers[0].state_dict()
    np.testing.assert_allclose([p.data for p in replayed.parameters()],
                               [p.data for p in scalar.parameters()], rtol=1e-12, atol=1e-14)


def test_an_optimizer_of_the_learners_own_steps_the_values_and_replays_alike():
    class HandSGD:
        def __init__(self, params, lr):
            self.params, self.lr = list(params), lr

        def zero_grad(self):
            for p in self.params:
                p.grad = 0.0

        def step(self):
            for p in self.params:
                p.data -= self.lr * p.grad

    runs = []
    for replay in (False, True):
        X, y = nn.data.make_moons(30, noise=0.1, seed=2)
        model = nn.MLP(2, [4, 1], seed=0)
        nn.fit(model, X, y, loss="bce_with_logits", optimizer=HandSGD(model.parameters(), 0.1),
               epochs=2, batch_size=8, seed=0, progress=False, replay=replay)
        runs.append([p.data for p in model.parameters()])
    np.testing.assert_allclose(runs[1], runs[0], rtol=1e-12, atol=1e-14)
