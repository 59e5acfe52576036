"""Every unary primitive against PyTorch float64: value, first and second derivative.

The primitive table's rules run on floats (the first-order pass) and on Values
(``grad(create_graph=True)``, the second order); PyTorch's autograd is an
independent implementation of the same functions, so agreement to ~1e-12 at
points across each domain says the rules are right, not only self-consistent.
"""
import math

import pytest
import torch

from autograd import Value, grad, ops

# name -> (PyTorch function, points inside the domain)
TORCH = {
    "exp": (torch.exp, (-30.0, -1.0, 0.0, 2.0, 30.0)),
    "log": (torch.log, (1e-3, 0.5, 1.0, 10.0)),
    "sin": (torch.sin, (-3.0, 0.0, 0.5, 10.0)),
    "cos": (torch.cos, (-3.0, 0.0, 0.5, 10.0)),
    "tanh": (torch.tanh, (-5.0, -0.5, 0.0, 0.5, 5.0)),
    "sigmoid": (torch.sigmoid, (-30.0, -0.5, 0.0, 0.5, 30.0)),
    "softplus": (lambda t: torch.nn.functional.softplus(t, threshold=40), (-30.0, -0.5, 0.0, 0.5, 30.0)),
    "relu": (torch.relu, (-2.0, -1e-3, 1e-3, 2.0)),
    "abs": (torch.abs, (-2.0, -1e-3, 1e-3, 2.0)),
    "tan": (torch.tan, (-1.5, -0.5, 0.0, 0.3, 1.2)),
    "atan": (torch.atan, (-100.0, -2.0, 0.0, 0.5, 30.0)),
    "asin": (torch.asin, (-0.99, -0.5, 0.0, 0.3, 0.9)),
    "acos": (torch.acos, (-0.99, -0.5, 0.0, 0.3, 0.9)),
    "sinh": (torch.sinh, (-30.0, -2.0, 0.0, 0.5, 30.0)),
    "cosh": (torch.cosh, (-30.0, -2.0, 0.0, 0.5, 30.0)),
    "log1p": (torch.log1p, (-0.9, -1e-3, 0.0, 1e-8, 2.0, 1e6)),
    "expm1": (torch.expm1, (-30.0, -1e-3, 0.0, 1e-8, 2.0, 30.0)),
}
WITH_PARAMS = {  # primitives that take a constant: (method arguments, PyTorch function)
    "leaky_relu": ((0.1,), lambda t: torch.nn.functional.leaky_relu(t, 0.1), (-2.0, -1e-3, 1e-3, 2.0)),
    "elu": ((0.7,), lambda t: torch.nn.functional.elu(t, 0.7), (-2.0, -1e-3, 1e-3, 2.0)),
}


def test_every_unary_primitive_is_compared_with_pytorch():
    unary = {p.name for p in ops.PRIMITIVES.values() if p.arity == 1 and p is not ops.POW}
    assert unary == set(TORCH) | set(WITH_PARAMS)


def torch_derivatives(fn, x: float):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = fn(t)
    (d1,) = torch.autograd.grad(y, t, create_graph=True)
    d2 = torch.autograd.grad(d1, t)[0] if d1.requires_grad else torch.tensor(0.0)
    return y.item(), d1.item(), d2.item()


def ours(name: str, args: tuple, x: float):
    v = Value(x)
    y = getattr(v, name)(*args)
    [d1] = grad(y, [v], create_graph=True)
    d2 = grad(d1, [v])[0] if isinstance(d1, Value) else 0.0
    return y.data, d1.data, d2


CASES = [pytest.param(name, (), fn, x, id=f"{name}@{x}") for name, (fn, xs) in TORCH.items() for x in xs]
CASES += [pytest.param(name, args, fn, x, id=f"{name}@{x}")
          for name, (args, fn, xs) in WITH_PARAMS.items() for x in xs]


@pytest.mark.parametrize("name, args, fn, x", CASES)
def test_value_first_and_second_derivative_match_pytorch_float64(name, args, fn, x):
    expected = torch_derivatives(fn, x)
    got = ours(name, args, x)
    for what, a, b in zip(("value", "first derivative", "second derivative"), got, expected):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), f"{name}({x}) {what}: {a!r} vs torch {b!r}"
