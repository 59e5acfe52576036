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

And one promise: a loss is a finite number or an exception.  A prediction,
logit or target that is inf or NaN is refused by name and position, and a loss
too large for a float is an OverflowError naming the loss -- never a silent inf
or NaN that would poison every gradient after it.

>>> from autograd import Value
>>> logits = [Value(2.0), Value(0.5), Value(-1.0)]
>>> loss = cross_entropy(logits, 0)
>>> loss.backward()
>>> round(loss.data, 4), round(logits[0].grad, 4)   # d/dz_target = softmax - 1
(0.2413, -0.2144)
"""
from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

import autograd
from autograd import Value
from nn.arguments import as_number, as_value, brief

__all__ = [
    "softmax", "log_softmax",
    "mse_loss", "mae_loss", "cross_entropy", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "hinge_loss",
    "MSELoss", "L1Loss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss", "HingeLoss",
    "LossRecord", "Threshold", "ARGMAX", "LOSSES", "TORCH_EQUIVALENTS", "get_loss", "loss_record",
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

# How far from 1 a target's class probabilities may add up (rounding of soft labels).
PROBABILITY_SUM_TOLERANCE = 1e-6


# ---------------------------------------------------------------------------
# Helpers: turning what the user passed into Values and flat lists.

def _target_number(t, where: str):
    """A target stays a Value if it is one (so gradcheck can vary it), else a float."""
    return t if isinstance(t, Value) else as_number(t, where, "target")


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


def _position(i: int, shape: tuple) -> str:
    """Where the i-th scalar of a batch of this shape sits, for an error message."""
    if not shape:
        return ""
    index = np.unravel_index(i, shape)
    if len(index) == 1:
        return f" (sample {i})"
    if len(index) == 2:
        return f" (sample {index[0]}, output {index[1]})"
    return f" (at index {tuple(int(k) for k in index)})"


def _finite(v, where: str, what: str, i: int = 0, shape: tuple = ()):
    """``v`` itself if its number is finite; else a ValueError naming it and its position."""
    number = v.data if isinstance(v, Value) else v
    if math.isfinite(number):
        return v
    if what == "target":
        hint = "every target must be a finite number"
    else:
        hint = ("a model output that is not finite means training has diverged: lower the "
                "learning rate, or look for an input that is not finite")
    raise ValueError(f"{where}: {what} is {number!r}{_position(i, shape)}; {hint}")


def _pairs(pred, target, where: str) -> tuple[list[tuple], tuple]:
    """Matching (prediction, target) scalars and the predictions' shape.

    Shapes must agree up to dimensions of size 1, and every number must be finite.
    """
    preds, pred_shape = _leaves(pred, where)
    targets, target_shape = _leaves(target, where)
    # A column of n targets (shape (n, 1)) against n scalar outputs (shape (n,)) is the
    # same data; anything else that differs is a mistake worth reporting.
    if [d for d in pred_shape if d != 1] != [d for d in target_shape if d != 1]:
        raise ValueError(f"{where}: prediction has shape {pred_shape} but target has shape "
                         f"{target_shape}; give one target per output")
    if not preds:
        raise ValueError(f"{where}: got an empty batch")
    pairs = [(_finite(as_value(p, where, "prediction"), where, "prediction", i, pred_shape),
              _finite(_target_number(t, where), where, "target", i, pred_shape))
             for i, (p, t) in enumerate(zip(preds, targets))]
    return pairs, pred_shape


def _names_overflow(loss: Callable) -> Callable:
    """Make an overflow inside ``loss`` (say ``1e200 ** 2``) an OverflowError that names the loss."""
    where = loss.__name__

    @functools.wraps(loss)
    def named(*args, **kwargs):
        try:
            return loss(*args, **kwargs)
        except OverflowError as error:
            message = str(error)
            if message.startswith(f"{where}:"):
                raise
            if "rescale" not in message:
                message += "; rescale the numbers"
            raise OverflowError(f"{where}: {message}") from None
    return named


def _difference(p: Value, t) -> Value:
    # p + (-t) for a number t is one node; p - t would also negate a constant leaf.
    return p + (-t) if type(t) is float else p - t


def _reduce(terms: list[Value], reduction: str, where: str, sign: float = 1.0,
            shape: tuple = ()):
    """Mean (default), sum, or the list of per-element losses, each times ``sign``.

    ``shape`` is the batch's, to say which sample's loss overflowed.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"{where}: reduction must be one of {REDUCTIONS}, got {brief(reduction)}")
    for i, term in enumerate(terms):
        if not math.isfinite(term.data):
            raise OverflowError(f"{where}: the loss{_position(i, shape)} is {sign * term.data!r}, "
                                "too large for a float; its prediction and target are too far "
                                "apart -- scale the data down")
    if reduction == "none":
        return terms if sign == 1.0 else [term * sign for term in terms]
    if len(terms) == 1:  # one sample: keep the graph as small as the formula
        return terms[0] if sign == 1.0 else terms[0] * sign
    total = autograd.sum(terms)   # math.fsum raises OverflowError if the sum leaves the floats
    scale = sign / len(terms) if reduction == "mean" else sign
    return total * scale if scale != 1.0 else total


def _is_batch_of_rows(x) -> bool:
    """True for a 2-D array or a list whose items are themselves lists (one row per sample)."""
    if isinstance(x, np.ndarray):
        return x.ndim == 2
    return isinstance(x, (list, tuple)) and len(x) > 0 and isinstance(x[0], (list, tuple, np.ndarray))


def _row(logits, where: str) -> list[Value]:
    """One sample's logits as a list of finite Values."""
    if isinstance(logits, (Value, numbers.Real)):
        raise TypeError(f"{where}: expected a list of logits, one per class, got the single "
                        f"number {logits!r}; a model with one output needs a binary loss "
                        "(binary_cross_entropy_with_logits or hinge_loss)")
    if isinstance(logits, np.ndarray) and logits.ndim != 1:
        raise ValueError(f"{where}: expected logits of one sample or a batch of rows, "
                         f"got an array of shape {logits.shape}")
    # A dict or a set would iterate (keys, in some order): only a sequence is a row.
    if not isinstance(logits, (list, tuple, np.ndarray)):
        raise TypeError(f"{where}: expected a list of logits, one per class, "
                        f"got {type(logits).__name__} {brief(logits)}")
    row = []
    for k, z in enumerate(logits):
        if isinstance(z, (list, tuple, np.ndarray)):
            raise ValueError(f"{where}: expected logits of one sample or a batch of rows, got a "
                             f"row whose logit {k} is itself a list: {brief(z)}")
        v = as_value(z, where, "every logit")
        if not math.isfinite(v.data):
            hint = (" (to leave a class out, drop its logit instead of setting it to -inf)"
                    if v.data < 0 else "")
            raise ValueError(f"{where}: logit {k} is {v.data!r}; every logit must be a finite "
                             "number -- a model output that is not finite means training has "
                             f"diverged{hint}")
        row.append(v)
    if not row:
        raise ValueError(f"{where}: got an empty list of logits")
    return row


# ---------------------------------------------------------------------------
# Softmax

@_names_overflow
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
        return [_softmax_row(_row(row, "softmax")) for row in logits]
    return _softmax_row(_row(logits, "softmax"))


def _softmax_row(z: list[Value]) -> list[Value]:
    # softmax(z - c) = softmax(z) for every constant c: the factor e^-c cancels between
    # numerator and denominator.  With c = max(z) every exponent is <= 0, so exp cannot
    # overflow, and at least one term is e^0 = 1, so the sum cannot underflow to 0.
    # c is a node of the graph (autograd.max), not a float copied out of it.  For the
    # gradient that changes nothing: since the result does not depend on c, the paths
    # through c add up to exactly 0 (up to the rounding of terms that cancel), so each
    # d/dz_i is still the smooth one, even where two logits tie.  But tape replay
    # (autograd.tape) copies every float leaf of the recorded sample as a constant: a
    # float c would be the first sample's max, subtracted from every other sample's
    # logits, and e^(z - c) would overflow for a sample whose logits are far larger, or
    # the sum underflow to 0 for one whose logits are far smaller.  As a node, replay
    # computes each sample's own max.
    minus_shift = -autograd.max(z)   # one negation node, shared by every z_i - c
    exps = [(v + minus_shift).exp() for v in z]
    total = autograd.sum(exps)
    return [e / total for e in exps]


@_names_overflow
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
        return [_log_softmax_row(_row(row, "log_softmax")) for row in logits]
    return _log_softmax_row(_row(logits, "log_softmax"))


def _log_softmax_row(z: list[Value]) -> list[Value]:
    minus_shift = -autograd.max(z)   # a node, so replay takes each sample's own: see softmax
    shifted = [v + minus_shift for v in z]
    minus_log_total = -autograd.sum([s.exp() for s in shifted]).log()
    return [s + minus_log_total for s in shifted]


# ---------------------------------------------------------------------------
# Regression losses

@_names_overflow
def mse_loss(pred: Outputs, target: Targets, reduction: str = "mean") -> LossValue:
    """Mean squared error (1/n) Σ (pred_i - target_i)².

    ``pred`` is a Value, a list of Values (a batch, or one sample's outputs) or a list
    of such lists; ``target`` has the same shape (numbers or a numpy array).  Squaring
    makes one big error count more than many small ones, so outliers pull hard.

    >>> from autograd import Value
    >>> mse_loss([Value(1.0), Value(3.0)], [0.0, 0.0]).data   # (1 + 9) / 2
    5.0
    """
    pairs, shape = _pairs(pred, target, "mse_loss")
    terms = [_difference(p, t) ** 2 for p, t in pairs]
    return _reduce(terms, reduction, "mse_loss", shape=shape)


@_names_overflow
def mae_loss(pred: Outputs, target: Targets, reduction: str = "mean") -> LossValue:
    """Mean absolute error (L1) (1/n) Σ |pred_i - target_i|.

    Every unit of error costs the same, so one outlier moves it far less than it moves
    :func:`mse_loss`.  The gradient of |x| at exactly 0 is taken to be 0.

    >>> from autograd import Value
    >>> mae_loss([Value(1.0), Value(-3.0)], [0.0, 0.0]).data   # (1 + 3) / 2
    2.0
    """
    pairs, shape = _pairs(pred, target, "mae_loss")
    terms = [_difference(p, t).abs() for p, t in pairs]
    return _reduce(terms, reduction, "mae_loss", shape=shape)


# ---------------------------------------------------------------------------
# Classification losses

def _class_index(t, n_classes: int, where: str) -> int:
    if isinstance(t, Value):
        t = t.data
    if isinstance(t, numbers.Real) and as_number(t, where, "target").is_integer():
        index = int(t)
        if 0 <= index < n_classes:
            return index
        raise ValueError(f"{where}: target class {index} is out of range for "
                         f"{n_classes} classes (valid: 0..{n_classes - 1})")
    raise ValueError(f"{where}: target must be a class index (an integer) or a list of "
                     f"{n_classes} class probabilities, got {brief(t)}")


def _class_probabilities(t, n_classes: int, where: str) -> list:
    # A Value stays a Value (as targets do elsewhere), so the target is part of the graph.
    probabilities = [_target_number(p, where) for p in t]
    if len(probabilities) != n_classes:
        raise ValueError(f"{where}: {len(probabilities)} class probabilities for "
                         f"{n_classes} logits; give one per class")
    shares = [p.data if isinstance(p, Value) else p for p in probabilities]
    for p, share in zip(probabilities, shares):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"{where}: class probabilities must lie in [0, 1], got {p!r}")
    # PyTorch does not check this, but [1, 1] is a one-hot vector gone wrong, not a
    # distribution, and its loss would be -log p0 - log p1.
    total = math.fsum(shares)
    if abs(total - 1.0) > PROBABILITY_SUM_TOLERANCE:
        raise ValueError(f"{where}: class probabilities must add up to 1, got {brief(shares)} "
                         f"(sum {total!r}); for a single right class give its index instead")
    return probabilities


def _log_likelihood(row: list[Value], target, where: str) -> Value:
    """log p(target) under softmax(row); for a probability target, Σ_c p_c log p(c)."""
    log_probs = _log_softmax_row(row)
    if isinstance(target, (list, tuple, np.ndarray)):
        probabilities = _class_probabilities(target, len(row), where)
        return autograd.sum([lp * p for lp, p in zip(log_probs, probabilities)])
    return log_probs[_class_index(target, len(row), where)]


@_names_overflow
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
        lengths = sorted({len(row) for row in rows})
        if len(lengths) > 1:
            raise ValueError(f"{where}: rows of different lengths {lengths}; every sample needs "
                             "one logit per class")
        if isinstance(target, np.ndarray) and target.ndim == 0:
            target = target.item()
        if isinstance(target, (numbers.Real, Value)):
            if len(rows) != 1:
                raise ValueError(f"{where}: {len(rows)} rows of logits but a single target "
                                 f"{target!r}; give one target per sample")
            target = [target]
        # A dict, set or string has a length too, but is not one target per sample.
        if not isinstance(target, (list, tuple, np.ndarray)):
            raise TypeError(f"{where}: {len(rows)} rows of logits need a list of {len(rows)} "
                            f"targets, got {type(target).__name__} {brief(target)}")
        if len(target) != len(rows):
            raise ValueError(f"{where}: {len(rows)} rows of logits but {len(target)} targets; "
                             "give one target per sample")
        targets, shape = list(target), (len(rows),)
    else:
        rows, targets, shape = [_row(logits, where)], [target], ()
    log_likelihoods = [_log_likelihood(row, t, where) for row, t in zip(rows, targets)]
    return _reduce(log_likelihoods, reduction, where, sign=-1.0, shape=shape)


def _clamped_log(p: Value) -> Value:
    # As in PyTorch, log is clamped at -100: a probability that rounded to 0 gives a
    # loss of 100 instead of inf.  The clamped value is a constant, so no gradient flows
    # through it -- one reason to prefer binary_cross_entropy_with_logits.
    if p.data <= _SMALLEST_UNCLAMPED:
        return Value(LOG_CLAMP)
    return p.log()


@_names_overflow
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
    pairs, shape = _pairs(prob, target, where)
    for i, (p, t) in enumerate(pairs):
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
    return _reduce(terms, reduction, where, sign=-1.0, shape=shape)


@_names_overflow
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
    pairs, shape = _pairs(logit, target, where)
    for i, (x, t) in enumerate(pairs):
        t_data = t.data if isinstance(t, Value) else t
        if not 0.0 <= t_data <= 1.0:
            raise ValueError(f"{where}: target must lie in [0, 1], got {t!r} (sample {i})")
        terms.append(x.softplus() - t * x)
    return _reduce(terms, reduction, where, shape=shape)


@_names_overflow
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
    pairs, shape = _pairs(score, target, where)
    for p, t in pairs:
        t_data = t.data if isinstance(t, Value) else t
        if t_data not in (-1.0, 1.0):
            hint = " (for 0/1 labels use 2*y - 1)" if t_data == 0.0 else ""
            raise ValueError(f"{where}: targets must be -1 or +1, got {t_data!r}{hint}")
        terms.append((1.0 - t * p).relu())
    return _reduce(terms, reduction, where, shape=shape)


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
# The one record of each loss: its names, how its outputs become labels, its PyTorch name

#: ``LossRecord.labels`` of a multi-class loss: the predicted class is the index of the
#: largest output.
ARGMAX = "argmax"


def _output_array(outputs: Any, where: str) -> np.ndarray:
    """A batch of model outputs as a float array; a non-number or a non-finite number refused."""
    try:
        array = np.asarray(outputs, dtype=float)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{where}: outputs must be numbers, one row (or one number) per "
                          f"sample, got {brief(outputs)} ({error})") from None
    if array.ndim == 0:
        raise ValueError(f"{where}: outputs must be a list with one row (or one number) per "
                         f"sample, got the single value {brief(outputs)}")
    if not np.all(np.isfinite(array)):
        index = tuple(int(k) for k in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(f"{where}: output {index[0] if len(index) == 1 else index} is "
                         f"{float(array[index])!r}; an output that is not a finite number has no "
                         "label (did training diverge?)")
    return array


@dataclass(frozen=True)
class Threshold:
    """How a binary classifier's output becomes a label: ``above`` if it is above ``at``, else ``below``.

    >>> Threshold(0.5, 0.0, 1.0).labels(np.array([0.2, 0.9])).tolist()
    [0.0, 1.0]
    """

    at: float
    below: float
    above: float

    def labels(self, outputs: np.ndarray) -> np.ndarray:
        """The label of each output."""
        outputs = _output_array(outputs, "Threshold.labels")
        return np.where(outputs > self.at, self.above, self.below)


@dataclass(frozen=True)
class LossRecord:
    """Everything the library knows about one loss, under the name ``fit(loss=...)`` takes.

    * ``function`` and ``loss_class``: the loss, as a function and as a PyTorch-style object;
    * ``aliases``: other spellings a learner may reach for;
    * ``labels``: how a model's outputs become predicted labels -- ``ARGMAX`` (the
      largest of several outputs), a :class:`Threshold` (one output of a binary
      classifier), or None for a regression loss, whose outputs are the predictions;
    * ``torch_function`` and ``torch_class``: what PyTorch calls them.

    ``fit`` (its accuracy, on both the scalar and the replay path) and
    ``cross_validate`` (its default score) read ``labels`` from here.

    >>> LOSSES['hinge'].predicted_labels([0.3, -2.0]).tolist()
    [1.0, -1.0]
    >>> LOSSES['mse'].is_classification
    False
    """

    name: str
    function: Callable
    loss_class: type
    aliases: tuple[str, ...]
    labels: Union[str, Threshold, None]
    torch_function: str
    torch_class: str

    @property
    def is_classification(self) -> bool:
        """Whether the targets are class labels, so that accuracy means something."""
        return self.labels is not None

    def predicted_labels(self, outputs: Any) -> np.ndarray:
        """The predicted label of each sample, from a batch of outputs (one row, or number, per sample).

        >>> LOSSES['cross_entropy'].predicted_labels([[0.1, 2.0], [3.0, -1.0]]).tolist()
        [1, 0]
        """
        if self.labels is None:
            raise ValueError(f"{self.name} is a regression loss: its outputs are the predictions, "
                             "there are no labels to take from them")
        outputs = _output_array(outputs, self.name)
        if self.labels == ARGMAX:
            if outputs.ndim != 2 or outputs.shape[1] == 0:
                raise ValueError(f"{self.name}: expected one row of class scores per sample, "
                                 f"got outputs of shape {outputs.shape}")
            return outputs.argmax(axis=1)
        return self.labels.labels(outputs)

    def correct(self, outputs: Any, targets: Any) -> np.ndarray:
        """For each sample, whether its predicted label (every one, for several outputs) is right.

        >>> LOSSES['bce_with_logits'].correct([0.3, -0.2, 0.1], [1, 0, 0]).tolist()
        [True, True, False]
        """
        targets = np.asarray(targets)
        predicted = self.predicted_labels(outputs)
        if self.labels == ARGMAX and targets.ndim == 2 and targets.shape[1] > 1:
            targets = targets.argmax(axis=1)   # one-hot or soft targets: their likeliest class
        if targets.ndim == 0 or len(targets) != len(predicted):
            raise ValueError(f"{self.name}: {len(predicted)} outputs but targets "
                             f"{brief(targets.tolist())}; give one target per sample")
        n = len(targets)
        if predicted.reshape(n, -1).shape != targets.reshape(n, -1).shape:
            raise ValueError(f"{self.name}: each sample has {predicted.reshape(n, -1).shape[1]} "
                             f"predicted label(s) but {targets.reshape(n, -1).shape[1]} target(s)")
        return np.all(predicted.reshape(n, -1) == targets.reshape(n, -1), axis=1)


#: Every loss ``fit`` accepts by name.
LOSSES: dict[str, LossRecord] = {}


def _register(record: LossRecord) -> None:
    LOSSES[record.name] = record


_register(LossRecord("mse", mse_loss, MSELoss, ("mse_loss", "l2"), None,
                     "torch.nn.functional.mse_loss", "torch.nn.MSELoss"))
_register(LossRecord("mae", mae_loss, L1Loss, ("mae_loss", "l1", "l1_loss"), None,
                     "torch.nn.functional.l1_loss", "torch.nn.L1Loss"))
_register(LossRecord("cross_entropy", cross_entropy, CrossEntropyLoss, ("ce",), ARGMAX,
                     "torch.nn.functional.cross_entropy", "torch.nn.CrossEntropyLoss"))
_register(LossRecord("binary_cross_entropy", binary_cross_entropy, BCELoss, ("bce",),
                     Threshold(0.5, 0.0, 1.0),            # a probability
                     "torch.nn.functional.binary_cross_entropy", "torch.nn.BCELoss"))
_register(LossRecord("bce_with_logits", binary_cross_entropy_with_logits, BCEWithLogitsLoss,
                     ("binary_cross_entropy_with_logits",),
                     Threshold(0.0, 0.0, 1.0),            # a logit: above 0 means p > 0.5
                     "torch.nn.functional.binary_cross_entropy_with_logits",
                     "torch.nn.BCEWithLogitsLoss"))
# PyTorch has no binary hinge loss function.  HingeEmbeddingLoss is a different
# loss (for distances); MultiMarginLoss is the multi-class hinge: for scores [0, s]
# and class (t + 1) / 2 it gives max(0, 1 - t*s) / 2, half of this loss.
_register(LossRecord("hinge", hinge_loss, HingeLoss, ("hinge_loss",),
                     Threshold(0.0, -1.0, 1.0),           # a raw score: its sign
                     "torch.nn.functional.relu(1 - target * score).mean()",
                     "lambda score, target: torch.nn.functional.relu(1 - target * score).mean()"))

# Every spelling get_loss understands, each mapped to its record.
_BY_SPELLING = {spelling: record for record in LOSSES.values()
                for spelling in (record.name, *record.aliases)}

#: What each function and class here is called in PyTorch, for readers carrying code
#: across (read from the records; softmax and log-softmax are not losses).
TORCH_EQUIVALENTS: dict[str, str] = {
    "softmax": "torch.softmax(logits, dim=-1)",
    "log_softmax": "torch.log_softmax(logits, dim=-1)",
    **{record.function.__name__: record.torch_function for record in LOSSES.values()},
    **{record.loss_class.__name__: record.torch_class for record in LOSSES.values()},
}


def get_loss(name_or_callable: Union[str, Callable]) -> Callable:
    """The loss function for a name ('mse', 'mae', 'cross_entropy',
    'binary_cross_entropy', 'bce_with_logits', 'hinge'); a callable is returned as is.

    Also understood: each record's aliases ('mse_loss', 'l2', 'mae_loss', 'l1',
    'l1_loss', 'ce', 'bce', 'binary_cross_entropy_with_logits', 'hinge_loss'), and
    a loss class such as ``CrossEntropyLoss`` (an instance is made).

    >>> get_loss('mse') is mse_loss
    True
    """
    if isinstance(name_or_callable, str):
        key = name_or_callable.strip().lower().replace("-", "_")
        if key not in _BY_SPELLING:
            raise ValueError(f"get_loss: unknown loss {brief(name_or_callable)}; "
                             f"choose one of {sorted(LOSSES)} or pass a function")
        return _BY_SPELLING[key].function
    if isinstance(name_or_callable, type) and issubclass(name_or_callable, _Loss):
        return name_or_callable()
    if callable(name_or_callable):
        return name_or_callable
    raise TypeError(f"get_loss: expected a loss name or a function, got "
                    f"{type(name_or_callable).__name__} {brief(name_or_callable)}")


def loss_record(loss: Union[str, Callable, None]) -> Optional[LossRecord]:
    """The record of a loss given by name, function, class or object; None for a custom loss.

    An unknown name is a ValueError (from :func:`get_loss`), not None: a misspelt
    loss should not quietly be scored as a custom one.

    >>> loss_record('l1').name, loss_record(CrossEntropyLoss()).name, loss_record(lambda p, t: p)
    ('mae', 'cross_entropy', None)
    """
    if loss is None:
        return None
    function = get_loss(loss)
    function = getattr(function, "function", function)  # a loss object stands for its function
    return next((record for record in LOSSES.values() if record.function is function), None)
