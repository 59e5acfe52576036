"""The scalar engines under test, each behind the same four-item adapter.

An ``Engine`` says how to make a leaf from a float, how to run ``backward``
from a root, how to count the nodes a root depends on, and how to drop a graph
that will never be differentiated (only the floor's tape needs that).  With it,
``bench.graphs`` builds the very same graph -- same operations, same order --
in every engine, so differences in time are differences in the engines.

>>> engine = chainrule()
>>> x = engine.leaf(2.0); y = x * x + 1.0
>>> engine.backward(y); x.grad, engine.count_nodes(y)
(4.0, 4)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["Engine", "chainrule", "micrograd", "floor", "available"]


@dataclass(frozen=True)
class Engine:
    """How the benchmark drives one library's scalar Value.

    >>> Engine('floats', float, lambda root: None, lambda root: 1).leaf(2)
    2.0
    """

    name: str
    leaf: Callable[[float], Any]
    backward: Callable[[Any], None]
    count_nodes: Callable[[Any], int]
    discard: Callable[[], None] = lambda: None


def chainrule() -> Engine:
    """chainrule's ``autograd.Value``; nodes counted by its own ``topological_order``."""
    import autograd

    return Engine("chainrule", autograd.Value, autograd.backward,
                  lambda root: len(autograd.topological_order(root)))


def micrograd() -> Engine:
    """micrograd (from PyPI) as shipped: its ``Value`` and its recursive ``backward``.

    >>> engine = micrograd(); y = engine.leaf(3.0) * 2.0
    >>> engine.count_nodes(y)
    3
    """
    from micrograd.engine import Value

    return Engine("micrograd", Value, Value.backward,
                  lambda root: count_reachable(root, "_prev"))


def floor() -> Engine:
    """The CPython floor of ``bench/floor.py``.

    >>> engine = floor(); x = engine.leaf(3.0); y = x * x
    >>> engine.backward(y); x.grad
    6.0
    """
    from bench import floor as floor_module

    return Engine("CPython floor", floor_module.Node, floor_module.backward,
                  lambda root: count_reachable(root, "parents"), floor_module.reset)


def available(name: str) -> str | None:
    """None if the library imports, else why not (shown in the table as a skip).

    >>> available('micrograd') is None, available('no_such_library_xyz')
    (True, "No module named 'no_such_library_xyz'")
    """
    try:
        __import__(name)
    except ImportError as exc:
        return str(exc)
    return None


def count_reachable(root, parents_attribute: str) -> int:
    """How many distinct nodes ``root`` depends on (itself included), without recursion.

    >>> from bench.floor import Node, reset
    >>> x = Node(1.0); count_reachable(x * x + 2.0, 'parents')
    4
    >>> reset()
    """
    seen = {id(root): root}
    stack = [root]
    while stack:
        for parent in getattr(stack.pop(), parents_attribute):
            if id(parent) not in seen:
                seen[id(parent)] = parent
                stack.append(parent)
    return len(seen)
