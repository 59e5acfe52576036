"""gradcheck itself: it must pass right derivatives and catch wrong ones, saying where.

A checker that never fails proves nothing, so the key tests here plant a wrong
local derivative and require the check to report it.
"""
import math
import re

import pytest

from autograd import GradcheckError, Value, gradcheck, gradgradcheck, numeric_grad, ops
from autograd.value import apply


def bad_square(x):
    """x**2 with a planted mistake: its local derivative says 3x instead of 2x."""
    return Value(x.data ** 2, (x,), (3 * x.data,), op="bad_square")


def test_gradcheck_catches_a_wrong_local_derivative():
    with pytest.raises(GradcheckError) as info:
        gradcheck(bad_square, [1.5])
    message = str(info.value)
    assert "bad_square" in message
    # the table row: input index, x, analytic (3x), numeric (2x), error
    row = next(line for line in message.splitlines() if "mismatch" in line)
    index, x, analytic, numeric, error = (float(t) for t in row.split()[:5])
    assert (index, x) == (0, 1.5)
    assert analytic == pytest.approx(3 * 1.5)
    assert numeric == pytest.approx(2 * 1.5, rel=1e-6)
    assert error == pytest.approx(1.5, rel=1e-3)
    assert re.search(r"atol=1e-05 \+ rtol=0\.001", message)


def test_gradcheck_names_only_the_wrong_input():
    def f(x, y):
        return bad_square(x) + y * y

    with pytest.raises(GradcheckError) as info:
        gradcheck(f, [2.0, -1.0])
    rows = [line for line in str(info.value).splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == 2
    assert "mismatch" in rows[0] and "mismatch" not in rows[1]


def test_gradcheck_returns_false_instead_of_raising_when_asked():
    assert gradcheck(bad_square, [1.5], raise_exception=False) is False
    assert gradcheck(lambda x: x * x, [1.5], raise_exception=False) is True


def test_a_wrong_derivative_hidden_in_a_graph_is_still_caught():
    assert not gradcheck(lambda x, y: (bad_square(x * y) + x).tanh(), [0.3, 0.8], raise_exception=False)


def test_gradcheck_tolerance_decides():
    # a derivative 1% off passes a 2% relative tolerance and fails a 0.5% one
    def slightly_wrong(x):
        return Value(x.data ** 2, (x,), (2.02 * x.data,))

    assert gradcheck(slightly_wrong, [1.0], atol=0.0, rtol=0.02)
    assert not gradcheck(slightly_wrong, [1.0], atol=0.0, rtol=0.005, raise_exception=False)


# -- second order: the rule run on Values must be right too ----------------------------
@pytest.fixture
def primitive():
    """Define primitives for one test and remove them from the table afterwards."""
    names = []

    def define(name, *args, **kwargs):
        names.append(name)
        return ops.define(name, *args, **kwargs)

    yield define
    for name in names:
        ops.PRIMITIVES.pop(name, None)


def test_gradgradcheck_catches_a_rule_wrong_only_on_values(primitive):
    # floats get 2x (right), Values get 3x (wrong): first order passes, second fails
    square = primitive("square_wrong_on_values", lambda x: x * x,
                       lambda out, x: (2 * x if type(x) is float else 3 * x,))
    op = ops.op_for(square)

    def f(x):
        return apply(op, [x])

    assert gradcheck(f, [1.5])
    with pytest.raises(GradcheckError, match=r"first derivative \(create_graph=True\) of f") as info:
        gradgradcheck(f, [1.5])
    row = next(line for line in str(info.value).splitlines() if "mismatch" in line)
    assert [float(t) for t in row.split()[2:4]] == pytest.approx([3 * 1.5, 2 * 1.5], rel=1e-6)
    assert gradgradcheck(f, [1.5], raise_exception=False) is False


def test_gradgradcheck_catches_a_wrong_second_derivative(primitive):
    # the rule's value 2x is right, but the node it builds claims d(2x)/dx = 3
    def derivative(out, x):
        if type(x) is float:
            return (2 * x,)
        return (Value(2 * x.data, (x,), (3.0,)),)

    square = primitive("square_wrong_second_derivative", lambda x: x * x, derivative)
    op = ops.op_for(square)

    def f(x):
        return apply(op, [x])

    assert gradcheck(f, [1.5])
    with pytest.raises(GradcheckError, match=r"second derivative of d/dx0 f") as info:
        gradgradcheck(f, [1.5])
    row = next(line for line in str(info.value).splitlines() if "mismatch" in line)
    assert [float(t) for t in row.split()[2:4]] == pytest.approx([3.0, 2.0], rel=1e-6)


def test_a_custom_unary_primitive_passes_both_checks(primitive):
    cube = primitive("cube_test", lambda x: x ** 3, lambda out, x: (3 * x * x,), symbol="³",
                     formulas=("3{x}^2",))
    op = ops.op_for(cube)

    def f(x):
        return apply(op, [x]) * x.sin()

    for x in (-1.5, 0.0, 0.7):
        assert gradcheck(f, [x]) and gradgradcheck(f, [x])
    node = apply(op, [Value(2.0)])
    assert node.op == "³" and node.data == 8.0 and node.local_grads == (12.0,)


def test_a_custom_binary_primitive_with_a_parameter_passes_both_checks(primitive):
    # a scaled hypotenuse s * sqrt(x^2 + y^2): d/dx = s^2 x / out, d/dy = s^2 y / out
    hypot = primitive("scaled_hypot_test", lambda x, y, s: s * math.hypot(x, y),
                      lambda out, x, y, s: (s * s * x / out, s * s * y / out),
                      symbol="hypot·{s}", params=("s",))
    op = ops.op_for(hypot, 2.5)
    assert op == "hypot·2.5"

    def f(x, y):
        return apply(op, [x, y])

    for point in ((3.0, 4.0), (-0.5, 1.2)):
        assert gradcheck(f, point) and gradgradcheck(f, point)


# -- numeric_grad -----------------------------------------------------------------------
def test_numeric_grad_of_a_cubic_matches_its_derivative():
    # central differences are exact for a quadratic and off by eps^2 for a cubic
    a = numeric_grad(lambda x, y: x ** 3 + 2 * x * y, [1.5, -2.0])
    assert a == pytest.approx([3 * 1.5 ** 2 + 2 * -2.0, 2 * 1.5], rel=1e-8)


def test_numeric_grad_does_not_need_the_chain_rule():
    # a hand-made node with local_grads left at zero: backward sees nothing, numeric_grad
    # sees the function
    def f(x):
        return Value(x.data ** 2, (x,), (0.0,))

    assert numeric_grad(f, [3.0]) == pytest.approx([6.0], rel=1e-6)
    assert not gradcheck(f, [3.0], raise_exception=False)
