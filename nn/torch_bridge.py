"""Move a chainrule model or optimizer to PyTorch and back, number for number.

The key idea: a chainrule ``Layer`` *is* a ``torch.nn.Linear`` followed by an
activation module.  Neuron j of the layer holds row j of the weight matrix and
entry j of the bias::

    Linear.weight[j, i] = layer.neurons[j].w[i]        Linear.bias[j] = layer.neurons[j].b

so an ``MLP`` becomes ``torch.nn.Sequential(Linear, activation, Linear, activation, ...)``,
one Linear and one activation module per layer (``Identity`` for a linear layer),
holding the same numbers.  In float64 both compute the same outputs and the same
gradients up to rounding; from there PyTorch can train on whole batches at once,
on several processes (``examples/ddp_moons.py``), and ``MLP.from_torch`` brings
the result back.

Optimizers convert too: ``optimizer.to_torch(torch_model.parameters())`` is the
PyTorch optimizer with the same settings *and* the same memory (momentum,
running averages, step count), so training can stop in one library and carry on
in the other.  Which chainrule parameter is which element of which torch tensor
is read from the parameters' labels (``layers.1.neurons.3.w.0`` is element
[3, 0] of layer 1's weight): see :func:`parameter_layout`.

torch is optional.  It is imported inside the functions that need it, so
``import nn`` never loads it; without it they raise ImportError saying
``pip install chainrule[torch]``.

How the one-line calls reach this module.  ``model.to_torch()``,
``MLP.from_torch(seq)`` and ``optimizer.to_torch(params)`` are ordinary methods
of the model and optimizer classes; they look their converter up by name in
``nn.converters``, and this module registers its functions there when it is
imported, which ``import nn`` does.  So the dependency runs one way -- this
module imports the models, no model module imports this one, even inside a
function -- and no class is patched from outside: the methods, their
docstrings and the lookup table all belong to the modules that define them.

Which PyTorch module each activation becomes is not written here: it is a
field of the activation's record in ``nn.activations.ACTIVATIONS``, read both
ways (to build the module, and to recognise one).

>>> import nn
>>> model = nn.MLP(2, [3, 1], activation='relu', seed=0)
>>> torch_model = model_to_torch(model)
>>> torch_model
Sequential(
  (0): Linear(in_features=2, out_features=3, bias=True)
  (1): ReLU()
  (2): Linear(in_features=3, out_features=1, bias=True)
  (3): Identity()
)
>>> model_from_torch(torch_model).state_dict() == model.state_dict()
True
"""
from __future__ import annotations

import itertools
import math
import re
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from autograd import Value
from nn.activations import ACTIVATIONS, ActivationRecord, activation_name, activation_record
from nn.arguments import brief
from nn.converters import register_converter
from nn.layers import MLP, Layer, Neuron
from nn.module import require_finite_parameters
from nn.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop

if TYPE_CHECKING:  # names for type hints only: never imports torch at run time
    import torch

__all__ = ["INSTALL_HINT", "TORCH_ACTIVATIONS", "TORCH_OPTIMIZERS", "SOFTPLUS_THRESHOLD_FLOAT64",
           "require_torch", "model_to_torch", "model_from_torch", "parameter_layout",
           "optimizer_to_torch", "optimizer_from_torch"]

INSTALL_HINT = "pip install chainrule[torch]"

#: torch's Softplus returns x itself once x > threshold (default 20), where the true
#: softplus is x + log(1 + e^-x): off by e^-20 = 2e-9, invisible in float32 but not in
#: float64.  Above 40, e^-x is below half a float64 rounding step of x, so switching
#: there is exact; float64 exports use it.  (Any activation whose torch module has a
#: ``threshold`` setting is treated so; in the table that is Softplus.)
SOFTPLUS_THRESHOLD_FLOAT64 = 40.0


def _torch_text(record: ActivationRecord) -> str:
    if "threshold" in record.torch_settings:
        settings = {**record.torch_settings, "threshold": SOFTPLUS_THRESHOLD_FLOAT64}
        text = ", ".join(f"{key}={value!r}" for key, value in settings.items())
        return (f"torch.nn.{record.torch_module}({text}) in float64, "
                f"threshold={record.torch_settings['threshold']!r} otherwise")
    return record.torch


#: The PyTorch module each named activation becomes (read from the activation table).
TORCH_ACTIVATIONS: dict[str, str] = {name: _torch_text(record) for name, record in ACTIVATIONS.items()}

#: The PyTorch class of each chainrule optimizer and schedule (same argument names).
#: The optimizers convert with ``optimizer.to_torch``; the schedules are named only.
TORCH_OPTIMIZERS: dict[str, str] = {
    "SGD": "torch.optim.SGD",
    "Adagrad": "torch.optim.Adagrad",
    "RMSprop": "torch.optim.RMSprop",
    "Adam": "torch.optim.Adam",
    "AdamW": "torch.optim.AdamW",
    "StepLR": "torch.optim.lr_scheduler.StepLR",
    "ExponentialLR": "torch.optim.lr_scheduler.ExponentialLR",
}
# The optimizers that convert, by name (PyTorch's classes have the same names).
_OPTIMIZER_CLASSES = {cls.__name__: cls for cls in (SGD, Adagrad, RMSprop, Adam, AdamW)}
_CONVERTIBLE_OPTIMIZERS = tuple(_OPTIMIZER_CLASSES)


def require_torch(operation: str = "this") -> Any:
    """The ``torch`` module, or an ImportError naming ``operation`` and how to install it.

    >>> require_torch('to_torch').__name__
    'torch'
    """
    try:
        import torch
    except ImportError as error:
        raise ImportError(f"{operation} needs PyTorch, which is not installed; "
                          f"install it with: {INSTALL_HINT}") from error
    return torch


# ---------------------------------------------------------------------------
# Models

def _layers_of(model: Any, where: str) -> list[tuple[int, list[Neuron], Any]]:
    """(inputs, neurons, activation) of each layer: an MLP has several, a Layer or Neuron one."""
    if isinstance(model, MLP):
        return [(layer.nin, layer.neurons, layer.activation) for layer in model.layers]
    if isinstance(model, Layer):
        return [(model.nin, model.neurons, model.activation)]
    if isinstance(model, Neuron):
        return [(model.nin, [model], model.activation)]
    raise TypeError(f"{where}: converts an nn.MLP, nn.Layer or nn.Neuron, "
                    f"got {type(model).__name__}")


def _named_activation(activation: Any, where: str) -> ActivationRecord:
    """The record of a named activation; a custom function has no PyTorch module here."""
    record = activation_record(activation)
    if record is None:
        known = ", ".join(repr(k) for k in ACTIVATIONS)
        raise ValueError(f"{where} uses the custom activation {activation_name(activation)!r}, which "
                         f"has no PyTorch module to become; use a named activation ({known})")
    return record


def _activation_module(record: ActivationRecord, torch: Any, dtype: Any) -> Any:
    settings = dict(record.torch_settings)
    if "threshold" in settings and dtype == torch.float64:
        settings["threshold"] = SOFTPLUS_THRESHOLD_FLOAT64
    return getattr(torch.nn, record.torch_module)(**settings)


def model_to_torch(model: MLP | Layer | Neuron, dtype: Any = None) -> "torch.nn.Sequential":
    """The same model as a ``torch.nn.Sequential`` of ``Linear`` and activation modules.

    Each chainrule layer becomes ``Linear(nin, nout)`` (weight[j, i] = neuron j's
    w[i], bias[j] = its b) followed by its activation module (``Identity`` for a
    linear layer).  A Neuron becomes ``Linear(nin, 1)`` and its activation, so its
    output has shape (batch, 1).  ``dtype`` defaults to ``torch.float64``, in which
    the outputs and gradients agree with chainrule's to rounding error; float32
    rounds every weight.  The torch model is a copy: training one leaves the other
    alone.  A custom (unnamed) activation raises ValueError naming the layer.

    >>> import nn
    >>> layer = nn.Layer(2, 3, activation='tanh', seed=0)
    >>> linear = model_to_torch(layer)[0]
    >>> linear.weight[2, 1].item() == layer.neurons[2].w[1].data
    True
    """
    torch = require_torch("to_torch")
    where = f"to_torch of {type(model).__name__}"
    dtype = torch.float64 if dtype is None else dtype
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f"{where}: dtype must be a floating-point torch dtype such as "
                         f"torch.float64, got {dtype!r}")
    layers = _layers_of(model, where)
    # torch would copy a NaN as readily as any number, and every output and gradient of the
    # exported model would be NaN, far from the line that wrote it.
    require_finite_parameters(model, where)
    modules = []
    for k, (nin, neurons, activation) in enumerate(layers):
        record = _named_activation(activation, f"{where}: layer {k}")
        # skip_init: no random initialisation, which would only be overwritten and
        # would move the caller's torch random state.
        linear = torch.nn.utils.skip_init(torch.nn.Linear, nin, len(neurons), dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in neurons],
                                             dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=torch.float64))
        modules += [linear, _activation_module(record, torch, dtype)]
    return torch.nn.Sequential(*modules)


def _activation_of_module(item: Any, index: int, torch: Any, where: str) -> str:
    """chainrule's name for an activation module, or ValueError naming the layer."""
    layer = f"{where}: cannot represent layer {index} ({type(item).__name__})"
    kind = type(item)   # exact types: a subclass may compute something else
    record = next((r for r in ACTIVATIONS.values()
                   if getattr(torch.nn, r.torch_module) is kind), None)
    if record is not None:
        for setting, ours in record.torch_settings.items():
            theirs = getattr(item, setting)
            if setting == "threshold":   # Softplus: x itself above it (see SOFTPLUS_THRESHOLD_FLOAT64)
                if theirs < ours:
                    raise ValueError(f"{layer}: it returns x itself above threshold={theirs}, "
                                     f"far from log(1 + e^x); chainrule's {record.name} matches "
                                     f"threshold >= {ours}")
            elif theirs != ours:
                raise ValueError(f"{layer}: chainrule's {record.name!r} has {setting} {ours}, "
                                 f"this one has {setting}={theirs}")
        return record.name
    if kind in (torch.nn.Dropout, torch.nn.AlphaDropout):
        raise ValueError(f"{layer}: chainrule has no dropout; dropout only acts in training, "
                         "so remove it from a trained model before bringing it back")
    supported = ", ".join(["Linear (with bias)", *(r.torch_module for r in ACTIVATIONS.values())])
    raise ValueError(f"{layer}: a chainrule MLP is made only of {supported}")


def _read_sequential(module: Any, torch: Any, where: str) -> list[tuple[Any, str, int]]:
    """(Linear, activation name, index of the activation module) for each layer of ``module``."""
    if isinstance(module, (torch.nn.parallel.DistributedDataParallel, torch.nn.DataParallel)):
        module = module.module   # the wrapped model
    if type(module) is torch.nn.Linear:
        items = [module]
    elif isinstance(module, torch.nn.Sequential):
        items = list(module)
    else:
        raise TypeError(f"{where}: expected a torch.nn.Sequential of Linear and activation "
                        f"modules (or one Linear), got {type(module).__name__}")
    layers: list[list] = []   # [Linear, activation name or None, index]
    for index, item in enumerate(items):
        if type(item) is torch.nn.Linear:
            if item.bias is None:
                raise ValueError(f"{where}: cannot represent layer {index} (Linear without bias): "
                                 "every chainrule neuron has a bias")
            if layers and layers[-1][0].out_features != item.in_features:
                raise ValueError(f"{where}: layer {index} (Linear) takes {item.in_features} "
                                 f"inputs but the layer before gives {layers[-1][0].out_features}")
            layers.append([item, None, index])
            continue
        name = _activation_of_module(item, index, torch, where)
        if not layers:
            raise ValueError(f"{where}: cannot represent layer {index} ({type(item).__name__}): "
                             "it comes before any Linear, but a chainrule layer applies its "
                             "activation after its weighted sum")
        if layers[-1][1] is not None:
            raise ValueError(f"{where}: cannot represent layer {index} ({type(item).__name__}): "
                             f"a second activation in a row; a chainrule layer has one")
        layers[-1][1], layers[-1][2] = name, index
    if not layers:
        raise ValueError(f"{where}: the Sequential holds no Linear layer")
    # No activation module after a Linear means a linear layer (consecutive Linears).
    return [(linear, name or "identity", index) for linear, name, index in layers]


def _weights(linear: Any) -> tuple[list[list[float]], list[float]]:
    torch = require_torch()
    with torch.no_grad():
        return (linear.weight.detach().to(torch.float64).cpu().tolist(),
                linear.bias.detach().to(torch.float64).cpu().tolist())


def model_from_torch(module: Any, cls: type = MLP) -> MLP | Layer | Neuron:
    """A chainrule model (``cls``: MLP, Layer or Neuron) with the weights of a torch model.

    ``module`` is a ``torch.nn.Sequential`` of ``Linear`` layers (with bias), each
    optionally followed by one of Identity, Sigmoid, Tanh, ReLU, LeakyReLU(0.01),
    ELU(1.0), Softplus(beta=1) -- what :func:`model_to_torch` makes -- or a single
    ``Linear``, or a DistributedDataParallel wrapping one.  A Linear with no
    activation after it is a linear layer.  Since an MLP has one hidden
    activation, all hidden layers must share theirs.  Anything else raises
    ValueError naming the layer (its index and class).

    >>> import torch
    >>> seq = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    >>> model_from_torch(seq)
    MLP(2 -> 4 -> 1, activation='relu')
    >>> model_from_torch(torch.nn.Sequential(torch.nn.Conv2d(1, 1, 3)))
    Traceback (most recent call last):
    ...
    ValueError: MLP.from_torch: cannot represent layer 0 (Conv2d): a chainrule MLP is made only of ...
    """
    torch = require_torch("from_torch")
    if cls not in (MLP, Layer, Neuron):
        raise TypeError(f"from_torch: cls must be nn.MLP, nn.Layer or nn.Neuron, got {cls!r}")
    where = f"{cls.__name__}.from_torch"
    layers = _read_sequential(module, torch, where)
    first = layers[0][0]
    if cls is MLP:
        names = [name for _, name, _ in layers]
        hidden = layers[:-1]
        for linear, name, index in hidden:
            if name != hidden[0][1]:
                raise ValueError(f"{where}: cannot represent layer {index} "
                                 f"({_module_name(module, index)}): an MLP's hidden layers share "
                                 f"one activation, but this one is {name!r} and the first "
                                 f"hidden layer's is {hidden[0][1]!r}")
        model = MLP(first.in_features, [linear.out_features for linear, _, _ in layers],
                    activation=hidden[0][1] if hidden else "tanh",
                    output_activation=None if names[-1] == "identity" else names[-1], seed=0)
    else:
        if len(layers) != 1:
            raise ValueError(f"{where}: expected one Linear (and its activation), got "
                             f"{len(layers)} Linear layers; use MLP.from_torch")
        linear, name, _ = layers[0]
        if cls is Neuron:
            if linear.out_features != 1:
                raise ValueError(f"{where}: a Neuron has one output, but the Linear has "
                                 f"out_features={linear.out_features}; use Layer.from_torch")
            model = Neuron(linear.in_features, activation=name, seed=0)
        else:
            model = Layer(linear.in_features, linear.out_features, activation=name, seed=0)
    # named_parameters() lists, layer by layer and neuron by neuron, w[0..n-1] then b:
    # exactly each weight row followed by its bias.
    numbers = []
    for linear, _, _ in layers:
        weight, bias = _weights(linear)
        for row, b in zip(weight, bias):
            numbers += [*row, b]
    try:
        model.load_state_dict(dict(zip((name for name, _ in model.named_parameters()), numbers)))
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    return model


def _module_name(module: Any, index: int) -> str:
    inner = getattr(module, "module", module)
    try:
        return type(inner[index]).__name__
    except (TypeError, IndexError):
        return "?"


# ---------------------------------------------------------------------------
# Which chainrule parameter is which element of which torch tensor

# A parameter label such as 'layers.1.neurons.3.w.0' (Layer / MLP), 'w.2' or 'b' (Neuron).
_LABEL = re.compile(r"^(?P<prefix>(?:[^.]+\.)*?)(?:neurons\.(?P<row>\d+)\.)?(?:w\.(?P<col>\d+)|b)$")


def parameter_layout(params: Sequence[Value], shapes: Sequence[Sequence[int]],
                     where: str = "parameter_layout") -> list[list[int]]:
    """For each torch tensor (given by its shape), the indices into ``params`` of its elements.

    ``result[t][e]`` is the position in ``params`` of element e (row-major order)
    of tensor t.  When the labels name neurons (``layers.1.neurons.3.w.0``,
    ``neurons.3.b``, ``w.0``) the parameters are grouped as a torch Sequential
    holds them -- each layer's weight matrix, then its bias -- and the shapes
    must be those; otherwise the parameters fill the tensors in order.

    >>> import nn
    >>> parameter_layout(nn.Layer(2, 2).parameters(), [(2, 2), (2,)])  # w00 w01 b0 w10 w11 b1
    [[0, 1, 3, 4], [2, 5]]
    """
    params = _value_list(params, "params", where)
    shapes = _shape_list(shapes, where)
    matches = [_LABEL.match(p.label or "") for p in params]
    if all(matches):
        tensors: dict[tuple[str, str], dict[tuple[int, ...], int]] = {}
        for index, match in enumerate(matches):
            row = int(match["row"] or 0)
            key, cell = ((match["prefix"], "weight"), (row, int(match["col"]))) \
                if match["col"] is not None else ((match["prefix"], "bias"), (row,))
            cells = tensors.setdefault(key, {})
            if cell in cells:
                raise ValueError(f"{where}: two parameters have the label {params[index].label!r}; "
                                 "labels must be unique (one model per optimizer)")
            cells[cell] = index
        layout, expected = [], []
        for cells in tensors.values():
            shape = tuple(max(cell[d] for cell in cells) + 1 for d in range(len(next(iter(cells)))))
            expected.append(shape)
            grid = list(itertools.product(*(range(n) for n in shape)))
            if len(cells) != len(grid):
                raise ValueError(f"{where}: the parameters labelled {sorted(cells)[:3]}... do not "
                                 f"fill a {shape} tensor")
            layout.append([cells[cell] for cell in grid])
        if expected != shapes:
            raise ValueError(f"{where}: the chainrule parameters form tensors of shapes {expected} "
                             f"(each layer's weight, then its bias), but the torch parameters have "
                             f"shapes {shapes}; pass the parameters of the model made by to_torch(), "
                             "in order")
        return layout
    # No neuron labels: the parameters fill the tensors element by element, in order.
    total = sum(math.prod(shape) for shape in shapes)
    if total != len(params):
        raise ValueError(f"{where}: {len(params)} chainrule parameters but the torch tensors "
                         f"(shapes {shapes}) hold {total} numbers")
    starts = itertools.accumulate((math.prod(shape) for shape in shapes), initial=0)
    return [list(range(start, start + math.prod(shape))) for start, shape in zip(starts, shapes)]


def _value_list(params: Any, name: str, where: str) -> list[Value]:
    try:
        params = list(params)
    except TypeError:
        raise TypeError(f"{where}: {name} must be a list of Values (model.parameters()), got "
                        f"{type(params).__name__} {brief(params)}") from None
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"{where}: {name}[{i}] must be a Value, got {type(p).__name__} {brief(p)}")
    return params


def _shape_list(shapes: Any, where: str) -> list[tuple[int, ...]]:
    """Tensor shapes as tuples of non-negative ints (torch.Size is one)."""
    try:
        result = [tuple(shape) for shape in shapes]
    except TypeError:
        raise TypeError(f"{where}: shapes must be a list of tensor shapes such as [(3, 2), (3,)], "
                        f"got {type(shapes).__name__} {brief(shapes)}") from None
    for shape in result:
        if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
            raise ValueError(f"{where}: a tensor shape is a tuple of sizes (integers 0 or more), "
                             f"got {brief(shape)}")
    return result


# ---------------------------------------------------------------------------
# Optimizers

def _torch_buffers(kind: str, settings: dict) -> list[str]:
    """The state buffers PyTorch keeps for this optimizer with these settings."""
    if kind == "SGD":
        return ["momentum_buffer"] if settings["momentum"] != 0 else []
    if kind == "Adagrad":
        return ["sum"]
    if kind == "RMSprop":
        return (["square_avg"] + (["momentum_buffer"] if settings["momentum"] > 0 else [])
                + (["grad_avg"] if settings["centered"] else []))
    return ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if settings["amsgrad"] else [])


def _kind(cls: type, where: str) -> str:
    for base in cls.__mro__:   # AdamW before Adam: the most specific known class wins
        if base.__name__ in _CONVERTIBLE_OPTIMIZERS:
            return base.__name__
    raise TypeError(f"{where}: converts {', '.join(_CONVERTIBLE_OPTIMIZERS)}; "
                    f"got {cls.__name__}")


def _step_tensor(torch: Any, step: int) -> Any:
    # The dtype PyTorch itself gives 'step' (float64 only when that is the default dtype).
    dtype = torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32
    return torch.tensor(float(step), dtype=dtype)


def _count_steps(torch_optimizer: Any, args: Any, kwargs: Any) -> None:
    """Step hook: PyTorch's SGD counts no steps, so keep the count in state['step'] as Adam does."""
    for group in torch_optimizer.param_groups:
        for p in group["params"]:
            if p.grad is not None:
                state = torch_optimizer.state[p]
                state["step"] = int(state.get("step", 0)) + 1


def _tensor_list(torch_params: Any, torch: Any, where: str) -> list:
    if isinstance(torch_params, torch.nn.Module):
        raise TypeError(f"{where}: got a {type(torch_params).__name__}; pass its parameters: "
                        "optimizer.to_torch(torch_model.parameters())")
    if isinstance(torch_params, torch.Tensor):
        raise TypeError(f"{where}: torch_params must be a list of tensors, got a single tensor; "
                        "wrap it in a list")
    try:
        items = list(torch_params)
    except TypeError:
        raise TypeError(f"{where}: torch_params must be the torch model's parameters "
                        "(optimizer.to_torch(torch_model.parameters())), got "
                        f"{type(torch_params).__name__} {brief(torch_params)}") from None
    tensors = [p[1] if isinstance(p, tuple) else p for p in items]  # (name, tensor) pairs too
    for i, t in enumerate(tensors):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{where}: torch_params[{i}] is {type(t).__name__}, not a tensor")
    return tensors


def optimizer_to_torch(optimizer: Optimizer, torch_params: Iterable[Any]) -> "torch.optim.Optimizer":
    """The same optimizer in PyTorch: same settings, same state, over ``torch_params``.

    ``torch_params`` are the parameters of the torch copy of the model the
    optimizer trains (``model.to_torch().parameters()``).  Every hyperparameter
    (lr, momentum, dampening, nesterov, weight_decay, betas, eps, amsgrad, alpha,
    centered, lr_decay, initial_accumulator_value) is passed by its PyTorch name,
    and every buffer PyTorch keeps (momentum_buffer, exp_avg, exp_avg_sq,
    max_exp_avg_sq, square_avg, grad_avg, sum, step) is filled in from
    ``optimizer.state``, so the next ``step()`` in torch is the step chainrule
    would have taken.  PyTorch's SGD counts no steps; a step hook keeps the count
    in ``state['step']`` so :func:`optimizer_from_torch` can restore it.

    >>> import nn
    >>> model = nn.MLP(2, [3, 1], seed=0)
    >>> sgd = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> torch_sgd = optimizer_to_torch(sgd, model_to_torch(model).parameters())
    >>> type(torch_sgd).__name__, torch_sgd.defaults['momentum']
    ('SGD', 0.9)
    """
    torch = require_torch("to_torch")
    where = f"{type(optimizer).__name__}.to_torch"
    kind = _kind(type(optimizer), where)
    tensors = _tensor_list(torch_params, torch, where)
    layout = parameter_layout(optimizer.params, [t.shape for t in tensors], where)
    settings = {name: getattr(optimizer, name) for name in optimizer.hyperparameters}
    torch_optimizer = getattr(torch.optim, kind)(tensors, **settings)
    step = optimizer.step_count
    # PyTorch creates state on the first step (Adagrad: at construction); before any
    # step there is nothing to carry over but Adagrad's starting sum.
    if step > 0 or kind == "Adagrad":
        for tensor, indices in zip(tensors, layout):
            state = torch_optimizer.state[tensor]
            state["step"] = step if kind == "SGD" else _step_tensor(torch, step)
            for name in _torch_buffers(kind, settings):
                values = [optimizer.state[name][k] for k in indices]
                for k, v in zip(indices, values):
                    if not math.isfinite(v):
                        raise ValueError(f"{where}: the optimizer's {name} for parameter "
                                         f"{optimizer.params[k].label or k!r} is {v!r}; state that "
                                         "is not a finite number cannot be carried over (did "
                                         "training diverge?)")
                state[name] = torch.tensor(values, dtype=tensor.dtype,
                                           device=tensor.device).reshape(tensor.shape)
    if kind == "SGD":
        torch_optimizer.register_step_post_hook(_count_steps)
    return torch_optimizer


def _plain(value: Any) -> Any:
    """A hyperparameter as a plain Python number (PyTorch allows tensors for lr and betas)."""
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if hasattr(value, "item") and not isinstance(value, (bool, int, float)):
        return value.item()
    return value


def optimizer_from_torch(torch_optimizer: Any, params: Iterable[Value]) -> Optimizer:
    """A chainrule optimizer over ``params`` with a torch optimizer's settings and state.

    The reverse of :func:`optimizer_to_torch`: ``params`` are the parameters of
    the chainrule model (``nn.MLP.from_torch(torch_model).parameters()``).  The
    torch optimizer must have a single parameter group and ``maximize=False``.
    The step count comes from ``state['step']``; for a PyTorch SGD made elsewhere
    (which counts no steps) it is 1 once momentum buffers exist, which is all
    chainrule's SGD needs to know.

    >>> import nn, torch
    >>> torch_model = torch.nn.Sequential(torch.nn.Linear(2, 1))
    >>> adam = torch.optim.Adam(torch_model.parameters(), lr=0.01)
    >>> model = nn.MLP.from_torch(torch_model)
    >>> optimizer_from_torch(adam, model.parameters())
    Adam(3 parameters, lr=0.01, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, amsgrad=False)
    """
    torch = require_torch("from_torch")
    where = "optimizer_from_torch"
    if not isinstance(torch_optimizer, torch.optim.Optimizer):
        raise TypeError(f"{where}: expected a torch.optim optimizer, "
                        f"got {type(torch_optimizer).__name__}")
    kind = _kind(type(torch_optimizer), where)
    if len(torch_optimizer.param_groups) != 1:
        raise ValueError(f"{where}: the {kind} has {len(torch_optimizer.param_groups)} parameter "
                         "groups; a chainrule optimizer has one set of settings")
    group = torch_optimizer.param_groups[0]
    if group.get("maximize"):
        raise ValueError(f"{where}: maximize=True has no chainrule counterpart; "
                         "minimise the negated loss instead")
    if kind == "Adam" and group.get("decoupled_weight_decay"):
        kind = "AdamW"   # torch's Adam(decoupled_weight_decay=True) is AdamW
    cls = _OPTIMIZER_CLASSES[kind]
    optimizer = cls(params, **{name: _plain(group[name]) for name in cls.hyperparameters})
    layout = parameter_layout(optimizer.params, [t.shape for t in group["params"]], where)
    steps, buffers_seen = set(), False
    for tensor, indices in zip(group["params"], layout):
        state = torch_optimizer.state.get(tensor, {})
        if "step" in state:
            steps.add(int(_plain(state["step"])))
        for name in cls.buffers:
            if state.get(name) is not None:
                buffers_seen = True
                values = state[name].detach().to(torch.float64).cpu().reshape(-1).tolist()
                for k, v in zip(indices, values):
                    optimizer.state[name][k] = v
    if len(steps) > 1:
        raise ValueError(f"{where}: the parameters have taken different numbers of steps "
                         f"{sorted(steps)}; chainrule keeps one count for all")
    optimizer.step_count = steps.pop() if steps else int(buffers_seen)
    return optimizer


# The methods model.to_torch(), MLP.from_torch(...) and optimizer.to_torch(...) find these
# by name (see the module docstring); `import nn` imports this module, so they are there.
register_converter("model_to_torch", model_to_torch)
register_converter("model_from_torch", model_from_torch)
register_converter("optimizer_to_torch", optimizer_to_torch)
