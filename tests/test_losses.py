"""Losses: their values and gradients follow from their formulas, batches are averaged."""
import json
import math

import numpy as np
import pytest

from autograd import Value, gradcheck, gradgradcheck
from nn import losses
from nn.losses import (
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, L1Loss, MSELoss,
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, get_loss,
    hinge_loss, log_softmax, mae_loss, mse_loss, softmax,
)


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


# ---------------------------------------------------------------------------
# Gradients against finite differences, for every loss and both of its inputs

FIRST_ORDER = {
    "mse prediction and target": (lambda p1, p2, t1, t2: mse_loss([p1, p2], [t1, t2]),
                                  [0.5, -1.5, 2.0, 0.25]),
    "mae prediction and target": (lambda p1, p2, t1, t2: mae_loss([p1, p2], [t1, t2]),
                                  [0.5, -1.5, 2.0, 0.25]),
    "cross_entropy one sample": (lambda a, b, c: cross_entropy([a, b, c], 2), [0.2, -1.0, 0.7]),
    "cross_entropy batch": (lambda a, b, c, d: cross_entropy([[a, b], [c, d]], [1, 0]),
                            [0.2, -1.0, 3.0, 0.5]),
    "cross_entropy soft target": (lambda a, b, c: cross_entropy([a, b, c], [0.2, 0.5, 0.3]),
                                  [0.2, -1.0, 0.7]),
    "binary_cross_entropy prob and target": (
        lambda p1, p2, t: binary_cross_entropy([p1, p2], [t, 1.0]), [0.3, 0.8, 0.4]),
    "bce_with_logits logit and target": (
        lambda x1, x2, t: binary_cross_entropy_with_logits([x1, x2], [t, 0.0]), [-1.5, 2.0, 0.7]),
    "hinge score": (lambda s1, s2: hinge_loss([s1, s2], [1, -1]), [0.4, -0.3]),
}

SMOOTH = ["mse prediction and target", "cross_entropy one sample", "cross_entropy batch",
          "cross_entropy soft target", "binary_cross_entropy prob and target",
          "bce_with_logits logit and target"]


@pytest.mark.parametrize("case", sorted(FIRST_ORDER))
def test_loss_gradient_matches_finite_differences(case):
    fn, inputs = FIRST_ORDER[case]
    assert gradcheck(fn, inputs)


@pytest.mark.parametrize("case", SMOOTH)
def test_smooth_loss_second_derivatives_match_finite_differences(case):
    fn, inputs = FIRST_ORDER[case]
    assert gradgradcheck(fn, inputs)


# ---------------------------------------------------------------------------
# Cross-entropy

@pytest.mark.parametrize("logits, target", [([2.0, 0.5, -1.0], 0), ([0.1, 0.2], 1),
                                            ([-3.0, 4.0, 0.0, 1.0], 3)])
def test_cross_entropy_is_minus_log_softmax_of_the_target(logits, target):
    p = softmax(logits)[target].data
    assert cross_entropy(logits, target).data == pytest.approx(-math.log(p), rel=1e-14)


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    z = [Value(v) for v in [0.3, -1.2, 2.0]]
    cross_entropy(z, 1).backward()
    s = [p.data for p in softmax([0.3, -1.2, 2.0])]
    assert [v.grad for v in z] == pytest.approx([s[0], s[1] - 1.0, s[2]], abs=1e-14)


def test_cross_entropy_of_a_batch_is_the_mean_of_its_samples():
    rows, targets = [[1.0, 2.0, 0.0], [-1.0, 0.0, 1.0], [5.0, 0.0, -5.0]], [0, 2, 0]
    per_sample = [cross_entropy(r, t).data for r, t in zip(rows, targets)]
    assert cross_entropy(rows, targets).data == pytest.approx(np.mean(per_sample), rel=1e-14)
    assert cross_entropy(rows, np.array(targets), reduction="sum").data == \
        pytest.approx(sum(per_sample), rel=1e-14)
    assert [v.data for v in cross_entropy(rows, targets, reduction="none")] == \
        pytest.approx(per_sample, rel=1e-14)


def test_batch_mean_is_one_sum_node():
    preds = [Value(float(i)) for i in range(5)]
    loss = mse_loss(preds, [0.0] * 5)
    total = loss.parents[0]
    assert total.op == "Σ" and len(total.parents) == 5
    assert loss.data == pytest.approx(sum(i * i for i in range(5)) / 5)


def test_a_batch_of_one_row_may_have_a_single_target():
    assert cross_entropy([[0.5, 2.0]], 1).data == cross_entropy([0.5, 2.0], 1).data


def test_cross_entropy_one_hot_target_equals_index_target():
    logits = [0.5, -0.25, 1.5]
    assert cross_entropy(logits, [0, 1, 0]).data == pytest.approx(cross_entropy(logits, 1).data,
                                                                   rel=1e-14)


def test_cross_entropy_soft_target_is_a_weighted_sum_of_log_probabilities():
    logits, q = [0.5, -0.25, 1.5], [0.1, 0.6, 0.3]
    expected = -sum(qc * v.data for qc, v in zip(q, log_softmax(logits)))
    assert cross_entropy(logits, q).data == pytest.approx(expected, rel=1e-14)


def test_cross_entropy_is_finite_for_huge_logits():
    z = [Value(1000.0), Value(-1000.0)]
    loss = cross_entropy(z, 1)
    loss.backward()
    assert loss.data == 2000.0
    assert [v.grad for v in z] == [1.0, -1.0]


def test_cross_entropy_reports_bad_targets():
    with pytest.raises(ValueError, match="out of range for 3 classes"):
        cross_entropy([0.0, 1.0, 2.0], 3)
    with pytest.raises(ValueError, match="class index"):
        cross_entropy([0.0, 1.0], 0.5)
    with pytest.raises(ValueError, match="2 rows of logits but a single target"):
        cross_entropy([[0.0, 1.0], [1.0, 0.0]], 1)
    with pytest.raises(ValueError, match="2 rows of logits but 3 targets"):
        cross_entropy([[0.0, 1.0], [1.0, 0.0]], [0, 1, 1])
    with pytest.raises(TypeError, match="one per class"):
        cross_entropy(Value(0.3), 1)
    with pytest.raises(ValueError, match="2 class probabilities for 3 logits"):
        cross_entropy([0.0, 1.0, 2.0], [0.5, 0.5])


# ---------------------------------------------------------------------------
# Regression losses

def test_mse_is_the_mean_of_squared_errors_and_its_gradient_is_2_error_over_n():
    p = [Value(1.0), Value(-2.0), Value(0.5)]
    t = [0.0, 1.0, 0.5]
    loss = mse_loss(p, t)
    loss.backward()
    errors = [pi.data - ti for pi, ti in zip(p, t)]
    assert loss.data == pytest.approx(sum(e * e for e in errors) / 3)
    assert [pi.grad for pi in p] == pytest.approx([2 * e / 3 for e in errors])


def test_mse_averages_over_every_output_of_a_multi_output_batch():
    preds = [[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]]
    assert mse_loss(preds, np.zeros((2, 2))).data == pytest.approx((1 + 4 + 9 + 16) / 4)


def test_a_column_of_targets_matches_a_flat_batch_of_outputs():
    preds = [Value(1.0), Value(2.0)]
    assert mse_loss(preds, np.array([[0.0], [0.0]])).data == mse_loss(preds, [0.0, 0.0]).data


def test_loss_rejects_mismatched_shapes_and_empty_batches():
    with pytest.raises(ValueError, match=r"shape \(2,\) but target has shape \(3,\)"):
        mse_loss([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="empty"):
        mae_loss([], [])
    with pytest.raises(ValueError, match="reduction"):
        mse_loss([1.0], [1.0], reduction="average")


def test_mae_gradient_ignores_outlier_size_while_mse_grows_with_it():
    # Nine small errors of 0.1 and one outlier error of 10.
    def gradients(loss_fn):
        preds = [Value(0.1) for _ in range(9)] + [Value(10.0)]
        loss = loss_fn(preds, [0.0] * 10)
        loss.backward()
        return loss.data, [p.grad for p in preds]

    mse, mse_grads = gradients(mse_loss)
    mae, mae_grads = gradients(mae_loss)
    # MAE: every sample pulls equally hard, whatever the size of its error.
    assert mae_grads[-1] == pytest.approx(mae_grads[0])
    # MSE: the outlier pulls 100 times harder (its error is 100 times larger) ...
    assert mse_grads[-1] == pytest.approx(100 * mse_grads[0])
    # ... and makes up almost all of the loss, far more than its share under MAE.
    assert (10.0 ** 2 / 10) / mse > 0.99
    assert (10.0 / 10) / mae < 0.92


# ---------------------------------------------------------------------------
# Binary losses

@pytest.mark.parametrize("x, t", [(-2.0, 0), (-2.0, 1), (0.3, 1), (4.0, 0), (1.0, 0.25)])
def test_bce_with_logits_equals_bce_of_the_sigmoid(x, t):
    direct = binary_cross_entropy(Value(sigmoid(x)), t).data
    assert binary_cross_entropy_with_logits(Value(x), t).data == pytest.approx(direct, rel=1e-12)


def test_bce_is_minus_log_of_the_probability_given_to_the_true_label():
    assert binary_cross_entropy([0.9, 0.2], [1, 0]).data == \
        pytest.approx(-(math.log(0.9) + math.log(0.8)) / 2, rel=1e-14)


def test_bce_with_logits_is_exact_for_huge_logits():
    x = Value(1000.0)
    loss = binary_cross_entropy_with_logits(x, 0)
    loss.backward()
    assert loss.data == 1000.0          # softplus(1000) = 1000 + log(1 + e^-1000)
    assert x.grad == 1.0                # sigmoid(1000) - 0
    x = Value(-1000.0)
    loss = binary_cross_entropy_with_logits(x, 0)
    loss.backward()
    assert loss.data == 0.0 and x.grad == 0.0


def test_bce_of_a_saturated_probability_is_clamped_not_nan():
    p = Value(sigmoid(40.0))            # rounds to exactly 1.0
    assert p.data == 1.0
    loss = binary_cross_entropy(p, 0)
    loss.backward()
    assert loss.data == -losses.LOG_CLAMP  # log(1 - p) = log 0, clamped at -100, as PyTorch
    assert math.isfinite(p.grad)


def test_bce_rejects_probabilities_and_targets_outside_0_1():
    with pytest.raises(ValueError, match="apply sigmoid"):
        binary_cross_entropy(Value(1.5), 1)
    with pytest.raises(ValueError, match="prob must be a probability"):
        binary_cross_entropy([0.5, -0.1], [1, 0])
    with pytest.raises(ValueError, match="target must lie in"):
        binary_cross_entropy(0.5, 2)
    with pytest.raises(ValueError, match="target must lie in"):
        binary_cross_entropy_with_logits(0.5, -1)


def test_hinge_loss_is_zero_beyond_the_margin_and_linear_inside_it():
    scores = [Value(2.0), Value(0.5), Value(-0.5)]
    loss = hinge_loss(scores, [1, 1, 1])
    loss.backward()
    assert loss.data == pytest.approx((0 + 0.5 + 1.5) / 3)
    assert [s.grad for s in scores] == pytest.approx([0.0, -1 / 3, -1 / 3])


def test_hinge_loss_rejects_labels_other_than_plus_minus_one():
    with pytest.raises(ValueError, match=r"2\*y - 1"):
        hinge_loss([0.5, 0.5], [0, 1])
    with pytest.raises(ValueError, match="-1 or \\+1, got 2.0"):
        hinge_loss(0.5, 2)


# ---------------------------------------------------------------------------
# Loss objects and names

@pytest.mark.parametrize("cls, fn, pred, target", [
    (MSELoss, mse_loss, [0.5, 2.0], [1.0, 0.0]),
    (L1Loss, mae_loss, [0.5, 2.0], [1.0, 0.0]),
    (CrossEntropyLoss, cross_entropy, [[0.5, 2.0], [1.0, 0.0]], [1, 0]),
    (BCELoss, binary_cross_entropy, [0.5, 0.25], [1.0, 0.0]),
    (BCEWithLogitsLoss, binary_cross_entropy_with_logits, [0.5, 2.0], [1.0, 0.0]),
    (HingeLoss, hinge_loss, [0.5, 2.0], [1.0, -1.0]),
])
def test_loss_objects_call_their_function(cls, fn, pred, target):
    assert cls()(pred, target).data == fn(pred, target).data
    assert cls(reduction="sum")(pred, target).data == fn(pred, target, reduction="sum").data
    assert repr(cls()) == f"{cls.__name__}(reduction='mean')"
    with pytest.raises(ValueError, match=cls.__name__):
        cls(reduction="max")


@pytest.mark.parametrize("name, fn", [
    ("mse", mse_loss), ("mae", mae_loss), ("l1", mae_loss), ("cross_entropy", cross_entropy),
    ("binary_cross_entropy", binary_cross_entropy), ("bce", binary_cross_entropy),
    ("bce_with_logits", binary_cross_entropy_with_logits),
    ("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits),
    ("hinge", hinge_loss), ("MSE_loss", mse_loss),
])
def test_get_loss_resolves_names(name, fn):
    assert get_loss(name) is fn


def test_get_loss_passes_functions_through_and_explains_unknown_names():
    def custom(pred, target):
        return mse_loss(pred, target)
    assert get_loss(custom) is custom
    assert isinstance(get_loss(CrossEntropyLoss), CrossEntropyLoss)
    with pytest.raises(ValueError, match="unknown loss 'msa'.*'mse'"):
        get_loss("msa")
    with pytest.raises(TypeError):
        get_loss(3)


def test_every_loss_has_a_torch_equivalent_named():
    names = set(losses.__all__) - {"LOSSES", "TORCH_EQUIVALENTS", "get_loss", "loss_record",
                                   "LossRecord", "Threshold", "ARGMAX"}
    assert names == set(losses.TORCH_EQUIVALENTS)
    json.dumps(losses.TORCH_EQUIVALENTS)  # plain strings, printable in a lesson
    classification = {name for name, record in losses.LOSSES.items() if record.is_classification}
    assert classification < set(losses.LOSSES)


def test_each_loss_has_one_record_read_by_name_function_class_and_alias():
    for name, record in losses.LOSSES.items():
        assert record.name == name
        assert get_loss(name) is record.function
        assert losses.loss_record(record.function) is record
        assert losses.loss_record(record.loss_class) is record
        assert losses.loss_record(record.loss_class()) is record
        for alias in record.aliases:
            assert losses.loss_record(alias) is record
    assert losses.loss_record(lambda pred, target: pred) is None
    with pytest.raises(ValueError, match="unknown loss 'msa'"):
        losses.loss_record("msa")


@pytest.mark.parametrize("name, outputs, labels", [
    ("cross_entropy", [[0.1, 2.0], [3.0, -1.0]], [1, 0]),     # the largest output
    ("hinge", [0.3, -0.2, 0.0], [1.0, -1.0, -1.0]),            # the sign (0 is not above 0)
    ("bce_with_logits", [0.3, -0.2, 0.0], [1.0, 0.0, 0.0]),    # a logit above 0
    ("binary_cross_entropy", [0.3, 0.7, 0.5], [0.0, 1.0, 0.0]),  # a probability above 0.5
])
def test_a_loss_record_says_how_outputs_become_labels(name, outputs, labels):
    assert losses.LOSSES[name].predicted_labels(outputs).tolist() == labels


def test_a_regression_loss_has_no_labels():
    assert not losses.LOSSES["mse"].is_classification and not losses.LOSSES["mae"].is_classification
    with pytest.raises(ValueError, match="mse is a regression loss"):
        losses.LOSSES["mse"].predicted_labels([1.0, 2.0])


def test_a_bool_is_refused_as_a_prediction_or_a_target():
    with pytest.raises(TypeError, match="mse_loss: prediction must be a number or a Value, got bool"):
        mse_loss([True], [1.0])
    with pytest.raises(TypeError, match="mse_loss: target must be a number or a Value, got bool"):
        mse_loss([Value(1.0)], [True])
    with pytest.raises(TypeError, match="cross_entropy: target .*got bool"):
        cross_entropy([0.0, 1.0], True)


def test_losses_agree_with_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4, 3))
    classes = [0, 2, 1, 2]
    scores, labels01 = rng.normal(size=4), np.array([0.0, 1.0, 1.0, 0.0])
    probs = 1 / (1 + np.exp(-scores))
    labels_pm = 2 * labels01 - 1
    t = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)  # noqa: E731

    cases = [
        (lambda x: cross_entropy(x, classes), lambda x: F.cross_entropy(x, torch.tensor(classes)),
         logits),
        (lambda x: mse_loss(x, labels01), lambda x: F.mse_loss(x, torch.tensor(labels01)), scores),
        (lambda x: mae_loss(x, labels01), lambda x: F.l1_loss(x, torch.tensor(labels01)), scores),
        (lambda x: binary_cross_entropy(x, labels01),
         lambda x: F.binary_cross_entropy(x, torch.tensor(labels01)), probs),
        (lambda x: binary_cross_entropy_with_logits(x, labels01),
         lambda x: F.binary_cross_entropy_with_logits(x, torch.tensor(labels01)), scores),
        (lambda x: hinge_loss(x, labels_pm),
         lambda x: F.relu(1 - torch.tensor(labels_pm) * x).mean(), scores),
    ]
    for ours, theirs, x in cases:
        values = [[Value(v) for v in row] for row in x] if x.ndim == 2 else [Value(v) for v in x]
        loss = ours(values)
        loss.backward()
        x_torch = t(x)
        expected = theirs(x_torch)
        expected.backward()
        flat = [v for row in values for v in row] if x.ndim == 2 else values
        assert loss.data == pytest.approx(expected.item(), rel=1e-12)
        assert [v.grad for v in flat] == pytest.approx(x_torch.grad.numpy().ravel().tolist(),
                                                       rel=1e-10, abs=1e-14)
