"""Activation functions by name, built from the engine's Value methods -- and the one table of them.

A neuron computes a weighted sum and then bends it with an activation.  Each
function here takes one ``Value`` (or a plain number, which becomes a constant
Value) and returns a ``Value`` whose local derivative comes from the primitive
table, so ``backward()`` and second derivatives work through every one of them.

``identity`` returns its input unchanged -- it adds no node to the graph, which
is why a linear output layer costs nothing beyond its weighted sums.

``ACTIVATIONS`` is the only list of which activations exist: one
:class:`ActivationRecord` per name, registered right after its function, with
the Value method a neuron calls, the initialisation its layers use (He or
Glorot, see ``nn.layers``), whether it saturates (``nn.plots`` shades that), and
its PyTorch module (``nn.torch_bridge`` builds and recognises it from that).

>>> from autograd import Value
>>> get_activation('relu')(Value(-2.0)).data
0.0
>>> ACTIVATIONS['relu'].init, ACTIVATIONS['relu'].torch
('he', 'torch.nn.ReLU()')
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional, Union

from autograd import Value
from nn.arguments import as_value, brief

__all__ = [
    "identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus",
    "ActivationRecord", "ACTIVATIONS", "HE", "GLOROT", "LEAKY_RELU_SLOPE", "ELU_ALPHA",
    "get_activation", "activation_name", "activation_record",
]

Activation = Callable[[Value], Value]

#: The two initialisations (see ``nn.layers.init_bound``): He for activations whose
#: negative half is (nearly) flat, Glorot for the rest.
HE, GLOROT = "he", "glorot"

#: The fixed settings of the named activations (a custom slope is a custom function).
LEAKY_RELU_SLOPE = 0.01
ELU_ALPHA = 1.0


@dataclass(frozen=True, eq=False)   # records are compared by identity
class ActivationRecord:
    """Everything the library knows about one named activation.

    * ``function``: takes a Value or a number (what ``get_activation`` returns);
    * ``value_method``: the same for an argument that is already a Value (a
      neuron's weighted sum) -- the Value method itself, one call fewer per
      neuron; None for identity, which adds no node at all;
    * ``init``: ``HE`` or ``GLOROT``, the initial weights of a layer using it;
    * ``saturating``: its slope dies away on both sides (vanishing gradients);
    * ``torch_module``, ``torch_settings``: the ``torch.nn`` module that computes
      the same, and the constructor arguments that make it do so.

    >>> ACTIVATIONS['leaky_relu'].torch
    'torch.nn.LeakyReLU(negative_slope=0.01)'
    """

    name: str
    function: Activation
    value_method: Optional[Activation]
    init: str
    torch_module: str
    torch_settings: Mapping[str, float] = field(default_factory=dict)
    saturating: bool = False

    @property
    def torch(self) -> str:
        """The PyTorch module as text, e.g. ``'torch.nn.ELU(alpha=1.0)'``."""
        settings = ", ".join(f"{key}={value!r}" for key, value in self.torch_settings.items())
        return f"torch.nn.{self.torch_module}({settings})"


#: Every activation a layer accepts by name, in the order they are usually taught.
ACTIVATIONS: dict[str, ActivationRecord] = {}


def _register(record: ActivationRecord) -> None:
    ACTIVATIONS[record.name] = record


def identity(x: Value | float) -> Value:
    """f(x) = x, f'(x) = 1.  Adds no node: the output *is* the input.

    >>> v = Value(3.0)
    >>> identity(v) is v
    True
    """
    return as_value(x, "identity()")


_register(ActivationRecord("identity", identity, None, GLOROT, "Identity"))


def sigmoid(x: Value | float) -> Value:
    """f(x) = 1 / (1 + e^-x), f'(x) = f(x) (1 - f(x)).

    >>> sigmoid(0.0).data
    0.5
    """
    return as_value(x, "sigmoid()").sigmoid()


_register(ActivationRecord("sigmoid", sigmoid, Value.sigmoid, GLOROT, "Sigmoid", saturating=True))


def tanh(x: Value | float) -> Value:
    """f(x) = tanh x, f'(x) = 1 - f(x)^2.

    >>> tanh(0.0).data
    0.0
    """
    return as_value(x, "tanh()").tanh()


_register(ActivationRecord("tanh", tanh, Value.tanh, GLOROT, "Tanh", saturating=True))


def relu(x: Value | float) -> Value:
    """f(x) = max(0, x), f'(x) = 1 for x > 0 else 0.

    >>> relu(-1.5).data, relu(2.0).data
    (0.0, 2.0)
    """
    return as_value(x, "relu()").relu()


_register(ActivationRecord("relu", relu, Value.relu, HE, "ReLU"))


def leaky_relu(x: Value | float, slope: float = LEAKY_RELU_SLOPE) -> Value:
    """f(x) = x for x > 0, slope * x otherwise: negative inputs keep a small gradient.

    >>> leaky_relu(-2.0).data
    -0.02
    """
    return as_value(x, "leaky_relu()").leaky_relu(slope)


_register(ActivationRecord("leaky_relu", leaky_relu, Value.leaky_relu, HE, "LeakyReLU",
                           {"negative_slope": LEAKY_RELU_SLOPE}))


def elu(x: Value | float, alpha: float = ELU_ALPHA) -> Value:
    """f(x) = x for x > 0, alpha (e^x - 1) otherwise: smooth for negative inputs.

    >>> elu(0.0).data
    0.0
    """
    return as_value(x, "elu()").elu(alpha)


_register(ActivationRecord("elu", elu, Value.elu, HE, "ELU", {"alpha": ELU_ALPHA}))


def softplus(x: Value | float) -> Value:
    """f(x) = log(1 + e^x), a smooth ReLU; f'(x) = sigmoid(x).

    >>> round(softplus(0.0).data, 6)
    0.693147
    """
    return as_value(x, "softplus()").softplus()


# torch's Softplus returns x itself above its threshold; 20 is its default (nn.torch_bridge
# says how far that is from log(1 + e^x), and why float64 exports raise it).
_register(ActivationRecord("softplus", softplus, Value.softplus, GLOROT, "Softplus",
                           {"beta": 1.0, "threshold": 20.0}))


def get_activation(name_or_callable: Union[str, Activation, None],
                   where: str = "get_activation") -> Activation:
    """The activation function for a name (``'relu'``), or a callable unchanged.

    ``None`` means ``identity`` (a linear output).  An unknown name raises a
    ValueError listing the known ones; ``where`` names the caller in it (``'Layer'``).

    >>> get_activation('tanh') is tanh, get_activation(None) is identity
    (True, True)
    """
    if name_or_callable is None:
        return identity
    if isinstance(name_or_callable, str):
        try:
            return ACTIVATIONS[name_or_callable].function
        except KeyError:
            known = ", ".join(repr(k) for k in ACTIVATIONS)
            close = name_or_callable.strip().lower().replace("-", "_")
            hint = f"did you mean {close!r}? " if close in ACTIVATIONS else ""
            raise ValueError(f"{where}: unknown activation {brief(name_or_callable)}; {hint}"
                             f"known activations: {known}, or pass a function Value -> Value") from None
    if callable(name_or_callable):
        return name_or_callable
    raise TypeError(f"{where}: activation must be a name or a function Value -> Value, "
                    f"got {type(name_or_callable).__name__} {brief(name_or_callable)}")


def activation_record(activation: Union[str, Activation, None]) -> Optional[ActivationRecord]:
    """The record of a named activation (by name or function); None for a custom function.

    >>> activation_record('elu').init, activation_record(lambda v: v * 2)
    ('he', None)
    """
    function = get_activation(activation, "activation_record")
    return next((record for record in ACTIVATIONS.values() if record.function is function), None)


def activation_name(activation: Union[str, Activation, None]) -> str:
    """The name under which an activation is known (a custom function's ``__name__``).

    >>> activation_name(relu), activation_name(None), activation_name('tanh')
    ('relu', 'identity', 'tanh')
    """
    record = activation_record(activation)
    if record is not None:
        return record.name
    fn = get_activation(activation, "activation_name")
    return getattr(fn, "__name__", repr(fn))
