"""The demo MLP and its loss on the whole batch at once, differentiated by hand with numpy.

This is the reference for "what the same arithmetic costs when nobody builds a
graph": three matrix products forward, the chain rule written out as matrix
products backward.  Shapes: X (n, 2), W of layer k (n_out, n_in), so a layer is
``Z = A @ W.T + b`` and its backward pass is ``dW = dZ.T @ A``, ``dA = dZ @ W``.

>>> from bench.problems import make_moons, initial_weights
>>> X, y = make_moons(8)
>>> model = NumpyMLP(initial_weights())
>>> loss, accuracy = model.step(X, y, lr=0.0)
>>> loss > 0
True
"""
from __future__ import annotations

import numpy as np

from bench.problems import ALPHA

__all__ = ["NumpyMLP"]


class NumpyMLP:
    """ReLU hidden layers, linear output, mean hinge loss + ALPHA * sum of squared parameters.

    >>> import numpy as np
    >>> model = NumpyMLP([(np.array([[2.0]]), np.array([0.0]))])   # score = 2x
    >>> model.step(np.array([[1.0]]), np.array([1.0]), lr=0.0)     # hinge 0; penalty 1e-4 * 4
    (0.0004, 1.0)
    """

    def __init__(self, layers):
        self.load(layers)

    def load(self, layers) -> None:
        """Copy the weights in (so the caller's arrays are never trained)."""
        self.layers = [(np.array(W, dtype=np.float64), np.array(b, dtype=np.float64))
                       for W, b in layers]
        self.grads = [(np.zeros_like(W), np.zeros_like(b)) for W, b in self.layers]

    def step(self, X: np.ndarray, y: np.ndarray, lr: float) -> tuple[float, float]:
        """Forward, backward, one SGD update; returns the loss and accuracy before the update."""
        activations = [X]
        for k, (W, b) in enumerate(self.layers):
            z = activations[-1] @ W.T + b
            last = k == len(self.layers) - 1
            activations.append(z if last else np.maximum(z, 0.0))
        scores = activations[-1][:, 0]
        margins = 1.0 - y * scores
        n = len(y)
        loss = np.maximum(margins, 0.0).mean() + ALPHA * sum((W * W).sum() + (b * b).sum()
                                                             for W, b in self.layers)
        accuracy = float(np.mean((scores > 0) == (y > 0)))

        # d loss / d score: -y/n where the hinge is active (margin > 0), else 0
        d_z = (np.where(margins > 0.0, -y, 0.0) / n)[:, None]
        for k in range(len(self.layers) - 1, -1, -1):
            W, b = self.layers[k]
            a_in = activations[k]
            self.grads[k] = (d_z.T @ a_in + 2 * ALPHA * W, d_z.sum(axis=0) + 2 * ALPHA * b)
            if k:
                # back through the ReLU of layer k-1: pass where its output was positive
                d_z = (d_z @ W) * (a_in > 0.0)
        for (W, b), (dW, db) in zip(self.layers, self.grads):
            W -= lr * dW
            b -= lr * db
        return float(loss), accuracy
