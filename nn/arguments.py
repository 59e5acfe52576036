"""How ``nn`` reads the plain arguments a learner passes: counts, numbers and flags, one rule each.

Every size (``nin``, ``nouts``, ``n_samples``, ``n_splits``, ``epochs``, ...) goes
through :func:`as_count`, every number that becomes a ``Value`` (a model's
input, an activation's argument, a loss's prediction) through :func:`as_value`,
and every on/off switch (``shuffle``) through :func:`as_flag`, so the same
mistake gets the same answer wherever it is made.  :func:`brief` is how an error
message quotes what the learner passed, however long it is.

A number must be finite: NaN and inf are refused where they come in, because
once inside a loss or a gradient they turn every later number into NaN and the
mistake can no longer be traced to where it was made.

The rule for ``bool``: it is refused.  ``True`` is an ``int`` to Python, but a
learner who passes ``True`` as a size, an input or a target almost always meant
something else (a mask, a flag in the wrong position), and taking it as 1 would
hide that.  A wrong type is a TypeError; a number of the right type that is
out of range (a size of 0, a NaN) is a ValueError.

>>> as_count(3, 'nin', 'Layer'), as_value(2, 'relu()').data
(3, 2.0)
>>> as_count(True, 'nin', 'Layer')
Traceback (most recent call last):
...
TypeError: Layer: nin must be an integer, got bool True
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Optional

import numpy as np

from autograd import Value

__all__ = ["as_count", "as_number", "as_value", "as_flag", "brief"]

#: How many characters of a learner's value an error message quotes.
BRIEF_LIMIT = 80


def brief(value: Any, limit: int = BRIEF_LIMIT) -> str:
    """``repr(value)``, cut short if it is long: how an error message quotes a value.

    A 20,000-character string in a message hides the message; its start and its
    length say enough.

    >>> brief('relu')
    "'relu'"
    >>> brief('x' * 1000, limit=8)
    "'xxxxxxx... (1002 characters)"
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4000:
        # too many digits even for repr (Python refuses past 4,300): say its size
        return f"an int of about 10**{int(value.bit_length() * math.log10(2))}"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def as_count(value: Any, name: str, where: str, minimum: int = 1, why: str = "",
             maximum: Optional[int] = None) -> int:
    """``value`` as an int of at least ``minimum``: a size, a number of folds or epochs.

    A non-integer (a float, a string, a bool) is a TypeError; a smaller integer a
    ValueError.  ``why`` is added to the second message to say why the minimum is
    what it is.  ``maximum`` (for counts that size an allocation, such as a grid
    of points to draw) turns a number that would exhaust the memory into a
    ValueError instead.

    >>> as_count(5, 'n_samples', 'make_moons')
    5
    >>> as_count(0, 'epochs', 'fit')
    Traceback (most recent call last):
    ...
    ValueError: fit: epochs must be a positive integer, got 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: {name} must be an integer, got {type(value).__name__} {brief(value)}")
    if value < minimum:
        wanted = "a positive integer" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{where}: {name} must be {wanted}, got {value}{why}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{where}: {name} must be at most {maximum:,}, got {brief(value)}")
    return int(value)


def as_flag(value: Any, name: str, where: str) -> bool:
    """``value`` as a bool; anything but True or False (numpy's too) is a TypeError.

    Python would take any object as true or false, so ``shuffle='no'`` would
    shuffle; an on/off switch accepts only the two values it means.

    >>> as_flag(True, 'shuffle', 'KFold')
    True
    >>> as_flag('no', 'shuffle', 'KFold')
    Traceback (most recent call last):
    ...
    TypeError: KFold: shuffle must be True or False, got str 'no'
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{where}: {name} must be True or False, got {type(value).__name__} {brief(value)}")


def as_number(x: Any, where: str, what: str = "the argument") -> float:
    """A real number (int, float, numpy scalar) as a float; a bool, NaN, inf or non-number refused.

    >>> as_number(3, 'mse_loss target')
    3.0
    >>> as_number(float('nan'), 'mse_loss', 'target')
    Traceback (most recent call last):
    ...
    ValueError: mse_loss: target is NaN
    >>> as_number(float('-inf'), 'mse_loss', 'target')
    Traceback (most recent call last):
    ...
    ValueError: mse_loss: target must be a finite number, got -inf
    """
    if isinstance(x, bool):
        raise TypeError(f"{where}: {what} must be a number or a Value, got bool {x!r}; a bool is "
                        "almost always a mistake here -- write 1.0 or 0.0 if you mean a number")
    if not isinstance(x, numbers.Real):
        raise TypeError(f"{where}: {what} must be a number or a Value, "
                        f"got {type(x).__name__} {brief(x)}")
    try:
        x = float(x)
    except OverflowError:   # an int beyond 1.8e308
        raise ValueError(f"{where}: {what} is too large for a float, got {brief(x)}") from None
    if x != x:
        raise ValueError(f"{where}: {what} is NaN")
    if not math.isfinite(x):
        raise ValueError(f"{where}: {what} must be a finite number, got {x!r}")
    return x


def as_value(x: Any, where: str, what: str = "the argument") -> Value:
    """A Value unchanged (so gradients reach it); a real number as a new constant leaf.

    >>> v = Value(1.0)
    >>> as_value(v, 'tanh()') is v, as_value(0.5, 'tanh()')
    (True, Value(data=0.5, grad=0.0))
    """
    if isinstance(x, Value):
        return x
    return Value(as_number(x, where, what))
