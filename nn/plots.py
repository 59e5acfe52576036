"""Plots for learning: activations, training curves, decision boundaries, optimizer paths, weights.

Every number drawn here comes from the engine itself.  An activation's derivative is
not a formula typed in a second time: each point is a forward pass through a Value
followed by a backward pass, so the picture shows exactly what backpropagation uses.
Optimizer paths are real runs of ``zero_grad() / loss.backward() / step()``.

Each function returns a ``matplotlib.figure.Figure``.  In a notebook it shows itself
(once: pyplot does not keep it); in a script, save it with ``fig.savefig('name.png')``.
matplotlib is imported only when a plot is made, so ``import nn`` stays light.

Every argument is checked when the plot is made, not when matplotlib draws it
later: a count that is not an integer, a number that is not finite, or a grid
too large for the memory is refused by name.  Text a learner gives (titles,
class names, optimizer names) is drawn as it is written: valid mathtext such as
``$x^2$`` renders, text that matplotlib could not parse or draw (an unmatched
``$\\frac{$``, a lone surrogate) is shown literally, and very long text is cut.
"""
from __future__ import annotations

import math
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence, Union

import numpy as np

from autograd import Value, grad, no_grad
from nn.activations import ACTIVATIONS, activation_record
from nn.arguments import as_count, as_number, brief

if TYPE_CHECKING:  # matplotlib is imported lazily, see _new_figure
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "activation_curve", "plot_activation", "plot_history",
    "plot_decision_boundary", "optimizer_paths", "plot_optimizer_paths", "plot_weights",
]

ActivationLike = Union[str, Callable[[Value], Value]]

#: The largest counts a plot accepts.  Each point of a curve and each cell of a grid is
#: a pass through the engine and a float in memory: a grid of 10**6 x 10**6 would never
#: finish, so it is an error at once instead.
MAX_CURVE_POINTS = 100_000
MAX_GRID_RESOLUTION = 2_000
MAX_STEPS = 1_000_000
#: Text longer than this is cut: a title of 20,000 characters is no longer a title, and a
#: legend entry much wider than the plot squeezes the plot itself away.
TITLE_LIMIT = 120
LEGEND_LIMIT = 40


def drawable_text(value: Any, legend: bool = False) -> str:
    r"""Text a learner gave (a title, a label), in a form matplotlib draws without raising.

    matplotlib parses text with an even number of ``$`` as mathtext and raises at
    drawing time if it is not valid; a lone surrogate makes its font code raise.
    Valid mathtext is kept (``$x^2$`` renders); otherwise every ``$`` is escaped
    so the text shows as written, and a lone surrogate is written as its escape.
    In a legend, a label starting with ``_`` would be silently left out, so it
    gets an invisible zero-width space in front.  Every title drawn by ``nn``
    (the plots here, ``nn.data.show_digit``) goes through it.

    >>> drawable_text('$x^2$'), drawable_text('$x^$'), drawable_text('a' + chr(0xD800))
    ('$x^2$', '\\$x^\\$', 'a\\ud800')
    """
    text = str(value)
    limit = LEGEND_LIMIT if legend else TITLE_LIMIT
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    dollars = text.count("$") - text.count(r"\$")
    if dollars > 0 and dollars % 2 == 0:
        from matplotlib.mathtext import MathTextParser

        try:
            MathTextParser("path").parse(text)
        except ValueError:
            text = text.replace(r"\$", "$").replace("$", r"\$")
    if legend and text.startswith("_"):
        text = "\u200b" + text
    return text


def _interval(value: Any, name: str, where: str) -> tuple[float, float]:
    """(low, high): two finite numbers with low < high."""
    low, high = _two_numbers(value, name, where, "(low, high)")
    if not low < high:
        raise ValueError(f"{where}: {name} must be (low, high) with low < high, got {value!r}")
    return low, high


def _two_numbers(value: Any, name: str, where: str, form: str = "(x, y)") -> tuple[float, float]:
    """A pair of finite numbers, such as a point (x, y)."""
    try:
        first, second = value
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {name} must be a pair {form} of numbers, "
                        f"got {type(value).__name__} {brief(value)}") from None
    return as_number(first, where, f"{name}[0]"), as_number(second, where, f"{name}[1]")


def _given_axes(ax: Any, where: str) -> Any:
    """``ax`` if it is a matplotlib Axes (or None, for a new figure)."""
    if ax is None:
        return None
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"{where}: ax must be a matplotlib Axes (such as plt.subplots()[1]) or "
                        f"None, got {type(ax).__name__} {brief(ax)}")
    return ax



def _new_figure(ncols: int = 1, nrows: int = 1, figsize=None) -> tuple[Figure, Any]:
    """A Figure with a grid of axes, handed back to the caller rather than kept by pyplot.

    Creating it through pyplot sets up the notebook's inline display; closing it at
    once means pyplot neither shows it a second time at the end of the cell nor
    keeps it in its list of open figures.
    """
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=figsize, layout="constrained")
    plt.close(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def _colors() -> list:
    from matplotlib import colormaps

    return list(colormaps["tab10"].colors)


# ---------------------------------------------------------------------------
# Activations


def _activation_function(activation: ActivationLike) -> tuple[str, Callable[[Value], Value]]:
    if _is_labelled(activation):
        return str(activation[0]), _activation_function(activation[1])[1]
    if isinstance(activation, str):
        record = ACTIVATIONS.get(activation)
        if record is None:
            raise ValueError(f"plot_activation: unknown activation {activation!r}; "
                             f"choose one of {sorted(ACTIVATIONS)} or pass a function of a Value")
        return activation, record.function
    if callable(activation):
        return str(getattr(activation, "__name__", "f")), activation
    raise TypeError(f"plot_activation: an activation is a name, a function of a Value or a pair "
                    f"(label, function), got {type(activation).__name__} {brief(activation)}")


def _is_labelled(activation: Any) -> bool:
    """Is it a pair (label, activation), such as ('Leaky ReLU 0.1', lambda v: v.leaky_relu(0.1))?"""
    return (isinstance(activation, tuple) and len(activation) == 2 and isinstance(activation[0], str)
            and (isinstance(activation[1], str) or callable(activation[1])))


def _break_at_jumps(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y with a NaN between two points where y jumps, so the line is not joined there.

    A step of y is a jump when it is a visible part (5%) of the curve's height and ten
    times the steps two points away on either side: a smooth curve's steps change slowly.
    The NaN gets the x halfway between, so every x stays a number.

    >>> _break_at_jumps(np.array([-1.0, 0.0, 1.0, 2.0]), np.array([0.0, 0.0, 1.0, 1.0]))[1].tolist()
    [0.0, 0.0, nan, 1.0, 1.0]
    """
    steps = np.abs(np.diff(y))
    height = float(np.ptp(y)) if y.size else 0.0
    jumps = []
    for i, step in enumerate(steps):
        nearby = [steps[j] for j in (i - 2, i + 2) if 0 <= j < len(steps)]
        if step > 0.05 * height and all(step > 10 * other for other in nearby):
            jumps.append(i)
    if not jumps:
        return x, y
    where = np.array(jumps) + 1
    return (np.insert(x, where, (x[where - 1] + x[where]) / 2), np.insert(y, where, np.nan))


#: One line style per curve, so curves that lie on top of each other stay apart: the
#: first is drawn widest and lowest, each later one narrower and on top of it.
LINE_STYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3))]


#: The marker at the end of each optimizer path, one shape per path.
END_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "h"]


def _line_style(i: int, count: int) -> dict:
    """Style of curve i of count: its own dash pattern, width shrinking from 3.5 to 1.5."""
    width = 3.5 - 2.0 * i / (count - 1) if count > 1 else 2.0
    return {"linestyle": LINE_STYLES[i % len(LINE_STYLES)], "linewidth": width, "zorder": 2 + i}


def activation_curve(activation: ActivationLike, x: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x) at each x, both from the engine: a forward pass and a backward pass.

    >>> f, slope = activation_curve('sigmoid', [0.0, 10.0])
    >>> float(f[0]), float(slope[0])
    (0.5, 0.25)
    >>> bool(slope[1] < 1e-4)  # saturated: almost no gradient gets through
    True
    """
    where = "activation_curve"
    name, f = _activation_function(activation)
    if isinstance(x, (str, bytes)) or np.ndim(x) != 1:
        raise TypeError(f"{where}: x must be a list or 1-D array of numbers, "
                        f"got {type(x).__name__} {brief(x)}")
    values, slopes = [], []
    for i, xi in enumerate(x):
        v = Value(as_number(xi, where, f"x[{i}]"))
        out = f(v)
        if not isinstance(out, Value):
            raise TypeError(f"{where}: {name}(Value) must return a Value, "
                            f"got {type(out).__name__} {brief(out)}")
        slope = grad(out, v)  # d out / d v, by the chain rule the engine runs
        if not (math.isfinite(out.data) and math.isfinite(slope)):
            raise ValueError(f"{where}: {name}({v.data!r}) is {out.data!r} with slope {slope!r}; "
                             "a curve of numbers that are not finite cannot be drawn")
        values.append(out.data)
        slopes.append(slope)
    return np.array(values), np.array(slopes)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) indices of each run of True in mask."""
    runs, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        elif not m and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(mask) - 1))
    return runs


def plot_activation(name_or_names: ActivationLike | Sequence[ActivationLike],
                    x_range: tuple[float, float] = (-6.0, 6.0), num: int = 241,
                    saturation_threshold: float | None = 0.1,
                    figsize: tuple[float, float] = (10.0, 4.0)) -> Figure:
    """Activation functions (left) beside their derivatives (right), one line each.

    The derivative is what the engine's backward pass computes at each x.  Where a
    sigmoid or tanh derivative is below ``saturation_threshold`` the region is shaded:
    a gradient passing through a neuron there is multiplied by almost nothing, and
    through a few such layers it vanishes (which activations saturate is read from
    ``nn.activations.ACTIVATIONS``).  ``saturation_threshold=None`` turns the
    shading off.  Names: identity, sigmoid, tanh, relu, leaky_relu, elu, softplus,
    or any function of a Value (``lambda v: v.leaky_relu(0.2)``), labelled by its
    ``__name__``; to give it a readable label, pass the pair ``(label, function)``.

    Each curve has its own colour and dash pattern, the first widest and underneath,
    so a curve lying on another (ReLU under Leaky ReLU for x > 0) still shows.  Where
    a derivative jumps (ReLU's at 0) the line is broken, not joined by a vertical line:
    at the jump the derivative has no value in between.

    >>> fig = plot_activation(['sigmoid', 'tanh'])
    >>> len(fig.axes), [text.get_text() for text in fig.legends[0].get_texts()]
    (2, ['sigmoid', 'tanh'])
    >>> fig = plot_activation(['relu', ('Leaky ReLU, slope 0.1', lambda v: v.leaky_relu(0.1))])
    >>> [text.get_text() for text in fig.legends[0].get_texts()]
    ['relu', 'Leaky ReLU, slope 0.1']
    """
    where = "plot_activation"
    single = (isinstance(name_or_names, str) or callable(name_or_names)
              or _is_labelled(name_or_names))
    if not single and not isinstance(name_or_names, (list, tuple)):
        raise TypeError(f"{where}: expected an activation (a name, a function of a Value or a pair "
                        f"(label, function)) or a list of them, got {type(name_or_names).__name__} {brief(name_or_names)}")
    names = [name_or_names] if single else list(name_or_names)
    if not names:
        raise ValueError("plot_activation: give at least one activation")
    lo, hi = _interval(x_range, "x_range", where)
    num = as_count(num, "num", where, minimum=2, maximum=MAX_CURVE_POINTS)
    if saturation_threshold is not None:
        saturation_threshold = as_number(saturation_threshold, where, "saturation_threshold")

    x = np.linspace(lo, hi, num)
    fig, axes = _new_figure(2, figsize=figsize)
    ax_f, ax_d = axes[0]
    colors = _colors()
    shaded = []
    for i, activation in enumerate(names):
        label = drawable_text(_activation_function(activation)[0], legend=True)
        values, slopes = activation_curve(activation, x)
        color = colors[i % len(colors)]
        style = _line_style(i, len(names))
        ax_f.plot(x, values, color=color, label=label, **style)
        ax_d.plot(*_break_at_jumps(x, slopes), color=color, label=label, **style)
        record = activation_record(activation[1] if _is_labelled(activation) else activation)   # None for a function of the learner's own
        if saturation_threshold is not None and record is not None and record.saturating:
            shaded.append((label, color, slopes < saturation_threshold))

    for k, (label, color, mask) in enumerate(shaded):
        for first, last in _runs(mask):
            for ax in (ax_f, ax_d):
                ax.axvspan(x[first], x[last], color=color, alpha=0.08, linewidth=0)
            ax_d.text((x[first] + x[last]) / 2, 0.92 - 0.1 * k,
                      f"{label} saturated", color=color, ha="center", va="top", fontsize=8,
                      transform=ax_d.get_xaxis_transform())
    if shaded:
        ax_d.axhline(saturation_threshold, color="gray", linestyle=":", linewidth=1)
        ax_d.text(0.01, saturation_threshold, f" f′ = {saturation_threshold:g}", color="gray",
                  fontsize=8, va="bottom", transform=ax_d.get_yaxis_transform())

    ax_f.set(title="activation f(x)", xlabel="x", ylabel="f(x)")
    ax_d.set(title="derivative f′(x), from the backward pass", xlabel="x", ylabel="f′(x)")
    for ax in (ax_f, ax_d):
        ax.axhline(0, color="black", linewidth=0.6)
        ax.axvline(0, color="black", linewidth=0.6)
        ax.grid(True, alpha=0.3)
    # One legend for both panels, below them, so it hides no part of a curve.
    fig.legend(*ax_f.get_legend_handles_labels(), loc="outside lower center",
               ncols=min(len(names), 7), fontsize=9, frameon=False)
    return fig


# ---------------------------------------------------------------------------
# Training history


def _floats(history: Mapping, key: str) -> list[float]:
    """history[key] as floats; NaN and inf are kept (they are drawn as a gap and marked)."""
    values = history.get(key)
    if values is None:
        return []
    if isinstance(values, (str, bytes)) or np.ndim(values) != 1:
        raise TypeError(f"plot_history: history[{key!r}] must be a list of numbers, "
                        f"got {brief(values)}")
    numbers = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float, np.number)):
            raise TypeError(f"plot_history: history[{key!r}] must be a list of numbers, "
                            f"got {type(v).__name__} {brief(v)} in it")
        numbers.append(float(v))
    return numbers


def _first_not_finite(values: list[float]) -> int | None:
    """The epoch (counting from 1) of the first value that is NaN or inf, if any."""
    return next((epoch for epoch, v in enumerate(values, start=1) if not math.isfinite(v)), None)


def plot_history(history: Mapping[str, Sequence[float]], title: str | None = None,
                 figsize: tuple[float, float] | None = None) -> Figure:
    """Loss and accuracy per epoch, training beside validation.

    ``history`` is what ``nn.fit`` returns (a dict of lists ``'loss'``, ``'accuracy'``,
    ``'val_loss'``, ``'val_accuracy'``).  Empty accuracy lists drop the accuracy panel,
    empty validation lists drop those lines.  The epoch of the lowest validation loss
    is marked: after it the training loss keeps falling while the validation loss rises,
    and that widening gap is overfitting.

    >>> fig = plot_history({'loss': [0.9, 0.5, 0.3], 'val_loss': [1.0, 0.7, 0.8],
    ...                     'accuracy': [], 'val_accuracy': []})
    >>> [ax.get_title() for ax in fig.axes]
    ['loss']
    """
    if not isinstance(history, Mapping):
        raise TypeError(f"plot_history: history must be a dict of lists (what nn.fit returns), "
                        f"got {type(history).__name__}")
    loss, val_loss = _floats(history, "loss"), _floats(history, "val_loss")
    accuracy, val_accuracy = _floats(history, "accuracy"), _floats(history, "val_accuracy")
    if not loss:
        raise ValueError("plot_history: history['loss'] is empty or missing; train for at least one epoch")

    from matplotlib.ticker import MaxNLocator

    panels = [("loss", loss, val_loss)]
    if accuracy or val_accuracy:
        panels.append(("accuracy", accuracy, val_accuracy))
    fig, axes = _new_figure(len(panels), figsize=figsize or (5.0 * len(panels), 4.0))

    best = None
    finite_val = [(v, epoch) for epoch, v in enumerate(val_loss, start=1) if math.isfinite(v)]
    if finite_val:
        best = min(finite_val)  # (lowest loss, its epoch); the first epoch wins a tie

    for ax, (name, train, val) in zip(axes[0], panels):
        if train:
            ax.plot(range(1, len(train) + 1), train, marker=".", label=f"training {name}")
        if val:
            ax.plot(range(1, len(val) + 1), val, marker=".", label=f"validation {name}")
        for part, series in (("training", train), ("validation", val)):
            # A loss of NaN or inf is not a point on the line: mark where it began, so a
            # diverged run does not look like a run that simply stopped.
            epoch = _first_not_finite(series)
            if epoch is not None:
                ax.axvline(epoch, color="crimson", linestyle=":", linewidth=1.5,
                           label=f"{part} {name} not finite from epoch {epoch}")
        if best is not None:
            ax.axvline(best[1], color="gray", linestyle="--", linewidth=1,
                       label=f"lowest validation loss (epoch {best[1]})")
        if name == "loss" and best is not None:
            ax.plot([best[1]], [best[0]], marker="*", markersize=12, color="crimson", linestyle="")
        ax.set(title=name, xlabel="epoch", ylabel=name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(drawable_text(title))
    return fig


# ---------------------------------------------------------------------------
# Decision boundary


def _scores(model_or_predict, points: np.ndarray) -> np.ndarray:
    where = "plot_decision_boundary"
    predict = getattr(model_or_predict, "predict", None)
    if predict is None:
        if not callable(model_or_predict):
            raise TypeError("plot_decision_boundary: pass a model with predict(X) or a function "
                            f"of an (n, 2) array, got {type(model_or_predict).__name__}")
        predict = model_or_predict
    out = predict(points)
    try:
        scores = (np.array([_number(s) for s in out]) if np.ndim(out) == 1
                  else np.asarray(out, dtype=float))
    except (TypeError, ValueError):
        raise TypeError("plot_decision_boundary: predict(X) must return numbers, "
                        f"got {type(out).__name__} {brief(out)}") from None
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if scores.ndim not in (1, 2) or len(scores) != len(points):
        raise ValueError(f"plot_decision_boundary: predict(X) on {len(points)} points returned shape "
                         f"{scores.shape}; expected ({len(points)},) scores or "
                         f"({len(points)}, k) class scores")
    if not np.all(np.isfinite(scores)):
        i = int(np.argwhere(~np.isfinite(scores))[0][0])
        raise ValueError(f"{where}: predict(X) gave {scores[i].tolist()!r} at the point "
                         f"{points[i].tolist()}; a model whose outputs are not finite numbers has "
                         "no decision boundary (did training diverge?)")
    return scores


def _number(v: Any) -> float:
    """A plain number, or a Value's number (a Value does not turn into a float by itself)."""
    return v.data if isinstance(v, Value) else float(v)


def _label_text(label) -> str:
    label = label.item() if hasattr(label, "item") else label
    return f"{label:g}" if isinstance(label, float) else drawable_text(label, legend=True)


def plot_decision_boundary(model_or_predict: Any, X: Any, y: Any, resolution: int = 60,
                           threshold: float = 0.0, margin: float = 0.1, title: str | None = None,
                           ax: Axes | None = None) -> Figure:
    """The regions a 2-D classifier assigns to each class, with the data on top.

    The model is asked about every point of a ``resolution`` x ``resolution`` grid
    covering the data.  The default 60 x 60 = 3,600 forward passes take one to two
    seconds for a scalar-engine MLP(2, [16, 16, 1]); 200 x 200 would take eleven times
    longer, for a picture that looks much the same.

    ``model_or_predict`` is a model with ``predict(X)`` or a function of an (n, 2)
    array, returning either (n,) scores or (n, k) class scores:

    * (n,) scores: binary.  A score above ``threshold`` means the larger label of ``y``
      (+1 for labels -1/+1, 1 for 0/1).  Keep ``threshold=0`` for a perceptron, hinge
      or logit output; use ``threshold=0.5`` for a sigmoid probability.  The line where
      the score equals the threshold is drawn in black.
    * (n, k) scores: class = argmax, and ``y`` holds class indices 0..k-1.

    >>> X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]]); y = np.array([-1, 1, 1])
    >>> fig = plot_decision_boundary(lambda P: P[:, 0] + P[:, 1] - 0.5, X, y, resolution=20)
    >>> len(fig.axes[0].collections[-1].get_offsets())  # the scatter of the data
    3
    """
    where = "plot_decision_boundary"
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: X must be an (n, 2) array of numbers, got {brief(X)}") from None
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"plot_decision_boundary: X must have shape (n, 2) with n > 0, got {X.shape}")
    if not np.all(np.isfinite(X)):
        row = int(np.argwhere(~np.isfinite(X))[0][0])
        raise ValueError(f"{where}: X row {row} is {X[row].tolist()}; every coordinate must be a "
                         "finite number")
    if y.ndim == 2:  # one-hot targets
        y = y.argmax(axis=1)
    if y.shape != (len(X),):
        raise ValueError(f"plot_decision_boundary: y must have one label per row of X "
                         f"({len(X)}), got shape {y.shape}")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError(f"{where}: label {int(np.flatnonzero(~np.isfinite(y))[0])} of y is not a "
                         "finite number; every label must be a class")
    resolution = as_count(resolution, "resolution", where, minimum=2, maximum=MAX_GRID_RESOLUTION)
    threshold = as_number(threshold, where, "threshold")
    margin = as_number(margin, where, "margin")
    if margin < 0:
        raise ValueError(f"{where}: margin must be 0 or more (a fraction of the data's width), "
                         f"got {margin!r}")
    ax = _given_axes(ax, where)

    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * np.where(hi > lo, hi - lo, 1.0)
    gx = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    gy = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    xx, yy = np.meshgrid(gx, gy)
    scores = _scores(model_or_predict, np.column_stack([xx.ravel(), yy.ravel()]))

    labels = np.unique(y)
    if scores.ndim == 1:
        if len(labels) > 2:
            raise ValueError(f"plot_decision_boundary: predict(X) gives one score per point (binary) "
                             f"but y has {len(labels)} labels {labels.tolist()}")
        region = (scores > threshold).astype(int)  # 1 = the larger label
        if len(labels) == 2:
            y_index = np.searchsorted(labels, y)
        else:   # one class in y: it is the larger label, and the other one is named for it
            other = labels[0] - 1 if labels.dtype.kind in "iuf" else "(other)"
            labels = np.array([other, labels[0]], dtype=object)
            y_index = np.ones(len(y), dtype=int)
    else:
        k = scores.shape[1]
        if not np.all(np.isin(labels, np.arange(k))):
            raise ValueError(f"plot_decision_boundary: predict(X) gives {k} class scores, so y must "
                             f"hold class indices 0..{k - 1}, got labels {labels.tolist()}")
        labels = np.arange(k)
        region = scores.argmax(axis=1)
        y_index = y.astype(int)

    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D

    if ax is None:
        fig, axes = _new_figure(figsize=(5.5, 5.0))
        ax = axes[0, 0]
    else:
        fig = ax.figure
    colors = [_colors()[i % 10] for i in range(len(labels))]
    levels = np.arange(len(labels) + 1) - 0.5
    ax.contourf(xx, yy, region.reshape(xx.shape), levels=levels, cmap=ListedColormap(colors),
                alpha=0.3)
    handles = [Line2D([], [], marker="o", linestyle="", color=c, markeredgecolor="black",
                      label=f"class {_label_text(label)}") for c, label in zip(colors, labels)]
    if scores.ndim == 1 and scores.min() < threshold < scores.max():
        ax.contour(xx, yy, scores.reshape(xx.shape), levels=[threshold], colors="black",
                   linewidths=1.5)
        handles.append(Line2D([], [], color="black", label=f"score = {threshold:g}"))
    ax.scatter(X[:, 0], X[:, 1], c=[colors[i] for i in y_index], edgecolors="black",
               linewidths=0.5, s=25)
    ax.set(title=drawable_text(title) if title else "decision boundary", xlabel="$x_1$", ylabel="$x_2$")
    ax.legend(handles=handles, fontsize=8, loc="best")
    return fig


# ---------------------------------------------------------------------------
# Optimizer paths


def optimizer_paths(loss_fn: Callable[[Value, Value], Value], optimizers: Mapping[str, Callable],
                    start: tuple[float, float], steps: int = 100) -> dict[str, np.ndarray]:
    """Where each optimizer walks from ``start``: name -> array of (x, y), one row per step.

    For each optimizer two Values start at ``start`` and ``steps`` times it runs
    ``zero_grad()``, ``loss_fn(x, y).backward()``, ``step()``.  ``optimizers`` maps a
    name to a factory that takes the list ``[x, y]`` and returns an optimizer.  A path
    has ``steps + 1`` rows, fewer if the run diverged (a coordinate or the loss
    stopped being a finite number): it ends at the last finite point.

    >>> from nn.optim import SGD
    >>> paths = optimizer_paths(lambda x, y: x**2 + 10 * y**2,
    ...                         {'SGD': lambda p: SGD(p, lr=0.04)}, start=(1.0, 1.0), steps=2)
    >>> paths['SGD'].round(3).tolist()
    [[1.0, 1.0], [0.92, 0.2], [0.846, 0.04]]
    """
    where = "optimizer_paths"
    if not callable(loss_fn):
        raise TypeError(f"{where}: loss_fn must be a function of two Values (x, y), "
                        f"got {type(loss_fn).__name__} {brief(loss_fn)}")
    if not isinstance(optimizers, Mapping) or not optimizers:
        raise TypeError("optimizer_paths: optimizers must be a non-empty dict name -> "
                        "factory(params) returning an optimizer")
    x0, y0 = _two_numbers(start, "start", where)
    steps = as_count(steps, "steps", where, minimum=0, maximum=MAX_STEPS)
    paths = {}
    for name, make_optimizer in optimizers.items():
        if not callable(make_optimizer):
            made = " (an optimizer already made, for other parameters)" if hasattr(
                make_optimizer, "step") else ""
            raise TypeError(f"{where}: optimizers[{brief(name)}] must be a function that builds an "
                            f"optimizer from the parameters [x, y], such as lambda p: SGD(p, lr=0.1); "
                            f"got {type(make_optimizer).__name__}{made}")
        x, y = Value(x0, label="x"), Value(y0, label="y")
        optimizer = make_optimizer([x, y])
        if not (callable(getattr(optimizer, "step", None))
                and callable(getattr(optimizer, "zero_grad", None))):
            raise TypeError(f"optimizer_paths: optimizers[{name!r}]([x, y]) must return an optimizer "
                            f"with step() and zero_grad(), got {type(optimizer).__name__}")
        path = [(x0, y0)]
        for _ in range(steps):
            optimizer.zero_grad()
            try:
                loss = loss_fn(x, y)
            except (OverflowError, ValueError, ZeroDivisionError):
                break  # the walk left the region where loss_fn is defined: diverged
            if not isinstance(loss, Value):
                raise TypeError(f"optimizer_paths: loss_fn(x, y) must return a Value, "
                                f"got {type(loss).__name__} {loss!r}")
            if not math.isfinite(loss.data):
                break
            loss.backward()
            optimizer.step()
            if not (math.isfinite(x.data) and math.isfinite(y.data)):
                break
            path.append((x.data, y.data))
        paths[name] = np.array(path)
    return paths


def _loss_at(loss_fn, point) -> float:
    """loss_fn at one point as a float, inf where it is undefined."""
    with no_grad():
        try:
            out = loss_fn(Value(float(point[0])), Value(float(point[1])))
            value = out.data if isinstance(out, Value) else float(out)
        except (OverflowError, ValueError, ZeroDivisionError):
            return math.inf
    return value if math.isfinite(value) else math.inf


def _loss_grid(loss_fn, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """loss_fn at every grid point, as floats (no graph is built); NaN where it is undefined."""
    z = np.array([[_loss_at(loss_fn, (xv, yv)) for xv in gx] for yv in gy])
    z[~np.isfinite(z)] = np.nan
    return z


def plot_optimizer_paths(loss_fn: Callable[[Value, Value], Value],
                         optimizers: Mapping[str, Callable], start: tuple[float, float],
                         steps: int = 100, x_range: tuple[float, float] | None = None,
                         y_range: tuple[float, float] | None = None, resolution: int = 60,
                         minimum: tuple[float, float] | None = None, title: str | None = None,
                         ax: Axes | None = None) -> Figure:
    """Contours of a 2-D loss surface with the path each optimizer takes on it.

    The paths come from :func:`optimizer_paths` and are also kept on the figure as
    ``fig.paths`` (name -> array of shape (steps + 1, 2)) so a lesson can check them.
    The contours are ``loss_fn`` evaluated on a ``resolution`` x ``resolution`` grid;
    the ranges default to the box around the start and every path that ends lower
    than it began (a climbing path is still drawn, and may leave the picture).  ``minimum``
    marks a known minimum with a star (e.g. (1, 1) for the Rosenbrock function).  Each
    path has its own colour, dash pattern and end marker; the longest lies widest and
    underneath, so a short path or one sharing a valley floor with others still shows.

    >>> from nn.optim import SGD
    >>> fig = plot_optimizer_paths(lambda x, y: x**2 + 10 * y**2,
    ...                            {'SGD': lambda p: SGD(p, lr=0.04)}, start=(1.0, 1.0), steps=20)
    >>> fig.paths['SGD'].shape
    (21, 2)
    """
    where = "plot_optimizer_paths"
    start = _two_numbers(start, "start", where)
    steps = as_count(steps, "steps", where, minimum=0, maximum=MAX_STEPS)
    resolution = as_count(resolution, "resolution", where, minimum=2, maximum=MAX_GRID_RESOLUTION)
    if minimum is not None:
        minimum = _two_numbers(minimum, "minimum", where)
    ranges = [None if given is None else _interval(given, name, where)
              for given, name in ((x_range, "x_range"), (y_range, "y_range"))]
    ax = _given_axes(ax, where)
    paths = optimizer_paths(loss_fn, optimizers, start, steps)
    # The default box leaves out paths that end higher than they began: one
    # climbing path would otherwise squash every other path into a dot.
    descending = [path for path in paths.values()
                  if _loss_at(loss_fn, path[-1]) <= _loss_at(loss_fn, path[0])]
    points = np.vstack([[start], *(descending or paths.values()),
                        [minimum] if minimum is not None else np.empty((0, 2))])

    def box(axis: int) -> tuple[float, float]:
        if ranges[axis] is not None:
            return ranges[axis]
        lo, hi = points[:, axis].min(), points[:, axis].max()
        pad = 0.15 * (hi - lo) if hi > lo else 1.0
        return lo - pad, hi + pad

    (xlo, xhi), (ylo, yhi) = box(0), box(1)
    gx, gy = np.linspace(xlo, xhi, resolution), np.linspace(ylo, yhi, resolution)
    z = _loss_grid(loss_fn, gx, gy)

    if ax is None:
        fig, axes = _new_figure(figsize=(6.5, 5.0))
        ax = axes[0, 0]
    else:
        fig = ax.figure
    finite = z[np.isfinite(z)]
    if finite.size and finite.max() > finite.min():
        # Log-spaced levels above the lowest point: a long flat valley floor (Rosenbrock)
        # gets as many contour lines as the steep walls, where even spacing would put
        # them all on the walls.
        height = finite - finite.min()
        lowest = max(float(np.quantile(height, 0.01)), 1e-12 * height.max())
        levels = finite.min() + np.geomspace(lowest, height.max(), 15)
        ax.contourf(gx, gy, z, levels=[finite.min(), *levels], cmap="Blues", alpha=0.6)
        ax.contour(gx, gy, z, levels=levels, colors="gray", linewidths=0.5, alpha=0.8)
    colors = _colors()
    # Paths often share a stretch (the floor of a valley).  The longest is drawn first,
    # widest and underneath, each shorter one narrower and on top, each with its own
    # dash pattern and a marker of its own shape where it ends: every path shows.
    lengths = {name: float(np.hypot(*np.diff(path, axis=0).T).sum()) for name, path in paths.items()}
    rank = {name: r for r, name in enumerate(sorted(paths, key=lambda n: -lengths[n]))}
    for i, (name, path) in enumerate(paths.items()):
        diverged = len(path) < steps + 1
        label = drawable_text(name, legend=True)
        label = f"{label} (diverged after {len(path) - 1} steps)" if diverged else label
        ax.plot(path[:, 0], path[:, 1], color=colors[i % len(colors)], label=label,
                marker=END_MARKERS[i % len(END_MARKERS)], markevery=[len(path) - 1],
                markersize=9, markeredgecolor="black", **_line_style(rank[name], len(paths)))
    ax.plot([start[0]], [start[1]], marker="o", color="black", linestyle="", label="start")
    if minimum is not None:
        ax.plot([minimum[0]], [minimum[1]], marker="*", markersize=14, color="gold",
                markeredgecolor="black", linestyle="", label="minimum")
    ax.set(xlim=(xlo, xhi), ylim=(ylo, yhi), xlabel="x", ylabel="y",
           title=drawable_text(title) if title else f"optimizer paths, {steps} steps")
    ax.legend(fontsize=8)
    fig.paths = paths
    return fig


# ---------------------------------------------------------------------------
# Weights


def _layers(model) -> list:
    if hasattr(model, "layers"):
        return list(model.layers)
    if hasattr(model, "neurons"):
        return [model]
    if hasattr(model, "w") and hasattr(model, "b"):  # a Neuron or a Perceptron: one row
        return [SimpleNamespace(neurons=[model])]
    raise TypeError(f"plot_weights: expected a model with .layers (an MLP), a layer with .neurons "
                    f"or a neuron with .w and .b, got {type(model).__name__}")


def _weight_rows(layer: Any, i: int) -> list[list[float]]:
    """Layer i's weights, one row per neuron and its bias last; each a finite number, rows alike."""
    try:
        neurons = [(list(neuron.w), neuron.b) for neuron in layer.neurons]
    except (AttributeError, TypeError):
        raise TypeError(f"plot_weights: layer {i} must have .neurons, each with .w (list of "
                        f"Values) and .b") from None
    rows = []
    for j, (weights, bias) in enumerate(neurons):
        row = []
        for k, w in enumerate([*weights, bias]):
            part = f"w[{k}]" if k < len(weights) else "b"
            try:
                number = _number(w)
            except (TypeError, ValueError):
                raise TypeError(f"plot_weights: layer {i}, neuron {j}, {part} must be a number or "
                                f"a Value, got {type(w).__name__} {brief(w)}") from None
            if not math.isfinite(number):
                raise ValueError(f"plot_weights: layer {i}, neuron {j}, {part} is {number!r}; a "
                                 "weight that is not a finite number has no colour (did training "
                                 "diverge?)")
            row.append(number)
        rows.append(row)
    if not rows or len({len(r) for r in rows}) != 1:
        raise ValueError(f"plot_weights: layer {i}'s neurons must all have the same number of "
                         f"weights, got {[len(r) - 1 for r in rows]}")
    return rows


def plot_weights(model: Any, annotate: bool | None = None,
                 figsize: tuple[float, float] | None = None) -> Figure:
    """A model's weights as pictures: one heatmap per layer.

    Row j of layer i is neuron j: its weights, one column per input, and its bias
    in the last column.  ``model`` is an MLP (``.layers``), a Layer (``.neurons``) or
    a single Neuron or Perceptron (``.w`` and ``.b``).  Red is positive, blue negative, white zero (one colour scale
    per layer).  ``annotate`` writes each number in its cell; by default only in
    layers small enough to read (at most 64 cells).

    >>> from types import SimpleNamespace as N
    >>> neuron = N(w=[Value(0.5), Value(-1.0)], b=Value(0.1))
    >>> fig = plot_weights(N(layers=[N(neurons=[neuron])]))
    >>> fig.axes[0].images[0].get_array().tolist()
    [[0.5, -1.0, 0.1]]
    """
    if annotate is not None and not isinstance(annotate, (bool, np.bool_)):
        # the flag rule of nn.arguments.as_flag, with None (the default) as a third choice
        raise TypeError(f"plot_weights: annotate must be True, False or None (numbers only in "
                        f"layers small enough to read), got {type(annotate).__name__} "
                        f"{brief(annotate)}")
    layers = _layers(model)
    if not layers:
        raise ValueError("plot_weights: the model has no layers")
    weights = [_weight_rows(layer, i) for i, layer in enumerate(layers)]   # all checked first
    fig, axes = _new_figure(len(layers), figsize=figsize or (3.2 * len(layers) + 1.0, 3.8))
    for i, (ax, rows) in enumerate(zip(axes[0], weights)):
        w = np.array(rows)
        scale = float(np.abs(w).max()) or 1.0
        image = ax.imshow(w, cmap="RdBu_r", vmin=-scale, vmax=scale, aspect="auto",
                          interpolation="nearest")
        nin = w.shape[1] - 1
        ax.set_xticks(range(nin + 1), [*(str(k) for k in range(nin)), "b"] if nin <= 12 else
                      [*("" for _ in range(nin)), "b"])
        ax.set_yticks(range(len(w)) if len(w) <= 16 else [])
        ax.axvline(nin - 0.5, color="black", linewidth=1)  # weights | bias
        ax.set(title=f"layer {i}: {nin} → {len(w)}", xlabel="input (b = bias)", ylabel="neuron")
        if annotate or (annotate is None and w.size <= 64):
            for (r, c), value in np.ndenumerate(w):
                ax.text(c, r, f"{value:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if abs(value) > 0.6 * scale else "black")
        fig.colorbar(image, ax=ax, shrink=0.8)
    return fig
