"""Splitting data to measure how well a model generalises: hold-out and cross-validation.

A model is judged on data it was not trained on.  ``train_test_split`` holds out
one part (hold-out validation).  ``KFold`` cuts the data into k folds and lets
each fold be the test set once, training on the other k - 1 -- every sample is
tested exactly once; ``LeaveOneOut`` is k-fold with k = n (one sample per fold);
``StratifiedKFold`` keeps each class's share the same in every fold.
``cross_validate`` runs the whole loop: a fresh model per fold, fit, score, and
the mean and spread of the scores.

Splitters yield index arrays, as in scikit-learn, so one split serves X and y
alike: ``X[train_idx], y[train_idx]``.

>>> X = np.arange(10).reshape(5, 2)
>>> [test.tolist() for train, test in KFold(n_splits=3).split(X)]
[[0, 1], [2, 3], [4]]
"""
from __future__ import annotations

import inspect
import math
import numbers
import warnings
from collections.abc import Mapping, Set
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Union

import numpy as np

from nn.arguments import as_count, as_flag, brief
from nn.losses import LossRecord, loss_record
from nn.metrics import accuracy_score, r2_score
from nn.module import Module
from nn.seeding import Seed, numpy_random
from nn.train import DEFAULT_LOSS
from nn.train import fit as nn_fit

ArrayLike = Union[Sequence, np.ndarray]  # one entry (row, label) per sample
Split = tuple[np.ndarray, np.ndarray]   # (train_idx, test_idx)

__all__ = ["train_test_split", "KFold", "StratifiedKFold", "LeaveOneOut", "cross_validate",
           "default_score"]


def _n_samples(X, where: str) -> int:
    # A string, dict or set has a length too, but its items are not samples in an order.
    if isinstance(X, (str, bytes, Mapping, Set)):
        raise TypeError(f"{where}: expected an array or list of samples, "
                        f"got {type(X).__name__} {brief(X)}")
    try:
        return len(X)
    except TypeError:
        raise TypeError(f"{where}: expected an array or list of samples, "
                        f"got {type(X).__name__} {brief(X)}") from None


def _take(array, indices: np.ndarray):
    """Rows of ``array`` at ``indices``: a numpy array stays an array, a list a list."""
    if isinstance(array, np.ndarray):
        return array[indices]
    if isinstance(array, (list, tuple)):
        return [array[i] for i in indices]
    return np.asarray(array)[indices]


def _labels(y, n: int, where: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"{where}: expected {n} class labels (one per sample), got shape {y.shape}")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        i = int(np.flatnonzero(~np.isfinite(y))[0])
        raise ValueError(f"{where}: class label {i} is {y[i].item()!r}; every label must be a "
                         "number or a name (NaN is not equal even to itself, so it is no class)")
    return y


def _is_integer_valued(y) -> bool:
    y = np.asarray(y)
    if y.dtype.kind in "iub":
        return True
    if y.dtype.kind != "f":
        return y.dtype.kind in "UO"  # string labels are classes too
    return bool(np.all(np.isfinite(y)) and np.all(y == np.round(y)))


def _largest_remainder(total: int, counts: np.ndarray) -> np.ndarray:
    """Split ``total`` in proportion to ``counts`` into whole numbers that add up to it."""
    quotas = total * counts / counts.sum()
    shares = np.floor(quotas).astype(int)
    # The units still to hand out go to the classes whose quota was cut the most.
    for i in np.argsort(-(quotas - shares), kind="stable")[: total - shares.sum()]:
        shares[i] += 1
    return shares


def train_test_split(*arrays: ArrayLike, test_size: float = 0.25, shuffle: bool = True,
                     seed: Seed = None, stratify: Optional[ArrayLike] = None) -> list:
    """Split arrays (X, y, ...) into a training part and a held-out test part.

    Returns ``X_train, X_test, y_train, y_test, ...`` -- for each array its train
    then test part, in scikit-learn's order.  ``test_size`` is a fraction in (0, 1)
    (the test set gets ceil(test_size * n) samples) or a number of samples.  Rows are
    shuffled first (``seed`` makes it reproducible); with ``shuffle=False`` the last
    rows are the test set.  ``stratify=y`` keeps each class's share the same in both
    parts (it needs ``shuffle=True``).

    >>> X, y = np.arange(20).reshape(10, 2), np.arange(10)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, seed=0)
    >>> X_train.shape, X_test.shape, sorted(y_train.tolist() + y_test.tolist()) == list(range(10))
    ((7, 2), (3, 2), True)
    """
    where = "train_test_split"
    if not arrays:
        raise ValueError(f"{where}: give at least one array to split")
    lengths = [_n_samples(a, where) for a in arrays]
    if len(set(lengths)) > 1:
        raise ValueError(f"{where}: all arrays need the same number of samples, got lengths "
                         f"{lengths}")
    n = lengths[0]
    if n < 2:
        raise ValueError(f"{where}: cannot split {n} sample(s); need at least 2")
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"{where}: test_size must be a fraction or a number of samples, "
                        f"got {test_size!r}")
    if isinstance(test_size, numbers.Integral):
        if not 1 <= test_size <= n - 1:
            raise ValueError(f"{where}: test_size={test_size} samples must be between 1 and "
                             f"{n - 1} for {n} samples")
        n_test = int(test_size)
    else:
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"{where}: test_size={test_size!r} must be a fraction strictly "
                             "between 0 and 1 (or a whole number of samples)")
        n_test = math.ceil(test_size * n)
        if n_test >= n:
            raise ValueError(f"{where}: test_size={test_size!r} of {n} samples leaves no "
                             "training samples")
    n_train = n - n_test
    shuffle = as_flag(shuffle, "shuffle", where)
    rng = numpy_random(seed, where)

    if stratify is not None:
        if not shuffle:
            raise ValueError(f"{where}: stratify needs shuffle=True")
        labels = _labels(stratify, n, f"{where} stratify")
        classes, class_of, counts = np.unique(labels, return_inverse=True, return_counts=True)
        if n_test < len(classes) or n_train < len(classes):
            raise ValueError(f"{where}: with stratify, the train and test parts need at least one "
                             f"sample of each of the {len(classes)} classes, but they get "
                             f"{n_train} and {n_test} samples")
        test_per_class = _largest_remainder(n_test, counts)
        test_parts, train_parts = [], []
        for c, k in enumerate(test_per_class):
            members = rng.permutation(np.flatnonzero(class_of == c))
            test_parts.append(members[:k])
            train_parts.append(members[k:])
        # Mix the classes again so neither part is ordered by class.
        train_idx = rng.permutation(np.concatenate(train_parts))
        test_idx = rng.permutation(np.concatenate(test_parts))
    else:
        order = rng.permutation(n) if shuffle else np.arange(n)
        train_idx, test_idx = order[:n_train], order[n_train:]

    result = []
    for a in arrays:
        result.extend([_take(a, train_idx), _take(a, test_idx)])
    return result


def _fold_sizes(n: int, k: int) -> list[int]:
    # As in scikit-learn: the first n % k folds get one extra sample.
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


class KFold:
    """k-fold cross-validation: split the samples into k folds, test on each in turn.

    ``split(X)`` yields ``(train_idx, test_idx)`` k times; every sample is in exactly
    one test fold.  Folds are consecutive runs of samples unless ``shuffle=True``
    (then ``seed`` fixes the order).  Shuffle data that is sorted by class (like
    iris), or use :class:`StratifiedKFold`.

    >>> [test.tolist() for _, test in KFold(n_splits=2).split([10, 20, 30])]
    [[0, 1], [2]]
    """

    def __init__(self, n_splits: int = 5, shuffle: bool = False, seed: Seed = None):
        name = type(self).__name__
        self.n_splits = as_count(n_splits, "n_splits", name, minimum=2,
                                 why="; cross-validation needs at least 2 folds (one to test on "
                                     "while training on the rest)")
        shuffle = as_flag(shuffle, "shuffle", name)
        if seed is not None and not shuffle:
            raise ValueError(f"{name}: seed={seed!r} has no effect with shuffle=False; "
                             "set shuffle=True or leave seed out")
        self.shuffle, self.seed = shuffle, seed

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(n_splits={self.n_splits}, shuffle={self.shuffle}, "
                f"seed={self.seed!r})")

    def get_n_splits(self, X: Optional[ArrayLike] = None, y: Optional[ArrayLike] = None) -> int:
        """The number of folds, k."""
        return self.n_splits

    def _check_size(self, n: int) -> None:
        if self.n_splits > n:
            raise ValueError(f"{type(self).__name__}: cannot make n_splits={self.n_splits} folds "
                             f"from n_samples={n} samples; use at most {n} folds")

    def split(self, X: ArrayLike, y: Optional[ArrayLike] = None) -> Iterator[Split]:
        """Yield ``(train_idx, test_idx)`` index arrays, one pair per fold (sorted)."""
        name = f"{type(self).__name__}.split"
        n = _n_samples(X, name)
        self._check_size(n)
        order = numpy_random(self.seed, name).permutation(n) if self.shuffle else np.arange(n)
        start = 0
        for size in _fold_sizes(n, self.n_splits):
            in_test = np.zeros(n, dtype=bool)
            in_test[order[start:start + size]] = True
            start += size
            yield np.flatnonzero(~in_test), np.flatnonzero(in_test)


class StratifiedKFold(KFold):
    """k-fold where every fold keeps the classes in the same proportions as ``y``.

    ``split(X, y)`` needs the class labels.  Each class's samples are dealt out over
    the folds in consecutive runs (shuffled first if ``shuffle=True``), so a fold of
    iris holds 10 flowers of each species.

    >>> y = [0, 0, 0, 0, 1, 1]
    >>> [np.take(y, test).tolist() for _, test in StratifiedKFold(2).split(y, y)]
    [[0, 0, 1], [0, 0, 1]]
    """

    def split(self, X: ArrayLike, y: Optional[ArrayLike] = None) -> Iterator[Split]:
        """Yield ``(train_idx, test_idx)`` index arrays, one pair per fold (sorted)."""
        where = f"{type(self).__name__}.split"
        n = _n_samples(X, where)
        if y is None:
            raise ValueError(f"{where}: needs the class labels: split(X, y)")
        labels = _labels(y, n, where)
        self._check_size(n)
        classes, class_of, counts = np.unique(labels, return_inverse=True, return_counts=True)
        if counts.min() < self.n_splits:
            warnings.warn(f"{where}: class {classes[counts.argmin()]!r} has only {counts.min()} "
                          f"samples, fewer than n_splits={self.n_splits}; some folds will "
                          "have none of it", UserWarning, stacklevel=2)
        rng = numpy_random(self.seed, where)
        fold_of = np.empty(n, dtype=int)
        offset = 0
        for c in range(len(classes)):
            members = np.flatnonzero(class_of == c)
            if self.shuffle:
                members = rng.permutation(members)
            # Rotate which folds get a class's leftover samples, so folds stay equal in size.
            sizes = np.roll(_fold_sizes(len(members), self.n_splits), offset)
            fold_of[members] = np.repeat(np.arange(self.n_splits), sizes)
            offset = (offset + len(members)) % self.n_splits
        for k in range(self.n_splits):
            yield np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)


class LeaveOneOut:
    """Leave-one-out: n folds, each testing on a single sample (k-fold with k = n).

    The most training data per fold and the most fits; good for small data sets.

    >>> [test.tolist() for _, test in LeaveOneOut().split([7, 8, 9])]
    [[0], [1], [2]]
    """

    def __repr__(self) -> str:
        return "LeaveOneOut()"

    def get_n_splits(self, X: Optional[ArrayLike] = None, y: Optional[ArrayLike] = None) -> int:
        """The number of folds: the number of samples in ``X``."""
        if X is None:
            raise ValueError("LeaveOneOut.get_n_splits: needs X; the number of folds is the "
                             "number of samples")
        return _n_samples(X, "LeaveOneOut.get_n_splits")

    def split(self, X: ArrayLike, y: Optional[ArrayLike] = None) -> Iterator[Split]:
        """Yield ``(train_idx, test_idx)`` with ``test_idx = [i]`` for each sample i."""
        n = _n_samples(X, "LeaveOneOut.split")
        if n < 2:
            raise ValueError(f"LeaveOneOut: cannot leave one out of n_samples={n}; need at least 2")
        everyone = np.arange(n)
        for i in range(n):
            yield np.delete(everyone, i), np.array([i])


# ---------------------------------------------------------------------------
# Scoring and the cross-validation loop



def default_score(model: Any, X: ArrayLike, y: ArrayLike,
                  loss: Union[str, Callable, None] = None) -> float:
    """Accuracy for classification, R² for regression, from ``model.predict(X)``.

    What the outputs are is read from the record of the ``loss`` the model was
    trained with (``nn.losses.LOSSES``), never guessed from ``y`` when it is known:

    * a regression loss ('mse', 'mae'): the outputs are predictions, and the score
      is :func:`nn.metrics.r2_score` (the mean over outputs, for several) -- even
      when the targets happen to be whole numbers;
    * 'cross_entropy': the predicted class is the index of the largest output;
    * 'hinge': the sign of the output (+1 / -1); 'bce_with_logits': 1 if above 0;
      'binary_cross_entropy': 1 if above 0.5.

    With no ``loss`` (a model trained some other way) only ``y`` can tell: several
    outputs per sample are class scores (argmax); one output is scored as the nearest
    class label if ``y`` holds whole numbers (so a tanh output trained on -1/+1
    targets is classified by its sign), and by R² otherwise.

    >>> class Sign:                      # any object with predict(X) will do
    ...     def predict(self, X): return np.sign(np.asarray(X)[:, 0])
    >>> default_score(Sign(), [[2.0], [-1.0], [3.0]], [1, -1, -1])
    0.6666666666666666
    >>> default_score(Sign(), [[2.0], [-1.0], [3.0]], [1, -1, -1], loss='hinge')
    0.6666666666666666
    """
    outputs = _predictions(model, X, "default_score")
    y = np.asarray(y)
    if len(outputs) != len(y):
        raise ValueError(f"default_score: predict gave {len(outputs)} outputs for {len(y)} targets")
    record = loss_record(loss)
    if record is not None:
        return _score_by_loss(record, outputs, y)
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        return accuracy_score(y, outputs.argmax(axis=1))
    outputs = outputs.reshape(len(outputs), -1)[:, 0] if outputs.ndim == 2 else outputs
    if not _is_integer_valued(y):
        return r2_score(y, outputs)
    classes = np.unique(y)
    nearest = np.abs(outputs[:, None] - classes[None, :].astype(float)).argmin(axis=1)
    return accuracy_score(y, classes[nearest])


def _predictions(model: Any, X: ArrayLike, where: str) -> np.ndarray:
    """``model.predict(X)`` as a float array of finite numbers, or a clear error."""
    predict = getattr(model, "predict", None)
    if not callable(predict):
        raise TypeError(f"{where}: the model must have a predict(X) method, "
                        f"got {type(model).__name__} {brief(model)}")
    out = predict(X)
    try:
        outputs = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: predict(X) must return numbers, one row or number per sample, "
                        f"got {brief(out)}") from None
    if not np.all(np.isfinite(outputs)):
        i = int(np.argwhere(~np.isfinite(outputs))[0][0])
        raise ValueError(f"{where}: predict(X) gave {outputs[i].tolist()!r} for sample {i}; a model "
                         "whose outputs are not finite numbers cannot be scored (did training "
                         "diverge?)")
    return outputs


def _score_by_loss(record: LossRecord, outputs: np.ndarray, y: np.ndarray) -> float:
    """Accuracy by the loss's own labelling rule, or R² for a regression loss."""
    if record.is_classification:
        return float(np.mean(record.correct(outputs, y)))
    if outputs.ndim == 2 and outputs.shape[1] > 1:   # several outputs: R² of each, averaged
        targets = y.reshape(len(y), -1)
        return float(np.mean([r2_score(targets[:, j], outputs[:, j])
                              for j in range(outputs.shape[1])]))
    return r2_score(y, outputs)


_FACTORY_HINT = "pass a function that builds a new model, e.g. lambda: nn.MLP(2, [8, 1])"


def _check_factory(make_model: Any, where: str) -> None:
    """``make_model`` must build a model when called with no arguments; say what to pass if not."""
    # A model is callable too (model(x) is its forward pass), so callable() is not enough.
    is_model = isinstance(make_model, Module) or (
        not isinstance(make_model, type) and callable(getattr(make_model, "predict", None)))
    if is_model:
        raise TypeError(f"{where}: make_model must be a function that builds a new model, got the "
                        f"model {brief(make_model)} itself; every fold needs an untrained model of "
                        f"its own: {_FACTORY_HINT}")
    if not callable(make_model):
        raise TypeError(f"{where}: make_model must be a function that builds a new model, "
                        f"got {type(make_model).__name__} {brief(make_model)}; {_FACTORY_HINT}")
    try:
        signature = inspect.signature(make_model)
    except (TypeError, ValueError):   # no signature to read (some builtins): try it as it is
        return
    try:
        signature.bind()
    except TypeError:
        name = getattr(make_model, "__name__", type(make_model).__name__)
        needed = [p.name for p in signature.parameters.values()
                  if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        raise TypeError(f"{where}: make_model is called with no arguments, but {name} needs "
                        f"{', '.join(needed)}; {_FACTORY_HINT}") from None


def _fold_part(indices: Any, n: int, k: int, part: str, where: str) -> np.ndarray:
    """One side of fold k as an array of sample positions, checked against n samples."""
    array = np.asarray(indices)
    name = f"fold {k}'s {part} indices"
    if array.dtype.kind == "b":   # a mask, one entry per sample
        if array.shape != (n,):
            raise ValueError(f"{where}: {name} are a mask of shape {array.shape}; a mask needs one "
                             f"entry per sample, shape ({n},)")
        array = np.flatnonzero(array)
    if array.ndim != 1:
        raise ValueError(f"{where}: {name} must be a 1-D list of sample positions, got shape "
                         f"{array.shape}: {brief(indices)}")
    if array.size == 0:
        raise ValueError(f"{where}: fold {k} has an empty {part} set; every fold needs samples to "
                         "train on and samples to test on")
    if array.dtype.kind not in "iu":
        raise TypeError(f"{where}: {name} must be integers (positions of samples), got "
                        f"{array.dtype} {brief(array.tolist())}")
    outside = array[(array < 0) | (array >= n)]
    if outside.size:
        raise ValueError(f"{where}: {name} must lie in 0..{n - 1} for {n} samples, got "
                         f"{outside[0]}")
    return array


def _fold(train: Any, test: Any, n: int, k: int, where: str) -> Split:
    train_idx = _fold_part(train, n, k, "training", where)
    test_idx = _fold_part(test, n, k, "test", where)
    both = np.intersect1d(train_idx, test_idx)
    if both.size:
        raise ValueError(f"{where}: fold {k} has samples {brief(both.tolist())} in both its "
                         "training and its test set; a model tested on samples it was trained on "
                         "scores too well")
    return train_idx, test_idx


def _score_number(value: Any, k: int, part: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: score(model, X, y) must return a number, got "
                        f"{type(value).__name__} {brief(value)} on fold {k}'s {part} set")
    if not math.isfinite(value):
        raise ValueError(f"{where}: score(model, X, y) returned {float(value)!r} on fold {k}'s "
                         f"{part} set; a score must be a finite number")
    return float(value)


def cross_validate(make_model: Callable[[], Any], X: ArrayLike, y: ArrayLike,
                   cv: Union[int, Any, Iterable[Split]] = 5, fit: Optional[Callable] = None,
                   score: Optional[Callable] = None, return_train_score: bool = False,
                   **fit_kwargs) -> dict:
    """Train and score a fresh model on each cross-validation fold.

    * ``make_model()`` builds an untrained model (called once per fold, so no fold
      sees weights trained on its test data), e.g. ``lambda: MLP(2, [8, 1], seed=0)``.
      A model itself, or a factory that hands back the same model twice, is refused.
    * ``cv``: a number of folds k (then, as in scikit-learn, :class:`StratifiedKFold`
      for a classifier -- a classification ``loss``, or with no loss known, ``y``
      holding whole numbers -- else :class:`KFold`; neither shuffles), a
      splitter (``KFold(5, shuffle=True, seed=0)``, ``LeaveOneOut()``), or a list of
      ``(train_idx, test_idx)`` pairs.  Every fold is checked before any training:
      whole-number positions (or boolean masks) within the data, neither part empty,
      no sample in both.
    * ``fit(model, X_train, y_train, **fit_kwargs)`` trains in place; by default
      ``nn.fit`` with ``progress=False`` (so ``loss='cross_entropy', epochs=50`` etc.
      go straight through to it).
    * ``score(model, X_test, y_test) -> float``; by default :func:`default_score`
      (accuracy for a classification loss, R² for a regression one) with the ``loss``
      in ``fit_kwargs`` -- with the default ``fit``, nn.fit's own default ``'mse'`` when
      none is given.

    Returns a dict: ``'scores'`` (one per fold), their ``'mean'`` and ``'std'``,
    ``'histories'`` (what ``fit`` returned per fold) and, with
    ``return_train_score=True``, ``'train_scores'``.

    >>> class Mean:                                   # a model that predicts the mean
    ...     def fit(self, X, y): self.value = np.mean(y)
    ...     def predict(self, X): return np.full(len(X), self.value)
    >>> X, y = np.zeros((6, 1)), np.array([1.0, 2.0, 3.0, 1.0, 2.0, 3.0])
    >>> from nn.metrics import mean_squared_error
    >>> result = cross_validate(Mean, X, y, cv=2, fit=lambda m, X, y: m.fit(X, y),
    ...                         score=lambda m, X, y: mean_squared_error(y, m.predict(X)))
    >>> [round(s, 4) for s in result['scores']], result['std']   # each fold: mean 2, MSE 2/3
    ([0.6667, 0.6667], 0.0)
    """
    where = "cross_validate"
    _check_factory(make_model, where)
    for name, function in (("fit", fit), ("score", score)):
        if function is not None and not callable(function):
            raise TypeError(f"{where}: {name} must be a function or None, "
                            f"got {type(function).__name__} {brief(function)}")
    return_train_score = as_flag(return_train_score, "return_train_score", where)
    n = _n_samples(X, where)
    if _n_samples(y, where) != n:
        raise ValueError(f"{where}: X has {n} samples but y has {_n_samples(y, where)}")
    try:
        X_array, y_array = np.asarray(X), np.asarray(y)
    except ValueError:
        raise ValueError(f"{where}: X and y must be arrays with the same shape for every sample; "
                         "some rows have different lengths") from None

    if fit is None:
        fit_kwargs.setdefault("progress", False)
        fit = nn_fit
        loss = fit_kwargs.get("loss", DEFAULT_LOSS)   # what nn.fit will train with
    else:
        loss = fit_kwargs.get("loss")                 # None: only y can tell
    record = loss_record(loss)
    classifies = record.is_classification if record is not None else _is_integer_valued(y_array)

    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        k = as_count(cv, "cv", where, minimum=2,
                     why="; cross-validation needs at least 2 folds (one to test on while "
                         "training on the rest)")
        splitter = StratifiedKFold(k) if classifies else KFold(k)
        splits = list(splitter.split(X_array, y_array))
    elif hasattr(cv, "split") and not isinstance(cv, str):
        splits = list(cv.split(X_array, y_array))
    else:
        try:
            if isinstance(cv, str):
                raise TypeError
            splits = [(train, test) for train, test in cv]
        except (TypeError, ValueError):
            raise TypeError(f"{where}: cv must be a number of folds, a splitter such as KFold(5), "
                            f"or a list of (train_idx, test_idx) pairs, got {brief(cv)}") from None
    if not splits:
        raise ValueError(f"{where}: cv gave no splits")
    splits = [_fold(train, test, n, k, where) for k, (train, test) in enumerate(splits)]

    if score is None:
        def score(model, X_part, y_part):
            return default_score(model, X_part, y_part, loss=loss)

    scores, train_scores, histories, models = [], [], [], []
    for k, (train_idx, test_idx) in enumerate(splits):
        model = make_model()
        if model is None:
            raise TypeError(f"{where}: make_model() returned None; it must return a new model "
                            "(a def without return, or a lambda around a statement?)")
        for j, earlier in enumerate(models):
            if model is earlier:
                raise ValueError(f"{where}: make_model() returned the same model for fold {j} and "
                                 f"fold {k}; it must build a new one each time, or fold {k} starts "
                                 f"from weights trained on its own test samples -- write "
                                 "lambda: nn.MLP(...), not lambda: model")
        models.append(model)
        histories.append(fit(model, X_array[train_idx], y_array[train_idx], **fit_kwargs))
        scores.append(_score_number(score(model, X_array[test_idx], y_array[test_idx]),
                                    k, "test", where))
        if return_train_score:
            train_scores.append(_score_number(score(model, X_array[train_idx], y_array[train_idx]),
                                              k, "training", where))
    result = {"scores": scores, "mean": float(np.mean(scores)), "std": float(np.std(scores)),
              "histories": histories}
    if return_train_score:
        result["train_scores"] = train_scores
    return result
