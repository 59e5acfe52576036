"""Issue 17: training refuses what it cannot do right, and says so, instead of training wrong.

Grouped by kind: replay that would train on other numbers than the scalar engine;
settings that write inf weights; state restored half-way; arguments that fail only
after an epoch; model files that ask for the impossible; a NaN weight reaching predict.
"""
import json

import numpy as np
import pytest

import autograd
import nn
from autograd import Value
from autograd.tape import ReplayError, Tape
from nn.optim import SGD, Adagrad, Adam, AdamW, ExponentialLR, RMSprop, StepLR


def huber_written_with_an_if(outputs, targets):
    """The learner's Huber loss: a Python branch on the data, invisible to the graph."""
    terms = []
    for out, target in zip(outputs, targets):
        d = out - target
        terms.append(0.5 * d * d if abs(d.data) < 1 else d.abs() - 0.5)
    return autograd.sum(terms) * (1.0 / len(terms))


def far_targets(n=120, seed=0):
    """Targets far from where a new model starts: every sample begins on the |d| >= 1 branch,
    so the checks before training pass, and training moves samples onto the other one."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, 20.0 + 3.0 * X[:, 0] - 2.0 * X[:, 1]


# -- replay must give the scalar engine's numbers, or refuse --------------------------

def test_a_branch_on_the_data_that_flips_during_training_is_caught_mid_fit():
    X, y = far_targets()
    model = nn.MLP(2, [8, 1], seed=0)
    before = model.state_dict()
    optimizer = Adam(model.parameters(), lr=0.05)
    with pytest.raises(ReplayError) as caught:
        nn.fit(model, X, y, loss=huber_written_with_an_if, optimizer=optimizer, epochs=300,
               progress=False, replay=True, seed=0)
    message = str(caught.value)
    assert "sample" in message and "of X" in message and "epoch" in message
    assert "replay=False" in message and "relu, abs or autograd.max" in message
    # nothing stays trained on the wrong numbers: the model and optimizer are put back
    assert model.state_dict() == before
    assert optimizer.step_count == 0 and optimizer.state_dict() == Adam(
        nn.MLP(2, [8, 1], seed=0).parameters(), lr=0.05).state_dict()


def test_the_same_loss_trains_without_replay():
    X, y = far_targets()
    model = nn.MLP(2, [8, 1], seed=0)
    history = nn.fit(model, X, y, loss=huber_written_with_an_if, epochs=30, progress=False,
                     seed=0, optimizer=Adam(model.parameters(), lr=0.05))
    assert history["loss"][-1] < history["loss"][0]


def square_of_the_mean_error(outputs, targets):
    """Not a mean over samples: the batch's mean error, squared."""
    mean = autograd.sum([o - t for o, t in zip(outputs, targets)]) * (1.0 / len(outputs))
    return mean * mean


def worst_sample(outputs, targets):
    """Not a mean over samples either: the largest squared error of the batch."""
    return autograd.max([(o - t) * (o - t) for o, t in zip(outputs, targets)])


@pytest.mark.parametrize("loss", [square_of_the_mean_error, worst_sample])
def test_a_loss_that_is_not_a_mean_over_samples_is_refused_by_replay(loss):
    X, y = far_targets(40)
    model = nn.MLP(2, [4, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ReplayError, match=rf"the loss {loss.__name__} of the batch of samples .* "
                                          r"is .*, but the mean of its samples' replayed losses is .*\. "
                                          r"Replay replays one sample at a time .*replay=False"):
        nn.fit(model, X, y, loss=loss, epochs=3, batch_size=8, progress=False, replay=True, seed=0)
    assert model.state_dict() == before
    # the scalar engine trains it as written
    history = nn.fit(model, X, y, loss=loss, epochs=3, batch_size=8, progress=False, seed=0)
    assert np.isfinite(history["loss"]).all()


def clipped_with_pythons_min(outputs, targets):
    one = Value(1.0)
    return autograd.sum([min((o - t) * (o - t), one) for o, t in zip(outputs, targets)]) * (1.0 / len(outputs))


def test_a_loss_that_python_min_cut_off_from_the_model_is_refused_by_name():
    X, y = far_targets(40)
    with pytest.raises(ReplayError, match=r"every further output must be part of the first "
                                          r"output's graph; .* Python min\(\), max\(\) or if chose a constant"):
        nn.fit(nn.MLP(2, [4, 1], seed=0), X, y, loss=clipped_with_pythons_min, epochs=2,
               progress=False, replay=True, seed=0)


def cross_entropy_shifted_by_pythons_max(outputs, targets):
    """A learner's cross-entropy, shifted by Python's max (a branch: it picks a node by data)."""
    terms = []
    for z, t in zip(outputs, targets):
        top = max(z)
        shifted = [v - top for v in z]
        picked = autograd.sum([ti * v for ti, v in zip(t, shifted)])
        terms.append(autograd.sum([v.exp() for v in shifted]).log() - picked)
    return autograd.sum(terms) * (1.0 / len(terms))


def test_an_overflow_only_replay_makes_is_a_replay_error_not_a_learning_rate():
    X, labels = nn.data.make_blobs(45, centers=3, seed=0)
    X, Y = X * 1000.0, np.eye(3)[labels]   # logits far apart: the recorded shift fits no other sample
    model = nn.MLP(2, [4, 3], activation="relu", seed=0)
    before = model.state_dict()
    with pytest.raises(ReplayError, match=r"replaying fails on this batch \(.*overflows.*\) where "
                                          r"the scalar engine computes every one of its"):
        nn.fit(model, X, Y, loss=cross_entropy_shifted_by_pythons_max, epochs=20,
               progress=False, replay=True, seed=0)
    assert model.state_dict() == before


def counting_loss(seen):
    def loss(outputs, targets):
        seen.append(tuple(t.data for t in targets))
        return nn.binary_cross_entropy_with_logits(outputs, targets)
    return loss


def test_every_batch_replay_trains_on_is_checked_and_a_new_sample_each_time():
    seen = []
    X, y = nn.data.make_moons(40, noise=0.1, seed=0)
    nn.fit(nn.MLP(2, [4, 1], seed=0), X, y, loss=counting_loss(seen), epochs=3, batch_size=16,
           progress=False, replay=True, seed=0)
    # Two recordings and 40 checks before training; after that the loss function runs
    # only to check a sample and, for a loss of the learner's own, the whole batch's loss
    # from the replayed outputs (training replays its recording).
    during_training = seen[2 + 40:]
    one_sample = [s for s in during_training if len(s) == 1]
    whole_batches = [len(s) for s in during_training if len(s) > 1]
    assert len(one_sample) == 3 * 3            # ceil(40 / 16) batches in each of 3 epochs
    assert whole_batches == [16, 16, 8] * 3


def record_sample_checks(monkeypatch) -> list[int]:
    """The columns Tape.check_sample is asked for, in order, from now on."""
    checked = []
    original = Tape.check_sample

    def recording(self, column):
        checked.append(column)
        return original(self, column)

    monkeypatch.setattr(Tape, "check_sample", recording)
    return checked


def test_the_sample_checked_moves_through_the_batch(monkeypatch):
    checked = record_sample_checks(monkeypatch)
    X, y = nn.data.make_moons(40, noise=0.1, seed=0)
    nn.fit(ScaledByHand(sign=1.0), X, y, loss="bce_with_logits", epochs=3, batch_size=16,
           progress=False, replay=True, seed=0)
    during_training = checked[40:]
    assert len(during_training) == 9 and during_training[:3] == [0, 1, 2]


class ScaledByHand(nn.Module):
    """A learner's model with a Python branch on its output, which its part of the graph
    does not show: the scalar engine reruns that part on every batch.  (With sign=1.0 both
    branches compute the same, so replay is exact.)"""

    def __init__(self, sign: float = -1.0):
        self.inner = nn.MLP(2, [4, 1], seed=0)
        self.sign = sign

    def forward(self, x):
        out = self.inner(x)
        return out * 2.0 if out.data < 5.0 else out * (2.0 * self.sign)


def test_a_branch_in_the_learners_model_is_caught_mid_fit_too():
    X, _ = nn.data.make_moons(100, noise=0.1, seed=0)
    model = ScaledByHand()          # outputs start near 0; training toward 10 crosses 5
    before = model.state_dict()
    with pytest.raises(ReplayError, match="does not replay exactly"):
        nn.fit(model, X, np.full(100, 10.0), loss="mse", epochs=50, batch_size=16,
               progress=False, replay=True, seed=0, optimizer="adam", lr=0.05)
    assert model.state_dict() == before


def test_nns_own_layers_are_rerun_whole_every_tenth_step_and_their_loss_every_step(monkeypatch):
    checked = record_sample_checks(monkeypatch)
    X, y = nn.data.make_moons(40, noise=0.1, seed=0)
    nn.fit(nn.MLP(2, [4, 1], seed=0), X, y, loss="bce_with_logits", epochs=4, batch_size=8,
           progress=False, replay=True, seed=0)
    assert len(checked[40:]) == 2          # steps 1 and 11 of 20


def test_a_tape_check_names_the_sample_and_both_numbers():
    w = Value(1.0)
    tape = Tape.record(lambda x: w * x if x.data > 0 else w * x * x, [1.0], [w])
    tape.forward(np.array([[2.0], [-3.0]]))
    tape.check_sample(0)
    with pytest.raises(ReplayError, match=r"replaying gives -3.0 where the scalar engine gives "
                                          r"9.0 for the sample \[-3.0\]"):
        tape.check_sample(1)


# -- settings that would write inf weights ------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda p: SGD(p, lr=float("inf")), "invalid learning rate lr=inf"),
    (lambda p: SGD(p, lr=0.1, momentum=float("inf")), "invalid momentum=inf"),
    (lambda p: SGD(p, lr=0.1, weight_decay=float("inf")), "invalid weight_decay=inf"),
    (lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=float("nan")), "invalid dampening=nan"),
    (lambda p: Adam(p, eps=float("inf")), "invalid eps=inf"),
    (lambda p: Adam(p, weight_decay=float("inf")), "invalid weight_decay=inf"),
    (lambda p: AdamW(p, lr=float("nan")), "invalid learning rate lr=nan"),
    (lambda p: RMSprop(p, alpha=float("inf")), "invalid alpha=inf"),
    (lambda p: RMSprop(p, momentum=float("inf")), "invalid momentum=inf"),
    (lambda p: Adagrad(p, lr_decay=float("inf")), "invalid lr_decay=inf"),
    (lambda p: Adagrad(p, initial_accumulator_value=float("inf")),
     "invalid initial_accumulator_value=inf"),
    (lambda p: SGD(p, lr=0.1, momentum="0.9"), "invalid momentum='0.9'"),
    (lambda p: StepLR(SGD(p, lr=0.1), step_size=1, gamma=float("inf")), "gamma must be > 0"),
    (lambda p: ExponentialLR(SGD(p, lr=0.1), gamma=float("nan")), "gamma must be > 0"),
])
def test_a_setting_that_is_not_a_finite_number_is_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])


def test_a_learning_rate_set_to_inf_later_is_refused_too():
    optimizer = SGD([Value(1.0)], lr=0.1)
    with pytest.raises(ValueError, match="invalid learning rate lr=inf"):
        optimizer.lr = float("inf")
    assert optimizer.lr == 0.1


@pytest.mark.parametrize("cls", [SGD, Adam, RMSprop, Adagrad])
def test_a_step_that_would_write_inf_raises_before_changing_anything(cls):
    params = [Value(1.0, label="w"), Value(2.0, label="b")]
    optimizer = cls(params, lr=0.1)
    for p, g in zip(params, [0.5, 1.0]):
        p.grad = g
    optimizer.step()                          # a finite first step, so the buffers are not zero
    optimizer.lr = 1e308
    for p, g in zip(params, [1.0, -1e300]):  # overflows the weight, or g² in a buffer
        p.grad = g
    values, state, steps = [p.data for p in params], optimizer.state_dict(), optimizer.step_count
    with pytest.raises(FloatingPointError, match=r"would make .*parameter \d \((w|b)\).*nothing "
                                                 r"was changed.*smaller learning rate"):
        optimizer.step()
    assert [p.data for p in params] == values
    assert optimizer.state_dict() == state and optimizer.step_count == steps


def test_an_array_step_that_would_write_inf_changes_nothing_either():
    optimizer = Adam([Value(1.0), Value(2.0)], lr=1e308)
    before = optimizer.state_dict()
    with pytest.raises(FloatingPointError, match="nothing was changed"):
        optimizer.array_step(np.array([1e308, 2.0]), np.array([-1.0, 1.0]))
    assert optimizer.state_dict() == before


def test_fit_with_a_huge_learning_rate_stops_instead_of_returning_inf_weights():
    X, y = np.array([[1.0], [2.0]]), np.array([1.0, 2.0])
    for replay in (False, True):
        model = nn.MLP(1, [1], seed=0)
        with pytest.raises(FloatingPointError):
            nn.fit(model, X, y, optimizer=SGD(model.parameters(), lr=1e308), epochs=5,
                   batch_size=None, progress=False, replay=replay)
        assert all(np.isfinite(p.data) for p in model.parameters())


# -- state restored all or nothing ------------------------------------------------------

@pytest.mark.parametrize("entry, value, message", [
    ("betas", [2.0, 0.999], "beta parameter at index 0"),
    ("eps", float("inf"), "invalid eps=inf"),
    ("lr", -1.0, "invalid learning rate"),
])
def test_a_bad_entry_in_load_state_dict_leaves_every_setting_as_it_was(entry, value, message):
    optimizer = Adam([Value(1.0)], lr=0.1)
    before = optimizer.state_dict()
    state = Adam([Value(1.0)], lr=0.5, betas=(0.5, 0.6), eps=1e-3).state_dict()
    state["hyperparameters"][entry] = value
    with pytest.raises(ValueError, match=message):
        optimizer.load_state_dict(state)
    assert optimizer.state_dict() == before


@pytest.mark.parametrize("damage, message", [
    (lambda s: s["state"]["exp_avg"].__setitem__(0, float("nan")), "holds nan for parameter 0"),
    (lambda s: s.__setitem__("step", -1), "'step' must be a whole number"),
    (lambda s: s.pop("state"), "no 'state' entry"),
    (lambda s: s["hyperparameters"].__setitem__("momentum", 0.9), "unknown setting 'momentum'"),
])
def test_a_damaged_state_is_refused_before_anything_is_set(damage, message):
    optimizer = Adam([Value(1.0)], lr=0.1)
    before = optimizer.state_dict()
    state = Adam([Value(1.0)], lr=0.5).state_dict()
    damage(state)
    with pytest.raises(ValueError, match=message):
        optimizer.load_state_dict(state)
    assert optimizer.state_dict() == before


# -- arguments that would fail only after an epoch, or train nothing ---------------------------

def fit_untrained(model, **kwargs):
    X, y = np.zeros((6, 2)), np.zeros(6)
    return nn.fit(model, X, y, **{"progress": False, **kwargs})


def test_an_optimizer_holding_none_of_the_models_parameters_is_refused():
    model, other = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=1)
    with pytest.raises(ValueError, match="holds none of the model's 13 parameters"):
        fit_untrained(model, optimizer=SGD(other.parameters(), lr=0.1))


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(steps="ten"), TypeError, "steps"),
    (dict(epochs="ten"), TypeError, "epochs must be an integer"),
    (dict(scheduler="step"), TypeError, "scheduler must have a step"),
    (dict(scheduler=StepLR), TypeError, "not the class StepLR"),
    (dict(optimizer=SGD), TypeError, "not the class SGD"),
    (dict(shuffle="no"), TypeError, "shuffle must be True or False"),
    (dict(replay="yes"), TypeError, "replay must be True or False"),
    (dict(progress=1), TypeError, "progress must be True or False"),
    (dict(l1=-0.1), ValueError, "l1 must be >= 0"),
    (dict(l2=float("inf")), ValueError, "l2 must be a finite number"),
    (dict(l2="0.1"), TypeError, "l2 must be a number"),
    (dict(optimizer="sgd", lr=float("inf")), ValueError, "invalid learning rate lr=inf"),
])
def test_a_bad_argument_is_refused_before_the_first_step(kwargs, error, message):
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=message):
        fit_untrained(model, **kwargs)
    assert model.state_dict() == before


def test_a_nan_weight_is_named_before_training_starts():
    model = nn.MLP(2, [3, 1], seed=0)
    model.layers[1].neurons[0].w[2]._data = float("nan")  # beneath the check of .data =
    for replay in (False, True):
        with pytest.raises(ValueError,
                           match=r"fit: parameter 'layers\.1\.neurons\.0\.w\.2' is nan"):
            fit_untrained(model, replay=replay)


# -- model files that ask for the impossible -----------------------------------------------------

def small_file(tmp_path, **config):
    path = tmp_path / "model.json"
    nn.MLP(2, [3, 1], seed=0).save(path)
    document = json.loads(path.read_text())
    document["config"].update(config)
    path.write_text(json.dumps(document))
    return path


def test_a_small_file_asking_for_a_huge_model_is_refused_without_building_it(tmp_path,
                                                                              monkeypatch):
    path = small_file(tmp_path, nouts=[3000, 3000])        # 704 bytes asking for 9 million
    assert path.stat().st_size < 1000
    built = []
    original = nn.Neuron.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(nn.Neuron, "__init__", counting)
    with pytest.raises(ValueError, match=r"describes a MLP model with 9,012,000 parameters, but "
                                         r"the file holds 13 weights, so it was not built"):
        nn.load(path)
    assert len(built) == 0         # MLP counts its parameters from the config: nothing is built


def test_a_class_that_counts_its_parameters_is_checked_before_it_is_built(tmp_path):
    class Counted(nn.Module):
        built = 0

        def __init__(self, n: int = 1):
            Counted.built += 1
            self.w = [Value(0.0) for _ in range(n)]

        def forward(self, x):
            return self.w[0] * x

        def get_config(self):
            return {"n": len(self.w)}

        @classmethod
        def num_parameters_for(cls, config):
            return config["n"]

    path = tmp_path / "counted.json"
    Counted(2).save(path)
    document = json.loads(path.read_text())
    document["config"]["n"] = 10 ** 9
    path.write_text(json.dumps(document))
    Counted.built = 0
    with pytest.raises(ValueError, match="describes a Counted model with 1,000,000,000 parameters, "
                                         "but the file holds 2 weights"):
        nn.load(path)
    assert Counted.built == 0


def test_a_class_that_cannot_count_stops_building_once_it_outgrows_the_file(tmp_path):
    class Stack(nn.Module):
        built = 0

        def __init__(self, n: int = 1):
            self.neurons = []
            for _ in range(n):
                Stack.built += 1
                self.neurons.append(nn.Neuron(2, seed=0))

        def forward(self, x):
            return self.neurons[0](x)

        def get_config(self):
            return {"n": len(self.neurons)}

    path = tmp_path / "stack.json"
    Stack(2).save(path)
    document = json.loads(path.read_text())
    document["config"]["n"] = 100_000
    path.write_text(json.dumps(document))
    Stack.built = 0
    with pytest.raises(ValueError, match="asks for a Stack model with far more parameters than "
                                         "the 6 weights the file holds, so it was not built"):
        nn.load(path)
    assert Stack.built < 1000       # stopped near the budget, not after 100,000 neurons


def test_deeply_nested_json_is_the_documented_error_naming_the_file(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match=r"load: '.*deep\.json' is not a chainrule model file "
                                         r"\(its JSON is nested too deeply"):
        nn.load(path)


def test_a_deeply_nested_config_is_the_documented_error_too(tmp_path):
    nested = 1
    for _ in range(900):
        nested = [nested]
    path = small_file(tmp_path, nouts=nested)
    with pytest.raises(ValueError, match=r"load: '.*model\.json'"):
        nn.load(path)


# -- a NaN written into a weight by hand -------------------------------------------------------

def test_predict_names_a_weight_that_is_nan():
    model = nn.MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[2].b._data = float("nan")  # beneath the check of .data =
    with pytest.raises(ValueError, match=r"predict of MLP\(2 -> 3 -> 1.*parameter "
                                         r"'layers\.0\.neurons\.2\.b' is nan"):
        model.predict([[0.0, 1.0]])


def test_predict_names_a_weight_that_is_inf():
    model = nn.Neuron(2, seed=0)
    model.w[1]._data = float("-inf")  # beneath the check of .data =
    with pytest.raises(ValueError, match=r"parameter 'w\.1' is -inf"):
        model.predict([[0.0, 1.0]])
