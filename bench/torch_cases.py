"""PyTorch references, timed in their own process (``run.py --torch-only``).

Importing torch leaves tens of thousands of live Python objects behind, and
every garbage collection walks them all; timing the scalar engines in a
process that has imported torch would charge them for it.  So this module is
only imported by the ``--torch-only`` run, whose rows ``run.py`` merges in.

* ``TorchScalarDemo`` -- workload 1(b)'s graph with one 0-d float64 tensor per
  scalar: PyTorch as a scalar engine, node for node the same graph;
* ``TorchBatchedDemo`` -- the same MLP on the whole 100 x 2 batch as float64
  tensors, with ``torch.nn`` and ``torch.optim.SGD``: what the step costs when
  it is a few matrix products.

PyTorch runs on one thread, like the pure-Python engines.

>>> from bench.problems import initial_weights, make_moons
>>> X, y = make_moons(4)
>>> loss, accuracy = TorchBatchedDemo(initial_weights(), X, y).step(0.0)
>>> loss > 0
True
"""
from __future__ import annotations

import numpy as np
import torch

from bench import graphs
from bench.engines import Engine
from bench.problems import ALPHA, SIZES

__all__ = ["TorchScalarDemo", "TorchBatchedDemo", "torch_engine", "TorchBatchedDigits", "TorchScalarDigits"]

torch.set_num_threads(1)
_F64 = torch.float64


def torch_engine() -> Engine:
    """0-d float64 tensors as the scalar Values of ``bench.graphs`` (nodes not countable).

    >>> engine = torch_engine(); x = torch.tensor(3.0, dtype=_F64, requires_grad=True)
    >>> engine.backward(x * x); x.grad.item()
    6.0
    """
    return Engine("PyTorch 0-d tensors", lambda x: torch.tensor(x, dtype=_F64),
                  torch.Tensor.backward, lambda root: 0)


def _parameter(x: float) -> torch.Tensor:
    return torch.tensor(x, dtype=_F64, requires_grad=True)


def _zero(parameters) -> None:
    for p in parameters:
        p.grad = None


def _update(parameters, lr: float) -> None:
    with torch.no_grad():
        for p in parameters:
            p -= lr * p.grad


def TorchScalarDemo(layers, X_rows: list, y: list[float]) -> graphs.ElementaryDemo:
    """Workload 1(b)'s elementary graph, one 0-d tensor per scalar.

    >>> from bench.problems import initial_weights
    >>> demo = TorchScalarDemo(initial_weights(), [[0.5, -0.5]], [1.0])
    >>> len(demo.gradients()) if demo.step(0.0) else None
    337
    """
    return graphs.ElementaryDemo(torch_engine(), layers, X_rows, y, parameter=_parameter,
                                 zero=_zero, update=_update)


class TorchBatchedDemo:
    """The MLP as ``torch.nn.Sequential`` over the whole batch, float64, ``torch.optim.SGD``."""

    library = "PyTorch batched"

    def __init__(self, layers, X: np.ndarray, y: np.ndarray):
        modules: list[torch.nn.Module] = []
        for k, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
            modules.append(torch.nn.Linear(n_in, n_out, dtype=_F64))
            if k < len(SIZES) - 2:
                modules.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*modules)
        self.linears = [m for m in modules if isinstance(m, torch.nn.Linear)]
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.05)
        self.X = torch.tensor(X, dtype=_F64)
        self.y = torch.tensor(y, dtype=_F64)
        self.layers = layers
        self.reset()

    def reset(self) -> None:
        """Back to the shared initial weights."""
        with torch.no_grad():
            for linear, (W, b) in zip(self.linears, self.layers):
                linear.weight.copy_(torch.from_numpy(np.asarray(W, dtype=np.float64)))
                linear.bias.copy_(torch.from_numpy(np.asarray(b, dtype=np.float64)))

    def step(self, lr: float) -> tuple[float, float]:
        """One step over the batch; the loss and accuracy before the update."""
        scores = self.model(self.X)[:, 0]
        data_loss = torch.relu(1.0 - self.y * scores).mean()
        reg_loss = ALPHA * sum((p * p).sum() for p in self.model.parameters())
        total = data_loss + reg_loss
        self.optimizer.zero_grad()
        total.backward()
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.optimizer.step()
        accuracy = ((scores > 0) == (self.y > 0)).double().mean().item()
        return total.item(), accuracy

    def gradients(self) -> list[float]:
        """Gradients in the canonical order (per neuron: its weight row, then its bias)."""
        out: list[float] = []
        for linear in self.linears:
            for row, bias in zip(linear.weight.grad, linear.bias.grad):
                out.extend(row.tolist())
                out.append(bias.item())
        return out


# -- workload 6: handwritten digits --------------------------------------------------

class TorchBatchedDigits:
    """MLP 64 -> 32 -> 10 as ``torch.nn.Sequential``, float64, mean cross-entropy, ``torch.optim.Adam``.

    >>> from bench.digits import digits_problem
    >>> problem = digits_problem(samples=8, batch_size=8)
    >>> demo = TorchBatchedDigits(problem)
    >>> round(demo.step(problem['batches'][0]), 3), len(demo.gradients())
    (2.494, 2410)
    """

    library = "PyTorch batched"

    def __init__(self, problem: dict):
        from bench.digits import DIGIT_LR, DIGIT_SIZES

        n_in, n_hidden, n_out = DIGIT_SIZES
        self.model = torch.nn.Sequential(torch.nn.Linear(n_in, n_hidden, dtype=_F64), torch.nn.ReLU(),
                                         torch.nn.Linear(n_hidden, n_out, dtype=_F64))
        self.linears = [self.model[0], self.model[2]]
        self.X = torch.tensor(problem["X"], dtype=_F64)
        self.y = torch.tensor(problem["y"], dtype=torch.int64)
        self.problem, self.lr = problem, DIGIT_LR
        self.reset()

    def reset(self) -> None:
        """The shared weights and a new Adam."""
        with torch.no_grad():
            for linear, (W, b) in zip(self.linears, self.problem["layers"]):
                linear.weight.copy_(torch.from_numpy(np.asarray(W, dtype=np.float64)))
                linear.bias.copy_(torch.from_numpy(np.asarray(b, dtype=np.float64)))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=self.lr)

    def step(self, batch: list[int]) -> float:
        """One Adam step on the digits at ``batch``; the loss before the update."""
        index = torch.tensor(batch)
        loss = torch.nn.functional.cross_entropy(self.model(self.X[index]), self.y[index])
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def epoch(self) -> None:
        """One pass over the data, batch by batch, in order."""
        for batch in self.problem["batches"]:
            self.step(batch)

    def gradients(self) -> list[float]:
        """Gradients in the canonical order (per neuron: its weight row, then its bias)."""
        out: list[float] = []
        for linear in self.linears:
            for row, bias in zip(linear.weight.grad, linear.bias.grad):
                out.extend(row.tolist())
                out.append(bias.item())
        return out


class TorchScalarDigits:
    """The same step with one 0-d float64 tensor per scalar: PyTorch used as a scalar engine.

    Each neuron is b + w1*x1 + w2*x2 + ... as two-input ``+`` and ``*``; the softmax
    subtracts the largest score as a plain number (a constant shift, which changes
    no gradient); the mean is a sum times 1/n; ``torch.optim.Adam`` updates the 2,410
    0-d leaves.

    >>> from bench.digits import digits_problem
    >>> problem = digits_problem(samples=2, batch_size=2)
    >>> demo = TorchScalarDigits(problem)
    >>> demo.step([0, 1]) > 0, len(demo.gradients())
    (True, 2410)
    """

    library = "PyTorch 0-d tensors"

    def __init__(self, problem: dict):
        from bench.digits import DIGIT_LR

        self.problem, self.lr = problem, DIGIT_LR
        self.inputs = [[torch.tensor(x, dtype=_F64) for x in row] for row in problem["X_rows"]]
        self.reset()

    def reset(self) -> None:
        """Fresh 0-d leaves at the shared weights and a new Adam."""
        self.network = graphs.elementary_parameters(_parameter, self.problem["layers"])
        self.parameters = [p for layer in self.network for weights, bias in layer
                           for p in (*weights, bias)]
        self.optimizer = torch.optim.Adam(self.parameters, lr=self.lr)

    def _sample_loss(self, inputs: list, target: int):
        h = inputs
        for k, layer in enumerate(self.network):
            sums = [graphs.fold_sum([bias] + [w * x for w, x in zip(weights, h)])
                    for weights, bias in layer]
            h = sums if k == len(self.network) - 1 else [s.relu() for s in sums]
        largest = max(s.item() for s in h)
        log_total = graphs.fold_sum([(s - largest).exp() for s in h]).log()
        return log_total - (h[target] - largest)   # -log softmax(scores)[target]

    def step(self, batch: list[int]) -> float:
        """One Adam step on the digits at ``batch``; the loss before the update."""
        y = self.problem["y_list"]
        losses = [self._sample_loss(self.inputs[i], y[i]) for i in batch]
        loss = graphs.fold_sum(losses) * (1.0 / len(batch))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def epoch(self) -> None:
        """The mini-batches of the problem, in order (a subset of the digits, for time)."""
        for batch in self.problem["batches"]:
            self.step(batch)

    def gradients(self) -> list[float]:
        """Gradients in the canonical order."""
        return [p.grad.item() for p in self.parameters]
