"""The playground trains exactly as nn.fit does, checks its settings, and explains a gradient."""
import base64

import numpy as np
import pytest

import nn
from nn.live_playground import DATASETS, Playground, PlaygroundWidget, check_settings, playground


def weights(model) -> np.ndarray:
    return np.array([p.data for p in model.parameters()])


def fit_like(p: Playground, epochs: int, replay: bool) -> np.ndarray:
    """What nn.fit makes of the same settings, as a separate model."""
    s = p.settings
    model = nn.MLP(2, [*s["hidden"], 1], activation=s["activation"], seed=s["seed"])
    nn.fit(model, p.X_train, p.y_train, loss="bce_with_logits", optimizer=s["optimizer"],
           lr=s["lr"], epochs=epochs, batch_size=s["batch_size"], seed=s["seed"],
           l1=s["l1"], l2=s["l2"], replay=replay, progress=False,
           validation_data=(p.X_test, p.y_test))
    return weights(model)


@pytest.mark.parametrize("settings", [
    dict(),                                                   # 2-[8, 8]-1 tanh, Adam
    dict(dataset="xor", hidden=[4], activation="relu", optimizer="sgd", lr=0.5, batch_size=7),
    dict(dataset="circles", hidden=[5, 3], optimizer="rmsprop", lr=0.01, l1=1e-3, l2=1e-2),
    dict(dataset="spirals", hidden=[6], activation="sigmoid", optimizer="adagrad", seed=3),
])
def test_playground_reaches_the_weights_of_fit(settings):
    p = Playground(**settings)
    p.step(4)
    p.step()               # steps may be taken in any grouping
    assert p.epoch == 5
    assert np.array_equal(weights(p.model), fit_like(p, 5, replay=True))
    assert np.allclose(weights(p.model), fit_like(p, 5, replay=False), rtol=0, atol=1e-12)


def test_playground_records_the_losses_fit_records():
    p = Playground(dataset="moons", hidden=[3], l2=0.01)
    p.step(6)
    s = p.settings
    model = nn.MLP(2, [3, 1], activation=s["activation"], seed=s["seed"])
    history = nn.fit(model, p.X_train, p.y_train, loss="bce_with_logits", optimizer="adam",
                     lr=s["lr"], epochs=6, batch_size=s["batch_size"], seed=s["seed"],
                     l2=0.01, replay=True, progress=False, validation_data=(p.X_test, p.y_test))
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert p.history[key] == history[key], key
    assert p.train_loss == history["loss"][-1] and p.test_loss == history["val_loss"][-1]


def test_reset_starts_again_from_the_same_weights():
    p = Playground(hidden=[4])
    start = weights(p.model)
    p.step(3)
    assert not np.array_equal(weights(p.model), start)
    p.reset()
    assert p.epoch == 0 and p.history["loss"] == []
    assert np.array_equal(weights(p.model), start)


def test_changing_the_learning_rate_keeps_training_the_same_weights():
    p = Playground(hidden=[4], optimizer="sgd", lr=0.1)
    p.step(2)
    before = weights(p.model)
    p.set(lr=0.0001)
    assert p.epoch == 2 and np.array_equal(weights(p.model), before)
    p.step()
    small_move = np.abs(weights(p.model) - before).max()
    assert 0 < small_move < 1e-3          # a thousandth of the step size moves a thousandth as far


def test_changing_the_data_or_the_layers_starts_again():
    p = Playground(hidden=[4])
    p.step(2)
    X = p.X_train.copy()
    p.set(dataset="xor")
    assert p.epoch == 0 and not np.array_equal(p.X_train, X)
    p.step()
    p.set(hidden=[4, 2])
    assert p.epoch == 0 and len(p.model.layers) == 3
    p.set(hidden=[])                       # no hidden layer: one neuron, 2 weights and a bias
    assert p.model.num_parameters() == 3


def test_every_dataset_gives_two_classes_split_as_asked():
    for name in DATASETS:
        p = Playground(dataset=name, n_samples=100, test_size=0.25)
        assert len(p.X_test) == 25 and len(p.X_train) == 75
        assert set(np.unique(np.concatenate([p.y_train, p.y_test]))) == {0, 1}, name


def test_noise_moves_the_points():
    quiet, noisy = Playground(noise=0.0), Playground(noise=0.3)
    r_quiet = np.hypot(*(quiet.X_train[quiet.y_train == 0]).T)
    assert np.allclose(r_quiet, 1.0)       # moons without noise: class 0 on the unit circle
    assert not np.allclose(np.hypot(*(noisy.X_train[noisy.y_train == 0]).T), 1.0)


@pytest.mark.parametrize("settings, error, words", [
    (dict(lrr=0.1), TypeError, "unknown setting 'lrr'"),
    (dict(dataset="swiss roll"), ValueError, "unknown dataset 'swiss roll'"),
    (dict(noise=-0.1), ValueError, "noise must be >= 0"),
    (dict(test_size=1.0), ValueError, "test_size"),
    (dict(hidden=8), TypeError, "hidden must be a list"),
    (dict(hidden="8, x"), ValueError, "'8, x'"),
    (dict(hidden=[8, 0]), ValueError, "hidden layer size"),
    (dict(hidden=[1000]), ValueError, "hidden layer size"),
    (dict(activation="swish"), ValueError, "unknown activation 'swish'"),
    (dict(optimizer="lbfgs"), ValueError, "unknown optimizer 'lbfgs'"),
    (dict(lr=0), ValueError, "lr (the learning rate) must be > 0"),
    (dict(lr="fast"), TypeError, "lr"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(l2=-1), ValueError, "l2 (a penalty's strength) must be >= 0"),
])
def test_wrong_settings_are_refused_by_name(settings, error, words):
    with pytest.raises(error) as info:
        Playground(**settings)
    assert words in str(info.value)


def test_a_refused_change_leaves_the_playground_as_it_was():
    p = Playground(hidden=[4])
    p.step(2)
    with pytest.raises(ValueError, match="lr"):
        p.set(lr=-1)
    assert p.settings["lr"] == check_settings({})["lr"] and p.epoch == 2


def test_a_learning_rate_that_diverges_stops_training_and_says_so():
    p = Playground(dataset="xor", hidden=[8, 8], activation="identity", optimizer="sgd", lr=5.0)
    p.step(20)
    assert p.diverged and "learning rate" in p.diverged
    assert p.epoch < 20


def test_inspection_gives_the_gradient_replay_gives():
    p = Playground(dataset="xor", hidden=[3], l2=0.01, batch_size=8)
    p.step(2)
    # replay's gradient of the latest batch at the current weights, penalty included
    trainer = p.trainer
    batch = trainer.samples[p.last_batch]
    trainer.tape.forward(batch, trainer.theta)
    replayed = trainer.tape.backward(1.0 / len(batch)) \
        + trainer.penalty.on_arrays(trainer.theta * trainer.weight_mask)[1]
    names = p.names()
    for k in (0, 5, len(names) - 1):
        found = p.inspect(names[k])
        assert found.gradient == pytest.approx(replayed[k], abs=1e-12)
    w = p.inspect("layers.0.neurons.2.w.1")
    assert "W0[2,1]" in w.chain_rule and "chain rule" in w.chain_rule
    assert w.step.startswith("neuron 2 of layer 0") and "delta dL/dZ0[0,2]" in w.step


def test_inspecting_an_unknown_name_lists_the_names():
    with pytest.raises(KeyError, match="layers.0.neurons.0.w.0"):
        Playground(hidden=[2]).inspect("W9")


def test_neuron_pictures_are_the_outputs_of_the_hidden_neurons():
    p = Playground(hidden=[3, 2])
    p.step()
    points = np.array([[0.5, -0.25], [1.5, 0.75]])
    scores, hidden = p.neuron_outputs(points)
    for point, score, row in zip(points, scores, hidden):
        h1 = p.model.layers[0](point.tolist())
        h2 = p.model.layers[1](h1)
        assert [v.data for v in h1 + h2] == pytest.approx(row.tolist(), abs=1e-12)
        assert p.model(point.tolist()).data == pytest.approx(score, abs=1e-12)


def test_the_widget_shows_a_png_where_no_kernel_runs_it():
    w = playground(hidden=[2])
    assert isinstance(w, PlaygroundWidget)
    bundle = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")


def test_the_widget_controls_drive_the_playground():
    w = playground(hidden=[2])
    w._one_step()
    assert w.playground.epoch == 1 and "epoch 1" in w.counter.value
    w.lr.value = 0.5
    assert w.playground.settings["lr"] == 0.5 and w.playground.epoch == 1
    w.add_layer.click()
    assert w.playground.settings["hidden"] == (2, 2) and w.playground.epoch == 0
    w.add_neuron.click()
    assert w.playground.settings["hidden"] == (2, 3)
    assert "layers.1.neurons.2.b" in w.selector.options
    w.selector.value = "layers.1.neurons.2.b"
    assert "gradient dL/dlayers.1.neurons.2.b" in w.inspection.value
    w.lr.value = -1.0
    assert "lr" in w.message.value and w.playground.settings["lr"] == 0.5
    w.dataset.value = "circles"
    assert w.playground.settings["dataset"] == "circles"


def test_the_widget_trains_in_a_background_thread():
    w = PlaygroundWidget(Playground(hidden=[2]), refresh_seconds=0.05)
    w.play()
    try:
        w.thread.join(timeout=0.3)       # still running: training does not return on its own
        assert w.thread.is_alive()
    finally:
        w.pause()
    assert not w.thread.is_alive() and w.playground.epoch > 0
