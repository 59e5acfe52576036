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

Every number a node holds is finite: ``Value()`` refuses inf and NaN, and each
node maker refuses a result or a local derivative that overflows, naming the
operation and the values.  ``float(x)`` and ``bool(x)`` are refused too, because
either would let a number slip out of the graph without a word (docs/reliability.md).
"""
from __future__ import annotations

import math
import numbers
import operator
import sys
import threading
from contextlib import contextmanager
from typing import Iterable, Iterator, Sequence

from autograd import ops

__all__ = ["Value", "no_grad", "enable_grad", "is_grad_enabled", "to_float", "as_value",
           "make_node", "apply", "unary_maker", "install_methods", "require_value",
           "all_finite", "not_finite_error"]

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

    # __weakref__: the record of the latest backward() (autograd.backward) keeps its root without
    # keeping its graph alive (8 bytes per Value).
    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label", "__weakref__")

    def __init__(self, data, parents: Iterable[Value] = (), local_grads: Iterable[float] = (),
                 op: str = "", label: str = ""):
        self.data = to_float(data, "Value()")
        parents, local_grads = tuple(parents), tuple(local_grads)
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
            self.parents, self.local_grads = parents, local_grads
        else:
            self.parents = self.local_grads = ()
        self.op = op
        self.label = label

    # -- reading -------------------------------------------------------------
    def __repr__(self) -> str:
        parts = [f"data={self.data!r}", f"grad={self.grad!r}"]
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
        return self.data

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
        return self.data < _data(other)

    def __le__(self, other):
        return self.data <= _data(other)

    def __gt__(self, other):
        return self.data > _data(other)

    def __ge__(self, other):
        return self.data >= _data(other)

    __hash__ = object.__hash__

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
            if self.data <= 0.0:
                raise ValueError(
                    f"power {self!r} ** {exponent!r}: a Value exponent is computed as "
                    "exp(y * log(x)), which needs a positive base x; for a constant exponent "
                    "write a plain number (x ** 3), which any base can take")
            return (exponent * self.log()).exp()
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
        return (self * math.log(b)).exp()

    def __neg__(self):  # -x = x * -1
        return self * -1.0

    def __sub__(self, other):  # x - y = x + (-y)
        return self + (-as_value(other, "Value - operand"))

    def __rsub__(self, other):  # y - x = y + (-x)
        return as_value(other, "Value - operand") + (-self)

    def __truediv__(self, other):
        divisor = as_value(other, "Value / operand")
        if divisor.data == 0.0:
            raise ZeroDivisionError(f"division by zero: {self!r} / {other!r}")
        return _div(self, divisor)

    def __rtruediv__(self, other):
        dividend = as_value(other, "Value / operand")
        if self.data == 0.0:
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
        if self.data <= 0.0:
            raise ValueError(f"sqrt() of a non-positive number: {self!r} (below 0 the root is "
                             "complex; at 0 its derivative 1/(2 sqrt(x)) is infinite)")
        return self ** 0.5

    def __abs__(self) -> Value:
        return self.abs()

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


def _data(x):
    return x.data if isinstance(x, Value) else x


_new_value = Value.__new__


def make_node(data: float, parents: tuple, local_grads: tuple, op) -> Value:
    """Make a node without the checks of the public constructor: every node maker ends here.

    The caller vouches for its numbers (finite floats, one local derivative per parent).

    >>> x = Value(2.0)
    >>> make_node(6.0, (x,), (3.0,), "3x")
    Value(data=6.0, grad=0.0, op='3x')
    """
    node = _new_value(Value)
    node.data = data
    node.grad = 0.0
    if _no_block_open or _mode.enabled:
        node.parents = parents
        node.local_grads = local_grads
    else:
        node.parents = node.local_grads = ()
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
    xs = [p.data for p in parents]
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
        if not math.isfinite(p.data):
            return ValueError(f"{shown}: {p!r} is not a finite number; its data was set to "
                              f"{p.data!r} after it was made (Value() refuses inf and NaN)")
    if not math.isfinite(out):
        return OverflowError(f"{shown} overflows a float (the largest is about {_LARGEST:.2g}): "
                             "rescale the numbers")
    k = next(i for i, g in enumerate(local_grads) if not math.isfinite(g))
    return OverflowError(f"{shown}: its local derivative with respect to input {k + 1} "
                         f"overflows a float (the largest is about {_LARGEST:.2g}): rescale the numbers")


def _operation_text(op: ops.Op, parents: Sequence[Value]) -> str:
    """``Value(data=2.0) * Value(data=3.0)``, ``exp(Value(data=800.0))``, ``sum() of 5 values``."""
    args = [f"Value(data={p.data!r})" for p in parents]
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
            xd = x.data
            out = forward(xd)
            local_grads = derivative(out, xd)
            # the input too: tanh or sigmoid of an inf set by hand would give a finite number
            if not (_LOWEST <= out <= _LARGEST and _LOWEST <= local_grads[0] <= _LARGEST
                    and _LOWEST <= xd <= _LARGEST):
                raise not_finite_error(op, (x,), out, local_grads)
            return make_node(out, (x,), local_grads, op)
        return make

    def make_with_params(x: Value) -> Value:  # the same, for x ** n, leaky_relu(slope), ...
        xd = x.data
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
            xd, yd = x.data, y.data
            out = forward(xd, yd)
            if not _LOWEST <= out <= _LARGEST:
                raise not_finite_error(op, (x, y), out, ())
            return make_node(out, (x, y), derivative(out, xd, yd), op)
        return make

    def make_checked(x: Value, y: Value) -> Value:
        xd, yd = x.data, y.data
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
