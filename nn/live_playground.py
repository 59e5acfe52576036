"""A playground in the spirit of TensorFlow Playground, that can also say *why*.

``Playground`` is the model of it, plain Python: the settings (a data set, its
noise and train/test split, the hidden layers, the activation, the optimizer,
learning rate, batch size and L1/L2 penalties), the network, the trainer that
takes its steps (``nn.train.replay_trainer``, the arithmetic of
``fit(..., replay=True)``: the same shuffling, the same weights), and the
history of train and test losses.  ``step()``, ``reset()`` and ``set(...)``
drive it, so a lesson or a test uses it without a browser.

What only chainrule adds: ``inspect(name)`` builds the loss of the latest
mini-batch as a graph at the current weights and reads one neuron or weight
out of it -- its gradient, its chain rule (``autograd.explain``) and the
neuron-level backward step that produced it (``autograd.backward_steps``).

``playground(...)`` wraps it in ipywidgets for JupyterLab: play / pause / step /
reset, the decision boundary as a heat map with the train and test points, a
small heat map of every hidden neuron drawn on the network, connections coloured
by sign (or by gradient) with width for size, and a list of neurons and weights
to inspect.  Training runs in a background thread, so the notebook stays free.
Where no kernel runs the widget, its PNG snapshot stands in for it.

``nn.playground(...)`` and ``nn.Playground`` are this module's (``import nn`` imports it):

>>> from nn.live_playground import Playground
>>> p = Playground(dataset='xor', hidden=[4], seed=0)
>>> p.step(3); p.epoch
3
"""
from __future__ import annotations

import base64
import io
import random
import threading
import time
from typing import Any, Callable

import ipywidgets as widgets
import numpy as np
from PIL import Image as PILImage   # pillow comes with matplotlib

from autograd.explain import explain
from autograd.steps import backward_steps
from autograd.tape import Tape
from nn import data
from nn.activations import ACTIVATIONS
from nn.arguments import as_count, as_number
from nn.layers import MLP
from nn.losses import binary_cross_entropy_with_logits
from nn.model_selection import train_test_split
from nn.train import History, Penalty, replay_trainer

__all__ = ["Playground", "Inspection", "PlaygroundWidget", "playground", "DATASETS",
           "OPTIMIZERS", "DEFAULTS"]

#: The data sets by name: ``(n_samples, noise, seed) -> (X, y)``, two classes each.
DATASETS: dict[str, Callable[[int, float, int], tuple]] = {
    "moons": lambda n, noise, seed: data.make_moons(n, noise=noise, seed=seed),
    "circles": lambda n, noise, seed: data.make_circles(n, noise=noise, factor=0.5, seed=seed),
    "spirals": lambda n, noise, seed: data.make_spirals(n, n_classes=2, noise=noise, seed=seed),
    "xor": lambda n, noise, seed: data.make_xor(n, noise=noise, seed=seed),
    # blobs' noise widens the two clusters (a standard deviation of 0.3 + noise)
    "blobs": lambda n, noise, seed: data.make_blobs(n, centers=[[-1.0, -1.0], [1.0, 1.0]],
                                                    cluster_std=0.3 + noise, seed=seed),
}
#: The optimizer names ``fit`` accepts, in the order the list offers them.
OPTIMIZERS = ("adam", "sgd", "rmsprop", "adagrad")
#: Every setting and its default: a 2-[8, 8]-1 tanh network on 200 half-moons.
DEFAULTS: dict[str, Any] = dict(dataset="moons", noise=0.1, n_samples=200, test_size=0.3,
                                hidden=(8, 8), activation="tanh", optimizer="adam", lr=0.03,
                                batch_size=10, l1=0.0, l2=0.0, seed=0)
LOSS = "bce_with_logits"   # one raw score out, targets 0/1
MAX_NEURONS = 32           # per hidden layer: the picture has room for this many
# Which settings make new data, a new network, or only a new trainer for the same weights.
DATA_SETTINGS = {"dataset", "noise", "n_samples", "test_size", "seed"}
MODEL_SETTINGS = {"hidden", "activation", "optimizer"}


def check_settings(settings: dict, where: str = "Playground") -> dict:
    """The settings with defaults filled in, each checked; a clear error for a wrong one.

    >>> check_settings({'hidden': '4, 2'})['hidden']
    (4, 2)
    >>> check_settings({'lr': 0})
    Traceback (most recent call last):
    ...
    ValueError: Playground: lr (the learning rate) must be > 0, got 0.0
    """
    unknown = sorted(set(settings) - set(DEFAULTS))
    if unknown:
        raise TypeError(f"{where}: unknown setting {unknown[0]!r}; the settings are "
                        + ", ".join(DEFAULTS))
    s = {**DEFAULTS, **settings}
    if s["dataset"] not in DATASETS:
        raise ValueError(f"{where}: unknown dataset {s['dataset']!r}; choose one of "
                         + ", ".join(repr(k) for k in DATASETS))
    s["noise"] = as_number(s["noise"], where, "noise")
    if not s["noise"] >= 0.0:
        raise ValueError(f"{where}: noise must be >= 0, got {s['noise']!r}")
    s["n_samples"] = as_count(s["n_samples"], "n_samples", where, minimum=8, maximum=5000)
    s["test_size"] = as_number(s["test_size"], where, "test_size")
    if not 0.0 < s["test_size"] < 1.0:
        raise ValueError(f"{where}: test_size is the share of points held out for testing, "
                         f"in (0, 1), got {s['test_size']!r}")
    hidden = s["hidden"]
    if isinstance(hidden, str):
        hidden = [h for h in hidden.replace(",", " ").split()]
        try:
            hidden = [int(h) for h in hidden]
        except ValueError:
            raise ValueError(f"{where}: hidden must list layer sizes such as '8, 8', "
                             f"got {s['hidden']!r}") from None
    if isinstance(hidden, (int, float)) or not hasattr(hidden, "__iter__"):
        raise TypeError(f"{where}: hidden must be a list of layer sizes such as [8, 8] "
                        f"([] for none), got {hidden!r}")
    s["hidden"] = tuple(as_count(h, "every hidden layer size", where, maximum=MAX_NEURONS)
                        for h in hidden)
    if s["activation"] not in ACTIVATIONS:
        raise ValueError(f"{where}: unknown activation {s['activation']!r}; choose one of "
                         + ", ".join(repr(k) for k in ACTIVATIONS))
    if s["optimizer"] not in OPTIMIZERS:
        raise ValueError(f"{where}: unknown optimizer {s['optimizer']!r}; choose one of "
                         + ", ".join(repr(k) for k in OPTIMIZERS))
    s["lr"] = as_number(s["lr"], where, "lr")
    if not s["lr"] > 0.0:
        raise ValueError(f"{where}: lr (the learning rate) must be > 0, got {s['lr']!r}")
    s["batch_size"] = as_count(s["batch_size"], "batch_size", where)
    for name in ("l1", "l2"):
        s[name] = as_number(s[name], where, name)
        if not s[name] >= 0.0:
            raise ValueError(f"{where}: {name} (a penalty's strength) must be >= 0, "
                             f"got {s[name]!r}")
    s["seed"] = as_count(s["seed"], "seed", where, minimum=0)
    return s


class Inspection:
    """One parameter read out of the latest mini-batch's graph: gradient, chain rule, step.

    ``name`` is the parameter's label (``'layers.0.neurons.3.w.1'``; a neuron is
    read through its bias ``...b``), ``gradient`` its dL/dp at the current
    weights (the penalty included), ``chain_rule`` the text of ``explain`` and
    ``step`` the lines of the neuron-level backward step of its neuron.
    """

    def __init__(self, name: str, value: float, gradient: float, chain_rule: str, step: str):
        self.name, self.value, self.gradient = name, value, gradient
        self.chain_rule, self.step = chain_rule, step

    def __str__(self) -> str:
        return (f"{self.name} = {self.value:.4g}, gradient dL/d{self.name} = {self.gradient:.4g}"
                f"\n\nchain rule\n{self.chain_rule}\n\nneuron-level backward step\n{self.step}")

    def __repr__(self) -> str:
        return f"Inspection({self.name!r}, gradient={self.gradient:.4g})"


class Playground:
    """The playground's state: settings, data, network, trainer and history.

    It trains as ``nn.fit(MLP(2, [*hidden, 1], activation, seed=seed), X_train,
    y_train, loss='bce_with_logits', optimizer=..., lr=..., batch_size=...,
    l1=..., l2=..., seed=seed, replay=True)`` does, one epoch per ``step()``.

    >>> p = Playground(dataset='blobs', hidden=[], lr=0.1, seed=1)
    >>> p.step(20); p.history['accuracy'][-1] == 1.0      # blobs need no hidden layer
    True
    """

    def __init__(self, **settings: Any):
        self.lock = threading.RLock()   # the widget's thread and its buttons share this
        self.settings = check_settings(settings)
        self._new_data()
        self.reset()

    # -- building -------------------------------------------------------------------
    def _new_data(self) -> None:
        s = self.settings
        X, y = DATASETS[s["dataset"]](s["n_samples"], s["noise"], s["seed"])
        self.X_train, self.X_test, self.y_train, self.y_test = train_test_split(
            X, y, test_size=s["test_size"], seed=s["seed"])
        low, high = X.min(axis=0), X.max(axis=0)
        margin = 0.15 * (high - low)
        self.extent = (low[0] - margin[0], high[0] + margin[0],
                       low[1] - margin[1], high[1] + margin[1])

    def reset(self) -> None:
        """A new network from the seed, a new optimizer and an empty history."""
        with self.lock:
            s = self.settings
            self.model = MLP(2, [*s["hidden"], 1], activation=s["activation"], seed=s["seed"])
            self.model.label_parameters()
            self.optimizer = None
            self.history = History()
            self.epoch = 0
            self.diverged: str | None = None
            self.order = list(range(len(self.X_train)))
            self.rng = random.Random(s["seed"])   # fit's shuffling: python_random(seed)
            self.last_batch = self.order[-s["batch_size"]:] if s["batch_size"] < len(
                self.order) else list(self.order)
            self._new_trainer()

    def _new_trainer(self) -> None:
        s = self.settings
        if self.optimizer is None:
            self.trainer = replay_trainer(self.model, self.X_train, self.y_train, loss=LOSS,
                                          optimizer=s["optimizer"], lr=s["lr"],
                                          l1=s["l1"], l2=s["l2"])
            self.optimizer = self.trainer.optimizer
        else:   # same weights, same optimizer state: only lr or a penalty changed
            self.optimizer.lr = s["lr"]
            penalty = Penalty.for_model(self.model, s["l1"], s["l2"], "Playground")
            self.trainer = replay_trainer(self.model, self.X_train, self.y_train, loss=LOSS,
                                          optimizer=self.optimizer, penalty=penalty)
        self.evaluate = self.trainer.evaluator(self.X_test, self.y_test)
        self.picture_tape = None

    def set(self, **changes: Any) -> None:
        """Change settings: new data and network for the data settings, a new network
        for the layers, activation and optimizer; lr, batch size and penalties go on
        training the same weights.

        >>> p = Playground(seed=0); p.step(2); p.set(lr=0.01); p.epoch
        2
        >>> p.set(dataset='circles'); p.epoch
        0
        """
        with self.lock:
            new = check_settings({**self.settings, **changes})
            changed = {k for k in new if new[k] != self.settings[k]}
            if not changed:
                return
            self.settings = new
            if changed & DATA_SETTINGS:
                self._new_data()
            if changed & (DATA_SETTINGS | MODEL_SETTINGS):
                self.reset()
            else:
                self._new_trainer()

    # -- training -------------------------------------------------------------------
    def step(self, epochs: int = 1) -> None:
        """Train ``epochs`` more epochs (shuffled as fit shuffles), recording the losses.

        A learning rate that makes the loss overflow stops training and says so
        in ``diverged`` instead of raising.
        """
        epochs = as_count(epochs, "epochs", "Playground.step")
        with self.lock:
            batch_size = min(self.settings["batch_size"], len(self.order))
            for _ in range(epochs):
                if self.diverged:
                    return
                self.rng.shuffle(self.order)
                try:
                    loss, accuracy = self.trainer.train_epoch(self.order, batch_size, self.epoch)
                except FloatingPointError as error:
                    self.diverged = str(error)
                    return
                val_loss, val_accuracy = self.evaluate()
                starts = range(0, len(self.order), batch_size)
                self.last_batch = self.order[starts[-1]:]
                self.epoch += 1
                for key, value in (("loss", loss), ("accuracy", accuracy),
                                   ("val_loss", val_loss), ("val_accuracy", val_accuracy)):
                    self.history[key].append(value)

    @property
    def train_loss(self) -> float:
        """The latest epoch's mean training loss (nan before the first)."""
        return self.history["loss"][-1] if self.history["loss"] else float("nan")

    @property
    def test_loss(self) -> float:
        """The test loss after the latest epoch (nan before the first)."""
        return self.history["val_loss"][-1] if self.history["val_loss"] else float("nan")

    def describe(self) -> str:
        """The settings in one line.

        >>> Playground(hidden=[3]).describe()
        "MLP(2 -> 3 -> 1, activation='tanh'), adam lr=0.03, batch 10, l1=0 l2=0; moons, noise 0.1, 140 train / 60 test"
        """
        s = self.settings
        return (f"{self.model!r}, {s['optimizer']} lr={s['lr']:g}, batch {s['batch_size']}, "
                f"l1={s['l1']:g} l2={s['l2']:g}; {s['dataset']}, noise {s['noise']:g}, "
                f"{len(self.X_train)} train / {len(self.X_test)} test")

    # -- reading the network ------------------------------------------------------------
    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each layer's (W, b): W has one row per neuron, one column per input."""
        return [(np.array([[w.data for w in n.w] for n in layer.neurons]),
                 np.array([n.b.data for n in layer.neurons])) for layer in self.model.layers]

    def names(self) -> list[str]:
        """Every neuron (as its bias, ``...b``) and weight that ``inspect`` can read."""
        return [p.label for p in self.model.parameters()]

    def _all_outputs(self, *xs):
        outputs, h = [], list(xs)
        for layer in self.model.layers:
            h = layer(h)
            h = h if isinstance(h, list) else [h]
            outputs.extend(h)
        return [outputs[-1], *outputs[:-1]]

    def neuron_outputs(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The network's score and every hidden neuron's output at each point, by replay.

        Returns (scores with shape (n,), hidden outputs with shape (n, neurons)).
        """
        with self.lock:
            if self.picture_tape is None:
                self.picture_tape = Tape.record(self._all_outputs, points[0].tolist(),
                                                self.model.parameters(),
                                                second_sample=points[-1].tolist())
            theta = np.array([p.data for p in self.model.parameters()])
            scores = self.picture_tape.forward(np.asarray(points, dtype=float), theta)
            hidden = self.picture_tape.extra_outputs()
        return np.asarray(scores, dtype=float).reshape(-1), hidden

    def grid(self, size: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A size × size grid over the data: (points, scores, hidden outputs), each row a point."""
        x0, x1, y0, y1 = self.extent
        gx, gy = np.meshgrid(np.linspace(x0, x1, size), np.linspace(y1, y0, size))
        points = np.column_stack([gx.ravel(), gy.ravel()])
        scores, hidden = self.neuron_outputs(points)
        return points, scores, hidden

    def batch_loss(self):
        """The loss of the latest mini-batch at the current weights, as a graph (penalty included)."""
        rows = self.X_train[self.last_batch]
        targets = self.y_train[self.last_batch].astype(float).tolist()
        outputs = [self.model(row.tolist()) for row in rows]
        loss = binary_cross_entropy_with_logits(outputs, targets)
        s = self.settings
        penalty = Penalty.for_model(self.model, s["l1"], s["l2"], "Playground")
        if penalty is not None:
            loss = loss + penalty.value()
        loss.label = "L"
        return loss

    def gradients(self) -> dict[str, float]:
        """dL/dp of every parameter for the latest mini-batch at the current weights."""
        with self.lock:
            loss = self.batch_loss()
            self.model.zero_grad()
            loss.backward()
            return {p.label: p.grad for p in self.model.parameters()}

    def inspect(self, name: str) -> Inspection:
        """Why one neuron's bias or one weight has its gradient, now.

        >>> p = Playground(dataset='xor', hidden=[2], batch_size=4, seed=0); p.step()
        >>> found = p.inspect('layers.0.neurons.1.w.0')
        >>> found.gradient == p.gradients()['layers.0.neurons.1.w.0']
        True
        """
        with self.lock:
            params = dict(self.model.named_parameters())
            if name not in params:
                raise KeyError(f"Playground.inspect: no parameter {name!r}; the names are "
                               f"{', '.join(list(params)[:4])}, ... (see names())")
            loss = self.batch_loss()
            steps = backward_steps(loss, model=self.model, collapse="neuron")
            param = params[name]
            layer, neuron = int(name.split(".")[1]), int(name.split(".")[3])
            step = next((s for s in steps if s.kind == "neuron" and s.layer == layer
                         and s.index == neuron), None)
            step_text = ("\n".join([step.title, *step.lines]) if step is not None
                         else "(this neuron is in no step)")
            chain = str(explain(param, root=loss, model=self.model))
            return Inspection(name, param.data, param.grad, chain, step_text)

    # -- pictures ---------------------------------------------------------------------
    def figure(self, show_gradients: bool = False, selected: str | None = None,
               grid_size: int = 40):
        """One matplotlib figure: the network with each neuron's heat map and its
        connections, the decision boundary with the points, and the loss curves."""
        from matplotlib.figure import Figure   # imported here: drawing only

        with self.lock:
            _, scores, hidden = self.grid(grid_size)
            layers = self.weights()
            grads = self.gradients() if show_gradients else None
            history = {k: list(v) for k, v in self.history.items()}
        fig = Figure(figsize=(11, 4.2), dpi=72)
        net = fig.add_axes((0.0, 0.0, 0.5, 1.0))
        board = fig.add_axes((0.53, 0.22, 0.22, 0.72))
        curves = fig.add_axes((0.80, 0.22, 0.19, 0.72))
        self._draw_network(net, layers, hidden, grads, selected, grid_size)
        probability = 1.0 / (1.0 + np.exp(-np.clip(scores, -30, 30)))
        board.imshow(probability.reshape(grid_size, grid_size), extent=self.extent, cmap="RdBu",
                     vmin=-0.5, vmax=1.5, aspect="auto",   # pale: the points stand out
                     interpolation="nearest")
        for X, y, marker in ((self.X_train, self.y_train, "o"), (self.X_test, self.y_test, "^")):
            board.scatter(X[:, 0], X[:, 1], c=np.where(y == 1, "tab:blue", "tab:red"), s=14,
                          marker=marker, edgecolors="k" if marker == "o" else "w", linewidths=0.6)
        board.set_xlabel("x1 (circles: train, triangles: test)", fontsize=7)
        board.set_title(f"decision boundary, epoch {self.epoch}", fontsize=9)
        board.tick_params(labelsize=7)
        if history["loss"]:
            curves.plot(history["loss"], label=f"train {history['loss'][-1]:.3f}")
            curves.plot(history["val_loss"], label=f"test {history['val_loss'][-1]:.3f}")
            curves.legend(fontsize=7)
        curves.set_title("loss", fontsize=9)
        curves.set_xlabel("epoch", fontsize=8)
        curves.tick_params(labelsize=7)
        return fig

    def _draw_network(self, ax, layers, hidden, grads, selected, grid_size) -> None:
        from matplotlib.patches import Rectangle   # imported here: drawing only

        sizes = [2, *[len(b) for _, b in layers]]
        x_of = np.linspace(0.06, 0.94, len(sizes))
        box = 0.8 / max(max(sizes), 4)

        def y_of(count, i):
            return 0.5 - (i - (count - 1) / 2) * box * 1.25   # the first on top
        for k, (W, _) in enumerate(layers):
            strength = W if grads is None else np.array(
                [[grads[f"layers.{k}.neurons.{j}.w.{i}"] for i in range(W.shape[1])]
                 for j in range(W.shape[0])])
            scale = np.abs(strength).max() or 1.0
            for j in range(W.shape[0]):
                for i in range(W.shape[1]):
                    v = strength[j, i]
                    is_selected = selected == f"layers.{k}.neurons.{j}.w.{i}"
                    ax.plot([x_of[k], x_of[k + 1]], [y_of(sizes[k], i), y_of(sizes[k + 1], j)],
                            color="gold" if is_selected else ("tab:orange" if v > 0 else "tab:blue"),
                            linewidth=0.3 + 3.5 * abs(v) / scale, alpha=0.9,
                            zorder=1.5 if is_selected else 1)
        column = 0
        for k, count in enumerate(sizes):
            for j in range(count):
                cx, cy = x_of[k], y_of(count, j)
                if k == 0:
                    ax.text(cx, cy, f"x{j + 1}", ha="center", va="center", fontsize=9,
                            bbox=dict(facecolor="white", edgecolor="gray"), zorder=3)
                    continue
                if k == len(sizes) - 1:
                    ax.text(cx, cy, "out", ha="center", va="center", fontsize=9,
                            bbox=dict(facecolor="white", edgecolor="gray"), zorder=3)
                    continue
                image = hidden[:, column].reshape(grid_size, grid_size)
                column += 1
                half = box / 2
                bound = np.abs(image).max() or 1.0
                ax.imshow(image, extent=(cx - half * 0.6, cx + half * 0.6, cy - half, cy + half),
                          cmap="RdBu", vmin=-bound, vmax=bound, zorder=2, aspect="auto",
                          interpolation="nearest")
                if selected is not None and selected.startswith(f"layers.{k - 1}.neurons.{j}."):
                    ax.add_patch(Rectangle(
                        (cx - half * 0.6, cy - half), half * 1.2, 2 * half, fill=False,
                        edgecolor="gold", linewidth=2.5, zorder=4))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.axis("off")
        ax.set_title("weights (orange +, blue -)" if grads is None
                     else "gradients dL/dw (orange +, blue -)", fontsize=9)

    def png(self, **options: Any) -> bytes:
        """The figure as PNG bytes (what the widget shows, and its static snapshot).

        64 colours are plenty for these pictures and make them a quarter of the size,
        which matters for a picture sent several times a second and stored in a lesson.
        """
        from matplotlib.backends.backend_agg import FigureCanvasAgg   # imported here: drawing only

        canvas = FigureCanvasAgg(self.figure(**options))
        canvas.draw()
        pixels = np.asarray(canvas.buffer_rgba())[..., :3]
        buffer = io.BytesIO()
        PILImage.fromarray(pixels).quantize(64).save(buffer, format="png", optimize=True)
        return buffer.getvalue()


class PlaygroundWidget(widgets.VBox):
    """The ipywidgets face of a ``Playground``: controls, pictures and the inspector.

    ``playground`` is the Playground it drives; ``play()``/``pause()`` start and
    stop the background thread that trains it.  Its mime bundle carries a PNG
    snapshot too, shown where no kernel runs the widget.
    """

    def __init__(self, core: Playground, refresh_seconds: float = 0.4):
        self.playground = core
        self.refresh_seconds = as_number(refresh_seconds, "playground", "refresh_seconds")
        if not self.refresh_seconds > 0.0:
            raise ValueError(f"playground: refresh_seconds must be > 0, got {refresh_seconds!r}")
        self.thread: threading.Thread | None = None
        self.running = threading.Event()
        s = core.settings
        style = {"description_width": "90px"}
        layout = widgets.Layout(width="250px")

        def control(kind, cls, **kw):
            w = kind(style=style, layout=layout, **kw)
            w.add_class(cls)
            return w
        self.dataset = control(widgets.Dropdown, "crp-dataset", options=list(DATASETS),
                               value=s["dataset"], description="data set")
        self.noise = control(widgets.FloatSlider, "crp-noise", min=0.0, max=0.5, step=0.05,
                             value=s["noise"], description="noise")
        self.test_size = control(widgets.FloatSlider, "crp-test-size", min=0.1, max=0.9, step=0.1,
                                 value=s["test_size"], description="test share")
        self.hidden = control(widgets.Text, "crp-hidden",
                              value=", ".join(str(h) for h in s["hidden"]),
                              description="hidden", continuous_update=False)
        self.add_layer = widgets.Button(description="+ layer")
        self.remove_layer = widgets.Button(description="- layer")
        self.add_neuron = widgets.Button(description="+ neuron")
        self.remove_neuron = widgets.Button(description="- neuron")
        self.activation = control(widgets.Dropdown, "crp-activation", options=list(ACTIVATIONS),
                                  value=s["activation"], description="activation")
        self.optimizer = control(widgets.Dropdown, "crp-optimizer", options=list(OPTIMIZERS),
                                 value=s["optimizer"], description="optimizer")
        self.lr = control(widgets.FloatText, "crp-lr", value=s["lr"], description="learning rate")
        self.batch_size = control(widgets.BoundedIntText, "crp-batch", min=1, max=5000,
                                  value=s["batch_size"], description="batch size")
        self.l1 = control(widgets.FloatText, "crp-l1", value=s["l1"], description="L1")
        self.l2 = control(widgets.FloatText, "crp-l2", value=s["l2"], description="L2")
        self.play_button = widgets.ToggleButton(description="play", icon="play")
        self.play_button.add_class("crp-play")
        self.step_button = widgets.Button(description="step")
        self.step_button.add_class("crp-step")
        self.reset_button = widgets.Button(description="reset")
        self.reset_button.add_class("crp-reset")
        self.counter = widgets.HTML()
        self.counter.add_class("crp-epoch")
        self.losses = widgets.HTML()
        self.losses.add_class("crp-losses")
        self.message = widgets.HTML()
        self.message.add_class("crp-message")
        self.summary = widgets.HTML()
        self.summary.add_class("crp-summary")
        self.picture = widgets.Image(format="png")
        self.picture.add_class("crp-picture")
        self.gradient_colours = widgets.ToggleButton(description="colour = gradient")
        self.gradient_colours.add_class("crp-gradient-colours")
        self.selector = widgets.Select(options=["(none)", *core.names()], rows=10,
                                       description="inspect", layout=widgets.Layout(width="330px"))
        self.selector.add_class("crp-inspect")
        self.inspection = widgets.HTML()
        self.inspection.add_class("crp-inspection")

        for w, key in ((self.dataset, "dataset"), (self.noise, "noise"),
                       (self.test_size, "test_size"), (self.hidden, "hidden"),
                       (self.activation, "activation"), (self.optimizer, "optimizer"),
                       (self.lr, "lr"), (self.batch_size, "batch_size"), (self.l1, "l1"),
                       (self.l2, "l2")):
            w.observe(self._setter(key), names="value")
        self.add_layer.on_click(lambda _: self._resize(layers=+1))
        self.remove_layer.on_click(lambda _: self._resize(layers=-1))
        self.add_neuron.on_click(lambda _: self._resize(neurons=+1))
        self.remove_neuron.on_click(lambda _: self._resize(neurons=-1))
        self.play_button.observe(lambda change: self.play() if change["new"] else self.pause(),
                                 names="value")
        self.step_button.on_click(lambda _: self._one_step())
        self.reset_button.on_click(lambda _: self._reset())
        self.gradient_colours.observe(lambda _: self.refresh(), names="value")
        self.selector.observe(lambda _: self.refresh(), names="value")

        controls = widgets.VBox([
            self.dataset, self.noise, self.test_size, self.hidden,
            widgets.HBox([self.add_layer, self.remove_layer]),
            widgets.HBox([self.add_neuron, self.remove_neuron]),
            self.activation, self.optimizer, self.lr, self.batch_size, self.l1, self.l2])
        buttons = widgets.HBox([self.play_button, self.step_button, self.reset_button,
                                self.counter, self.losses])
        inspector = widgets.HBox([widgets.VBox([self.selector, self.gradient_colours]),
                                  self.inspection])
        super().__init__([buttons, self.summary, self.message,
                          widgets.HBox([controls, self.picture]),
                          inspector])
        self.refresh()

    # -- what the controls do -----------------------------------------------------------
    def _setter(self, key: str):
        def on_change(change):
            try:
                self.playground.set(**{key: change["new"]})
            except (TypeError, ValueError) as error:
                self.message.value = f"<b style='color:#b00'>{error}</b>"
                return
            self.message.value = ""
            self._sync_names()
            self.refresh()
        return on_change

    def _resize(self, layers: int = 0, neurons: int = 0) -> None:
        hidden = list(self.playground.settings["hidden"])
        if layers > 0:
            hidden.append(hidden[-1] if hidden else 4)
        elif layers < 0 and hidden:
            hidden.pop()
        elif neurons and hidden:
            hidden[-1] = min(max(1, hidden[-1] + neurons), MAX_NEURONS)
        self.hidden.value = ", ".join(str(h) for h in hidden)   # observed: sets the playground

    def _sync_names(self) -> None:
        names = ["(none)", *self.playground.names()]
        if list(self.selector.options) != names:
            current = self.selector.value
            self.selector.options = names
            self.selector.value = current if current in names else "(none)"

    def _one_step(self) -> None:
        self.playground.step()
        self.refresh()

    def _reset(self) -> None:
        self.pause()
        self.playground.reset()
        self.refresh()

    def play(self) -> None:
        """Train in a background thread, redrawing every ``refresh_seconds``."""
        if self.thread is not None and self.thread.is_alive():
            return
        self.running.set()
        self.play_button.description, self.play_button.icon = "pause", "pause"
        self.thread = threading.Thread(target=self._train, daemon=True)
        self.thread.start()

    def pause(self) -> None:
        """Stop the background training after the epoch under way."""
        self.running.clear()
        if self.play_button.value:
            self.play_button.value = False
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout=5)

    def _train(self) -> None:
        core = self.playground
        while self.running.is_set():
            deadline = time.monotonic() + self.refresh_seconds
            while time.monotonic() < deadline and self.running.is_set():
                core.step()
                if core.diverged:
                    self.running.clear()
                    break
            try:
                self.refresh()
            except Exception as error:   # a drawing error must not kill training silently
                self.message.value = f"<b style='color:#b00'>{error}</b>"
                self.running.clear()
        self.play_button.value = False
        self.play_button.description, self.play_button.icon = "play", "play"   # last: it is done

    # -- drawing ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw the pictures and texts from the playground's state now."""
        core = self.playground
        selected = self.selector.value if self.selector.value != "(none)" else None
        self.picture.value = core.png(show_gradients=self.gradient_colours.value,
                                      selected=selected)
        # the losses before the counter: the browser applies the updates in order, so an
        # epoch it shows never comes with the losses of an earlier one
        self.losses.value = (f"train loss {core.train_loss:.4f} &nbsp; "
                             f"test loss {core.test_loss:.4f}")
        self.summary.value = f"<small>{_escape(core.describe())}</small>"
        self.counter.value = f"<b>epoch {core.epoch}</b>"
        if core.diverged:
            self.message.value = f"<b style='color:#b00'>{core.diverged}</b>"
        if selected is None:
            self.inspection.value = "<i>choose a neuron (its bias b) or a weight w to see why " \
                                    "its gradient is what it is</i>"
        else:
            found = core.inspect(selected)
            self.inspection.value = (
                f"<pre style='max-height:320px;overflow:auto;font-size:11px'>"
                f"<b class='crp-gradient'>gradient dL/d{found.name} = {found.gradient:.6g}</b>"
                f"\n\n{_escape(found.chain_rule)}\n\n{_escape(found.step)}</pre>")

    def __repr__(self) -> str:   # not every trait: the picture's bytes are one of them
        return (f"playground({self.playground.describe()}; epoch {self.playground.epoch}) "
                "-- a live widget: run the notebook to play")

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["image/png"] = base64.b64encode(self.playground.png()).decode("ascii")
        return bundle


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def playground(refresh_seconds: float = 0.4, **settings: Any) -> PlaygroundWidget:
    """The playground as a widget, for a notebook cell: ``playground(dataset='xor')``.

    The settings are ``Playground``'s (see ``DEFAULTS``); ``.playground`` is the
    core it drives; while it plays, the pictures are redrawn every
    ``refresh_seconds``.

    >>> w = playground(dataset='circles', hidden=[3])
    >>> w.playground.settings['hidden'], 'image/png' in w._repr_mimebundle_()
    ((3,), True)
    """
    return PlaygroundWidget(Playground(**settings), refresh_seconds=refresh_seconds)
