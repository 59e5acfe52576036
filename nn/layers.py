"""Neuron -> Layer -> MLP, and the classic Perceptron, all built from ``autograd.Value``.

A ``Neuron`` computes ``activation(w . x + b)``: one ``autograd.linear`` node
(the weighted sum, with local derivatives x for each w and w for each x) followed
by one activation node.  A ``Layer`` is a list of neurons reading the same inputs;
an ``MLP`` is a list of layers, each reading the previous one's outputs.

Plain-number inputs become Values once, where they enter a Layer or an MLP --
not once per neuron, which would make every neuron pay for the conversion.

Initial weights (biases start at 0) are drawn from a uniform distribution whose
width suits the activation, so that signals neither vanish nor explode as they
pass through the layers:

* relu, leaky_relu, elu (He / Kaiming uniform):  w ~ U(-a, a), a = sqrt(6 / fan_in)
* tanh, sigmoid, softplus, identity (Xavier / Glorot uniform):
  w ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out))

where fan_in is the number of inputs of the neuron and fan_out the number of
neurons in its layer.  Which family an activation belongs to is the ``init``
field of its record in ``nn.activations.ACTIVATIONS``.  ``seed`` makes the
weights reproducible.

``Perceptron`` is Rosenblatt's unit with a step output and the perceptron
learning rule -- no gradients at all, kept here to show what an MLP adds.

Every weight is a Python object of about 120 bytes, so a model is limited to
``MAX_PARAMETERS`` of them: ``MLP(2, [10**5, 10**5])`` is an error at once rather
than an hour of allocation that ends when the memory does.

>>> model = MLP(2, [4, 1], activation='relu', seed=0)
>>> model
MLP(2 -> 4 -> 1, activation='relu')
>>> model([1.0, -1.0]).data == float(model.predict([[1.0, -1.0]])[0])
True
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Sequence, Union

import numpy as np

import autograd
from autograd import Value
from nn.activations import HE, activation_name, activation_record, get_activation
from nn.arguments import as_count, as_value, brief
from nn.converters import converter
from nn.module import Module, as_rows, require_finite_parameters
from nn.seeding import Seed, python_random

__all__ = ["Neuron", "Layer", "MLP", "Perceptron", "init_bound", "as_values", "MAX_PARAMETERS"]

ActivationArg = Union[str, Callable[[Value], Value], None]

#: The most weights and biases one model may have: ten million Values are about 1.2 GB.
MAX_PARAMETERS = 10_000_000


def _count(sizes: Sequence[int]) -> int:
    """Weights and biases of fully connected layers of these sizes: Σ (n_in + 1) n_out."""
    return sum((nin + 1) * nout for nin, nout in zip(sizes, sizes[1:]))


def _config_sizes(config, keys: Sequence[str], where: str) -> list[int]:
    """The layer sizes a saved config asks for, checked as counts (for num_parameters_for)."""
    sizes = []
    for key in keys:
        value = config.get(key) if isinstance(config, dict) else None
        values = value if key == "nouts" else [value]
        if not isinstance(values, (list, tuple)) or not values:
            raise ValueError(f"{where}: config[{key!r}] must be a non-empty list of sizes, got {value!r}")
        sizes += [as_count(v, key, where) for v in values]
    return sizes


def _check_size(sizes: Sequence[int], where: str) -> None:
    """Refuse layer sizes whose weights and biases would not fit in memory."""
    count = _count(sizes)
    if count > MAX_PARAMETERS:
        shape = " -> ".join(str(n) for n in sizes)
        raise ValueError(f"{where}: {shape} would have {count:,} parameters, more than the "
                         f"{MAX_PARAMETERS:,} a scalar engine can hold (each one is a Python "
                         "object of about 120 bytes); use smaller layers, or PyTorch for a "
                         "model this big")


def init_bound(activation: ActivationArg, fan_in: int, fan_out: int = 1) -> float:
    """The half-width a of the uniform U(-a, a) initial weights for this activation.

    He: sqrt(6 / fan_in) for the activations whose record says ``init='he'`` (the
    relu family: their flat negative half zeroes out half the signal, so the
    variance is doubled to make up for it); Glorot: sqrt(6 / (fan_in + fan_out))
    for the others and for custom functions.

    >>> init_bound('relu', 6), init_bound('tanh', 4, 2)
    (1.0, 1.0)
    """
    fan_in = as_count(fan_in, "fan_in", "init_bound")
    fan_out = as_count(fan_out, "fan_out", "init_bound")
    record = activation_record(activation)
    if record is not None and record.init == HE:
        return math.sqrt(6.0 / fan_in)
    return math.sqrt(6.0 / (fan_in + fan_out))


def as_values(x: Any, nin: int, where: str) -> list[Value]:
    """One sample's inputs as a list of ``nin`` Values (numbers become constant leaves).

    Accepts a sequence or numpy row of numbers and/or Values, or a single number
    or Value when ``nin == 1``.  Values pass through unchanged, so gradients can
    flow back into the inputs.

    >>> as_values([1, Value(2.0)], 2, 'Layer')
    [Value(data=1.0, grad=0.0), Value(data=2.0, grad=0.0)]
    """
    if isinstance(x, Value) or isinstance(x, numbers.Real):
        items = [x]
    elif isinstance(x, np.ndarray):
        if x.ndim != 1:
            raise ValueError(f"{where}: expected one sample (a 1-D row of {nin} inputs), "
                             f"got an array of shape {x.shape}; use model.predict(X) for a batch")
        items = x.tolist()
    else:
        try:
            items = list(x)
        except TypeError:
            raise TypeError(f"{where}: expected {nin} inputs (numbers or Values), "
                            f"got {type(x).__name__} {x!r}") from None
    if len(items) != nin:
        raise ValueError(f"{where}: expected {nin} inputs, got {len(items)}: {_brief(items)}")
    # type() is checked first because this runs once per sample in training.
    return [v if type(v) is Value else as_value(v, where, "every input") for v in items]


def _brief(items: list, limit: int = 6) -> str:
    text = ", ".join(str(v.data) if isinstance(v, Value) else repr(v) for v in items[:limit])
    return f"[{text}{', ...' if len(items) > limit else ''}]"


def _config_activation(activation: ActivationArg, where: str) -> str | None:
    """An activation as it can be written to a model file (a name), or a clear error."""
    if activation is None or isinstance(activation, str):
        return activation
    raise ValueError(f"{where}: cannot save a model with the custom activation "
                     f"{activation_name(activation)!r}; only named activations can be saved")


class Neuron(Module):
    """activation(w1*x1 + ... + wn*xn + b): one weighted-sum node, then one activation node.

    ``w`` is a list of ``nin`` weight Values and ``b`` the bias Value.  ``seed``
    is an int (reproducible), None (fresh randomness) or a generator to draw
    from (see ``nn.seeding``).  ``fan_out`` is the size of the layer the neuron
    belongs to (it sets the Glorot width; ``Layer`` passes it).

    >>> n = Neuron(2, activation='identity', seed=0)
    >>> n.load_state_dict({'w.0': 2.0, 'w.1': -1.0, 'b': 0.5})
    >>> out = n([3.0, 4.0])
    >>> out.data, out.op
    (2.5, 'Σw·x+b')
    """

    nout = 1  # a neuron has one output

    def __init__(self, nin: int, activation: ActivationArg = "tanh", seed: Seed = None, *,
                 fan_out: int = 1):
        self.nin = as_count(nin, "nin", "Neuron")
        fan_out = as_count(fan_out, "fan_out", "Neuron")
        _check_size([self.nin, 1], "Neuron")
        self.activation = activation
        function, record = get_activation(activation, "Neuron"), activation_record(activation)
        # a named activation as the Value method it stands for (None: identity, no node)
        self._activate = function if record is None else record.value_method
        rng = python_random(seed, "Neuron")
        a = init_bound(activation, self.nin, fan_out)
        self.w = [Value(rng.uniform(-a, a)) for _ in range(self.nin)]
        self.b = Value(0.0)

    def forward(self, x: Any) -> Value:
        """The neuron's output for one sample of ``nin`` inputs."""
        return self._forward(as_values(x, self.nin, repr(self)))

    def _forward(self, xs: list[Value]) -> Value:
        # xs are already Values (converted once by the caller), so linear() takes its fast path.
        out = autograd.linear(self.w, xs, self.b)
        return out if self._activate is None else self._activate(out)

    def extra_repr(self) -> str:
        return f"{self.nin}, activation={activation_name(self.activation)!r}"

    @classmethod
    def num_parameters_for(cls, config) -> int:
        """nin weights and one bias, counted from a saved config without building anything.

        >>> Neuron.num_parameters_for({'nin': 3})
        4
        """
        return _count([*_config_sizes(config, ["nin"], "Neuron"), 1])

    def get_config(self) -> dict:
        return {"nin": self.nin, "activation": _config_activation(self.activation, "save")}

    def to_torch(self, dtype: Any = None) -> Any:
        """This neuron as ``torch.nn.Sequential(Linear(nin, 1), activation)``, float64 by default.

        >>> Neuron(2, activation='relu', seed=0).to_torch()[1]
        ReLU()
        """
        return converter("model_to_torch", "to_torch")(self, dtype)   # see nn.converters

    @classmethod
    def from_torch(cls, module: Any) -> Neuron:
        """A Neuron from a ``Linear(nin, 1)``, alone or followed by an activation module.

        >>> import torch
        >>> Neuron.from_torch(torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Tanh()))
        Neuron(3, activation='tanh')
        """
        return converter("model_from_torch", "from_torch")(module, cls)


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; ``neurons`` is their list.

    Returns a list of ``nout`` Values, or a single Value when ``nout == 1``.

    >>> layer = Layer(3, 2, activation='relu', seed=0)
    >>> len(layer([1.0, 2.0, 3.0])), layer.num_parameters()
    (2, 8)
    """

    def __init__(self, nin: int, nout: int, activation: ActivationArg = "tanh", seed: Seed = None):
        self.nin = as_count(nin, "nin", "Layer")
        self.nout = as_count(nout, "nout", "Layer")
        _check_size([self.nin, self.nout], "Layer")
        get_activation(activation, "Layer")  # reject an unknown name before building anything
        self.activation = activation
        rng = python_random(seed, "Layer")
        self.neurons = [Neuron(self.nin, activation, seed=rng, fan_out=self.nout)
                        for _ in range(self.nout)]

    def forward(self, x: Any) -> Value | list[Value]:
        """The layer's outputs for one sample of ``nin`` inputs."""
        outs = self._forward(as_values(x, self.nin, repr(self)))
        return outs[0] if self.nout == 1 else outs

    def _forward(self, xs: list[Value]) -> list[Value]:
        return [neuron._forward(xs) for neuron in self.neurons]

    def extra_repr(self) -> str:
        return f"{self.nin} -> {self.nout}, activation={activation_name(self.activation)!r}"

    @classmethod
    def num_parameters_for(cls, config) -> int:
        """(nin + 1) * nout, counted from a saved config without building anything.

        >>> Layer.num_parameters_for({'nin': 3, 'nout': 2})
        8
        """
        return _count(_config_sizes(config, ["nin", "nout"], "Layer"))

    def get_config(self) -> dict:
        return {"nin": self.nin, "nout": self.nout,
                "activation": _config_activation(self.activation, "save")}

    def to_torch(self, dtype: Any = None) -> Any:
        """This layer as ``torch.nn.Sequential(Linear(nin, nout), activation)``, float64 by default.

        >>> Layer(2, 3, seed=0).to_torch()[0].weight.shape
        torch.Size([3, 2])
        """
        return converter("model_to_torch", "to_torch")(self, dtype)   # see nn.converters

    @classmethod
    def from_torch(cls, module: Any) -> Layer:
        """A Layer from a ``Linear``, alone or followed by an activation module.

        >>> import torch
        >>> Layer.from_torch(torch.nn.Linear(3, 2))
        Layer(3 -> 2, activation='identity')
        """
        return converter("model_from_torch", "from_torch")(module, cls)


class MLP(Module):
    """A multi-layer perceptron: layers of sizes ``nouts`` after ``nin`` inputs.

    Hidden layers use ``activation``; the last layer uses ``output_activation``,
    which by default (None) is the identity -- raw scores, as losses such as
    ``cross_entropy`` and ``hinge_loss`` expect.  One output returns a Value,
    several return a list of Values.

    >>> model = MLP(2, [16, 16, 1], activation='relu', seed=1)
    >>> model
    MLP(2 -> 16 -> 16 -> 1, activation='relu')
    >>> model.num_parameters(), model.parameters()[0].label
    (337, 'layers.0.neurons.0.w.0')
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: ActivationArg = "tanh",
                 output_activation: ActivationArg = None, seed: Seed = None):
        self.nin = as_count(nin, "nin", "MLP")
        if isinstance(nouts, numbers.Integral):
            raise ValueError(f"MLP: nouts must be a list of layer sizes, got the number {nouts!r}; "
                             f"for one layer write [{nouts}]")
        # A dict or a set iterates too, but its order is not the order of the layers.
        if not isinstance(nouts, (list, tuple, np.ndarray)):
            raise TypeError(f"MLP: nouts must be a list of layer sizes such as [8, 1], "
                            f"got {type(nouts).__name__} {brief(nouts)}")
        self.nouts = [as_count(n, "every layer size in nouts", "MLP") for n in nouts]
        if not self.nouts:
            raise ValueError("MLP: nouts must list at least one layer size, got []")
        _check_size([self.nin, *self.nouts], "MLP")
        get_activation(activation, "MLP")
        get_activation(output_activation, "MLP")
        self.activation = activation
        self.output_activation = output_activation
        rng = python_random(seed, "MLP")
        sizes = [self.nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1],
                             activation if i < last else (output_activation or "identity"), seed=rng)
                       for i in range(len(self.nouts))]

    @property
    def nout(self) -> int:
        """The number of outputs (the size of the last layer)."""
        return self.nouts[-1]

    def forward(self, x: Any) -> Value | list[Value]:
        """The network's output(s) for one sample of ``nin`` inputs."""
        xs = as_values(x, self.nin, repr(self))
        for layer in self.layers:
            xs = layer._forward(xs)
        return xs[0] if len(xs) == 1 else xs

    def extra_repr(self) -> str:
        text = " -> ".join(str(n) for n in [self.nin, *self.nouts])
        text += f", activation={activation_name(self.activation)!r}"
        if self.output_activation is not None:
            text += f", output_activation={activation_name(self.output_activation)!r}"
        return text

    @classmethod
    def num_parameters_for(cls, config) -> int:
        """Σ (n_in + 1) n_out over the layers, counted from a saved config without building.

        >>> MLP.num_parameters_for({'nin': 2, 'nouts': [3, 1]})
        13
        """
        return _count(_config_sizes(config, ["nin", "nouts"], "MLP"))

    def get_config(self) -> dict:
        return {"nin": self.nin, "nouts": list(self.nouts),
                "activation": _config_activation(self.activation, "save"),
                "output_activation": _config_activation(self.output_activation, "save")}

    def to_torch(self, dtype: Any = None) -> Any:
        """The same network in PyTorch: a ``torch.nn.Sequential`` of Linear and activation modules.

        Same weights (``weight[j, i]`` is neuron j's ``w[i]``), float64 by default;
        see ``nn.torch_bridge`` and docs/pytorch.md.

        >>> MLP(2, [4, 1], activation='relu', seed=0).to_torch()
        Sequential(
          (0): Linear(in_features=2, out_features=4, bias=True)
          (1): ReLU()
          (2): Linear(in_features=4, out_features=1, bias=True)
          (3): Identity()
        )
        """
        return converter("model_to_torch", "to_torch")(self, dtype)   # see nn.converters

    @classmethod
    def from_torch(cls, module: Any) -> MLP:
        """An MLP with the weights of a ``torch.nn.Sequential`` of Linear and activation modules.

        A ValueError names any layer chainrule cannot represent (Conv2d, Dropout, ...).

        >>> import torch
        >>> MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(),
        ...                                    torch.nn.Linear(8, 1)))
        MLP(2 -> 8 -> 1, activation='tanh')
        """
        return converter("model_from_torch", "from_torch")(module, cls)


class Perceptron(Module):
    """Rosenblatt's perceptron: output +1 if w . x + b >= 0, else -1.

    It learns with the perceptron rule, not with gradients: for each sample,
    ``w += lr * (target - prediction) * x`` and ``b += lr * (target - prediction)``,
    which changes nothing when the prediction is right.  It finds a separating
    line whenever one exists (AND, OR) and never settles when none does (XOR).

    The weights are Values so the perceptron can be inspected, saved and loaded
    like any model, but ``fit`` updates their ``.data`` directly and records no
    graph.  Labels must be -1 and +1 (for 0/1 labels pass ``2 * y - 1``).
    ``errors_`` lists the number of misclassified samples in each epoch.

    >>> X = [[-1, -1], [-1, 1], [1, -1], [1, 1]]
    >>> p = Perceptron(2, seed=0).fit(X, [-1, -1, -1, 1])   # AND
    >>> p.predict(X).tolist(), p.errors_[-1]
    ([-1, -1, -1, 1], 0)
    """

    nout = 1

    def __init__(self, nin: int, lr: float = 1.0, seed: Seed = None):
        self.nin = as_count(nin, "nin", "Perceptron")
        _check_size([self.nin, 1], "Perceptron")
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not 0 < lr < math.inf:
            raise ValueError(f"Perceptron: lr must be a positive finite number, got {brief(lr)}")
        self.lr = float(lr)
        rng = python_random(seed, "Perceptron")
        # Small random weights (not zeros) so different seeds visit different lines.
        self.w = [Value(rng.gauss(0.0, 0.01)) for _ in range(self.nin)]
        self.b = Value(0.0)
        self.errors_: list[int] = []

    def net_input(self, x: Sequence[float]) -> float:
        """w . x + b for one sample, as a plain float.

        >>> p = Perceptron(2); p.load_state_dict({'w.0': 1.0, 'w.1': 2.0, 'b': -1.0})
        >>> p.net_input([1.0, 1.0])
        2.0
        """
        xs = as_values(x, self.nin, repr(self))
        return sum(w.data * v.data for w, v in zip(self.w, xs)) + self.b.data

    def forward(self, x: Sequence[float]) -> int:
        """The step output for one sample: +1 if ``net_input(x) >= 0``, else -1."""
        return 1 if self.net_input(x) >= 0.0 else -1

    def predict(self, X: Any) -> np.ndarray:
        """+1 / -1 for each row of X.

        >>> Perceptron(1, seed=0).predict([[5.0]]).dtype.kind
        'i'
        """
        rows = as_rows(X, self.nin, f"predict of {self!r}")
        # NaN >= 0 is False: a NaN weight would answer -1 for every sample without a word.
        require_finite_parameters(self, f"predict of {self!r}")
        return np.array([self.forward(row) for row in rows], dtype=int)

    def fit(self, X: Any, y: Any, epochs: int = 100) -> Perceptron:
        """Apply the perceptron rule sample by sample, in order, for up to ``epochs`` passes.

        Stops early after the first epoch with no errors.  Returns ``self``.

        >>> p = Perceptron(1, seed=0).fit([[-2.0], [3.0]], [-1, 1])
        >>> p.errors_[-1]
        0
        """
        rows = as_rows(X, self.nin, f"fit of {self!r}")
        if not rows:
            raise ValueError(f"fit of {self!r}: X has no rows; give at least one sample to learn from")
        targets = np.asarray(y).ravel().tolist()
        if len(targets) != len(rows):
            raise ValueError(f"fit of {self!r}: X has {len(rows)} rows but y has {len(targets)} labels")
        bad = sorted({t for t in targets if t not in (-1, 1)}, key=repr)
        if bad:
            raise ValueError(f"fit of {self!r}: labels must be -1 or +1, got {bad[:5]!r}; "
                             "for 0/1 labels pass 2 * y - 1")
        epochs = as_count(epochs, "epochs", f"fit of {self!r}")
        require_finite_parameters(self, f"fit of {self!r}")
        self.errors_ = []
        for _ in range(epochs):
            errors = 0
            for row, target in zip(rows, targets):
                update = self.lr * (target - self.forward(row))
                if update:
                    for w, x in zip(self.w, row):
                        w.data += update * x
                    self.b.data += update
                    errors += 1
            self.errors_.append(errors)
            if errors == 0:
                break
        return self

    def extra_repr(self) -> str:
        return f"{self.nin}, lr={self.lr!r}"

    @classmethod
    def num_parameters_for(cls, config) -> int:
        """nin weights and one threshold (bias), counted from a saved config.

        >>> Perceptron.num_parameters_for({'nin': 2})
        3
        """
        return _count([*_config_sizes(config, ["nin"], "Perceptron"), 1])

    def get_config(self) -> dict:
        return {"nin": self.nin, "lr": self.lr}
