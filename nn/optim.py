"""Optimizers (SGD, Adagrad, RMSprop, Adam, AdamW) and learning-rate schedules.

An optimizer owns a list of parameters (Values).  After ``loss.backward()`` has
filled in every ``p.grad``, ``step()`` moves each ``p.data`` a little downhill, and
``zero_grad()`` clears the gradients for the next batch -- the same three-line loop
as in PyTorch::

    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()

The key idea is that every optimizer is plain float arithmetic on ``p.data`` and
``p.grad``: the update is not part of the graph.  Each ``_update`` method below is
the update rule for one parameter, written to match PyTorch's documented algorithm
(same defaults, same order of operations), so ``step()`` here and in PyTorch give
the same numbers.  The per-parameter memory (momentum, running averages) lives in
``optimizer.state`` under PyTorch's names, one float per parameter, and
``state_dict()`` / ``load_state_dict()`` save and restore it as plain JSON-able data.

Each optimizer also writes its rule once more over numpy arrays (``_update_arrays``):
``array_step(values, grads)`` moves every parameter at once, for training by tape
replay (``fit(..., replay=True)``), where the parameters live in one array.  The
two rules do the same float operations in the same order, and the tests check
that they give the same numbers.

A step is all or nothing: if an update would make a weight or a buffer inf or
NaN (a learning rate far too large), the step raises before anything changes.

>>> from autograd import Value
>>> x = Value(3.0)
>>> opt = SGD([x], lr=0.1)
>>> for _ in range(2):
...     opt.zero_grad()
...     (x ** 2).backward()    # d/dx x^2 = 2x
...     opt.step()
>>> round(x.data, 6)           # 3 * (1 - 0.2)^2
1.92
"""
from __future__ import annotations

import math
import numbers
from typing import Callable, Iterable, Mapping, Optional

import numpy as np

from autograd import Value, enable_grad
from autograd.value import numbers_of, set_data
from autograd.backward import last_backward
from autograd.language import say
from autograd.learner_warnings import warn
from nn.arguments import as_count
from nn.converters import converter

# The forgotten-zero_grad() warning in Korean, by its English template (autograd/language.py).
KOREAN = {
    " and {n} more": " 외 {n}개",
    "{optimizer}.step(): the gradients of {hit} of {total} parameters ({named}{more}) were added up "
    "over more than one backward() call: the last backward() added to gradients that were not 0, "
    "so this step moves by their sum. Call optimizer.zero_grad() before each loss.backward(). If "
    "you add up gradients on purpose (several small batches per step), set "
    "optimizer.warn_accumulated_grads = False or "
    "warnings.filterwarnings('ignore', category=autograd.ChainruleWarning).":
        "{optimizer}.step(): 파라미터 {total}개 중 {hit}개({named}{more})의 기울기가 backward() "
        "호출 여러 번에 걸쳐 더해졌습니다: 마지막 backward()가 0이 아닌 기울기에 더했으므로, 이번 "
        "단계는 그 합만큼 움직입니다. loss.backward()마다 그 전에 optimizer.zero_grad()를 "
        "호출하세요. 일부러 기울기를 더하는 것이라면(한 단계에 작은 배치 여러 개), "
        "optimizer.warn_accumulated_grads = False 또는 "
        "warnings.filterwarnings('ignore', category=autograd.ChainruleWarning)로 설정하세요.",
}

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW",
           "LRScheduler", "StepLR", "ExponentialLR"]


def _parameter_list(params, where: str) -> list[Value]:
    if hasattr(params, "parameters") and callable(params.parameters):
        raise TypeError(f"{where}: got a {type(params).__name__}; pass its parameters: "
                        f"{where}(model.parameters(), ...)")
    if isinstance(params, Value):
        raise TypeError(f"{where}: params must be a list of Values, got a single Value; "
                        f"wrap it in a list: {where}([x], ...)")
    try:
        params = list(params)
    except TypeError:
        raise TypeError(f"{where}: params must be an iterable of Values, "
                        f"got {type(params).__name__} {params!r}") from None
    if not params:
        raise ValueError(f"{where}: got an empty parameter list; pass model.parameters() "
                         "(does the model have any parameters?)")
    seen = {}
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"{where}: params[{i}] is {type(p).__name__} {p!r}, not a Value")
        if p in seen:
            raise ValueError(f"{where}: parameter {p!r} appears twice (params[{seen[p]}] and "
                             f"params[{i}]); it would be updated twice per step")
        seen[p] = i
    return params


def _check(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise ValueError(f"{where}: {message}")


def _check_setting(where: str, name: str, value, minimum: float = 0.0,
                   below: float | None = None) -> None:
    """A numeric setting must be a finite real number in its range.

    inf passes ``value >= 0``, and one step with it writes inf or NaN into every
    weight, so finiteness is checked with the range.
    """
    ok = (isinstance(value, numbers.Real) and not isinstance(value, bool)
          and math.isfinite(value) and value >= minimum and (below is None or value < below))
    if not ok:
        wanted = (f" in [{minimum:g}, {below:g})" if below is not None
                  else f" >= {minimum:g}" if math.isfinite(minimum) else "")
        raise ValueError(f"{where}: invalid {name}={value!r} (must be a finite number{wanted})")


def _first_non_finite(values) -> int | None:
    """The index of the first inf or NaN in a list or an array of floats, or None."""
    if isinstance(values, np.ndarray):
        finite = np.isfinite(values)
        return None if finite.all() else int(np.argmin(finite))
    if all(map(math.isfinite, values)):
        return None
    return next(i for i, v in enumerate(values) if not math.isfinite(v))


class Optimizer:
    """The shared machinery: parameters, ``lr``, ``zero_grad``, ``step``, state saving.

    A subclass names its hyperparameters (``hyperparameters``) and its per-parameter
    buffers (``buffers``, PyTorch's state names), checks its settings in ``_validate``
    and writes the update of one parameter in ``_update(i, x, g)``, which returns the
    parameter's new value.
    """

    hyperparameters: tuple[str, ...] = ("lr",)
    # step() warns when the latest backward() added to gradients zero_grad() had not
    # cleared; set False to add up several backward() calls per step on purpose.
    warn_accumulated_grads = True
    buffers: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Value], **settings):
        self.params = _parameter_list(params, type(self).__name__)
        for name, value in settings.items():
            setattr(self, name, value)
        self._validate()
        self.step_count = 0  # steps taken so far (PyTorch keeps it as state['step'])
        self.state = {name: [self._initial_buffer_value(name)] * len(self.params)
                      for name in self.buffers}

    @property
    def state(self) -> dict[str, list[float]]:
        """The per-parameter buffers, by PyTorch's names: ``state[name][i]`` is ``params[i]``'s.

        >>> SGD([Value(1.0), Value(2.0)], lr=0.1, momentum=0.9).state
        {'momentum_buffer': [0.0, 0.0]}
        """
        if self._buffer_arrays is not None:
            # array_step() ran last: its arrays are the current buffers.  They become
            # lists again only when someone looks, so replayed steps never convert.
            self._state = {name: values.tolist() for name, values in self._buffer_arrays.items()}
            self._buffer_arrays = None
        return self._state

    @state.setter
    def state(self, buffers: dict[str, list[float]]) -> None:
        self._state, self._buffer_arrays = buffers, None

    # -- settings ----------------------------------------------------------------
    @property
    def lr(self) -> float:
        """The learning rate (schedulers change it between steps)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        if (isinstance(value, bool) or not isinstance(value, numbers.Real)
                or not math.isfinite(value) or not value >= 0.0):
            raise ValueError(f"{type(self).__name__}: invalid learning rate lr={value!r} "
                             "(must be a finite number >= 0)")
        self._lr = float(value)

    def _validate(self) -> None:
        """Raise ValueError for settings PyTorch would reject (negative eps, ...)."""

    def _initial_buffer_value(self, name: str) -> float:
        return 0.0

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.hyperparameters)
        n = len(self.params)
        return f"{type(self).__name__}({n} parameter{'s' * (n != 1)}, {settings})"

    # -- the loop ----------------------------------------------------------------
    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (gradients add up across backward calls)."""
        for p in self.params:
            p.grad = 0.0
        # Whatever the latest backward() added up is cleared now: step() no longer warns of it.
        record = last_backward()
        self._zeroed_after = record.accumulated if record is not None else ()

    def step(self, closure: Optional[Callable[[], Value]] = None):
        """Update every parameter from its ``grad``; returns ``closure()`` if one is given.

        As in PyTorch, ``closure`` (optional) recomputes the loss and calls
        ``backward()``; it runs before the update.  A gradient that is not finite,
        or an update that would make a weight or a buffer inf or NaN, raises
        FloatingPointError and leaves every parameter and buffer as it was.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for i, p in enumerate(self.params):
            # Checked before anything moves, so a bad gradient leaves the model unchanged.
            if not math.isfinite(p.grad):
                raise FloatingPointError(
                    f"{type(self).__name__}.step: parameter {i}{self._label(i)} has gradient "
                    f"{p.grad!r}; the loss overflowed or was NaN -- try a smaller learning rate")
        if self.warn_accumulated_grads:
            self._warn_if_accumulated()
        # _update writes the buffers in place, so keep a copy to put back if the step is refused.
        previous = {name: list(values) for name, values in self.state.items()}
        self.step_count += 1
        values = numbers_of(self.params)
        new_values = [self._update(i, x, p.grad) for i, (x, p) in enumerate(zip(values, self.params))]
        problem = self._non_finite(new_values, self.state)
        if problem is not None:
            self.step_count -= 1
            self.state = previous
            i, what = problem
            raise self._overflow(what, self.params[i].data, self.params[i].grad)
        set_data(self.params, new_values, f"{type(self).__name__}.step")  # one change of them all
        return loss

    def array_step(self, values: np.ndarray, grads: np.ndarray) -> np.ndarray:
        """The update of ``step()`` on arrays: ``values[i]``, ``grads[i]`` belong to ``params[i]``.

        Returns the new values and changes no Value: the caller (training by tape
        replay) keeps the parameters in an array and writes them back itself.  The
        buffers, the step count and the checks are those of ``step()``, which
        gives the same numbers.

        >>> x = Value(1.0)
        >>> SGD([x], lr=0.1).array_step(np.array([1.0]), np.array([0.5])).tolist(), x.data
        ([0.95], 1.0)
        """
        where = f"{type(self).__name__}.array_step"
        values, grads = np.asarray(values, dtype=float), np.asarray(grads, dtype=float)
        if values.shape != (len(self.params),) or grads.shape != values.shape:
            raise ValueError(f"{where}: expected values and grads of shape ({len(self.params)},), "
                             f"one per parameter, got {values.shape} and {grads.shape}")
        bad = _first_non_finite(grads)
        if bad is not None:
            raise FloatingPointError(
                f"{where}: parameter {bad}{self._label(bad)} has gradient {float(grads[bad])!r}; "
                "the loss overflowed or was NaN -- try a smaller learning rate")
        if self._buffer_arrays is None:
            self._buffer_arrays = {name: np.array(values, dtype=float)
                                   for name, values in self._state.items()}
        # _update_arrays assigns new arrays and never writes into these, so a refused
        # step leaves the current buffers as they are.
        buffers = dict(self._buffer_arrays)
        self.step_count += 1
        new_values = self._update_arrays(values, grads, buffers)
        problem = self._non_finite(new_values, buffers)
        if problem is not None:
            self.step_count -= 1
            i, what = problem
            raise self._overflow(what, float(values[i]), float(grads[i]))
        self._buffer_arrays = buffers
        return new_values

    def _label(self, i: int) -> str:
        label = self.params[i].label
        return f" ({label})" if label else ""

    def _non_finite(self, new_values, buffers: Mapping) -> tuple[int, str] | None:
        """(index, what) for the first new value or buffer entry that is inf or NaN, or None."""
        bad = _first_non_finite(new_values)
        if bad is not None:
            return bad, f"parameter {bad}{self._label(bad)} {float(new_values[bad])!r}"
        for name, buffer in buffers.items():
            bad = _first_non_finite(buffer)
            if bad is not None:
                label = self._label(bad)
                return bad, f"the {name} of parameter {bad}{label} {float(buffer[bad])!r}"
        return None

    def _overflow(self, what: str, value: float, grad: float) -> FloatingPointError:
        return FloatingPointError(
            f"{type(self).__name__}.step: this step would make {what} (its value is {value!r}, "
            f"its gradient {grad!r}); nothing was changed. The update overflowed: try a smaller "
            f"learning rate (lr={self.lr!r})")

    def _update(self, i: int, x: float, g: float) -> float:
        raise NotImplementedError

    def _update_arrays(self, x: np.ndarray, g: np.ndarray, buffers: dict) -> np.ndarray:
        """``_update`` over arrays of every parameter; assigns new arrays to ``buffers``."""
        raise NotImplementedError(f"{type(self).__name__} has no array rule (_update_arrays), "
                                  "so it cannot train by replay; use step()")

    def _warn_if_accumulated(self) -> None:
        """Warn when the latest backward() added to parameter gradients that were not 0.

        ``backward()`` records (it needs them anyway) the leaves whose ``grad`` was
        not 0 when it started: the gradients it added to.  If some of them are this
        optimizer's parameters and still hold that sum, the step about to be taken
        uses gradients summed over several backward() calls -- usually a forgotten
        ``zero_grad()``.  Unlike counting backward() calls, this sees only what
        happened to these parameters: ``model.zero_grad()``, ``p.grad = 0`` and a
        backward() through another graph never trigger it.

        >>> import warnings
        >>> w = Value(1.0, label='w'); opt = SGD([w], lr=0.1)
        >>> (w * 3).backward(); (w * 3).backward()          # no zero_grad() in between
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter('always')
        ...     opt._warn_if_accumulated()
        >>> 'zero_grad()' in str(caught[0].message)
        True
        >>> opt.zero_grad(); (w * 3).backward(); (w * 3).backward(); opt.zero_grad()
        >>> opt._warn_if_accumulated()                      # cleared: nothing to say
        """
        record = last_backward()
        zeroed = getattr(self, "_zeroed_after", None)
        if record is None or not record.accumulated or record.accumulated is zeroed:
            return
        params = set(self.params)
        hit = [leaf for leaf, _ in record.accumulated if leaf in params and leaf.grad != 0.0]
        if not hit:
            return
        named = [p.label or f"params[{self.params.index(p)}]" for p in hit[:3]]
        more = say(" and {n} more", KOREAN, n=len(hit) - 3) if len(hit) > 3 else ""
        warn(say("{optimizer}.step(): the gradients of {hit} of {total} parameters ({named}{more}) "
                 "were added up over more than one backward() call: the last backward() added to "
                 "gradients that were not 0, so this step moves by their sum. Call "
                 "optimizer.zero_grad() before each loss.backward(). If you add up gradients on "
                 "purpose (several small batches per step), set "
                 "optimizer.warn_accumulated_grads = False or "
                 "warnings.filterwarnings('ignore', category=autograd.ChainruleWarning).", KOREAN,
                 optimizer=type(self).__name__, hit=len(hit), total=len(self.params),
                 named=", ".join(named), more=more))

    # -- saving ------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Settings, step count and buffers as plain numbers and lists (JSON-able).

        ``state[name][i]`` belongs to ``params[i]``; the buffer names are PyTorch's
        (``momentum_buffer``, ``exp_avg``, ``exp_avg_sq``, ...).
        """
        settings = {}
        for name in self.hyperparameters:
            value = getattr(self, name)
            settings[name] = list(value) if isinstance(value, tuple) else value
        return {"optimizer": type(self).__name__, "hyperparameters": settings,
                "step": self.step_count, "state": {k: list(v) for k, v in self.state.items()}}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what :meth:`state_dict` returned (for an optimizer over as many params).

        All or nothing: every entry is checked before anything is set, so a bad
        one (``betas=(2.0, 0.999)``, a buffer of the wrong length) raises and
        leaves the optimizer exactly as it was.

        >>> opt = Adam([Value(1.0)], lr=0.1)
        >>> bad = Adam([Value(1.0)], lr=0.5).state_dict()
        >>> bad['hyperparameters']['betas'] = [2.0, 0.9]
        >>> opt.load_state_dict(bad)
        Traceback (most recent call last):
        ...
        ValueError: Adam: invalid beta parameter at index 0: 2.0 (must be in [0, 1))
        >>> opt.lr, opt.betas
        (0.1, (0.9, 0.999))
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{where}: expected the dict that state_dict() returns, "
                            f"got {type(state_dict).__name__}")
        kind = state_dict.get("optimizer")
        if kind != type(self).__name__:
            raise ValueError(f"{where}: this state belongs to a {kind!r} optimizer")
        for key in ("hyperparameters", "step", "state"):
            if key not in state_dict:
                raise ValueError(f"{where}: the state has no {key!r} entry")
        settings, step, saved = (state_dict["hyperparameters"], state_dict["step"],
                                 state_dict["state"])
        if not isinstance(settings, Mapping) or not isinstance(saved, Mapping):
            raise ValueError(f"{where}: 'hyperparameters' and 'state' must be dicts")
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
            raise ValueError(f"{where}: 'step' must be a whole number >= 0, got {step!r}")
        buffers = {}
        for name in self.buffers:
            values = saved.get(name)
            if values is None:
                raise ValueError(f"{where}: the state has no buffer {name!r}")
            if len(values) != len(self.params):
                raise ValueError(f"{where}: buffer {name!r} has {len(values)} values but the "
                                 f"optimizer has {len(self.params)} parameters")
            for i, v in enumerate(values):
                # type() first: this runs once per parameter, and nearly every entry is a float
                number = type(v) is float or (isinstance(v, numbers.Real)
                                              and not isinstance(v, bool))
                if not number or not math.isfinite(v):
                    raise ValueError(f"{where}: buffer {name!r} holds {v!r} for parameter {i}; "
                                     "every entry must be a finite number")
            buffers[name] = [float(v) for v in values]
        for name in settings:
            if name not in self.hyperparameters:
                raise ValueError(f"{where}: unknown setting {name!r}")
        # The settings are checked by setting them (the rules live in _validate and the
        # lr setter); if one is refused, every one is put back.
        previous = {name: getattr(self, name) for name in self.hyperparameters}
        try:
            for name, value in settings.items():
                setattr(self, name, tuple(value) if isinstance(value, list) else value)
            self._validate()
        except (TypeError, ValueError):
            for name, value in previous.items():
                setattr(self, name, value)
            raise
        self.step_count = int(step)
        self.state = buffers

    def to_torch(self, torch_params: Iterable) -> "torch.optim.Optimizer":
        """The same optimizer in PyTorch (same settings and buffers) over ``torch_params``.

        >>> import nn
        >>> model = nn.MLP(2, [3, 1], seed=0)
        >>> SGD(model.parameters(), lr=0.1).to_torch(model.to_torch().parameters()).defaults['lr']
        0.1
        """
        return converter("optimizer_to_torch", "to_torch")(self, torch_params)   # see nn.converters


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum, Nesterov and weight decay.

    For each parameter x with gradient g (PyTorch's rule):
    g += weight_decay * x; with momentum, b = g on the first step and
    b = momentum * b + (1 - dampening) * g after, then g = g + momentum * b (Nesterov)
    or g = b; finally x -= lr * g.

    >>> from autograd import Value
    >>> x = Value(1.0); x.grad = 0.5
    >>> SGD([x], lr=0.1).step(); x.data
    0.95
    """

    hyperparameters = ("lr", "momentum", "dampening", "nesterov", "weight_decay")
    buffers = ("momentum_buffer",)

    def __init__(self, params: Iterable[Value], lr: float = 0.001, momentum: float = 0.0,
                 dampening: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0):
        super().__init__(params, lr=lr, momentum=momentum, dampening=dampening,
                         nesterov=nesterov, weight_decay=weight_decay)

    def _validate(self) -> None:
        where = "SGD"
        _check_setting(where, "momentum", self.momentum)
        _check_setting(where, "dampening", self.dampening, minimum=-math.inf)
        _check_setting(where, "weight_decay", self.weight_decay)
        _check(not self.nesterov or (self.momentum > 0.0 and self.dampening == 0.0), where,
               "nesterov=True needs momentum > 0 and dampening = 0")

    def _update(self, i: int, x: float, g: float) -> float:
        if self.weight_decay:
            g = g + self.weight_decay * x
        if self.momentum:
            b = self.state["momentum_buffer"]
            b[i] = g if self.step_count == 1 else self.momentum * b[i] + (1.0 - self.dampening) * g
            g = g + self.momentum * b[i] if self.nesterov else b[i]
        return x - self.lr * g

    def _update_arrays(self, x: np.ndarray, g: np.ndarray, buffers: dict) -> np.ndarray:
        if self.weight_decay:
            g = g + self.weight_decay * x
        if self.momentum:
            b = buffers["momentum_buffer"]
            # a copy on the first step, as PyTorch clones the gradient: the buffer must
            # not share the caller's array
            b = g.copy() if self.step_count == 1 else self.momentum * b + (1.0 - self.dampening) * g
            buffers["momentum_buffer"] = b
            g = g + self.momentum * b if self.nesterov else b
        return x - self.lr * g


class Adagrad(Optimizer):
    """Adagrad: each parameter's step is divided by the root of its summed squared gradients.

    clr = lr / (1 + (t - 1) * lr_decay); sum += g²; x -= clr * g / (sqrt(sum) + eps),
    with g += weight_decay * x first.  Parameters that have seen large gradients take
    smaller steps from then on.

    >>> from autograd import Value
    >>> x = Value(1.0); x.grad = 4.0
    >>> Adagrad([x], lr=0.5).step(); round(x.data, 6)   # 1 - 0.5 * 4 / 4
    0.5
    """

    hyperparameters = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")
    buffers = ("sum",)

    def __init__(self, params: Iterable[Value], lr: float = 0.01, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10):
        super().__init__(params, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value, eps=eps)

    def _validate(self) -> None:
        where = "Adagrad"
        _check_setting(where, "lr_decay", self.lr_decay)
        _check_setting(where, "weight_decay", self.weight_decay)
        _check_setting(where, "initial_accumulator_value", self.initial_accumulator_value)
        _check_setting(where, "eps", self.eps)

    def _initial_buffer_value(self, name: str) -> float:
        return float(self.initial_accumulator_value)

    def _update(self, i: int, x: float, g: float) -> float:
        if self.weight_decay:
            g = g + self.weight_decay * x
        clr = self.lr / (1.0 + (self.step_count - 1) * self.lr_decay)
        s = self.state["sum"]
        s[i] += g * g
        return x - clr * (g / (math.sqrt(s[i]) + self.eps))

    def _update_arrays(self, x: np.ndarray, g: np.ndarray, buffers: dict) -> np.ndarray:
        if self.weight_decay:
            g = g + self.weight_decay * x
        clr = self.lr / (1.0 + (self.step_count - 1) * self.lr_decay)
        s = buffers["sum"] = buffers["sum"] + g * g
        return x - clr * (g / (np.sqrt(s) + self.eps))


class RMSprop(Optimizer):
    """RMSprop: divide each step by a running root-mean-square of recent gradients.

    v = alpha * v + (1 - alpha) * g²; centered also tracks the mean gradient
    m = alpha * m + (1 - alpha) * g and uses v - m² (a variance) instead of v.
    denom = sqrt(...) + eps; with momentum, b = momentum * b + g / denom and x -= lr * b,
    otherwise x -= lr * g / denom.

    >>> from autograd import Value
    >>> x = Value(1.0); x.grad = 2.0
    >>> RMSprop([x], lr=0.01, alpha=0.0).step(); round(x.data, 6)   # 1 - 0.01 * 2 / 2
    0.99
    """

    hyperparameters = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")
    buffers = ("square_avg", "momentum_buffer", "grad_avg")

    def __init__(self, params: Iterable[Value], lr: float = 0.01, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False):
        super().__init__(params, lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                         momentum=momentum, centered=centered)

    def _validate(self) -> None:
        where = "RMSprop"
        _check_setting(where, "alpha", self.alpha)
        _check_setting(where, "eps", self.eps)
        _check_setting(where, "momentum", self.momentum)
        _check_setting(where, "weight_decay", self.weight_decay)

    def _update(self, i: int, x: float, g: float) -> float:
        if self.weight_decay:
            g = g + self.weight_decay * x
        v = self.state["square_avg"]
        v[i] = self.alpha * v[i] + (1.0 - self.alpha) * g * g
        if self.centered:
            m = self.state["grad_avg"]
            m[i] = self.alpha * m[i] + (1.0 - self.alpha) * g
            # v - m² is a variance, never negative in exact arithmetic; max() stops a
            # rounding error of -1e-20 from becoming sqrt of a negative number.
            denom = math.sqrt(max(v[i] - m[i] * m[i], 0.0)) + self.eps
        else:
            denom = math.sqrt(v[i]) + self.eps
        if self.momentum > 0.0:
            b = self.state["momentum_buffer"]
            b[i] = self.momentum * b[i] + g / denom
            return x - self.lr * b[i]
        return x - self.lr * (g / denom)

    def _update_arrays(self, x: np.ndarray, g: np.ndarray, buffers: dict) -> np.ndarray:
        if self.weight_decay:
            g = g + self.weight_decay * x
        v = buffers["square_avg"] = self.alpha * buffers["square_avg"] + (1.0 - self.alpha) * g * g
        if self.centered:
            m = buffers["grad_avg"] = self.alpha * buffers["grad_avg"] + (1.0 - self.alpha) * g
            denom = np.sqrt(np.maximum(v - m * m, 0.0)) + self.eps
        else:
            denom = np.sqrt(v) + self.eps
        if self.momentum > 0.0:
            b = buffers["momentum_buffer"] = self.momentum * buffers["momentum_buffer"] + g / denom
            return x - self.lr * b
        return x - self.lr * (g / denom)


class Adam(Optimizer):
    """Adam: momentum (first moment m) and RMSprop (second moment v), bias-corrected.

    m = b1 * m + (1 - b1) * g;  v = b2 * v + (1 - b2) * g²;
    x -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
    The corrections undo the pull toward 0 of averages that start at 0.  With
    ``amsgrad=True`` the running maximum of v is used instead of v.

    >>> from autograd import Value
    >>> x = Value(1.0); x.grad = 123.0
    >>> Adam([x], lr=0.1).step(); round(x.data, 6)   # the first step is about lr, whatever g is
    0.9
    """

    hyperparameters = ("lr", "betas", "eps", "weight_decay", "amsgrad")
    buffers = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    decoupled_weight_decay = False

    def __init__(self, params: Iterable[Value], lr: float = 0.001,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False):
        super().__init__(params, lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad)

    def _validate(self) -> None:
        where = type(self).__name__
        _check(len(self.betas) == 2, where,
               f"betas must be a pair (beta1, beta2), got {self.betas!r}")
        for k, beta in enumerate(self.betas):
            _check(isinstance(beta, numbers.Real) and not isinstance(beta, bool)
                   and 0.0 <= beta < 1.0, where,
                   f"invalid beta parameter at index {k}: {beta!r} (must be in [0, 1))")
        _check_setting(where, "eps", self.eps)
        _check_setting(where, "weight_decay", self.weight_decay)

    def _update(self, i: int, x: float, g: float) -> float:
        beta1, beta2 = self.betas
        if self.weight_decay:
            if self.decoupled_weight_decay:   # AdamW: shrink the weight itself
                x = x * (1.0 - self.lr * self.weight_decay)
            else:                             # Adam: L2 penalty added to the gradient
                g = g + self.weight_decay * x
        m, v = self.state["exp_avg"], self.state["exp_avg_sq"]
        m[i] = beta1 * m[i] + (1.0 - beta1) * g
        v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
        t = self.step_count
        step_size = self.lr / (1.0 - beta1 ** t)
        second_moment = v[i]
        if self.amsgrad:
            v_max = self.state["max_exp_avg_sq"]
            v_max[i] = max(v_max[i], v[i])
            second_moment = v_max[i]
        denom = math.sqrt(second_moment) / math.sqrt(1.0 - beta2 ** t) + self.eps
        return x - step_size * (m[i] / denom)

    def _update_arrays(self, x: np.ndarray, g: np.ndarray, buffers: dict) -> np.ndarray:
        beta1, beta2 = self.betas
        if self.weight_decay:
            if self.decoupled_weight_decay:
                x = x * (1.0 - self.lr * self.weight_decay)
            else:
                g = g + self.weight_decay * x
        m = buffers["exp_avg"] = beta1 * buffers["exp_avg"] + (1.0 - beta1) * g
        v = buffers["exp_avg_sq"] = beta2 * buffers["exp_avg_sq"] + (1.0 - beta2) * g * g
        t = self.step_count
        step_size = self.lr / (1.0 - beta1 ** t)
        second_moment = v
        if self.amsgrad:
            second_moment = buffers["max_exp_avg_sq"] = np.maximum(buffers["max_exp_avg_sq"], v)
        denom = np.sqrt(second_moment) / math.sqrt(1.0 - beta2 ** t) + self.eps
        return x - step_size * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay: x *= 1 - lr * weight_decay before the Adam step.

    Unlike Adam's ``weight_decay`` (an L2 term added to g, then rescaled by Adam), the
    decay here shrinks every weight by the same fraction.  Default weight_decay=0.01.

    >>> from autograd import Value
    >>> x = Value(1.0); x.grad = 0.0
    >>> AdamW([x], lr=0.1, weight_decay=0.5).step(); round(x.data, 6)   # 1 * (1 - 0.05)
    0.95
    """

    decoupled_weight_decay = True

    def __init__(self, params: Iterable[Value], lr: float = 0.001,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01, amsgrad: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad)


# ---------------------------------------------------------------------------
# Learning-rate schedules

class LRScheduler:
    """Changes ``optimizer.lr`` each time ``step()`` is called (once per epoch, usually).

    Like PyTorch's schedulers it is chainable: it multiplies the optimizer's current
    ``lr``, so a change made by hand in between is kept.
    """

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an optimizer, "
                            f"got {type(optimizer).__name__} {optimizer!r}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0

    def factor(self, epoch: int) -> float:
        """What to multiply lr by on reaching ``epoch``."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and update the optimizer's ``lr``."""
        self.last_epoch += 1
        self.optimizer.lr = self.optimizer.lr * self.factor(self.last_epoch)

    def get_last_lr(self) -> list[float]:
        """The current learning rate, in a list as in PyTorch (one entry per param group)."""
        return [self.optimizer.lr]

    def state_dict(self) -> dict:
        """The schedule's settings and position, as plain numbers."""
        return {k: v for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply lr by ``gamma`` every ``step_size`` epochs.

    >>> from autograd import Value
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> schedule = StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     schedule.step(); lrs.append(schedule.get_last_lr()[0])
    >>> lrs
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        step_size = as_count(step_size, "step_size", "StepLR")
        if not (isinstance(gamma, numbers.Real) and math.isfinite(gamma) and gamma > 0.0):
            raise ValueError(f"StepLR: gamma must be > 0 and finite, got {gamma!r}")
        super().__init__(optimizer)
        self.step_size, self.gamma = step_size, float(gamma)

    def factor(self, epoch: int) -> float:
        return self.gamma if epoch % self.step_size == 0 else 1.0


class ExponentialLR(LRScheduler):
    """Multiply lr by ``gamma`` every epoch: lr_t = lr_0 * gamma^t.

    >>> from autograd import Value
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> schedule = ExponentialLR(opt, gamma=0.5)
    >>> schedule.step(); schedule.step(); schedule.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float):
        if not (isinstance(gamma, numbers.Real) and math.isfinite(gamma) and gamma > 0.0):
            raise ValueError(f"ExponentialLR: gamma must be > 0 and finite, got {gamma!r}")
        super().__init__(optimizer)
        self.gamma = float(gamma)

    def factor(self, epoch: int) -> float:
        return self.gamma
