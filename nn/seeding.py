"""The one place randomness comes from: a ``seed`` becomes the generator a model or data set draws from.

Every ``seed=`` in ``nn`` -- a model's initial weights, ``fit``'s shuffling, the
toy data sets, the splitters -- is read here, with one rule: an int (the same
numbers every time), None (fresh randomness), or a generator to draw from.

Two kinds of generator sit behind it, and each part keeps the one it was
written with: models and ``fit`` draw from Python's ``random.Random`` (Mersenne
Twister), data sets and splits from numpy's ``Generator`` (PCG64), which makes
whole arrays at once.  Moving either onto the other would change every seeded
number the lessons and tests print and check (``MLP(2, [16, 1], seed=0)``'s
weights, ``make_moons(seed=0)``'s points), so both stay, and what is shared is
the reading of the seed: any seed works anywhere.  A generator of the other
kind is not rejected but asked for a seed for a new one, so one generator
passed everywhere still makes every result reproducible.

>>> python_random(0, 'MLP').random() == python_random(0, 'MLP').random()
True
>>> float(numpy_random(0, 'make_moons').normal()) == float(numpy_random(0, 'KFold').normal())
True
"""
from __future__ import annotations

import numbers
import random
from typing import Any, Union

import numpy as np

__all__ = ["Seed", "python_random", "numpy_random"]

#: What a ``seed=`` argument may be.
Seed = Union[int, None, random.Random, np.random.Generator]


def _check(seed: Any, where: str) -> None:
    if isinstance(seed, (random.Random, np.random.Generator)) or seed is None:
        return
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{where}: seed must be an int, None, a random.Random or a "
                        f"numpy.random.Generator, got {type(seed).__name__} {seed!r}")


def python_random(seed: Seed, where: str) -> random.Random:
    """A ``random.Random`` for a seed: new from an int or None, the one given, or one seeded by it.

    >>> rng = random.Random(1)
    >>> python_random(rng, 'Layer') is rng
    True
    """
    _check(seed, where)
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, np.random.Generator):
        return random.Random(int(seed.integers(0, 2**63)))
    return random.Random(None if seed is None else int(seed))


def numpy_random(seed: Seed, where: str) -> np.random.Generator:
    """A numpy ``Generator`` for a seed: new from an int or None, the one given, or one seeded by it.

    >>> numpy_random('zero', 'make_xor')
    Traceback (most recent call last):
    ...
    TypeError: make_xor: seed must be an int, None, a random.Random or a numpy.random.Generator, got str 'zero'
    """
    _check(seed, where)
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, random.Random):
        return np.random.default_rng(seed.getrandbits(128))
    return np.random.default_rng(None if seed is None else int(seed))
