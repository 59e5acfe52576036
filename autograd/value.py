"""``Value``: one number in a computation graph.

A Value holds a float (``data``), the derivative of the final output with respect
to it (``grad``, filled in by ``backward()``), the Values it was computed from
(``parents``) and, computed once when the node is made, the derivative of this
node with respect to each parent (``local_grads``).  That is all the chain rule
needs: ``backward()`` multiplies and adds those floats in reverse topological
order.

Nothing here stores a closure, so a graph holds no reference cycles and is freed
by reference counting alone the moment the last Value of it is dropped.
"""
from __future__ import annotations

import math
import numbers
from contextlib import contextmanager
from typing import Iterable, Iterator, Sequence

from autograd import ops

__all__ = ["Value", "no_grad", "enable_grad", "is_grad_enabled"]

_grad_enabled = True


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block new Values record no parents: no graph, no gradient.

    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * 3
    >>> y.parents
    ()
    """
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


@contextmanager
def enable_grad() -> Iterator[None]:
    """Turn graph recording back on inside a ``no_grad`` block."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, True
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()``."""
    return _grad_enabled


def _to_float(x, where: str) -> float:
    """A real number as a float, or a clear error naming the operation."""
    if type(x) is float:
        result = x
    elif isinstance(x, numbers.Real):  # int, bool, numpy scalars, Fraction ...
        result = float(x)
    else:
        what = f"{type(x).__name__} {x!r}" if not isinstance(x, str) else f"the string {x!r}"
        raise TypeError(f"{where}: expected a real number or a Value, got {what}")
    if result != result:
        raise ValueError(f"{where}: got NaN, which is not a number a gradient can flow through")
    return result


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

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label")

    def __init__(self, data, parents: Iterable[Value] = (), local_grads: Iterable[float] = (),
                 op: str = "", label: str = ""):
        self.data = _to_float(data, "Value()")
        parents, local_grads = tuple(parents), tuple(local_grads)
        for p in parents:
            if not isinstance(p, Value):
                raise TypeError(f"Value(): every parent must be a Value, got {type(p).__name__} {p!r}")
        if len(parents) != len(local_grads):
            raise ValueError(f"Value(): {len(parents)} parents but {len(local_grads)} local_grads; "
                             "give one local derivative per parent")
        local_grads = tuple(_to_float(g, "Value() local_grads") for g in local_grads)
        self.grad = 0.0
        if _grad_enabled:
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
        """The plain float, as ``tensor.item()`` in PyTorch."""
        return self.data

    def __float__(self) -> float:
        return self.data

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
            other = _as_value(other, "+")
        return _add(self, other)

    def __radd__(self, other):
        return _add(_as_value(other, "+"), self)

    def __mul__(self, other):
        if type(other) is not Value:
            other = _as_value(other, "*")
        return _mul(self, other)

    def __rmul__(self, other):
        return _mul(_as_value(other, "*"), self)

    def __pow__(self, exponent):
        if isinstance(exponent, Value):  # x ** y = exp(y * log(x)), for x > 0
            return (exponent * self.log()).exp()
        make = _pow_makers.get(exponent)
        if make is None:
            n = _to_float(exponent, "Value ** exponent")
            make = _pow_makers[exponent] = _maker(ops.POW, int(n) if n.is_integer() else n)
        return make(self)

    def __rpow__(self, base):  # b ** x = exp(x * log(b)), for b > 0
        b = _to_float(base, "number ** Value")
        if b <= 0.0:
            raise ValueError(f"{b!r} ** {self!r}: a number raised to a Value needs a positive base")
        return (self * math.log(b)).exp()

    def __neg__(self):  # -x = x * -1
        return self * -1.0

    def __sub__(self, other):  # x - y = x + (-y)
        return self + (-_as_value(other, "-"))

    def __rsub__(self, other):  # y - x = y + (-x)
        return _as_value(other, "-") + (-self)

    def __truediv__(self, other):  # x / y = x * y**-1
        other = _as_value(other, "/")
        if other.data == 0.0:
            raise ZeroDivisionError(f"division by zero: {self!r} / {other!r}")
        return self * other ** -1

    def __rtruediv__(self, other):  # y / x = y * x**-1
        if self.data == 0.0:
            raise ZeroDivisionError(f"division by zero: {other!r} / {self!r}")
        return _as_value(other, "/") * self ** -1

    # -- functions ------------------------------------------------------------
    def exp(self):
        """e ** self"""
        return _exp(self)

    def log(self):
        """Natural logarithm; ValueError for a non-positive number."""
        return _log(self)

    def sqrt(self):
        """self ** 0.5; ValueError for a non-positive number."""
        if self.data <= 0.0:
            raise ValueError(f"sqrt() of a non-positive number: {self!r}")
        return self ** 0.5

    def sin(self):
        return _sin(self)

    def cos(self):
        return _cos(self)

    def tanh(self):
        return _tanh(self)

    def sigmoid(self):
        """1 / (1 + e^-x), computed without overflow for any input."""
        return _sigmoid(self)

    def relu(self):
        """max(0, x); its derivative at exactly 0 is taken to be 0."""
        return _relu(self)

    def leaky_relu(self, slope: float = 0.01):
        """x for x > 0, slope * x otherwise."""
        return _maker(ops.LEAKY_RELU, _to_float(slope, "leaky_relu(slope)"))(self)

    def elu(self, alpha: float = 1.0):
        """x for x > 0, alpha * (e^x - 1) otherwise."""
        return _maker(ops.ELU, _to_float(alpha, "elu(alpha)"))(self)

    def softplus(self):
        """log(1 + e^x), computed without overflow for any input."""
        return _softplus(self)

    def abs(self):
        """|x|; its derivative at exactly 0 is taken to be 0."""
        return _abs(self)

    __abs__ = abs

    # -- gradients ------------------------------------------------------------
    def backward(self, gradient: float = 1.0) -> None:
        """Fill in ``grad`` of every Value this one depends on (the chain rule).

        Leaf gradients add up across calls, as in PyTorch; call ``zero_grad``
        between steps.  Gradients of interior nodes are recomputed each call.
        """
        from autograd.backward import backward
        backward(self, gradient)

    def zero_grad(self) -> None:
        """Set this Value's ``grad`` to 0."""
        self.grad = 0.0


def _data(x):
    return x.data if isinstance(x, Value) else x


_new_value = Value.__new__


def _node(data: float, parents: tuple, local_grads: tuple, op) -> Value:
    """Make an interior node without the checks of the public constructor."""
    node = _new_value(Value)
    node.data = data
    node.grad = 0.0
    if _grad_enabled:
        node.parents = parents
        node.local_grads = local_grads
    else:
        node.parents = node.local_grads = ()
    node.op = op
    node.label = ""
    return node


def _as_value(x, op_symbol: str) -> Value:
    """An operand as a Value: a plain number becomes a constant leaf."""
    if isinstance(x, Value):
        return x
    return Value(_to_float(x, f"Value {op_symbol} operand"))


def apply(op: ops.Op, parents: Sequence[Value]) -> Value:
    """Make the node of ``op`` over any number of parent Values, from the table.

    >>> apply(ops.op_for(ops.MUL), [Value(2.0), Value(3.0)])
    Value(data=6.0, grad=0.0, op='*')
    """
    prim, params = op.primitive, op.params
    parents = tuple(parents)
    xs = [p.data for p in parents]
    out = prim.forward(*xs, *params)
    return _node(out, parents, prim.derivative(out, *xs, *params), op)


# Node makers: for each primitive, one small function that reads its forward and
# derivative rules from the table once and then makes nodes.  (Looking the rules up
# through ``op.primitive`` on every node would cost more than computing them.)

def _unary_maker(op: ops.Op):
    forward, derivative, params = op.primitive.forward, op.primitive.derivative, op.params

    def make(x: Value) -> Value:
        xd = x.data
        out = forward(xd, *params)
        return _node(out, (x,), derivative(out, xd, *params), op)
    return make


def _binary_maker(op: ops.Op):
    forward, derivative = op.primitive.forward, op.primitive.derivative

    def make(x: Value, y: Value) -> Value:
        xd, yd = x.data, y.data
        out = forward(xd, yd)
        return _node(out, (x, y), derivative(out, xd, yd), op)
    return make


_makers: dict = {}
_pow_makers: dict = {}  # by the exponent as written, so x ** 2 skips the conversion


def _maker(primitive: ops.Primitive, *params):
    """The node maker of ``primitive`` with these parameters (cached: one per Op)."""
    op = ops.op_for(primitive, *params)
    make = _makers.get(op)
    if make is None:
        make = _makers[op] = _unary_maker(op)
    return make


_add = _binary_maker(ops.op_for(ops.ADD))
_mul = _binary_maker(ops.op_for(ops.MUL))
_exp, _log, _sin, _cos, _tanh, _sigmoid, _relu, _softplus, _abs = (
    _maker(p) for p in (ops.EXP, ops.LOG, ops.SIN, ops.COS, ops.TANH, ops.SIGMOID,
                        ops.RELU, ops.SOFTPLUS, ops.ABS))
