"""Optimizers and schedules under hostile input: refused with the operation and the value, changing nothing.

Grouped as the defects the hostile probe (scripts/hostile_probe.py) found: a switch given
as a string; eps = 0 and arithmetic that fails half-way through a step; a schedule's
state loaded without a check; betas that are not a pair; and the same kind of hole
elsewhere (ints too large for a float, buffers that cannot be, gradients set by hand).
Every refusal is checked twice: by its message, and by the state being as it was.
"""
import json
from fractions import Fraction

import numpy as np
import pytest

from autograd import Value
from nn.optim import (SGD, Adagrad, Adam, AdamW, ExponentialLR, LRScheduler, Optimizer, RMSprop,
                      StepLR)

HUGE = 10 ** 400   # an int too large for a float: math.isfinite(HUGE) raises OverflowError


def stepped(cls, **settings):
    """An optimizer over two labelled Values after one step, so its buffers are not all 0."""
    params = [Value(1.0, label="w"), Value(-2.0, label="b")]
    optimizer = cls(params, lr=0.1, **settings)
    params[0].grad, params[1].grad = 0.5, -1.0
    optimizer.step()
    return params, optimizer


def snapshot(params, optimizer):
    """Everything a refused call must leave as it was."""
    return ([p.data for p in params], json.dumps(optimizer.state_dict(), sort_keys=True),
            optimizer.step_count)


def other_state(cls, **settings):
    """The state of another optimizer of the same kind: other settings, other buffers."""
    _, other = stepped(cls, **settings)
    other.lr = 0.5
    for p in other.params:
        p.grad = 0.25
    other.step()
    return json.loads(json.dumps(other.state_dict()))


# ---------------------------------------------------------------------------
# 1. A switch is True or False: 'no' is true to Python and would switch it on

FLAGS = [(SGD, "nesterov", dict(momentum=0.9)), (Adam, "amsgrad", {}), (AdamW, "amsgrad", {}),
         (RMSprop, "centered", {})]


@pytest.mark.parametrize("cls, flag, settings", FLAGS)
@pytest.mark.parametrize("value, shown", [("no", "str 'no'"), (1, "int 1"), (0, "int 0"),
                                          (None, "NoneType None")])
def test_a_switch_that_is_not_a_bool_is_refused_where_the_optimizer_is_made(cls, flag, settings,
                                                                            value, shown):
    with pytest.raises(TypeError, match=rf"^{cls.__name__}: {flag} must be True or False, "
                                        rf"got {shown}$"):
        cls([Value(1.0)], lr=0.1, **settings, **{flag: value})


@pytest.mark.parametrize("cls, flag, settings", FLAGS)
def test_a_numpy_bool_switch_is_taken_as_a_python_bool(cls, flag, settings):
    optimizer = cls([Value(1.0)], lr=0.1, **settings, **{flag: np.True_})
    assert getattr(optimizer, flag) is True
    json.dumps(optimizer.state_dict())   # still plain JSON


@pytest.mark.parametrize("cls, flag, settings", FLAGS)
def test_a_switch_given_as_a_string_in_load_state_dict_is_refused_and_changes_nothing(cls, flag,
                                                                                      settings):
    params, optimizer = stepped(cls, **settings)
    before = snapshot(params, optimizer)
    state = other_state(cls, **settings)
    state["hyperparameters"][flag] = "no"    # set after lr, which was already loaded
    with pytest.raises(TypeError, match=rf"{cls.__name__}: {flag} must be True or False, "
                                        r"got str 'no'"):
        optimizer.load_state_dict(state)
    assert snapshot(params, optimizer) == before
    assert getattr(optimizer, flag) is False


def test_warn_accumulated_grads_takes_only_true_or_false():
    optimizer = SGD([Value(1.0)], lr=0.1)
    with pytest.raises(TypeError, match=r"SGD: warn_accumulated_grads must be True or False, "
                                        r"got str 'no'"):
        optimizer.warn_accumulated_grads = "no"
    assert optimizer.warn_accumulated_grads is True
    optimizer.warn_accumulated_grads = False
    assert optimizer.warn_accumulated_grads is False


# ---------------------------------------------------------------------------
# 2. eps > 0, and a step that fails half-way changes nothing

EPS_OPTIMIZERS = [Adam, AdamW, RMSprop, Adagrad]


@pytest.mark.parametrize("cls", EPS_OPTIMIZERS)
@pytest.mark.parametrize("eps", [0.0, 0, -1e-8])
def test_eps_of_zero_or_less_is_refused_where_the_optimizer_is_made(cls, eps):
    with pytest.raises(ValueError, match=rf"^{cls.__name__}: invalid eps={eps!r} \(must be a finite "
                                         r"number > 0: eps keeps the division .* away from zero"):
        cls([Value(1.0)], eps=eps)


@pytest.mark.parametrize("cls", EPS_OPTIMIZERS)
def test_a_tiny_positive_eps_is_taken(cls):
    assert cls([Value(1.0)], eps=1e-300).eps == 1e-300


@pytest.mark.parametrize("cls", EPS_OPTIMIZERS)
def test_eps_zero_in_load_state_dict_is_refused_and_changes_nothing(cls):
    params, optimizer = stepped(cls)
    before = snapshot(params, optimizer)
    state = other_state(cls)
    state["hyperparameters"]["eps"] = 0.0
    with pytest.raises(ValueError, match=rf"{cls.__name__}: invalid eps=0.0 .*away from zero"):
        optimizer.load_state_dict(state)
    assert snapshot(params, optimizer) == before


@pytest.mark.parametrize("cls", EPS_OPTIMIZERS)
def test_a_division_by_zero_half_way_through_a_step_changes_nothing(cls):
    # eps set to 0 by hand, beneath the check: parameter 0 (gradient 0.5) writes its
    # buffers, then parameter 1 (gradient 0, buffers 0) divides 0 by 0.
    params = [Value(1.0, label="w"), Value(-2.0, label="b")]
    optimizer = cls(params, lr=0.1)
    params[0].grad, params[1].grad = 0.5, 0.0
    optimizer.step()
    optimizer.eps = 0.0
    before = snapshot(params, optimizer)
    with pytest.raises(FloatingPointError, match=rf"^{cls.__name__}\.step: the update of parameter 1 "
                                                 r"\(b\) .* divided by zero \(is eps 0\?\); nothing "
                                                 r"was changed"):
        optimizer.step()
    assert snapshot(params, optimizer) == before


def test_a_square_root_of_a_negative_buffer_set_by_hand_changes_nothing():
    params, optimizer = stepped(Adam)
    optimizer.state["exp_avg_sq"][1] = -1.0     # beneath load_state_dict's check
    before = snapshot(params, optimizer)
    with pytest.raises(FloatingPointError, match=r"Adam\.step: the update of parameter 1 \(b\) .*"
                                                 r"failed with ValueError: math domain error"):
        optimizer.step()
    assert snapshot(params, optimizer) == before


def test_any_exception_inside_an_update_leaves_the_buffers_and_the_count_as_they_were():
    class Flaky(SGD):
        def _update(self, i, x, g):
            result = super()._update(i, x, g)   # writes momentum_buffer[i] first
            if i == 1:
                raise RuntimeError("the update of parameter 1 broke")
            return result

    params = [Value(1.0), Value(2.0)]
    optimizer = Flaky(params, lr=0.1, momentum=0.9)
    for p in params:
        p.grad = 1.0
    before = snapshot(params, optimizer)
    with pytest.raises(RuntimeError, match="the update of parameter 1 broke"):
        optimizer.step()
    assert snapshot(params, optimizer) == before
    assert optimizer.state["momentum_buffer"] == [0.0, 0.0]


@pytest.mark.parametrize("cls", EPS_OPTIMIZERS)
def test_an_array_step_that_raises_changes_neither_the_count_nor_the_buffers(cls):
    # numpy told to raise (not to give NaN) on 0 / 0: parameter 1 has gradient 0 and
    # buffers 0, and eps is set to 0 by hand, beneath the check
    params = [Value(1.0), Value(-2.0)]
    optimizer = cls(params, lr=0.1)
    optimizer.array_step(np.array([1.0, -2.0]), np.array([0.5, 0.0]))
    optimizer.eps = 0.0
    before = snapshot(params, optimizer)
    with np.errstate(all="raise"), pytest.raises(FloatingPointError,
                                                 match=rf"{cls.__name__}\.array_step: the update "
                                                       r"failed with FloatingPointError.*nothing was"):
        optimizer.array_step(np.array([1.0, -2.0]), np.array([0.5, 0.0]))
    assert snapshot(params, optimizer) == before


@pytest.mark.parametrize("cls, buffer", [(Adam, "exp_avg_sq"), (AdamW, "max_exp_avg_sq"),
                                         (RMSprop, "square_avg"), (Adagrad, "sum")])
def test_a_negative_squared_buffer_is_refused_by_load_state_dict(cls, buffer):
    params, optimizer = stepped(cls)
    before = snapshot(params, optimizer)
    state = other_state(cls)
    state["state"][buffer][1] = -0.5
    with pytest.raises(ValueError, match=rf"{cls.__name__}\.load_state_dict: buffer '{buffer}' holds "
                                         r"-0.5 for parameter 1; .*never negative"):
        optimizer.load_state_dict(state)
    assert snapshot(params, optimizer) == before


def test_a_negative_momentum_or_mean_buffer_is_still_taken():
    params, optimizer = stepped(RMSprop, momentum=0.5, centered=True)
    state = other_state(RMSprop, momentum=0.5, centered=True)
    state["state"]["momentum_buffer"][0] = state["state"]["grad_avg"][0] = -0.25
    optimizer.load_state_dict(state)
    assert optimizer.state["momentum_buffer"][0] == optimizer.state["grad_avg"][0] == -0.25


# ---------------------------------------------------------------------------
# 3. A schedule's load_state_dict checks every entry as its constructor does

SCHEDULES = {"StepLR": lambda opt: StepLR(opt, step_size=2, gamma=0.5),
             "ExponentialLR": lambda opt: ExponentialLR(opt, gamma=0.9)}


def stepped_schedule(kind):
    optimizer = SGD([Value(1.0)], lr=0.1)
    schedule = SCHEDULES[kind](optimizer)
    schedule.step()
    return optimizer, schedule


def schedule_snapshot(optimizer, schedule):
    return json.dumps(schedule.state_dict(), sort_keys=True), optimizer.lr, schedule.optimizer


BAD_SCHEDULE_ENTRIES = [
    ("StepLR", "step_size", 0, ValueError, "step_size must be a positive integer, got 0"),
    ("StepLR", "step_size", -2, ValueError, "step_size must be a positive integer, got -2"),
    ("StepLR", "step_size", 2.5, TypeError, "step_size must be an integer, got float 2.5"),
    ("StepLR", "step_size", True, TypeError, "step_size must be an integer, got bool True"),
    ("StepLR", "gamma", -1.0, ValueError, r"gamma must be > 0 and finite, got -1.0"),
    ("StepLR", "gamma", "a", ValueError, r"gamma must be > 0 and finite, got str 'a'"),
    ("StepLR", "gamma", float("inf"), ValueError, r"gamma must be > 0 and finite, got inf"),
    ("StepLR", "gamma", True, ValueError, r"gamma must be > 0 and finite, got bool True"),
    ("StepLR", "gamma", HUGE, ValueError, r"gamma must be > 0 and finite, got int 1000"),
    ("ExponentialLR", "gamma", 0.0, ValueError, r"gamma must be > 0 and finite, got 0.0"),
    ("ExponentialLR", "gamma", float("nan"), ValueError, r"gamma must be > 0 and finite, got nan"),
    ("StepLR", "last_epoch", "a", TypeError, "last_epoch must be an integer, got str 'a'"),
    ("ExponentialLR", "last_epoch", -1, ValueError, "last_epoch must be at least 0, got -1"),
    ("ExponentialLR", "last_epoch", 1.0, TypeError, "last_epoch must be an integer, got float 1.0"),
    ("StepLR", "base_lr", float("inf"), ValueError, r"invalid base_lr=inf \(must be a finite number"),
    ("ExponentialLR", "base_lr", -0.1, ValueError, r"invalid base_lr=-0.1 \(must be a finite number"),
    ("StepLR", "base_lr", "0.1", ValueError, r"invalid base_lr='0.1'"),
    ("StepLR", "optimizer", None, ValueError,
     r"'optimizer' is None, not this scheduler's optimizer SGD\(1 parameter"),
    ("ExponentialLR", "optimizer", SGD([Value(0.0)], lr=0.2), ValueError,
     r"'optimizer' is SGD\(1 parameter, lr=0.2.*, not this scheduler's optimizer"),
    ("StepLR", "foo", 1.0, ValueError, r"unknown entry 'foo'; a StepLR state has 'base_lr'"),
    ("ExponentialLR", "step_size", 2, ValueError, r"unknown entry 'step_size'"),
]


@pytest.mark.parametrize("kind, entry, value, error, message", BAD_SCHEDULE_ENTRIES)
def test_a_bad_entry_in_a_schedules_load_state_dict_is_refused_and_changes_nothing(kind, entry, value,
                                                                                  error, message):
    optimizer, schedule = stepped_schedule(kind)
    before = schedule_snapshot(optimizer, schedule)
    # the other entries are good and differ from the schedule's, so a partial load would show
    good = {k: (v * 2 if k != "gamma" else v / 2) for k, v in schedule.state_dict().items()}
    with pytest.raises(error, match=rf"^{kind}\.load_state_dict: {message}"):
        schedule.load_state_dict({**good, entry: value})
    assert schedule_snapshot(optimizer, schedule) == before
    schedule.step()   # and it still works


@pytest.mark.parametrize("kind", SCHEDULES)
def test_a_schedules_state_missing_an_entry_is_refused(kind):
    optimizer, schedule = stepped_schedule(kind)
    before = schedule_snapshot(optimizer, schedule)
    state = schedule.state_dict()
    del state["last_epoch"]
    state["gamma"] = 0.25
    with pytest.raises(ValueError, match=rf"^{kind}\.load_state_dict: the state has no 'last_epoch' "
                                         r"entry$"):
        schedule.load_state_dict(state)
    assert schedule_snapshot(optimizer, schedule) == before


@pytest.mark.parametrize("state", [None, [("gamma", 0.5)], "gamma=0.5"])
def test_a_schedules_state_that_is_not_a_dict_is_refused(state):
    optimizer, schedule = stepped_schedule("StepLR")
    with pytest.raises(TypeError, match=r"^StepLR\.load_state_dict: expected the dict that "
                                        r"state_dict\(\) returns, got"):
        schedule.load_state_dict(state)


@pytest.mark.parametrize("kind", SCHEDULES)
def test_a_schedules_state_round_trips_with_its_own_optimizer_and_plain_numbers(kind):
    optimizer, schedule = stepped_schedule(kind)
    schedule.step()
    saved = json.loads(json.dumps(schedule.state_dict()))
    other_optimizer = SGD([Value(0.0)], lr=0.3)
    other = SCHEDULES[kind](other_optimizer)
    other.load_state_dict({**saved, "optimizer": other_optimizer,          # its own: harmless
                           "last_epoch": np.int64(saved["last_epoch"])})   # numpy's int: an int
    assert other.state_dict() == schedule.state_dict()
    assert type(other.last_epoch) is int and other.optimizer is other_optimizer


def test_a_schedule_step_that_would_overflow_the_learning_rate_changes_nothing():
    optimizer = SGD([Value(1.0)], lr=1e300)
    schedule = ExponentialLR(optimizer, gamma=1e10)
    with pytest.raises(FloatingPointError, match=r"^ExponentialLR\.step: epoch 1 would set lr to "
                                                 r"1e\+300 \* 10000000000\.0, which overflows a "
                                                 r"float; nothing was changed$"):
        schedule.step()
    assert (schedule.last_epoch, optimizer.lr) == (0, 1e300)


@pytest.mark.parametrize("gamma, shown", [(True, "bool True"), (HUGE, "int 1000")])
def test_a_schedule_refuses_a_bool_or_an_int_too_large_for_gamma(gamma, shown):
    with pytest.raises(ValueError, match=rf"^StepLR: gamma must be > 0 and finite, got {shown}"):
        StepLR(SGD([Value(1.0)], lr=0.1), step_size=1, gamma=gamma)


def test_the_base_classes_say_what_is_missing():
    x = Value(1.0)
    x.grad = 1.0
    with pytest.raises(NotImplementedError, match=r"Optimizer has no update rule \(_update\)"):
        Optimizer([x]).step()
    assert x.data == 1.0
    with pytest.raises(NotImplementedError, match=r"LRScheduler has no factor\(epoch\)"):
        LRScheduler(SGD([x], lr=0.1)).step()


# ---------------------------------------------------------------------------
# 4. betas is a pair

@pytest.mark.parametrize("cls", [Adam, AdamW])
@pytest.mark.parametrize("betas, shown", [(0.9, "float 0.9"), ("ab", "str 'ab'"),
                                          (None, "NoneType None"), ({0.9: 0.999}, "dict")])
def test_betas_that_are_not_a_sequence_get_a_clear_message(cls, betas, shown):
    with pytest.raises(TypeError, match=rf"^{cls.__name__}\(betas=\.\.\.\): expected a pair "
                                        rf"\(beta1, beta2\), got {shown}"):
        cls([Value(1.0)], betas=betas)


@pytest.mark.parametrize("betas", [(0.9,), (0.9, 0.99, 0.999), ()])
def test_betas_of_the_wrong_length_are_refused(betas):
    with pytest.raises(ValueError, match=rf"^Adam: betas must be a pair \(beta1, beta2\), got "
                                         rf"{len(betas)} values"):
        Adam([Value(1.0)], betas=betas)


def test_betas_given_as_an_array_or_a_list_become_a_tuple_of_floats():
    optimizer = Adam([Value(1.0)], betas=np.array([0.8, 0.9]))
    assert optimizer.betas == (0.8, 0.9) and all(type(b) is float for b in optimizer.betas)
    assert Adam([Value(1.0)], betas=[0.5, 0.6]).betas == (0.5, 0.6)
    json.dumps(optimizer.state_dict())


@pytest.mark.parametrize("betas, error, message", [
    (0.9, TypeError, r"Adam\(betas=\.\.\.\): expected a pair \(beta1, beta2\), got float 0\.9"),
    ("ab", TypeError, r"got str 'ab'"),
    ([0.9], ValueError, r"betas must be a pair"),
])
def test_betas_that_are_not_a_pair_in_load_state_dict_change_nothing(betas, error, message):
    params, optimizer = stepped(Adam)
    before = snapshot(params, optimizer)
    state = other_state(Adam)
    state["hyperparameters"]["betas"] = betas
    with pytest.raises(error, match=message):
        optimizer.load_state_dict(state)
    assert snapshot(params, optimizer) == before


# ---------------------------------------------------------------------------
# 5. The same kind of hole elsewhere

def test_an_int_too_large_for_a_float_is_refused_as_a_setting():
    with pytest.raises(ValueError, match=r"^SGD: invalid learning rate lr=1000"):
        SGD([Value(1.0)], lr=HUGE)
    with pytest.raises(ValueError, match=r"^SGD: invalid momentum=1000.*\(must be a finite number"):
        SGD([Value(1.0)], lr=0.1, momentum=HUGE)


@pytest.mark.parametrize("damage, error, message", [
    # lr comes first in the dict and is loaded before momentum is refused
    (lambda s: s["hyperparameters"].__setitem__("momentum", HUGE), ValueError, r"invalid momentum=1000"),
    (lambda s: s["hyperparameters"].__setitem__("lr", HUGE), ValueError, r"invalid learning rate lr=1000"),
    (lambda s: s["state"]["momentum_buffer"].__setitem__(0, HUGE), ValueError,
     r"buffer 'momentum_buffer' holds 1000.* for parameter 0; every entry must be a finite number"),
    (lambda s: s["state"].__setitem__("momentum_buffer", 5.0), ValueError,
     r"buffer 'momentum_buffer' must be a list of numbers, one per parameter, got float 5\.0"),
    (lambda s: s["state"].__setitem__("exp_avg", [0.0, 0.0]), ValueError,
     r"unknown buffer 'exp_avg'; a SGD keeps 'momentum_buffer'"),
    (lambda s: s.__setitem__("step", HUGE), ValueError, r"'step' must be a whole number >= 0, got 1000"),
    (lambda s: s.__setitem__("step", 2 ** 53 + 1), ValueError, r"more than 9,007,199,254,740,992"),
    (lambda s: s["hyperparameters"].__setitem__("dampening", "0"), ValueError, r"invalid dampening='0'"),
])
def test_a_state_entry_that_cannot_be_is_refused_and_changes_nothing(damage, error, message):
    params, optimizer = stepped(SGD, momentum=0.9)
    before = snapshot(params, optimizer)
    state = other_state(SGD, momentum=0.9)
    damage(state)
    with pytest.raises(error, match=message):
        optimizer.load_state_dict(state)
    assert snapshot(params, optimizer) == before


@pytest.mark.parametrize("grad, error, message", [
    ("a", TypeError, r"parameter 1 \(b\) has gradient 'a' \(str\), not a number"),
    (None, TypeError, r"parameter 1 \(b\) has gradient None \(NoneType\), not a number"),
    (Value(1.0), TypeError, r"parameter 1 \(b\) has gradient Value\(data=1\.0.*not a number"),
    (HUGE, FloatingPointError, r"parameter 1 \(b\) has gradient 1000.*an int too large for a float"),
])
def test_a_gradient_set_by_hand_to_something_that_is_not_a_float_is_refused(grad, error, message):
    params, optimizer = stepped(Adam)
    params[1].grad = grad
    before = snapshot(params, optimizer)
    with pytest.raises(error, match=rf"^Adam\.step: {message}"):
        optimizer.step()
    assert snapshot(params, optimizer) == before


def test_an_int_gradient_set_by_hand_is_a_number():
    x = Value(1.0)
    x.grad = 2
    SGD([x], lr=0.25).step()
    assert x.data == 0.5


def test_array_step_refuses_arrays_that_are_not_numbers():
    params, optimizer = stepped(Adam)
    before = snapshot(params, optimizer)
    with pytest.raises(TypeError, match=r"^Adam\.array_step: grads must be an array of numbers, one "
                                        r"per parameter, got \['a', 'b'\]"):
        optimizer.array_step(np.array([1.0, 2.0]), ["a", "b"])
    assert snapshot(params, optimizer) == before


@pytest.mark.parametrize("alpha", [1.5, 2.0])
def test_rmsprop_refuses_an_alpha_above_one(alpha):
    # v = alpha * v + (1 - alpha) * g² turns negative above 1, and a step takes its square root
    with pytest.raises(ValueError, match=rf"^RMSprop: invalid alpha={alpha} \(must be a finite number "
                                         r"in \[0, 1\]: v = alpha \* v \+ \(1 - alpha\) \* g² is an "
                                         r"average\)$"):
        RMSprop([Value(1.0)], alpha=alpha)
    assert RMSprop([Value(1.0)], alpha=1.0).alpha == 1.0


def test_a_setting_given_as_a_fraction_or_a_numpy_number_is_kept_as_a_plain_float():
    optimizer = SGD([Value(1.0)], lr=np.float32(0.5), momentum=Fraction(1, 2),
                    weight_decay=np.float64(0.25))
    assert (optimizer.lr, optimizer.momentum, optimizer.weight_decay) == (0.5, 0.5, 0.25)
    assert all(type(v) is float for v in (optimizer.lr, optimizer.momentum, optimizer.weight_decay))
    json.dumps(optimizer.state_dict())
    assert SGD([Value(1.0)], lr=0.1, weight_decay=0).weight_decay == 0   # an int stays an int
