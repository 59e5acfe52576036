"""The benchmark graphs, written once and built with any engine's Value.

Only ``+``, ``*``, ``relu`` and the engine's leaf constructor are used, always
with the Value on the left, so every engine builds a graph of exactly the same
shape (the benchmark counts the nodes and checks that they agree).

* ``elementary_step`` -- micrograd's demo step (MLP 2-16-16-1, mean hinge loss,
  L2 penalty, backward, SGD) spelled out in elementary operations;
* ``chain`` -- a deep chain, alternately ``y * a`` and ``y + b``;
* ``wide_products`` -- the leaves and products of the sum x1*y1 + ... + xn*yn.

>>> from bench.engines import chainrule
>>> root = chain(chainrule().leaf, 4)
>>> chainrule().count_nodes(root)
7
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from bench.problems import ALPHA

__all__ = ["elementary_parameters", "elementary_step", "fold_sum", "chain", "wide_products",
           "CHAIN_FACTOR", "CHAIN_OFFSET"]

# A factor just below 1 keeps every gradient in the chain non-zero and finite
# (0.9999999 ** 500000 is about 0.95), so no engine can skip any part of it.
CHAIN_FACTOR = 0.9999999
CHAIN_OFFSET = 0.5


def elementary_parameters(leaf: Callable[[float], Any], layers) -> list[list[tuple[list, Any]]]:
    """Weights as leaves: per layer, per neuron, ``(weights, bias)``.

    >>> from bench.problems import initial_weights
    >>> net = elementary_parameters(float, initial_weights((2, 3, 1)))
    >>> [len(layer) for layer in net], len(net[0][0][0])
    ([3, 1], 2)
    """
    return [[([leaf(float(w)) for w in row], leaf(float(bias))) for row, bias in zip(W, b)]
            for W, b in layers]


def fold_sum(values: Sequence):
    """v1 + v2 + ... + vn as n - 1 two-input additions, left to right.

    >>> fold_sum([1.0, 2.0, 3.0])
    6.0
    """
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total


def elementary_forward(network, inputs: list):
    """The network's output for one sample: b + w1*x1 + ... per neuron, ReLU except at the end.

    >>> class F(float):
    ...     def relu(self): return F(max(self, 0.0))
    >>> elementary_forward([[([F(1.0), F(-1.0)], F(0.0))]], [F(2.0), F(3.0)])
    -1.0
    """
    h = inputs
    last = len(network) - 1
    for k, layer in enumerate(network):
        outputs = []
        for weights, bias in layer:
            act = bias
            for w, x in zip(weights, h):
                act = act + w * x
            outputs.append(act if k == last else act.relu())
        h = outputs
    return h[0]


def elementary_loss(leaf, network, X_rows, y) -> tuple[Any, float]:
    """Mean hinge loss + ALPHA * sum of squared parameters, and the accuracy.

    >>> from bench.engines import chainrule
    >>> from bench.problems import initial_weights
    >>> network = elementary_parameters(chainrule().leaf, initial_weights())
    >>> total, accuracy = elementary_loss(chainrule().leaf, network, [[0.0, 0.0]], [1.0])
    >>> round(total.data, 1)   # every bias is 0, so the score is 0 and the hinge is 1
    1.0
    """
    scores = [elementary_forward(network, [leaf(a), leaf(b)]) for a, b in X_rows]
    losses = [(s * -yi + 1.0).relu() for s, yi in zip(scores, y)]
    data_loss = fold_sum(losses) * (1.0 / len(losses))
    parameters = [p for layer in network for weights, bias in layer for p in (*weights, bias)]
    reg_loss = fold_sum([p * p for p in parameters]) * ALPHA
    accuracy = sum((yi > 0) == (float(s.data) > 0) for s, yi in zip(scores, y)) / len(y)
    return data_loss + reg_loss, accuracy


def elementary_step(engine, network, X_rows, y, lr: float,
                    zero: Callable | None = None, update: Callable | None = None) -> tuple[float, float]:
    """Loss, zero gradients, backward, SGD update; returns (loss, accuracy) before the update.

    ``zero`` and ``update`` default to setting ``p.grad`` and ``p.data`` directly,
    which micrograd, chainrule and the floor all allow (PyTorch passes its own).

    >>> from bench.engines import floor
    >>> from bench.problems import initial_weights
    >>> network = elementary_parameters(floor().leaf, initial_weights())
    >>> elementary_step(floor(), network, [[0.0, 0.0]], [1.0], lr=0.1)[1]
    0.0
    """
    parameters = [p for layer in network for weights, bias in layer for p in (*weights, bias)]
    total, accuracy = elementary_loss(engine.leaf, network, X_rows, y)
    if zero is None:
        for p in parameters:
            p.grad = 0.0
    else:
        zero(parameters)
    engine.backward(total)
    if update is None:
        for p in parameters:
            p.data -= lr * p.grad
    else:
        update(parameters, lr)
    return float(total.data), accuracy


def chain(leaf: Callable[[float], Any], n: int):
    """The root of a chain of ``n`` interior nodes: y = ((x * a) + b) * a + b ...

    >>> round(chain(float, 4), 6)   # ((1 * a) + b) * a + b with a about 1, b = 0.5
    2.0
    """
    x, a, b = leaf(1.0), leaf(CHAIN_FACTOR), leaf(CHAIN_OFFSET)
    y = x
    for _ in range(n // 2):
        y = y * a
        y = y + b
    if n % 2:
        y = y * a
    return y


def wide_products(leaf: Callable[[float], Any], xs: list[float], ys: list[float]) -> list:
    """The products x_i * y_i, each of two fresh leaves, ready to be summed.

    >>> wide_products(float, [1.0, 2.0], [3.0, 4.0])
    [3.0, 8.0]
    """
    return [leaf(x) * leaf(y) for x, y in zip(xs, ys)]


class ElementaryDemo:
    """Workload 1(b) for one engine: ``reset()``, ``step(lr)``, ``gradients()``.

    ``parameter`` makes a trainable leaf (defaults to the engine's leaf);
    ``zero`` and ``update`` as in ``elementary_step``.

    >>> from bench.engines import floor
    >>> from bench.problems import initial_weights
    >>> demo = ElementaryDemo(floor(), initial_weights(), [[0.5, -0.5]], [1.0])
    >>> loss, accuracy = demo.step(0.0)
    >>> len(demo.gradients())
    337
    """

    def __init__(self, engine, layers, X_rows: list, y: list[float], parameter=None,
                 zero: Callable | None = None, update: Callable | None = None):
        self.engine, self.library = engine, engine.name
        self.parameter = parameter or engine.leaf
        self.zero, self.update = zero, update
        self.layers, self.X_rows, self.y = layers, X_rows, y
        self.reset()

    def reset(self) -> None:
        """Fresh parameters at the shared initial weights."""
        self.network = elementary_parameters(self.parameter, self.layers)

    def step(self, lr: float) -> tuple[float, float]:
        """One elementary step; the loss and accuracy before the update."""
        return elementary_step(self.engine, self.network, self.X_rows, self.y, lr,
                               zero=self.zero, update=self.update)

    def parameters(self) -> list:
        """The trainable leaves in the canonical order."""
        return [p for layer in self.network for weights, bias in layer for p in (*weights, bias)]

    def gradients(self) -> list[float]:
        """Gradients in the canonical order."""
        return [float(p.grad) for p in self.parameters()]

    def count_nodes(self) -> int:
        """Nodes in one step's graph (the loss and everything it depends on)."""
        total, _ = elementary_loss(self.engine.leaf, self.network, self.X_rows, self.y)
        count = self.engine.count_nodes(total)
        self.engine.discard()
        return count
