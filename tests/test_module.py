"""nn.Module: parameters found from attributes, dotted names and labels, state, summary, predict."""
import math

import numpy as np
import pytest

import nn
from autograd import Value


class Affine(nn.Module):
    """y = scale * (w . x) + shift, with parameters of every kind Module must find."""

    def __init__(self):
        self.w = [Value(1.0), Value(2.0)]           # a list of Values
        self.scale = Value(3.0)                      # a Value
        self.inner = nn.Neuron(2, activation='identity', seed=0)   # a sub-Module
        self.heads = [nn.Neuron(1, seed=1), nn.Neuron(1, seed=2)]  # a list of Modules
        self.sizes = [2, 1]                          # not parameters: plain numbers
        self._cache = Value(99.0)                    # private: never a parameter

    def forward(self, x):
        return self.scale * (self.w[0] * x[0] + self.w[1] * x[1])


def test_parameters_are_found_in_attribute_order_with_dotted_names():
    names = [name for name, _ in Affine().named_parameters()]
    assert names == ['w.0', 'w.1', 'scale', 'inner.w.0', 'inner.w.1', 'inner.b',
                     'heads.0.w.0', 'heads.0.b', 'heads.1.w.0', 'heads.1.b']


def test_parameters_match_named_parameters_and_skip_private_attributes():
    model = Affine()
    assert model.parameters() == [p for _, p in model.named_parameters()]
    assert all(p is not model._cache for p in model.parameters())
    assert model.num_parameters() == 10


def test_a_shared_parameter_is_listed_once():
    class Tied(nn.Module):
        def __init__(self):
            self.a = Value(1.0)
            self.b = [self.a, Value(2.0)]

    assert [name for name, _ in Tied().named_parameters()] == ['a', 'b.1']


def test_labels_are_dotted_names_and_follow_the_outermost_model():
    neuron = nn.Neuron(2, seed=0)
    assert [p.label for p in neuron.parameters()] == ['w.0', 'w.1', 'b']
    model = nn.MLP(2, [3, 1], seed=0)
    assert all(p.label == name for name, p in model.named_parameters())
    assert model.layers[1].neurons[0].b.label == 'layers.1.neurons.0.b'


def test_a_learners_own_module_gets_labels_without_asking():
    model = Affine()
    assert model.scale.label == 'scale'
    assert model.heads[1].b.label == 'heads.1.b'


def test_call_runs_forward():
    assert Affine()([1.0, 1.0]).data == 3.0 * (1.0 + 2.0)


def test_forward_must_be_defined():
    class Empty(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="Empty does not define forward"):
        Empty()(1.0)


def test_zero_grad_clears_every_parameter_gradient():
    model = nn.MLP(2, [3, 1], seed=0)
    model([0.5, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_holds_every_parameter_as_a_float_by_name():
    model = nn.MLP(2, [3, 1], seed=0)
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    assert all(type(x) is float for x in state.values())
    assert [state[name] for name, _ in model.named_parameters()] == [p.data for p in model.parameters()]


def test_load_state_dict_copies_one_model_into_another():
    source, target = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=1)
    target.load_state_dict(source.state_dict())
    x = [0.3, -0.7]
    assert target(x).data == source(x).data


def test_load_state_dict_names_a_missing_key_and_leaves_the_model_untouched():
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    state = {name: 0.0 for name in before}
    del state['layers.1.neurons.0.b']
    with pytest.raises(ValueError, match="missing key 'layers.1.neurons.0.b'"):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_load_state_dict_names_an_unexpected_key_and_leaves_the_model_untouched():
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    state = {name: 0.0 for name in before}
    state['layers.0.neurons.0.w.2'] = 1.0
    with pytest.raises(ValueError, match="unexpected key 'layers.0.neurons.0.w.2'"):
        model.load_state_dict(state)
    assert model.state_dict() == before


@pytest.mark.parametrize("bad", ["0.5", None, True, [1.0], float('nan'), float('inf')])
def test_load_state_dict_rejects_a_value_that_is_not_a_finite_number(bad):
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    state = {name: 0.0 for name in before}
    state['layers.1.neurons.0.w.2'] = bad   # the last parameter but one: all checked first
    with pytest.raises(ValueError, match="'layers.1.neurons.0.w.2'"):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_load_state_dict_not_strict_loads_only_matching_names():
    model = nn.Neuron(2, seed=0)
    w1 = model.w[1].data
    model.load_state_dict({'w.0': 5.0, 'extra': 1.0}, strict=False)
    assert (model.w[0].data, model.w[1].data) == (5.0, w1)


def test_num_parameters_counts_weights_and_biases_of_each_layer():
    model = nn.MLP(3, [4, 5, 2])
    assert model.num_parameters() == (3 + 1) * 4 + (4 + 1) * 5 + (5 + 1) * 2


def test_repr_reads_like_the_constructor():
    assert repr(nn.MLP(2, [16, 16, 1], activation='relu')) == "MLP(2 -> 16 -> 16 -> 1, activation='relu')"
    assert repr(nn.MLP(2, [1], output_activation='sigmoid')) == \
        "MLP(2 -> 1, activation='tanh', output_activation='sigmoid')"
    assert repr(nn.Layer(3, 2, activation='relu')) == "Layer(3 -> 2, activation='relu')"
    assert repr(nn.Neuron(3)) == "Neuron(3, activation='tanh')"


def test_repr_of_a_composite_module_lists_its_children():
    text = repr(Affine())
    assert text.startswith("Affine(\n")
    assert "(inner): Neuron(2, activation='identity')" in text
    assert "(heads.1): Neuron(1, activation='tanh')" in text


def test_summary_has_one_row_per_layer_and_the_total():
    model = nn.MLP(2, [16, 16, 1], activation='relu')
    lines = model.summary().splitlines()
    assert lines[0] == repr(model)
    rows = [line.split() for line in lines if line.startswith('layers.')]
    assert rows == [['layers.0', 'Layer', '2', '->', '16', 'relu', '48'],
                    ['layers.1', 'Layer', '16', '->', '16', 'relu', '272'],
                    ['layers.2', 'Layer', '16', '->', '1', 'identity', '17']]
    assert lines[-1] == f"Total parameters: {model.num_parameters()}"
    assert 16 * 2 + 16 + 16 * 16 + 16 + 16 + 1 == model.num_parameters()


def test_predict_gives_one_value_per_row_for_one_output():
    model = nn.MLP(2, [4, 1], seed=0)
    X = np.array([[0.1, 0.2], [-1.0, 3.0], [2.0, 0.0]])
    out = model.predict(X)
    assert out.shape == (3,)
    assert out.tolist() == [model(row).data for row in X]


def test_predict_gives_a_row_of_k_values_for_k_outputs():
    model = nn.MLP(2, [4, 3], seed=0)
    X = [[0.1, 0.2], [-1.0, 3.0]]
    out = model.predict(X)
    assert out.shape == (2, 3)
    assert out.tolist() == [[v.data for v in model(row)] for row in X]


def test_predict_records_no_graph():
    class Remember(nn.Module):
        def __init__(self):
            self.w = Value(2.0)
            self.nin = 1

        def forward(self, x):
            self._last = self.w * x[0]
            return self._last

    model = Remember()
    model.predict([[1.0], [2.0]])
    assert model._last.parents == ()
    assert model([3.0]).parents != ()   # outside predict the graph is recorded again


def test_predict_rejects_a_batch_of_the_wrong_shape():
    model = nn.MLP(2, [3, 1])
    with pytest.raises(ValueError, match="X must be 2-D"):
        model.predict([1.0, 2.0])
    with pytest.raises(ValueError, match="X has 3 features per row, but the model takes 2 inputs"):
        model.predict([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="non-finite"):
        model.predict([[1.0, math.nan]])


def test_summary_rows_add_up_to_the_total_for_a_composite_module():
    model = Affine()
    rows = [line.split() for line in model.summary().splitlines()
            if line.startswith(('inner', 'heads', '(own)'))]
    assert [row[0] for row in rows] == ['inner', 'heads.0', 'heads.1', '(own)']
    assert sum(int(row[-1]) for row in rows) == model.num_parameters()


# -- parameters() is kept, and follows every change of structure ----------------------------

class CountingList(list):
    """A list that counts how often it is walked through."""
    walks = 0

    def __iter__(self):
        CountingList.walks += 1
        return super().__iter__()


def test_parameters_are_walked_once_and_handed_out_as_copies():
    class Tracked(nn.Module):
        def __init__(self):
            self.w = CountingList([Value(1.0), Value(2.0)])

    model = Tracked()
    first = model.parameters()
    walks = CountingList.walks
    for _ in range(5):
        assert model.parameters() == first and model.named_parameters()[1][1] is first[1]
    assert CountingList.walks == walks              # kept, not walked again
    first.clear()                                   # the caller's copy, not the kept list
    assert len(model.parameters()) == 2


def add_a_layer(model):
    model.layers.append(nn.Layer(1, 2, seed=0))
    return None, model.layers[-1].neurons[0].b


def add_an_attribute(model):
    model.extra = Value(0.0)
    return None, model.extra


def replace_a_childs_bias(model):
    old, model.layers[0].neurons[1].b = model.layers[0].neurons[1].b, Value(7.0)
    return old, model.layers[0].neurons[1].b


def replace_an_item_of_a_list(model):
    weights = model.layers[0].neurons[0].w
    old, weights[0] = weights[0], Value(5.0)
    return old, weights[0]


@pytest.mark.parametrize("change, count", [
    (add_a_layer, 17 + 4), (add_an_attribute, 17 + 1),
    (replace_a_childs_bias, 17), (replace_an_item_of_a_list, 17),
])
def test_parameters_follow_a_change_of_structure(change, count):
    model = nn.MLP(2, [4, 1], seed=0)
    model.parameters()
    old, new = change(model)
    after = model.parameters()
    assert len(after) == count and new in after and old not in after
    assert after == [p for _, p in model.named_parameters()]


@pytest.mark.parametrize("change, gone", [
    (lambda m: m.layers.pop(), 5),                                  # a list shrinks
    (lambda m: delattr(m.layers[1].neurons[0], "b"), 1),            # an attribute is deleted
])
def test_parameters_forget_what_was_removed(change, gone):
    model = nn.MLP(2, [4, 1], seed=0)
    before = model.parameters()
    change(model)
    assert model.parameters() == before[:len(before) - gone]


def test_a_pickled_or_copied_model_walks_its_own_parameters():
    import copy
    import pickle
    model = nn.MLP(2, [3, 1], seed=0)
    model.parameters()
    for other in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert [p.data for p in other.parameters()] == [p.data for p in model.parameters()]
        assert not set(other.parameters()) & set(model.parameters())
