"""n-ary nodes: a whole sum, a whole weighted sum, or a maximum, as one node.

``sum([a, b, c])`` is one node with three parents and local derivatives
(1, 1, 1), where ``a + b + c`` would be two nodes.  ``linear(w, x, b)`` is a
neuron's weighted sum w1*x1 + ... + wn*xn + b as one node whose local
derivatives are (x1..xn, w1..wn, 1).  The chain rule is the same; the graph is
smaller, and building and walking it is several times faster.  A sum that
overflows a float raises OverflowError naming the values (the rules in ops.py).
"""
from __future__ import annotations

from typing import Iterable, Sequence

from autograd import ops
from autograd.value import Value, apply, as_tuple, as_value, make_node

__all__ = ["sum", "linear", "max"]

_SUM = ops.op_for(ops.SUM)
_MAX = ops.op_for(ops.MAX)
_LINEAR = ops.op_for(ops.LINEAR)
_LENGTH_ERROR = "linear(): {} weights but {} inputs; give one weight per input"
_A_LIST = "a list of Values or numbers"


def sum(values: Iterable) -> Value:  # noqa: A001 - mirrors torch.sum
    """x1 + ... + xn as one node; plain numbers become constant leaves.

    The sum of no values is 0 (as for Python's ``sum`` and ``torch.sum``): a
    constant leaf ``Value(0.0)``.

    >>> s = sum([Value(1.0), Value(2.0), 3])
    >>> s.data, len(s.parents)
    (6.0, 3)
    >>> sum([]).data
    0.0
    """
    parents = as_tuple(values, "sum()", _A_LIST)
    if not parents:
        return Value(0.0)
    return apply(_SUM, parents)


def max(values: Iterable) -> Value:  # noqa: A001 - mirrors torch.max
    """The largest of x1 ... xn as one node: its gradient goes to the (first) largest.

    >>> a, b = Value(1.0), Value(3.0)
    >>> m = max([a, b, 2.0]); m.backward()
    >>> m.data, a.grad, b.grad
    (3.0, 0.0, 1.0)
    """
    parents = as_tuple(values, "max()", _A_LIST)
    if not parents:
        raise ValueError("max() of no values: give at least one")
    return apply(_MAX, parents)


def linear(weights: Sequence[Value], inputs: Sequence, bias=0.0) -> Value:
    """w1*x1 + ... + wn*xn + b as one node with parents (w..., x..., b).

    >>> w = [Value(2.0), Value(-1.0)]
    >>> out = linear(w, [3.0, 4.0], Value(0.5))
    >>> out.data, out.local_grads
    (2.5, (3.0, 4.0, 2.0, -1.0, 1.0))
    """
    if type(weights) not in (list, tuple):
        weights = as_tuple(weights, "linear() weights", _A_LIST)
    if type(inputs) not in (list, tuple):
        inputs = as_tuple(inputs, "linear() inputs", _A_LIST)
    n = len(weights)
    if n != len(inputs):
        raise ValueError(_LENGTH_ERROR.format(n, len(inputs)))
    parents = (*weights, *inputs, bias)
    try:
        data = [p._data for p in parents]  # the slot itself (value.py): this runs per neuron
        out = _forward(*data)
    except (AttributeError, TypeError):
        # Some plain numbers: make them constant leaves (the slow path).
        parents = tuple(as_value(p, "linear()") for p in parents)
        data = [p._data for p in parents]
        out = _forward(*data)
    return make_node(out, parents, _derivative(out, *data), _LINEAR)


_forward, _derivative = ops.LINEAR.forward, ops.LINEAR.derivative
