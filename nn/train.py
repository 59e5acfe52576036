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

Regularisation: ``fit(..., l1=λ1, l2=λ2)`` adds ``λ1·Σ|w| + λ2·Σw²`` to every
batch's loss, the sums over the model's weights (``model.weight_parameters()``:
every parameter but the biases).  This is the convention of the benchmark's demo
(1e-4 · Σp²); it is not PyTorch's ``weight_decay``, whose gradient ``wd·w`` is
that of ``wd/2·Σw²``: ``l2=λ`` pulls a weight as ``weight_decay=2λ`` does in SGD
(and unlike AdamW's decoupled decay, it goes through Adam's rescaling).

Training by replay (``replay=True``) runs the same arithmetic as arrays: the
recorded graph over the batch (``autograd.tape``), the penalties and the
optimizer's update (``Optimizer.array_step``), with no Python loop over the
parameters.  The one such loop left copies the new weights into the model's
Values after every step: each batch's check (see ``ReplayTrainer``) runs the
model through the scalar engine, on those Values, so they must hold the weights
being trained -- and a learner's own loss or model, which that check runs, sees
them too.  The gradients are copied into the Values' ``grad`` when ``fit``
returns (or stops with an error): nothing reads them in between.

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

import autograd
from autograd import Value, no_grad
from autograd.tape import ReplayError, Tape
from autograd.value import numbers_of, set_data
from nn.arguments import as_count, as_flag, as_number
from nn.activations import activation_record
from nn.layers import MLP, Layer, Neuron, as_values
from nn.losses import ARGMAX, LossRecord, Threshold, get_loss, loss_record
from nn.module import Module, as_rows, outputs_to_array, require_finite_parameters
from nn.optim import SGD, Adagrad, Adam, Optimizer, RMSprop
from nn.seeding import Seed, python_random

__all__ = ["fit", "History", "DEFAULT_LOSS", "Penalty", "ReplayTrainer", "replay_trainer"]

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
        scheduler: Any = None, replay: bool = False, l1: float = 0.0,
        l2: float = 0.0) -> History:
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
      on the data and cannot be replayed: before training, and on every batch,
      where one sample (a different one each time) is run again by the scalar
      engine and must give the replayed numbers.  The model and the optimizer
      are then put back as they were before ``fit``.
    * ``l1``, ``l2``: penalties ``l1·Σ|w| + l2·Σw²`` on the weights (not the
      biases) added to each batch's loss; ``'loss'`` and ``'val_loss'`` include them.

    Every argument is checked before the first step, so a mistake never shows up
    after an epoch of training.  The training accuracy of an epoch is measured on
    the outputs computed during that epoch (before each batch's update), as Keras
    reports it.

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
    shuffle, progress, replay = (as_flag(shuffle, "shuffle", "fit"),
                                 as_flag(progress, "progress", "fit"),
                                 as_flag(replay, "replay", "fit"))
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
    if isinstance(model, Module):
        require_finite_parameters(model, "fit")
    optimizer = _make_optimizer(optimizer, model, lr)
    _check_scheduler(scheduler, optimizer)
    penalty = Penalty.for_model(model, l1, l2, "fit")
    rng = python_random(seed, "fit")

    if replay:
        scheduler_state = getattr(scheduler, "state_dict", None)
        scheduler_start = scheduler_state() if callable(scheduler_state) else None
        trainer = ReplayTrainer(model, loss_fn, optimizer, rows, targets, penalty=penalty,
                                record=record)

        def train_epoch(order, epoch):
            return trainer.train_epoch(order, batch_size, epoch)

        if validation_data is not None:
            evaluate = trainer.evaluator(val_rows, val_targets)
    else:
        scheduler_start = None
        # Inputs become Values once, not once per epoch: they are constants of every graph.
        inputs = [_inputs(row, nin) for row in rows]

        def train_epoch(order, epoch):
            return _train_one_epoch(model, loss_fn, optimizer, inputs, targets, order,
                                    batch_size, classify, epoch, penalty)

        def evaluate():
            with no_grad():
                outputs = [model(x) for x in val_inputs]
                val_loss = _loss(loss_fn, outputs, val_targets).data
                if penalty is not None:
                    val_loss += penalty.value().data
            if classify is None:
                return val_loss, None
            return val_loss, _count_correct(classify, outputs, val_targets) / len(val_targets)
    order = list(range(n))
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
    except ReplayError:
        if scheduler_start is not None:    # the trainer has put the weights and optimizer back
            scheduler.load_state_dict(scheduler_start)
        raise
    finally:
        if replay:
            trainer.write_back()
        if bar is not None:
            bar.close()
    return history


# -- penalties ---------------------------------------------------------------------------

class Penalty:
    """``l1·Σ|w| + l2·Σw²`` over some weights: a Value for the scalar engine, or arrays.

    >>> from autograd import Value
    >>> w = [Value(3.0), Value(-4.0)]
    >>> penalty = Penalty(w, l1=0.1, l2=0.01)
    >>> round(penalty.value().data, 12)                      # 0.1 * 7 + 0.01 * 25
    0.95
    >>> value, grad = penalty.on_arrays(np.array([3.0, -4.0]))
    >>> round(value, 12), grad.round(12).tolist()            # 0.1 * sign(w) + 0.01 * 2w
    (0.95, [0.16, -0.18])
    """

    def __init__(self, weights: list[Value], l1: float = 0.0, l2: float = 0.0):
        self.weights, self.l1, self.l2 = list(weights), float(l1), float(l2)

    @classmethod
    def for_model(cls, model: Any, l1: Any, l2: Any, where: str) -> "Penalty | None":
        """The penalty ``fit(l1=..., l2=...)`` asks for on ``model``'s weights, or None for none.

        >>> from nn import Neuron
        >>> len(Penalty.for_model(Neuron(3), 0.0, 0.1, 'fit').weights)   # w.0 .. w.2, not b
        3
        """
        l1, l2 = as_number(l1, where, "l1"), as_number(l2, where, "l2")
        for name, strength in (("l1", l1), ("l2", l2)):
            if strength < 0.0:
                raise ValueError(f"{where}: {name} must be >= 0 (a penalty's strength), "
                                 f"got {strength!r}")
        if l1 == 0.0 and l2 == 0.0:
            return None
        weights = getattr(model, "weight_parameters", None)
        if not callable(weights):
            raise TypeError(f"{where}: l1 and l2 penalise a model's weights, but "
                            f"{type(model).__name__} has no weight_parameters() method; "
                            "make it an nn.Module")
        weights = weights()
        if not weights:
            raise ValueError(f"{where}: the model has no weights to penalise (only biases)")
        return cls(weights, l1, l2)

    def value(self) -> Value:
        """The penalty as a node of the graph (the scalar engine differentiates it)."""
        terms = []
        if self.l1:
            terms.append(self.l1 * autograd.sum([w.abs() for w in self.weights]))
        if self.l2:
            terms.append(self.l2 * autograd.sum([w * w for w in self.weights]))
        return autograd.sum(terms)

    def on_arrays(self, weights: np.ndarray) -> tuple[float, np.ndarray]:
        """The penalty of these weight values and its gradient: ``l1·sign(w) + l2·2w``."""
        value, grad = 0.0, np.zeros_like(weights)
        with np.errstate(over="ignore"):   # an inf penalty is refused by fit, by name
            if self.l1:
                value += self.l1 * float(np.abs(weights).sum())
                grad += self.l1 * np.sign(weights)   # abs's derivative, 0 at 0 as in autograd
            if self.l2:
                value += self.l2 * float(np.dot(weights, weights))
                grad += self.l2 * (weights + weights)
        return value, grad


# -- replay ------------------------------------------------------------------------------

def replay_trainer(model: Module, X: Any, y: Any, loss: Union[str, LossFn] = DEFAULT_LOSS,
                   optimizer: Union[str, Any, None] = None, lr: float | None = None,
                   l1: float = 0.0, l2: float = 0.0,
                   penalty: Penalty | None = None) -> "ReplayTrainer":
    """What ``fit(..., replay=True)`` trains with, to take steps one at a time (or time them).

    The arguments are ``fit``'s; ``penalty`` (a :class:`Penalty` over parameters
    of your choosing, the biases too, say) replaces ``l1`` and ``l2``.

    >>> from nn import MLP
    >>> X, y = [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]
    >>> trainer = replay_trainer(MLP(1, [1], seed=0), X, y, optimizer='sgd', lr=0.1)
    >>> first, _ = trainer.train_batch([0, 1, 2]); second, _ = trainer.train_batch([0, 1, 2])
    >>> second < first
    True
    """
    loss_fn = get_loss(loss)
    record = loss_record(loss_fn)
    rows = as_rows(X, getattr(model, "nin", None), "replay_trainer")
    if not rows:
        raise ValueError("replay_trainer: X has no rows")
    targets = _targets(y, len(rows), record, getattr(model, "nout", None), "replay_trainer")
    require_finite_parameters(model, "replay_trainer")
    optimizer = _make_optimizer(optimizer, model, lr)
    if penalty is None:
        penalty = Penalty.for_model(model, l1, l2, "replay_trainer")
    elif l1 or l2:
        raise ValueError("replay_trainer: give l1 and l2, or a penalty, not both")
    return ReplayTrainer(model, loss_fn, optimizer, rows, targets, penalty=penalty, record=record)


class ReplayTrainer:
    """Training by tape replay: one sample's graph -- the model and its loss --
    recorded once, then run forward and backward over each mini-batch with numpy.

    The parameters live in one array (``theta``) while it trains; the optimizer's
    update (``array_step``) and the penalty run on arrays too.  After every step
    the model's Values are given the new weights, so the model always holds them.

    Replay is exact only if the graph is the same for every sample.  A Python
    ``if`` on a Value's data (a Huber loss written with ``if abs(d.data) < 1``)
    is not in the graph: the recording keeps the branch of its sample.  So:

    * before training, 100 samples spread over the training set (all of them,
      if there are fewer) are checked against the scalar engine: a graph that
      depends on the data from the start is refused before anything trains;
    * on every batch, one sample -- the next position in the batch each time, so
      that over the epochs every position is checked -- goes through the scalar
      engine again: the loss function recomputes its loss from its replayed
      outputs, which must give the replayed loss (this is what catches an ``if``
      in the loss), and the model recomputes its outputs from its inputs, which
      must give the replayed outputs.  The model's part costs one scalar forward
      pass, most of the check; it is skipped for a model made only of nn's own
      Neuron, Layer and MLP with named activations (``branch_free``), whose
      forward has no Python branch at all -- linear nodes and the activations'
      primitives, each replayed exactly -- except on every tenth step
      (``full_check_every``), in case one is ever added.

    A mismatch raises ``ReplayError`` naming the sample, after putting the
    weights and the optimizer back as they were.

    The tape's inputs are a sample's features followed by its targets (a one-hot
    row for a multi-class loss, so that the class is data, not a choice of graph
    node); its outputs are the sample's loss and then the model's outputs, which
    give the accuracy.

    >>> from nn import MLP
    >>> model = MLP(1, [2, 1], seed=0)
    >>> trainer = replay_trainer(model, [[0.0], [1.0]], [0.0, 2.0], optimizer='sgd', lr=0.1)
    >>> loss, accuracy = trainer.train_epoch([0, 1], batch_size=2, epoch=0)
    >>> [p.data for p in model.parameters()] == trainer.theta.tolist()   # the new weights
    True
    >>> trainer.restore(); trainer.theta.tolist() == trainer.start[0].tolist()
    True
    """

    def __init__(self, model: Module, loss_fn: LossFn, optimizer: Any, rows: list, targets: list,
                 penalty: Penalty | None = None, record: Optional[LossRecord] = None):
        self.model, self.loss_fn, self.optimizer, self.penalty = model, loss_fn, optimizer, penalty
        self.classify = record if record is not None and record.is_classification else None
        self.one_hot = self.classify is not None and self.classify.labels == ARGMAX
        X = np.asarray(rows, dtype=float)
        self.nin = X.shape[1]
        nout = getattr(model, "nout", None)
        self.nout = nout if nout is not None else self._count_outputs(X[0])
        self.targets = np.asarray(targets)
        self.samples = self._samples(X, targets)
        parameters = model.parameters()
        # An optimizer may hold Values outside the model; they are in no graph (gradient 0),
        # but the scalar path's step moves them (weight decay), so replay does too.
        in_model = set(parameters)
        held = list(getattr(optimizer, "params", []))
        parameters += [p for p in held if p not in in_model]
        position = {p: i for i, p in enumerate(parameters)}
        self.parameters = parameters
        self.theta = np.array(numbers_of(parameters))
        self.grads = np.zeros_like(self.theta)
        if isinstance(optimizer, Optimizer):
            self.optimizer_index = np.array([position[p] for p in optimizer.params])
            if np.array_equal(self.optimizer_index, np.arange(len(parameters))):
                self.optimizer_index = None          # every parameter, in order: no gather
            self.array_optimizer = True
        else:
            self.array_optimizer = False   # an optimizer of the learner's own: step() on the Values
        # 1 for a penalised weight, 0 for a bias: the penalty of theta * mask is that of the
        # weights, and its gradient is 0 at every bias (|0| and 0² have derivative 0).
        self.weight_mask = np.zeros_like(self.theta)
        if penalty is not None:
            self.weight_mask[[position[w] for w in penalty.weights]] = 1.0
        state_dict = getattr(optimizer, "state_dict", None)
        # where training started, to go back to if a check finds replay was not exact
        self.start = self.theta.copy(), (state_dict() if callable(state_dict) else None)
        self.checks = self.epoch = 0
        # Replay trains on the mean of the samples' losses.  The built-in losses are such a
        # mean; a loss of the learner's own may not be ((mean error)^2, the worst sample):
        # each batch's loss is then also computed whole, from the replayed outputs.
        self.custom_loss = record is None
        self.branch_free = branch_free(model)
        self.full_check_every = 10
        second = self.samples[1] if len(self.samples) > 1 else None
        # Every batch is checked while training, so a hundred samples up front are enough
        # to refuse early what fails from the start (the first thousand cost more than
        # training a small network for a few epochs).
        spread = np.unique(np.linspace(0, len(self.samples) - 1, 100).astype(int))
        try:
            self.tape = Tape.record(self._sample_loss, self.samples[0], parameters,
                                    second_sample=second, check_samples=self.samples[spread])
        except ReplayError as error:
            raise ReplayError(f"fit(replay=True): {error} {_REPLAY_ADVICE}") from None

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
        return [self._loss_of(outs, ts), *outs]

    def _loss_of(self, outs: list[Value], ts: list[Value]) -> Value:
        """One sample's loss from its outputs and targets, as fit gives them to the loss."""
        if self.one_hot or len(outs) > 1:
            return _loss(self.loss_fn, [outs], [ts])
        return _loss(self.loss_fn, [outs[0]], [ts[0]])

    def _count_correct(self, outputs: np.ndarray, targets: np.ndarray) -> int:
        return int(np.sum(self.classify.correct(outputs, targets)))

    def train_batch(self, indices: list[int]) -> tuple[float, np.ndarray | None]:
        """One step on the samples ``indices``.

        Returns the batch's loss (penalty included) and, for a classification
        loss, the model's outputs (shape (batch, outputs)), both from before the
        update; ``train_epoch`` turns the outputs into the epoch's accuracy.
        """
        indices = np.asarray(indices)
        try:
            sample_losses = self.tape.forward(self.samples[indices], self.theta)
        except ReplayError as error:
            self.restore()   # every step so far trained on numbers that may be wrong
            raise ReplayError(f"fit(replay=True), epoch {self.epoch + 1}: {error} "
                              f"{_REPLAY_ADVICE}") from None
        outputs = self.tape.extra_outputs()
        self._check_one_sample(indices, sample_losses, outputs)
        if self.custom_loss and len(indices) > 1:
            self._check_batch_is_a_mean(indices, sample_losses, outputs)
        grads = self.tape.backward(1.0 / len(indices))   # the gradient of the batch mean
        loss = float(sample_losses.sum()) / len(indices)
        if self.penalty is not None:
            value, penalty_grads = self.penalty.on_arrays(self.theta * self.weight_mask)
            grads += penalty_grads
            loss += value
        if not math.isfinite(loss):
            raise FloatingPointError(f"the loss became {loss!r}")
        if self.array_optimizer:
            if self.optimizer_index is None:
                self.theta = self.optimizer.array_step(self.theta, grads)
            else:
                index = self.optimizer_index
                self.theta[index] = self.optimizer.array_step(self.theta[index], grads[index])
        else:
            self._step_on_values(grads)
        self.grads = grads
        # The Values get the new weights now: the next batch's check runs the model on them.
        set_data(self.parameters, self.theta.tolist(), "fit")
        return loss, (outputs if self.classify is not None else None)

    def _check_one_sample(self, indices: np.ndarray, losses: np.ndarray,
                          outputs: np.ndarray) -> None:
        column = self.checks % len(indices)
        self.checks += 1
        try:
            if not self.branch_free or (self.checks - 1) % self.full_check_every == 0:
                self.tape.check_sample(column)     # the model and the loss, by the scalar engine
            else:
                self._check_loss(indices[column], losses[column], outputs[column])
        except ReplayError as error:
            self.restore()   # every step so far trained on numbers that may be wrong
            raise ReplayError(f"fit(replay=True): sample {indices[column]} of X (checked in epoch "
                              f"{self.epoch + 1}, training step {self.checks}) does not replay "
                              f"exactly. {error} {_REPLAY_ADVICE}") from None

    def _check_loss(self, sample: int, replayed: float, outputs: np.ndarray) -> None:
        """The loss function, run by the scalar engine on a sample's replayed outputs."""
        outs = [Value(v) for v in outputs.tolist()]
        ts = [Value(v) for v in self.samples[sample, self.nin:].tolist()]
        scalar = self._loss_of(outs, ts).data
        if not abs(scalar - replayed) <= 1e-9 * max(1.0, abs(scalar)):
            raise ReplayError(
                f"the recorded loss gives {float(replayed)!r} where the loss function gives "
                f"{scalar!r} for the outputs {outputs.tolist()} and targets "
                f"{self.samples[sample, self.nin:].tolist()}: the loss depends on the data (a "
                "Python branch on a Value's data, or a number taken from the recorded sample).")

    def _check_batch_is_a_mean(self, indices: np.ndarray, losses: np.ndarray,
                               outputs: np.ndarray) -> None:
        """The learner's loss of the whole batch, by the scalar engine on the replayed outputs,
        must be the mean of the samples' losses that replay trains on."""
        rows = [[Value(v) for v in row] for row in outputs.tolist()]
        targets = [[Value(v) for v in row] for row in self.samples[indices, self.nin:].tolist()]
        if not (self.one_hot or outputs.shape[1] > 1):
            rows, targets = [r[0] for r in rows], [t[0] for t in targets]
        whole = _loss(self.loss_fn, rows, targets).data
        mean = float(losses.mean())
        if not abs(whole - mean) <= 1e-9 * max(1.0, abs(whole)):
            self.restore()   # the steps so far may have trained on the wrong loss
            name = getattr(self.loss_fn, "__name__", repr(self.loss_fn))
            raise ReplayError(
                f"fit(replay=True): the loss {name} of the batch of samples {indices.tolist()[:8]}"
                f"{' ...' if len(indices) > 8 else ''} of X (epoch {self.epoch + 1}) is "
                f"{whole!r}, but the mean of its samples' replayed losses is {mean!r}. Replay "
                "replays one sample at a time and trains on the mean, so it can only train a "
                "loss that is a mean over samples (not the square of a mean, nor the worst "
                "sample) and that does not depend on the data (a Python branch on a Value's "
                f"data). {_REPLAY_ADVICE}")

    def _step_on_values(self, grads: np.ndarray) -> None:
        """A step of an optimizer without array_step: the gradients go through the Values."""
        self.optimizer.zero_grad()
        for p, g in zip(self.parameters, grads.tolist()):
            p.grad += g
        self.optimizer.step()
        self.theta = np.array(numbers_of(self.parameters))

    def train_epoch(self, order: list[int], batch_size: int,
                    epoch: int) -> tuple[float, float | None]:
        """One pass over the samples in ``order``; the mean loss and the accuracy seen."""
        total_loss, outputs = 0.0, []
        self.epoch = epoch
        order = np.asarray(order)    # once: each batch is then a slice of it, not a new array
        for start in range(0, len(order), batch_size):
            indices = order[start:start + batch_size]
            try:
                loss, batch_outputs = self.train_batch(indices)
            except (OverflowError, FloatingPointError) as error:
                raise FloatingPointError(f"fit: training diverged in epoch {epoch + 1} ({error}); "
                                         "try a smaller learning rate") from error
            total_loss += loss * len(indices)
            outputs.append(batch_outputs)
        n = len(order)
        if self.classify is None:
            return total_loss / n, None
        correct = self._count_correct(np.concatenate(outputs), self.targets[order])
        return total_loss / n, correct / n

    def write_back(self) -> None:
        """Give the model's Values the current weights and the latest batch's gradients.

        ``train_batch`` writes the weights after every step; the gradients only come
        with this (``fit`` calls it when it returns).
        """
        set_data(self.parameters, self.theta.tolist(), "fit")
        for p, g in zip(self.parameters, self.grads.tolist()):
            p.grad = g

    def restore(self) -> None:
        """Put the weights and the optimizer's state back as they were when this was made."""
        theta, optimizer_state = self.start
        self.theta, self.grads = theta.copy(), np.zeros_like(theta)
        if optimizer_state is not None:
            self.optimizer.load_state_dict(optimizer_state)
        self.write_back()

    def evaluator(self, rows: list, targets: list) -> Callable[[], tuple[float, float | None]]:
        """A function giving the loss (penalty included) and accuracy on these samples, now."""
        samples = self._samples(np.asarray(rows, dtype=float), targets)
        target_array = np.asarray(targets)

        def evaluate() -> tuple[float, float | None]:
            val_loss = float(self.tape.forward(samples, self.theta).mean())
            if self.penalty is not None:
                val_loss += self.penalty.on_arrays(self.theta * self.weight_mask)[0]
            if self.classify is None:
                return val_loss, None
            correct = self._count_correct(self.tape.extra_outputs(), target_array)
            return val_loss, correct / len(target_array)
        return evaluate


def branch_free(model: Any) -> bool:
    """True for a model made only of nn's own Neuron, Layer and MLP, with named activations.

    Their forward is ``linear`` nodes and the activations' primitives: no Python
    ``if`` reads a Value's data, so replaying it is exact for every sample (the
    primitives' array rules are checked against the scalar engine by the tests).
    A subclass, a Module of the learner's or a custom activation function may
    branch, so it is not.

    >>> branch_free(MLP(2, [3, 1], activation='relu'))
    True
    >>> branch_free(MLP(2, [3, 1], activation=lambda v: v if v.data > 0 else v * 0.1))
    False
    """
    modules = [model]
    while modules:
        module = modules.pop()
        if type(module) not in (MLP, Layer, Neuron):
            return False
        if type(module) is Neuron and activation_record(module.activation) is None:
            return False
        modules.extend(child for _, child in module.named_children())
    return True


_REPLAY_ADVICE = ("Train without replay (replay=False), or write the branch with relu, abs or "
                  "autograd.max so that it is part of the graph; the model and the optimizer "
                  "were left as they were before fit.")


# -- helpers -----------------------------------------------------------------------------

def _train_one_epoch(model: Module, loss_fn: LossFn, optimizer: Any, inputs: list, targets: list,
                     order: list[int], batch_size: int, classify: Callable | None,
                     epoch: int, penalty: Penalty | None = None) -> tuple[float, float | None]:
    """One pass over the data in ``order``: a gradient step per mini-batch.

    Returns the epoch's mean loss (penalty included) and the accuracy of the
    outputs seen during it.
    """
    total_loss, correct = 0.0, 0
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        batch_targets = [targets[i] for i in batch]
        try:
            outputs = [model(inputs[i]) for i in batch]
            batch_loss = _loss(loss_fn, outputs, batch_targets)   # the mean: one graph
            if penalty is not None:
                batch_loss = batch_loss + penalty.value()
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
    if isinstance(scheduler, type):
        # its step() would fail only after the first epoch, missing self
        raise TypeError(f"fit: scheduler must be a schedule, not the class {scheduler.__name__}; "
                        f"make one: {scheduler.__name__}(optimizer, ...)")
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
    if isinstance(optimizer, type):
        raise TypeError(f"fit: optimizer must be an optimizer, not the class {optimizer.__name__}; "
                        f"make one: {optimizer.__name__}(model.parameters(), lr=...)")
    for method in ("zero_grad", "step"):
        if not callable(getattr(optimizer, method, None)):
            raise TypeError(f"fit: optimizer must have a {method}() method, got {optimizer!r}")
    held = getattr(optimizer, "params", None)
    if held is not None and callable(getattr(model, "parameters", None)):
        mine = set(model.parameters())
        if not any(p in mine for p in held):
            raise ValueError(f"fit: the optimizer {optimizer!r} holds none of the model's "
                             f"{len(mine)} parameters, so training would change nothing; make it "
                             "from this model: nn.optim.Adam(model.parameters(), ...)")
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
