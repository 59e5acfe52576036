"""ChainruleWarning: the classic mistakes are caught, each with what to do; correct code stays quiet."""
import warnings

import numpy as np
import pytest

import autograd
import nn
from autograd import ChainruleWarning, Value
from autograd.graph import draw_graph
from nn.optim import SGD, Adam


@pytest.fixture
def quiet():
    """Inside this, any ChainruleWarning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChainruleWarning)
        yield


def quadratic(w):
    """(w - 3)², whose gradient 2(w - 3) a step of SGD follows."""
    return (w - 3.0) ** 2


def test_it_is_a_user_warning_that_can_be_filtered():
    assert issubclass(ChainruleWarning, UserWarning)
    x = Value(2.0)
    y = x * x
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=ChainruleWarning)
        draw_graph(y)  # would warn: drawn before backward


# -- (a) drawing or explaining before backward ------------------------------------------

def test_drawing_before_backward_says_to_call_backward_or_drop_grads():
    x = Value(2.0, label="x")
    y = x * x
    with pytest.warns(ChainruleWarning, match=r"call root\.backward\(\) first, or pass grads=False"):
        draw_graph(y)


def test_the_warning_points_at_the_learners_line():
    y = Value(2.0) * 3
    with pytest.warns(ChainruleWarning) as caught:
        draw_graph(y)
    assert caught[0].filename == __file__


def test_drawing_values_only_or_after_backward_is_quiet(quiet):
    x = Value(2.0, label="x")
    y = x * x
    draw_graph(y, grads=False)
    y.backward()
    draw_graph(y)
    draw_graph(y, check=True)


def test_explaining_and_checking_before_backward_warn():
    x = Value(2.0, label="x")
    y = x * x
    z = Value(1.0) + 1.0
    z.backward()  # some other graph had a backward
    with pytest.warns(ChainruleWarning, match="never computed"):
        autograd.explain(x, root=y)
    with pytest.warns(ChainruleWarning, match=r"call root\.backward\(\) first"):
        autograd.check_graph(y)


# -- (b) gradients added up over several backward() calls ------------------------------

def test_forgetting_zero_grad_warns_at_the_second_step():
    w = Value(0.0, label="w")
    opt = SGD([w], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChainruleWarning)
        quadratic(w).backward()
        opt.step()  # the first step: one backward, nothing added up
    quadratic(w).backward()  # adds to the gradient of the first step
    with pytest.warns(ChainruleWarning, match=r"SGD\.step\(\).*\(w\).*optimizer\.zero_grad\(\)"):
        opt.step()


def test_two_backwards_before_one_step_warn():
    params = [Value(1.0), Value(2.0)]
    opt = Adam(params, lr=0.01)
    opt.zero_grad()
    loss = params[0] * params[1]
    loss.backward()
    loss.backward()
    with pytest.warns(ChainruleWarning, match=r"2 of 2 parameters \(params\[0\], params\[1\]\)"):
        opt.step()


def test_the_zero_grad_loop_is_quiet_however_the_gradients_are_cleared(quiet):
    w = Value(0.0, label="w")
    opt = SGD([w], lr=0.1)
    for clear in (opt.zero_grad, lambda: setattr(w, "grad", 0.0), lambda: autograd.zero_grad([w])):
        for _ in range(3):
            clear()
            quadratic(w).backward()
            opt.step()
    assert w.data == pytest.approx(3.0 - 3.0 * 0.8 ** 9)


def test_model_zero_grad_is_as_good_as_the_optimizers(quiet):
    model = nn.MLP(2, [3, 1], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        model.zero_grad()
        ((model([1.0, -1.0]) - 0.5) ** 2).backward()
        opt.step()


def test_a_backward_through_another_graph_is_not_counted(quiet):
    w = Value(0.0, label="w")
    opt = SGD([w], lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        quadratic(w).backward()
        autograd.gradcheck(lambda x: x.tanh(), [0.3])  # runs a backward of its own
        opt.step()


def test_adding_up_on_purpose_can_be_allowed(quiet):
    w = Value(0.0, label="w")
    opt = SGD([w], lr=0.1)
    opt.warn_accumulated_grads = False
    opt.zero_grad()
    for micro_batch in (1.0, 2.0):  # two small batches, one step
        ((w - micro_batch) ** 2).backward()
    opt.step()
    assert w.grad == 2 * (0.0 - 1.0) + 2 * (0.0 - 2.0)


def test_fit_never_warns_even_after_an_earlier_mistake(quiet):
    X, y = nn.data.make_moons(16, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    opt = SGD(model.parameters(), lr=0.05)
    warnings.simplefilter("ignore", ChainruleWarning)
    loss = nn.mse_loss(model(list(X[0])), float(y[0]))
    loss.backward()
    loss.backward()  # a mistake made before training: grads added up
    warnings.simplefilter("error", ChainruleWarning)
    nn.fit(model, X, y.astype(float), loss="mse", optimizer=opt, epochs=2, batch_size=8,
           progress=False)
    nn.fit(model, X, y.astype(float), loss="mse", optimizer=opt, epochs=2, batch_size=8,
           progress=False, replay=True)


# -- (c) a graph too big to read -------------------------------------------------------

def test_a_big_network_graph_suggests_collapsing_and_collapsed_is_quiet():
    model = nn.MLP(3, [16, 16, 1], seed=0)
    X = np.linspace(-1, 1, 9).reshape(3, 3)
    loss = nn.mse_loss([model(list(row)) for row in X], [0.0, 1.0, 0.5])
    loss.backward()
    with pytest.warns(ChainruleWarning, match=r"too many to read.*collapse='neuron' or collapse='layer'"):
        draw_graph(loss, model=model)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChainruleWarning)
        draw_graph(loss, model=model, collapse="layer")


def test_a_big_graph_without_neurons_suggests_a_smaller_part():
    xs = [Value(float(k)) for k in range(200)]
    out = autograd.sum([x * x for x in xs])
    out.backward()
    with pytest.warns(ChainruleWarning, match="smaller part") as caught:
        draw_graph(out)
    assert "collapse" not in str(caught[0].message)


# -- an error at construction ----------------------------------------------------------

def test_hand_made_value_with_parents_and_local_grads_of_different_lengths_is_refused():
    x, y = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match="2 parents but 1 local_grads; give one local derivative per parent"):
        Value(3.0, (x, y), (1.0,), op="f")
    with pytest.raises(ValueError, match="1 parents but 2 local_grads"):
        Value(3.0, (x,), (1.0, 1.0), op="f")
