"""Scores for predictions: accuracy and the confusion matrix, MSE, MAE and R².

These work on plain labels and numbers (numpy arrays or lists), not on Values:
they measure a trained model, they are not trained through.  Names and
conventions follow scikit-learn (``y_true`` first; confusion-matrix rows are
the true class, columns the predicted one).

>>> accuracy_score([0, 1, 2, 2], [0, 1, 1, 2])
0.75
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np

from autograd import Value

# Labels or numbers, one per sample: a list, a numpy array, or a list of Values.
ArrayLike = Union[Sequence, np.ndarray]

__all__ = ["accuracy_score", "confusion_matrix", "mean_squared_error", "mean_absolute_error",
           "r2_score"]


def _as_array(values, name: str, where: str) -> np.ndarray:
    # A Value (or list of them) is accepted so that model outputs can be scored directly.
    if isinstance(values, (list, tuple)):
        values = [v.data if isinstance(v, Value) else v for v in values]
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:  # a column of n values is n values
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{where}: {name} must be one-dimensional (one entry per sample), "
                         f"got shape {array.shape}")
    return array


def _pair(y_true, y_pred, where: str) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = _as_array(y_true, "y_true", where), _as_array(y_pred, "y_pred", where)
    if len(y_true) != len(y_pred):
        raise ValueError(f"{where}: y_true has {len(y_true)} samples but y_pred has "
                         f"{len(y_pred)}")
    if len(y_true) == 0:
        raise ValueError(f"{where}: got no samples")
    return y_true, y_pred


def accuracy_score(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """The fraction of samples whose predicted label equals the true label.

    >>> accuracy_score([1, -1, 1], [1, 1, 1])
    0.6666666666666666
    """
    y_true, y_pred = _pair(y_true, y_pred, "accuracy_score")
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike,
                     labels: Optional[Sequence] = None) -> np.ndarray:
    """Counts C[i, j] of samples of true class labels[i] predicted as labels[j].

    The diagonal holds the correct predictions.  ``labels`` fixes the order of rows
    and columns (and may include classes that never occur); by default it is every
    label seen in ``y_true`` or ``y_pred``, sorted.  Samples whose labels are not in
    ``labels`` are left out, as in scikit-learn.

    >>> confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1]).tolist()
    [[1, 1], [0, 2]]
    """
    where = "confusion_matrix"
    y_true, y_pred = _pair(y_true, y_pred, where)
    if labels is None:
        labels = np.unique(np.concatenate([y_true, y_pred]))
    else:
        labels = np.asarray(labels)
        if labels.size == 0:
            raise ValueError(f"{where}: labels is empty")
        if len(np.unique(labels)) != len(labels):
            raise ValueError(f"{where}: labels contains a repeated label: {labels.tolist()}")
    position = {label: i for i, label in enumerate(labels.tolist())}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(y_true.tolist(), y_pred.tolist()):
        if t in position and p in position:
            matrix[position[t], position[p]] += 1
    return matrix


def mean_squared_error(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """(1/n) Σ (y_true - y_pred)², on plain numbers.

    >>> mean_squared_error([1.0, 2.0], [1.0, 4.0])
    2.0
    """
    y_true, y_pred = _pair(y_true, y_pred, "mean_squared_error")
    return float(np.mean((y_true.astype(float) - y_pred.astype(float)) ** 2))


def mean_absolute_error(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """(1/n) Σ |y_true - y_pred|, on plain numbers.

    >>> mean_absolute_error([1.0, 2.0], [1.0, 4.0])
    1.0
    """
    y_true, y_pred = _pair(y_true, y_pred, "mean_absolute_error")
    return float(np.mean(np.abs(y_true.astype(float) - y_pred.astype(float))))


def r2_score(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """R² = 1 - Σ(y - ŷ)² / Σ(y - ȳ)²: 1 is perfect, 0 is no better than predicting the mean.

    It can be negative (worse than the mean).  If every y_true is the same the
    ratio is 0/0; then, as scikit-learn does, the score is 1.0 for a perfect
    prediction and 0.0 otherwise.

    >>> r2_score([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    1.0
    """
    y_true, y_pred = _pair(y_true, y_pred, "r2_score")
    y_true, y_pred = y_true.astype(float), y_pred.astype(float)
    residual = float(np.sum((y_true - y_pred) ** 2))
    total = float(np.sum((y_true - y_true.mean()) ** 2))
    if total == 0.0:
        return 1.0 if residual == 0.0 else 0.0
    return 1.0 - residual / total
