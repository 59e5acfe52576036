"""Activation functions by name, built from the engine's Value methods.

A neuron computes a weighted sum and then bends it with an activation.  Each
function here takes one ``Value`` (or a plain number, which becomes a constant
Value) and returns a ``Value`` whose local derivative comes from the primitive
table, so ``backward()`` and second derivatives work through every one of them.

``identity`` returns its input unchanged -- it adds no node to the graph, which
is why a linear output layer costs nothing beyond its weighted sums.

>>> from autograd import Value
>>> get_activation('relu')(Value(-2.0)).data
0.0
"""
from __future__ import annotations

import numbers
from typing import Callable, Optional, Union

from autograd import Value

__all__ = [
    "identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus",
    "ACTIVATIONS", "get_activation", "activation_name",
]

Activation = Callable[[Value], Value]


def _value(x, name: str) -> Value:
    """The argument as a Value: numbers become constant leaves, anything else is an error."""
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Value(float(x))
    raise TypeError(f"{name}(): expected a Value or a real number, got {type(x).__name__} {x!r}")


def identity(x: Value | float) -> Value:
    """f(x) = x, f'(x) = 1.  Adds no node: the output *is* the input.

    >>> v = Value(3.0)
    >>> identity(v) is v
    True
    """
    return _value(x, "identity")


def sigmoid(x: Value | float) -> Value:
    """f(x) = 1 / (1 + e^-x), f'(x) = f(x) (1 - f(x)).

    >>> sigmoid(0.0).data
    0.5
    """
    return _value(x, "sigmoid").sigmoid()


def tanh(x: Value | float) -> Value:
    """f(x) = tanh x, f'(x) = 1 - f(x)^2.

    >>> tanh(0.0).data
    0.0
    """
    return _value(x, "tanh").tanh()


def relu(x: Value | float) -> Value:
    """f(x) = max(0, x), f'(x) = 1 for x > 0 else 0.

    >>> relu(-1.5).data, relu(2.0).data
    (0.0, 2.0)
    """
    return _value(x, "relu").relu()


def leaky_relu(x: Value | float, slope: float = 0.01) -> Value:
    """f(x) = x for x > 0, slope * x otherwise: negative inputs keep a small gradient.

    >>> leaky_relu(-2.0).data
    -0.02
    """
    return _value(x, "leaky_relu").leaky_relu(slope)


def elu(x: Value | float, alpha: float = 1.0) -> Value:
    """f(x) = x for x > 0, alpha (e^x - 1) otherwise: smooth for negative inputs.

    >>> elu(0.0).data
    0.0
    """
    return _value(x, "elu").elu(alpha)


def softplus(x: Value | float) -> Value:
    """f(x) = log(1 + e^x), a smooth ReLU; f'(x) = sigmoid(x).

    >>> round(softplus(0.0).data, 6)
    0.693147
    """
    return _value(x, "softplus").softplus()


#: Every activation a layer accepts by name, in the order they are usually taught.
ACTIVATIONS: dict[str, Activation] = {
    "identity": identity,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "softplus": softplus,
}


# The same functions for an argument that is already a Value (a neuron's weighted sum):
# the Value method itself, one call fewer per neuron; None for identity (no node at all).
ON_VALUES: dict[Activation, Optional[Callable[[Value], Value]]] = {
    identity: None,
    sigmoid: Value.sigmoid,
    tanh: Value.tanh,
    relu: Value.relu,
    leaky_relu: Value.leaky_relu,
    elu: Value.elu,
    softplus: Value.softplus,
}


def get_activation(name_or_callable: Union[str, Activation, None]) -> Activation:
    """The activation function for a name (``'relu'``), or a callable unchanged.

    ``None`` means ``identity`` (a linear output).  An unknown name raises a
    ValueError listing the known ones.

    >>> get_activation('tanh') is tanh, get_activation(None) is identity
    (True, True)
    """
    if name_or_callable is None:
        return identity
    if isinstance(name_or_callable, str):
        try:
            return ACTIVATIONS[name_or_callable]
        except KeyError:
            known = ", ".join(repr(k) for k in ACTIVATIONS)
            raise ValueError(f"unknown activation {name_or_callable!r}; "
                             f"known activations: {known}, or pass a function Value -> Value") from None
    if callable(name_or_callable):
        return name_or_callable
    raise TypeError(f"activation must be a name or a function Value -> Value, "
                    f"got {type(name_or_callable).__name__} {name_or_callable!r}")


def activation_name(activation: Union[str, Activation, None]) -> str:
    """The name under which an activation is known (a custom function's ``__name__``).

    >>> activation_name(relu), activation_name(None), activation_name('tanh')
    ('relu', 'identity', 'tanh')
    """
    fn = get_activation(activation)
    for name, known in ACTIVATIONS.items():
        if fn is known:
            return name
    return getattr(fn, "__name__", repr(fn))
