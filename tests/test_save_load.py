"""Saving a model to JSON and loading it back: identical outputs, clear errors, nothing half-loaded."""
import json
import pickle

import numpy as np
import pytest

import nn
from autograd import Value

X = np.array([[0.1, -0.3], [2.0, 1.5], [-1.0, 0.25]])


@pytest.fixture
def path(tmp_path):
    return tmp_path / "model.json"


@pytest.mark.parametrize("model", [
    nn.MLP(2, [8, 8, 1], activation='relu', seed=0),
    nn.MLP(2, [5, 3], activation='elu', output_activation='sigmoid', seed=1),
    nn.Layer(2, 3, activation='leaky_relu', seed=2),
    nn.Neuron(2, activation='softplus', seed=3),
], ids=repr)
def test_save_then_load_gives_identical_outputs(model, path):
    model.save(path)
    loaded = nn.load(path)
    assert type(loaded) is type(model) and repr(loaded) == repr(model)
    assert loaded.state_dict() == model.state_dict()
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert all(p.label == name for name, p in loaded.named_parameters())


def test_a_trained_perceptron_survives_save_and_load(path):
    gate_inputs = [[0, 0], [0, 1], [1, 0], [1, 1]]
    p = nn.Perceptron(2, lr=0.5, seed=0).fit(gate_inputs, [-1, -1, -1, 1])
    p.save(path)
    loaded = nn.load(path)
    assert loaded.lr == 0.5
    assert loaded.predict(gate_inputs).tolist() == p.predict(gate_inputs).tolist()


def test_the_file_is_json_with_marker_architecture_and_named_weights(path):
    model = nn.MLP(2, [3, 1], activation='relu', seed=0)
    model.save(path)
    document = json.loads(path.read_text())
    assert document['format'] == 'chainrule-model' and document['version'] == 1
    assert document['class'] == 'MLP'
    assert document['config'] == {'nin': 2, 'nouts': [3, 1], 'activation': 'relu',
                                  'output_activation': None}
    assert document['weights'] == dict(model.state_dict())


def test_a_learners_own_module_can_be_saved_and_loaded(path):
    class Line(nn.Module):
        def __init__(self, slope: float = 0.0):
            self.slope, self.intercept = Value(slope), Value(0.0)

        def forward(self, x):
            return self.slope * x + self.intercept

        def get_config(self):
            return {'slope': 0.0}

    line = Line()
    line.load_state_dict({'slope': 2.0, 'intercept': -1.0})
    line.save(path)
    assert nn.load(path)(3.0).data == 5.0


def test_a_module_without_get_config_cannot_be_saved(path):
    class NoConfig(nn.Module):
        def __init__(self):
            self.w = Value(1.0)

    with pytest.raises(NotImplementedError, match="NoConfig does not define get_config"):
        NoConfig().save(path)
    assert not path.exists()


def test_a_model_with_a_custom_activation_cannot_be_saved(path):
    def cube(v):
        return v ** 3
    with pytest.raises(ValueError, match="custom activation 'cube'"):
        nn.MLP(2, [3, 1], activation=cube).save(path)


def test_non_finite_weights_are_not_saved(path):
    model = nn.Neuron(2, seed=0)
    model.w[1]._data = float('inf')  # beneath the check of .data =
    with pytest.raises(ValueError, match="parameter 'w.1' .* is inf"):
        model.save(path)


# -- files that are not what they should be --------------------------------------------------

def write(path, document):
    path.write_text(json.dumps(document))
    return path


def saved_document(path):
    nn.MLP(2, [3, 1], seed=0).save(path)
    return json.loads(path.read_text())


def test_corrupt_json_names_the_file(path):
    nn.MLP(2, [3, 1], seed=0).save(path)
    path.write_text(path.read_text()[:-40])          # a truncated file
    with pytest.raises(ValueError, match=r"load: '.*model\.json' is not valid JSON"):
        nn.load(path)


def test_a_pickle_is_refused(path):
    path.write_bytes(pickle.dumps(nn.MLP(2, [3, 1], seed=0).state_dict()))
    with pytest.raises(ValueError, match="is not a chainrule model file"):
        nn.load(path)


def test_a_foreign_json_file_names_the_missing_key(path):
    write(path, {'name': 'something else', 'values': [1, 2, 3]})
    with pytest.raises(ValueError,
                       match=r"load: '.*model\.json' is not a chainrule model file \(missing key 'format'\)"):
        nn.load(path)


def test_a_json_list_is_not_a_model_file(path):
    write(path, [1, 2, 3])
    with pytest.raises(ValueError, match="expected a JSON object, got list"):
        nn.load(path)


def test_another_format_marker_is_refused(path):
    document = saved_document(path)
    document['format'] = 'keras-model'
    with pytest.raises(ValueError, match="format is 'keras-model', expected 'chainrule-model'"):
        nn.load(write(path, document))


def test_an_unknown_version_is_refused(path):
    document = saved_document(path)
    document['version'] = 2
    with pytest.raises(ValueError, match="has version 2, but this chainrule reads model files of version 1"):
        nn.load(write(path, document))


def test_an_unknown_class_is_refused(path):
    document = saved_document(path)
    document['class'] = 'Transformer'
    with pytest.raises(ValueError, match="class 'Transformer', which is not a known nn.Module"):
        nn.load(write(path, document))


def test_weights_that_do_not_fit_the_architecture_are_refused(path):
    document = saved_document(path)
    document['config']['nin'] = 3                    # the weights are for 2 inputs
    with pytest.raises(ValueError, match=r"do not match MLP\(3 -> 3 -> 1.*missing keys "
                                         r"'layers\.0\.neurons\.0\.w\.2'"):
        nn.load(write(path, document))


def test_an_extra_weight_is_refused(path):
    document = saved_document(path)
    document['weights']['layers.1.neurons.1.b'] = 0.0
    with pytest.raises(ValueError, match="unexpected key 'layers.1.neurons.1.b'"):
        nn.load(write(path, document))


def test_a_weight_that_is_not_a_number_is_refused(path):
    document = saved_document(path)
    document['weights']['layers.0.neurons.2.b'] = "0.5"
    with pytest.raises(ValueError, match="'layers.0.neurons.2.b' is not a number: '0.5'"):
        nn.load(write(path, document))


def test_a_config_the_constructor_rejects_is_refused(path):
    document = saved_document(path)
    document['config']['activation'] = 'swish'
    with pytest.raises(ValueError, match="cannot rebuild MLP from its config.*unknown activation 'swish'"):
        nn.load(write(path, document))


def test_a_failed_load_state_dict_leaves_the_model_in_memory_untouched(path):
    model = nn.MLP(2, [3, 1], seed=0)
    before, outputs = model.state_dict(), model.predict(X)
    document = saved_document(path)
    weights = {name: value + 1.0 for name, value in document['weights'].items()}
    weights.pop('layers.1.neurons.0.b')
    with pytest.raises(ValueError, match="missing key"):
        model.load_state_dict(weights)
    assert model.state_dict() == before
    assert np.array_equal(model.predict(X), outputs)


def test_a_save_that_fails_part_way_leaves_the_previous_model_whole(tmp_path, monkeypatch):
    import os

    import nn
    from nn import MLP

    path = tmp_path / "model.json"
    good = MLP(2, [3, 1], seed=0)
    good.save(path)
    before = path.read_bytes()

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)   # the write fails after the text went out
    with pytest.raises(OSError, match="No space left"):
        MLP(2, [3, 1], seed=1).save(path)
    assert path.read_bytes() == before
    assert nn.load(path).state_dict() == good.state_dict()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]  # nothing half-written left


def test_save_refuses_a_path_that_is_not_a_file_name():
    from nn import MLP

    with pytest.raises(TypeError, match="path must be a file name, got int 1"):
        MLP(2, [1], seed=0).save(1)
