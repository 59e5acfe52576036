"""The shared problem every library solves: the two-moons data and one set of weights.

The data are made once with numpy and handed to every library as plain Python
floats, and every library's MLP 2 -> 16 -> 16 -> 1 starts from the *same*
weights (uniform in [-1, 1], biases 0, as micrograd's demo initialises them).
With the same data, weights and loss, every library computes the same numbers,
so the benchmark can check that the losses and gradients agree before it times
anything: we compare engines doing identical arithmetic, nothing else.

>>> X, y = make_moons(10, noise=0.1, seed=0)
>>> X.shape, sorted(set(y.tolist()))
((10, 2), [-1.0, 1.0])
"""
from __future__ import annotations

import numpy as np

__all__ = ["make_moons", "initial_weights", "flatten", "SIZES", "LR", "ALPHA",
           "DATA_SEED", "INIT_SEED", "demo_learning_rate"]

SIZES = (2, 16, 16, 1)   # micrograd's demo network
LR = 0.05                # plain SGD step size of workload 1
ALPHA = 1e-4             # weight of the L2 penalty sum(p**2)
DATA_SEED = 0
INIT_SEED = 0


def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int = DATA_SEED):
    """Two interleaving half circles, labels -1 (upper moon) and +1 (lower moon).

    >>> X, y = make_moons(4, noise=0.0)
    >>> X.shape, float(y.sum())
    ((4, 2), 0.0)
    """
    rng = np.random.default_rng(seed)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + rng.normal(scale=noise, size=(n_samples, 2))
    y = np.concatenate([-np.ones(n_upper), np.ones(n_lower)])
    order = rng.permutation(n_samples)
    return X[order], y[order]


def initial_weights(sizes=SIZES, seed: int = INIT_SEED) -> list[tuple[np.ndarray, np.ndarray]]:
    """One ``(W, b)`` per layer, ``W`` of shape (n_out, n_in): row j holds neuron j's weights.

    >>> [(W.shape, b.shape) for W, b in initial_weights((2, 3, 1))]
    [((3, 2), (3,)), ((1, 3), (1,))]
    """
    rng = np.random.default_rng(seed)
    return [(rng.uniform(-1.0, 1.0, size=(n_out, n_in)), np.zeros(n_out))
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def flatten(layers) -> list[float]:
    """Parameters (or their gradients) in one canonical order: per layer, per neuron, w then b.

    This is the order of ``parameters()`` in micrograd and in chainrule's nn, so
    gradients from every library can be compared entry by entry.

    >>> flatten([(np.array([[1.0, 2.0]]), np.array([3.0]))])
    [1.0, 2.0, 3.0]
    """
    out: list[float] = []
    for W, b in layers:
        for row, bias in zip(np.asarray(W), np.asarray(b)):
            out.extend(float(w) for w in row)
            out.append(float(bias))
    return out


def demo_learning_rate(step: int) -> float:
    """micrograd's demo schedule: 1.0 falling linearly to 0.1 over 100 steps.

    >>> demo_learning_rate(0), demo_learning_rate(50)
    (1.0, 0.55)
    """
    return 1.0 - 0.9 * step / 100
