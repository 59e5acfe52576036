"""The backward pass of a network read at three levels: every node, one neuron, one layer."""
import re
import warnings

import numpy as np
import pytest

import autograd
import nn
from autograd import ChainruleWarning, Value
from autograd.backward import topological_order
from autograd.frames import backward_frames
from autograd.notation import GraphView
from autograd.steps import MAX_NODE_LEVEL, LayerStep, NeuronStep, ValueStep, backward_steps


def network(sizes=(3, 2, 1), samples=1, seed=0):
    model = nn.MLP(2, list(sizes), seed=seed)
    rng = np.random.default_rng(seed)
    # nonzero biases, so that a wrong bias gradient could not hide
    model.load_state_dict({k: float(rng.uniform(-0.5, 0.5)) for k in model.state_dict()
                           if k.endswith(".b")}, strict=False)
    X = rng.uniform(-1, 1, size=(samples, 2))
    targets = rng.uniform(-1, 1, size=samples)
    outputs = [model(list(row)) for row in X]
    loss = nn.mse_loss(outputs if samples > 1 else outputs[0],
                       list(targets) if samples > 1 else float(targets[0]))
    return model, X, loss


def test_neuron_level_has_one_step_per_neuron_with_the_engines_numbers():
    model, _, loss = network()
    steps = backward_steps(loss, model=model, collapse="neuron")
    neurons = [s for s in steps if isinstance(s, NeuronStep)]
    assert [(s.layer, s.index) for s in neurons] == [(2, 0), (1, 0), (1, 1), (0, 0), (0, 1), (0, 2)]
    for s in neurons:
        neuron = model.layers[s.layer].neurons[s.index]
        [application] = s.neurons
        assert s.weight_grads == tuple(w.grad for w in neuron.w)
        assert s.bias_grad == neuron.b.grad
        assert s.delta == (application.linear.grad,)
        assert s.upstream == (application.output.grad,)
        # delta is the upstream gradient times the activation's slope: the chain rule, once
        assert s.delta[0] == pytest.approx(s.upstream[0] * s.slope[0], rel=1e-15)
        assert s.input_grads[0] == tuple(s.delta[0] * w.data for w in neuron.w)
    assert not any(isinstance(s, NeuronStep) and s.layer == 2 and s.slope != (1.0,) for s in steps)


def test_layer_level_is_the_matrix_chain_rule_top_layer_first():
    model, X, loss = network()
    steps = backward_steps(loss, model=model, collapse="layer")
    layers = [s for s in steps if isinstance(s, LayerStep)]
    assert [s.layer for s in layers] == [2, 1, 0]
    for above, s in zip(layers, layers[1:]):
        # δ of layer l = f'(z of layer l) ⊙ (W of layer l+1)ᵀ δ of layer l+1
        np.testing.assert_allclose(s.delta, s.slope * (above.delta @ above.weights), rtol=1e-13)
    for s in layers:
        W = np.array([[w.data for w in n.w] for n in model.layers[s.layer].neurons])
        grads = np.array([[w.grad for w in n.w] for n in model.layers[s.layer].neurons])
        np.testing.assert_array_equal(s.weights, W)
        # dL/dW of layer l = δ of layer l times the activations below, transposed
        np.testing.assert_allclose(s.weight_grad, s.delta.T @ s.below, rtol=1e-15)
        np.testing.assert_allclose(s.weight_grad, grads, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(layers[-1].below, X)
    assert "δ1 = dloss/dz1 = tanh'(z1) ⊙ W2ᵀ δ2" in "\n".join(layers[1].lines)
    assert any(line.startswith("dloss/dW0 = δ0 xᵀ = [[") for line in layers[-1].lines)


def test_layer_level_of_a_batch_sums_over_the_samples():
    model, X, loss = network(samples=4)
    steps = backward_steps(loss, model=model, collapse="layer")
    layers = [s for s in steps if isinstance(s, LayerStep)]
    first = layers[-1]
    assert first.delta.shape == (4, 3) and first.below.shape == (4, 2)
    grads = np.array([[w.grad for w in n.w] for n in model.layers[0].neurons])
    np.testing.assert_allclose(first.delta.T @ X, grads, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(first.bias_grad, [n.b.grad for n in model.layers[0].neurons],
                               rtol=1e-12, atol=1e-15)


def test_steps_outside_the_neurons_are_the_loss_and_the_inputs():
    model, _, loss = network()
    kinds = [s.kind for s in backward_steps(loss, model=model, collapse="layer")]
    assert kinds == ["loss", "layer", "layer", "layer", "inputs"]
    others = [s for s in backward_steps(loss, model=model, collapse="neuron")
              if isinstance(s, ValueStep)]
    assert [s.title for s in others] == ["loss", "error", "the inputs"]


def test_the_default_level_reads_a_small_graph_node_by_node_and_a_big_one_neuron_by_neuron():
    model, _, loss = network()
    small = backward_steps(loss, model=model)
    assert small.level is None and small.note == ""
    big_model = nn.MLP(2, [16, 16, 1], seed=0)
    big = backward_steps(nn.mse_loss(big_model([0.5, -0.25]), 1.0), model=big_model)
    assert big.level == "neuron" and len(big) == 1 + 1 + 33 + 1
    assert "one neuron at a time" in big.note and "collapse=None" in big.note
    assert big.note in big.table().splitlines()[0]
    batch = backward_steps(nn.mse_loss([big_model([0.1 * k, 0.5]) for k in range(6)], [0.0] * 6),
                           model=big_model)
    assert batch.level == "neuron"  # 33 neurons, whatever the number of samples
    wide = nn.MLP(2, [50, 40, 1], seed=0)
    assert backward_steps(nn.mse_loss(wide([0.5, 0.5]), 0.0), model=wide).level == "layer"
    chain = Value(0.5, label="x")
    for _ in range(MAX_NODE_LEVEL):
        chain = chain.tanh()
    assert backward_steps(chain).level is None  # no neurons: nothing to group


def test_names_come_from_the_model_and_never_are_generated_ids():
    model, _, loss = network()
    frames = backward_frames(loss, model=model, collapse=None)
    assert not any(re.search(r"\bv\d+\b", c) for c in frames.captions)
    assert any(c.startswith("dloss/dW1[0,2] = dloss/dz1[0] · dz1[0]/dW1[0,2]") for c in frames.captions)
    view = GraphView(topological_order(loss), model)
    by_name = {e.plain: v for v, e in view.names.items()}
    for l, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            assert by_name[f"b{l}[{j}]"] is neuron.b
            assert all(by_name[f"W{l}[{j},{i}]"] is w for i, w in enumerate(neuron.w))


def test_a_neurons_subtraction_spends_no_frame_on_constants():
    neuron = nn.Neuron(2, seed=0)
    y = neuron([0.5, -1.0])
    loss = (y - 1) ** 2
    frames = backward_frames(loss, model=neuron)
    order = topological_order(loss)
    constants = [v for v in order if not v.parents and not v.label and v not in
                 {*neuron.w, neuron.b} and v.data in (1.0, -1.0) and v not in y.parents[0].parents]
    assert len(constants) == 2  # the 1 and the -1 that `y - 1` made
    assert len(frames) == len(order) - 3  # ... and their product: no frame for any of them
    assert frames.captions[1] == "dloss/derror = 1 · " + frames.captions[1].split(" · ")[1]


def test_one_frame_per_step_at_every_level():
    model, _, loss = network(samples=2)
    for level in ("neuron", "layer"):
        steps = backward_steps(loss, model=model, collapse=level)
        frames = backward_frames(steps)
        assert len(frames) == len(steps)
        assert [c.splitlines()[0] for c in frames.captions] == [s.title for s in steps]
        assert frames[-1].count("grad ?") == 0 and frames[0].count("grad ?") > 0


def test_a_16_16_network_at_neuron_level_is_a_small_page(tmp_path):
    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = nn.mse_loss(model([0.5, -0.25]), 1.0)
    frames = backward_frames(loss, model=model, collapse="neuron")
    page = frames.save_html(tmp_path / "network.html")
    assert len(frames) == 36
    assert page.stat().st_size < 3_000_000
    assert page.read_text(encoding="utf-8").count("<svg") == 1


def test_every_node_of_a_big_network_warns_and_names_the_way_out():
    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = nn.mse_loss(model([0.5, -0.25]), 1.0)
    with pytest.warns(ChainruleWarning, match=r"too big to follow.*collapse='neuron'"):
        frames = backward_frames(loss, model=model, collapse=None)
    assert len(frames) == len(GraphView(topological_order(loss)).drawn) - 1  # all but the target
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChainruleWarning)
        backward_frames(loss, model=model)  # the default level is readable: no warning


def test_an_unknown_level_is_refused():
    model, _, loss = network()
    with pytest.raises(ValueError, match="collapse='neurons'"):
        backward_steps(loss, collapse="neurons")
    with pytest.raises(ValueError, match="collapse='layers'"):
        backward_frames(loss, collapse="layers")


def test_levels_leave_the_gradients_backward_leaves():
    model, _, loss = network(samples=3)
    order = topological_order(loss)
    backward_steps(loss, model=model, collapse="layer")
    recorded = [v.grad for v in order]
    autograd.zero_grad(order)
    loss.backward()
    assert recorded == [v.grad for v in order]
