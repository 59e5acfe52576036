"""Check backward's gradients against central finite differences.

The numeric derivative of f at x is (f(x + eps) - f(x - eps)) / (2 eps); its
error shrinks like eps**2, so for smooth functions it agrees with the chain
rule to many digits.  A primitive with a wrong local derivative does not.

``gradcheck(fn, inputs)`` calls a function again at nudged inputs;
:func:`recompute` runs an existing graph forward again from the primitive
table's ``forward`` rules, with some Values set to new numbers -- what
``check_graph`` uses to check every gradient of a graph already built.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from autograd import ops
from autograd.backward import grad, topological_order
from autograd.value import Value, to_float

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "numeric_grad", "recompute",
           "recompute_from", "NoForwardRule"]


class GradcheckError(AssertionError):
    """Backward's gradient and the finite-difference gradient disagree."""


@dataclass
class _Row:
    index: int
    x: float
    analytic: float
    numeric: float

    @property
    def error(self) -> float:
        return abs(self.analytic - self.numeric)


def _evaluate(fn: Callable, xs: Sequence[float]) -> float:
    # Recorded, not under no_grad: fn may itself take gradients (gradgradcheck).
    return _output(fn(*[Value(x) for x in xs]), fn).data


def _output(out, fn) -> Value:
    if not isinstance(out, Value):
        name = getattr(fn, "__name__", repr(fn))
        raise TypeError(f"gradcheck: {name} must return a Value, got {type(out).__name__} {out!r}")
    return out


def numeric_grad(fn: Callable, inputs: Sequence[float], eps: float = 1e-6) -> list[float]:
    """Central differences (f(x+eps) - f(x-eps)) / 2eps for each input.

    >>> numeric_grad(lambda x: x * x, [3.0])  # doctest: +ELLIPSIS
    [6.0000...]
    """
    _require_callable(fn, "numeric_grad")
    xs = _inputs(inputs, "numeric_grad")
    eps = _positive(eps, "numeric_grad(eps)")
    result = []
    for i, x in enumerate(xs):
        plus, minus = xs.copy(), xs.copy()
        plus[i], minus[i] = x + eps, x - eps
        slope = (_evaluate(fn, plus) - _evaluate(fn, minus)) / (2 * eps)
        if not math.isfinite(slope):  # inf would pass any tolerance: |a - inf| <= rtol * inf
            name = getattr(fn, "__name__", repr(fn))
            raise OverflowError(f"numeric_grad: the central difference of {name} for input {i} "
                                f"(x = {x!r}, eps = {eps!r}) overflows a float; the function "
                                "changes too fast there to check: try a smaller eps or other inputs")
        result.append(slope)
    return result


def _require_callable(fn, where: str) -> None:
    if not callable(fn):
        raise TypeError(f"{where}: fn must be a function of the inputs (Values in, a Value out), "
                        f"got {type(fn).__name__} {fn!r}")


def _inputs(inputs: Sequence[float], where: str) -> list[float]:
    if isinstance(inputs, (str, bytes)) or not hasattr(inputs, "__iter__"):
        raise TypeError(f"{where}: inputs must be a sequence of numbers, got "
                        f"{type(inputs).__name__} {inputs!r}")
    return [to_float(x, f"{where} inputs[{i}]") for i, x in enumerate(inputs)]


def _positive(x, where: str) -> float:
    number = to_float(x, where)
    if number <= 0.0:
        raise ValueError(f"{where}: must be a positive number, got {x!r}")
    return number


def _tolerance(x, where: str) -> float:
    number = to_float(x, where)
    if number < 0.0:
        raise ValueError(f"{where}: a tolerance cannot be negative, got {x!r}")
    return number


def _compare(rows: list[_Row], atol: float, rtol: float, what: str, fn, raise_exception: bool) -> bool:
    bad = [r for r in rows if not r.error <= atol + rtol * abs(r.numeric)]
    if not bad:
        return True
    if not raise_exception:
        return False
    name = getattr(fn, "__name__", repr(fn))
    lines = [f"{what} of {name} disagrees with finite differences "
             f"(tolerance: atol={atol:g} + rtol={rtol:g} * |numeric|):",
             f"  {'input':>5}  {'x':>14}  {'analytic':>16}  {'numeric':>16}  {'error':>10}"]
    for r in rows:
        mark = "  <- mismatch" if r in bad else ""
        lines.append(f"  {r.index:>5}  {r.x:>14.8g}  {r.analytic:>16.10g}  {r.numeric:>16.10g}  "
                     f"{r.error:>10.3g}{mark}")
    raise GradcheckError("\n".join(lines))


def gradcheck(fn: Callable, inputs: Sequence[float], eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Compare backward's gradient of ``fn`` with central differences at ``inputs``.

    ``fn`` takes one Value per input and returns a Value.  Returns True when all
    gradients agree; otherwise raises GradcheckError listing each input, the
    analytic and numeric gradients and the error (or returns False when
    ``raise_exception=False``).

    >>> gradcheck(lambda x, y: (x + y) ** 2, [1.0, 2.0])
    True
    """
    _require_callable(fn, "gradcheck")
    xs = _inputs(inputs, "gradcheck")
    atol, rtol = _tolerance(atol, "gradcheck(atol)"), _tolerance(rtol, "gradcheck(rtol)")
    values = [Value(x) for x in xs]
    out = _output(fn(*values), fn)
    out.backward()
    numeric = numeric_grad(fn, xs, eps)
    rows = [_Row(i, x, v.grad, n) for i, (x, v, n) in enumerate(zip(xs, values, numeric))]
    return _compare(rows, atol, rtol, "gradient", fn, raise_exception)


def gradgradcheck(fn: Callable, inputs: Sequence[float], eps: float = 1e-6, atol: float = 1e-4,
                  rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check second derivatives: the gradient of each first derivative (built with
    ``grad(create_graph=True)``) against central differences of that first derivative.

    The first derivatives built as Values are first checked against central
    differences of ``fn`` too: they come from the table's rules run on Values, a
    different path from the floats ``gradcheck`` checks, and a rule wrong there
    would otherwise agree with its own finite differences.

    >>> gradgradcheck(lambda x: x.tanh(), [0.5])
    True
    """
    _require_callable(fn, "gradgradcheck")
    xs = _inputs(inputs, "gradgradcheck")
    atol, rtol = _tolerance(atol, "gradgradcheck(atol)"), _tolerance(rtol, "gradgradcheck(rtol)")
    values = [Value(x) for x in xs]
    first = grad(_output(fn(*values), fn), values, create_graph=True)
    rows = [_Row(i, x, d.data, n) for i, (x, d, n) in enumerate(zip(xs, first, numeric_grad(fn, xs, eps)))]
    if not _compare(rows, atol, rtol, "first derivative (create_graph=True)", fn, raise_exception):
        return False
    for j in range(len(xs)):
        def first_derivative(*vs, j=j):
            return grad(_output(fn(*vs), fn), list(vs), create_graph=True)[j]
        first_derivative.__name__ = f"d/dx{j} {getattr(fn, '__name__', 'fn')}"
        values = [Value(x) for x in xs]
        analytic = grad(first_derivative(*values), values)
        numeric = numeric_grad(first_derivative, xs, eps)
        rows = [_Row(i, x, a, n) for i, (x, a, n) in enumerate(zip(xs, analytic, numeric))]
        if not _compare(rows, atol, rtol, "second derivative", first_derivative, raise_exception):
            return False
    return True


# -- running a graph forward again ---------------------------------------------------

class NoForwardRule(ValueError):
    """A node must be recomputed but was made by hand, without a rule in the primitive table."""

    def __init__(self, node: Value):
        self.node = node
        op = f"operation {str(node.op)!r}" if node.op else "an operation with no name"
        super().__init__(
            f"recompute: {node!r} ({op}) was made with Value(data, parents, local_grads), so there "
            "is no forward rule to compute it again; register the operation with "
            "autograd.ops.define() and make its nodes with autograd.value.apply(), or check it "
            "with autograd.gradcheck(fn, inputs)")


def recompute_from(order: Sequence[Value], start: int, changes: Mapping[Value, float]) -> dict:
    """New data of every node from ``order[start:]`` on that depends on a changed Value.

    ``order`` is a topological order (parents first); only the changed Values and
    the nodes that depend on them are in the result.

    >>> x = Value(1.0); y = x * 3; z = y + 1
    >>> recompute_from([x, y, z], 0, {x: 2.0})[z]
    7.0
    """
    values = dict(changes)
    for v in order[start:]:
        if v in values or not any(p in values for p in v.parents):
            continue  # unchanged: its stored data is still right
        prim = ops.primitive_of(v)
        if prim is None:
            raise NoForwardRule(v)
        inputs = [values.get(p, p.data) for p in v.parents]
        number = prim.forward(*inputs, *v.op.params)
        if not math.isfinite(number):  # + * / give inf rather than raise
            shown = ", ".join(repr(x) for x in inputs[:3]) + (", ..." if len(inputs) > 3 else "")
            raise OverflowError(f"recompute: {v!r} computed again from ({shown}) overflows a "
                                "float (the largest is about 1.8e+308)")
        values[v] = number
    return values


def recompute(root: Value, changes: Mapping[Value, float]) -> dict:
    """Every Value of ``root``'s graph computed again, with some Values set to new numbers.

    Each node that depends on a changed Value is recomputed from its primitive's
    ``forward`` rule, parents first; the others keep their ``data``.  The graph
    itself is not touched.  Returns a dict Value -> number for every node.
    Raises ``NoForwardRule`` for a node that must be recomputed but was made by
    hand with ``Value(data, parents, local_grads)``.

    >>> x, y = Value(1.0), Value(2.0)
    >>> z = (x + y) ** 2
    >>> recompute(z, {x: 2.0})[z], z.data          # (2 + 2)**2, and z is unchanged
    (16.0, 9.0)
    """
    if not isinstance(root, Value):
        raise TypeError(f"recompute(): expected a Value, got {type(root).__name__} {root!r}")
    order = topological_order(root)
    index = {v: k for k, v in enumerate(order)}
    new = {}
    for v, number in changes.items():
        if v not in index:
            raise ValueError(f"recompute(): {v!r} is not part of the graph of {root!r}")
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise TypeError(f"recompute(): the new value of {v!r} must be a number, got {number!r}")
        new[v] = to_float(number, f"recompute(): the new value of {v!r}")
    start = min((index[v] for v in new), default=len(order))
    values = recompute_from(order, start, new)
    return {v: values.get(v, v.data) for v in order}
