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
