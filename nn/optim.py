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
NaN (a learning rate far too large), or fails in any other way, the step raises
and the weights, the buffers and the step count are as they were.  Settings are
checked where they are given, in the constructor and in ``load_state_dict``
alike: a switch (``nesterov``, ``amsgrad``, ``centered``) is True or False, and
``eps`` is > 0.

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
from nn.arguments import as_count, as_flag, brief
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


def _finite_float(value) -> float | None:
    """``value`` as a float if it is a finite real number (not a bool), else None.

    An int beyond 1.8e308 is None too: ``math.isfinite(10**400)`` would raise
    OverflowError, which is not the error a learner should see.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        number = float(value)
    except (OverflowError, TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _check_setting(where: str, name: str, value, minimum: float = 0.0, strict: bool = False,
                   maximum: float | None = None, why: str = ""):
    """A numeric setting must be a finite real number in its range; returns it.

    inf passes ``value >= 0``, and one step with it writes inf or NaN into every
    weight, so finiteness is checked with the range.  An int or a float is returned
    as it is (``weight_decay=0`` stays 0); another real number (numpy's, a Fraction)
    as a float, so that ``state_dict()`` stays plain JSON.  ``strict`` asks for
    ``value > minimum``; ``why`` is added to the message.

    >>> _check_setting('SGD', 'momentum', 0.9)
    0.9
    >>> _check_setting('SGD', 'momentum', '0.9')
    Traceback (most recent call last):
    ...
    ValueError: SGD: invalid momentum='0.9' (must be a finite number >= 0)
    """
    number = _finite_float(value)
    ok = (number is not None and (number > minimum if strict else number >= minimum)
          and (maximum is None or number <= maximum))
    if not ok:
        sign = ">" if strict else ">="
        wanted = (f" in [{minimum:g}, {maximum:g}]" if maximum is not None
                  else f" {sign} {minimum:g}" if math.isfinite(minimum) else "")
        raise ValueError(f"{where}: invalid {name}={brief(value)} (must be a finite number{wanted}{why})")
    return value if type(value) in (int, float) else number


def _check_eps(where: str, value, division: str) -> float:
    """eps must be > 0: it is what keeps ``division`` away from 0 / 0."""
    return _check_setting(where, "eps", value, strict=True,
                          why=f": eps keeps the division {division} away from zero; with eps=0 "
                              "a zero gradient would divide 0 by 0")


#: The largest step count load_state_dict takes: 2**53, beyond which a float (the
#: bias corrections and Adagrad's decay compute with it) no longer counts by ones.
MAX_STEP = 2 ** 53


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
    buffers: tuple[str, ...] = ()
    # Buffers that hold averages or sums of squared gradients: never negative, and a
    # square root is taken of them, so load_state_dict refuses a negative entry.
    squared_buffers: tuple[str, ...] = ()
    _warn_accumulated_grads = True

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
        number = _finite_float(value)
        if number is None or not number >= 0.0:
            raise ValueError(f"{type(self).__name__}: invalid learning rate lr={brief(value)} "
                             "(must be a finite number >= 0)")
        self._lr = number

    @property
    def warn_accumulated_grads(self) -> bool:
        """Whether ``step()`` warns when the latest backward() added to gradients not cleared.

        Set it to False to add up several backward() calls per step on purpose.  Only
        True or False is taken: ``'no'`` is true to Python and would keep the warning.

        >>> opt = SGD([Value(1.0)], lr=0.1); opt.warn_accumulated_grads = False
        >>> opt.warn_accumulated_grads
        False
        """
        return self._warn_accumulated_grads

    @warn_accumulated_grads.setter
    def warn_accumulated_grads(self, value: bool) -> None:
        self._warn_accumulated_grads = as_flag(value, "warn_accumulated_grads", type(self).__name__)

    def _validate(self) -> None:
        """Check the settings (ValueError for a number out of range, TypeError for a switch
        that is not a bool) and store them as checked.

        The rules are PyTorch's, and stricter where PyTorch takes a setting that
        breaks the step (``eps=0``, RMSprop's ``alpha > 1``).  The constructor and
        ``load_state_dict`` both call it, so a saved state obeys the same rules.
        """

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
        FloatingPointError and leaves every parameter and buffer as it was; so does
        any arithmetic error inside the update (a square root of a negative buffer
        loaded by hand, say), and any other exception leaves them as they were too.

        >>> x = Value(1.0); x.grad = float('inf')
        >>> SGD([x], lr=0.1).step()
        Traceback (most recent call last):
        ...
        FloatingPointError: SGD.step: parameter 0 has gradient inf; the loss overflowed or was NaN -- try a smaller learning rate
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for i, p in enumerate(self.params):
            # Checked before anything moves, so a bad gradient leaves the model unchanged.
            g = p.grad
            if not (type(g) is float and math.isfinite(g)) and _finite_float(g) is None:
                raise self._bad_gradient(f"{type(self).__name__}.step", i, g)
        if self.warn_accumulated_grads:
            self._warn_if_accumulated()
        values = numbers_of(self.params)
        # _update writes the buffers in place, so keep a copy to put back if the step is refused.
        previous = {name: list(buffer) for name, buffer in self.state.items()}
        self.step_count += 1
        new_values, i = [], 0
        try:
            for i, (x, p) in enumerate(zip(values, self.params)):
                new_values.append(self._update(i, x, p.grad))
            problem = self._non_finite(new_values, self.state)
            if problem is None:
                set_data(self.params, new_values, f"{type(self).__name__}.step")  # one change of them all
        except BaseException as error:
            # Whatever went wrong half-way (ZeroDivisionError, a math domain error, Ctrl-C),
            # the parameters have not moved yet; put the count and the buffers back too.
            self.step_count -= 1
            self.state = previous
            if isinstance(error, (ArithmeticError, ValueError)) and len(new_values) == i:
                raise self._failed_update(f"{type(self).__name__}.step", error, i, values[i],
                                          self.params[i].grad) from error
            raise
        if problem is not None:
            self.step_count -= 1
            self.state = previous
            i, what = problem
            raise self._overflow(what, self.params[i].data, self.params[i].grad)
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
        arrays = []
        for name, given in (("values", values), ("grads", grads)):
            try:
                arrays.append(np.asarray(given, dtype=float))
            except (TypeError, ValueError, OverflowError) as error:
                raise TypeError(f"{where}: {name} must be an array of numbers, one per parameter, "
                                f"got {brief(given)} ({error})") from None
        values, grads = arrays
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
        try:
            new_values = self._update_arrays(values, grads, buffers)
        except BaseException as error:
            self.step_count -= 1    # the buffers were never touched: only the count moved
            if isinstance(error, ArithmeticError):   # numpy's errstate(all='raise'), say
                raise self._failed_update(where, error) from error
            raise
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

    def _bad_gradient(self, where: str, i: int, grad) -> Exception:
        """The error for a gradient that is not a finite number (set by hand, or an overflow)."""
        if isinstance(grad, bool) or not isinstance(grad, numbers.Real):
            return TypeError(f"{where}: parameter {i}{self._label(i)} has gradient {brief(grad)} "
                             f"({type(grad).__name__}), not a number; gradients are floats that "
                             "backward() fills in")
        if isinstance(grad, numbers.Integral):   # finite, but beyond 1.8e308
            return FloatingPointError(f"{where}: parameter {i}{self._label(i)} has gradient "
                                      f"{brief(grad)}, an int too large for a float")
        return FloatingPointError(
            f"{where}: parameter {i}{self._label(i)} has gradient {brief(grad)}; the loss "
            "overflowed or was NaN -- try a smaller learning rate")

    def _failed_update(self, where: str, error: BaseException, i: int | None = None,
                       value=None, grad=None) -> FloatingPointError:
        """The error for arithmetic that failed inside an update, which changed nothing."""
        which = ("" if i is None else f" of parameter {i}{self._label(i)} (its value is "
                 f"{value!r}, its gradient {grad!r})")
        what = ("divided by zero (is eps 0?)" if isinstance(error, ZeroDivisionError)
                else f"failed with {type(error).__name__}: {error}")
        return FloatingPointError(
            f"{where}: the update{which} {what}; nothing was "
            f"changed (parameters, step_count and buffers are as they were). The settings were "
            f"{self!r}; look for a buffer loaded by hand or a setting out of range")

    def _overflow(self, what: str, value: float, grad: float) -> FloatingPointError:
        return FloatingPointError(
            f"{type(self).__name__}.step: this step would make {what} (its value is {value!r}, "
            f"its gradient {grad!r}); nothing was changed. The update overflowed: try a smaller "
            f"learning rate (lr={self.lr!r})")

    def _update(self, i: int, x: float, g: float) -> float:
        raise NotImplementedError(f"{type(self).__name__} has no update rule (_update); use SGD, "
                                  "Adagrad, RMSprop, Adam or AdamW, or write _update in a subclass")

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
        one (``betas=(2.0, 0.999)``, ``nesterov='no'``, a buffer of the wrong
        length, a negative ``exp_avg_sq``) raises and leaves the optimizer exactly
        as it was.  The settings are checked by the rules of the constructor.

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
        if (isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0
                or step > MAX_STEP):
            raise ValueError(f"{where}: 'step' must be a whole number >= 0, got {brief(step)}"
                             + (f" (more than {MAX_STEP:,}, 2**53, the last count a float holds "
                                "exactly)" if isinstance(step, numbers.Integral) and step > MAX_STEP
                                else ""))
        for name in saved:
            if name not in self.buffers:
                raise ValueError(f"{where}: unknown buffer {brief(name)}; a {type(self).__name__} "
                                 f"keeps {', '.join(map(repr, self.buffers)) or 'no buffers'}")
        buffers = {}
        for name in self.buffers:
            values = saved.get(name)
            if values is None:
                raise ValueError(f"{where}: the state has no buffer {name!r}")
            if not isinstance(values, (list, tuple)):
                raise ValueError(f"{where}: buffer {name!r} must be a list of numbers, one per "
                                 f"parameter, got {type(values).__name__} {brief(values)}")
            if len(values) != len(self.params):
                raise ValueError(f"{where}: buffer {name!r} has {len(values)} values but the "
                                 f"optimizer has {len(self.params)} parameters")
            squared = name in self.squared_buffers
            for i, v in enumerate(values):
                # type() first: this runs once per parameter, and nearly every entry is a float
                if not (type(v) is float and math.isfinite(v)) and _finite_float(v) is None:
                    raise ValueError(f"{where}: buffer {name!r} holds {brief(v)} for parameter {i}; "
                                     "every entry must be a finite number")
                if squared and v < 0:
                    raise ValueError(f"{where}: buffer {name!r} holds {brief(v)} for parameter {i}; "
                                     "it adds up squared gradients, so it is never negative (the "
                                     "step takes its square root)")
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
        except BaseException:
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
    or g = b; finally x -= lr * g.  ``nesterov`` is True or False, nothing else
    (``'no'`` is true to Python and would switch it on).

    >>> from autograd import Value
    >>> x = Value(1.0); x.grad = 0.5
    >>> SGD([x], lr=0.1).step(); x.data
    0.95
    >>> SGD([x], lr=0.1, momentum=0.9, nesterov='no')
    Traceback (most recent call last):
    ...
    TypeError: SGD: nesterov must be True or False, got str 'no'
    """

    hyperparameters = ("lr", "momentum", "dampening", "nesterov", "weight_decay")
    buffers = ("momentum_buffer",)

    def __init__(self, params: Iterable[Value], lr: float = 0.001, momentum: float = 0.0,
                 dampening: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0):
        super().__init__(params, lr=lr, momentum=momentum, dampening=dampening,
                         nesterov=nesterov, weight_decay=weight_decay)

    def _validate(self) -> None:
        where = "SGD"
        self.nesterov = as_flag(self.nesterov, "nesterov", where)
        self.momentum = _check_setting(where, "momentum", self.momentum)
        self.dampening = _check_setting(where, "dampening", self.dampening, minimum=-math.inf)
        self.weight_decay = _check_setting(where, "weight_decay", self.weight_decay)
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
    smaller steps from then on.  ``eps`` must be > 0: PyTorch allows 0, but then a
    parameter whose gradients have all been 0 divides 0 by 0 and becomes NaN.

    >>> from autograd import Value
    >>> x = Value(1.0); x.grad = 4.0
    >>> Adagrad([x], lr=0.5).step(); round(x.data, 6)   # 1 - 0.5 * 4 / 4
    0.5
    """

    hyperparameters = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")
    buffers = ("sum",)
    squared_buffers = ("sum",)

    def __init__(self, params: Iterable[Value], lr: float = 0.01, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10):
        super().__init__(params, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value, eps=eps)

    def _validate(self) -> None:
        where = "Adagrad"
        self.lr_decay = _check_setting(where, "lr_decay", self.lr_decay)
        self.weight_decay = _check_setting(where, "weight_decay", self.weight_decay)
        self.initial_accumulator_value = _check_setting(where, "initial_accumulator_value",
                                                        self.initial_accumulator_value)
        self.eps = _check_eps(where, self.eps, "g / (sqrt(sum) + eps)")

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
    otherwise x -= lr * g / denom.  ``alpha`` is in [0, 1] (v is an average: above 1,
    v turns negative and has no square root).  ``eps`` must be > 0: PyTorch allows 0,
    but then a zero gradient divides 0 by 0 and gives NaN.  ``centered`` is True or
    False, nothing else.

    >>> from autograd import Value
    >>> x = Value(1.0); x.grad = 2.0
    >>> RMSprop([x], lr=0.01, alpha=0.0).step(); round(x.data, 6)   # 1 - 0.01 * 2 / 2
    0.99
    >>> RMSprop([x], eps=0.0)
    Traceback (most recent call last):
    ...
    ValueError: RMSprop: invalid eps=0.0 (must be a finite number > 0: eps keeps the division g / (sqrt(v) + eps) away from zero; with eps=0 a zero gradient would divide 0 by 0)
    """

    hyperparameters = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")
    buffers = ("square_avg", "momentum_buffer", "grad_avg")
    squared_buffers = ("square_avg",)

    def __init__(self, params: Iterable[Value], lr: float = 0.01, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False):
        super().__init__(params, lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                         momentum=momentum, centered=centered)

    def _validate(self) -> None:
        where = "RMSprop"
        self.centered = as_flag(self.centered, "centered", where)
        self.alpha = _check_setting(where, "alpha", self.alpha, maximum=1.0,
                                    why=": v = alpha * v + (1 - alpha) * g² is an average")
        self.eps = _check_eps(where, self.eps, "g / (sqrt(v) + eps)")
        self.momentum = _check_setting(where, "momentum", self.momentum)
        self.weight_decay = _check_setting(where, "weight_decay", self.weight_decay)

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
    ``amsgrad=True`` the running maximum of v is used instead of v (only True or
    False is taken).  ``eps`` must be > 0: PyTorch allows 0, but then a zero
    gradient (m = v = 0) divides 0 by 0 and the parameter becomes NaN.

    >>> from autograd import Value
    >>> x = Value(1.0); x.grad = 123.0
    >>> Adam([x], lr=0.1).step(); round(x.data, 6)   # the first step is about lr, whatever g is
    0.9
    >>> Adam([x], betas=0.9)
    Traceback (most recent call last):
    ...
    TypeError: Adam(betas=...): expected a pair (beta1, beta2), got float 0.9
    """

    hyperparameters = ("lr", "betas", "eps", "weight_decay", "amsgrad")
    buffers = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    squared_buffers = ("exp_avg_sq", "max_exp_avg_sq")
    decoupled_weight_decay = False

    def __init__(self, params: Iterable[Value], lr: float = 0.001,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad)

    def _validate(self) -> None:
        where = type(self).__name__
        betas = self.betas
        if isinstance(betas, (str, bytes, Mapping)) or not isinstance(betas, Iterable):
            raise TypeError(f"{where}(betas=...): expected a pair (beta1, beta2), "
                            f"got {type(betas).__name__} {brief(betas)}")
        betas = tuple(betas)
        _check(len(betas) == 2, where,
               f"betas must be a pair (beta1, beta2), got {len(betas)} values {brief(betas)}")
        for k, beta in enumerate(betas):
            _check(isinstance(beta, numbers.Real) and not isinstance(beta, bool)
                   and 0.0 <= beta < 1.0, where,
                   f"invalid beta parameter at index {k}: {brief(beta)} (must be in [0, 1))")
        self.betas = tuple(b if type(b) in (int, float) else float(b) for b in betas)
        self.amsgrad = as_flag(self.amsgrad, "amsgrad", where)
        self.eps = _check_eps(where, self.eps, "m / (sqrt(v) + eps)")
        self.weight_decay = _check_setting(where, "weight_decay", self.weight_decay)

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

def _check_gamma(where: str, gamma) -> float:
    """A schedule's factor: a finite number > 0 (0 or less would stop or flip the learning rate)."""
    number = _finite_float(gamma)
    if number is None or not number > 0.0:
        kind = "" if isinstance(gamma, float) else f"{type(gamma).__name__} "
        raise ValueError(f"{where}: gamma must be > 0 and finite, got {kind}{brief(gamma)}")
    return number


class LRScheduler:
    """Changes ``optimizer.lr`` each time ``step()`` is called (once per epoch, usually).

    Like PyTorch's schedulers it is chainable: it multiplies the optimizer's current
    ``lr``, so a change made by hand in between is kept.  A subclass writes
    ``factor(epoch)`` and checks its own entries of a loaded state in
    ``_check_entry`` (by the rules of its constructor).
    """

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an optimizer, "
                            f"got {type(optimizer).__name__} {brief(optimizer)}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0

    def factor(self, epoch: int) -> float:
        """What to multiply lr by on reaching ``epoch``."""
        raise NotImplementedError(f"{type(self).__name__} has no factor(epoch); use StepLR or "
                                  "ExponentialLR, or write factor in a subclass")

    def step(self) -> None:
        """Advance one epoch and update the optimizer's ``lr``.

        All or nothing: if the new learning rate would overflow, neither the epoch
        nor the learning rate changes.

        >>> opt = SGD([Value(0.0)], lr=1e300)
        >>> ExponentialLR(opt, gamma=1e10).step()
        Traceback (most recent call last):
        ...
        FloatingPointError: ExponentialLR.step: epoch 1 would set lr to 1e+300 * 10000000000.0, which overflows a float; nothing was changed
        """
        epoch = self.last_epoch + 1
        factor = self.factor(epoch)
        lr = self.optimizer.lr * factor
        if not math.isfinite(lr):
            raise FloatingPointError(f"{type(self).__name__}.step: epoch {epoch} would set lr to "
                                     f"{self.optimizer.lr!r} * {factor!r}, which overflows a float; "
                                     "nothing was changed")
        self.optimizer.lr = lr
        self.last_epoch = epoch

    def get_last_lr(self) -> list[float]:
        """The current learning rate, in a list as in PyTorch (one entry per param group)."""
        return [self.optimizer.lr]

    def state_dict(self) -> dict:
        """The schedule's settings and position, as plain numbers."""
        return {k: v for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state_dict: Mapping) -> None:
        """Restore what :meth:`state_dict` returned.

        All or nothing: every entry is checked by the rules of the constructor
        before anything is set; an unknown or missing entry, or an ``optimizer``
        other than this scheduler's own (a scheduler keeps the optimizer it was
        made with), is refused and leaves the scheduler as it was.

        >>> schedule = StepLR(SGD([Value(0.0)], lr=1.0), step_size=2)
        >>> schedule.load_state_dict({**schedule.state_dict(), 'step_size': 0})
        Traceback (most recent call last):
        ...
        ValueError: StepLR.load_state_dict: step_size must be a positive integer, got 0
        >>> schedule.step_size
        2
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{where}: expected the dict that state_dict() returns, "
                            f"got {type(state_dict).__name__} {brief(state_dict)}")
        known = self.state_dict()
        checked = {}
        for name, value in state_dict.items():
            if name == "optimizer":
                if value is not self.optimizer:
                    raise ValueError(f"{where}: 'optimizer' is {brief(value)}, not this scheduler's "
                                     f"optimizer {self.optimizer!r}; a scheduler keeps the optimizer "
                                     "it was made with (state_dict() leaves it out)")
                continue
            if name not in known:
                raise ValueError(f"{where}: unknown entry {brief(name)}; a {type(self).__name__} "
                                 f"state has {', '.join(map(repr, known))}")
            checked[name] = self._check_entry(where, name, value)
        missing = [name for name in known if name not in checked]
        if missing:
            raise ValueError(f"{where}: the state has no {', '.join(map(repr, missing))} "
                             f"entr{'ies' if len(missing) > 1 else 'y'}")
        self.__dict__.update(checked)

    def _check_entry(self, where: str, name: str, value):
        """A loaded entry, checked as the constructor checks it; returns what to keep."""
        if name == "last_epoch":
            return as_count(value, "last_epoch", where, minimum=0)
        if name == "base_lr":
            number = _finite_float(value)
            if number is None or not number >= 0.0:
                raise ValueError(f"{where}: invalid base_lr={brief(value)} "
                                 "(must be a finite number >= 0, as a learning rate)")
            return number
        return value   # an entry of a subclass that does not check its own


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
        gamma = _check_gamma("StepLR", gamma)
        super().__init__(optimizer)
        self.step_size, self.gamma = step_size, gamma

    def factor(self, epoch: int) -> float:
        return self.gamma if epoch % self.step_size == 0 else 1.0

    def _check_entry(self, where: str, name: str, value):
        if name == "step_size":
            return as_count(value, "step_size", where)
        if name == "gamma":
            return _check_gamma(where, value)
        return super()._check_entry(where, name, value)


class ExponentialLR(LRScheduler):
    """Multiply lr by ``gamma`` every epoch: lr_t = lr_0 * gamma^t.

    >>> from autograd import Value
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> schedule = ExponentialLR(opt, gamma=0.5)
    >>> schedule.step(); schedule.step(); schedule.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float):
        gamma = _check_gamma("ExponentialLR", gamma)
        super().__init__(optimizer)
        self.gamma = gamma

    def factor(self, epoch: int) -> float:
        return self.gamma

    def _check_entry(self, where: str, name: str, value):
        if name == "gamma":
            return _check_gamma(where, value)
        return super()._check_entry(where, name, value)
