"""Splits partition the data as promised; cross_validate trains a fresh model per fold."""
import warnings

import numpy as np
import pytest

from nn.data import load_iris, make_blobs
from nn.model_selection import (
    KFold, LeaveOneOut, StratifiedKFold, cross_validate, default_score, train_test_split,
)

X10 = np.arange(20).reshape(10, 2)
Y10 = np.arange(10)


# ---------------------------------------------------------------------------
# train_test_split

def test_split_sizes_follow_scikit_learn():
    X_train, X_test = train_test_split(X10, test_size=0.25, seed=0)
    assert (len(X_train), len(X_test)) == (7, 3)      # ceil(0.25 * 10) = 3 test samples
    X_train, X_test = train_test_split(X10, test_size=4, seed=0)
    assert (len(X_train), len(X_test)) == (6, 4)


def test_split_is_a_partition_that_keeps_rows_aligned():
    X_train, X_test, y_train, y_test = train_test_split(X10, Y10, test_size=0.3, seed=1)
    assert sorted(y_train.tolist() + y_test.tolist()) == list(range(10))
    assert np.array_equal(X_train[:, 0], 2 * y_train) and np.array_equal(X_test[:, 0], 2 * y_test)


def test_split_is_reproducible_with_a_seed_and_ordered_without_shuffle():
    first = train_test_split(X10, Y10, seed=3)
    again = train_test_split(X10, Y10, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    _, _, y_train, y_test = train_test_split(X10, Y10, shuffle=False, test_size=0.2)
    assert y_train.tolist() == list(range(8)) and y_test.tolist() == [8, 9]


def test_split_keeps_lists_as_lists():
    a_train, a_test = train_test_split(list("abcd"), test_size=0.5, seed=0)
    assert isinstance(a_train, list) and sorted(a_train + a_test) == list("abcd")


def test_stratified_split_keeps_every_class_share():
    X, y = load_iris(return_X_y=True)
    _, _, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, seed=0)
    assert np.bincount(y_test).tolist() == [10, 10, 10]
    assert np.bincount(y_train).tolist() == [40, 40, 40]
    y = np.array([0] * 7 + [1] * 3)
    _, y_test = train_test_split(y, test_size=0.5, stratify=y, seed=0)
    assert sorted(y_test.tolist()) in ([0, 0, 0, 0, 1], [0, 0, 0, 1, 1])


@pytest.mark.parametrize("call, error, message", [
    (lambda: train_test_split(X10, Y10[:9]), ValueError, r"lengths \[10, 9\]"),
    (lambda: train_test_split(X10, test_size=0.0), ValueError, "between 0 and 1"),
    (lambda: train_test_split(X10, test_size=1.5), ValueError, "between 0 and 1"),
    (lambda: train_test_split(X10, test_size=10), ValueError, "between 1 and 9"),
    (lambda: train_test_split(X10, test_size="a"), TypeError, "test_size"),
    (lambda: train_test_split(), ValueError, "at least one array"),
    (lambda: train_test_split(X10, Y10, stratify=Y10, shuffle=False), ValueError, "shuffle=True"),
    (lambda: train_test_split(X10[:1]), ValueError, "need at least 2"),
])
def test_bad_split_arguments_are_reported(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------------------
# KFold, StratifiedKFold, LeaveOneOut

@pytest.mark.parametrize("splitter", [KFold(3), KFold(4, shuffle=True, seed=0),
                                      StratifiedKFold(3), LeaveOneOut()])
def test_every_sample_is_tested_exactly_once(splitter):
    y = np.array([0, 1] * 5)
    tested = []
    for train, test in splitter.split(X10, y):
        assert set(train).isdisjoint(test) and len(train) + len(test) == 10
        tested.extend(test.tolist())
    assert sorted(tested) == list(range(10))
    assert splitter.get_n_splits(X10) == len(list(splitter.split(X10, y)))


def test_kfold_folds_are_consecutive_and_the_first_ones_larger():
    assert [test.tolist() for _, test in KFold(3).split(X10)] == \
        [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_shuffled_kfold_depends_only_on_its_seed():
    def folds(seed):
        return [t.tolist() for _, t in KFold(5, shuffle=True, seed=seed).split(X10)]

    assert folds(0) == folds(0)
    assert folds(0) != [t.tolist() for _, t in KFold(5).split(X10)]


def test_stratified_folds_of_iris_hold_ten_of_each_species():
    X, y = load_iris(return_X_y=True)
    for _, test in StratifiedKFold(5, shuffle=True, seed=0).split(X, y):
        assert np.bincount(y[test], minlength=3).tolist() == [10, 10, 10]


def test_stratified_folds_stay_equal_in_size_when_classes_do_not_divide_evenly():
    y = np.array([0] * 11 + [1] * 11 + [2] * 11)
    sizes = [len(test) for _, test in StratifiedKFold(5).split(y, y)]
    assert max(sizes) - min(sizes) <= 1


def test_leave_one_out_tests_each_sample_alone():
    folds = list(LeaveOneOut().split([5, 6, 7, 8]))
    assert [test.tolist() for _, test in folds] == [[0], [1], [2], [3]]
    assert folds[2][0].tolist() == [0, 1, 3]


@pytest.mark.parametrize("call, error, message", [
    (lambda: list(KFold(10).split(np.zeros(5))), ValueError,
     "n_splits=10 folds from n_samples=5"),
    (lambda: KFold(1), ValueError, "at least 2 folds"),
    (lambda: KFold(2.5), TypeError, "integer"),
    (lambda: KFold(3, seed=0), ValueError, "shuffle=False"),
    (lambda: list(StratifiedKFold(2).split(X10)), ValueError, r"split\(X, y\)"),
    (lambda: list(LeaveOneOut().split([1])), ValueError, "at least 2"),
    (lambda: LeaveOneOut().get_n_splits(), ValueError, "needs X"),
])
def test_bad_fold_arguments_are_reported(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_stratified_kfold_warns_about_a_class_rarer_than_the_folds():
    y = np.array([0] * 8 + [1] * 2)
    with pytest.warns(UserWarning, match="only 2 samples"):
        list(StratifiedKFold(3).split(y, y))


# ---------------------------------------------------------------------------
# default_score and cross_validate

class Fixed:
    """A stand-in model whose predict returns given outputs."""

    def __init__(self, outputs):
        self.outputs = np.asarray(outputs, dtype=float)

    def predict(self, X):
        return self.outputs


@pytest.mark.parametrize("outputs, y, loss, expected", [
    ([[0.1, 2.0], [3.0, -1.0]], [1, 1], None, 0.5),              # argmax of several outputs
    ([0.3, -0.2, 0.1], [1, -1, -1], "hinge", 2 / 3),              # sign of a score
    ([0.3, -0.2, 0.1], [1, 0, 0], "bce_with_logits", 2 / 3),      # logit above 0
    ([0.3, 0.7, 0.6], [0, 1, 0], "binary_cross_entropy", 2 / 3),  # probability above 0.5
    ([[0.1, 2.0], [3.0, -1.0]], [1, 1], "cross_entropy", 0.5),     # argmax, from the record
    ([0.9, -0.8, 0.2], [1, -1, -1], None, 2 / 3),                 # no loss: nearest label, tanh & ±1
    ([0.4, 0.6, 1.7], [0, 1, 2], None, 1.0),                      # nearest of 0, 1, 2
])
def test_default_score_turns_outputs_into_labels(outputs, y, loss, expected):
    assert default_score(Fixed(outputs), None, y, loss=loss) == pytest.approx(expected)


def test_default_score_is_r2_for_real_valued_targets():
    y = np.array([0.5, 1.5, 2.25, 4.0])
    assert default_score(Fixed(y), None, y) == 1.0
    assert default_score(Fixed(np.full(4, y.mean())), None, y) == pytest.approx(0.0)


def r2(y, predicted):
    y, predicted = np.asarray(y, dtype=float), np.asarray(predicted, dtype=float)
    return 1 - np.sum((y - predicted) ** 2) / np.sum((y - y.mean()) ** 2)


@pytest.mark.parametrize("loss", ["mse", "mae", "l1"])
def test_whole_number_targets_of_a_regression_loss_are_scored_by_r2_not_as_classes(loss):
    # Issue 13: [1, 2, 3] against [1.2, 2.2, 2.9] scored 1.0, every output "nearest" its class.
    outputs, y = [1.2, 2.2, 2.9], [1, 2, 3]
    assert default_score(Fixed(outputs), None, y, loss=loss) == pytest.approx(r2(y, outputs))
    assert default_score(Fixed(outputs), None, y, loss=loss) < 1.0
    # the ±1 targets of a tanh trained with mse are regression targets to mse, too
    tanh_outputs, signs = [0.9, -0.8, 0.2], [1, -1, -1]
    assert default_score(Fixed(tanh_outputs), None, signs, loss=loss) == pytest.approx(
        r2(signs, tanh_outputs))


def test_default_score_of_several_regression_outputs_is_their_mean_r2():
    y = np.array([[1.0, 0.0], [2.0, 1.0], [3.0, 5.0]])
    outputs = np.array([[1.0, 0.0], [2.0, 1.0], [3.0, 5.0]]) + [[0.0, 0.5], [0.0, -0.5], [0.0, 0.0]]
    assert default_score(Fixed(outputs), None, y, loss="mse") == pytest.approx(
        (1.0 + r2(y[:, 1], outputs[:, 1])) / 2)


def test_cross_validate_scores_nn_fits_default_mse_by_r2_and_does_not_stratify():
    nn = pytest.importorskip("nn")
    from autograd import Value

    class Shifted(nn.Module):
        """Predicts x + 0.2; trained with lr=0 it stays so."""

        def __init__(self):
            self.shift = Value(0.2)

        def forward(self, x):
            return x[0] + self.shift

    X = np.arange(1.0, 7.0).reshape(-1, 1)
    y = np.arange(1, 7)                         # whole numbers, but regression targets
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = cross_validate(Shifted, X, y, cv=2, optimizer="sgd", lr=0.0, epochs=1, seed=0)
    # KFold(2): folds [1, 2, 3] and [4, 5, 6], each predicted 0.2 too high
    assert result["scores"] == pytest.approx([r2([1, 2, 3], [1.2, 2.2, 3.2])] * 2)
    assert result["scores"][0] < 1.0
    assert not [w for w in caught if "fewer than n_splits" in str(w.message)]   # not stratified


class NearestCentroid:
    """A classifier in a few lines of numpy, so cross_validate is tested on its own."""

    instances = 0

    def __init__(self):
        NearestCentroid.instances += 1

    def fit(self, X, y):
        self.classes = np.unique(y)
        self.centroids = np.array([X[y == c].mean(axis=0) for c in self.classes])

    def predict(self, X):
        distances = np.linalg.norm(np.asarray(X)[:, None, :] - self.centroids[None], axis=2)
        return self.classes[distances.argmin(axis=1)]


def fit_centroids(model, X, y):
    model.fit(X, y)
    return {"trained_on": len(y)}


def test_cross_validate_trains_a_fresh_model_on_each_training_fold():
    X, y = make_blobs(n_samples=60, centers=[[0, 0], [6, 6], [0, 6]], cluster_std=0.5, seed=0)
    NearestCentroid.instances = 0
    seen = []

    def score(model, X_test, y_test):
        seen.append(len(y_test))
        return float(np.mean(model.predict(X_test) == y_test))

    result = cross_validate(NearestCentroid, X, y, cv=4, fit=fit_centroids, score=score,
                            return_train_score=True)
    assert NearestCentroid.instances == 4
    assert seen[::2] == [15] * 4                         # test folds (train scores interleave)
    assert [h["trained_on"] for h in result["histories"]] == [45] * 4
    assert result["scores"] == [1.0] * 4 and result["train_scores"] == [1.0] * 4
    assert result["mean"] == np.mean(result["scores"]) and result["std"] == 0.0


def test_cross_validate_accepts_a_splitter_or_explicit_folds():
    X, y = load_iris(return_X_y=True)
    by_splitter = cross_validate(NearestCentroid, X, y, cv=KFold(5, shuffle=True, seed=0),
                                 fit=fit_centroids)
    folds = list(KFold(5, shuffle=True, seed=0).split(X))
    by_folds = cross_validate(NearestCentroid, X, y, cv=folds, fit=fit_centroids)
    assert by_splitter["scores"] == by_folds["scores"]
    assert len(by_splitter["scores"]) == 5 and by_splitter["mean"] > 0.85   # iris is easy
    assert by_splitter["std"] == pytest.approx(np.std(by_splitter["scores"]))


def test_cross_validate_with_an_integer_on_sorted_iris_is_stratified():
    # Unshuffled plain k-fold on iris (sorted by species) would test on species the
    # model never saw; stratified folds (scikit-learn's choice for labels) do not.
    X, y = load_iris(return_X_y=True)
    result = cross_validate(NearestCentroid, X, y, cv=5, fit=fit_centroids)
    assert min(result["scores"]) > 0.8


def test_cross_validate_reports_bad_input():
    with pytest.raises(ValueError, match="X has 10 samples but y has 9"):
        cross_validate(NearestCentroid, X10, Y10[:9], fit=fit_centroids)
    with pytest.raises(ValueError, match="n_splits=20 folds from n_samples=10"):
        cross_validate(NearestCentroid, X10, Y10 * 0.5, cv=20, fit=fit_centroids)
    with pytest.raises(TypeError, match="make_model"):
        cross_validate(NearestCentroid(), X10, Y10, fit=fit_centroids)
    with pytest.raises(TypeError, match="cv must be"):
        cross_validate(NearestCentroid, X10, Y10, cv="five", fit=fit_centroids)


def test_cross_validate_with_nn_fit_and_an_mlp():
    nn = pytest.importorskip("nn")
    X, y = make_blobs(n_samples=24, centers=[[-2, 0], [2, 0]], cluster_std=0.3, seed=0)
    result = cross_validate(lambda: nn.MLP(2, [2], seed=0), X, y, cv=3,
                            loss="cross_entropy", epochs=15, batch_size=None, lr=0.1, seed=0)
    assert len(result["scores"]) == 3 and len(result["histories"]) == 3
    assert result["histories"][0]["loss"][-1] < result["histories"][0]["loss"][0]
    assert result["mean"] > 0.9
