"""The CPython floor: the least work any graph-of-objects engine in pure Python can do.

One slotted object per node (its value, its gradient, its parents, its local
derivatives) and, going backward, one multiply-add per edge.  Nothing else: no
checks, no op names, no labels, no graph search -- nodes are appended to a tape
as they are made, and the tape read backwards is already a valid order.  The
benchmark runs the same graphs on this as on the real engines, so the table
shows how far each engine sits above what plain CPython objects cost.

It is a measuring stick, not an engine: one graph at a time, first order only,
``backward`` must be given the last node built and it empties the tape.

>>> x, y = Node(2.0), Node(3.0)
>>> z = (x * y + 1.0).relu()
>>> backward(z)
>>> z.data, x.grad, y.grad
(7.0, 3.0, 2.0)
"""
from __future__ import annotations

__all__ = ["Node", "backward", "reset"]

_tape: list = []   # every interior node since the last backward(), in creation order
_record = _tape.append


class Node:
    """A number, its gradient, its parents and d(self)/d(parent) for each parent.

    >>> (Node(2.0) * 3.0).local_grads
    (3.0, 2.0)
    >>> reset()
    """

    __slots__ = ("data", "grad", "parents", "local_grads")

    def __init__(self, data: float, parents: tuple = (), local_grads: tuple = ()):
        self.data = data
        self.grad = 0.0
        self.parents = parents
        self.local_grads = local_grads
        if parents:
            _record(self)

    def __add__(self, other) -> Node:
        if type(other) is not Node:
            other = Node(other)
        return Node(self.data + other.data, (self, other), (1.0, 1.0))

    def __radd__(self, other) -> Node:  # so that Python's sum(), which starts at 0, works
        return Node(other) + self

    def __mul__(self, other) -> Node:
        if type(other) is not Node:
            other = Node(other)
        return Node(self.data * other.data, (self, other), (other.data, self.data))

    def relu(self) -> Node:
        """max(0, x), with derivative 1 above 0 and 0 elsewhere."""
        x = self.data
        return Node(x, (self,), (1.0,)) if x > 0.0 else Node(0.0, (self,), (0.0,))


def backward(root: Node) -> None:
    """Run the chain rule over the tape, newest node first, then empty it.

    >>> a = Node(3.0); b = a * a
    >>> backward(b); a.grad
    6.0
    """
    root.grad = 1.0
    for node in reversed(_tape):
        upstream = node.grad
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += upstream * local
    _tape.clear()


def reset() -> None:
    """Forget the nodes recorded so far (after a graph that was never differentiated).

    >>> _ = Node(1.0) + 1.0; reset(); len(_tape)
    0
    """
    _tape.clear()
