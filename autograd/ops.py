"""The primitive table: every operation the engine knows, defined once.

Each entry says four things about one operation:

* ``forward``    -- its value, computed on plain floats;
* ``derivative`` -- its local derivative with respect to each input.  The rule is
  written with ordinary arithmetic, so the *same* function runs on floats (the fast
  first-order pass stores floats in ``Value.local_grads``) and on ``Value`` objects
  (``grad(..., create_graph=True)`` builds a graph of the derivative, which is what
  makes second derivatives work);
* ``symbol``     -- how the node is labelled in drawings (``'+'``, ``'tanh'``, ``'**2'``);
* ``formulas``   -- the derivative as text, one per input, for explanations.

Operators and methods of ``Value`` read from this table, and so do drawing,
``backward_steps`` and ``explain``.  To add a primitive, call :func:`define` right
beside its rules.
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Callable, Iterable

__all__ = ["Primitive", "Op", "define", "PRIMITIVES", "op_for"]


@dataclass(frozen=True, eq=False)
class Primitive:
    """One operation: its value, its local derivatives and how to write them.

    >>> PRIMITIVES['mul'].derivative(6.0, 2.0, 3.0)  # d(xy)/dx = y, d(xy)/dy = x
    (3.0, 2.0)
    """

    name: str
    forward: Callable[..., float]
    derivative: Callable[..., tuple]
    symbol: str
    formulas: tuple[str, ...] = ()
    params: tuple[str, ...] = ()  # names of constant parameters, e.g. ('n',) for x**n
    doc: str = field(default="", compare=False)

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"


class Op(str):
    """The name of a node's operation as a learner reads it (``'+'``, ``'**2'``).

    It *is* a ``str`` -- ``node.op == '**2'`` holds -- and it also carries the
    table entry (``op.primitive``) and the constant parameters (``op.params``) so
    that the derivative can be rebuilt as Values for higher-order gradients.
    One ``Op`` object exists per (primitive, parameters), so nodes share it.

    >>> op = op_for(POW, 2)
    >>> op == '**2', op.primitive.name, op.params
    (True, 'pow', (2,))
    """

    primitive: Primitive | None
    params: tuple

    def __new__(cls, text: str, primitive: Primitive | None = None, params: tuple = ()):
        op = super().__new__(cls, text)
        op.primitive = primitive
        op.params = params
        return op


PRIMITIVES: dict[str, Primitive] = {}
_OPS: dict[tuple, Op] = {}


def define(name: str, forward: Callable[..., float], derivative: Callable[..., tuple],
           symbol: str | None = None, formulas: Iterable[str] = (), params: Iterable[str] = (),
           doc: str = "") -> Primitive:
    """Register a primitive and return it.

    ``forward(*inputs, *params)`` gives the value; ``derivative(out, *inputs,
    *params)`` gives one local derivative per input, written with plain
    arithmetic (or ``Value`` methods) so that it runs on floats and on Values.
    Make nodes with ``autograd.value.apply(op_for(primitive, *params), parents)``.

    >>> square = define('square_demo', lambda x: x * x, lambda out, x: (2 * x,),
    ...                 symbol='²', formulas=('2{x}',))
    >>> op = op_for(square)
    >>> op, op.primitive.name
    ('²', 'square_demo')
    >>> del PRIMITIVES['square_demo']  # keep the demo out of the table
    """
    if name in PRIMITIVES:
        raise ValueError(f"define(): a primitive named {name!r} already exists")
    if not (callable(forward) and callable(derivative)):
        raise TypeError(f"define({name!r}): forward and derivative must be functions, got "
                        f"{type(forward).__name__} and {type(derivative).__name__}")
    prim = Primitive(name, forward, derivative, symbol or name, tuple(formulas), tuple(params), doc)
    PRIMITIVES[name] = prim
    return prim


def op_for(primitive: Primitive, *params) -> Op:
    """The shared ``Op`` of ``primitive`` with these parameters (made once, then cached).

    >>> op_for(LEAKY_RELU, 0.1)
    'LeakyReLU(0.1)'
    """
    # Keyed by the entry itself, not its name: a name removed and defined again
    # must not get the old entry's Op back.
    key = (primitive, *params)
    op = _OPS.get(key)
    if op is None:
        text = primitive.symbol
        if primitive.params:
            text = text.format(**{k: _number_text(v) for k, v in zip(primitive.params, params)})
        op = _OPS[key] = Op(text, primitive, params)
    return op


def _number_text(x) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


# ---------------------------------------------------------------------------
# Helpers that let one rule serve floats and Values alike.  Node data is always
# a Python float, so ``type(x) is float`` tells the fast pass from the graph pass.

def _call(x, float_fn, method):
    return float_fn(x) if type(x) is float else getattr(x, method)()


def _sigmoid_float(x: float) -> float:
    # Two forms so that exp never overflows: e^-x for x >= 0, e^x for x < 0.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus_float(x: float) -> float:
    # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): no overflow for large |x|.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _exp_float(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(f"exp() overflows a float for Value(data={x!r}); "
                            "exp of anything above about 709.78 is too large") from None


def _log_float(x: float) -> float:
    if x <= 0.0:
        raise ValueError(f"log() of a non-positive number: Value(data={x!r})")
    return math.log(x)


def _pow_float(x: float, n: float) -> float:
    if x == 0.0 and n < 0:
        raise ZeroDivisionError(f"Value(data=0.0) ** {n!r}: zero cannot be raised to a negative power")
    if x < 0.0 and not float(n).is_integer():
        raise ValueError(f"Value(data={x!r}) ** {n!r}: a negative base needs an integer exponent "
                         "(the result would be a complex number)")
    if x == 0.0 and 0 < n < 1:
        raise ValueError(f"Value(data=0.0) ** {n!r}: the derivative {n!r}*x**{n - 1!r} is infinite at 0")
    try:
        return x ** n
    except OverflowError:
        raise OverflowError(f"Value(data={x!r}) ** {n!r} overflows a float") from None


def _exp(x):
    return _call(x, _exp_float, "exp")


def _cos(x):
    return _call(x, math.cos, "cos")


def _sin(x):
    return _call(x, math.sin, "sin")


def _sigmoid(x):
    return _call(x, _sigmoid_float, "sigmoid")


# ---------------------------------------------------------------------------
# The table.  Each derivative rule returns one local derivative per input.

ADD = define("add", operator.add, lambda out, x, y: (1.0, 1.0), symbol="+",
             formulas=("1", "1"), doc="x + y")
MUL = define("mul", operator.mul, lambda out, x, y: (y, x), symbol="*",
             formulas=("{y}", "{x}"), doc="x * y")


def _div_float(x: float, y: float) -> float:
    if y == 0.0:
        raise ZeroDivisionError(f"division by zero: Value(data={x!r}) / Value(data=0.0)")
    return x / y


# A primitive of its own rather than x * y**-1: one rounding instead of two, so that
# e / sum(e) gives the same floats as numpy's division (the notes' softmax printout).
# d/dy (x / y) = -x / y^2 = -out / y
DIV = define("div", _div_float, lambda out, x, y: (1.0 / y, -out / y), symbol="/",
             formulas=("1/{y}", "-{x}/{y}^2"), doc="x / y")
def _pow_derivative(out, x, n):
    # d/dx x**n = n x**(n-1).  For n = 0, x**0 is the constant 1, whose derivative
    # is 0 everywhere -- also at x = 0, where the formula would need 0**-1.
    # (``not n`` rather than ``n == 0``: comparing a float exponent with 0 costs more.)
    if not n:
        return (0.0,)
    try:
        return (n * x ** (n - 1),)
    except OverflowError:
        x = getattr(x, "data", x)  # a Value when building the derivative's graph
        raise OverflowError(f"the derivative of Value(data={x!r}) ** {n!r}, which is "
                            f"{n!r} * x ** {n - 1!r}, overflows a float") from None


POW = define("pow", _pow_float, _pow_derivative, symbol="**{n}",
             formulas=("{n}{x}^{n-1}",), params=("n",), doc="x ** n for a constant n")
EXP = define("exp", _exp_float, lambda out, x: (out,), formulas=("exp({x})",), doc="e^x")
LOG = define("log", _log_float, lambda out, x: (1.0 / x,), formulas=("1/{x}",), doc="natural log")
def _finite_only(name: str, fn):
    # math.sin(inf) says only "math domain error"; say which operation and which value
    def forward(x: float) -> float:
        if not math.isfinite(x):
            raise ValueError(f"{name}() of a number that is not finite: Value(data={x!r})")
        return fn(x)
    forward.__name__ = f"_{name}_float"
    return forward


SIN = define("sin", _finite_only("sin", math.sin), lambda out, x: (_cos(x),), formulas=("cos({x})",))
COS = define("cos", _finite_only("cos", math.cos), lambda out, x: (-_sin(x),), formulas=("-sin({x})",))
TANH = define("tanh", math.tanh, lambda out, x: (1.0 - out * out,),
              formulas=("1 - tanh({x})^2",))
SIGMOID = define("sigmoid", _sigmoid_float, lambda out, x: (out * (1.0 - out),),
                 symbol="σ", formulas=("σ({x})(1 - σ({x}))",))
RELU = define("relu", lambda x: x if x > 0.0 else 0.0,
              lambda out, x: (1.0 if x > 0.0 else 0.0,), symbol="ReLU",
              formulas=("1 if {x} > 0 else 0",))
LEAKY_RELU = define("leaky_relu", lambda x, slope: x if x > 0.0 else slope * x,
                    lambda out, x, slope: (1.0 if x > 0.0 else slope,), symbol="LeakyReLU({slope})",
                    formulas=("1 if {x} > 0 else {slope}",), params=("slope",))
ELU = define("elu", lambda x, alpha: x if x > 0.0 else alpha * math.expm1(x),
             # below zero d/dx alpha(e^x - 1) = alpha e^x = out + alpha
             lambda out, x, alpha: (1.0 if x > 0.0 else out + alpha,), symbol="ELU({alpha})",
             formulas=("1 if {x} > 0 else ELU({x}) + {alpha}",), params=("alpha",))
SOFTPLUS = define("softplus", _softplus_float, lambda out, x: (_sigmoid(x),),
                  formulas=("σ({x})",))
ABS = define("abs", abs, lambda out, x: (1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0,),
             symbol="abs", formulas=("sign({x})",))


def _linear_forward(*xs):
    n = len(xs) // 2
    return math.fsum(map(operator.mul, xs[:n], xs[n:2 * n])) + xs[-1]


def _linear_derivative(out, *xs):
    # d/dw_i = x_i, d/dx_i = w_i, d/db = 1
    n = len(xs) // 2
    return (*xs[n:2 * n], *xs[:n], 1.0)


# n-ary nodes: one node for a whole weighted sum or a whole sum, with one local
# derivative per parent.  They are true scalar nodes; fusing n multiplications
# and n additions into one node is what makes a neuron cheap (see bench/).
LINEAR = define("linear", _linear_forward, _linear_derivative, symbol="Σw·x+b",
                formulas=("{x_i}", "{w_i}", "1"), doc="w1*x1 + ... + wn*xn + b; parents (w..., x..., b)")
SUM = define("sum", lambda *xs: math.fsum(xs), lambda out, *xs: (1.0,) * len(xs),
             symbol="Σ", formulas=("1",), doc="x1 + ... + xn")
