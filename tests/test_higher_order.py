"""Derivatives of derivatives: ``grad(..., create_graph=True)`` builds the gradient
as Values, which can be differentiated again.

Per-primitive second derivatives go through the shared helper in
test_primitives.py; here are the direct checks: a Hessian against its hand
formula, Newton's method landing on a minimum and a root known in closed form,
third derivatives, and the derivative graph's independence from ``.grad``.
"""
import math

import pytest

from autograd import Value, grad, gradgradcheck, no_grad


def hessian(f, point):
    """The matrix of second derivatives of f at point, row by row."""
    xs = [Value(p) for p in point]
    first = grad(f(*xs), xs, create_graph=True)
    return [grad(df, xs) for df in first]


def test_hessian_of_x_y_sin_x_matches_the_hand_formula():
    # f = x y sin x
    # f_x = y sin x + x y cos x     f_y = x sin x
    # f_xx = 2 y cos x - x y sin x   f_xy = sin x + x cos x   f_yy = 0
    def f(x, y):
        return x * y * x.sin()

    for x, y in [(0.7, -1.3), (2.0, 0.5), (0.0, 3.0)]:
        h = hessian(f, [x, y])
        assert h[0][0] == pytest.approx(2 * y * math.cos(x) - x * y * math.sin(x), abs=1e-12)
        assert h[0][1] == pytest.approx(math.sin(x) + x * math.cos(x), abs=1e-12)
        assert h[1][0] == pytest.approx(h[0][1], abs=1e-12)  # mixed partials agree
        assert h[1][1] == 0.0


def test_hessian_of_a_quadratic_form_is_its_symmetric_matrix():
    # f = a x^2 + b x y + c y^2 has Hessian [[2a, b], [b, 2c]] everywhere
    a, b, c = 1.5, -0.5, 2.0
    h = hessian(lambda x, y: a * x ** 2 + b * x * y + c * y * y, [0.3, -2.0])
    assert h == [[pytest.approx(2 * a), pytest.approx(b)], [pytest.approx(b), pytest.approx(2 * c)]]


def newton(f, x0, steps):
    """x <- x - f'(x) / f''(x): each step needs the first and the second derivative."""
    x = x0
    for _ in range(steps):
        v = Value(x)
        [d1] = grad(f(v), [v], create_graph=True)
        [d2] = grad(d1, [v])
        x = x - d1.data / d2
    return x


def test_newton_finds_the_minimum_of_exp_x_minus_2x():
    # f = e^x - 2x, f' = e^x - 2 = 0 at x = ln 2, f'' = e^x > 0: a minimum
    x = newton(lambda v: v.exp() - 2 * v, x0=0.0, steps=8)
    assert x == pytest.approx(math.log(2.0), abs=1e-14)


def test_newton_finds_the_cube_root_of_two_as_the_minimum_of_a_quartic():
    # f = x^4/4 - 2x, f' = x^3 - 2 = 0 at x = 2^(1/3)
    x = newton(lambda v: v ** 4 / 4 - 2 * v, x0=1.0, steps=10)
    assert x == pytest.approx(2.0 ** (1 / 3), abs=1e-14)


def test_newton_converges_quadratically():
    # near the root e_next = (f'''/2f'') e^2 = e^2 / 2 for this f: the error squares each step
    errors = []
    x = 0.0
    for _ in range(4):
        x = newton(lambda v: v.exp() - 2 * v, x0=x, steps=1)
        errors.append(abs(x - math.log(2.0)))
    assert errors[1] < errors[0] ** 2 * 2 and errors[2] < errors[1] ** 2 * 2


def test_third_derivatives_of_powers():
    # d^3/dx^3 x^3 = 6 and d^3/dx^3 x^2 = 0 everywhere, also at 0
    for x0 in (0.0, 1.5, -2.0):
        x = Value(x0)
        d1 = grad(x ** 3, x, create_graph=True)
        d2 = grad(d1, x, create_graph=True)
        assert d1.data == pytest.approx(3 * x0 ** 2)
        assert d2.data == pytest.approx(6 * x0)
        assert grad(d2, x) == pytest.approx(6.0)
        x = Value(x0)
        d2 = grad(grad(x ** 2, x, create_graph=True), x, create_graph=True)
        assert grad(d2, x) == 0.0


def test_derivatives_of_exp_repeat_forever():
    x = Value(0.7)
    d = x.exp()
    for _ in range(5):
        d = grad(d, x, create_graph=True)
        assert d.data == pytest.approx(math.exp(0.7))


def test_derivatives_of_sin_cycle_with_period_four():
    x = Value(0.4)
    d = x.sin()
    expected = [math.cos(0.4), -math.sin(0.4), -math.cos(0.4), math.sin(0.4)]
    for e in expected:
        d = grad(d, x, create_graph=True)
        assert d.data == pytest.approx(e)


def test_create_graph_gives_the_same_first_derivatives_as_the_float_pass():
    x, y = Value(0.3), Value(-1.1)
    out = (x * y).tanh() * x.exp() + (x ** 2 + y ** 2).sqrt() + x.sigmoid() * y.softplus()
    floats = grad(out, [x, y])
    values = grad(out, [x, y], create_graph=True)
    assert [v.data for v in values] == pytest.approx(floats, rel=1e-14)


def test_create_graph_leaves_dot_grad_alone():
    x = Value(2.0)
    d1 = grad(x ** 3, x, create_graph=True)
    assert x.grad == 0.0
    d1.backward()  # the derivative graph is an ordinary graph: backward works on it
    assert x.grad == pytest.approx(6 * 2.0)


def test_create_graph_records_even_inside_no_grad():
    x = Value(1.5)
    y = x ** 3
    with no_grad():
        d1 = grad(y, x, create_graph=True)
    assert grad(d1, x) == pytest.approx(6 * 1.5)


def test_mixed_second_derivative_of_a_network_like_expression():
    # f(w, x) = tanh(w x): d2f/dw dx = (1 - t^2) - 2 w x t (1 - t^2), t = tanh(w x)
    def f(w, x):
        return (w * x).tanh()

    assert gradgradcheck(f, [0.8, -0.6])
    w, x = Value(0.8), Value(-0.6)
    [dw] = grad(f(w, x), [w], create_graph=True)
    t = math.tanh(0.8 * -0.6)
    assert grad(dw, x) == pytest.approx((1 - t * t) - 2 * 0.8 * -0.6 * t * (1 - t * t))
