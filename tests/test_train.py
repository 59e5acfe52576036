"""nn.fit: the training loop learns real problems, records History, and checks its input."""
import numpy as np
import pytest

import autograd
import nn
from nn.optim import SGD, Adam, StepLR


def accuracy(predicted, target):
    return float(np.mean(np.asarray(predicted) == np.asarray(target)))


# -- acceptance: it learns ------------------------------------------------------------

def test_mlp_with_hinge_loss_separates_the_two_moons():
    X, y = nn.data.make_moons(100, noise=0.1, seed=0)
    target = 2 * y - 1                      # hinge loss wants labels -1 / +1
    model = nn.MLP(2, [16, 16, 1], activation='relu', seed=0)
    optimizer = Adam(model.parameters(), lr=0.02)
    history = nn.fit(model, X, target, loss='hinge', optimizer=optimizer,
                     scheduler=StepLR(optimizer, step_size=40, gamma=0.5),
                     epochs=100, batch_size=32, seed=0, progress=False)
    assert accuracy(np.where(model.predict(X) > 0, 1, -1), target) == 1.0
    assert history['loss'][-1] < history['loss'][0]


def test_mlp_with_cross_entropy_classifies_three_blobs():
    X, y = nn.data.make_blobs(150, centers=[[0, 0], [3, 0], [0, 3]], cluster_std=0.6, seed=0)
    model = nn.MLP(2, [8, 3], activation='relu', seed=0)
    history = nn.fit(model, X, y, loss='cross_entropy', epochs=40, seed=0, progress=False)
    assert accuracy(model.predict(X).argmax(axis=1), y) >= 0.95
    assert history['accuracy'][-1] >= 0.95


def test_iris_cross_validated_accuracy_is_at_least_90_percent():
    from nn.model_selection import KFold, cross_validate
    X, y = nn.data.load_iris(return_X_y=True)
    result = cross_validate(lambda: nn.MLP(4, [8, 3], activation='relu', seed=0), X, y,
                            cv=KFold(5, shuffle=True, seed=0), loss='cross_entropy',
                            optimizer='adam', lr=0.02, epochs=40, batch_size=16, seed=0)
    assert len(result['scores']) == 5
    assert result['mean'] >= 0.90


def test_linear_regression_recovers_the_true_weights():
    X, y, w, b = nn.data.make_linear_regression(50, n_features=3, seed=0)
    model = nn.MLP(3, [1], seed=0)          # one linear neuron: y = w . x + b
    nn.fit(model, X, y, loss='mse', optimizer='sgd', lr=0.1, epochs=200, batch_size=None,
           progress=False)
    neuron = model.layers[0].neurons[0]
    assert np.allclose([v.data for v in neuron.w], w, atol=1e-3)
    assert abs(neuron.b.data - b) < 1e-3


# -- the loop does what it says -----------------------------------------------------------

def test_one_full_batch_epoch_is_one_gradient_step_on_the_mean_loss():
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -0.2]])
    y = np.array([1.0, -2.0, 0.5])
    trained, by_hand = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=0)
    nn.fit(trained, X, y, loss='mse', optimizer=SGD(trained.parameters(), lr=0.1),
           epochs=1, batch_size=None, shuffle=False, progress=False)

    loss = autograd.sum([(by_hand(x) - t) ** 2 for x, t in zip(X, y)]) * (1 / len(y))
    loss.backward()
    for p in by_hand.parameters():
        p.data -= 0.1 * p.grad
    for a, b in zip(trained.parameters(), by_hand.parameters()):
        assert a.data == pytest.approx(b.data, abs=1e-12)


def test_each_mini_batch_is_one_optimizer_step():
    class CountingSGD(SGD):
        steps = 0

        def step(self, closure=None):
            CountingSGD.steps += 1
            return super().step(closure)

    model = nn.MLP(2, [2, 1], seed=0)
    X, y = np.zeros((10, 2)), np.zeros(10)
    nn.fit(model, X, y, optimizer=CountingSGD(model.parameters(), lr=0.1), epochs=3,
           batch_size=4, progress=False)
    assert CountingSGD.steps == 3 * 3        # ceil(10 / 4) batches in each of 3 epochs


def test_history_has_one_entry_per_epoch():
    X, y = nn.data.make_moons(40, noise=0.1, seed=1)
    model = nn.MLP(2, [4, 1], seed=0)
    history = nn.fit(model, X, y, loss='bce_with_logits', epochs=5, progress=False,
                     validation_data=(X[:10], y[:10]))
    assert isinstance(history, nn.History) and isinstance(history, dict)
    assert sorted(history) == ['accuracy', 'loss', 'val_accuracy', 'val_loss']
    assert all(len(values) == 5 for values in history.values())
    assert all(0.0 <= a <= 1.0 for a in history['accuracy'] + history['val_accuracy'])
    assert history.epochs == 5
    assert repr(history).startswith("History(epochs=5, loss=[")


def test_validation_loss_is_the_loss_on_the_validation_set_after_the_epoch():
    X, y = nn.data.make_moons(30, noise=0.1, seed=2)
    model = nn.MLP(2, [4, 1], seed=0)
    history = nn.fit(model, X, y, loss='bce_with_logits', epochs=2, progress=False,
                     validation_data=(X, y))
    final_loss = nn.binary_cross_entropy_with_logits([model(x) for x in X], y.tolist())
    assert history['val_loss'][-1] == pytest.approx(final_loss.data, rel=1e-12)


def test_regression_records_no_accuracy_and_no_validation_without_data():
    X, y, _, _ = nn.data.make_linear_regression(20, seed=0)
    history = nn.fit(nn.MLP(1, [1], seed=0), X, y, epochs=3, progress=False)
    assert len(history['loss']) == 3
    assert history['accuracy'] == history['val_loss'] == history['val_accuracy'] == []


@pytest.mark.parametrize("loss, output_activation, labels, predicted", [
    ('hinge', None, [-1, 1], lambda s: 1 if s > 0 else -1),
    ('bce_with_logits', None, [0, 1], lambda s: 1 if s > 0 else 0),
    ('binary_cross_entropy', 'sigmoid', [0, 1], lambda p: 1 if p > 0.5 else 0),
])
def test_accuracy_of_binary_losses_reads_the_output_the_right_way(loss, output_activation, labels,
                                                                   predicted):
    X, y01 = nn.data.make_moons(30, noise=0.2, seed=3)
    y = np.where(y01 == 1, labels[1], labels[0])
    model = nn.MLP(2, [4, 1], output_activation=output_activation, seed=0)
    history = nn.fit(model, X, y, loss=loss, epochs=1, batch_size=None, progress=False,
                     optimizer=SGD(model.parameters(), lr=0.0), validation_data=(X, y))
    # lr=0: the weights never move, so both accuracies are those of the initial model.
    expected = accuracy([predicted(s) for s in model.predict(X)], y)
    assert history['accuracy'] == history['val_accuracy'] == [expected]


def test_same_seed_gives_the_same_training_run():
    X, y = nn.data.make_moons(40, noise=0.1, seed=0)
    runs = []
    for _ in range(2):
        model = nn.MLP(2, [4, 1], seed=0)
        history = nn.fit(model, X, y, loss='bce_with_logits', epochs=3, batch_size=8, seed=5,
                         progress=False)
        runs.append((history['loss'], model.state_dict()))
    assert runs[0] == runs[1]


def test_a_custom_loss_function_gets_the_batch_outputs_and_targets():
    seen = []

    def squared_error(outputs, targets):
        seen.append(len(outputs))
        return autograd.sum([(o - t) ** 2 for o, t in zip(outputs, targets)]) * (1 / len(outputs))

    X, y = np.zeros((10, 1)), np.ones(10)
    nn.fit(nn.MLP(1, [1], seed=0), X, y, loss=squared_error, epochs=2, batch_size=4,
           shuffle=False, progress=False)
    assert seen == [4, 4, 2, 4, 4, 2]


def test_progress_bar_is_shown_only_when_asked(capsys):
    X, y = np.zeros((4, 1)), np.zeros(4)
    nn.fit(nn.MLP(1, [1], seed=0), X, y, epochs=2, progress=False)
    assert capsys.readouterr().err == ""
    nn.fit(nn.MLP(1, [1], seed=0), X, y, epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "2/2" in err and "loss=" in err


# -- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("X, y, kwargs, message", [
    (np.zeros((4, 2)), np.zeros(3), {}, "X has 4 rows but y has 3 targets"),
    (np.zeros((4, 3)), np.zeros(4), {}, "X has 3 features per row, but the model takes 2"),
    (np.zeros(4), np.zeros(4), {}, "X must be 2-D"),
    (np.zeros((4, 2)), np.zeros((4, 2)), {}, "the model has 1 outputs but y has 2 targets"),
    (np.zeros((4, 2)), np.array([0, 1, 0, 1]), {'loss': 'hinge'}, "targets -1 or \\+1"),
    (np.zeros((4, 2)), np.array([0, 2, 0, 1]), {'loss': 'bce_with_logits'}, "targets 0 or 1"),
    (np.zeros((4, 2)), np.zeros(4), {'loss': 'cross_entropy'}, "class indices 0..0"),
    (np.zeros((4, 2)), np.zeros(4), {'loss': 'huber'}, "unknown loss 'huber'"),
    (np.zeros((4, 2)), np.zeros(4), {'optimizer': 'lbfgs'}, "unknown optimizer 'lbfgs'"),
    (np.zeros((4, 2)), np.zeros(4), {'epochs': 0}, "epochs must be a positive integer"),
    (np.zeros((4, 2)), np.zeros(4), {'batch_size': -1}, "batch_size must be a positive integer"),
    (np.zeros((4, 2)), np.zeros(4), {'validation_data': np.zeros((4, 2))},
     "validation_data must be a pair"),
])
def test_bad_input_raises_a_clear_error(X, y, kwargs, message):
    with pytest.raises(ValueError, match=message):
        nn.fit(nn.MLP(2, [3, 1], seed=0), X, y, progress=False, **kwargs)


def test_cross_entropy_class_out_of_range_names_the_classes():
    with pytest.raises(ValueError, match=r"class indices 0\.\.2 .* got classes \[0, 3\]"):
        nn.fit(nn.MLP(2, [3, 3], seed=0), np.zeros((2, 2)), [0, 3], loss='cross_entropy',
               progress=False)


def test_a_loss_that_does_not_return_a_value_is_rejected():
    with pytest.raises(TypeError, match="must return a Value"):
        nn.fit(nn.MLP(1, [1], seed=0), np.zeros((2, 1)), np.zeros(2),
               loss=lambda outputs, targets: 0.0, progress=False)


@pytest.mark.parametrize("optimizer, used", [(None, "Adam"), ("sgd", "SGD")])
def test_a_scheduler_of_another_optimizer_is_refused_not_silently_applied(optimizer, used):
    # Issue 13: fit made its own optimizer and stepped a scheduler that changed another one's lr.
    model = nn.MLP(1, [1], seed=0)
    other = SGD(nn.MLP(1, [1], seed=1).parameters(), lr=0.1)
    schedule = StepLR(other, step_size=1, gamma=0.5)
    with pytest.raises(ValueError, match=rf"the scheduler StepLR changes the learning rate of "
                                         rf"SGD\(2 parameters, lr=0\.1.*but fit trains with {used}\("):
        nn.fit(model, np.zeros((4, 1)), np.zeros(4), optimizer=optimizer, scheduler=schedule,
               epochs=3, progress=False)
    assert other.lr == 0.1 and schedule.last_epoch == 0          # nothing was changed


def test_a_scheduler_of_the_optimizer_fit_trains_with_changes_its_learning_rate():
    model = nn.MLP(1, [1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    nn.fit(model, np.zeros((4, 1)), np.zeros(4), optimizer=optimizer,
           scheduler=StepLR(optimizer, step_size=1, gamma=0.5), epochs=3, progress=False)
    assert optimizer.lr == pytest.approx(0.1 * 0.5 ** 3)


def test_a_seed_follows_the_one_rule_for_seeds():
    X, y = np.zeros((4, 1)), np.zeros(4)
    with pytest.raises(TypeError, match="fit: seed must be an int, None, a random.Random"):
        nn.fit(nn.MLP(1, [1], seed=0), X, y, epochs=1, seed="zero", progress=False)
    runs = [nn.fit(nn.MLP(1, [2, 1], seed=0), np.arange(8.0).reshape(-1, 1), np.arange(8.0),
                   epochs=3, batch_size=2, seed=np.random.default_rng(5), progress=False)
            for _ in range(2)]
    assert runs[0]["loss"] == runs[1]["loss"]   # a numpy generator works as a seed too


def test_a_diverging_run_stops_with_a_clear_error():
    X = np.array([[1e3], [-1e3]])
    y = np.array([1e3, -1e3])
    with pytest.raises(FloatingPointError, match="smaller learning rate"):
        nn.fit(nn.MLP(1, [1], seed=0), X, y, optimizer='sgd', lr=10.0, epochs=50,
               batch_size=None, progress=False)
