"""The plots draw what the engine computes: derivatives from backward(), real optimizer runs."""
import math
import random
from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib.contour import ContourSet
from matplotlib.collections import PathCollection

from autograd import Value, linear, no_grad
from nn.plots import (activation_curve, optimizer_paths, plot_activation,
                      plot_decision_boundary, plot_history, plot_optimizer_paths, plot_weights)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def line(ax, label):
    [found] = [ln for ln in ax.get_lines() if ln.get_label() == label]
    return np.asarray(found.get_xdata(), float), np.asarray(found.get_ydata(), float)


def value_at(ax, label, x):
    xs, ys = line(ax, label)
    return ys[np.argmin(np.abs(xs - x))]


def assert_saves_png(fig, path):
    fig.savefig(path, dpi=40)  # a small picture is enough to prove it renders
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 1000


class GD:
    """Plain gradient descent, p <- p - lr * dL/dp: the one optimizer the tests need."""

    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def zero_grad(self):
        for p in self.params:
            p.grad = 0.0

    def step(self):
        for p in self.params:
            p.data -= self.lr * p.grad


class TinyMLP:
    """A 2 -> 16 -> 16 -> 1 tanh network of Values, shaped like nn.MLP (layers/neurons/w/b)."""

    def __init__(self, sizes=(2, 16, 16, 1), seed=0):
        rng = random.Random(seed)
        self.layers = [
            SimpleNamespace(neurons=[
                SimpleNamespace(w=[Value(rng.uniform(-1, 1)) for _ in range(nin)],
                                b=Value(rng.uniform(-1, 1)))
                for _ in range(nout)])
            for nin, nout in zip(sizes, sizes[1:])]

    def __call__(self, x):
        for i, layer in enumerate(self.layers):
            sums = [linear(n.w, x, n.b) for n in layer.neurons]
            x = sums if i == len(self.layers) - 1 else [s.tanh() for s in sums]
        return x[0]

    def predict(self, X):
        with no_grad():
            return np.array([self([float(v) for v in row]).data for row in X])


# -- activations --------------------------------------------------------------

def test_sigmoid_derivative_line_is_a_quarter_at_zero():
    fig = plot_activation("sigmoid")
    f_ax, d_ax = fig.axes
    assert value_at(f_ax, "sigmoid", 0.0) == pytest.approx(0.5)
    assert value_at(d_ax, "sigmoid", 0.0) == pytest.approx(0.25)


def test_relu_derivative_line_is_a_step_from_zero_to_one():
    fig = plot_activation("relu")
    xs, slope = line(fig.axes[1], "relu")
    drawn = np.isfinite(slope)  # the one gap is at the jump
    assert np.all(slope[drawn & (xs < 0)] == 0.0) and np.all(slope[drawn & (xs > 0)] == 1.0)


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_a_jump_in_the_derivative_leaves_a_gap_not_a_vertical_line(name):
    xs, slope = line(plot_activation(name, x_range=(-2, 2), num=41).axes[1], name)
    [gap] = np.flatnonzero(np.isnan(slope))
    assert xs[gap - 1] <= 0.0 < xs[gap + 1] and np.all(np.isfinite(xs))
    assert abs(slope[gap + 1] - slope[gap - 1]) > 0.9   # the jump itself is not drawn


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "elu", "softplus", "identity"])
def test_a_continuous_derivative_is_one_unbroken_line(name):
    _, slope = line(plot_activation(name, num=31).axes[1], name)
    assert np.all(np.isfinite(slope))


def test_a_custom_function_gets_its_label_from_a_label_function_pair():
    fig = plot_activation(["relu", ("Leaky ReLU, slope 0.1", lambda v: v.leaky_relu(0.1))])
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["relu", "Leaky ReLU, slope 0.1"]
    xs, f = line(fig.axes[0], "Leaky ReLU, slope 0.1")
    assert f[xs < 0] == pytest.approx(0.1 * xs[xs < 0])
    one = plot_activation(("double", lambda v: v * 2))   # a single pair is one activation
    assert [t.get_text() for t in one.legends[0].get_texts()] == ["double"]


def test_every_activation_curve_has_its_own_style_and_the_first_lies_widest_underneath():
    names = ["relu", "leaky_relu", "elu", "softplus"]
    for ax in plot_activation(names).axes:
        lines = [line for line in ax.get_lines() if line.get_label() in names]
        styles = [(ln.get_color(), ln.get_linestyle()) for ln in lines]
        assert len(set(styles)) == len(names)
        widths = [ln.get_linewidth() for ln in lines]
        assert widths == sorted(widths, reverse=True) and widths[0] > widths[-1]
        assert [ln.get_zorder() for ln in lines] == sorted(ln.get_zorder() for ln in lines)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "elu", "softplus", "leaky_relu", "identity"])
def test_derivative_line_matches_central_difference_of_function_line(name):
    xs, f = line(plot_activation(name).axes[0], name)
    _, slope = line(plot_activation(name).axes[1], name)
    slope = slope[np.isfinite(slope)]  # leave out the gap at a jump: one slope per x again
    h = xs[1] - xs[0]
    central = (f[2:] - f[:-2]) / (2 * h)
    smooth = np.abs(xs[1:-1]) > 2 * h  # leave out the kinks at 0
    assert np.allclose(slope[1:-1][smooth], central[smooth], atol=5e-3)


def test_activation_curve_is_forward_and_backward_through_a_value():
    x = [-3.0, 0.5, 2.0]
    f, slope = activation_curve("tanh", x)
    assert f.tolist() == [math.tanh(v) for v in x]
    assert slope == pytest.approx([1 - math.tanh(v) ** 2 for v in x])


def test_one_line_per_activation_on_both_axes_with_titles():
    names = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "identity"]
    fig = plot_activation(names)
    assert len(fig.axes) == 2
    assert "activation" in fig.axes[0].get_title() and "derivative" in fig.axes[1].get_title()
    for ax in fig.axes:
        labels = [ln.get_label() for ln in ax.get_lines() if not ln.get_label().startswith("_")]
        assert labels == names
    [legend] = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == names


def test_saturated_regions_are_where_sigmoid_slope_is_below_threshold():
    fig = plot_activation("sigmoid", saturation_threshold=0.1)
    d_ax = fig.axes[1]
    spans = sorted((p.get_x(), p.get_x() + p.get_width()) for p in d_ax.patches)
    # sigma'(x) = sigma(x)(1 - sigma(x)) = 0.1 where sigma(x) = (1 +- sqrt(0.6)) / 2,
    # that is at |x| = log((1 + sqrt(0.6)) / (1 - sqrt(0.6))) = 2.06...
    edge = math.log((1 + 0.6 ** 0.5) / (1 - 0.6 ** 0.5))
    step = 12 / 240
    assert len(spans) == 2
    (left_from, left_to), (right_from, right_to) = spans
    assert (left_from, right_to) == (-6.0, 6.0)
    assert left_to == pytest.approx(-edge, abs=step) and right_from == pytest.approx(edge, abs=step)
    assert not plot_activation("relu").axes[1].patches
    assert not plot_activation("sigmoid", saturation_threshold=None).axes[1].patches


def test_custom_activation_function_of_a_value():
    fig = plot_activation(lambda v: v.sin(), x_range=(0, 3), num=31)
    xs, slope = line(fig.axes[1], "<lambda>")
    assert slope == pytest.approx(np.cos(xs))


def test_unknown_activation_names_itself():
    with pytest.raises(ValueError, match="'swish'"):
        plot_activation("swish")
    with pytest.raises(ValueError, match="x_range"):
        plot_activation("tanh", x_range=(1, -1))


# -- history ------------------------------------------------------------------

HISTORY = {"loss": [1.0, 0.6, 0.4, 0.3, 0.2], "val_loss": [1.1, 0.8, 0.7, 0.75, 0.9],
           "accuracy": [0.5, 0.7, 0.8, 0.85, 0.9], "val_accuracy": [0.5, 0.6, 0.7, 0.68, 0.65]}


def test_history_has_loss_and_accuracy_panels_with_training_and_validation_lines():
    fig = plot_history(HISTORY)
    loss_ax, acc_ax = fig.axes
    assert (loss_ax.get_title(), acc_ax.get_title()) == ("loss", "accuracy")
    assert loss_ax.get_xlabel() == acc_ax.get_xlabel() == "epoch"
    epochs, loss = line(loss_ax, "training loss")
    assert epochs.tolist() == [1, 2, 3, 4, 5] and loss.tolist() == HISTORY["loss"]
    assert line(loss_ax, "validation loss")[1].tolist() == HISTORY["val_loss"]
    assert line(acc_ax, "validation accuracy")[1].tolist() == HISTORY["val_accuracy"]


def test_history_marks_epoch_of_lowest_validation_loss():
    best_epoch = int(np.argmin(HISTORY["val_loss"])) + 1
    fig = plot_history(HISTORY)
    for ax in fig.axes:
        xs, _ = line(ax, f"lowest validation loss (epoch {best_epoch})")
        assert set(xs) == {best_epoch}


def test_history_without_accuracy_or_validation_drops_them():
    fig = plot_history({"loss": [3.0, 2.0], "accuracy": [], "val_loss": [], "val_accuracy": []})
    [ax] = fig.axes
    assert [ln.get_label() for ln in ax.get_lines()] == ["training loss"]


def test_history_without_loss_is_an_error():
    with pytest.raises(ValueError, match="loss"):
        plot_history({"loss": []})


# -- decision boundary ----------------------------------------------------------

def test_decision_boundary_of_a_line_has_regions_boundary_and_every_point():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(40, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, 1, -1)
    fig = plot_decision_boundary(lambda P: P[:, 0] + P[:, 1], X, y, resolution=30)
    [ax] = fig.axes
    contours = [c for c in ax.collections if isinstance(c, ContourSet)]
    assert len(contours) == 2  # filled regions + the score = 0 line
    assert list(contours[1].levels) == [0.0]
    [points] = [c for c in ax.collections if isinstance(c, PathCollection)
                and not isinstance(c, ContourSet)]
    assert np.allclose(points.get_offsets(), X)
    # each point is drawn in its class colour: the two colours split by the true labels
    colours = points.get_facecolors()
    assert len({tuple(c) for c in colours[y == 1]}) == 1
    assert not np.allclose(colours[y == 1][0], colours[y == -1][0])


def test_decision_boundary_regions_follow_the_classifier():
    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    fig = plot_decision_boundary(lambda P: np.where(P[:, 0] > 0, 1.0, -1.0), X, [-1, 1],
                                 resolution=11)
    filled = [c for c in fig.axes[0].collections if isinstance(c, ContourSet)][0]
    assert filled.levels.tolist() == [-0.5, 0.5, 1.5]  # two classes, one band each


def test_decision_boundary_of_class_scores_uses_argmax():
    X = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    y = np.array([0, 1, 2])

    def scores(P):  # class k scores highest near X[k]
        return -((P[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)

    fig = plot_decision_boundary(scores, X, y, resolution=25)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["class 0", "class 1", "class 2"]


def test_decision_boundary_of_a_value_mlp_at_default_resolution(tmp_path):
    model = TinyMLP()
    X = np.random.default_rng(1).normal(size=(30, 2))
    fig = plot_decision_boundary(model, X, np.sign(model.predict(X)))
    assert_saves_png(fig, tmp_path / "boundary.png")


def test_decision_boundary_rejects_wrong_shapes():
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plot_decision_boundary(lambda P: P[:, 0], np.zeros((4, 3)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="returned shape"):
        plot_decision_boundary(lambda P: P[:3, 0], np.eye(2), [0, 1], resolution=5)


# -- optimizer paths ---------------------------------------------------------------

def elongated_bowl(x, y):
    return x ** 2 + 10 * y ** 2


def bowl_at(point):
    with no_grad():
        return elongated_bowl(Value(point[0]), Value(point[1])).data


def test_paths_start_at_start_and_have_one_row_per_step():
    paths = optimizer_paths(elongated_bowl, {"slow": lambda p: GD(p, 0.01),
                                             "fast": lambda p: GD(p, 0.04)}, (2.0, 1.0), steps=30)
    for path in paths.values():
        assert path.shape == (31, 2) and path[0].tolist() == [2.0, 1.0]


def test_gradient_descent_path_on_a_convex_bowl_lowers_the_loss_every_step():
    path = optimizer_paths(elongated_bowl, {"GD": lambda p: GD(p, 0.04)}, (2.0, 1.0), 40)["GD"]
    losses = [bowl_at(p) for p in path]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))
    # one step by hand: (x, y) - lr * (2x, 20y)
    assert path[1] == pytest.approx([2.0 - 0.04 * 4.0, 1.0 - 0.04 * 20.0])


def test_diverging_path_stops_at_its_last_finite_point():
    path = optimizer_paths(lambda x, y: x.exp() + y ** 2,
                           {"GD": lambda p: GD(p, 1e300)}, (1.0, 1.0), steps=10)["GD"]
    assert len(path) < 11 and np.all(np.isfinite(path))


def test_optimizer_factory_must_return_an_optimizer():
    with pytest.raises(TypeError, match="'broken'.*step"):
        optimizer_paths(elongated_bowl, {"broken": lambda p: None}, (1.0, 1.0), steps=1)


def test_optimizer_path_figure_draws_contours_and_every_path(tmp_path):
    optimizers = {"slow": lambda p: GD(p, 0.01), "fast": lambda p: GD(p, 0.04)}
    fig = plot_optimizer_paths(elongated_bowl, optimizers, (2.0, 1.0), steps=25,
                               minimum=(0.0, 0.0), resolution=30)
    [ax] = fig.axes
    assert any(isinstance(c, ContourSet) for c in ax.collections)
    for name, path in fig.paths.items():
        xs, ys = line(ax, name)
        assert np.allclose(np.column_stack([xs, ys]), path)
    assert_saves_png(fig, tmp_path / "paths.png")


def test_every_optimizer_path_has_its_own_style_and_end_marker_and_short_ones_lie_on_top():
    optimizers = {name: (lambda lr: lambda p: GD(p, lr))(lr)
                  for name, lr in [("a", 0.002), ("b", 0.01), ("c", 0.02), ("d", 0.04)]}
    fig = plot_optimizer_paths(elongated_bowl, optimizers, (2.0, 1.0), steps=10, resolution=10)
    [ax] = fig.axes
    lines = {ln.get_label(): ln for ln in ax.get_lines() if ln.get_label() in optimizers}
    assert len({(ln.get_color(), ln.get_linestyle(), ln.get_marker()) for ln in lines.values()}) == 4
    for name, ln in lines.items():   # the marker sits on the last point only
        assert ln.get_markevery() == [len(fig.paths[name]) - 1]
    travelled = {name: np.hypot(*np.diff(path, axis=0).T).sum() for name, path in fig.paths.items()}
    by_length = sorted(lines, key=lambda name: -travelled[name])   # longest first
    assert [lines[n].get_linewidth() for n in by_length] == sorted(
        (ln.get_linewidth() for ln in lines.values()), reverse=True)
    assert [lines[n].get_zorder() for n in by_length] == sorted(ln.get_zorder() for ln in lines.values())


def test_optimizer_paths_with_nn_optim():
    optim = pytest.importorskip("nn.optim")
    paths = optimizer_paths(elongated_bowl, {"SGD": lambda p: optim.SGD(p, lr=0.04),
                                             "Adam": lambda p: optim.Adam(p, lr=0.1)},
                            (2.0, 1.0), steps=50)
    for path in paths.values():
        assert bowl_at(path[-1]) < bowl_at(path[0])


# -- weights ------------------------------------------------------------------------

def test_weights_heatmap_per_layer_has_neurons_as_rows_and_bias_last():
    model = TinyMLP(sizes=(2, 3, 1))
    fig = plot_weights(model)
    heatmaps = [ax for ax in fig.axes if ax.images]  # the others are colour bars
    assert [ax.get_title() for ax in heatmaps] == ["layer 0: 2 → 3", "layer 1: 3 → 1"]
    for ax, layer in zip(heatmaps, model.layers):
        expected = [[w.data for w in n.w] + [n.b.data] for n in layer.neurons]
        assert ax.images[0].get_array().tolist() == expected


def test_weights_of_a_single_neuron_is_one_row():
    neuron = SimpleNamespace(w=[Value(0.5), Value(-2.0), Value(1.5)], b=Value(0.25))
    [heatmap] = [ax for ax in plot_weights(neuron).axes if ax.images]
    assert heatmap.images[0].get_array().tolist() == [[0.5, -2.0, 1.5, 0.25]]


def test_weights_of_something_without_layers_is_an_error():
    with pytest.raises(TypeError, match="layers"):
        plot_weights(object())


def test_every_plot_saves_as_png(tmp_path):
    figures = {"activation": plot_activation(["sigmoid", "tanh", "relu"]),
               "history": plot_history(HISTORY),
               "weights": plot_weights(TinyMLP(sizes=(2, 4, 1)))}
    for name, fig in figures.items():
        assert_saves_png(fig, tmp_path / f"{name}.png")
