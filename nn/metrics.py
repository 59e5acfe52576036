"""Scores for predictions: accuracy and the confusion matrix, MSE, MAE and R².

These work on plain labels and numbers (numpy arrays or lists), not on Values:
they measure a trained model, they are not trained through.  Names and
conventions follow scikit-learn (``y_true`` first; confusion-matrix rows are
the true class, columns the predicted one).

A score is a finite number or an exception: a label or value that is NaN or
inf, a string where a number is needed, or errors too large for a float are
refused by name, never averaged into a silent NaN.

>>> accuracy_score([0, 1, 2, 2], [0, 1, 1, 2])
0.75
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np

from autograd import Value
from nn.arguments import brief

# Labels or numbers, one per sample: a list, a numpy array, or a list of Values.
ArrayLike = Union[Sequence, np.ndarray]

__all__ = ["accuracy_score", "confusion_matrix", "mean_squared_error", "mean_absolute_error",
           "r2_score"]


def _as_array(values, name: str, where: str) -> np.ndarray:
    # A Value (or list of them) is accepted so that model outputs can be scored directly.
    if isinstance(values, (list, tuple)):
        values = [v.data if isinstance(v, Value) else v for v in values]
    try:
        array = np.asarray(values)
    except ValueError:   # rows of different lengths
        raise ValueError(f"{where}: {name} must be one-dimensional (one entry per sample), "
                         f"got rows of different lengths: {brief(values)}") from None
    if array.ndim == 2 and array.shape[1] == 1:  # a column of n values is n values
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{where}: {name} must be one-dimensional (one entry per sample), "
                         f"got shape {array.shape}")
    if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
        i = int(np.flatnonzero(~np.isfinite(array))[0])
        hint = (" (a prediction that is not finite means training diverged)"
                if name == "y_pred" else "")
        raise ValueError(f"{where}: {name}[{i}] is {array[i].item()!r}; every entry must be a "
                         f"finite number{hint}")
    return array


def _numbers(array: np.ndarray, name: str, where: str) -> np.ndarray:
    """The entries as floats, for the regression metrics: a bool, string or None is refused."""
    if array.dtype.kind == "b":
        raise TypeError(f"{where}: {name} holds bools; a regression score needs numbers "
                        "(write 1.0 and 0.0, or use accuracy_score for labels)")
    if array.dtype.kind not in "iuf":
        for i, v in enumerate(array.tolist()):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise TypeError(f"{where}: {name} must hold numbers, got {type(v).__name__} "
                                f"{brief(v)} at index {i}")
    return _as_array(array.astype(float), name, where)


def _finite_score(score: float, where: str) -> float:
    if not np.isfinite(score):
        raise OverflowError(f"{where}: the errors are too large for a float (the score came out "
                            f"{float(score)!r}); scale y_true and y_pred down")
    return float(score)


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
        if isinstance(labels, str):
            raise TypeError(f"{where}: labels must be a list of labels, got the string "
                            f"{brief(labels)}")
        labels = _as_array(labels, "labels", where)
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
    where = "mean_squared_error"
    y_true, y_pred = _pair(y_true, y_pred, where)
    y_true, y_pred = _numbers(y_true, "y_true", where), _numbers(y_pred, "y_pred", where)
    with np.errstate(over="ignore"):   # an overflow is reported below, by name
        return _finite_score(np.mean((y_true - y_pred) ** 2), where)


def mean_absolute_error(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """(1/n) Σ |y_true - y_pred|, on plain numbers.

    >>> mean_absolute_error([1.0, 2.0], [1.0, 4.0])
    1.0
    """
    where = "mean_absolute_error"
    y_true, y_pred = _pair(y_true, y_pred, where)
    y_true, y_pred = _numbers(y_true, "y_true", where), _numbers(y_pred, "y_pred", where)
    with np.errstate(over="ignore"):
        return _finite_score(np.mean(np.abs(y_true - y_pred)), where)


def r2_score(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """R² = 1 - Σ(y - ŷ)² / Σ(y - ȳ)²: 1 is perfect, 0 is no better than predicting the mean.

    It can be negative (worse than the mean).  If every y_true is the same the
    ratio is 0/0; then, as scikit-learn does, the score is 1.0 for a perfect
    prediction and 0.0 otherwise.

    >>> r2_score([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    1.0
    """
    where = "r2_score"
    y_true, y_pred = _pair(y_true, y_pred, where)
    y_true, y_pred = _numbers(y_true, "y_true", where), _numbers(y_pred, "y_pred", where)
    with np.errstate(over="ignore", invalid="ignore"):
        residual = _finite_score(np.sum((y_true - y_pred) ** 2), where)
        total = _finite_score(np.sum((y_true - y_true.mean()) ** 2), where)
    if total == 0.0:
        return 1.0 if residual == 0.0 else 0.0
    return 1.0 - residual / total
