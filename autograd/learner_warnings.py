"""Warnings for a learner: the likely mistakes that leave traces the engine can see.

Key idea: a graph whose every ``grad`` is 0 was drawn or explained before
``backward()``; a gradient that ``backward()`` added to a ``grad`` that was not
0 holds the sum of two passes.  Each such trace raises a :class:`ChainruleWarning`
that says what happened and what to do, attributed to the learner's own line.
Silence them all with
``warnings.filterwarnings('ignore', category=autograd.ChainruleWarning)``.

The module is not named ``warnings`` so that it never hides the standard
library's, for example when a script in this folder is run directly.
"""
from __future__ import annotations

import os
import sys
import warnings
from typing import Sequence

from autograd.value import Value

__all__ = ["ChainruleWarning", "warn", "never_backward", "warn_if_never_backward"]

# Warnings point at the learner's line, not at a line inside chainrule.
_OUR_FOLDERS = tuple(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                  package) + os.sep for package in ("autograd", "nn"))


class ChainruleWarning(UserWarning):
    """A likely mistake in using chainrule: the message says what happened and what to do.

    >>> issubclass(ChainruleWarning, UserWarning)  # so warnings.filterwarnings can silence it
    True
    """


def warn(message: str) -> None:
    """Issue a ChainruleWarning attributed to the first line outside chainrule's own code.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter('always')
    ...     warn('demo: something to look at')
    >>> caught[0].category is ChainruleWarning, str(caught[0].message)
    (True, 'demo: something to look at')
    """
    level, frame = 2, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_OUR_FOLDERS):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, ChainruleWarning, stacklevel=level)


def never_backward(root: Value, order: Sequence[Value]) -> bool:
    """True when no gradient of the graph was ever computed (every grad, the root's too, is 0).

    >>> x = Value(2.0); y = x * x
    >>> never_backward(y, [x, y]), (y.backward(), never_backward(y, [x, y]))[1]
    (True, False)
    """
    return root.grad == 0.0 and all(v.grad == 0.0 for v in order)


def warn_if_never_backward(root: Value, order: Sequence[Value], where: str, fix: str) -> None:
    """Warn when every gradient of ``root``'s graph is still 0 (``fix`` says what to do).

    >>> import warnings
    >>> x = Value(2.0); y = x * x
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter('always')
    ...     warn_if_never_backward(y, [x, y], 'demo', 'call root.backward() first')
    >>> print(caught[0].message)
    demo: the gradients of this graph were never computed (every grad is 0): call root.backward() first
    """
    if never_backward(root, order):
        warn(f"{where}: the gradients of this graph were never computed (every grad is 0): {fix}")
