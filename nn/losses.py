"""Softmax and the loss functions, built from ``autograd.Value`` operations.

A loss turns a model's outputs and the right answers into one number to make
smaller.  Every loss here is written with ordinary Value arithmetic (``+``,
``*``, ``**``, ``exp``, ``log``, ``softplus``, ``relu``, ``abs``), so its
gradient comes from the same chain rule as the rest of the graph -- nothing is
hand-derived -- and ``autograd.gradcheck`` can check it.

Each loss takes one sample or a batch (a list or numpy array) and, like
PyTorch, averages over the batch (``reduction='mean'``; ``'sum'`` and
``'none'`` are there too).  The batch mean is one ``autograd.sum`` node times
``1/n``, so a drawn graph shows one Σ, not a ladder of ``+`` nodes.

Two numerical ideas matter:

* softmax and log-softmax subtract the largest logit first, so ``exp`` never
  sees a number above 0 and cannot overflow;
* ``binary_cross_entropy_with_logits`` is ``softplus(x) - t*x``, which never
  takes the log of a probability that has rounded to 0 or 1.

>>> from autograd import Value
>>> logits = [Value(2.0), Value(0.5), Value(-1.0)]
>>> loss = cross_entropy(logits, 0)
>>> loss.backward()
>>> round(loss.data, 4), round(logits[0].grad, 4)   # d/dz_target = softmax - 1
(0.2413, -0.2144)
"""
from __future__ import annotations

import math
import numbers
from typing import Callable, Sequence, Union

import numpy as np

import autograd
from autograd import Value

__all__ = [
    "softmax", "log_softmax",
    "mse_loss", "mae_loss", "cross_entropy", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "hinge_loss",
    "MSELoss", "L1Loss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss", "HingeLoss",
    "LOSSES", "CLASSIFICATION_LOSSES", "TORCH_EQUIVALENTS", "get_loss",
]

# What the losses accept: one Value or number, or (nested) lists / numpy arrays of them.
Outputs = Union[Value, float, Sequence, np.ndarray]
Targets = Union[float, Sequence, np.ndarray]
LossValue = Union[Value, list]  # a Value, or a list of them with reduction='none'
REDUCTIONS = ("mean", "sum", "none")

# PyTorch clamps log(p) at -100 in binary_cross_entropy, so a probability that has
# rounded to exactly 0 or 1 gives a large finite loss instead of inf.  We do the same.
LOG_CLAMP = -100.0
_SMALLEST_UNCLAMPED = math.exp(LOG_CLAMP)


# ---------------------------------------------------------------------------
# Helpers: turning what the user passed into Values and flat lists.

def _to_value(x, where: str) -> Value:
    """A Value as is; a real number as a constant leaf; anything else a clear error."""
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real):
        if x != x:
            raise ValueError(f"{where}: got NaN")
        return Value(float(x))
    raise TypeError(f"{where}: expected a Value or a number, got {type(x).__name__} {x!r}")


def _target_number(t, where: str):
    """A target stays a Value if it is one (so gradcheck can vary it), else a float."""
    if isinstance(t, Value):
        return t
    if isinstance(t, numbers.Real):
        if t != t:
            raise ValueError(f"{where}: target is NaN")
        return float(t)
    raise TypeError(f"{where}: expected a number as target, got {type(t).__name__} {t!r}")


def _leaves(x, where: str) -> tuple[list, tuple]:
    """The scalars of a (nested) list, tuple or numpy array, and its shape."""
    if isinstance(x, np.ndarray):
        return x.ravel().tolist(), x.shape
    if isinstance(x, (list, tuple)):
        if not x:
            return [], (0,)
        parts = [_leaves(item, where) for item in x]
        shapes = {shape for _, shape in parts}
        if len(shapes) > 1:
            raise ValueError(f"{where}: rows of different lengths {sorted(shapes)}; "
                             "every sample must have the same number of outputs")
        return [leaf for leaves, _ in parts for leaf in leaves], (len(x), *parts[0][1])
    return [x], ()


def _pairs(pred, target, where: str) -> list[tuple]:
    """Matching (prediction, target) scalars; shapes must agree up to dimensions of size 1."""
    preds, pred_shape = _leaves(pred, where)
    targets, target_shape = _leaves(target, where)
    # A column of n targets (shape (n, 1)) against n scalar outputs (shape (n,)) is the
    # same data; anything else that differs is a mistake worth reporting.
    if [d for d in pred_shape if d != 1] != [d for d in target_shape if d != 1]:
        raise ValueError(f"{where}: prediction has shape {pred_shape} but target has shape "
                         f"{target_shape}; give one target per output")
    if not preds:
        raise ValueError(f"{where}: got an empty batch")
    return [(_to_value(p, f"{where} prediction"), _target_number(t, where))
            for p, t in zip(preds, targets)]


def _difference(p: Value, t) -> Value:
    # p + (-t) for a number t is one node; p - t would also negate a constant leaf.
    return p + (-t) if type(t) is float else p - t


def _reduce(terms: list[Value], reduction: str, where: str, sign: float = 1.0):
    """Mean (default), sum, or the list of per-element losses, each times ``sign``."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{where}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if reduction == "none":
        return terms if sign == 1.0 else [term * sign for term in terms]
    if len(terms) == 1:  # one sample: keep the graph as small as the formula
        return terms[0] if sign == 1.0 else terms[0] * sign
    total = autograd.sum(terms)
    scale = sign / len(terms) if reduction == "mean" else sign
    return total * scale if scale != 1.0 else total


def _is_batch_of_rows(x) -> bool:
    """True for a 2-D array or a list whose items are themselves lists (one row per sample)."""
    if isinstance(x, np.ndarray):
        return x.ndim == 2
    return isinstance(x, (list, tuple)) and len(x) > 0 and isinstance(x[0], (list, tuple, np.ndarray))


def _row(logits, where: str) -> list[Value]:
    """One sample's logits as a list of Values."""
    if isinstance(logits, (Value, numbers.Real)):
        raise TypeError(f"{where}: expected a list of logits, one per class, got the single "
                        f"number {logits!r}; a model with one output needs a binary loss "
                        "(binary_cross_entropy_with_logits or hinge_loss)")
    if isinstance(logits, np.ndarray) and logits.ndim != 1:
        raise ValueError(f"{where}: expected logits of one sample or a batch of rows, "
                         f"got an array of shape {logits.shape}")
    row = [_to_value(z, where) for z in logits]
    if not row:
        raise ValueError(f"{where}: got an empty list of logits")
    return row


# ---------------------------------------------------------------------------
# Softmax

def softmax(logits: Outputs) -> list:
    """Probabilities e^z_i / Σ_j e^z_j from one sample's logits, as Values.

    ``logits`` is a list (or 1-D array) of Values or numbers, one per class.  Given a
    batch -- a list of such lists or a 2-D array -- it works row by row, as the seed
    notes' numpy softmax does along ``axis=-1``, and returns a list of rows: the same as
    ``[softmax(row) for row in batch]``.

    >>> [round(p.data, 4) for p in softmax([1.0, 2.0, 0.0])]
    [0.2447, 0.6652, 0.09]
    """
    if _is_batch_of_rows(logits):
        return [softmax(row) for row in logits]
    z = _row(logits, "softmax")
    # softmax(z - c) = softmax(z) for every constant c: the factor e^-c cancels between
    # numerator and denominator.  With c = max(z) every exponent is <= 0, so exp cannot
    # overflow, and at least one term is e^0 = 1, so the sum cannot underflow to 0.
    # c is taken as a plain number (the max's data), not a Value: since the result does
    # not depend on c at all, its derivative with respect to c is exactly 0, so leaving c
    # out of the graph loses nothing and the gradient stays exact -- and a max node would
    # only add a kink where two logits tie.
    shift = max(v.data for v in z)
    exps = [(v + (-shift)).exp() for v in z]
    total = autograd.sum(exps)
    return [e / total for e in exps]


def log_softmax(logits: Outputs) -> list:
    """log(softmax(z))_i = (z_i - m) - log Σ_j e^(z_j - m), with m the largest logit.

    Computed directly rather than as ``log(softmax(z))``: a probability that underflows
    to 0 would make that log fail, while this form stays finite (it is just z_i - m
    minus a log of a sum that is at least 1).  Batches work row by row, as in
    :func:`softmax`.

    >>> [round(v.data, 4) for v in log_softmax([1000.0, -1000.0])]
    [0.0, -2000.0]
    """
    if _is_batch_of_rows(logits):
        return [log_softmax(row) for row in logits]
    z = _row(logits, "log_softmax")
    shift = max(v.data for v in z)  # a constant: see softmax for why that is exact
    shifted = [v + (-shift) for v in z]
    minus_log_total = -autograd.sum([s.exp() for s in shifted]).log()
    return [s + minus_log_total for s in shifted]


# ---------------------------------------------------------------------------
# Regression losses

def mse_loss(pred: Outputs, target: Targets, reduction: str = "mean") -> LossValue:
    """Mean squared error (1/n) Σ (pred_i - target_i)².

    ``pred`` is a Value, a list of Values (a batch, or one sample's outputs) or a list
    of such lists; ``target`` has the same shape (numbers or a numpy array).  Squaring
    makes one big error count more than many small ones, so outliers pull hard.

    >>> from autograd import Value
    >>> mse_loss([Value(1.0), Value(3.0)], [0.0, 0.0]).data   # (1 + 9) / 2
    5.0
    """
    terms = [_difference(p, t) ** 2 for p, t in _pairs(pred, target, "mse_loss")]
    return _reduce(terms, reduction, "mse_loss")


def mae_loss(pred: Outputs, target: Targets, reduction: str = "mean") -> LossValue:
    """Mean absolute error (L1) (1/n) Σ |pred_i - target_i|.

    Every unit of error costs the same, so one outlier moves it far less than it moves
    :func:`mse_loss`.  The gradient of |x| at exactly 0 is taken to be 0.

    >>> from autograd import Value
    >>> mae_loss([Value(1.0), Value(-3.0)], [0.0, 0.0]).data   # (1 + 3) / 2
    2.0
    """
    terms = [_difference(p, t).abs() for p, t in _pairs(pred, target, "mae_loss")]
    return _reduce(terms, reduction, "mae_loss")


# ---------------------------------------------------------------------------
# Classification losses

def _class_index(t, n_classes: int, where: str) -> int:
    if isinstance(t, Value):
        t = t.data
    if isinstance(t, numbers.Real) and float(t).is_integer():
        index = int(t)
        if 0 <= index < n_classes:
            return index
        raise ValueError(f"{where}: target class {index} is out of range for "
                         f"{n_classes} classes (valid: 0..{n_classes - 1})")
    raise ValueError(f"{where}: target must be a class index (an integer) or a list of "
                     f"{n_classes} class probabilities, got {t!r}")


def _class_probabilities(t, n_classes: int, where: str) -> list:
    # A Value stays a Value (as targets do elsewhere), so the target is part of the graph.
    probabilities = [_target_number(p, where) for p in t]
    if len(probabilities) != n_classes:
        raise ValueError(f"{where}: {len(probabilities)} class probabilities for "
                         f"{n_classes} logits; give one per class")
    for p in probabilities:
        if not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"{where}: class probabilities must lie in [0, 1], got {p!r}")
    return probabilities


def _log_likelihood(row: list[Value], target, where: str) -> Value:
    """log p(target) under softmax(row); for a probability target, Σ_c p_c log p(c)."""
    log_probs = log_softmax(row)
    if isinstance(target, (list, tuple, np.ndarray)):
        probabilities = _class_probabilities(target, len(row), where)
        return autograd.sum([lp * p for lp, p in zip(log_probs, probabilities)])
    return log_probs[_class_index(target, len(row), where)]


def cross_entropy(logits: Outputs, target: Targets, reduction: str = "mean") -> LossValue:
    """-log softmax(logits)[target], averaged over a batch.

    One sample: ``logits`` is a list of Values (one per class) and ``target`` the index
    of the right class.  A batch: a list of such lists (or a 2-D array) and a list of
    indices.  As in PyTorch, a target may also be a list of class probabilities (a
    one-hot vector or soft labels); the loss is then -Σ_c p_c log softmax(logits)_c.
    Goes through :func:`log_softmax`, so huge logits are fine.

    >>> round(cross_entropy([0.0, 0.0], 1).data, 6)   # log 2: a coin flip
    0.693147
    """
    where = "cross_entropy"
    if _is_batch_of_rows(logits):
        rows = [_row(row, where) for row in logits]
        if isinstance(target, (numbers.Real, Value)):
            if len(rows) != 1:
                raise ValueError(f"{where}: {len(rows)} rows of logits but a single target "
                                 f"{target!r}; give one target per sample")
            target = [target]
        if len(target) != len(rows):
            raise ValueError(f"{where}: {len(rows)} rows of logits but {len(target)} targets; "
                             "give one target per sample")
        targets = list(target)
    else:
        rows, targets = [_row(logits, where)], [target]
    log_likelihoods = [_log_likelihood(row, t, where) for row, t in zip(rows, targets)]
    return _reduce(log_likelihoods, reduction, where, sign=-1.0)


def _clamped_log(p: Value) -> Value:
    # As in PyTorch, log is clamped at -100: a probability that rounded to 0 gives a
    # loss of 100 instead of inf.  The clamped value is a constant, so no gradient flows
    # through it -- one reason to prefer binary_cross_entropy_with_logits.
    if p.data <= _SMALLEST_UNCLAMPED:
        return Value(LOG_CLAMP)
    return p.log()


def binary_cross_entropy(prob: Outputs, target: Targets, reduction: str = "mean") -> LossValue:
    """-[t log p + (1 - t) log(1 - p)] for probabilities p (a sigmoid's output), averaged.

    ``prob`` must lie in [0, 1] (a ValueError says so otherwise, and suggests
    :func:`binary_cross_entropy_with_logits`); ``target`` too (0/1 labels, or soft
    labels).  A probability that has rounded to exactly 0 or 1 does not give inf or
    NaN: as in PyTorch each log is clamped at -100.

    >>> from autograd import Value
    >>> round(binary_cross_entropy(Value(0.8), 1).data, 6)   # -log 0.8
    0.223144
    """
    where = "binary_cross_entropy"
    terms = []
    for i, (p, t) in enumerate(_pairs(prob, target, where)):
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(f"{where}: prob must be a probability in [0, 1], got {p!r} "
                             f"(sample {i}); apply sigmoid() first, or use "
                             "binary_cross_entropy_with_logits on the raw output")
        t_data = t.data if isinstance(t, Value) else t
        if not 0.0 <= t_data <= 1.0:
            raise ValueError(f"{where}: target must lie in [0, 1], got {t!r} (sample {i})")
        if type(t) is float and t == 1.0:    # a hard label keeps only its own log
            terms.append(_clamped_log(p))
        elif type(t) is float and t == 0.0:
            terms.append(_clamped_log(1.0 - p))
        else:
            terms.append(t * _clamped_log(p) + (1.0 - t) * _clamped_log(1.0 - p))
    return _reduce(terms, reduction, where, sign=-1.0)


def binary_cross_entropy_with_logits(logit: Outputs, target: Targets,
                                     reduction: str = "mean") -> LossValue:
    """Binary cross-entropy of sigmoid(logit), computed as softplus(x) - t*x.

    Since log σ(x) = -softplus(-x) and log(1 - σ(x)) = -softplus(x), the loss
    -[t log σ(x) + (1 - t) log(1 - σ(x))] simplifies to softplus(x) - t*x.  softplus
    never overflows, so a logit of 1000 gives an exact, finite loss and gradient, where
    sigmoid followed by :func:`binary_cross_entropy` would have rounded to 1.

    >>> from autograd import Value
    >>> round(binary_cross_entropy_with_logits(Value(0.0), 1).data, 6)   # log 2
    0.693147
    """
    where = "binary_cross_entropy_with_logits"
    terms = []
    for i, (x, t) in enumerate(_pairs(logit, target, where)):
        t_data = t.data if isinstance(t, Value) else t
        if not 0.0 <= t_data <= 1.0:
            raise ValueError(f"{where}: target must lie in [0, 1], got {t!r} (sample {i})")
        terms.append(x.softplus() - t * x)
    return _reduce(terms, reduction, where)


def hinge_loss(score: Outputs, target: Targets, reduction: str = "mean") -> LossValue:
    """max(0, 1 - t*s) for labels t = -1 or +1, averaged: the SVM loss.

    A sample on the right side of the boundary by a margin of at least 1 costs nothing
    (and sends no gradient); inside the margin or on the wrong side it costs 1 - t*s.

    >>> from autograd import Value
    >>> hinge_loss([Value(2.0), Value(0.5)], [1, 1]).data   # (0 + 0.5) / 2
    0.25
    """
    where = "hinge_loss"
    terms = []
    for p, t in _pairs(score, target, where):
        t_data = t.data if isinstance(t, Value) else t
        if t_data not in (-1.0, 1.0):
            hint = " (for 0/1 labels use 2*y - 1)" if t_data == 0.0 else ""
            raise ValueError(f"{where}: targets must be -1 or +1, got {t_data!r}{hint}")
        terms.append((1.0 - t * p).relu())
    return _reduce(terms, reduction, where)


# ---------------------------------------------------------------------------
# PyTorch-style loss objects: ``criterion = CrossEntropyLoss(); loss = criterion(out, y)``

class _Loss:
    """A loss function with its ``reduction`` fixed, called as ``loss(input, target)``."""

    function: Callable  # set by each subclass

    def __init__(self, reduction: str = "mean"):
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, "
                             f"got {reduction!r}")
        self.reduction = reduction

    def __call__(self, input: Outputs, target: Targets) -> LossValue:  # noqa: A002 (PyTorch's name)
        return self.function(input, target, reduction=self.reduction)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reduction={self.reduction!r})"


class MSELoss(_Loss):
    """Callable form of :func:`mse_loss`, like ``torch.nn.MSELoss``.

    >>> MSELoss()([3.0], [1.0]).data
    4.0
    """

    function = staticmethod(mse_loss)


class L1Loss(_Loss):
    """Callable form of :func:`mae_loss`, like ``torch.nn.L1Loss``.

    >>> L1Loss()([3.0], [1.0]).data
    2.0
    """

    function = staticmethod(mae_loss)


class CrossEntropyLoss(_Loss):
    """Callable form of :func:`cross_entropy`, like ``torch.nn.CrossEntropyLoss``.

    >>> round(CrossEntropyLoss()([0.0, 0.0], 0).data, 6)
    0.693147
    """

    function = staticmethod(cross_entropy)


class BCELoss(_Loss):
    """Callable form of :func:`binary_cross_entropy`, like ``torch.nn.BCELoss``.

    >>> round(BCELoss()([0.5], [1]).data, 6)
    0.693147
    """

    function = staticmethod(binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """Callable form of :func:`binary_cross_entropy_with_logits`, like ``torch.nn.BCEWithLogitsLoss``.

    >>> round(BCEWithLogitsLoss()([0.0], [0]).data, 6)
    0.693147
    """

    function = staticmethod(binary_cross_entropy_with_logits)


class HingeLoss(_Loss):
    """Callable form of :func:`hinge_loss` (PyTorch has no direct class; see TORCH_EQUIVALENTS).

    >>> HingeLoss()([0.25], [1]).data
    0.75
    """

    function = staticmethod(hinge_loss)


# ---------------------------------------------------------------------------
# Names

LOSSES: dict[str, Callable] = {
    "mse": mse_loss,
    "mae": mae_loss,
    "cross_entropy": cross_entropy,
    "binary_cross_entropy": binary_cross_entropy,
    "bce_with_logits": binary_cross_entropy_with_logits,
    "hinge": hinge_loss,
}

# Other spellings a learner may reach for, mapped to the names above.
_ALIASES = {
    "mse_loss": "mse", "l2": "mse",
    "mae_loss": "mae", "l1": "mae", "l1_loss": "mae",
    "ce": "cross_entropy",
    "bce": "binary_cross_entropy",
    "binary_cross_entropy_with_logits": "bce_with_logits",
    "hinge_loss": "hinge",
}

# The losses whose targets are class labels, so that accuracy means something.
CLASSIFICATION_LOSSES = frozenset({"cross_entropy", "binary_cross_entropy", "bce_with_logits",
                                   "hinge"})

# How one output of a binary classifier becomes a label, for each binary loss:
# (threshold, label at or below it, label above it).  cross_entropy takes the argmax.
DECISION_THRESHOLDS: dict[str, tuple[float, float, float]] = {
    "hinge": (0.0, -1.0, 1.0),                   # a raw score: its sign
    "bce_with_logits": (0.0, 0.0, 1.0),          # a logit: above 0 means p > 0.5
    "binary_cross_entropy": (0.5, 0.0, 1.0),     # a probability
}

# What each of these is called in PyTorch, for readers carrying code across.
TORCH_EQUIVALENTS: dict[str, str] = {
    "softmax": "torch.softmax(logits, dim=-1)",
    "log_softmax": "torch.log_softmax(logits, dim=-1)",
    "mse_loss": "torch.nn.functional.mse_loss",
    "mae_loss": "torch.nn.functional.l1_loss",
    "cross_entropy": "torch.nn.functional.cross_entropy",
    "binary_cross_entropy": "torch.nn.functional.binary_cross_entropy",
    "binary_cross_entropy_with_logits": "torch.nn.functional.binary_cross_entropy_with_logits",
    # PyTorch has no binary hinge loss function.  HingeEmbeddingLoss is a different
    # loss (for distances); MultiMarginLoss is the multi-class hinge: for scores [0, s]
    # and class (t + 1) / 2 it gives max(0, 1 - t*s) / 2, half of this loss.
    "hinge_loss": "torch.nn.functional.relu(1 - target * score).mean()",
    "MSELoss": "torch.nn.MSELoss",
    "L1Loss": "torch.nn.L1Loss",
    "CrossEntropyLoss": "torch.nn.CrossEntropyLoss",
    "BCELoss": "torch.nn.BCELoss",
    "BCEWithLogitsLoss": "torch.nn.BCEWithLogitsLoss",
    "HingeLoss": "lambda score, target: torch.nn.functional.relu(1 - target * score).mean()",
}


def get_loss(name_or_callable: Union[str, Callable]) -> Callable:
    """The loss function for a name ('mse', 'mae', 'cross_entropy',
    'binary_cross_entropy', 'bce_with_logits', 'hinge'); a callable is returned as is.

    Also understood: 'mse_loss', 'l2', 'mae_loss', 'l1', 'l1_loss', 'ce', 'bce',
    'binary_cross_entropy_with_logits', 'hinge_loss', and a loss class such as
    ``CrossEntropyLoss`` (an instance is made).

    >>> get_loss('mse') is mse_loss
    True
    """
    if isinstance(name_or_callable, str):
        key = name_or_callable.strip().lower().replace("-", "_")
        key = _ALIASES.get(key, key)
        if key not in LOSSES:
            raise ValueError(f"get_loss: unknown loss {name_or_callable!r}; "
                             f"choose one of {sorted(LOSSES)} or pass a function")
        return LOSSES[key]
    if isinstance(name_or_callable, type) and issubclass(name_or_callable, _Loss):
        return name_or_callable()
    if callable(name_or_callable):
        return name_or_callable
    raise TypeError(f"get_loss: expected a loss name or a function, got "
                    f"{type(name_or_callable).__name__} {name_or_callable!r}")
