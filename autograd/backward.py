"""The chain rule, run backward over the graph.

``backward(root)`` visits the nodes in reverse topological order -- every node
after all the nodes that use it -- and adds ``upstream_grad * local_grad`` to
each parent's ``grad``.  The order is found by an iterative depth-first search,
so a chain of a million nodes needs no deep recursion.

``grad(output, inputs)`` does the same walk but returns the gradients instead of
storing them; with ``create_graph=True`` it builds them as Values from the
primitive table's rules, so they can be differentiated again.
"""
from __future__ import annotations

import gc
import weakref
from contextlib import contextmanager
from typing import Iterable, Iterator, Sequence

from autograd import ops
from autograd.value import Value, enable_grad, to_float

__all__ = ["topological_order", "backward", "grad", "zero_grad", "local_grad_values",
           "BackwardRecord", "last_backward", "record_backward"]


class BackwardRecord:
    """What the latest ``backward()`` did, for the learner aids to read (never to change).

    ``root`` is its output, or None once the learner has dropped it (only a weak
    reference is kept, so the graph is still freed); ``accumulated`` holds the
    leaves whose ``grad`` was not 0 when it started, each with that earlier
    gradient: the gradients it added to.  ``autograd.explain`` finds children from
    ``root``; ``nn``'s optimizers warn about a forgotten ``zero_grad()`` from
    ``accumulated``.

    >>> x = Value(2.0); y = x * x; y.backward()
    >>> record = last_backward()
    >>> record.root is y, record.accumulated
    (True, ())
    """

    __slots__ = ("_root", "accumulated")

    def __init__(self, root: Value, accumulated: Iterable[tuple[Value, float]] = ()):
        self._root = weakref.ref(root)
        self.accumulated = tuple(accumulated)

    @property
    def root(self) -> Value | None:
        """The output of that backward(), or None when it no longer exists."""
        return self._root()

    def __setattr__(self, name, value):
        if hasattr(self, "accumulated"):
            raise AttributeError("BackwardRecord is read-only")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"BackwardRecord(root={self.root!r}, {len(self.accumulated)} accumulated)"


_latest: BackwardRecord | None = None


def last_backward() -> BackwardRecord | None:
    """The record of the latest ``backward()`` (or ``backward_steps``), None before the first.

    >>> (Value(1.0) * 2).backward(); last_backward().root is None   # the output was not kept
    True
    """
    return _latest


def record_backward(root: Value, accumulated: Iterable[tuple[Value, float]] = ()) -> BackwardRecord:
    """Make ``root`` the latest backward's output; for walks that run the chain rule themselves.

    ``backward()`` calls it; so does ``backward_steps``, which runs the same walk
    step by step.  It is the only writer of the record.
    """
    global _latest
    _latest = BackwardRecord(root, accumulated)
    return _latest


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while walking a graph.

    The walk keeps one (node, iterator) pair alive for every node on its path,
    a million of them on a million-node chain.  None can be part of a cycle, but
    the collector does not know that: every few hundred allocations it runs, and
    as the pairs survive it moves on to full collections that traverse the whole
    graph again and again.  Pausing it for the walk makes a long chain's
    backward about twice as fast; afterwards it runs as before.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def topological_order(root: Value) -> list[Value]:
    """Every Value ``root`` depends on, each after all of its parents.

    >>> x = Value(1.0); y = x * 2; z = y + x
    >>> [v.data for v in topological_order(z)]
    [1.0, 2.0, 2.0, 3.0]
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order(): root must be a Value, got {type(root).__name__} {root!r}")
    with _collector_paused():
        return _topological_order(root)


def _topological_order(root: Value) -> list[Value]:
    order: list[Value] = []
    seen = {root}
    # Each stack entry is a node and an iterator over the parents not yet looked at,
    # so the walk resumes where it left off instead of recursing.
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in seen:
                seen.add(parent)
                if parent.parents:
                    stack.append((parent, iter(parent.parents)))
                    break
                order.append(parent)  # a leaf is finished as soon as it is found
        else:
            stack.pop()
            order.append(node)
    return order


def backward(root: Value, gradient: float = 1.0) -> None:
    """Add d(root)/d(leaf) to every leaf's ``grad``; recompute every interior ``grad``.

    This call's gradient is added to a leaf's earlier ``grad`` as one number (as
    in PyTorch), so calling ``backward`` twice gives exactly twice the gradient.

    >>> x = Value(3.0); y = x * x
    >>> backward(y); x.grad
    6.0
    >>> backward(y); x.grad
    12.0
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward(): root must be a Value, got {type(root).__name__} {root!r}")
    gradient = to_float(gradient, "backward(gradient)")
    with _collector_paused():
        order = _topological_order(root)
        earlier = []  # leaves' gradients from earlier calls, added back once this one is done
        for node in order:
            if node.parents:
                node.grad = 0.0
            elif node.grad:
                earlier.append((node, node.grad))
                node.grad = 0.0
        root.grad += gradient
        for node in reversed(order):
            upstream_grad = node.grad
            # A zero upstream gradient adds exactly nothing to any parent (local
            # gradients are finite), so skip the whole node: this is what makes a
            # network full of inactive ReLUs cheap to differentiate.
            if upstream_grad:
                for parent, local_grad in zip(node.parents, node.local_grads):
                    parent.grad += upstream_grad * local_grad
        for leaf, earlier_grad in earlier:
            leaf.grad += earlier_grad
    record_backward(root, earlier)


def grad(output: Value, inputs: Sequence[Value] | Value,
         create_graph: bool = False) -> list | float | Value:
    """The gradient of ``output`` with respect to each input, leaving ``.grad`` alone.

    Returns a list of floats, or of Values when ``create_graph=True``: those are
    ordinary Values built from the primitive table's derivative rules, so they can
    be differentiated again (second derivatives, Newton's method).  Given a single
    Value as ``inputs``, returns a single result.  An input ``output`` does not
    depend on gets 0.

    >>> x = Value(3.0)
    >>> y = x ** 3
    >>> [dy_dx] = grad(y, [x], create_graph=True)
    >>> dy_dx.data, grad(dy_dx, [x])[0]
    (27.0, 18.0)
    """
    single = isinstance(inputs, Value)
    inputs = [inputs] if single else list(inputs)
    for x in inputs:
        if not isinstance(x, Value):
            raise TypeError(f"grad(): inputs must be Values, got {type(x).__name__} {x!r}")
    if not isinstance(output, Value):
        raise TypeError(f"grad(): output must be a Value, got {type(output).__name__} {output!r}")
    order = topological_order(output)
    if create_graph:
        with enable_grad():
            grads = _gradient_values(output, order)
        result = [grads.get(x, Value(0.0)) for x in inputs]
    else:
        grads = _gradient_floats(output, order)
        result = [grads.get(x, 0.0) for x in inputs]
    return result[0] if single else result


def _gradient_floats(output: Value, order: list[Value]) -> dict:
    grads = {output: 1.0}
    get = grads.get
    for node in reversed(order):
        upstream_grad = get(node, 0.0)
        if upstream_grad:
            for parent, local_grad in zip(node.parents, node.local_grads):
                grads[parent] = get(parent, 0.0) + upstream_grad * local_grad
    return grads


def _gradient_values(output: Value, order: list[Value]) -> dict:
    grads: dict[Value, Value] = {output: Value(1.0)}
    for node in reversed(order):
        upstream_grad = grads.get(node)
        if upstream_grad is None or not node.parents:
            continue
        for parent, local_grad in zip(node.parents, local_grad_values(node)):
            if type(local_grad) is float:  # a constant rule (1 for +, 0 or 1 for relu)
                if local_grad == 0.0:
                    continue
                contribution = upstream_grad if local_grad == 1.0 else upstream_grad * local_grad
            else:
                contribution = upstream_grad * local_grad
            grads[parent] = grads[parent] + contribution if parent in grads else contribution
    return grads


def local_grad_values(node: Value) -> tuple:
    """A node's local derivatives as Values (or constants), from the primitive table.

    The same rules that filled ``node.local_grads`` with floats, run on the parent
    Values instead, so the result can be differentiated again.

    >>> x = Value(3.0); y = x * x
    >>> [g.data for g in local_grad_values(y)], y.local_grads
    ([3.0, 3.0], (3.0, 3.0))
    """
    primitive = ops.primitive_of(node)
    if primitive is None:
        raise NotImplementedError(
            f"grad(create_graph=True): {node!r} was made with plain float local_grads, so its "
            "derivative cannot be differentiated again. Register its rule with "
            "autograd.ops.define() so the derivative can be built from Values.")
    return primitive.derivative(node, *node.parents, *node.op.params)


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``grad`` to 0 for each Value (an optimizer's ``zero_grad`` does this).

    >>> x = Value(2.0); (x * x).backward(); zero_grad([x]); x.grad
    0.0
    """
    for v in values:
        v.grad = 0.0
