"""The primitive table: every operation the engine knows, each defined once, in one entry.

A primitive's one :func:`define` call says everything about it:

* ``forward``    -- its value, computed on plain floats;
* ``derivative`` -- its local derivative with respect to each input.  The rule is
  written with ordinary arithmetic (and the helpers below, which pick ``math``,
  ``Value`` or ``numpy`` by the argument's type), so the *same* function runs on
  floats (the fast first-order pass stores floats in ``Value.local_grads``), on
  ``Value`` objects (``grad(..., create_graph=True)`` builds a graph of the
  derivative, which is what makes second derivatives work) and on numpy arrays
  (tape replay);
* ``symbol`` and ``formulas`` -- how the node is labelled in drawings (``'+'``,
  ``'tanh'``, ``'**2'``) and its derivative as text, one per input;
* ``latex``      -- its name in LaTeX (``\\tanh``), for formulas and chain rules;
* ``array_forward`` (and, where the scalar rule branches, ``array_derivative``)
  -- the same operation over a numpy array, for tape replay;
* ``method`` and ``example`` -- the name of its ``Value`` method and a doctest
  for that method's docstring.

``Value``'s methods, ``backward``, ``grad``, drawing, the step table,
``explain``, ``check_graph`` and tape replay all read from here.  Adding a
primitive is one ``define()`` call plus its test cases (see CONTRIBUTING.md).
"""
from __future__ import annotations

import math
import operator
import sys
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np

__all__ = ["Primitive", "Op", "define", "PRIMITIVES", "op_for", "primitive_of", "linear_parts"]


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
    arity: int | None = 1          # inputs; None for n-ary (linear, sum)
    latex: str = ""                # e.g. r'\tanh'; '' writes the symbol as an operator name
    array_forward: Callable | None = None
    array_derivative: Callable | None = None  # None: ``derivative`` runs on arrays as it is
    method: str = ""               # the Value method that applies it ('' for none)
    example: str = ""              # '>>> ...' lines for the method's docstring
    defaults: tuple = ()           # default values of ``params`` for the method

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"

    @property
    def replayable(self) -> bool:
        """True when tape replay can run it over an array (it has an array rule)."""
        return self.array_forward is not None

    def derivative_on_arrays(self, out, *xs):
        """The local derivatives over numpy arrays: ``array_derivative`` or the scalar rule."""
        return (self.array_derivative or self.derivative)(out, *xs)


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
           doc: str = "", *, arity: int | None = 1, latex: str = "",
           array_forward: Callable | None = None, array_derivative: Callable | None = None,
           method: str = "", example: str = "", defaults: Iterable = ()) -> Primitive:
    """Register a primitive and return it.

    ``forward(*inputs, *params)`` gives the value; ``derivative(out, *inputs,
    *params)`` gives one local derivative per input, written with plain
    arithmetic (or ``Value`` methods) so that it runs on floats and on Values.
    Make nodes with ``autograd.value.apply(op_for(primitive, *params), parents)``;
    with ``method='name'`` a unary primitive is also the Value method ``x.name()``.

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
    prim = Primitive(name, forward, derivative, symbol or name, tuple(formulas), tuple(params), doc,
                     arity, latex, array_forward, array_derivative, method, example, tuple(defaults))
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


def primitive_of(node) -> Primitive | None:
    """The table entry a node was made from, or None for a leaf or a node made by hand.

    >>> from autograd import Value
    >>> primitive_of(Value(2.0) * 3), primitive_of(Value(2.0))
    (Primitive('mul'), None)
    """
    return getattr(node.op, "primitive", None)


def linear_parts(parents: Sequence) -> tuple[Sequence, Sequence, object]:
    """A ``linear`` node's parents ``(w..., x..., b)`` split into (weights, inputs, bias).

    Slices of what it is given: tuples for a node's parents, views for the rows
    of an array (tape replay).

    >>> linear_parts(('w0', 'w1', 'x0', 'x1', 'b'))
    (('w0', 'w1'), ('x0', 'x1'), 'b')
    """
    n = (len(parents) - 1) // 2
    return parents[:n], parents[n:2 * n], parents[-1]


def _number_text(x) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


# ---------------------------------------------------------------------------
# Helpers that let one rule serve floats, Values and arrays alike.  Node data is
# always a Python float, so ``type(x) is float`` tells the fast pass first.

def _call(x, float_fn, method: str, array_fn):
    if type(x) is float:
        return float_fn(x)
    if isinstance(x, np.ndarray):
        return array_fn(x)
    return getattr(x, method)()


def _exp(x):
    return _call(x, _exp_float, "exp", np.exp)


def _cos(x):
    return _call(x, math.cos, "cos", np.cos)


def _sin(x):
    return _call(x, math.sin, "sin", np.sin)


def _cosh(x):
    return _call(x, math.cosh, "cosh", np.cosh)


def _sinh(x):
    return _call(x, math.sinh, "sinh", np.sinh)


def _sigmoid(x):
    return _call(x, _sigmoid_float, "sigmoid", _sigmoid_array)


def _domain_error(name: str, x, requirement: str, replay: bool = False) -> ValueError:
    where = " (in tape replay)" if replay else ""
    return ValueError(f"{name}() needs {requirement}: Value(data={float(x)!r}){where}")


def _first_bad(x: np.ndarray, bad: np.ndarray) -> float:
    return float(x[bad][0])


def _overflow(name: str, x, replay: bool = False) -> OverflowError:
    where = " (in tape replay)" if replay else ""
    return OverflowError(f"{name}() overflows a float for Value(data={float(x)!r}){where}")


def _float_rule(name: str, fn, domain: Callable[[float], bool] | None = None, requirement: str = ""):
    """``fn`` on a float, refusing numbers outside its domain and results that overflow."""
    def forward(x: float) -> float:
        if not math.isfinite(x):
            raise ValueError(f"{name}() of a number that is not finite: Value(data={x!r})")
        if domain is not None and not domain(x):
            raise _domain_error(name, x, requirement)
        try:
            out = fn(x)
        except OverflowError:
            raise _overflow(name, x) from None
        if not math.isfinite(out):
            raise _overflow(name, x)
        return out
    forward.__name__ = f"_{name}_float"
    return forward


def _array_rule(name: str, fn, domain: Callable | None = None, requirement: str = ""):
    """``fn`` on an array, with the float rule's checks (the first bad sample is named)."""
    def forward(x: np.ndarray) -> np.ndarray:
        if domain is not None:
            bad = ~domain(x)
            if bad.any():
                raise _domain_error(name, _first_bad(x, bad), requirement, replay=True)
        with np.errstate(over="ignore", invalid="ignore"):
            out = fn(x)
        bad = ~np.isfinite(out)
        if bad.any():
            raise _overflow(name, _first_bad(x, bad), replay=True)
        return out
    forward.__name__ = f"_{name}_array"
    return forward


def _sigmoid_float(x: float) -> float:
    # Two forms so that exp never overflows: e^-x for x >= 0, e^x for x < 0.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sigmoid_array(x: np.ndarray) -> np.ndarray:
    # the same two stable forms as the float rule
    out = np.empty_like(x)
    pos = x >= 0.0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def _softplus_float(x: float) -> float:
    # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): no overflow for large |x|.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _softplus_array(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


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


def _log_array(x: np.ndarray) -> np.ndarray:
    bad = x <= 0.0
    if bad.any():
        raise ValueError(f"log() of a non-positive number: Value(data={_first_bad(x, bad)!r}) "
                         "(in tape replay)")
    return np.log(x)


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


def _pow_array(x: np.ndarray, n: float) -> np.ndarray:
    if not float(n).is_integer() and np.any(x < 0.0):
        raise ValueError(f"Value ** {n!r}: a negative base needs an integer exponent (in tape replay)")
    if n < 0 and np.any(x == 0.0):
        raise ZeroDivisionError(f"Value(data=0.0) ** {n!r}: zero cannot be raised to a negative power "
                                "(in tape replay)")
    return np.power(x, n)


def _div_float(x: float, y: float) -> float:
    if y == 0.0:
        raise ZeroDivisionError(f"division by zero: Value(data={x!r}) / Value(data=0.0)")
    return x / y


def _div_array(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if np.any(y == 0.0):
        raise ZeroDivisionError("division by zero (in tape replay)")
    return x / y


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


def _where_positive(x, then, otherwise):
    """The array form of ``then if x > 0 else otherwise``."""
    return np.where(x > 0.0, then, otherwise)


# ---------------------------------------------------------------------------
# The table.  Each derivative rule returns one local derivative per input.

ADD = define("add", operator.add, lambda out, x, y: (1.0, 1.0), symbol="+",
             formulas=("1", "1"), doc="x + y", arity=2, array_forward=np.add)
MUL = define("mul", operator.mul, lambda out, x, y: (y, x), symbol="*",
             formulas=("{y}", "{x}"), doc="x * y", arity=2, array_forward=np.multiply)
# A primitive of its own rather than x * y**-1: one rounding instead of two, so that
# e / sum(e) gives the same floats as numpy's division (the notes' softmax printout).
# d/dy (x / y) = -x / y^2 = -out / y
DIV = define("div", _div_float, lambda out, x, y: (1.0 / y, -out / y), symbol="/",
             formulas=("1/{y}", "-{x}/{y}^2"), doc="x / y", arity=2, array_forward=_div_array)
POW = define("pow", _pow_float, _pow_derivative, symbol="**{n}",
             formulas=("{n}{x}^{n-1}",), params=("n",), doc="x ** n for a constant n",
             array_forward=_pow_array)

EXP = define("exp", _exp_float, lambda out, x: (out,), formulas=("exp({x})",), latex=r"\exp",
             array_forward=_array_rule("exp", np.exp), method="exp",
             doc="e ** x.  OverflowError (naming the value) above about 709.78, where e ** x "
                 "no longer fits in a float.",
             example=">>> Value(0.0).exp().data\n1.0")
LOG = define("log", _log_float, lambda out, x: (1.0 / x,), formulas=("1/{x}",), latex=r"\log",
             array_forward=_log_array, method="log",
             doc="The natural logarithm; ValueError for a non-positive number.",
             example=">>> Value(1.0).log().data\n0.0")
SIN = define("sin", _float_rule("sin", math.sin), lambda out, x: (_cos(x),),
             formulas=("cos({x})",), latex=r"\sin", array_forward=np.sin, method="sin",
             doc="The sine (radians).", example=">>> Value(0.0).sin().data\n0.0")
COS = define("cos", _float_rule("cos", math.cos), lambda out, x: (-_sin(x),),
             formulas=("-sin({x})",), latex=r"\cos", array_forward=np.cos, method="cos",
             doc="The cosine (radians).", example=">>> Value(0.0).cos().data\n1.0")
TANH = define("tanh", math.tanh, lambda out, x: (1.0 - out * out,), formulas=("1 - tanh({x})^2",),
              latex=r"\tanh", array_forward=np.tanh, method="tanh",
              doc="The hyperbolic tangent, between -1 and 1 for any input.",
              example=">>> Value(0.0).tanh().data\n0.0")
SIGMOID = define("sigmoid", _sigmoid_float, lambda out, x: (out * (1.0 - out),),
                 symbol="σ", formulas=("σ({x})(1 - σ({x}))",), latex=r"\sigma",
                 array_forward=_sigmoid_array, method="sigmoid",
                 doc="1 / (1 + e^-x), computed without overflow for any input.",
                 example=">>> Value(0.0).sigmoid().data\n0.5")
RELU = define("relu", lambda x: x if x > 0.0 else 0.0,
              lambda out, x: (1.0 if x > 0.0 else 0.0,), symbol="ReLU",
              formulas=("1 if {x} > 0 else 0",),
              array_forward=lambda x: _where_positive(x, x, 0.0),
              array_derivative=lambda out, x: (_where_positive(x, 1.0, 0.0),), method="relu",
              doc="max(0, x); its derivative at exactly 0 is taken to be 0.",
              example=">>> Value(-2.0).relu().data, Value(3.0).relu().data\n(0.0, 3.0)")
LEAKY_RELU = define("leaky_relu", lambda x, slope: x if x > 0.0 else slope * x,
                    lambda out, x, slope: (1.0 if x > 0.0 else slope,), symbol="LeakyReLU({slope})",
                    formulas=("1 if {x} > 0 else {slope}",), params=("slope",), defaults=(0.01,),
                    array_forward=lambda x, slope: _where_positive(x, x, slope * x),
                    array_derivative=lambda out, x, slope: (_where_positive(x, 1.0, slope),),
                    method="leaky_relu", doc="x for x > 0, slope * x otherwise.",
                    example=">>> Value(-2.0).leaky_relu(0.1).data\n-0.2")
ELU = define("elu", lambda x, alpha: x if x > 0.0 else alpha * math.expm1(x),
             # below zero d/dx alpha(e^x - 1) = alpha e^x = out + alpha
             lambda out, x, alpha: (1.0 if x > 0.0 else out + alpha,), symbol="ELU({alpha})",
             formulas=("1 if {x} > 0 else ELU({x}) + {alpha}",), params=("alpha",), defaults=(1.0,),
             array_forward=lambda x, alpha: _where_positive(x, x, alpha * np.expm1(np.minimum(x, 0.0))),
             array_derivative=lambda out, x, alpha: (_where_positive(x, 1.0, out + alpha),),
             method="elu", doc="x for x > 0, alpha * (e^x - 1) otherwise.",
             example=">>> Value(2.0).elu().data, Value(-1000.0).elu(alpha=0.5).data\n(2.0, -0.5)")
SOFTPLUS = define("softplus", _softplus_float, lambda out, x: (_sigmoid(x),),
                  formulas=("σ({x})",), array_forward=_softplus_array, method="softplus",
                  doc="log(1 + e^x), computed without overflow for any input.",
                  example=">>> Value(1000.0).softplus().data\n1000.0")
ABS = define("abs", abs, lambda out, x: (1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0,),
             symbol="abs", formulas=("sign({x})",), array_forward=np.abs,
             array_derivative=lambda out, x: (np.sign(x),), method="abs",
             doc="|x|; its derivative at exactly 0 is taken to be 0.",
             example=">>> abs(Value(-3.0)).data\n3.0")

# Trigonometric and hyperbolic functions and the two accurate near-zero forms of
# log and exp: each is one entry (its tests are one case in tests/test_primitives.py,
# one in tests/test_tape.py and one in tests/test_torch_primitives.py).
TAN = define("tan", _float_rule("tan", math.tan), lambda out, x: (1.0 + out * out,),
             formulas=("1 + tan({x})^2",), latex=r"\tan", array_forward=_array_rule("tan", np.tan),
             method="tan", doc="The tangent (radians); d/dx tan x = 1 + tan² x.",
             example=">>> Value(0.0).tan().data\n0.0")
ATAN = define("atan", _float_rule("atan", math.atan), lambda out, x: (1.0 / (1.0 + x * x),),
              formulas=("1/(1 + {x}^2)",), latex=r"\arctan", array_forward=np.arctan,
              method="atan", doc="The inverse tangent, between -π/2 and π/2.",
              example=">>> Value(1.0).atan().data * 4\n3.141592653589793")


def _inside_unit(x):
    return (-1.0 < x) & (x < 1.0) if isinstance(x, np.ndarray) else -1.0 < x < 1.0


_UNIT = "a number strictly between -1 and 1 (at ±1 its derivative is infinite)"
ASIN = define("asin", _float_rule("asin", math.asin, _inside_unit, _UNIT),
              lambda out, x: ((1.0 - x * x) ** -0.5,), formulas=("(1 - {x}^2)^-0.5",),
              latex=r"\arcsin", array_forward=_array_rule("asin", np.arcsin, _inside_unit, _UNIT),
              method="asin", doc="The inverse sine, for -1 < x < 1.",
              example=">>> Value(0.0).asin().data\n0.0")
ACOS = define("acos", _float_rule("acos", math.acos, _inside_unit, _UNIT),
              lambda out, x: (-((1.0 - x * x) ** -0.5),), formulas=("-(1 - {x}^2)^-0.5",),
              latex=r"\arccos", array_forward=_array_rule("acos", np.arccos, _inside_unit, _UNIT),
              method="acos", doc="The inverse cosine, for -1 < x < 1.",
              example=">>> Value(0.0).acos().data * 2\n3.141592653589793")
SINH = define("sinh", _float_rule("sinh", math.sinh), lambda out, x: (_cosh(x),),
              formulas=("cosh({x})",), latex=r"\sinh", array_forward=_array_rule("sinh", np.sinh),
              method="sinh", doc="The hyperbolic sine (e^x - e^-x) / 2.",
              example=">>> Value(0.0).sinh().data\n0.0")
COSH = define("cosh", _float_rule("cosh", math.cosh), lambda out, x: (_sinh(x),),
              formulas=("sinh({x})",), latex=r"\cosh", array_forward=_array_rule("cosh", np.cosh),
              method="cosh", doc="The hyperbolic cosine (e^x + e^-x) / 2.",
              example=">>> Value(0.0).cosh().data\n1.0")


def _above_minus_one(x):
    return x > -1.0


LOG1P = define("log1p", _float_rule("log1p", math.log1p, _above_minus_one, "a number above -1"),
               lambda out, x: (1.0 / (1.0 + x),), formulas=("1/(1 + {x})",),
               array_forward=_array_rule("log1p", np.log1p, _above_minus_one, "a number above -1"),
               method="log1p", doc="log(1 + x), accurate for x near 0; for x > -1.",
               example=">>> Value(1e-20).log1p().data\n1e-20")
# d/dx (e^x - 1) = e^x = out + 1
EXPM1 = define("expm1", _float_rule("expm1", math.expm1), lambda out, x: (out + 1.0,),
               formulas=("exp({x})",), array_forward=_array_rule("expm1", np.expm1),
               method="expm1", doc="e^x - 1, accurate for x near 0.",
               example=">>> Value(1e-20).expm1().data\n1e-20")


# The parents are (w..., x..., b), the layout ``linear_parts`` describes; these two
# rules slice it themselves, as they run once per neuron per sample (a call less).
def _linear_forward(*xs):
    n = len(xs) // 2
    try:
        out = math.fsum(map(operator.mul, xs[:n], xs[n:2 * n])) + xs[-1]
    except (OverflowError, ValueError):  # fsum's "intermediate overflow", "-inf + inf"
        out = math.inf
    if not -_LARGEST <= out <= _LARGEST:  # inf or NaN (NaN compares false with everything)
        raise _linear_not_finite(xs)
    return out


_LARGEST = sys.float_info.max


def _linear_not_finite(xs) -> ArithmeticError:
    weights, inputs, bias = linear_parts(xs)
    for name, numbers in (("weight", weights), ("input", inputs), ("bias", (bias,))):
        for i, number in enumerate(numbers):
            if not math.isfinite(number):  # set by hand: Value() refuses inf and NaN
                where = f"{name} {i}" if name != "bias" else name
                return ValueError(f"linear(): {where} is {number!r}, not a finite number "
                                  "(its data was set by hand after it was made)")
    for i, (w, x) in enumerate(zip(weights, inputs)):
        if not math.isfinite(w * x):
            return OverflowError(f"linear(): weight {i} times input {i}, {w!r} * {x!r}, overflows a "
                                 "float (the largest is about 1.8e+308): rescale the numbers")
    return OverflowError(f"linear(): the weighted sum w·x + b (with the bias {bias!r}) overflows a "
                         "float (the largest is about 1.8e+308): rescale the numbers")


def _sum_forward(*xs):
    try:
        return math.fsum(xs)
    except (OverflowError, ValueError):  # fsum's own messages name neither the operation nor the values
        largest = max(xs, key=abs)
        raise OverflowError(f"sum() of {len(xs)} values overflows a float (the largest is about "
                            f"1.8e+308; the largest value summed is {largest!r}): rescale the "
                            "numbers") from None


def _linear_derivative(out, *xs):
    # d/dw_i = x_i, d/dx_i = w_i, d/db = 1
    n = len(xs) // 2
    return (*xs[n:2 * n], *xs[:n], 1.0)


def _linear_array(rows: np.ndarray) -> np.ndarray:
    weights, inputs, bias = linear_parts(rows)
    return np.einsum("ij,ij->j", weights, inputs) + bias


def _linear_array_derivative(out, rows: np.ndarray) -> np.ndarray:
    weights, inputs, _ = linear_parts(rows)
    return np.concatenate((inputs, weights, np.ones((1, rows.shape[1]))))


def _max_derivative(out, *xs):
    # 1 towards the (first) largest parent, 0 towards the others.  Compared by data:
    # under create_graph the parents are Values, and Values compare by identity.
    datas = [getattr(x, "data", x) for x in xs]
    first = datas.index(getattr(out, "data", out))
    return tuple(1.0 if i == first else 0.0 for i in range(len(xs)))


def _max_array_derivative(out, rows: np.ndarray) -> np.ndarray:
    one_hot = np.zeros_like(rows)
    one_hot[rows.argmax(axis=0), np.arange(rows.shape[1])] = 1.0  # argmax: the first largest
    return one_hot


# n-ary nodes: one node for a whole weighted sum, sum or maximum, with one local
# derivative per parent.  They are true scalar nodes; fusing n multiplications
# and n additions into one node is what makes a neuron cheap (see bench/).  Their
# array rules take all the parents at once, stacked as the rows of one 2-D array.
LINEAR = define("linear", _linear_forward, _linear_derivative, symbol="Σw·x+b",
                formulas=("{x_i}", "{w_i}", "1"), arity=None,
                array_forward=_linear_array, array_derivative=_linear_array_derivative,
                doc="w1*x1 + ... + wn*xn + b; parents (w..., x..., b)")
SUM = define("sum", _sum_forward, lambda out, *xs: (1.0,) * len(xs),
             symbol="Σ", formulas=("1",), arity=None,
             array_forward=lambda rows: rows.sum(axis=0),
             array_derivative=lambda out, rows: np.ones_like(rows), doc="x1 + ... + xn")
# softmax subtracts the largest logit (so exp cannot overflow) as this node, so that
# tape replay takes each sample's own largest logit.
MAX = define("max", lambda *xs: max(xs), _max_derivative, symbol="max",
             formulas=("1 if largest else 0",), arity=None, array_forward=lambda rows: rows.max(axis=0),
             array_derivative=_max_array_derivative, doc="the largest of x1 ... xn")
