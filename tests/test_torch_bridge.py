"""chainrule -> PyTorch -> chainrule: the same model and optimizer, number for number.

A chainrule layer is a ``torch.nn.Linear`` plus an activation module, with
``weight[j, i]`` = neuron j's ``w[i]`` and ``bias[j]`` = its ``b``.  These tests
export random MLPs and check, in float64, that outputs, losses and every
parameter's gradient agree with PyTorch's to 1e-12; that an optimizer converted
at any point keeps to the trajectory chainrule would have followed (1e-10 after
ten steps); and that the way back loses nothing at all.
"""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import nn
from autograd import Value
from nn import torch_bridge
from nn.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from nn.torch_bridge import optimizer_from_torch, parameter_layout

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIGHT = 1e-12       # one forward/backward pass
TRAJECTORY = 1e-10  # ten optimizer steps


def as_torch_layout(model, attribute="data"):
    """The chainrule model's numbers arranged as PyTorch holds them, straight from the definition:
    weight[j][i] = layers[k].neurons[j].w[i], bias[j] = layers[k].neurons[j].b."""
    arrays = []
    for layer in model.layers:
        arrays.append(np.array([[getattr(w, attribute) for w in n.w] for n in layer.neurons]))
        arrays.append(np.array([getattr(n.b, attribute) for n in layer.neurons]))
    return arrays


def torch_arrays(torch_model, grad=False):
    return [(p.grad if grad else p).detach().numpy() for p in torch_model.parameters()]


def largest_difference(ours, theirs):
    assert [a.shape for a in ours] == [b.shape for b in theirs]
    return max(float(np.max(np.abs(a - b))) for a, b in zip(ours, theirs))


# ---------------------------------------------------------------------------
# torch stays optional

def run_python(code):
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_importing_nn_and_autograd_never_imports_torch():
    done = run_python("import sys, nn, autograd, nn.torch_bridge\n"
                      "assert 'torch' not in sys.modules, 'torch was imported'")
    assert done.returncode == 0, done.stderr


def test_converting_without_torch_says_how_to_install_it():
    code = """
import sys
sys.modules['torch'] = None          # as if torch were not installed
import nn
model = nn.MLP(2, [3, 1], seed=0)
calls = [lambda: model.to_torch(), lambda: nn.MLP.from_torch(object()),
         lambda: nn.optim.SGD(model.parameters(), lr=0.1).to_torch([])]
for call in calls:
    try:
        call()
    except ImportError as error:
        assert 'pip install chainrule[torch]' in str(error), str(error)
    else:
        raise SystemExit('no ImportError')
"""
    done = run_python(code)
    assert done.returncode == 0, done.stderr + done.stdout


# ---------------------------------------------------------------------------
# The exported model: structure and weights

def test_exported_mlp_is_a_sequential_holding_neuron_j_weight_i_at_weight_j_i():
    model = nn.MLP(3, [4, 2], activation="relu", seed=0)
    torch_model = model.to_torch()
    assert isinstance(torch_model, torch.nn.Sequential)
    assert [type(m) for m in torch_model] == [torch.nn.Linear, torch.nn.ReLU,
                                              torch.nn.Linear, torch.nn.Identity]
    assert all(p.dtype == torch.float64 and p.requires_grad for p in torch_model.parameters())
    for k, layer in enumerate(model.layers):
        linear = torch_model[2 * k]
        for j, neuron in enumerate(layer.neurons):
            assert linear.bias[j].item() == neuron.b.data
            for i, w in enumerate(neuron.w):
                assert linear.weight[j, i].item() == w.data


@pytest.mark.parametrize("name, module", [
    ("identity", torch.nn.Identity()), ("sigmoid", torch.nn.Sigmoid()), ("tanh", torch.nn.Tanh()),
    ("relu", torch.nn.ReLU()), ("leaky_relu", torch.nn.LeakyReLU(0.01)),
    ("elu", torch.nn.ELU(alpha=1.0)), ("softplus", torch.nn.Softplus(beta=1.0, threshold=40.0)),
])
def test_each_activation_becomes_its_torch_module_with_the_same_settings(name, module):
    exported = nn.Layer(2, 2, activation=name, seed=0).to_torch()[1]
    assert type(exported) is type(module)
    assert repr(exported) == repr(module)


def test_a_float32_export_rounds_each_weight_to_float32():
    model = nn.MLP(2, [3, 1], seed=0)
    linear = model.to_torch(dtype=torch.float32)[0]
    assert linear.weight.dtype == torch.float32
    assert linear.weight[1, 0].item() == float(np.float32(model.layers[0].neurons[1].w[0].data))


def test_exporting_leaves_torchs_random_state_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    nn.MLP(2, [8, 8, 1], seed=0).to_torch()
    assert torch.equal(torch.rand(3), expected)


def test_a_custom_activation_has_no_torch_module():
    model = nn.MLP(2, [3, 1], activation=lambda v: v.tanh() * 2, seed=0)
    with pytest.raises(ValueError, match="layer 0 uses the custom activation '<lambda>'"):
        model.to_torch()


def test_only_neurons_layers_and_mlps_convert():
    with pytest.raises(TypeError, match="converts an nn.MLP, nn.Layer or nn.Neuron, got Perceptron"):
        torch_bridge.model_to_torch(nn.Perceptron(2))


# ---------------------------------------------------------------------------
# Outputs, losses and gradients agree to 1e-12 in float64

ARCHITECTURES = [  # (nin, nouts, activation, output_activation)
    (3, [5, 1], "relu", None),
    (2, [8, 8, 1], "tanh", None),
    (4, [6, 3], "sigmoid", None),
    (3, [7, 5, 2], "leaky_relu", None),
    (2, [6, 4], "elu", "tanh"),
    (3, [5, 5, 1], "softplus", "sigmoid"),
    (1, [4, 1], "identity", None),
]


def loss_pair(name, n_outputs, rng, n):
    """(chainrule loss of a list of outputs, torch loss of an output tensor) for random targets."""
    if name == "cross_entropy":
        classes = rng.integers(0, n_outputs, n)
        return (lambda out: nn.cross_entropy(out, classes.tolist()),
                lambda out: F.cross_entropy(out, torch.from_numpy(classes)))
    if n_outputs > 1:  # mse over every output of every sample
        targets = rng.normal(size=(n, n_outputs))
        return (lambda out: nn.mse_loss(out, targets),
                lambda out: F.mse_loss(out, torch.from_numpy(targets)))
    labels = rng.integers(0, 2, n).astype(float)
    signs, reals = 2 * labels - 1, rng.normal(size=n)
    column = lambda a: torch.from_numpy(a)  # noqa: E731
    return {
        "mse": (lambda out: nn.mse_loss(out, reals), lambda out: F.mse_loss(out[:, 0], column(reals))),
        "mae": (lambda out: nn.mae_loss(out, reals), lambda out: F.l1_loss(out[:, 0], column(reals))),
        "hinge": (lambda out: nn.hinge_loss(out, signs),
                  lambda out: F.relu(1 - column(signs) * out[:, 0]).mean()),
        "bce_with_logits": (lambda out: nn.binary_cross_entropy_with_logits(out, labels),
                            lambda out: F.binary_cross_entropy_with_logits(out[:, 0], column(labels))),
        "binary_cross_entropy": (lambda out: nn.binary_cross_entropy(out, labels),
                                 lambda out: F.binary_cross_entropy(out[:, 0], column(labels))),
    }[name]


def cases():
    for nin, nouts, activation, output_activation in ARCHITECTURES:
        if nouts[-1] > 1:
            names = ["cross_entropy", "mse"]
        else:
            names = ["mse", "mae", "hinge", "bce_with_logits"]
            if output_activation == "sigmoid":
                names = ["mse", "binary_cross_entropy"]
        for name in names:
            yield pytest.param(nin, nouts, activation, output_activation, name,
                               id=f"{activation}-{'x'.join(map(str, nouts))}-{name}")


@pytest.mark.parametrize("nin, nouts, activation, output_activation, loss_name", list(cases()))
def test_outputs_loss_and_every_gradient_agree_with_the_exported_model(
        nin, nouts, activation, output_activation, loss_name):
    rng = np.random.default_rng(len(nouts) * 100 + nin)
    model = nn.MLP(nin, nouts, activation=activation, output_activation=output_activation, seed=1)
    torch_model = model.to_torch()
    X = 2.0 * rng.normal(size=(16, nin))
    ours_loss, theirs_loss = loss_pair(loss_name, nouts[-1], rng, len(X))

    outputs = [model(x) for x in X]
    loss = ours_loss(outputs)
    loss.backward()
    torch_outputs = torch_model(torch.from_numpy(X))
    torch_loss = theirs_loss(torch_outputs)
    torch_loss.backward()

    ours = np.array([[v.data for v in (o if isinstance(o, list) else [o])] for o in outputs])
    assert np.max(np.abs(ours - torch_outputs.detach().numpy())) < TIGHT
    assert abs(loss.data - torch_loss.item()) < TIGHT
    assert largest_difference(as_torch_layout(model, "grad"), torch_arrays(torch_model, grad=True)) < TIGHT


def test_softplus_agrees_far_beyond_torchs_default_threshold():
    # torch.nn.Softplus() returns x itself above x = 20, where log(1 + e^x) is x + 2e-9:
    # fine in float32, a visible gap in float64.  The float64 export switches at 40,
    # beyond which e^-x is below float64's rounding of x, so the switch is exact.
    xs = [-800.0, -30.0, 0.0, 15.0, 20.5, 25.0, 30.0, 39.0, 41.0, 100.0, 800.0]
    module = nn.Neuron(1, activation="softplus").to_torch()[1]
    x = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    module(x).sum().backward()
    for k, value in enumerate(xs):
        v = Value(value)
        out = v.softplus()
        out.backward()
        assert abs(out.data - module(x)[k].item()) < TIGHT
        assert abs(v.grad - x.grad[k].item()) < TIGHT
    default = torch.nn.Softplus()(torch.tensor(25.0, dtype=torch.float64)).item()
    assert abs(default - Value(25.0).softplus().data) > TIGHT  # why the export changes it


# ---------------------------------------------------------------------------
# The way back: MLP.from_torch

@pytest.mark.parametrize("activation", list(nn.activations.ACTIVATIONS))
def test_mlp_to_torch_and_back_is_exact(activation):
    model = nn.MLP(3, [4, 4, 2], activation=activation, output_activation="sigmoid", seed=2)
    back = nn.MLP.from_torch(model.to_torch())
    assert back.state_dict() == model.state_dict()
    assert repr(back) == repr(model)


def test_layer_and_neuron_to_torch_and_back_are_exact():
    layer = nn.Layer(3, 2, activation="elu", seed=0)
    neuron = nn.Neuron(4, activation="sigmoid", seed=0)
    assert nn.Layer.from_torch(layer.to_torch()).state_dict() == layer.state_dict()
    assert nn.Neuron.from_torch(neuron.to_torch()).state_dict() == neuron.state_dict()
    assert repr(nn.Neuron.from_torch(neuron.to_torch())) == repr(neuron)


@pytest.mark.parametrize("modules, expected", [
    (lambda: [torch.nn.Linear(2, 5), torch.nn.ReLU(), torch.nn.Linear(5, 5), torch.nn.ReLU(),
              torch.nn.Linear(5, 3)], "MLP(2 -> 5 -> 5 -> 3, activation='relu')"),
    (lambda: [torch.nn.Linear(2, 4), torch.nn.Linear(4, 3), torch.nn.Tanh()],
     "MLP(2 -> 4 -> 3, activation='identity', output_activation='tanh')"),
    (lambda: [torch.nn.Linear(3, 1), torch.nn.Sigmoid()],
     "MLP(3 -> 1, activation='tanh', output_activation='sigmoid')"),
])
def test_a_torch_model_written_by_hand_comes_over_and_computes_the_same(modules, expected):
    torch.manual_seed(0)
    torch_model = torch.nn.Sequential(*modules()).double()
    model = nn.MLP.from_torch(torch_model)
    assert repr(model) == expected
    X = np.random.default_rng(0).normal(size=(10, model.nin))
    theirs = torch_model(torch.from_numpy(X)).detach().numpy()
    assert np.max(np.abs(model.predict(X).reshape(theirs.shape) - theirs)) < TIGHT


def test_from_torch_unwraps_a_data_parallel_model():
    torch_model = nn.MLP(2, [3, 1], seed=0).to_torch()
    wrapped = torch.nn.DataParallel(torch_model)
    assert nn.MLP.from_torch(wrapped).state_dict() == nn.MLP.from_torch(torch_model).state_dict()


@pytest.mark.parametrize("modules, message", [
    (lambda: [torch.nn.Conv2d(1, 1, 3)], r"layer 0 \(Conv2d\)"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Dropout(0.5), torch.nn.Linear(3, 1)],
     r"layer 1 \(Dropout\): chainrule has no dropout"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3)], r"layer 1 \(BatchNorm1d\)"),
    (lambda: [torch.nn.Linear(2, 3, bias=False)], r"layer 0 \(Linear without bias\)"),
    (lambda: [torch.nn.ReLU(), torch.nn.Linear(2, 1)], r"layer 0 \(ReLU\): it comes before any Linear"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Tanh()],
     r"layer 2 \(Tanh\): a second activation in a row"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.LeakyReLU(0.2)], r"layer 1 \(LeakyReLU\).*slope 0.01"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.ELU(alpha=0.5)], r"layer 1 \(ELU\).*alpha"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Softplus(beta=2.0)], r"layer 1 \(Softplus\).*beta"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 3), torch.nn.Tanh(),
              torch.nn.Linear(3, 1)], r"layer 3 \(Tanh\): an MLP's hidden layers share one activation"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)], r"layer 1 \(Linear\) takes 4 inputs"),
])
def test_from_torch_names_the_layer_it_cannot_represent(modules, message):
    with pytest.raises(ValueError, match=message):
        nn.MLP.from_torch(torch.nn.Sequential(*modules()))


def test_from_torch_wants_a_sequential_and_the_right_number_of_layers():
    with pytest.raises(TypeError, match="expected a torch.nn.Sequential"):
        nn.MLP.from_torch(torch.nn.RNN(2, 3))
    with pytest.raises(ValueError, match="got 2 Linear layers; use MLP.from_torch"):
        nn.Layer.from_torch(nn.MLP(2, [3, 1]).to_torch())
    with pytest.raises(ValueError, match="a Neuron has one output"):
        nn.Neuron.from_torch(torch.nn.Linear(3, 2))


# ---------------------------------------------------------------------------
# Optimizers: the same steps in either library

OPTIMIZERS = [
    (SGD, dict(lr=0.1, momentum=0.9)),
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (SGD, dict(lr=0.1, momentum=0.5, dampening=0.3)),
    (Adam, dict(lr=0.05)),
    (Adam, dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.01, amsgrad=True)),
    (AdamW, dict(lr=0.05, weight_decay=0.1)),
    (RMSprop, dict(lr=0.01)),
    (RMSprop, dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01)),
    (Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
]
OPTIMIZER_IDS = [f"{cls.__name__}-{'-'.join(settings)}" for cls, settings in OPTIMIZERS]

PROBLEM_X = np.random.default_rng(5).normal(size=(8, 2))
PROBLEM_Y = np.sin(PROBLEM_X[:, 0]) + PROBLEM_X[:, 1] ** 2


def chainrule_steps(model, optimizer, n):
    for _ in range(n):
        optimizer.zero_grad()
        nn.mse_loss([model(x) for x in PROBLEM_X], PROBLEM_Y).backward()
        optimizer.step()


def torch_steps(torch_model, optimizer, n):
    X, Y = torch.from_numpy(PROBLEM_X), torch.from_numpy(PROBLEM_Y)
    for _ in range(n):
        optimizer.zero_grad()
        F.mse_loss(torch_model(X)[:, 0], Y).backward()
        optimizer.step()


def fresh_model():
    return nn.MLP(2, [6, 1], activation="tanh", seed=3)


@pytest.mark.parametrize("switch_after", [0, 3], ids=["from-the-start", "after-3-steps"])
@pytest.mark.parametrize("cls, settings", OPTIMIZERS, ids=OPTIMIZER_IDS)
def test_ten_steps_agree_whether_or_not_they_move_to_torch_on_the_way(cls, settings, switch_after):
    reference = fresh_model()
    reference_optimizer = cls(reference.parameters(), **settings)
    chainrule_steps(reference, reference_optimizer, 10)

    model = fresh_model()
    optimizer = cls(model.parameters(), **settings)
    chainrule_steps(model, optimizer, switch_after)
    torch_model = model.to_torch()
    torch_optimizer = optimizer.to_torch(torch_model.parameters())
    torch_steps(torch_model, torch_optimizer, 10 - switch_after)

    assert largest_difference(as_torch_layout(reference), torch_arrays(torch_model)) < TRAJECTORY
    # ...and the torch optimizer's memory is the memory chainrule built up.
    back = optimizer_from_torch(torch_optimizer, nn.MLP.from_torch(torch_model).parameters())
    assert back.step_count == reference_optimizer.step_count == 10
    for name, values in reference_optimizer.state.items():
        assert np.max(np.abs(np.array(back.state[name]) - np.array(values))) < TRAJECTORY, name


@pytest.mark.parametrize("cls, settings", OPTIMIZERS, ids=OPTIMIZER_IDS)
def test_the_torch_optimizer_has_the_same_hyperparameters(cls, settings):
    model = fresh_model()
    optimizer = cls(model.parameters(), **settings)
    torch_optimizer = optimizer.to_torch(model.to_torch().parameters())
    assert type(torch_optimizer) is getattr(torch.optim, cls.__name__)
    group = torch_optimizer.param_groups[0]
    for name in cls.hyperparameters:
        assert group[name] == getattr(optimizer, name), name


@pytest.mark.parametrize("cls, settings", OPTIMIZERS, ids=OPTIMIZER_IDS)
def test_chainrule_to_torch_and_back_is_exact(cls, settings):
    model = fresh_model()
    optimizer = cls(model.parameters(), **settings)
    chainrule_steps(model, optimizer, 3)
    torch_model = model.to_torch()
    torch_optimizer = optimizer.to_torch(torch_model.parameters())
    back_model = nn.MLP.from_torch(torch_model)
    back_optimizer = optimizer_from_torch(torch_optimizer, back_model.parameters())
    assert back_model.state_dict() == model.state_dict()
    assert back_optimizer.state_dict() == optimizer.state_dict()


def test_a_plain_torch_sgd_with_momentum_comes_back_as_one_that_has_stepped():
    torch_model = fresh_model().to_torch()
    torch_optimizer = torch.optim.SGD(torch_model.parameters(), lr=0.1, momentum=0.9)
    torch_steps(torch_model, torch_optimizer, 2)
    model = nn.MLP.from_torch(torch_model)
    optimizer = optimizer_from_torch(torch_optimizer, model.parameters())
    assert optimizer.step_count == 1   # PyTorch's SGD keeps no count; 1 means "buffers are live"
    expected = torch_model[0].weight.detach().clone()
    torch_steps(torch_model, torch_optimizer, 1)
    chainrule_steps(model, optimizer, 1)
    assert largest_difference(as_torch_layout(model), torch_arrays(torch_model)) < TIGHT
    assert not torch.equal(torch_model[0].weight, expected)


def test_torch_optimizers_chainrule_cannot_hold_are_refused():
    params = fresh_model().to_torch().parameters
    model = fresh_model()
    with pytest.raises(ValueError, match="maximize=True"):
        optimizer_from_torch(torch.optim.SGD(params(), lr=0.1, maximize=True), model.parameters())
    weights, biases = zip(*[(m.weight, m.bias) for m in fresh_model().to_torch()[::2]])
    two_groups = torch.optim.SGD([{"params": weights}, {"params": biases, "lr": 0.01}], lr=0.1)
    with pytest.raises(ValueError, match="2 parameter groups"):
        optimizer_from_torch(two_groups, model.parameters())
    with pytest.raises(TypeError, match="converts SGD"):
        optimizer_from_torch(torch.optim.LBFGS(params()), model.parameters())


def test_parameters_map_to_tensor_elements_by_their_labels():
    model = nn.MLP(2, [3, 1], seed=0)
    layout = parameter_layout(model.parameters(), [(3, 2), (3,), (1, 3), (1,)])
    names = [name for name, _ in model.named_parameters()]
    assert [names[k] for k in layout[0][:3]] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                                                 "layers.0.neurons.1.w.0"]
    assert [names[k] for k in layout[3]] == ["layers.1.neurons.0.b"]
    # Values without neuron labels fill the tensors in order.
    assert parameter_layout([Value(1.0), Value(2.0), Value(3.0)], [(2,), (1,)]) == [[0, 1], [2]]


def test_torch_parameters_in_another_order_are_refused_not_guessed():
    model = fresh_model()
    biases_first = [p for name, p in model.to_torch().named_parameters() if "bias" in name] + \
                   [p for name, p in model.to_torch().named_parameters() if "weight" in name]
    with pytest.raises(ValueError, match=r"form tensors of shapes \[\(6, 2\), \(6,\), \(1, 6\), \(1,\)\]"):
        SGD(model.parameters(), lr=0.1).to_torch(biases_first)
    with pytest.raises(TypeError, match="pass its parameters"):
        SGD(model.parameters(), lr=0.1).to_torch(model.to_torch())


# ---------------------------------------------------------------------------
# Every loss and optimizer names its PyTorch counterpart, and docs/pytorch.md lists it

def resolve(dotted):
    obj = torch
    for part in dotted.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def test_every_optimizer_and_schedule_names_a_torch_class_that_exists():
    ours = [name for name in nn.optim.__all__
            if isinstance(getattr(nn.optim, name), type) and name not in ("Optimizer", "LRScheduler")]
    assert sorted(torch_bridge.TORCH_OPTIMIZERS) == sorted(ours)
    for name, dotted in torch_bridge.TORCH_OPTIMIZERS.items():
        assert resolve(dotted).__name__ == name


def test_docs_list_every_counterpart():
    with open(os.path.join(ROOT, "docs", "pytorch.md"), encoding="utf-8") as file:
        text = file.read()
    tables = [nn.losses.TORCH_EQUIVALENTS, torch_bridge.TORCH_OPTIMIZERS, torch_bridge.TORCH_ACTIVATIONS]
    for table in tables:
        for ours, theirs in table.items():
            assert f"`{ours}`" in text, ours
            assert theirs.split("(")[0].split(" ")[0] in text, theirs
