"""Workload 6: handwritten digits, an MLP 64 -> 32 -> 10 with softmax cross-entropy and Adam.

The data are the 1,437 training digits of lesson 15 (``nn.data.load_digits()``,
pixels divided by 16, ``train_test_split(test_size=0.2, seed=0, stratify=y)``),
taken in order in mini-batches of 32: 45 steps make one epoch.  Every library
starts from the same weights (those of ``nn.MLP(64, [32, 10], activation='relu',
seed=0)``) and runs Adam with lr 0.005, so one step computes the same loss and
gradients everywhere; ``digit_checks`` compares them with numpy's before anything
is timed.

* ``FitEpoch``: chainrule as a learner runs it, ``nn.fit(..., epochs=1)``, with the
  scalar engine or with ``replay=True`` (recording the tape and checking it against
  the scalar engine are part of that call, so part of its time);
* ``ChainruleDigits``: the step ``fit`` runs, written out (forward, loss, zero_grad,
  backward, Adam), on ``nn.MLP`` and ``nn.optim.Adam``;
* ``TapeReplayDigits``: the step ``fit(..., replay=True)`` runs, with the tape
  recorded once outside the timing;
* ``NumpyDigits``: forward and backward written by hand, the reference of the check;
* PyTorch, batched and with one 0-d tensor per scalar, lives in ``torch_cases.py``.

>>> problem = digits_problem(samples=64, batch_size=32)
>>> problem['X'].shape, len(problem['batches']), [W.shape for W, b in problem['layers']]
((64, 64), 2, [(32, 64), (10, 32)])
"""
from __future__ import annotations

import numpy as np

import nn
from autograd.tape import Tape
from bench.demo_models import load_layers
from bench.problems import flatten
from nn.layers import as_values

__all__ = ["DIGIT_SIZES", "DIGIT_LR", "digits_problem", "digit_weights", "NumpyDigits",
           "ChainruleDigits", "TapeReplayDigits", "FitEpoch", "digit_checks", "one_hot"]

DIGIT_SIZES = (64, 32, 10)
DIGIT_LR = 0.005       # lesson 15's learning rate
DIGIT_SEED = 0


def digit_weights(seed: int = DIGIT_SEED) -> list[tuple[np.ndarray, np.ndarray]]:
    """One ``(W, b)`` per layer, from ``nn.MLP(64, [32, 10], seed=seed)``: row j is neuron j.

    >>> [(W.shape, b.shape) for W, b in digit_weights()]
    [((32, 64), (32,)), ((10, 32), (10,))]
    """
    model = nn.MLP(DIGIT_SIZES[0], list(DIGIT_SIZES[1:]), activation="relu", seed=seed)
    return [(np.array([[w.data for w in neuron.w] for neuron in layer.neurons]),
             np.array([neuron.b.data for neuron in layer.neurons])) for layer in model.layers]


def digits_problem(samples: int = 1437, batch_size: int = 32) -> dict:
    """Lesson 15's training digits (the first ``samples``), their mini-batches and the shared weights.

    >>> problem = digits_problem(samples=40, batch_size=16)
    >>> [len(batch) for batch in problem['batches']], problem['y'].dtype.name
    ([16, 16, 8], 'int64')
    """
    digits = nn.data.load_digits()
    X_train, _, y_train, _ = nn.model_selection.train_test_split(
        digits.data / 16.0, digits.target, test_size=0.2, seed=0, stratify=digits.target)
    X, y = X_train[:samples], y_train[:samples]
    batches = [list(range(start, min(start + batch_size, len(X))))
               for start in range(0, len(X), batch_size)]
    return {"X": X, "y": y, "X_rows": X.tolist(), "y_list": y.tolist(), "batches": batches,
            "batch_size": batch_size, "layers": digit_weights()}


def one_hot(y: np.ndarray, classes: int = DIGIT_SIZES[-1]) -> np.ndarray:
    """Rows of the identity: class k becomes a 1 in column k.

    >>> one_hot(np.array([2, 0]), 3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    return np.eye(classes)[y]


def _model():
    return nn.MLP(DIGIT_SIZES[0], list(DIGIT_SIZES[1:]), activation="relu", seed=DIGIT_SEED)


class NumpyDigits:
    """The mean cross-entropy and its gradients, forward and backward written by hand.

    >>> problem = digits_problem(samples=8, batch_size=8)
    >>> loss, grads = NumpyDigits(problem['layers']).loss_and_gradients(problem['X'], problem['y'])
    >>> round(loss, 3), len(grads)
    (2.494, 2410)
    """

    library = "numpy by hand"

    def __init__(self, layers):
        self.layers = layers

    def loss_and_gradients(self, X: np.ndarray, y: np.ndarray) -> tuple[float, list[float]]:
        """The loss of one batch and its gradients in the canonical order (no update)."""
        (W1, b1), (W2, b2) = self.layers
        pre = X @ W1.T + b1
        H = np.maximum(pre, 0.0)
        S = H @ W2.T + b2
        shifted = S - S.max(axis=1, keepdims=True)   # softmax without overflow
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        n = len(X)
        loss = float(-log_p[np.arange(n), y].mean())
        dS = (np.exp(log_p) - one_hot(y)) / n          # d loss / d scores: (p - onehot) / n
        dH = (dS @ W2) * (pre > 0)
        grads = [(dH.T @ X, dH.sum(axis=0)), (dS.T @ H, dS.sum(axis=0))]
        return loss, flatten(grads)


class ChainruleDigits:
    """The step ``fit`` runs on a mini-batch: forward, mean cross-entropy, zero_grad, backward, Adam.

    >>> problem = digits_problem(samples=4, batch_size=4)
    >>> demo = ChainruleDigits(problem)
    >>> demo.step(problem['batches'][0]) > 0, len(demo.gradients())
    (True, 2410)
    """

    library = "chainrule (nn.MLP, nn.optim.Adam)"

    def __init__(self, problem: dict):
        self.problem = problem
        self.model = _model()
        # As in fit: the inputs become Values once, they are constants of every graph.
        self.inputs = [as_values(row, DIGIT_SIZES[0], "bench") for row in problem["X_rows"]]
        self.reset()

    def reset(self) -> None:
        """The shared weights and a new Adam (its moments at zero)."""
        load_layers(self.model, self.problem["layers"])
        self.optimizer = nn.optim.Adam(self.model.parameters(), lr=DIGIT_LR)

    def step(self, batch: list[int]) -> float:
        """One Adam step on the digits at ``batch``; the loss before the update."""
        y = self.problem["y_list"]
        outputs = [self.model(self.inputs[i]) for i in batch]
        loss = nn.cross_entropy(outputs, [y[i] for i in batch])
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.data

    def epoch(self) -> None:
        """One pass over the data, batch by batch, in order."""
        for batch in self.problem["batches"]:
            self.step(batch)

    def gradients(self) -> list[float]:
        """The gradients of the latest step in the canonical order."""
        return [p.grad for p in self.model.parameters()]


class TapeReplayDigits(ChainruleDigits):
    """The step of ``fit(..., replay=True)``: one digit's graph recorded once (not timed),
    replayed over each mini-batch with numpy.

    A tape sample is a digit's 64 pixels and its one-hot target, as in ``fit``, so
    that the class is data and not a choice of graph node.

    >>> problem = digits_problem(samples=4, batch_size=4)
    >>> demo = TapeReplayDigits(problem)
    >>> round(demo.step(problem['batches'][0]), 12) == round(ChainruleDigits(problem).step([0, 1, 2, 3]), 12)
    True
    """

    library = "chainrule tape replay"

    def __init__(self, problem: dict):
        super().__init__(problem)
        self.samples = np.hstack([problem["X"], one_hot(problem["y"])])
        model, n_pixels = self.model, DIGIT_SIZES[0]

        def sample_loss(*leaves):
            return nn.cross_entropy(model(list(leaves[:n_pixels])), list(leaves[n_pixels:]))
        second = self.samples[1] if len(self.samples) > 1 else None
        self.tape = Tape.record(sample_loss, self.samples[0], model.parameters(),
                                second_sample=second, check_samples=self.samples[:4])

    def step(self, batch: list[int]) -> float:
        """One Adam step on the digits at ``batch``; the loss before the update."""
        self.optimizer.zero_grad()
        losses = self.tape.forward(self.samples[batch])
        self.tape.accumulate_grads(1.0 / len(batch))   # the gradient of the batch mean
        self.optimizer.step()
        return float(losses.mean())


class FitEpoch:
    """One epoch of ``nn.fit`` on the whole problem, in order (``shuffle=False``), as a learner runs it.

    >>> problem = digits_problem(samples=8, batch_size=4)
    >>> FitEpoch(problem, replay=True).epoch()['loss'][0] > 0
    True
    """

    def __init__(self, problem: dict, replay: bool):
        self.problem, self.replay = problem, replay
        self.library = "chainrule nn.fit(replay=True)" if replay else "chainrule nn.fit"
        self.model = _model()
        self.reset()

    def reset(self) -> None:
        """The shared weights and a new Adam."""
        load_layers(self.model, self.problem["layers"])
        self.optimizer = nn.optim.Adam(self.model.parameters(), lr=DIGIT_LR)

    def epoch(self):
        """``fit(..., epochs=1)``; returns its History."""
        return nn.fit(self.model, self.problem["X"], self.problem["y"], loss="cross_entropy",
                      optimizer=self.optimizer, epochs=1, batch_size=self.problem["batch_size"],
                      shuffle=False, progress=False, replay=self.replay)


def digit_checks(participants: list, problem: dict, workload: str) -> list[dict]:
    """One step on the first mini-batch: each participant's loss and gradients against numpy's.

    Each participant is reset before and after, so the timed runs start clean.

    >>> problem = digits_problem(samples=8, batch_size=8)
    >>> rows = digit_checks([ChainruleDigits(problem), TapeReplayDigits(problem)], problem, '6b')
    >>> [row['agrees'] for row in rows]
    [True, True]
    """
    batch = problem["batches"][0]
    ref_loss, ref_grads = NumpyDigits(problem["layers"]).loss_and_gradients(
        problem["X"][batch], problem["y"][batch])
    ref_grads = np.array(ref_grads)
    rows = []
    for demo in participants:
        demo.reset()
        loss = demo.step(batch)
        grads = np.array(demo.gradients())
        demo.reset()
        loss_error = abs(loss - ref_loss) / max(1.0, abs(ref_loss))
        grad_error = (float(np.max(np.abs(grads - ref_grads))) / max(1.0, float(np.max(np.abs(ref_grads))))
                      if grads.shape == ref_grads.shape else float("inf"))
        rows.append({"workload": workload, "library": demo.library, "loss": float(loss),
                     "accuracy": None, "relative_loss_error": loss_error,
                     "relative_gradient_error": grad_error, "gradients": len(grads),
                     "agrees": bool(loss_error < 1e-9 and grad_error < 1e-9)})
    return rows
