"""The chain rule, run backward over the graph.

``backward(root)`` visits the nodes in reverse topological order -- every node
after all the nodes that use it -- and adds ``upstream_grad * local_grad`` to
each parent's ``grad``.  The order is found by an iterative depth-first search,
so a chain of a million nodes needs no deep recursion.

``grad(output, inputs)`` does the same walk but returns the gradients instead of
storing them; with ``create_graph=True`` it builds them as Values from the
primitive table's rules, so they can be differentiated again.

No gradient comes out inf or NaN: one that overflows raises, naming the node,
and leaves every ``grad`` as it was.  Before computing anything, ``backward()``
and ``grad()`` refuse a graph with a node made before one of its parents' data
was changed (each node carries the count of changes when it was made, see
value.py) or with a node whose ``parents`` and ``local_grads`` were left
different lengths by hand.  ``verify_graph(root)`` (also ``backward(root,
check=True)``) checks everything once more, recomputing every node: for a graph
broken beneath the properties' checks (docs/reliability.md).
"""
from __future__ import annotations

import gc
import math
import numbers
import sys
import threading
import weakref
from contextlib import contextmanager
from typing import Iterable, Iterator, Sequence

from autograd import ops
from autograd.value import (GraphError, Value, change_count, enable_grad, mismatched_nodes,
                            to_float)

_LARGEST = sys.float_info.max  # a float is finite exactly when it lies in [-_LARGEST, _LARGEST]
_LOWEST = -_LARGEST

__all__ = ["topological_order", "backward", "grad", "zero_grad", "local_grad_values",
           "BackwardRecord", "last_backward", "record_backward", "verify_graph", "GraphError",
           "refuse_changed_graph", "backward_lock", "gradient_overflow"]


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


class _ThisThread(threading.local):
    """What each thread's latest backward() did: a thread never reads another's record."""

    latest: BackwardRecord | None = None


_this_thread = _ThisThread()
# The newest record of any thread.  While it is None -- before the first backward() of
# the process, or once set back to None to start afresh (as tests do) -- last_backward()
# is None in every thread.
_latest: BackwardRecord | None = None


def last_backward() -> BackwardRecord | None:
    """The record of this thread's latest ``backward()`` (or ``backward_steps``), None before the first.

    Each thread has its own, as each has its own ``no_grad()``: an optimizer
    stepping in one thread reads its own backward, not one another thread ran
    meanwhile.

    >>> (Value(1.0) * 2).backward(); last_backward().root is None   # the output was not kept
    True
    """
    return _this_thread.latest if _latest is not None else None


def record_backward(root: Value, accumulated: Iterable[tuple[Value, float]] = ()) -> BackwardRecord:
    """Make ``root`` this thread's latest backward's output; for walks that run the chain rule themselves.

    ``backward()`` calls it; so does ``backward_steps``, which runs the same walk
    step by step.  It is the only writer of the record.

    >>> record_backward(Value(1.0)).accumulated
    ()
    """
    global _latest
    record = BackwardRecord(root, accumulated)
    _this_thread.latest = _latest = record
    return record


# One backward() at a time, across threads: each pass saves a leaf's earlier grad, zeroes
# it, adds to it and adds the earlier grad back, and two passes through shared leaves
# (two threads training one model) interleaved inside that would lose a contribution.
# Under CPython's GIL two walks never run in parallel anyway, so taking turns costs no
# throughput, only the ~0.1 microsecond of taking the lock.
_one_backward_at_a_time = threading.RLock()


def backward_lock() -> threading.RLock:
    """The lock every walk that writes ``grad`` holds, so that two never interleave.

    ``backward()`` holds it; so does ``backward_steps``, which runs the same walk
    step by step.  It is re-entrant: a walk may start another inside it.

    >>> with backward_lock():
    ...     (Value(2.0) * 3).backward()
    """
    return _one_backward_at_a_time


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


def topological_order(root: Value, where: str = "topological_order()") -> list[Value]:
    """Every Value ``root`` depends on, each after all of its parents.

    It trusts the graph (see ``verify_graph`` for the checked version) but names the
    node of a graph too broken to walk at all, a parent that is not a Value say, or
    one whose parents and local_grads were left different lengths; ``where`` names
    the operation in that error.

    >>> x = Value(1.0); y = x * 2; z = y + x
    >>> [v.data for v in topological_order(z)]
    [1.0, 2.0, 2.0, 3.0]
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order(): root must be a Value, got {type(root).__name__} {root!r}")
    with _collector_paused():
        order = _topological_order(root, where)
    if mismatched_nodes():  # drawings, explain and the steps read each parent with its local_grad
        _refuse_mismatched(order, where)
    return order


def _topological_order(root: Value, where: str = "topological_order()") -> list[Value]:
    order: list[Value] = []
    seen = {root}
    try:
        # Each stack entry is a node and an iterator over the parents not yet looked at,
        # so the walk resumes where it left off instead of recursing.
        stack = [(root, iter(root._parents))]
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if parent not in seen:
                    seen.add(parent)
                    if parent._parents:
                        stack.append((parent, iter(parent._parents)))
                        break
                    order.append(parent)  # a leaf is finished as soon as it is found
            else:
                stack.pop()
                order.append(node)
    except (AttributeError, TypeError):  # a parent that is not a Value, parents not a tuple...
        _raise_if_malformed(root, where)
        raise
    return order


def _raise_if_malformed(root: Value, where: str) -> None:
    """Raise the GraphError saying what is wrong with ``root``'s graph, if anything is.

    The slow path of a failure: the fast walks trust the graph, and when one of them
    fails, a node broken by hand explains it better than Python's own message.
    """
    try:
        _checked_order(root, where)
    except GraphError as problem:
        raise problem from None  # the error it explains is only a symptom


def verify_graph(root: Value, where: str = "verify_graph()") -> list[Value]:
    """``root``'s topological order, once every node of it is checked; GraphError names the first bad one.

    It checks what ``backward()`` takes on trust, for speed:

    * every parent is a Value, with one local derivative per parent;
    * every ``data``, every local derivative and every leaf's ``grad`` is a finite number;
    * no Value depends on itself (a cycle, which only assigning ``parents`` can make);
    * nothing is stale: each node made from the primitive table, computed again
      from its parents' current data, gives its own ``data`` and ``local_grads``.
      A Value changed by hand (``x.data = ...``) after the graph was built makes
      them differ.  Nodes made by hand with ``Value(data, parents, local_grads)``
      have no rule to compute them again and are taken as they are.

    It costs about as much as building the graph again.  ``where`` names the
    operation in the messages.

    >>> x = Value(2.0); y = x * x
    >>> x.data = 3.0      # y was computed from 2.0: its data and local_grads are stale
    >>> try:
    ...     verify_graph(y)
    ... except GraphError as error:
    ...     print(error.node is y, 'stale' in str(error))
    True True
    """
    if not isinstance(root, Value):
        raise TypeError(f"{where}: root must be a Value, got {type(root).__name__} {root!r}")
    with _collector_paused():
        order = _checked_order(root, where)
        for node in order:
            _check_fresh(node, where)
    return order


def _checked_order(root: Value, where: str) -> list[Value]:
    """The topological order, checking each node as it is found and refusing a cycle."""
    _check_node(root, where)
    order: list[Value] = []
    # True while a node's parents are being walked (it is on the current path), then
    # False: a parent found on the path is a cycle.
    on_path = {root: True}
    stack = [(root, iter(root._parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if not isinstance(parent, Value):
                raise GraphError(f"{where}: {_named(node)} has a parent that is not a Value: "
                                 f"{type(parent).__name__} {parent!r}", node)
            state = on_path.get(parent)
            if state is None:
                _check_node(parent, where)
                if parent._parents:
                    on_path[parent] = True
                    stack.append((parent, iter(parent._parents)))
                    break
                on_path[parent] = False
                order.append(parent)
            elif state:
                raise GraphError(
                    f"{where}: {_named(parent)} depends on itself: its parents lead back to it "
                    f"(through {_named(node)}). A graph has no cycles, or no node could come "
                    "after all the nodes it is made from; this one was made by assigning "
                    ".parents by hand", parent)
        else:
            stack.pop()
            on_path[node] = False
            order.append(node)
    return order


def _finite_number(x) -> bool:
    if type(x) is float:  # nearly always: two comparisons, no isinstance against an ABC
        return _LOWEST <= x <= _LARGEST
    return isinstance(x, numbers.Real) and math.isfinite(x)


def _check_node(node: Value, where: str) -> None:
    parents, local_grads = node._parents, node._local_grads
    if not (isinstance(parents, (tuple, list)) and isinstance(local_grads, (tuple, list))):
        raise GraphError(f"{where}: the parents and local_grads of {_named(node)} must be tuples, "
                         f"got {type(parents).__name__} and {type(local_grads).__name__}", node)
    if len(parents) != len(local_grads):
        raise GraphError(f"{where}: {_named(node)} has {len(parents)} parents but {len(local_grads)} "
                         "local_grads; give one local derivative per parent (backward() would "
                         "pair them up and silently drop the rest)", node)
    for k, local_grad in enumerate(local_grads):
        if not _finite_number(local_grad):
            raise GraphError(f"{where}: local_grads[{k}] of {_named(node)} is {local_grad!r}, "
                             "not a finite number", node)
    if not _finite_number(node._data):
        raise GraphError(f"{where}: the data of {_named(node)} is {node._data!r}, not a finite "
                         "number (it was set by hand: Value() refuses it)", node)
    if not parents and not _finite_number(node.grad):
        raise GraphError(f"{where}: the grad of the leaf {_named(node)} is {node.grad!r}, not a "
                         "finite number; backward() adds to it (zero_grad() sets it to 0)", node)


def _check_fresh(node: Value, where: str) -> None:
    """GraphError if ``node``, computed again from its parents' current data, differs from itself."""
    prim = ops.primitive_of(node)
    if prim is None or not node.parents:
        return  # a leaf, or made by hand: nothing to compute it again from
    params = node.op.params
    xs = [p.data for p in node.parents]
    try:
        out = prim.forward(*xs, *params)
        local_grads = tuple(prim.derivative(out, *xs, *params))
        problem = ""
        if out != node.data:
            problem = f"its data would now be {out!r}, not {node.data!r}"
        elif local_grads != tuple(node.local_grads):
            problem = f"its local_grads would now be {local_grads!r}, not {tuple(node.local_grads)!r}"
    except (ArithmeticError, ValueError) as error:
        problem = f"computing it again fails ({error})"
    if problem:
        made_from = ", ".join(_named(p) for p in node.parents[:3])
        more = f" and {len(node.parents) - 3} more" if len(node.parents) > 3 else ""
        raise GraphError(
            f"{where}: {_named(node)} is stale: computed again from its parents' current data, "
            f"{problem}. Its data, or that of a Value it was made from ({made_from}{more}), "
            "was changed after the graph was built: build the graph again from the current "
            "numbers (run the forward pass again), then call backward()", node)


def refuse_changed_graph(order: Sequence[Value], now: int, where: str = "backward()") -> None:
    """GraphError if a node of ``order`` was changed by hand in a way the walk cannot use.

    Two things, both made only by hand after the graph was built: a node whose
    ``parents`` and ``local_grads`` are left different lengths, and a node made
    before the data of one of its parents was changed (``x.data = ...``, or an
    optimizer's step), whose numbers come from the old data.  ``now`` is
    ``change_count()``; a graph all made since the latest change is not looked at
    further.  ``backward()`` and ``grad()`` run this before computing anything.

    >>> x = Value(2.0); y = x * x
    >>> x.data = 3.0
    >>> try:
    ...     refuse_changed_graph(topological_order(y), change_count())
    ... except GraphError as error:
    ...     error.node is y
    True
    """
    _refuse_mismatched(order, where)
    for node in order:
        made_at = node._made_at
        if made_at != now and node._parents:
            for parent in node._parents:
                if getattr(parent, "_changed_at", -1) > made_at:
                    raise _stale(node, parent, where)


def _refuse_mismatched(order: Sequence[Value], where: str) -> None:
    mismatched = mismatched_nodes()
    if mismatched:
        in_graph = set(order)
        for node in mismatched:
            if node in in_graph:
                raise GraphError(
                    f"{where}: {_named(node)} has {len(node.parents)} parents but "
                    f"{len(node.local_grads)} local_grads (set by hand); give one local "
                    "derivative per parent before using the graph", node)


def _stale(node: Value, parent: Value, where: str) -> GraphError:
    return GraphError(
        f"{where}: {_named(node)} was computed from an earlier number of its parent "
        f"{_named(parent)}: that Value's data was changed after the node was made, so the "
        "node's data and local_grads come from the old number and the gradients would be wrong. Build the graph again from the current numbers (run "
        "the forward pass again), then call backward(); after an optimizer's step() this means "
        "computing the loss again", node)


def backward(root: Value, gradient: float = 1.0, check: bool = False) -> None:
    """Add d(root)/d(leaf) to every leaf's ``grad``; recompute every interior ``grad``.

    This call's gradient is added to a leaf's earlier ``grad`` as one number (as
    in PyTorch), so calling ``backward`` twice gives exactly twice the gradient.
    A gradient that overflows a float raises OverflowError naming its node, and
    every leaf's ``grad`` is left as it was.  A graph holding a node computed
    from a Value whose data changed afterwards is refused before anything is
    computed (GraphError naming the node).  ``check=True`` first runs
    ``verify_graph(root)``, which recomputes every node (about the cost of a
    forward pass).

    >>> x = Value(3.0); y = x * x
    >>> backward(y); x.grad
    6.0
    >>> backward(y); x.grad
    12.0
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward(): root must be a Value, got {type(root).__name__} {root!r}")
    gradient = to_float(gradient, "backward(gradient)")
    if type(check) is not bool:
        raise _not_a_flag("backward(check=...)", check)
    with _one_backward_at_a_time, _collector_paused():
        if check:
            order = verify_graph(root, "backward(check=True)")
        else:
            order = _topological_order(root, "backward()")
        now = change_count()
        made_before_a_change = False  # some node was made before some Value's data changed
        earlier = []  # leaves' gradients from earlier calls, added back once this one is done
        for node in order:
            if node._parents:
                node.grad = 0.0
                if node._made_at != now:
                    made_before_a_change = True
            elif node.grad:
                earlier.append((node, node.grad))
                node.grad = 0.0
        try:
            if made_before_a_change or mismatched_nodes():
                refuse_changed_graph(order, now, "backward()")
            root.grad += gradient
            for node in reversed(order):
                upstream_grad = node.grad
                # A zero upstream gradient adds exactly nothing to any parent (local
                # gradients are finite), so skip the whole node: this is what makes a
                # network full of inactive ReLUs cheap to differentiate.
                if upstream_grad:
                    if node._parents:
                        for parent, local_grad in zip(node._parents, node._local_grads):
                            parent.grad += upstream_grad * local_grad
                    # A leaf: all of its gradient is in.  Checking the leaves is enough:
                    # inf or NaN anywhere reaches them (inf * 0 is NaN, inf + x is inf, and
                    # every node has leaves under it), and they are few.
                    elif not _LOWEST <= upstream_grad <= _LARGEST:
                        raise gradient_overflow(node, "backward()")
            for leaf, earlier_grad in earlier:
                total = leaf.grad + earlier_grad
                if not _LOWEST <= total <= _LARGEST:
                    raise gradient_overflow(leaf, "backward()", earlier_grad)
                leaf.grad = total
        except BaseException as error:
            # Leave every grad as it was (interior ones at 0: the next pass recomputes them).
            for node in order:
                node.grad = 0.0
            for leaf, earlier_grad in earlier:
                leaf.grad = earlier_grad
            if isinstance(error, (TypeError, AttributeError, OverflowError)):
                _raise_if_malformed(root, "backward()")
            raise
    record_backward(root, earlier)


def _not_a_flag(where: str, flag) -> TypeError:
    return TypeError(f"{where}: expected True or False, got {type(flag).__name__} {flag!r} "
                     "(a string such as 'no' would count as true)")


def gradient_overflow(node: Value, where: str, earlier_grad: float | None = None) -> OverflowError:
    """The error for a gradient that overflows a float at ``node``, naming it.

    >>> print(gradient_overflow(Value(1.0, label='w'), 'backward()'))   # doctest: +ELLIPSIS
    backward(): the gradient of Value(data=1.0, label='w') overflows a float ...
    """
    if earlier_grad is not None:
        what = (f"the gradient of {_named(node)} added to its grad from earlier calls "
                f"({earlier_grad!r})")
    else:
        what = f"the gradient of {_named(node)}"
    return OverflowError(
        f"{where}: {what} overflows a float (the largest is about 1.8e+308), so it would be "
        "inf or NaN; no grad was changed. Rescale: a smaller loss, smaller inputs, or a "
        "smaller learning rate if the weights have grown huge")


def _named(node) -> str:
    """A node without its grad (which may be the number being complained about)."""
    if not isinstance(node, Value):
        return f"{type(node).__name__} {node!r}"
    parts = [f"data={node.data!r}"]
    if node.op:
        parts.append(f"op={str(node.op)!r}")
    if node.label:
        parts.append(f"label={node.label!r}")
    return f"Value({', '.join(parts)})"


def grad(output: Value, inputs: Sequence[Value] | Value,
         create_graph: bool = False, check: bool = False) -> list | float | Value:
    """The gradient of ``output`` with respect to each input, leaving ``.grad`` alone.

    Returns a list of floats, or of Values when ``create_graph=True``: those are
    ordinary Values built from the primitive table's derivative rules, so they can
    be differentiated again (second derivatives, Newton's method).  Given a single
    Value as ``inputs``, returns a single result.  An input ``output`` does not
    depend on gets 0.  A gradient that overflows raises OverflowError;
    ``check=True`` first runs ``verify_graph(output)``.

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
    for name, flag in (("create_graph", create_graph), ("check", check)):
        if type(flag) is not bool:
            raise _not_a_flag(f"grad({name}=...)", flag)
    if check:
        order = verify_graph(output, "grad(check=True)")
    else:
        with _collector_paused():
            order = _topological_order(output, "grad()")
        refuse_changed_graph(order, change_count(), "grad()")
    try:
        if create_graph:
            with enable_grad():
                grads = _gradient_values(output, order)
            result = [grads.get(x, Value(0.0)) for x in inputs]
        else:
            grads = _gradient_floats(output, order)
            result = [grads.get(x, 0.0) for x in inputs]
            # inf or NaN from an overflow reaches every gradient it is part of, so the
            # results are the numbers to check (an overflow elsewhere does not matter here)
            for x, g in zip(inputs, result):
                if not _LOWEST <= g <= _LARGEST:
                    raise gradient_overflow(x, "grad()")
    except (TypeError, AttributeError, OverflowError):
        _raise_if_malformed(output, "grad()")
        raise
    return result[0] if single else result


def _gradient_floats(output: Value, order: list[Value]) -> dict:
    grads = {output: 1.0}
    get = grads.get
    for node in reversed(order):
        upstream_grad = get(node, 0.0)
        if upstream_grad:
            for parent, local_grad in zip(node._parents, node._local_grads):
                grads[parent] = get(parent, 0.0) + upstream_grad * local_grad
    return grads


def _gradient_values(output: Value, order: list[Value]) -> dict:
    grads: dict[Value, Value] = {output: Value(1.0)}
    for node in reversed(order):
        upstream_grad = grads.get(node)
        if upstream_grad is None or not node._parents:
            continue
        try:
            for parent, local_grad in zip(node._parents, local_grad_values(node)):
                if type(local_grad) is float:  # a constant rule (1 for +, 0 or 1 for relu)
                    if local_grad == 0.0:
                        continue
                    contribution = upstream_grad if local_grad == 1.0 else upstream_grad * local_grad
                else:
                    contribution = upstream_grad * local_grad
                grads[parent] = grads[parent] + contribution if parent in grads else contribution
        except (OverflowError, ZeroDivisionError, ValueError) as error:
            # Every node of the derivative is checked as it is made; say which node of
            # the original graph it was building.
            kind = next(k for k in (OverflowError, ZeroDivisionError, ValueError) if isinstance(error, k))
            raise kind(f"grad(create_graph=True): building the derivative through "
                       f"{_named(node)}: {error}") from error
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
