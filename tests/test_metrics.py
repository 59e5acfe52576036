"""Metrics: accuracy, the confusion matrix (rows true, columns predicted), MSE, MAE, R²."""
import numpy as np
import pytest

from autograd import Value
from nn.metrics import (
    accuracy_score, confusion_matrix, mean_absolute_error, mean_squared_error, r2_score,
)

rng = np.random.default_rng(0)
Y_TRUE = rng.integers(0, 3, size=60)
Y_PRED = np.where(rng.random(60) < 0.7, Y_TRUE, rng.integers(0, 3, size=60))


def test_accuracy_is_the_fraction_of_matches():
    assert accuracy_score(Y_TRUE, Y_PRED) == sum(t == p for t, p in zip(Y_TRUE, Y_PRED)) / 60
    assert accuracy_score(["a", "b"], ["a", "a"]) == 0.5
    assert accuracy_score([1, -1], np.array([[1.0], [-1.0]])) == 1.0   # a column is a batch


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    matrix = confusion_matrix(Y_TRUE, Y_PRED)
    for i in range(3):
        for j in range(3):
            assert matrix[i, j] == np.sum((Y_TRUE == i) & (Y_PRED == j))
    assert matrix.sum() == 60
    assert np.trace(matrix) / matrix.sum() == accuracy_score(Y_TRUE, Y_PRED)


def test_confusion_matrix_follows_the_given_labels():
    matrix = confusion_matrix(["cat", "dog", "dog"], ["dog", "dog", "bird"],
                              labels=["dog", "cat", "fish"])
    # 'bird' is not among the labels, so that sample is left out (as in scikit-learn).
    assert matrix.tolist() == [[1, 0, 0], [1, 0, 0], [0, 0, 0]]
    with pytest.raises(ValueError, match="repeated"):
        confusion_matrix([0], [0], labels=[0, 0])


def test_regression_metrics_follow_their_formulas():
    y = np.array([1.0, 2.0, 4.0, 7.0])
    prediction = np.array([1.5, 2.0, 3.0, 8.0])
    errors = y - prediction
    assert mean_squared_error(y, prediction) == pytest.approx(np.mean(errors ** 2))
    assert mean_absolute_error(y, prediction) == pytest.approx(np.mean(np.abs(errors)))
    assert r2_score(y, prediction) == pytest.approx(
        1 - np.sum(errors ** 2) / np.sum((y - y.mean()) ** 2))


def test_r2_is_one_for_perfect_predictions_and_zero_for_predicting_the_mean():
    y = rng.normal(size=20)
    assert r2_score(y, y) == 1.0
    assert r2_score(y, np.full(20, y.mean())) == pytest.approx(0.0, abs=1e-12)
    assert r2_score(y, -y) < 0
    assert r2_score([3.0, 3.0], [3.0, 3.0]) == 1.0 and r2_score([3.0, 3.0], [2.0, 3.0]) == 0.0


def test_metrics_accept_values_from_a_model():
    assert mean_squared_error([1.0, 2.0], [Value(1.0), Value(4.0)]) == 2.0


@pytest.mark.parametrize("metric", [accuracy_score, confusion_matrix, mean_squared_error,
                                    mean_absolute_error, r2_score])
def test_metrics_reject_mismatched_or_empty_inputs(metric):
    with pytest.raises(ValueError, match="y_true has 3 samples but y_pred has 2"):
        metric([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="no samples"):
        metric([], [])
    with pytest.raises(ValueError, match="one-dimensional"):
        metric(np.zeros((2, 2)), np.zeros((2, 2)))
