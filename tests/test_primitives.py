"""Every primitive and every composition, checked against finite differences.

One table of cases -- a function of Values and the points to check it at -- and
one helper, ``check_derivatives``, that runs ``gradcheck`` (first order) or
``gradgradcheck`` (second order, the derivative of the derivative built with
``grad(create_graph=True)``) on it.  Points include the neighbourhood of kinks
(relu, abs, leaky_relu, elu at +-1e-3) and large magnitudes (+-30, +-500, +-1000),
where a naive formula would overflow.

Also here: the fast path (floats stored in ``local_grads`` when a node is made)
equals the table's rule run on Values (``local_grad_values``), for every
primitive, and forward values stay finite and right at large magnitudes.
"""
import math
from dataclasses import dataclass
from typing import Callable

import pytest

import autograd
from autograd import Value, gradcheck, gradgradcheck, ops
from autograd.backward import local_grad_values

KINK = (-1e-3, 1e-3, -2.0, 2.0)
LARGE = (-1000.0, -500.0, -30.0, -1.5, 0.0, 1.5, 30.0, 500.0, 1000.0)


@dataclass
class Case:
    name: str
    fn: Callable
    points: tuple  # each point: one number per argument of fn
    primitive: str = ""  # set when fn is a single node of that primitive


def unary(name, fn, xs, primitive=""):
    return Case(name, fn, tuple((x,) for x in xs), primitive)


CASES = [
    Case("add", lambda x, y: x + y, ((1.5, -2.0), (0.0, 0.0), (1e3, -1e-3)), "add"),
    Case("mul", lambda x, y: x * y, ((1.5, -2.0), (0.0, 3.0), (-1e3, 1e-3)), "mul"),
    *(unary(f"pow{n}", lambda x, n=n: x ** n, (-1.7, -0.3, 0.0, 0.4, 2.5), "pow") for n in (0, 1, 2, 3)),
    *(unary(f"pow{n}", lambda x, n=n: x ** n, (-1.7, -0.3, 0.4, 2.5), "pow") for n in (-1, -2)),
    *(unary(f"pow{n:.3g}", lambda x, n=n: x ** n, (0.05, 0.4, 1.0, 2.5, 100.0), "pow")
      for n in (0.5, 1.5, -0.5, 1 / 3, -2.5)),
    unary("exp", lambda x: x.exp(), (-700.0, -30.0, -2.0, 0.0, 1.5, 30.0, 700.0), "exp"),
    unary("log", lambda x: x.log(), (1e-3, 0.5, 1.0, 10.0, 1e6), "log"),
    unary("sin", lambda x: x.sin(), (-3.0, 0.0, 0.5, 10.0, 1000.0), "sin"),
    unary("cos", lambda x: x.cos(), (-3.0, 0.0, 0.5, 10.0, 1000.0), "cos"),
    unary("tanh", lambda x: x.tanh(), LARGE, "tanh"),
    unary("sigmoid", lambda x: x.sigmoid(), LARGE, "sigmoid"),
    unary("softplus", lambda x: x.softplus(), LARGE + (-1e-3, 1e-3), "softplus"),
    unary("relu", lambda x: x.relu(), KINK + (-1000.0, 1000.0), "relu"),
    unary("abs", lambda x: x.abs(), KINK, "abs"),
    *(unary(f"leaky_relu({s})", lambda x, s=s: x.leaky_relu(s), KINK, "leaky_relu") for s in (0.01, 0.2)),
    *(unary(f"elu({a})", lambda x, a=a: x.elu(a), KINK + (-30.0, -1000.0), "elu") for a in (1.0, 0.5)),
    unary("tan", lambda x: x.tan(), (-1.5, -0.5, 0.0, 0.3, 1.2, 4.0), "tan"),
    unary("atan", lambda x: x.atan(), (-1000.0, -2.0, 0.0, 0.5, 30.0), "atan"),
    unary("asin", lambda x: x.asin(), (-0.99, -0.5, 0.0, 0.3, 0.9), "asin"),
    unary("acos", lambda x: x.acos(), (-0.99, -0.5, 0.0, 0.3, 0.9), "acos"),
    unary("sinh", lambda x: x.sinh(), (-30.0, -2.0, 0.0, 0.5, 30.0, 700.0), "sinh"),
    unary("cosh", lambda x: x.cosh(), (-30.0, -2.0, 0.0, 0.5, 30.0, 700.0), "cosh"),
    unary("log1p", lambda x: x.log1p(), (-0.9, -1e-3, 0.0, 1e-8, 2.0, 1e6), "log1p"),
    unary("expm1", lambda x: x.expm1(), (-700.0, -30.0, -1e-3, 0.0, 1e-8, 2.0, 700.0), "expm1"),
    Case("linear", lambda w1, w2, x1, x2, b: autograd.linear([w1, w2], [x1, x2], b),
         ((0.5, -1.5, 2.0, 0.25, 0.1), (0.0, 0.0, 0.0, 0.0, 0.0)), "linear"),
    Case("linear with one input", lambda w, x, b: autograd.linear([w], [x], b), ((2.0, -3.0, 1.0),), "linear"),
    Case("linear with constant inputs", lambda w1, w2: autograd.linear([w1, w2], [3.0, -1.0], 0.5),
         ((0.3, 0.7),), "linear"),
    Case("linear with a reused input", lambda w, x: autograd.linear([w, x], [x, w], x),
         ((0.3, -1.2),), "linear"),
    Case("sum", lambda x, y, z: autograd.sum([x, y, z]), ((1.0, -2.0, 0.5),), "sum"),
    Case("max", lambda x, y, z: autograd.max([x, y * y, z]), ((1.0, -2.0, 0.5), (-3.0, 0.5, 2.0)), "max"),
    Case("sum with a reused input", lambda x, y: autograd.sum([x, x * y, y, x]), ((1.5, -0.5),), "sum"),
    # compositions: the one-liners in Value, checked the same way
    Case("sub", lambda x, y: x - y, ((1.5, -2.0), (0.0, 0.0))),
    Case("rsub", lambda x: 3.0 - x, ((1.5,), (-2.0,))),
    Case("div", lambda x, y: x / y, ((1.5, -2.0), (-3.0, 0.25), (0.0, 5.0), (1e3, -1e-3)), "div"),
    Case("rdiv", lambda x: 3.0 / x, ((1.5,), (-0.2,))),
    Case("neg", lambda x: -x, ((1.5,), (0.0,))),
    unary("sqrt", lambda x: x.sqrt(), (1e-3, 0.5, 4.0, 1e4)),
    unary("rpow 2**x", lambda x: 2.0 ** x, (-3.0, 0.0, 0.5, 10.0)),
    unary("rpow 0.5**x", lambda x: 0.5 ** x, (-3.0, 0.0, 2.0)),
    Case("Value**Value", lambda x, y: x ** y, ((2.0, 3.0), (0.5, -1.5), (3.0, 0.0))),
    Case("composite", lambda x, y: (x * y).sin() + (x / y).exp() - (x ** 2 + y ** 2).sqrt(),
         ((0.5, 1.5), (-1.2, 0.7))),
]


def check_derivatives(fn: Callable, point: tuple, order: int) -> None:
    """gradcheck (order 1) or gradgradcheck (order 2) of fn at point.

    Either raises GradcheckError with a table of input, analytic, numeric and
    error on a mismatch.
    """
    check = {1: gradcheck, 2: gradgradcheck}[order]
    assert check(fn, point)


PARAMS = [pytest.param(case.fn, point, order, id=f"{case.name}@{','.join(map(str, point))}-order{order}")
          for case in CASES for point in case.points for order in (1, 2)]


@pytest.mark.parametrize("fn, point, order", PARAMS)
def test_derivative_matches_finite_differences(fn, point, order):
    check_derivatives(fn, point, order)


def builtin_primitives():
    """The entries the table module itself defines (not ones a test or user adds)."""
    return {p.name for p in vars(ops).values() if isinstance(p, ops.Primitive)}


def test_every_primitive_in_the_table_has_a_case():
    # a primitive added to the table without a case here fails this test
    assert set(ops.PRIMITIVES) == builtin_primitives() == {c.primitive for c in CASES if c.primitive}


# -- the fast path equals the plain one ----------------------------------------------
SINGLE_NODE = [pytest.param(case, point, id=f"{case.name}@{','.join(map(str, point))}")
               for case in CASES if case.primitive for point in case.points]


@pytest.mark.parametrize("case, point", SINGLE_NODE)
def test_float_local_grads_equal_the_rule_run_on_values(case, point):
    """The floats stored when a node is made are the table's rule evaluated on Values."""
    node = case.fn(*[Value(x) for x in point])
    assert node.op.primitive.name == case.primitive
    rule = [g.data if isinstance(g, Value) else g for g in local_grad_values(node)]
    assert len(node.local_grads) == len(node.parents) == len(rule)
    assert list(node.local_grads) == pytest.approx(rule, rel=1e-14, abs=0.0)


@pytest.mark.parametrize("name", sorted(builtin_primitives()))
def test_apply_from_the_table_makes_the_same_node_as_the_operator(name):
    """``apply(op, parents)`` (the generic path) and the operator/method (its node maker)."""
    case = next(c for c in CASES if c.primitive == name)
    values = [Value(x) for x in case.points[0]]
    node = case.fn(*values)
    generic = autograd.value.apply(node.op, node.parents)
    assert (generic.data, generic.local_grads, generic.op) == (node.data, node.local_grads, node.op)


# -- large magnitudes: finite and right -----------------------------------------------
@pytest.mark.parametrize("x", [30.0, 500.0, 1000.0])
def test_sigmoid_is_finite_and_symmetric_at_large_magnitudes(x):
    up, down = Value(x).sigmoid(), Value(-x).sigmoid()
    assert math.isfinite(up.data) and math.isfinite(down.data)
    assert up.data + down.data == pytest.approx(1.0, abs=1e-15)  # σ(x) + σ(-x) = 1
    assert down.data == pytest.approx(math.exp(-x) / (1 + math.exp(-x)), rel=1e-12)
    for v in (up, down):
        v.backward()
        assert math.isfinite(v.parents[0].grad)
        # σ'(x) = σ(x) σ(-x), the same for x and -x.  The rule σ(1 - σ) (PyTorch's
        # too) loses the relative precision of 1 - σ for large positive x, but
        # its absolute error stays below one rounding of 1.
        assert v.parents[0].grad >= 0.0
        assert v.parents[0].grad == pytest.approx(up.data * down.data, rel=1e-3, abs=1e-16)


@pytest.mark.parametrize("x", [30.0, 500.0, 1000.0])
def test_softplus_is_finite_and_exact_at_large_magnitudes(x):
    up, down = Value(x).softplus(), Value(-x).softplus()
    assert up.data - down.data == pytest.approx(x, rel=1e-15)  # log(1+e^x) - log(1+e^-x) = x
    assert down.data == pytest.approx(math.log1p(math.exp(-x)), rel=1e-12)
    for v in (up, down):
        v.backward()
        # d/dx softplus = σ(x)
        assert v.parents[0].grad == pytest.approx(v.parents[0].sigmoid().data, rel=1e-12)


@pytest.mark.parametrize("x", [30.0, 500.0, 1000.0])
def test_tanh_is_finite_and_odd_at_large_magnitudes(x):
    up, down = Value(x).tanh(), Value(-x).tanh()
    assert up.data == -down.data
    assert up.data == pytest.approx(2 * Value(2 * x).sigmoid().data - 1, abs=1e-15)  # tanh x = 2σ(2x) - 1
    for v in (up, down):
        v.backward()
        assert 0.0 <= v.parents[0].grad <= 1e-25  # 1 - tanh^2 is tiny, never negative or NaN


def test_exp_is_exact_up_to_the_largest_float():
    assert Value(709.0).exp().data == math.exp(709.0)
    assert Value(-1000.0).exp().data == 0.0  # underflows gracefully, no error


def test_every_unary_primitive_is_a_method_of_value():
    # a unary entry without a method (or an operator, for x ** n) fails here
    unary_entries = [p for p in ops.PRIMITIVES.values() if p.arity == 1]
    assert len(unary_entries) >= 20
    for prim in unary_entries:
        name = "__pow__" if prim is ops.POW else prim.method
        assert name, f"{prim.name} has no Value method"
        assert callable(getattr(Value, name, None)), f"Value has no method {name!r} for {prim.name}"
        if prim is not ops.POW:
            point = 0.5 if prim.name != "log" else 1.5
            node = getattr(Value, name)(Value(point))
            assert node.op.primitive is prim
            assert ">>> " in getattr(Value, name).__doc__  # its doctest comes from the entry


def test_a_newly_defined_primitive_gets_its_method_from_install_methods():
    from autograd.value import install_methods
    prim = ops.define("cube_method_demo", lambda x: x ** 3, lambda out, x: (3 * x * x,),
                      formulas=("3{x}^2",), method="cube_method_demo", doc="x cubed.",
                      example=">>> Value(2.0).cube_method_demo().data\n8.0")
    try:
        assert install_methods() == ["cube_method_demo"]
        y = Value(2.0).cube_method_demo()
        y.backward()
        assert y.data == 8.0 and y.op.primitive is prim
    finally:
        del ops.PRIMITIVES[prim.name]
        delattr(Value, "cube_method_demo")


@pytest.mark.parametrize("name, bad, message", [
    ("tan", math.inf, "not finite"), ("asin", 1.0, "strictly between -1 and 1"),
    ("acos", -1.5, "strictly between -1 and 1"), ("log1p", -1.0, "above -1"),
    ("sinh", 800.0, "overflows"), ("cosh", -800.0, "overflows"), ("expm1", 710.0, "overflows"),
])
def test_new_primitives_refuse_numbers_outside_their_domain_by_name(name, bad, message):
    x = Value(0.0)
    x._data = bad  # beneath the checks: Value(inf) and x.data = inf are refused
    with pytest.raises((ValueError, OverflowError), match=rf"{name}\(\).*{message}|{message}.*{name}"):
        getattr(x, name)()


NEW_PRIMITIVES = {  # name: (point, the derivative's formula as the step table writes it, LaTeX)
    "tan": (0.4, "1 + tan(x)^2", r"\tan"), "atan": (0.4, "1/(1 + x^2)", "1/(1 + x^2)"),
    "asin": (0.4, "(1 - x^2)^-0.5", "(1 - x^2)^{-0.5}"),
    "acos": (0.4, "-(1 - x^2)^-0.5", "-(1 - x^2)^{-0.5}"),
    "sinh": (0.4, "cosh(x)", r"\cosh"), "cosh": (0.4, "sinh(x)", r"\sinh"),
    "log1p": (0.4, "1/(1 + x)", "1/(1 + x)"), "expm1": (0.4, "exp(x)", r"\exp"),
}


@pytest.mark.parametrize("name", sorted(NEW_PRIMITIVES))
def test_new_primitives_work_everywhere_a_primitive_works(name):
    """Drawing, the step table, LaTeX, explain and check_graph all read the new entry."""
    import warnings

    from autograd import backward_steps, check_graph, draw_graph, explain

    point, formula, latex = NEW_PRIMITIVES[name]
    x = Value(point, label="x")
    y = getattr(x, name)()
    y.label = "y"
    steps = backward_steps(y)
    assert formula in steps.table()
    assert latex in steps.latex(x)
    assert formula in str(explain(x))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = check_graph(y)
        svg = draw_graph(y).pipe(format="svg").decode()
    assert report.ok and len(report) == 1
    assert f">{ops.PRIMITIVES[name].symbol}<" in svg
    inner = Value(point, label="x")
    assert math.isclose(inner.__getattribute__(name)().data,
                        getattr(math, name)(point), rel_tol=0, abs_tol=0)
