"""Workload 1(a): each library's demo step written the way its own users write it.

micrograd: ``micrograd.nn.MLP(2, [16, 16, 1])``, inputs wrapped in its ``Value``,
the hinge loss and L2 penalty summed with Python's ``sum()``, ``zero_grad``,
``backward``, and ``p.data -= lr * p.grad`` -- the steps of its demo notebook.

chainrule: ``nn.MLP(2, [16, 16, 1], activation='relu')`` and ``nn.optim.SGD``, the
means taken with ``autograd.sum`` (one node for a whole sum).  Until ``nn``
provides them, a minimal MLP made of ``autograd.linear`` + ``relu`` and a plain
SGD loop stand in: ``chainrule_model_and_optimizer`` is the one place that
chooses.

Both start from the shared weights of ``bench.problems`` (loaded into the
model's ``layers[k].neurons[j].w`` / ``.b``), so they compute the same loss.

>>> from bench.problems import initial_weights, make_moons
>>> X, y = make_moons(4)
>>> demo = ChainruleDemo(initial_weights(), X.tolist(), y.tolist())
>>> loss, accuracy = demo.step(0.0)
>>> loss > 0, len(demo.gradients()) == 337
(True, True)
"""
from __future__ import annotations

import numpy as np

import autograd
from bench.problems import ALPHA, SIZES

__all__ = ["MicrogradDemo", "ChainruleDemo", "TapeReplayDemo", "chainrule_model_and_optimizer",
           "tape_replay_demo", "load_layers"]


def load_layers(model, layers) -> None:
    """Copy (W, b) per layer into a Neuron -> Layer -> MLP model (micrograd and chainrule alike).

    >>> import nn
    >>> model = nn.MLP(1, [1], seed=0); load_layers(model, [([[2.0]], [0.5])])
    >>> model.layers[0].neurons[0].w[0].data, model.layers[0].neurons[0].b.data
    (2.0, 0.5)
    """
    for layer, (W, b) in zip(model.layers, layers):
        for neuron, row, bias in zip(layer.neurons, W, b):
            for w, value in zip(neuron.w, row):
                w.data = float(value)
            neuron.b.data = float(bias)


class MicrogradDemo:
    """micrograd's demo step, on its own MLP and Values."""

    library = "micrograd"

    def __init__(self, layers, X_rows: list, y: list[float]):
        from micrograd.engine import Value
        from micrograd.nn import MLP

        self.Value = Value
        self.model = MLP(SIZES[0], list(SIZES[1:]))
        self.layers, self.X_rows, self.y = layers, X_rows, y
        self.reset()

    def reset(self) -> None:
        """Back to the shared initial weights."""
        load_layers(self.model, self.layers)

    def forward(self):
        """The loss of the whole batch and the scores, as micrograd Values."""
        Value, model = self.Value, self.model
        inputs = [list(map(Value, row)) for row in self.X_rows]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * score).relu() for yi, score in zip(self.y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        return data_loss + reg_loss, scores

    def step(self, lr: float) -> tuple[float, float]:
        """One step; returns the loss and accuracy of its forward pass."""
        model = self.model
        total, scores = self.forward()
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        return total.data, _accuracy(scores, self.y)

    def gradients(self) -> list[float]:
        """Parameter gradients in the canonical order (layer, neuron, w then b)."""
        return [float(p.grad) for p in self.model.parameters()]


class ChainruleDemo:
    """chainrule's demo step, on nn.MLP and nn.optim.SGD (or their stand-ins)."""

    def __init__(self, layers, X_rows: list, y: list[float]):
        self.model, self.optimizer, self.library = chainrule_model_and_optimizer()
        self.layers, self.X_rows, self.y = layers, X_rows, y
        self.reset()

    def reset(self) -> None:
        """Back to the shared initial weights."""
        load_layers(self.model, self.layers)

    def forward(self):
        """The loss of the whole batch and the scores, as chainrule Values."""
        model = self.model
        scores = [model(row) for row in self.X_rows]
        losses = [(1 + -yi * score).relu() for yi, score in zip(self.y, scores)]
        data_loss = autograd.sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * autograd.sum([p * p for p in model.parameters()])
        return data_loss + reg_loss, scores

    def step(self, lr: float) -> tuple[float, float]:
        """One step; returns the loss and accuracy of its forward pass."""
        optimizer = self.optimizer
        total, scores = self.forward()
        optimizer.zero_grad()
        total.backward()
        optimizer.lr = lr
        optimizer.step()
        return total.data, _accuracy(scores, self.y)

    def gradients(self) -> list[float]:
        """Parameter gradients in the canonical order (layer, neuron, w then b)."""
        return [p.grad for p in self.model.parameters()]


def _accuracy(scores, y) -> float:
    return sum((yi > 0) == (s.data > 0) for s, yi in zip(scores, y)) / len(y)


def chainrule_model_and_optimizer(lr: float = 0.05):
    """The chainrule demo's model and optimizer, and a label saying which were used.

    ``nn.MLP`` / ``nn.optim.SGD`` when the ``nn`` package provides them, otherwise
    the minimal stand-ins below (this is the only place that decides).

    >>> model, optimizer, label = chainrule_model_and_optimizer()
    >>> len(model.parameters()), label.startswith('chainrule')
    (337, True)
    """
    try:
        import nn
        model = nn.MLP(SIZES[0], list(SIZES[1:]), activation="relu", seed=0)
        model_label = "nn.MLP"
    except (ImportError, AttributeError):
        model, model_label = _MinimalMLP(SIZES), "bench minimal MLP"
    try:
        from nn.optim import SGD
        optimizer = SGD(model.parameters(), lr=lr)
        optimizer_label = "nn.optim.SGD"
    except (ImportError, AttributeError):
        optimizer, optimizer_label = _PlainSGD(model.parameters(), lr), "plain SGD loop"
    return model, optimizer, f"chainrule ({model_label}, {optimizer_label})"


def tape_replay_demo(layers, X_rows: list, y: list[float]):
    """The "tape replay" path, or the reason it cannot run: ``(demo, None)`` or ``(None, reason)``.

    >>> demo, reason = tape_replay_demo(None, [], [])
    >>> demo is None and isinstance(reason, str)
    True
    """
    try:
        from autograd import tape
    except ImportError as exc:
        return None, f"autograd.tape is not importable ({exc})"
    try:
        return TapeReplayDemo(tape, layers, X_rows, y), None
    except Exception as exc:  # noqa: BLE001 - a module still being written: report, don't crash
        return None, f"autograd.tape could not run the demo: {type(exc).__name__}: {exc}"


class TapeReplayDemo:
    """chainrule's demo step as ``nn.fit(..., replay=True)`` takes it (``nn.train.replay_trainer``):
    one sample's loss graph recorded once (outside the timed step), then each step the
    tape forward and backward over the whole batch, the check of one sample against the
    scalar engine, the penalty and the SGD update on arrays, and the new weights written
    back into the model's Values.

    The benchmark penalises every parameter (``fit``'s ``l2`` only the weights), so the
    trainer is given a ``Penalty`` over all 337.  The accuracy is read from the model's
    outputs: y * score > 0.
    """

    library = "chainrule tape replay"

    def __init__(self, tape_module, layers, X_rows: list, y: list[float]):
        from nn.train import Penalty, replay_trainer

        self.model, self.optimizer, _ = chainrule_model_and_optimizer()
        load_layers(self.model, layers)
        self.trainer = replay_trainer(self.model, np.asarray(X_rows, dtype=float),
                                      np.asarray(y, dtype=float), loss="hinge",
                                      optimizer=self.optimizer,
                                      penalty=Penalty(self.model.parameters(), l2=ALPHA))
        self.order = list(range(len(X_rows)))

    def reset(self) -> None:
        """Back to the shared initial weights (and the optimizer's state as it was)."""
        self.trainer.restore()

    def step(self, lr: float) -> tuple[float, float]:
        """One step; returns the loss and accuracy of its forward pass."""
        self.optimizer.lr = lr
        loss, accuracy = self.trainer.train_epoch(self.order, len(self.order), 0)
        return loss, accuracy

    def gradients(self) -> list[float]:
        """Parameter gradients in the canonical order (layer, neuron, w then b)."""
        return self.trainer.grads.tolist()


# -- stand-ins until nn provides MLP and SGD --------------------------------------

class _Neuron:
    def __init__(self, nin: int, activate: bool):
        self.w = [autograd.Value(0.0) for _ in range(nin)]
        self.b = autograd.Value(0.0)
        self.activate = activate

    def __call__(self, x):
        out = autograd.linear(self.w, x, self.b)   # the weighted sum as one node
        return out.relu() if self.activate else out


class _Layer:
    def __init__(self, nin: int, nout: int, activate: bool):
        self.neurons = [_Neuron(nin, activate) for _ in range(nout)]

    def __call__(self, x):
        return [n(x) for n in self.neurons]


class _MinimalMLP:
    def __init__(self, sizes):
        last = len(sizes) - 2
        self.layers = [_Layer(a, b, k != last) for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]

    def __call__(self, x):
        x = [v if isinstance(v, autograd.Value) else autograd.Value(v) for v in x]
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list:
        return [p for layer in self.layers for n in layer.neurons for p in (*n.w, n.b)]


class _PlainSGD:
    def __init__(self, parameters, lr: float):
        self.parameters, self.lr = list(parameters), lr

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = 0.0

    def step(self) -> None:
        for p in self.parameters:
            p.data -= self.lr * p.grad
