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
"""
from __future__ import annotations

import math
import numbers
import threading
from contextlib import contextmanager
from typing import Iterable, Iterator, Sequence

from autograd import ops

__all__ = ["Value", "no_grad", "enable_grad", "is_grad_enabled", "to_float", "as_value",
           "make_node", "apply", "unary_maker", "install_methods", "require_value"]

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


def to_float(x, where: str, expected: str = "a real number") -> float:
    """A real number as a float, or a clear error naming the operation."""
    if type(x) is float:
        result = x
    elif isinstance(x, numbers.Real):  # int, bool, numpy scalars, Fraction ...
        result = float(x)
    else:
        what = f"{type(x).__name__} {x!r}" if not isinstance(x, str) else f"the string {x!r}"
        raise TypeError(f"{where}: expected {expected}, got {what}")
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
    def backward(self, gradient: float = 1.0) -> None:
        """Fill in ``grad`` of every Value this one depends on (the chain rule).

        Leaf gradients add up across calls, as in PyTorch; call ``zero_grad``
        between steps.  Gradients of interior nodes are recomputed each call.

        >>> x = Value(3.0)
        >>> (x * x).backward()
        >>> x.grad
        6.0
        """
        from autograd.backward import backward
        backward(self, gradient)

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
    """Make an interior node without the checks of the public constructor."""
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
    """An operand as a Value: a plain number becomes a constant leaf."""
    if isinstance(x, Value):
        return x
    return make_node(to_float(x, where, "a real number or a Value"), (), (), "")


def apply(op: ops.Op, parents: Sequence) -> Value:
    """Make the node of ``op`` over any number of parents, from the table.

    Plain numbers among ``parents`` become constant leaves.

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
    return make_node(out, parents, local_grads, op)


# Node makers: for each primitive, one small function that reads its forward and
# derivative rules from the table once and then makes nodes.  (Looking the rules up
# through ``op.primitive`` on every node would cost more than computing them.)

def unary_maker(op: ops.Op):
    """A function x -> the node of ``op`` over x (a Value), with the table's rules read once.

    >>> square = unary_maker(ops.op_for(ops.POW, 2))
    >>> square(Value(3.0))
    Value(data=9.0, grad=0.0, op='**2')
    """
    forward, derivative, params = op.primitive.forward, op.primitive.derivative, op.params

    def make(x: Value) -> Value:
        xd = x.data
        out = forward(xd, *params)
        return make_node(out, (x,), derivative(out, xd, *params), op)
    return make


def _binary_maker(op: ops.Op):
    forward, derivative = op.primitive.forward, op.primitive.derivative

    def make(x: Value, y: Value) -> Value:
        xd, yd = x.data, y.data
        out = forward(xd, yd)
        return make_node(out, (x, y), derivative(out, xd, yd), op)
    return make


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


_add = _binary_maker(ops.op_for(ops.ADD))
_mul = _binary_maker(ops.op_for(ops.MUL))
_div = _binary_maker(ops.op_for(ops.DIV))


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
