"""``Value``: one number in a computation graph.

A Value holds a float (``data``), the derivative of the final output with respect
to it (``grad``, filled in by ``backward()``), the Values it was computed from
(``parents``) and, computed once when the node is made, the derivative of this
node with respect to each parent (``local_grads``).  That is all the chain rule
needs: ``backward()`` multiplies and adds those floats in reverse topological
order.

Nothing here stores a closure, so a graph holds no reference cycles and is freed
by reference counting alone the moment the last Value of it is dropped.

Every node is made by :func:`make_node`: the operators, ``apply``, the n-ary
``sum`` and ``linear`` and the Value methods all end there.  The methods
``exp``, ``log``, ``tanh``, ``relu``, ... are not written out one by one: each
unary primitive of the table (``autograd/ops.py``) becomes a method, its
docstring taken from its entry, so a new primitive is a method at once.
Whether nodes record their parents is a setting of each thread (``no_grad``).

Every number a node holds is finite: ``Value()`` and ``x.data = ...`` refuse inf
and NaN, and each node maker refuses a result or a local derivative that
overflows, naming the operation and the values.  A change made by hand after a
graph was built is counted: ``backward()`` refuses a node computed from a number
changed since, and ``x.parents = ...`` refuses a cycle where it is made.
``float(x)`` and ``bool(x)`` are refused too, because either would let a number
slip out of the graph without a word (docs/reliability.md).
"""
from __future__ import annotations

import builtins
import math
import numbers
import operator
import sys
import threading
import weakref
from contextlib import contextmanager
from typing import Iterable, Iterator, Sequence

from autograd import ops

__all__ = ["Value", "no_grad", "enable_grad", "is_grad_enabled", "to_float", "as_value",
           "make_node", "apply", "unary_maker", "install_methods", "require_value",
           "all_finite", "not_finite_error", "GraphError", "change_count", "set_data", "numbers_of", "as_tuple",
           "mismatched_nodes"]

class _GradMode(threading.local):
    """Whether this thread records graphs: each thread has its own, as in PyTorch."""

    enabled = True  # every thread starts recording


_mode = _GradMode()
# How many no_grad()/enable_grad() blocks are open, in all threads together.  While
# none is (nearly always), every thread records and making a node reads only this
# number; the per-thread flag is read only while some block is open somewhere.
_open_blocks = 0
_no_block_open = True  # _open_blocks == 0, kept as one flag for the check in make_node
_blocks_lock = threading.Lock()


@contextmanager
def _grad_mode(enabled: bool) -> Iterator[None]:
    global _open_blocks, _no_block_open
    with _blocks_lock:
        _open_blocks += 1
        _no_block_open = False
    previous, _mode.enabled = _mode.enabled, enabled
    try:
        yield
    finally:
        _mode.enabled = previous
        with _blocks_lock:
            _open_blocks -= 1
            _no_block_open = _open_blocks == 0


def no_grad():
    """Inside this block new Values record no parents: no graph, no gradient.

    The setting belongs to the thread that opens the block: a graph that another
    thread builds meanwhile is recorded as usual.

    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * 3
    >>> y.parents
    ()
    """
    return _grad_mode(False)


def enable_grad():
    """Turn graph recording back on inside a ``no_grad`` block (in this thread).

    >>> with no_grad():
    ...     with enable_grad():
    ...         y = Value(2.0) * 3
    >>> len(y.parents)
    2
    """
    return _grad_mode(True)


def is_grad_enabled() -> bool:
    """True unless this thread is inside ``no_grad()``.

    >>> with no_grad():
    ...     is_grad_enabled()
    False
    """
    return _no_block_open or _mode.enabled


# A float is finite exactly when it lies between these two: inf lies outside and NaN
# compares false with everything.  Two comparisons are the cheapest such test (x - x,
# 0 for finite x, makes a new float), and node makers run it on every node.
_LARGEST = sys.float_info.max
_LOWEST = -_LARGEST


def to_float(x, where: str, expected: str = "a real number") -> float:
    """A finite real number as a float, or a clear error naming the operation ``where``.

    >>> to_float(3, 'Value()')
    3.0
    >>> to_float(float('inf'), 'Value()')
    Traceback (most recent call last):
    ValueError: Value(): got inf, which is not a finite number: no gradient can flow through it (if it came from an overflow, rescale the numbers)
    """
    if type(x) is float:
        result = x
    elif isinstance(x, numbers.Real):  # int, bool, numpy scalars, Fraction ...
        try:
            result = float(x)
        except OverflowError:  # an int such as 10**400: Python's message does not name it
            raise OverflowError(f"{where}: {_too_large_text(x)} is too large for a float "
                                f"(the largest is about {_LARGEST:.2g})") from None
    else:
        what = f"{type(x).__name__} {x!r}" if not isinstance(x, str) else f"the string {x!r}"
        raise TypeError(f"{where}: expected {expected}, got {what}")
    if not _LOWEST <= result <= _LARGEST:  # inf or NaN (see _LARGEST)
        if result != result:
            raise ValueError(f"{where}: got NaN, which is not a number a gradient can flow through")
        raise ValueError(f"{where}: got {result!r}, which is not a finite number: no gradient can "
                         "flow through it (if it came from an overflow, rescale the numbers)")
    return result


def _too_large_text(x) -> str:
    if isinstance(x, int):  # its digits may be too many even to print
        return f"an int of about 10**{int(math.log10(abs(x)))}"
    text = repr(x)
    return f"{type(x).__name__} {text if len(text) <= 40 else text[:40] + '...'}"


class GraphError(ValueError):
    """A graph ``backward()`` cannot use: cyclic, malformed by hand, or stale.

    ``node`` is the Value where the problem was found.

    >>> x = Value(2.0); y = x * x
    >>> try:
    ...     x.parents = (y,)          # x would depend on itself
    ... except GraphError as error:
    ...     error.node is x
    True
    """

    def __init__(self, message: str, node):
        super().__init__(message)
        self.node = node


# -- changes made by hand after a graph was built ------------------------------------
# Every change of a Value's data is counted.  A node remembers the count when it was
# made (``_made_at``), a changed Value the count at its latest change (``_changed_at``):
# a node whose parent changed after it was made holds numbers computed from the old
# data, and backward() refuses it.  An optimizer's step is one change of all its
# parameters.  The count only grows; the lock keeps two threads' changes apart.
_changes = 0
_changes_lock = threading.Lock()
# Nodes whose parents and local_grads were given different lengths by hand (each is
# assigned on its own, so the mismatch may be on the way to being mended).
_mismatched: weakref.WeakSet = weakref.WeakSet()


def change_count() -> int:
    """How many changes of ``data`` have been made so far (a node made now is stamped with it).

    >>> x = Value(1.0); before = change_count()
    >>> x.data = 2.0
    >>> change_count() - before
    1
    """
    return _changes


def set_data(values: Sequence[Value], numbers: Sequence[float], where: str) -> None:
    """Give each Value its new number, as one change (an optimizer's step, a loaded state).

    The numbers must be finite; ``where`` names the operation in the error.  A
    graph built before it is stale afterwards: ``backward()`` on it refuses.

    >>> w = [Value(1.0), Value(2.0)]
    >>> set_data(w, [0.5, 1.5], "step()"); [v.data for v in w]
    [0.5, 1.5]
    """
    global _changes
    numbers = list(map(float, numbers))
    if len(values) != len(numbers):
        raise ValueError(f"{where}: {len(values)} Values but {len(numbers)} numbers")
    # inf or NaN anywhere makes the sum inf or NaN: one pass in C (and the exact test
    # only when the sum of finite numbers overflows)
    if not _LOWEST <= builtins.sum(numbers) <= _LARGEST and not all_finite(numbers):
        k = next(i for i, x in enumerate(numbers) if not _LOWEST <= x <= _LARGEST)
        raise ValueError(f"{where}: the new number for {values[k]!r} is {numbers[k]!r}, "
                         "not a finite number; no Value was changed")
    with _changes_lock:
        _changes += 1
        stamp = _changes
        for value, number in zip(values, numbers):
            value._data = number
            value._changed_at = stamp


def numbers_of(values: Iterable[Value]) -> list[float]:
    """The ``data`` of each Value, as a list (faster than reading ``.data`` one by one).

    >>> numbers_of([Value(1.0), Value(2.5)])
    [1.0, 2.5]
    """
    return [value._data for value in values]


def _set_data(node: Value, number) -> None:
    if not (type(number) is float and _LOWEST <= number <= _LARGEST):  # else say what is wrong
        number = to_float(number, f"setting .data of {node!r}")
    if number != node._data:  # the same number again changes nothing any node computed
        set_data((node,), (number,), "setting .data")


def _set_parents(node: Value, parents) -> None:
    where = f"setting .parents of {node!r}"
    parents = as_tuple(parents, where, "a tuple of Values")
    for p in parents:
        if not isinstance(p, Value):
            raise TypeError(f"{where}: every parent must be a Value, got {type(p).__name__} {p!r}")
    _refuse_cycle(node, parents, where)
    node._parents = parents
    node._made_at = _changes  # made again, from its parents' current data
    _note_lengths(node)


def _refuse_cycle(node: Value, parents: tuple, where: str) -> None:
    """GraphError if ``node`` is among ``parents`` or what they depend on (an iterative walk)."""
    seen, stack = set(), list(parents)
    while stack:
        p = stack.pop()
        if p is node:
            raise GraphError(
                f"{where}: it would depend on itself, as the new parents lead back to it. "
                "A graph has no cycles (no node could come after all the nodes it is made "
                "from), so the parents were left as they were", node)
        if p not in seen:
            seen.add(p)
            stack.extend(p._parents)


def _set_local_grads(node: Value, local_grads) -> None:
    where = f"setting .local_grads of {node!r}"
    node._local_grads = tuple(to_float(g, where, "a real number (the local derivative's value)")
                              for g in as_tuple(local_grads, where, "a tuple of numbers"))
    _note_lengths(node)


def _note_lengths(node: Value) -> None:
    with _changes_lock:
        if len(node._parents) == len(node._local_grads):
            _mismatched.discard(node)
        else:
            _mismatched.add(node)


def mismatched_nodes() -> list[Value]:
    """The living nodes whose ``parents`` and ``local_grads`` were left different lengths by hand.

    ``backward()`` refuses a graph holding one of them before it computes anything.

    >>> y = Value(2.0) * 3; y.local_grads = (3.0,)
    >>> mismatched_nodes() == [y]
    True
    >>> y.local_grads = (3.0, 2.0); mismatched_nodes()
    []
    """
    if not _mismatched:  # nearly always: one length test per backward()
        return []
    with _changes_lock:
        return list(_mismatched)


class Value:
    """A scalar that remembers how it was computed.

    >>> x, y = Value(1.0, label='x'), Value(2.0, label='y')
    >>> z = (x + y) ** 2
    >>> z.backward()
    >>> z, x.grad, y.grad
    (Value(data=9.0, grad=1.0, op='**2'), 6.0, 6.0)

    ``Value(data, parents, local_grads, op)`` is also how a learner defines a new
    operation by hand: give its value, its inputs and the derivative of the
    output with respect to each input.
    """

    # ``data``, ``parents`` and ``local_grads`` are read straight from their slots (``_data``...)
    # and written through a check: a change made by hand after the graph was built is
    # caught when it is made (a cycle, a number that is not finite) or by the next
    # backward() (a node computed from an old number).  ``_made_at`` is the count of such
    # changes when the node was made, ``_changed_at`` the count when its data was last
    # changed (unset until then).  Only this module, nary.py and backward.py read the slots.
    # __weakref__: the record of the latest backward() (autograd.backward) keeps its root without
    # keeping its graph alive (8 bytes per Value).
    __slots__ = ("_data", "grad", "_parents", "_local_grads", "op", "label", "_made_at",
                 "_changed_at", "__weakref__")

    def __init__(self, data, parents: Iterable[Value] = (), local_grads: Iterable[float] = (),
                 op: str = "", label: str = ""):
        self._data = to_float(data, "Value()")
        parents = as_tuple(parents, "Value(parents=...)", "a tuple of Values")
        local_grads = as_tuple(local_grads, "Value(local_grads=...)",
                                "a tuple of numbers, one per parent")
        for p in parents:
            if not isinstance(p, Value):
                raise TypeError(f"Value(): every parent must be a Value, got {type(p).__name__} {p!r}")
        if len(parents) != len(local_grads):
            raise ValueError(f"Value(): {len(parents)} parents but {len(local_grads)} local_grads; "
                             "give one local derivative per parent")
        local_grads = tuple(to_float(g, "Value() local_grads",
                                      "a real number (each local derivative's value at this point)")
                            for g in local_grads)
        self.grad = 0.0
        if _no_block_open or _mode.enabled:
            self._parents, self._local_grads = parents, local_grads
        else:
            self._parents = self._local_grads = ()
        self._made_at = _changes
        self.op = op
        self.label = label

    # Read straight from the slot (a C attribute getter); a change goes through the check.
    data = property(operator.attrgetter("_data"), _set_data, doc=(
        "The number this Value holds.  Setting it checks the number and counts the change: "
        "backward() then refuses a graph built from the old number."))
    parents = property(operator.attrgetter("_parents"), _set_parents, doc=(
        "The Values this one was computed from (a tuple).  Setting it refuses a cycle."))
    local_grads = property(operator.attrgetter("_local_grads"), _set_local_grads, doc=(
        "d(this)/d(parent) for each parent, computed when the node was made (floats)."))

    # -- reading -------------------------------------------------------------
    def __repr__(self) -> str:
        parts = [f"data={self._data!r}", f"grad={self.grad!r}"]
        if self.op:
            parts.append(f"op={str(self.op)!r}")
        if self.label:
            parts.append(f"label={self.label!r}")
        return f"Value({', '.join(parts)})"

    def item(self) -> float:
        """The plain float, as ``tensor.item()`` in PyTorch.

        >>> Value(2.5).item()
        2.5
        """
        return self._data

    # float(x) and bool(x) are refused: either would turn the Value into a plain number
    # without a word, and the graph (so the gradient) would be lost -- math.exp(x) calls
    # float(x).  PyTorch allows float(tensor); here a learner's graph is never lost silently.
    def __float__(self):
        raise TypeError(
            f"float() of {self!r}: a Value does not turn into a plain float by itself, because "
            "the number would leave the graph and its gradient would be lost without a word "
            "(math.exp(x) does this). To stay in the graph use the Value's methods: x.exp(), "
            "x.log(), x.tanh(), ...; for the plain number write x.data or x.item()")

    def __bool__(self):
        raise TypeError(
            f"bool() of {self!r}: a Value has no truth value (`if x:` would quietly test "
            "x.data != 0). Compare explicitly: `if x.data > 0:` or `if x > 0:`; "
            "`if x.data != 0:` to test for zero")

    # Ordering compares data, so ``if loss < 0.01`` and ``max(values)`` work.
    # Equality and hashing stay by identity: Values are usable as dict keys.
    def __lt__(self, other):
        return self._data < _comparable(other, self, "<")

    def __le__(self, other):
        return self._data <= _comparable(other, self, "<=")

    def __gt__(self, other):
        return self._data > _comparable(other, self, ">")

    def __ge__(self, other):
        return self._data >= _comparable(other, self, ">=")

    __hash__ = object.__hash__

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats the number, as for a float; ``f"{x}"`` is the repr.

        A string leaves nothing out of the graph, so unlike ``float(x)`` it is allowed.

        >>> f"{Value(2.0 / 3):.3f}"
        '0.667'
        """
        return format(self._data, spec) if spec else repr(self)

    # The other ways Python turns a number into an int, or computes with whole numbers,
    # would also drop the graph without a word: each says what to write instead.
    def __int__(self):
        raise _leaves_the_graph(self, "int()", "int(x.data)")

    def __index__(self):
        raise _leaves_the_graph(self, "use as an index (range(), list[x], ...)", "int(x.data)")

    def __round__(self, ndigits=None):
        raise _leaves_the_graph(self, "round()", "round(x.data)")

    def __trunc__(self):
        raise _leaves_the_graph(self, "math.trunc()", "math.trunc(x.data)")

    def __floor__(self):
        raise _leaves_the_graph(self, "math.floor()", "math.floor(x.data)")

    def __ceil__(self):
        raise _leaves_the_graph(self, "math.ceil()", "math.ceil(x.data)")

    def __matmul__(self, other):
        raise TypeError(f"@ with {self!r} and {other!r}: a Value is one number, so there is no "
                        "matrix product; multiply with *, or use autograd.linear(weights, inputs) "
                        "for a weighted sum")

    __rmatmul__ = __matmul__

    def __mod__(self, other):
        raise _not_differentiable(self, "%", other)

    __rmod__ = __mod__

    def __floordiv__(self, other):
        raise _not_differentiable(self, "//", other)

    __rfloordiv__ = __floordiv__

    def __divmod__(self, other):
        raise _not_differentiable(self, "divmod()", other)

    __rdivmod__ = __divmod__

    # -- arithmetic: each operator is one primitive or a one-line composition --
    def __add__(self, other):
        if type(other) is not Value:
            other = as_value(other, "Value + operand")
        return _add(self, other)

    def __radd__(self, other):
        return _add(as_value(other, "Value + operand"), self)

    def __mul__(self, other):
        if type(other) is not Value:
            other = as_value(other, "Value * operand")
        return _mul(self, other)

    def __rmul__(self, other):
        return _mul(as_value(other, "Value * operand"), self)

    def __pow__(self, exponent):
        if isinstance(exponent, Value):  # x ** y = exp(y * log(x)), defined for x > 0 only
            if self._data <= 0.0:
                raise ValueError(
                    f"power {self!r} ** {exponent!r}: a Value exponent is computed as "
                    "exp(y * log(x)), which needs a positive base x; for a constant exponent "
                    "write a plain number (x ** 3), which any base can take")
            try:
                return (exponent * self.log()).exp()
            except OverflowError:
                raise OverflowError(f"power {self!r} ** {exponent!r} overflows a float (the "
                                    f"largest is about {_LARGEST:.2g}): rescale the numbers") from None
        try:
            make = _pow_makers.get(exponent)
        except TypeError:  # unhashable (a list...): not a number, and _to_float says so
            make = None
        if make is None:
            n = to_float(exponent, "Value ** exponent", "a real number or a Value")
            make = _pow_makers[exponent] = _maker(ops.POW, int(n) if n.is_integer() else n)
        return make(self)

    def __rpow__(self, base):  # b ** x = exp(x * log(b)), for b > 0
        b = to_float(base, "number ** Value")
        if b <= 0.0:
            raise ValueError(f"power {base!r} ** {self!r}: a number raised to a Value is computed "
                             "as exp(x * log(b)), which needs a positive base b")
        try:
            return (self * math.log(b)).exp()
        except OverflowError:
            raise OverflowError(f"power {base!r} ** {self!r} overflows a float (the largest is "
                                f"about {_LARGEST:.2g}): rescale the numbers") from None

    def __neg__(self):  # -x = x * -1
        return self * -1.0

    def __sub__(self, other):  # x - y = x + (-y)
        return self + (-as_value(other, "Value - operand"))

    def __rsub__(self, other):  # y - x = y + (-x)
        return as_value(other, "Value - operand") + (-self)

    def __truediv__(self, other):
        divisor = as_value(other, "Value / operand")
        if divisor._data == 0.0:
            raise ZeroDivisionError(f"division by zero: {self!r} / {other!r}")
        return _div(self, divisor)

    def __rtruediv__(self, other):
        dividend = as_value(other, "Value / operand")
        if self._data == 0.0:
            raise ZeroDivisionError(f"division by zero: {other!r} / {self!r}")
        return _div(dividend, self)

    # -- functions ------------------------------------------------------------
    # exp, log, sin, ..., relu, elu: one method per unary primitive, made from its
    # table entry below the class (see _install_methods).  sqrt is a composition.
    def sqrt(self) -> Value:
        """self ** 0.5; ValueError for a non-positive number.

        >>> Value(9.0).sqrt().data
        3.0
        """
        if self._data <= 0.0:
            raise ValueError(f"sqrt() of a non-positive number: {self!r} (below 0 the root is "
                             "complex; at 0 its derivative 1/(2 sqrt(x)) is infinite)")
        return self ** 0.5

    def __abs__(self) -> Value:
        return self.abs()

    # numpy applies its functions to a Value by calling the method of the function's
    # name (np.exp(x) calls x.exp()): these are numpy's names for the same functions,
    # so np.arctan(x) stays in the graph like x.atan().
    def arctan(self) -> Value:
        """numpy's name for atan: ``np.arctan(x)`` is ``x.atan()``.

        >>> import numpy as np; round(np.arctan(Value(1.0)).data, 6)
        0.785398
        """
        return self.atan()

    def arcsin(self) -> Value:
        """numpy's name for asin: ``np.arcsin(x)`` is ``x.asin()``."""
        return self.asin()

    def arccos(self) -> Value:
        """numpy's name for acos: ``np.arccos(x)`` is ``x.acos()``."""
        return self.acos()

    def log10(self) -> Value:
        """log10(x) = log(x) / log(10).

        >>> Value(100.0).log10().data
        2.0
        """
        return self.log() / math.log(10.0)

    def log2(self) -> Value:
        """log2(x) = log(x) / log(2)."""
        return self.log() / math.log(2.0)

    def exp2(self) -> Value:
        """2 ** x, as ``np.exp2(x)``."""
        return 2.0 ** self

    def conjugate(self) -> Value:
        """A real number is its own conjugate (numpy asks for it in ``np.std`` and ``np.var``)."""
        return self

    def rint(self):
        raise _leaves_the_graph(self, "np.round() / np.rint()", "np.round(x.data)")

    # -- gradients ------------------------------------------------------------
    def backward(self, gradient: float = 1.0, check: bool = False) -> None:
        """Fill in ``grad`` of every Value this one depends on (the chain rule).

        Leaf gradients add up across calls, as in PyTorch; call ``zero_grad``
        between steps.  Gradients of interior nodes are recomputed each call.
        ``check=True`` first checks the graph (``autograd.backward.verify_graph``):
        no Value changed since it was built, nothing broken by hand.

        >>> x = Value(3.0)
        >>> (x * x).backward()
        >>> x.grad
        6.0
        """
        from autograd.backward import backward
        backward(self, gradient, check)

    def zero_grad(self) -> None:
        """Set this Value's ``grad`` to 0.

        >>> x = Value(1.0); x.grad = 5.0; x.zero_grad(); x.grad
        0.0
        """
        self.grad = 0.0


def require_value(x, where: str) -> Value:
    """``x`` if it is a Value, else a TypeError naming the operation ``where``.

    >>> require_value(3, 'draw_graph')
    Traceback (most recent call last):
    TypeError: draw_graph(): expected a Value, got int 3
    """
    if not isinstance(x, Value):
        raise TypeError(f"{where}(): expected a Value, got {type(x).__name__} {x!r}")
    return x


def _comparable(x, value: Value, symbol: str):
    """The number to compare ``value`` with, or a TypeError naming both."""
    if isinstance(x, Value):
        return x._data
    if isinstance(x, numbers.Real):
        return x
    raise TypeError(f"{value!r} {symbol} {type(x).__name__} {x!r}: a Value compares with "
                    "numbers and Values only")


def as_tuple(items, where: str, expected: str) -> tuple:
    """``items`` as a tuple, or a TypeError naming ``where`` and what was ``expected``.

    Anything iterable is taken (a list, a generator, a numpy array), but not a string,
    whose characters are never what was meant, nor a single number or Value.

    >>> as_tuple([1.0, 2.0], "sum()", "a list of numbers")
    (1.0, 2.0)
    >>> as_tuple(5, "sum()", "a list of numbers")
    Traceback (most recent call last):
    TypeError: sum(): expected a list of numbers, got int 5
    """
    if isinstance(items, (tuple, list)):
        return tuple(items)
    if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        raise TypeError(f"{where}: expected {expected}, got {type(items).__name__} {items!r}")
    return tuple(items)


def _leaves_the_graph(value: Value, what: str, instead: str) -> TypeError:
    return TypeError(
        f"{what} of {value!r}: a Value does not turn into a whole number by itself, because "
        f"the number would leave the graph and its gradient would be lost without a word. "
        f"For the plain number write {instead}")


def _not_differentiable(value: Value, operation: str, other) -> TypeError:
    return TypeError(
        f"{operation} with {value!r} and {other!r}: chainrule has no {operation} of Values (its "
        "result is a step function, with derivative 0 or undefined). Compute it on the plain "
        "numbers, x.data, if no gradient should flow through it")


_new_value = Value.__new__


def make_node(data: float, parents: tuple, local_grads: tuple, op) -> Value:
    """Make a node without the checks of the public constructor: every node maker ends here.

    The caller vouches for its numbers (finite floats, one local derivative per parent).

    >>> x = Value(2.0)
    >>> make_node(6.0, (x,), (3.0,), "3x")
    Value(data=6.0, grad=0.0, op='3x')
    """
    node = _new_value(Value)
    node._data = data
    node.grad = 0.0
    if _no_block_open or _mode.enabled:
        node._parents = parents
        node._local_grads = local_grads
    else:
        node._parents = node._local_grads = ()
    node._made_at = _changes
    node.op = op
    node.label = ""
    return node


def as_value(x, where: str) -> Value:
    """An operand as a Value: a plain number becomes a constant leaf.

    >>> as_value(2, "Value + operand")
    Value(data=2.0, grad=0.0)
    """
    if isinstance(x, Value):
        return x
    return make_node(to_float(x, where, "a real number or a Value"), (), (), "")


def apply(op: ops.Op, parents: Sequence) -> Value:
    """Make the node of ``op`` over any number of parents, from the table.

    Plain numbers among ``parents`` become constant leaves.  A result or a local
    derivative that is not finite (an overflow) is refused, naming the operation.

    >>> apply(ops.op_for(ops.MUL), [Value(2.0), 3.0])
    Value(data=6.0, grad=0.0, op='*')
    """
    prim = getattr(op, "primitive", None)
    if prim is None:
        raise TypeError(f"apply(): op must be an operation from autograd.ops.op_for(), got "
                        f"{type(op).__name__} {op!r}")
    params, where = op.params, f"{prim.name}()"
    parents = tuple(as_value(p, where) for p in parents)
    xs = [p._data for p in parents]
    out = prim.forward(*xs, *params)
    local_grads = prim.derivative(out, *xs, *params)
    if len(local_grads) != len(parents):
        raise ValueError(f"{where}: its derivative rule gave {len(local_grads)} local derivatives "
                         f"for {len(parents)} parents; it must give one per parent")
    if not (_LOWEST <= out <= _LARGEST and all_finite(xs) and all_finite(local_grads)):
        raise not_finite_error(op, parents, out, local_grads)
    return make_node(out, parents, local_grads, op)


def all_finite(numbers: Iterable[float]) -> bool:
    """True when no number is inf or NaN.

    >>> all_finite([1.0, -2.5]), all_finite([1.0, float('inf')])
    (True, False)
    """
    # x - x is 0.0 for a finite number and NaN for inf or NaN, so the sum is 0.0 exactly
    # when all are finite: one pass in C, with no Python call per number.
    numbers = tuple(numbers)
    return not sum(map(operator.sub, numbers, numbers))


def not_finite_error(op: ops.Op, parents: Sequence[Value], out: float,
                     local_grads: Sequence[float]) -> ArithmeticError:
    """The error for a node whose inputs, result or local derivatives are not all finite.

    An input that is not finite had its ``data`` set by hand (``Value()`` refuses
    inf and NaN): ValueError.  Otherwise the result or a local derivative
    overflowed a float: OverflowError.

    >>> x, y = Value(1e308), Value(10.0)
    >>> print(not_finite_error(ops.op_for(ops.MUL), (x, y), x.data * y.data, (10.0, 1e308)))
    Value(data=1e+308) * Value(data=10.0) overflows a float (the largest is about 1.8e+308): rescale the numbers
    """
    shown = _operation_text(op, parents)
    for p in parents:
        if not math.isfinite(p._data):
            return ValueError(f"{shown}: {p!r} is not a finite number; its data was set to "
                              f"{p._data!r} after it was made (Value() refuses inf and NaN)")
    if not math.isfinite(out):
        return OverflowError(f"{shown} overflows a float (the largest is about {_LARGEST:.2g}): "
                             "rescale the numbers")
    k = next(i for i, g in enumerate(local_grads) if not math.isfinite(g))
    return OverflowError(f"{shown}: its local derivative with respect to input {k + 1} "
                         f"overflows a float (the largest is about {_LARGEST:.2g}): rescale the numbers")


def _operation_text(op: ops.Op, parents: Sequence[Value]) -> str:
    """``Value(data=2.0) * Value(data=3.0)``, ``exp(Value(data=800.0))``, ``sum() of 5 values``."""
    args = [f"Value(data={p._data!r})" for p in parents]
    prim = op.primitive
    if prim.arity == 2:
        return f"{args[0]} {op} {args[1]}"
    if prim is ops.POW:
        return f"{args[0]} ** {op.params[0]!r}"
    if len(args) > 3:
        return f"{prim.name}() of {len(args)} values ({', '.join(args[:3])}, ...)"
    return f"{prim.name}({', '.join(args)})"


# Node makers: for each primitive, one small function that reads its forward and
# derivative rules from the table once and then makes nodes.  (Looking the rules up
# through ``op.primitive`` on every node would cost more than computing them.)
# Each checks that the node's numbers are finite (between _LOWEST and _LARGEST).

def unary_maker(op: ops.Op):
    """A function x -> the node of ``op`` over x (a Value), with the table's rules read once.

    >>> square = unary_maker(ops.op_for(ops.POW, 2))
    >>> square(Value(3.0))
    Value(data=9.0, grad=0.0, op='**2')
    """
    forward, derivative, params = op.primitive.forward, op.primitive.derivative, op.params
    if not params:
        # Most primitives (relu, tanh, exp...) have no parameters: calling the rules
        # without ``*params`` saves about a fifth of the time to make the node.
        def make(x: Value) -> Value:
            xd = x._data
            out = forward(xd)
            local_grads = derivative(out, xd)
            # the input too: tanh or sigmoid of an inf set by hand would give a finite number
            if not (_LOWEST <= out <= _LARGEST and _LOWEST <= local_grads[0] <= _LARGEST
                    and _LOWEST <= xd <= _LARGEST):
                raise not_finite_error(op, (x,), out, local_grads)
            return make_node(out, (x,), local_grads, op)
        return make

    def make_with_params(x: Value) -> Value:  # the same, for x ** n, leaky_relu(slope), ...
        xd = x._data
        out = forward(xd, *params)
        local_grads = derivative(out, xd, *params)
        if not (_LOWEST <= out <= _LARGEST and _LOWEST <= local_grads[0] <= _LARGEST
                and _LOWEST <= xd <= _LARGEST):
            raise not_finite_error(op, (x,), out, local_grads)
        return make_node(out, (x,), local_grads, op)
    return make_with_params


def _binary_maker(op: ops.Op, derivatives_can_overflow: bool):
    forward, derivative = op.primitive.forward, op.primitive.derivative
    if not derivatives_can_overflow:
        # + and *: the local derivatives are 1 or the inputs, so only the result needs a
        # test; and an inf input shows in it (inf + y, inf * y are inf or NaN).
        def make(x: Value, y: Value) -> Value:
            xd, yd = x._data, y._data
            out = forward(xd, yd)
            if not _LOWEST <= out <= _LARGEST:
                raise not_finite_error(op, (x, y), out, ())
            return make_node(out, (x, y), derivative(out, xd, yd), op)
        return make

    def make_checked(x: Value, y: Value) -> Value:
        xd, yd = x._data, y._data
        out = forward(xd, yd)
        local_grads = derivative(out, xd, yd)
        dx, dy = local_grads
        if not (_LOWEST <= out <= _LARGEST and _LOWEST <= dx <= _LARGEST and _LOWEST <= dy <= _LARGEST
                and _LOWEST <= yd <= _LARGEST):  # x / inf would be a finite 0
            raise not_finite_error(op, (x, y), out, local_grads)
        return make_node(out, (x, y), local_grads, op)
    return make_checked


# Caches keyed by the table entry itself (not by the op's text, which two
# primitives could share): one maker per (primitive, parameters).
_makers: dict = {}
_pow_makers: dict = {}  # by the exponent as written, so x ** 2 skips the conversion


def _maker(primitive: ops.Primitive, *params):
    """The node maker of ``primitive`` with these parameters (cached: one per Op)."""
    key = (primitive, *params)
    make = _makers.get(key)
    if make is None:
        make = _makers[key] = unary_maker(ops.op_for(primitive, *params))
    return make


_add = _binary_maker(ops.op_for(ops.ADD), derivatives_can_overflow=False)
_mul = _binary_maker(ops.op_for(ops.MUL), derivatives_can_overflow=False)
_div = _binary_maker(ops.op_for(ops.DIV), derivatives_can_overflow=True)  # 1/y, -x/y^2


# -- one Value method per unary primitive, from its table entry ----------------------

def _method(prim: ops.Primitive):
    """``Value.<prim.method>``: the node maker itself, or a wrapper taking the parameters."""
    if prim.params:
        names, defaults = prim.params, prim.defaults

        def method(self, *args, **kwargs):
            values = list(defaults)
            if len(args) > len(names):
                raise TypeError(f"{prim.method}() takes at most {len(names)} arguments "
                                f"({', '.join(names)}), got {len(args)}")
            values[:len(args)] = args
            for key, value in kwargs.items():
                if key not in names:
                    raise TypeError(f"{prim.method}() got an unexpected argument {key!r}; "
                                    f"it takes {', '.join(names)}")
                values[names.index(key)] = value
            return _maker(prim, *(to_float(v, f"{prim.method}({n})")
                                  for n, v in zip(names, values)))(self)
        signature = ", ".join(f"{n}={d!r}" for n, d in zip(names, defaults))
    else:
        method = unary_maker(ops.op_for(prim))
        _makers[(prim,)] = method
        signature = ""
    method.__name__ = prim.method
    method.__qualname__ = f"Value.{prim.method}"
    method.__doc__ = f"{prim.method}(self{', ' if signature else ''}{signature}): {prim.doc}\n\n" \
                     f"{prim.example}\n"
    return method


def install_methods() -> list[str]:
    """Give ``Value`` a method for every unary primitive that names one (run at import,
    and again by whoever defines a primitive later).  Returns the names added.

    >>> ops.PRIMITIVES['tanh'].method in install_methods() or hasattr(Value, 'tanh')
    True
    """
    added = []
    for prim in ops.PRIMITIVES.values():
        if prim.method and prim.arity == 1 and prim.method not in Value.__dict__:
            setattr(Value, prim.method, _method(prim))
            added.append(prim.method)
    return added


install_methods()
