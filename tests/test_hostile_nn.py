"""nn keeps its promises under hostile input: the right answer or a clear error, never a silent one.

Each case is something a careless or hostile learner might pass to a public
function of nn's losses, metrics, model selection, plots, layers, activations or
PyTorch bridge, with the exception it must raise and a pattern its message must
match: the operation and the offending value (and, where it helps, what to do).
The cases are grouped by kind: inf and NaN, wrong types, wrong shapes and sizes,
and text.  A few inputs that look hostile but have a right answer are checked to
get it.
"""
import io
import math

import numpy as np
import pytest

import nn
from autograd import Value
from nn import losses, metrics, plots
from nn import model_selection as ms
from nn.layers import MLP, Layer, Neuron, Perceptron, init_bound
from nn.optim import SGD

INF, NAN = math.inf, math.nan
X4, Y4 = np.arange(4.0).reshape(4, 1), np.array([0.0, 1.0, 0.0, 1.0])


def hand_set(value):
    """A Value whose number was overwritten by hand, past every check Value() makes."""
    v = Value(0.0)
    v._data = value  # the slot itself: `v.data = value` refuses inf and NaN
    return v


def mlp_with_weight(value):
    model = MLP(2, [2, 1], seed=0)
    model.layers[1].neurons[0].w[1]._data = value  # beneath the check of .data =
    return model


def perceptron_with_weight(value):
    p = Perceptron(2, seed=0)
    p.w[0]._data = value  # beneath the check of .data =
    return p


class Constant:
    """A model that predicts the same numbers for every sample."""

    def __init__(self, value):
        self.value = value

    def predict(self, X):
        return np.full(len(X), self.value)


def bowl(x, y):
    return x * x + y * y


SGD_ONLY = {"SGD": lambda p: SGD(p, lr=0.1)}


def drawn(fig):
    """Render the figure as matplotlib would on screen: a bad label raises only here."""
    fig.savefig(io.BytesIO(), format="png", dpi=20)
    return fig


def cases(table):
    return pytest.mark.parametrize("call, error, pattern", list(table.values()), ids=list(table))


# ---------------------------------------------------------------------------
# inf and NaN: refused where they come in, by name; an overflow is an OverflowError

INF_AND_NAN = {
    "softmax of an inf logit": (lambda: losses.softmax([INF, 1.0]), ValueError,
                                r"softmax: every logit must be a finite number, got inf"),
    "log_softmax of a -inf logit": (lambda: losses.log_softmax([0.0, -INF]), ValueError,
                                    r"log_softmax: .* finite number, got -inf"),
    "softmax of a logit set to inf by hand": (
        lambda: losses.softmax([0.0, hand_set(INF)]), ValueError,
        r"softmax: logit 1 is inf; every logit must be a finite number"),
    "a -inf logit says how to leave a class out": (
        lambda: losses.cross_entropy([0.0, hand_set(-INF)], 0), ValueError,
        r"cross_entropy: logit 1 is -inf.*drop its logit"),
    "cross_entropy of an inf logit": (lambda: losses.cross_entropy([INF, 0.0], 0), ValueError,
                                      r"cross_entropy: every logit must be a finite number"),
    "cross_entropy target inf": (lambda: losses.cross_entropy([0.0, 0.0], INF), ValueError,
                                 r"cross_entropy: target must be a finite number, got inf"),
    "cross_entropy target too large for a float": (
        lambda: losses.cross_entropy([0.0, 0.0], 10 ** 400), ValueError,
        r"cross_entropy: target is too large for a float"),
    "cross_entropy of logits 2e308 apart": (
        lambda: losses.cross_entropy([1e308, -1e308], 1), OverflowError, r"^cross_entropy: "),
    "mse prediction inf": (lambda: losses.mse_loss([0.0, INF], [0.0, 0.0]), ValueError,
                           r"mse_loss: prediction must be a finite number, got inf"),
    "mse prediction set to inf by hand names its sample": (
        lambda: losses.mse_loss([Value(1.0), hand_set(INF)], [0.0, 0.0]), ValueError,
        r"mse_loss: prediction is inf \(sample 1\).*diverged"),
    "mse target of a two-output batch names sample and output": (
        lambda: losses.mse_loss([[0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, hand_set(-INF)]]),
        ValueError, r"mse_loss: target is -inf \(sample 1, output 1\)"),
    "mse target NaN": (lambda: losses.mse_loss([0.0], [NAN]), ValueError, r"mse_loss: target is NaN"),
    "mse that overflows": (lambda: losses.mse_loss([1e200], [0.0]), OverflowError,
                           r"^mse_loss: .*1e\+200.*overflows"),
    "mse whose sum overflows": (lambda: losses.mse_loss([1.3e154, 1.3e154], [0.0, 0.0]),
                                OverflowError, r"^mse_loss: .*overflows"),
    "mae that overflows": (lambda: losses.mae_loss([1e308], [-1e308]), OverflowError,
                           r"^mae_loss: .*overflows"),
    "bce_with_logits of inf": (lambda: losses.binary_cross_entropy_with_logits([INF], [1.0]),
                               ValueError, r"binary_cross_entropy_with_logits: prediction .*inf"),
    "hinge of -inf": (lambda: losses.hinge_loss([-INF], [1.0]), ValueError,
                      r"hinge_loss: prediction must be a finite number, got -inf"),
    "a loss object passes the check on": (lambda: losses.MSELoss()([INF], [0.0]), ValueError,
                                          r"mse_loss: prediction"),
    "labels from a NaN output": (lambda: losses.LOSSES["cross_entropy"].predicted_labels([[NAN, 0.0]]),
                                 ValueError, r"cross_entropy: output \(0, 0\) is nan.*no label"),
    "labels from an inf output": (lambda: losses.LOSSES["hinge"].correct([INF, 0.0], [1, -1]),
                                  ValueError, r"hinge: output 0 is inf"),
    "accuracy of a NaN prediction": (lambda: metrics.accuracy_score([0.0, 1.0], [NAN, 1.0]),
                                     ValueError, r"accuracy_score: y_pred\[0\] is nan"),
    "confusion matrix of a NaN label": (lambda: metrics.confusion_matrix([0, 1], [0, 1], labels=[0, NAN]),
                                        ValueError, r"confusion_matrix: labels\[1\] is nan"),
    "mse metric of inf": (lambda: metrics.mean_squared_error([0.0], [INF]), ValueError,
                          r"mean_squared_error: y_pred\[0\] is inf"),
    "mse metric that overflows": (lambda: metrics.mean_squared_error([1e200], [0.0]),
                                  OverflowError, r"mean_squared_error: the errors are too large"),
    "r2 that overflows": (lambda: metrics.r2_score([1e200, -1e200], [0.0, 0.0]), OverflowError,
                          r"r2_score: the errors are too large"),
    "r2 of a NaN target": (lambda: metrics.r2_score([NAN, 1.0], [0.0, 1.0]), ValueError,
                           r"r2_score: y_true\[0\] is nan"),
    "stratified folds of NaN labels": (
        lambda: list(ms.StratifiedKFold(2).split([0] * 4, [NAN, NAN, 1.0, 1.0])), ValueError,
        r"StratifiedKFold.split: class label 0 is nan"),
    "default_score of a model predicting NaN": (
        lambda: ms.default_score(Constant(NAN), [[0.0], [1.0]], [0, 1], loss="hinge"), ValueError,
        r"default_score: predict\(X\) gave nan for sample 0"),
    "cross_validate of a score that is NaN": (
        lambda: ms.cross_validate(lambda: Constant(0.0), X4, Y4, cv=2, fit=lambda m, X, y: None,
                                  score=lambda m, X, y: NAN),
        ValueError, r"cross_validate: score\(model, X, y\) returned nan on fold 0's test set"),
    "a model input of inf": (lambda: MLP(2, [3, 1], seed=0)([INF, 0.0]), ValueError,
                             r"MLP\(2 -> 3 -> 1.*every input must be a finite number, got inf"),
    "relu of inf": (lambda: nn.activations.relu(INF), ValueError, r"relu\(\): the argument must be a finite number"),
    "a perceptron learning rate of inf": (lambda: Perceptron(2, lr=INF), ValueError,
                                          r"Perceptron: lr must be a positive finite number, got inf"),
    "a perceptron with a NaN weight": (lambda: perceptron_with_weight(NAN).predict([[1.0, 1.0]]),
                                       ValueError, r"predict of Perceptron\(2.*parameter 'w.0' is nan"),
    "plot_weights of a NaN weight": (lambda: plots.plot_weights(mlp_with_weight(NAN)), ValueError,
                                     r"plot_weights: layer 1, neuron 0, w\[1\] is nan"),
    "decision boundary of NaN data": (
        lambda: plots.plot_decision_boundary(lambda P: P[:, 0], [[0, 0], [NAN, 1]], [0, 1]),
        ValueError, r"plot_decision_boundary: X row 1 is \[nan, 1.0\]"),
    "decision boundary of a model predicting NaN": (
        lambda: plots.plot_decision_boundary(lambda P: np.full(len(P), NAN), np.eye(2), [0, 1],
                                             resolution=5),
        ValueError, r"plot_decision_boundary: predict\(X\) gave nan at the point"),
    "decision boundary threshold NaN": (
        lambda: plots.plot_decision_boundary(lambda P: P[:, 0], np.eye(2), [0, 1], threshold=NAN),
        ValueError, r"plot_decision_boundary: threshold is NaN"),
    "decision boundary margin inf": (
        lambda: plots.plot_decision_boundary(lambda P: P[:, 0], np.eye(2), [0, 1], margin=INF),
        ValueError, r"plot_decision_boundary: margin must be a finite number"),
    "optimizer path from inf": (lambda: plots.optimizer_paths(bowl, SGD_ONLY, (INF, 0.0), 2),
                                ValueError, r"optimizer_paths: start\[0\] must be a finite number"),
    "optimizer paths over an infinite range": (
        lambda: plots.plot_optimizer_paths(bowl, SGD_ONLY, (1.0, 1.0), 2, x_range=(0, INF)),
        ValueError, r"plot_optimizer_paths: x_range\[1\] must be a finite number"),
    "activation curve at NaN": (lambda: plots.activation_curve("relu", [0.0, NAN]), ValueError,
                                r"activation_curve: x\[1\] is NaN"),
    "saturation threshold NaN": (lambda: plots.plot_activation("sigmoid", saturation_threshold=NAN),
                                 ValueError, r"plot_activation: saturation_threshold is NaN"),
}


@cases(INF_AND_NAN)
def test_a_number_that_is_not_finite_is_refused_by_name(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


@pytest.mark.parametrize("weight, name", [(NAN, "layers.1.neurons.0.w.1"), (-INF, "layers.1.neurons.0.w.1")])
def test_to_torch_refuses_a_weight_that_is_not_finite_by_its_name(weight, name):
    pytest.importorskip("torch")
    with pytest.raises(ValueError, match=rf"to_torch of MLP: parameter '{name}' is {weight!r}"):
        mlp_with_weight(weight).to_torch()


def test_optimizer_to_torch_refuses_state_that_is_not_finite():
    pytest.importorskip("torch")
    model = Neuron(2, seed=0)
    sgd = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for p in model.parameters():
        p.grad = 1.0
    sgd.step()
    sgd.state["momentum_buffer"][1] = NAN
    with pytest.raises(ValueError, match=r"SGD.to_torch: the optimizer's momentum_buffer for "
                                         r"parameter 'w.1' is nan"):
        sgd.to_torch(model.to_torch().parameters())


def test_a_history_that_diverged_is_drawn_up_to_the_divergence_and_marked():
    fig = drawn(plots.plot_history({"loss": [1.0, 0.5, NAN, INF], "val_loss": [1.0, 0.7, 0.6, 0.9]}))
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "training loss not finite from epoch 3" in labels
    assert not any("validation loss not finite" in label for label in labels)


def test_huge_but_finite_logits_still_give_the_exact_loss():
    # 1e308 and 1e307 are far apart, but z - max(z) stays a float: the loss is exact
    assert losses.cross_entropy([1e308, 1e307], 0).data == 0.0
    assert losses.binary_cross_entropy_with_logits([1e308], [0.0]).data == 1e308


# ---------------------------------------------------------------------------
# Wrong types: a TypeError naming the operation, the argument and what was given

WRONG_TYPES = {
    "softmax of None": (lambda: losses.softmax(None), TypeError,
                        r"softmax: expected a list of logits, one per class, got NoneType None"),
    "softmax of a dict": (lambda: losses.softmax({1: 2}), TypeError, r"softmax: .* got dict"),
    "softmax of a string": (lambda: losses.log_softmax("abc"), TypeError, r"log_softmax: .* got str 'abc'"),
    "batch targets None": (lambda: losses.cross_entropy([[0.0, 0.0], [1.0, 1.0]], None), TypeError,
                           r"cross_entropy: 2 rows of logits need a list of 2 targets, got NoneType"),
    "batch targets a dict": (lambda: losses.cross_entropy([[0.0, 0.0], [1.0, 1.0]], {0: 1, 1: 0}),
                             TypeError, r"cross_entropy: 2 rows of logits need a list .* got dict"),
    "class probabilities that do not add up to 1": (
        lambda: losses.cross_entropy([0.0, 0.0], [1.0, 1.0]), ValueError,
        r"cross_entropy: class probabilities must add up to 1, got \[1.0, 1.0\] \(sum 2.0\)"),
    "labels from strings": (lambda: losses.LOSSES["hinge"].predicted_labels(["a"]), ValueError,
                            r"hinge: outputs must be numbers"),
    "labels from None": (lambda: losses.LOSSES["hinge"].correct(None, None), ValueError,
                         r"hinge: outputs must be a list with one row"),
    "mse metric of strings": (lambda: metrics.mean_squared_error(["a"], ["b"]), TypeError,
                              r"mean_squared_error: y_true must hold numbers, got str 'a'"),
    "mse metric of None": (lambda: metrics.mean_squared_error([None], [1.0]), TypeError,
                           r"mean_squared_error: y_true must hold numbers, got NoneType"),
    "r2 of bools": (lambda: metrics.r2_score([True, False], [True, True]), TypeError,
                    r"r2_score: y_true holds bools"),
    "confusion labels as a string": (lambda: metrics.confusion_matrix([0], [0], labels="ab"),
                                     TypeError, r"confusion_matrix: labels must be a list"),
    "split a string": (lambda: ms.train_test_split("abcd", seed=0), TypeError,
                       r"train_test_split: expected an array or list of samples, got str"),
    "folds of a string": (lambda: list(ms.KFold(2).split("abcd")), TypeError,
                          r"KFold.split: expected an array or list of samples, got str"),
    "shuffle given as a string": (lambda: ms.KFold(2, shuffle="no", seed=0), TypeError,
                                  r"KFold: shuffle must be True or False, got str 'no'"),
    "split shuffle None": (lambda: ms.train_test_split([1, 2, 3, 4], shuffle=None), TypeError,
                           r"train_test_split: shuffle must be True or False"),
    "cross_validate a model instead of a factory": (
        lambda: ms.cross_validate(MLP(1, [1], seed=0), X4, Y4, cv=2, epochs=1), TypeError,
        r"cross_validate: make_model must be a function that builds a new model, got the model "
        r"MLP\(1 -> 1.* itself.*lambda: nn.MLP\("),
    "cross_validate a class that needs arguments": (
        lambda: ms.cross_validate(MLP, X4, Y4, cv=2, epochs=1), TypeError,
        r"cross_validate: make_model is called with no arguments, but MLP needs nin, nouts"),
    "cross_validate a factory returning None": (
        lambda: ms.cross_validate(lambda: None, X4, Y4, cv=2, epochs=1), TypeError,
        r"cross_validate: make_model\(\) returned None"),
    "cross_validate fit not a function": (lambda: ms.cross_validate(lambda: MLP(1, [1]), X4, Y4, fit=5),
                                          TypeError, r"cross_validate: fit must be a function"),
    "cross_validate score returning a string": (
        lambda: ms.cross_validate(lambda: Constant(0.0), X4, Y4, cv=2, fit=lambda m, X, y: None,
                                  score=lambda m, X, y: "a"),
        TypeError, r"cross_validate: score\(model, X, y\) must return a number, got str 'a'"),
    "cross_validate return_train_score a string": (
        lambda: ms.cross_validate(lambda: Constant(0.0), X4, Y4, return_train_score="no"), TypeError,
        r"cross_validate: return_train_score must be True or False"),
    "non-integer fold indices": (
        lambda: ms.cross_validate(lambda: Constant(0.0), X4, Y4, cv=[([0.5, 1.5], [2])],
                                  fit=lambda m, X, y: None),
        TypeError, r"cross_validate: fold 0's training indices must be integers"),
    "default_score of an object without predict": (lambda: ms.default_score(object(), [[0.0]], [0]),
                                                   TypeError, r"default_score: the model must have a predict"),
    "plot num as a string": (lambda: plots.plot_activation("relu", num="5"), TypeError,
                             r"plot_activation: num must be an integer, got str '5'"),
    "plot resolution as a string": (
        lambda: plots.plot_decision_boundary(lambda P: P[:, 0], np.eye(2), [0, 1], resolution="20"),
        TypeError, r"plot_decision_boundary: resolution must be an integer, got str '20'"),
    "plot resolution as a float": (
        lambda: plots.plot_optimizer_paths(bowl, SGD_ONLY, (1.0, 1.0), 2, resolution=5.5),
        TypeError, r"plot_optimizer_paths: resolution must be an integer, got float 5.5"),
    "plot steps as a string": (lambda: plots.optimizer_paths(bowl, SGD_ONLY, (1.0, 0.0), "5"),
                               TypeError, r"optimizer_paths: steps must be an integer, got str '5'"),
    "plot steps as a bool": (lambda: plots.optimizer_paths(bowl, SGD_ONLY, (1.0, 0.0), True),
                             TypeError, r"optimizer_paths: steps must be an integer, got bool"),
    "a range that is one number": (lambda: plots.plot_activation("relu", x_range=5), TypeError,
                                   r"plot_activation: x_range must be a pair \(low, high\) of numbers"),
    "a start that is not a pair": (lambda: plots.optimizer_paths(bowl, SGD_ONLY, None, 2), TypeError,
                                   r"optimizer_paths: start must be a pair \(x, y\)"),
    "a threshold that is a string": (
        lambda: plots.plot_decision_boundary(lambda P: P[:, 0], np.eye(2), [0, 1], threshold="a"),
        TypeError, r"plot_decision_boundary: threshold must be a number"),
    "ax that is not an Axes": (
        lambda: plots.plot_decision_boundary(lambda P: P[:, 0], np.eye(2), [0, 1], resolution=5, ax="a"),
        TypeError, r"plot_decision_boundary: ax must be a matplotlib Axes"),
    "an optimizer instead of a factory": (
        lambda: plots.optimizer_paths(bowl, {"SGD": SGD([Value(1.0)], lr=0.1)}, (1.0, 0.0), 2),
        TypeError, r"optimizer_paths: optimizers\['SGD'\] must be a function that builds an optimizer"),
    "a loss_fn that is not a function": (lambda: plots.optimizer_paths(None, SGD_ONLY, (1.0, 0.0), 2),
                                         TypeError, r"optimizer_paths: loss_fn must be a function"),
    "history with bools": (lambda: plots.plot_history({"loss": [True, False]}), TypeError,
                           r"plot_history: history\['loss'\] must be a list of numbers, got bool"),
    "weights that are strings": (lambda: plots.plot_weights(type("N", (), {"w": ["a"], "b": 0.0})()),
                                 TypeError, r"plot_weights: layer 0, neuron 0, w\[0\] must be a number"),
    "layer sizes as None": (lambda: MLP(2, None), TypeError,
                            r"MLP: nouts must be a list of layer sizes such as \[8, 1\], got NoneType"),
    "layer sizes as a dict": (lambda: MLP(2, {3: 1}), TypeError, r"MLP: nouts must be a list .* got dict"),
    "init_bound of fan_in 0": (lambda: init_bound("relu", 0), ValueError,
                               r"init_bound: fan_in must be a positive integer, got 0"),
    "init_bound of a string": (lambda: init_bound("relu", "a"), TypeError,
                               r"init_bound: fan_in must be an integer, got str"),
    "an activation name in the wrong case": (lambda: Layer(2, 3, activation="ReLU"), ValueError,
                                             r"Layer: unknown activation 'ReLU'; did you mean 'relu'\?"),
    "parameter_layout of strings": (lambda: nn.torch_bridge.parameter_layout(["a"], [(1,)]), TypeError,
                                    r"parameter_layout: params\[0\] must be a Value, got str"),
    "parameter_layout shapes None": (lambda: nn.torch_bridge.parameter_layout([Value(1.0)], None),
                                     TypeError, r"parameter_layout: shapes must be a list of tensor shapes"),
}


@cases(WRONG_TYPES)
def test_a_wrong_type_is_refused_naming_the_argument_and_what_was_given(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_optimizer_to_torch_without_tensors_says_what_to_pass():
    pytest.importorskip("torch")
    sgd = SGD(Neuron(2, seed=0).parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"SGD.to_torch: torch_params must be the torch model's "
                                        r"parameters .* got NoneType"):
        sgd.to_torch(None)


def test_cross_validate_refuses_a_factory_that_returns_the_same_model_twice():
    model = MLP(1, [1], seed=0)
    with pytest.raises(ValueError, match=r"cross_validate: make_model\(\) returned the same model "
                                         r"for fold 0 and fold 1.*not lambda: model"):
        ms.cross_validate(lambda: model, np.arange(6.0).reshape(6, 1), np.arange(6.0), cv=2, epochs=1)


def test_one_hot_targets_are_scored_by_their_class():
    record = losses.LOSSES["cross_entropy"]
    outputs = [[0.0, 1.0], [1.0, 0.0], [2.0, 0.0]]
    assert record.correct(outputs, [[0, 1], [0, 1], [1, 0]]).tolist() == [True, False, True]


def test_soft_labels_that_add_up_to_one_up_to_rounding_are_accepted():
    logits, q = [0.5, -0.25, 1.5], [0.1] * 10
    loss = losses.cross_entropy(logits * 3 + [0.0], q)   # 0.1 ten times adds up to 0.9999999999999999
    assert math.isfinite(loss.data)


# ---------------------------------------------------------------------------
# Wrong shapes and sizes, empty inputs and numbers too large to honour

WRONG_SHAPES = {
    "a batch of rows of different lengths": (
        lambda: losses.cross_entropy([[0.0, 0.0], [1.0, 1.0, 1.0]], [0, 1]), ValueError,
        r"cross_entropy: rows of different lengths \[2, 3\]; every sample needs one logit per class"),
    "logits nested three deep": (lambda: losses.softmax([[[1.0]]]), ValueError,
                                 r"softmax: expected logits of one sample or a batch of rows"),
    "labels from a row with no classes": (
        lambda: losses.LOSSES["cross_entropy"].predicted_labels(np.zeros((2, 0))), ValueError,
        r"cross_entropy: expected one row of class scores per sample, got outputs of shape \(2, 0\)"),
    "more outputs than targets": (lambda: losses.LOSSES["hinge"].correct([1.0, -1.0], [1]), ValueError,
                                  r"hinge: 2 outputs but targets \[1\]"),
    "one label per sample against several": (
        lambda: losses.LOSSES["hinge"].correct([1.0, -1.0], [[1, 1], [1, 1]]), ValueError,
        r"hinge: each sample has 1 predicted label\(s\) but 2 target\(s\)"),
    "ragged labels": (lambda: metrics.accuracy_score([[1, 2], [3]], [1, 2]), ValueError,
                      r"accuracy_score: y_true must be one-dimensional .* different lengths"),
    "confusion labels of two dimensions": (lambda: metrics.confusion_matrix([0], [0], labels=[[0, 1]]),
                                           ValueError, r"confusion_matrix: labels must be one-dimensional"),
    "cv of one fold": (lambda: ms.cross_validate(lambda: MLP(1, [1]), X4, Y4, cv=1), ValueError,
                       r"cross_validate: cv must be at least 2, got 1"),
    "an empty test fold": (
        lambda: ms.cross_validate(lambda: Constant(0.0), X4, Y4, cv=[([0, 1], [])], fit=lambda m, X, y: None),
        ValueError, r"cross_validate: fold 0 has an empty test set"),
    "a fold index past the end": (
        lambda: ms.cross_validate(lambda: Constant(0.0), X4, Y4, cv=[([0, 1], [9])], fit=lambda m, X, y: None),
        ValueError, r"cross_validate: fold 0's test indices must lie in 0..3 for 4 samples, got 9"),
    "a negative fold index": (
        lambda: ms.cross_validate(lambda: Constant(0.0), X4, Y4, cv=[([0, 1], [-1])], fit=lambda m, X, y: None),
        ValueError, r"fold 0's test indices must lie in 0..3 for 4 samples, got -1"),
    "a sample in both parts of a fold": (
        lambda: ms.cross_validate(lambda: Constant(0.0), X4, Y4, cv=[([0, 1, 2], [2, 3])],
                                  fit=lambda m, X, y: None),
        ValueError, r"cross_validate: fold 0 has samples \[2\] in both its training and its test set"),
    "a fold that is two numbers": (
        lambda: ms.cross_validate(lambda: Constant(0.0), X4, Y4, cv=[(0, 1)], fit=lambda m, X, y: None),
        ValueError, r"cross_validate: fold 0's training indices must be a 1-D list"),
    "a mask of the wrong length": (
        lambda: ms.cross_validate(lambda: Constant(0.0), X4, Y4, cv=[([True, False], [False, True])],
                                  fit=lambda m, X, y: None),
        ValueError, r"fold 0's training indices are a mask of shape \(2,\); a mask needs one entry per sample"),
    "default_score with too few predictions": (
        lambda: ms.default_score(type("M", (), {"predict": lambda self, X: [0.0]})(), [[0.0], [1.0]], [0, 1]),
        ValueError, r"default_score: predict gave 1 outputs for 2 targets"),
    "a curve of a billion points": (lambda: plots.plot_activation("relu", num=10 ** 9), ValueError,
                                    r"plot_activation: num must be at most 100,000"),
    "a decision grid of 10**6 x 10**6": (
        lambda: plots.plot_decision_boundary(lambda P: P[:, 0], np.eye(2), [0, 1], resolution=10 ** 6),
        ValueError, r"plot_decision_boundary: resolution must be at most 2,000"),
    "a contour grid of one point": (lambda: plots.plot_optimizer_paths(bowl, SGD_ONLY, (1.0, 1.0), 2, resolution=1),
                                    ValueError, r"plot_optimizer_paths: resolution must be at least 2, got 1"),
    "10**12 optimizer steps": (lambda: plots.optimizer_paths(bowl, SGD_ONLY, (1.0, 0.0), 10 ** 12),
                               ValueError, r"optimizer_paths: steps must be at most 1,000,000"),
    "a negative margin": (lambda: plots.plot_decision_boundary(lambda P: P[:, 0], np.eye(2), [0, 1], margin=-1),
                          ValueError, r"plot_decision_boundary: margin must be 0 or more"),
    "a neuron with 10**12 inputs": (lambda: Neuron(10 ** 12), ValueError,
                                    r"Neuron: 1000000000000 -> 1 would have 1,000,000,000,001 parameters"),
    "an MLP too big for the memory": (lambda: MLP(2, [10 ** 5, 10 ** 5]), ValueError,
                                      r"MLP: 2 -> 100000 -> 100000 would have 10,000,400,000 parameters, "
                                      r"more than the 10,000,000"),
    "a perceptron fitted on no samples": (lambda: Perceptron(1, seed=0).fit(np.zeros((0, 1)), []),
                                          ValueError, r"fit of Perceptron\(1, lr=1.0\): X has no rows"),
}


@cases(WRONG_SHAPES)
def test_a_wrong_shape_or_an_impossible_size_is_refused_at_once(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_a_fold_given_as_masks_is_the_same_as_one_given_as_indices():
    def run(cv):
        return ms.cross_validate(lambda: Constant(0.5), X4, Y4, cv=cv, fit=lambda m, X, y: None,
                                 score=lambda m, X, y: float(np.mean(y)))["scores"]
    masks = [(np.array([True, True, False, False]), np.array([False, False, True, True]))]
    assert run(masks) == run([([0, 1], [2, 3])]) == [0.5]


def test_a_decision_boundary_of_one_named_class_draws_that_class_and_another():
    fig = drawn(plots.plot_decision_boundary(lambda P: P[:, 0], np.eye(2), ["cat", "cat"], resolution=5))
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[:2] == ["class (other)", "class cat"]


# ---------------------------------------------------------------------------
# Text: whatever a learner writes in a title or a name is drawn, never a crash

HOSTILE_TEXT = {
    "unmatched mathtext": "$x^$",
    "broken frac": r"cost $\frac{$",
    "lone surrogate": "loss \ud800 here",
    "20,000 characters": "x" * 20_000,
}
PLACES = {
    "history title": lambda text: plots.plot_history({"loss": [1.0, 0.5]}, title=text),
    "decision boundary title": lambda text: plots.plot_decision_boundary(
        lambda P: P[:, 0], np.eye(2), [0, 1], resolution=5, title=text),
    "class name": lambda text: plots.plot_decision_boundary(
        lambda P: P[:, 0], np.eye(2), np.array(["a", text], dtype=object), resolution=5),
    "optimizer name": lambda text: plots.plot_optimizer_paths(bowl, {text: SGD_ONLY["SGD"]}, (1.0, 1.0),
                                                              2, resolution=5),
}


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("text", list(HOSTILE_TEXT.values()), ids=list(HOSTILE_TEXT))
def test_hostile_text_in_a_plot_is_drawn_not_raised(place, text):
    drawn(PLACES[place](text))


def test_text_matplotlib_cannot_parse_is_shown_as_written_and_valid_mathtext_still_renders():
    fig = drawn(plots.plot_history({"loss": [1.0]}, title="$x^$"))
    assert fig.get_suptitle() == r"\$x^\$"          # escaped: matplotlib shows "$x^$"
    fig = drawn(plots.plot_history({"loss": [1.0]}, title="loss of $x^2$"))
    assert fig.get_suptitle() == "loss of $x^2$"     # valid: rendered as mathematics


def test_long_text_is_cut_and_a_surrogate_is_shown_as_its_escape():
    fig = drawn(plots.plot_history({"loss": [1.0]}, title="y" * 20_000))
    assert len(fig.get_suptitle()) == plots.TITLE_LIMIT and fig.get_suptitle().endswith("…")
    fig = drawn(plots.plot_history({"loss": [1.0]}, title="a\ud800b"))
    assert fig.get_suptitle() == "a\\ud800b"


def test_an_activation_named_with_dollars_or_an_underscore_keeps_its_legend_entry():
    def f(v):
        return v.tanh()
    f.__name__ = "_my $tanh^$"
    fig = drawn(plots.plot_activation(f, num=5))
    [label] = [t.get_text() for t in fig.legends[0].get_texts()]
    assert label.lstrip("\u200b") == r"_my \$tanh^\$"


def test_an_error_message_quotes_a_long_value_briefly():
    with pytest.raises(ValueError) as caught:
        losses.get_loss("z" * 20_000)
    assert len(str(caught.value)) < 300 and "(20002 characters)" in str(caught.value)


def test_an_int_too_long_to_print_is_quoted_by_its_size():
    from nn.arguments import brief
    assert brief(10 ** 10 ** 5) == "an int of about 10**100000"
    with pytest.raises(ValueError, match=r"num must be at most .* got an int of about 10\*\*100000"):
        nn.plots.plot_activation("relu", num=10 ** 10 ** 5)
