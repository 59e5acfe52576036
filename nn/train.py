"""``fit``: the training loop -- forward, loss, backward, step -- over shuffled mini-batches.

Every step of gradient descent is the same four lines::

    loss = loss_fn([model(x) for x in batch_inputs], batch_targets)   # one graph
    optimizer.zero_grad()     # gradients add up, so clear last step's
    loss.backward()           # the chain rule fills in every parameter's grad
    optimizer.step()          # move each parameter a little against its grad

``fit`` runs those lines for every mini-batch of every epoch and records the mean
loss (and the accuracy, for classification losses) of each epoch in a
``History``.  The loss of a batch is the mean over its samples, built as one
graph per batch, so one ``backward()`` gives the gradient of the mean.

>>> import numpy as np
>>> from nn import MLP
>>> X = np.array([[0.0], [1.0], [2.0]]); y = 2 * X[:, 0] + 1
>>> history = fit(MLP(1, [1], seed=0), X, y, loss='mse', epochs=3, progress=False)
>>> len(history['loss']), history['accuracy']
(3, [])
"""
from __future__ import annotations

import math
from typing import Any, Callable, Optional, Union

import numpy as np

from autograd import Value, no_grad
from autograd.tape import Tape
from nn.arguments import as_count
from nn.layers import as_values
from nn.losses import ARGMAX, LossRecord, Threshold, get_loss, loss_record
from nn.module import Module, as_rows, outputs_to_array
from nn.optim import SGD, Adagrad, Adam, RMSprop
from nn.seeding import Seed, python_random

__all__ = ["fit", "History", "DEFAULT_LOSS"]

LossFn = Callable[[list, list], Value]

#: The loss ``fit`` trains with when none is named (``cross_validate`` scores by it too).
DEFAULT_LOSS = "mse"

_OPTIMIZERS = {"sgd": SGD, "adagrad": Adagrad, "rmsprop": RMSprop, "adam": Adam}
_DEFAULT_LR = {"sgd": 0.1, "adagrad": 0.1, "rmsprop": 0.01, "adam": 0.01}


class History(dict):
    """What ``fit`` recorded, one entry per epoch: ``'loss'``, ``'accuracy'``,
    ``'val_loss'``, ``'val_accuracy'``.

    Accuracy lists stay empty for regression losses and the ``val_`` lists
    without ``validation_data``.  It is a dict, so ``history['loss'][-1]`` is the
    last epoch's mean training loss.

    >>> History()
    History(epochs=0, loss=[], accuracy=[], val_loss=[], val_accuracy=[])
    """

    def __init__(self) -> None:
        super().__init__(loss=[], accuracy=[], val_loss=[], val_accuracy=[])

    @property
    def epochs(self) -> int:
        """How many epochs were run."""
        return len(self["loss"])

    def __repr__(self) -> str:
        def brief(values: list) -> str:
            if len(values) <= 4:
                return "[" + ", ".join(f"{v:.4g}" for v in values) + "]"
            return f"[{values[0]:.4g}, {values[1]:.4g}, ..., {values[-1]:.4g}]"
        fields = ", ".join(f"{key}={brief(values)}" for key, values in self.items())
        return f"History(epochs={self.epochs}, {fields})"


def fit(model: Module, X: Any, y: Any, loss: Union[str, LossFn] = DEFAULT_LOSS,
        optimizer: Union[str, Any, None] = None, epochs: int = 100, batch_size: int | None = 32,
        shuffle: bool = True, validation_data: tuple[Any, Any] | None = None,
        progress: bool = True, seed: Seed = None, lr: float | None = None,
        scheduler: Any = None, replay: bool = False) -> History:
    """Train ``model`` on inputs ``X`` (one row per sample) and targets ``y``.

    * ``loss``: a name -- ``'mse'``, ``'mae'`` (regression), ``'cross_entropy'``
      (targets are class indices 0..k-1, the model outputs k raw scores),
      ``'binary_cross_entropy'`` (targets 0/1, output a probability),
      ``'bce_with_logits'`` (targets 0/1, output a raw score), ``'hinge'``
      (targets -1/+1, output a raw score) -- or a function
      ``loss(outputs, targets) -> Value`` given a batch's outputs (one per
      sample: a Value, or a list of Values) and targets, returning their mean loss.
    * ``optimizer``: an optimizer over ``model.parameters()``, or a name
      (``'sgd'``, ``'adam'``, ``'rmsprop'``, ``'adagrad'``) with learning rate
      ``lr``.  The default is ``Adam(model.parameters(), lr=0.01)``: it needs the
      least tuning across the small problems this library is for.
    * ``batch_size``: samples per step (None: the whole set, full-batch descent).
    * ``shuffle``/``seed``: a new random order of samples each epoch, reproducible
      with ``seed``.
    * ``validation_data``: ``(X_val, y_val)`` evaluated after each epoch, no graph.
    * ``scheduler``: e.g. ``nn.optim.StepLR(optimizer, ...)``; stepped once per epoch.
      It must change the optimizer ``fit`` trains with, so pass that optimizer
      too (a ValueError says so otherwise).
    * ``progress``: a tqdm progress bar (terminal or notebook) showing loss and accuracy.
    * ``replay``: record one sample's graph once and replay it over each whole
      mini-batch with numpy (``autograd.tape``): the same numbers, many times
      faster.  Raises ``autograd.tape.ReplayError`` when the model's graph depends
      on the data and cannot be replayed.

    The training accuracy of an epoch is measured on the outputs computed during
    that epoch (before each batch's update), as Keras reports it.

    >>> from nn import MLP
    >>> X = [[-1.0], [1.0]]
    >>> h = fit(MLP(1, [1], seed=0), X, [-1, 1], loss='hinge', epochs=20, progress=False)
    >>> h['accuracy'][-1]
    1.0
    """
    loss_fn = get_loss(loss)
    record = loss_record(loss_fn)   # None for a custom loss: no labels, no accuracy
    classify = record if record is not None and record.is_classification else None
    nin = getattr(model, "nin", None)
    rows = as_rows(X, nin, "fit")
    n = len(rows)
    if n == 0:
        raise ValueError("fit: X has no rows")
    epochs = as_count(epochs, "epochs", "fit")
    batch_size = n if batch_size is None else min(as_count(batch_size, "batch_size", "fit"), n)
    targets = _targets(y, n, record, getattr(model, "nout", None), "fit")
    if validation_data is not None:
        try:
            X_val, y_val = validation_data
        except (TypeError, ValueError):
            raise ValueError("fit: validation_data must be a pair (X_val, y_val)") from None
        val_rows = as_rows(X_val, nin, "fit validation_data")
        val_targets = _targets(y_val, len(val_rows), record, getattr(model, "nout", None),
                               "fit validation_data")
        val_inputs = [_inputs(row, nin) for row in val_rows]
    optimizer = _make_optimizer(optimizer, model, lr)
    _check_scheduler(scheduler, optimizer)

    if replay:
        step = _ReplayStep(model, record, loss_fn, rows, targets, getattr(model, "nout", None))

        def train_epoch(order, epoch):
            return step.train_epoch(optimizer, order, batch_size, epoch)

        if validation_data is not None:
            evaluate = step.evaluator(val_rows, val_targets)
    else:
        # Inputs become Values once, not once per epoch: they are constants of every graph.
        inputs = [_inputs(row, nin) for row in rows]

        def train_epoch(order, epoch):
            return _train_one_epoch(model, loss_fn, optimizer, inputs, targets, order,
                                    batch_size, classify, epoch)

        def evaluate():
            with no_grad():
                outputs = [model(x) for x in val_inputs]
                val_loss = _loss(loss_fn, outputs, val_targets).data
            if classify is None:
                return val_loss, None
            return val_loss, _count_correct(classify, outputs, val_targets) / len(val_targets)
    order = list(range(n))
    rng = python_random(seed, "fit")
    history = History()
    epoch_range: Any = range(epochs)
    bar = None
    if progress:
        from tqdm.auto import tqdm  # imported here so that `import nn` stays light
        epoch_range = bar = tqdm(epoch_range, desc=f"fit {type(model).__name__}", unit="epoch")

    try:
        for epoch in epoch_range:
            if shuffle:
                rng.shuffle(order)
            loss_value, accuracy = train_epoch(order, epoch)
            if scheduler is not None:
                scheduler.step()
            history["loss"].append(loss_value)
            if classify is not None:
                history["accuracy"].append(accuracy)
            if validation_data is not None:
                val_loss, val_accuracy = evaluate()
                history["val_loss"].append(val_loss)
                if classify is not None:
                    history["val_accuracy"].append(val_accuracy)
            if bar is not None:
                bar.set_postfix({key: f"{values[-1]:.4f}" for key, values in history.items()
                                 if values}, refresh=False)
    finally:
        if bar is not None:
            bar.close()
    return history


# -- replay ------------------------------------------------------------------------------

class _ReplayStep:
    """Training by tape replay: one sample's graph -- the model and its loss --
    recorded once, then run forward and backward over each mini-batch with numpy.

    Before training, the replayed loss of every training sample (up to 1,000) is
    checked against the scalar engine's, which catches a loss or model whose
    graph depends on the data.

    The tape's inputs are a sample's features followed by its targets (a one-hot
    row for a multi-class loss, so that the class is data, not a choice of graph
    node); its outputs are the sample's loss and then the model's outputs, which
    give the accuracy.
    """

    def __init__(self, model: Module, record: Optional[LossRecord], loss_fn: LossFn, rows: list,
                 targets: list, nout: int | None):
        self.model, self.loss_fn = model, loss_fn
        self.classify = record if record is not None and record.is_classification else None
        self.one_hot = self.classify is not None and self.classify.labels == ARGMAX
        X = np.asarray(rows, dtype=float)
        self.nin = X.shape[1]
        self.nout = nout if nout is not None else self._count_outputs(X[0])
        self.targets = np.asarray(targets)
        self.samples = self._samples(X, targets)
        second = self.samples[1] if len(self.samples) > 1 else None
        self.tape = Tape.record(self._sample_loss, self.samples[0], model.parameters(),
                                second_sample=second, check_samples=self.samples[:1000])

    def _count_outputs(self, row) -> int:
        with no_grad():
            out = self.model(row.tolist())
        return len(out) if isinstance(out, (list, tuple)) else 1

    def _samples(self, X: np.ndarray, targets: list) -> np.ndarray:
        if self.one_hot:
            T = np.eye(self.nout)[np.asarray(targets, dtype=int)]
        else:
            T = np.asarray(targets, dtype=float).reshape(len(X), -1)
        return np.hstack([X, T])

    def _sample_loss(self, *leaves: Value) -> list[Value]:
        xs, ts = list(leaves[:self.nin]), list(leaves[self.nin:])
        out = self.model(xs)
        outs = out if isinstance(out, (list, tuple)) else [out]
        if self.one_hot or len(outs) > 1:
            loss = _loss(self.loss_fn, [outs], [ts])
        else:
            loss = _loss(self.loss_fn, [out], [ts[0]])
        return [loss, *outs]

    def _count_correct(self, outputs: np.ndarray, targets: np.ndarray) -> int:
        return int(np.sum(self.classify.correct(outputs, targets)))

    def train_epoch(self, optimizer: Any, order: list[int], batch_size: int,
                    epoch: int) -> tuple[float, float | None]:
        total_loss, correct = 0.0, 0
        for start in range(0, len(order), batch_size):
            indices = order[start:start + batch_size]
            batch = self.samples[indices]
            try:
                sample_losses = self.tape.forward(batch)
            except (OverflowError, FloatingPointError) as error:
                raise FloatingPointError(f"fit: training diverged in epoch {epoch + 1} ({error}); "
                                         "try a smaller learning rate") from error
            optimizer.zero_grad()
            self.tape.accumulate_grads(1.0 / len(batch))   # the gradient of the batch mean
            optimizer.step()
            total_loss += float(sample_losses.sum())
            if self.classify is not None:
                correct += self._count_correct(self.tape.extra_outputs(), self.targets[indices])
        n = len(order)
        return total_loss / n, (correct / n if self.classify is not None else None)

    def evaluator(self, rows: list, targets: list) -> Callable[[], tuple[float, float | None]]:
        samples = self._samples(np.asarray(rows, dtype=float), targets)
        target_array = np.asarray(targets)

        def evaluate() -> tuple[float, float | None]:
            val_losses = self.tape.forward(samples)
            if self.classify is None:
                return float(val_losses.mean()), None
            correct = self._count_correct(self.tape.extra_outputs(), target_array)
            return float(val_losses.mean()), correct / len(target_array)
        return evaluate


# -- helpers -----------------------------------------------------------------------------

def _train_one_epoch(model: Module, loss_fn: LossFn, optimizer: Any, inputs: list, targets: list,
                     order: list[int], batch_size: int, classify: Callable | None,
                     epoch: int) -> tuple[float, float | None]:
    """One pass over the data in ``order``: a gradient step per mini-batch.

    Returns the epoch's mean loss and the accuracy of the outputs seen during it.
    """
    total_loss, correct = 0.0, 0
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        batch_targets = [targets[i] for i in batch]
        try:
            outputs = [model(inputs[i]) for i in batch]
            batch_loss = _loss(loss_fn, outputs, batch_targets)   # the mean: one graph
        except OverflowError as error:
            raise FloatingPointError(f"fit: training diverged in epoch {epoch + 1} ({error}); "
                                     "try a smaller learning rate") from error
        if not math.isfinite(batch_loss.data):
            raise FloatingPointError(f"fit: the loss became {batch_loss.data!r} in epoch "
                                     f"{epoch + 1}; training diverged -- try a smaller learning rate")
        optimizer.zero_grad()
        batch_loss.backward()
        optimizer.step()
        total_loss += batch_loss.data * len(batch)
        if classify is not None:
            correct += _count_correct(classify, outputs, batch_targets)
    accuracy = correct / len(order) if classify is not None else None
    return total_loss / len(order), accuracy


def _inputs(row: list[float], nin: int | None) -> list[Value]:
    return as_values(row, len(row) if nin is None else nin, "fit")


def _loss(loss_fn: LossFn, outputs: list, targets: list) -> Value:
    value = loss_fn(outputs, targets)
    if not isinstance(value, Value):
        name = getattr(loss_fn, "__name__", repr(loss_fn))
        raise TypeError(f"fit: the loss {name} must return a Value, got {type(value).__name__} {value!r}")
    return value


def _count_correct(record: LossRecord, outputs: list, targets: list) -> int:
    """How many samples the loss's labelling rule gets right, from outputs as Values."""
    return int(np.sum(record.correct(outputs_to_array(outputs), targets)))


def _check_scheduler(scheduler: Any, optimizer: Any) -> None:
    """A scheduler must change the learning rate of the optimizer fit trains with."""
    if scheduler is None:
        return
    if not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"fit: scheduler must have a step() method, got {scheduler!r}")
    scheduled = getattr(scheduler, "optimizer", optimizer)
    if scheduled is not optimizer:
        raise ValueError(f"fit: the scheduler {type(scheduler).__name__} changes the learning rate of "
                         f"{scheduled!r}, but fit trains with {optimizer!r}; make the optimizer "
                         "first and give fit both: optimizer = nn.optim.Adam(model.parameters()); "
                         "fit(..., optimizer=optimizer, scheduler=nn.optim.StepLR(optimizer, ...))")


def _make_optimizer(optimizer: Any, model: Module, lr: float | None) -> Any:
    if optimizer is None:
        optimizer = "adam"
    if isinstance(optimizer, str):
        key = optimizer.lower()
        if key not in _OPTIMIZERS:
            known = ", ".join(repr(k) for k in _OPTIMIZERS)
            raise ValueError(f"fit: unknown optimizer {optimizer!r}; known optimizers: {known}, "
                             "or pass one, e.g. nn.optim.SGD(model.parameters(), lr=0.1)")
        return _OPTIMIZERS[key](model.parameters(), lr=_DEFAULT_LR[key] if lr is None else lr)
    if lr is not None:
        raise ValueError("fit: lr is only used with an optimizer name; "
                         "set the learning rate on the optimizer you pass instead")
    for method in ("zero_grad", "step"):
        if not callable(getattr(optimizer, method, None)):
            raise TypeError(f"fit: optimizer must have a {method}() method, got {optimizer!r}")
    return optimizer


def _targets(y: Any, n: int, record: Optional[LossRecord], nout: int | None, where: str) -> list:
    """The targets as plain Python numbers (or lists of them), checked against the loss."""
    try:
        array = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: y must be an array of numbers ({error})") from None
    if array.ndim == 0 or len(array) != n:
        got = "a single number" if array.ndim == 0 else f"{len(array)} targets"
        raise ValueError(f"{where}: X has {n} rows but y has {got}; give one target per row")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{where}: y contains a non-finite number")
    labels = None if record is None else record.labels
    if labels == ARGMAX:
        if array.ndim != 1 or not np.all(array == np.round(array)):
            raise ValueError(f"{where}: {record.name} needs one class index (0, 1, ...) per sample, "
                             f"got y of shape {array.shape}")
        if nout is not None and (array.min() < 0 or array.max() >= nout or nout < 2):
            raise ValueError(f"{where}: {record.name} needs class indices 0..{nout - 1} for a model "
                             f"with {nout} outputs, got classes {sorted(set(array.astype(int).tolist()))}")
        return array.astype(int).tolist()
    if array.ndim == 2 and array.shape[1] == 1 and nout == 1:
        array = array[:, 0]
    if array.ndim > 2:
        raise ValueError(f"{where}: y must be 1-D or 2-D, got shape {array.shape}")
    width = 1 if array.ndim == 1 else array.shape[1]
    if nout is not None and width != nout:
        raise ValueError(f"{where}: the model has {nout} outputs but y has {width} "
                         f"target{'s' if width != 1 else ''} per sample (shape {array.shape})")
    if isinstance(labels, Threshold) and not np.all((array == labels.below) | (array == labels.above)):
        # A binary loss trains towards its two labels: hinge -1 / +1, the cross-entropies 0 / 1.
        wanted = "-1 or +1" if labels.below == -1.0 else f"{labels.below:g} or {labels.above:g}"
        hint = "; for 0/1 labels pass 2 * y - 1" if labels.below == -1.0 else ""
        raise ValueError(f"{where}: {record.name} needs targets {wanted}, got "
                         f"{sorted(set(array.ravel().tolist()))[:5]}{hint}")
    return array.tolist()
