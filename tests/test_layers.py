"""Neuron, Layer, MLP: gradients against finite differences, shapes, names, initialisation, seeds."""
import math
import random

import numpy as np
import pytest

import autograd
import nn
from autograd import Value
from nn.activations import ACTIVATIONS

X_SMALL = [[0.5, -1.2], [1.5, 0.3], [-0.7, 0.8]]
Y_SMALL = [0.2, -0.4, 1.0]


def use_parameters(model, values):
    """Put ``values`` (in named_parameters order) into the model in place of its parameters."""
    values = iter(values)
    for layer in model.layers:
        for neuron in layer.neurons:
            neuron.w = [next(values) for _ in neuron.w]
            neuron.b = next(values)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_mlp_loss_gradient_matches_finite_differences_for_every_parameter(activation):
    model = nn.MLP(2, [3, 2, 1], activation=activation, seed=3)
    start = [p.data for p in model.parameters()]

    def loss(*parameters):
        use_parameters(model, parameters)
        errors = [(model(x) - y) ** 2 for x, y in zip(X_SMALL, Y_SMALL)]
        return autograd.sum(errors) * (1 / len(errors))
    loss.__name__ = f"mse of MLP(activation={activation!r})"

    assert autograd.gradcheck(loss, start)


def test_gradient_flows_into_input_values():
    model = nn.MLP(2, [3, 1], activation='tanh', seed=0)
    x = [Value(0.4), Value(-0.9)]

    def output(a, b):
        return model([a, b])
    assert autograd.gradcheck(output, [x[0].data, x[1].data])


def test_neuron_is_one_weighted_sum_node_then_one_activation_node():
    neuron = nn.Neuron(3, activation='tanh', seed=0)
    out = neuron([1.0, 2.0, 3.0])
    assert out.op == 'tanh'
    [weighted_sum] = out.parents
    assert weighted_sum.op.primitive.name == 'linear'
    assert weighted_sum.parents[:3] == tuple(neuron.w)
    assert weighted_sum.parents[-1] is neuron.b
    expected = sum(w.data * x for w, x in zip(neuron.w, [1.0, 2.0, 3.0])) + neuron.b.data
    assert out.data == pytest.approx(math.tanh(expected), abs=1e-15)


def test_identity_activation_adds_no_node():
    out = nn.Neuron(2, activation='identity', seed=0)([1.0, 2.0])
    assert out.op.primitive.name == 'linear'


def test_inputs_become_values_once_and_are_shared_by_every_neuron():
    layer = nn.Layer(2, 4, seed=0)
    outputs = layer([1.0, 2.0])
    inputs_seen = {tuple(id(x) for x in out.parents[0].parents[2:4]) for out in outputs}
    assert len(inputs_seen) == 1


def test_output_shapes():
    assert isinstance(nn.MLP(2, [3, 1])([1.0, 2.0]), Value)
    out = nn.MLP(2, [3, 4])([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 4 and all(isinstance(v, Value) for v in out)
    assert isinstance(nn.Layer(2, 1)([1.0, 2.0]), Value)
    assert len(nn.Layer(2, 5)([1.0, 2.0])) == 5
    assert isinstance(nn.Neuron(2)([1.0, 2.0]), Value)


def test_inputs_may_be_numbers_numpy_rows_or_values():
    model = nn.MLP(2, [3, 1], seed=0)
    expected = model([1.0, 2.0]).data
    assert model(np.array([1.0, 2.0])).data == expected
    assert model((1, 2)).data == expected
    assert model([Value(1.0), 2]).data == expected
    assert nn.MLP(1, [2, 1], seed=0)(0.5).data == nn.MLP(1, [2, 1], seed=0)([0.5]).data


def test_named_parameters_of_an_mlp():
    names = [name for name, _ in nn.MLP(2, [2, 1]).named_parameters()]
    assert names == ['layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.1', 'layers.0.neurons.0.b',
                     'layers.0.neurons.1.w.0', 'layers.0.neurons.1.w.1', 'layers.0.neurons.1.b',
                     'layers.1.neurons.0.w.0', 'layers.1.neurons.0.w.1', 'layers.1.neurons.0.b']


def test_same_seed_same_weights_and_different_seed_different_weights():
    assert nn.MLP(3, [5, 2], seed=7).state_dict() == nn.MLP(3, [5, 2], seed=7).state_dict()
    assert nn.MLP(3, [5, 2], seed=7).state_dict() != nn.MLP(3, [5, 2], seed=8).state_dict()
    assert nn.MLP(3, [5, 2]).state_dict() != nn.MLP(3, [5, 2]).state_dict()  # seed=None: fresh
    assert nn.Neuron(4, seed=1).state_dict() == nn.Neuron(4, seed=random.Random(1)).state_dict()


def test_an_int_seed_draws_the_weights_from_pythons_random_as_it_always_has():
    # nn.seeding keeps the generator models were written with: the lessons' seeded numbers.
    rng, a = random.Random(3), math.sqrt(6 / (4 + 1))
    assert [w.data for w in nn.Neuron(4, seed=3).w] == [rng.uniform(-a, a) for _ in range(4)]


def test_any_seed_kind_works_for_a_model_and_a_wrong_one_names_the_model():
    first = nn.MLP(2, [3, 1], seed=np.random.default_rng(0)).state_dict()
    assert first == nn.MLP(2, [3, 1], seed=np.random.default_rng(0)).state_dict()
    for bad in ["0", 1.5, True]:
        with pytest.raises(TypeError, match="MLP: seed must be an int, None, a random.Random or a "
                                            "numpy.random.Generator"):
            nn.MLP(2, [3, 1], seed=bad)


def test_a_bool_input_is_refused_like_every_bool_number():
    with pytest.raises(TypeError, match="every input must be a number or a Value, got bool True"):
        nn.Layer(2, 3, seed=0)([True, 1.0])
    with pytest.raises(TypeError, match=r"relu\(\): the argument must be a number or a Value, got bool"):
        nn.activations.relu(False)


def test_biases_start_at_zero_and_weights_within_the_documented_bound():
    for activation, bound in [('relu', math.sqrt(6 / 20)), ('leaky_relu', math.sqrt(6 / 20)),
                              ('elu', math.sqrt(6 / 20)), ('tanh', math.sqrt(6 / (20 + 30))),
                              ('sigmoid', math.sqrt(6 / (20 + 30))),
                              ('identity', math.sqrt(6 / (20 + 30)))]:
        layer = nn.Layer(20, 30, activation=activation, seed=0)
        weights = np.array([w.data for n in layer.neurons for w in n.w])
        assert all(n.b.data == 0.0 for n in layer.neurons)
        assert np.abs(weights).max() <= bound
        # U(-a, a) has variance a^2 / 3; 600 draws put the sample variance within ~15%.
        assert weights.var() == pytest.approx(bound ** 2 / 3, rel=0.15)


def test_relu_family_uses_he_and_the_rest_glorot():
    assert nn.layers.init_bound('relu', 8, 100) == math.sqrt(6 / 8)
    assert nn.layers.init_bound('tanh', 8, 4) == math.sqrt(6 / 12)
    he = {name for name, record in ACTIVATIONS.items() if record.init == nn.activations.HE}
    assert he == {'relu', 'leaky_relu', 'elu'}
    assert nn.layers.init_bound(lambda v: v.relu(), 8, 4) == math.sqrt(6 / 12)  # custom: Glorot


def test_one_record_per_activation_holds_its_function_method_and_torch_module():
    for name, record in ACTIVATIONS.items():
        assert record.name == name and nn.get_activation(name) is record.function
        assert nn.activations.activation_record(record.function) is record
        if record.value_method is not None:
            assert record.value_method(Value(0.3)).data == record.function(Value(0.3)).data
        assert record.torch.startswith(f"torch.nn.{record.torch_module}(")
    assert ACTIVATIONS['identity'].value_method is None            # no node at all
    assert {name for name, r in ACTIVATIONS.items() if r.saturating} == {'sigmoid', 'tanh'}


def test_output_activation_applies_to_the_last_layer_only():
    model = nn.MLP(2, [3, 2], activation='relu', output_activation='sigmoid', seed=0)
    assert [layer.activation for layer in model.layers] == ['relu', 'sigmoid']
    assert all(0.0 < v.data < 1.0 for v in model([5.0, -5.0]))
    assert nn.MLP(2, [3, 1], activation='relu').layers[-1].activation == 'identity'


def test_a_custom_activation_function_is_accepted():
    def cube(v):
        return v ** 3
    neuron = nn.Neuron(1, activation=cube, seed=0)
    neuron.load_state_dict({'w.0': 2.0, 'b': 1.0})
    assert neuron([1.0]).data == 27.0
    assert repr(neuron) == "Neuron(1, activation='cube')"


@pytest.mark.parametrize("make, message", [
    (lambda: nn.Neuron(0), "nin must be a positive integer, got 0"),
    (lambda: nn.Layer(2, 0), "nout must be a positive integer, got 0"),
    (lambda: nn.MLP(2, 3), "nouts must be a list of layer sizes"),
    (lambda: nn.MLP(2, []), "at least one layer"),
    (lambda: nn.MLP(2, [3, -1]), "every layer size in nouts must be a positive integer, got -1"),
])
def test_bad_sizes_raise_a_clear_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("make, message", [
    (lambda: nn.Neuron(2.5), "nin must be an integer, got float 2.5"),
    (lambda: nn.Layer(2, True), "nout must be an integer, got bool True"),
    (lambda: nn.MLP(2, [3, "1"]), "every layer size in nouts must be an integer, got str '1'"),
])
def test_a_size_that_is_not_an_integer_is_a_type_error(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown activation 'relu6'.*'relu', 'leaky_relu'"):
        nn.MLP(2, [3, 1], activation='relu6')


def test_wrong_number_of_inputs_raises():
    with pytest.raises(ValueError, match=r"expected 2 inputs, got 3"):
        nn.MLP(2, [3, 1])([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="every input must be a number or a Value"):
        nn.Layer(2, 3)([1.0, "2"])


def test_activations_by_name_compute_their_formula():
    x = 0.7
    expected = {'identity': x, 'sigmoid': 1 / (1 + math.exp(-x)), 'tanh': math.tanh(x),
                'relu': x, 'leaky_relu': x, 'elu': x, 'softplus': math.log1p(math.exp(x))}
    for name, value in expected.items():
        assert nn.get_activation(name)(Value(x)).data == pytest.approx(value, rel=1e-12)
    assert nn.activations.leaky_relu(-2.0, slope=0.1).data == pytest.approx(-0.2)
    assert nn.activations.elu(-1.0).data == pytest.approx(math.exp(-1) - 1)
