"""Optimizers follow PyTorch's update rules, written out here by hand with plain floats.

The loss is a quadratic bowl f(x) = Σ a_i (x_i - c_i)² / 2 plus a quartic term, so the
gradient g_i = a_i (x_i - c_i) + 0.4 x_i³ is known in closed form and differs per
parameter.  Each test runs a few steps of an optimizer and of its rule, side by side.
"""
import json
import math

import numpy as np
import pytest

from autograd import Value
from nn.optim import SGD, Adagrad, Adam, AdamW, ExponentialLR, RMSprop, StepLR

A = [3.0, 0.5, 10.0]
C = [1.0, -1.0, 0.2]
X0 = [1.5, -2.0, 0.3]
STEPS = 6


def loss_of(params):
    return sum(a * (p - c) ** 2 / 2 + 0.1 * p ** 4 for p, a, c in zip(params, A, C))


def gradient(x):
    return [a * (xi - c) + 0.4 * xi ** 3 for xi, a, c in zip(x, A, C)]


def run(optimizer_class, steps=STEPS, **settings):
    params = [Value(v) for v in X0]
    optimizer = optimizer_class(params, **settings)
    trajectory = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss_of(params).backward()
        optimizer.step()
        trajectory.append([p.data for p in params])
    return trajectory


def by_hand(update, steps=STEPS):
    """Apply ``update(t, i, x_i, g_i) -> new x_i`` (t = 1, 2, ...) to every coordinate."""
    x, trajectory = list(X0), []
    for t in range(1, steps + 1):
        g = gradient(x)
        x = [update(t, i, x[i], g[i]) for i in range(len(x))]
        trajectory.append(list(x))
    return trajectory


def assert_same(trajectory, expected):
    for ours, theirs in zip(trajectory, expected):
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)


# ---------------------------------------------------------------------------
# SGD

@pytest.mark.parametrize("momentum, dampening, nesterov, weight_decay", [
    (0.0, 0.0, False, 0.0), (0.0, 0.0, False, 0.1), (0.9, 0.0, False, 0.0),
    (0.9, 0.3, False, 0.1), (0.9, 0.0, True, 0.0), (0.5, 0.0, True, 0.2),
])
def test_sgd_follows_the_momentum_rule(momentum, dampening, nesterov, weight_decay):
    lr = 0.05
    buffers = [None] * 3

    def update(t, i, x, g):
        g = g + weight_decay * x
        if momentum:
            # b = g on the first step, then b = μ b + (1 - dampening) g
            buffers[i] = g if buffers[i] is None else momentum * buffers[i] + (1 - dampening) * g
            g = g + momentum * buffers[i] if nesterov else buffers[i]
        return x - lr * g

    trajectory = run(SGD, lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                     weight_decay=weight_decay)
    assert_same(trajectory, by_hand(update))


# ---------------------------------------------------------------------------
# Adagrad

@pytest.mark.parametrize("lr_decay, weight_decay, initial", [(0.0, 0.0, 0.0), (0.1, 0.1, 0.5)])
def test_adagrad_divides_by_the_root_of_summed_squared_gradients(lr_decay, weight_decay, initial):
    lr, eps = 0.1, 1e-10
    sums = [initial] * 3

    def update(t, i, x, g):
        g = g + weight_decay * x
        clr = lr / (1 + (t - 1) * lr_decay)
        sums[i] += g * g
        return x - clr * g / (math.sqrt(sums[i]) + eps)

    trajectory = run(Adagrad, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                     initial_accumulator_value=initial)
    assert_same(trajectory, by_hand(update))


# ---------------------------------------------------------------------------
# RMSprop

@pytest.mark.parametrize("momentum, centered, weight_decay", [
    (0.0, False, 0.0), (0.0, True, 0.0), (0.9, False, 0.0), (0.9, True, 0.1),
])
def test_rmsprop_divides_by_a_running_root_mean_square(momentum, centered, weight_decay):
    lr, alpha, eps = 0.01, 0.99, 1e-8
    square_avg, grad_avg, buffers = [0.0] * 3, [0.0] * 3, [0.0] * 3

    def update(t, i, x, g):
        g = g + weight_decay * x
        square_avg[i] = alpha * square_avg[i] + (1 - alpha) * g * g
        if centered:
            grad_avg[i] = alpha * grad_avg[i] + (1 - alpha) * g
            denom = math.sqrt(square_avg[i] - grad_avg[i] ** 2) + eps
        else:
            denom = math.sqrt(square_avg[i]) + eps
        if momentum:
            buffers[i] = momentum * buffers[i] + g / denom
            return x - lr * buffers[i]
        return x - lr * g / denom

    trajectory = run(RMSprop, lr=lr, momentum=momentum, centered=centered,
                     weight_decay=weight_decay)
    assert_same(trajectory, by_hand(update))


# ---------------------------------------------------------------------------
# Adam and AdamW

@pytest.mark.parametrize("cls, betas, weight_decay, amsgrad", [
    (Adam, (0.9, 0.999), 0.0, False), (Adam, (0.8, 0.9), 0.1, False),
    (Adam, (0.9, 0.999), 0.0, True), (AdamW, (0.9, 0.999), 0.3, False),
    (AdamW, (0.8, 0.9), 0.3, True),
])
def test_adam_uses_bias_corrected_moment_estimates(cls, betas, weight_decay, amsgrad):
    lr, eps = 0.1, 1e-8
    beta1, beta2 = betas
    m, v, v_max = [0.0] * 3, [0.0] * 3, [0.0] * 3

    def update(t, i, x, g):
        if cls is AdamW:
            x = x * (1 - lr * weight_decay)       # decoupled: shrink the weight
        else:
            g = g + weight_decay * x              # L2 penalty in the gradient
        m[i] = beta1 * m[i] + (1 - beta1) * g
        v[i] = beta2 * v[i] + (1 - beta2) * g * g
        m_hat = m[i] / (1 - beta1 ** t)
        v_max[i] = max(v_max[i], v[i])
        v_hat = (v_max[i] if amsgrad else v[i]) / (1 - beta2 ** t)
        return x - lr * m_hat / (math.sqrt(v_hat) + eps)

    trajectory = run(cls, lr=lr, betas=betas, weight_decay=weight_decay, amsgrad=amsgrad)
    # Adam's code divides by sqrt(1 - β2^t) inside the denominator instead of forming
    # v_hat; the two agree up to rounding.
    for ours, theirs in zip(trajectory, by_hand(update)):
        assert ours == pytest.approx(theirs, rel=1e-10)


# ---------------------------------------------------------------------------
# Every optimizer goes downhill, and matches PyTorch when it is installed

EVERY_OPTIMIZER = [
    (SGD, dict(lr=0.05)), (SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (Adagrad, dict(lr=0.3)), (RMSprop, dict(lr=0.01, centered=True, momentum=0.5)),
    (Adam, dict(lr=0.1, amsgrad=True)), (AdamW, dict(lr=0.1)),
]


@pytest.mark.parametrize("cls, settings", EVERY_OPTIMIZER)
def test_optimizer_decreases_the_loss(cls, settings):
    start = loss_of(X0)
    end = loss_of(run(cls, steps=30, **settings)[-1])
    assert end < 0.5 * start


@pytest.mark.parametrize("cls, settings", EVERY_OPTIMIZER)
def test_optimizer_matches_torch(cls, settings):
    torch = pytest.importorskip("torch")
    x = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
    theirs = getattr(torch.optim, cls.__name__)([x], **settings)
    for ours_step in run(cls, **settings):
        theirs.zero_grad()
        loss_of(x).backward()
        theirs.step()
        assert ours_step == pytest.approx(x.detach().tolist(), rel=1e-12, abs=1e-15)


def test_defaults_are_pytorch_defaults():
    p = [Value(0.0)]
    assert SGD(p).lr == 0.001
    assert (Adagrad(p).lr, Adagrad(p).eps) == (0.01, 1e-10)
    rms = RMSprop(p)
    assert (rms.lr, rms.alpha, rms.eps, rms.momentum, rms.centered) == (0.01, 0.99, 1e-8, 0, False)
    adam = Adam(p)
    assert (adam.lr, adam.betas, adam.eps, adam.weight_decay, adam.amsgrad) == \
        (0.001, (0.9, 0.999), 1e-8, 0, False)
    assert AdamW(p).weight_decay == 0.01


# ---------------------------------------------------------------------------
# The loop's housekeeping

def test_zero_grad_clears_every_gradient():
    params = [Value(1.0), Value(2.0)]
    optimizer = SGD(params, lr=0.1)
    loss_of(params + [Value(0.0)]).backward()
    assert any(p.grad for p in params)
    optimizer.zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


@pytest.mark.parametrize("cls, settings", EVERY_OPTIMIZER)
def test_state_dict_round_trip_continues_the_same_trajectory(cls, settings):
    params = [Value(v) for v in X0]
    optimizer = cls(params, **settings)

    def steps(opt, ps, n):
        for _ in range(n):
            opt.zero_grad()
            loss_of(ps).backward()
            opt.step()
        return [p.data for p in ps]

    steps(optimizer, params, 3)
    saved = json.loads(json.dumps(optimizer.state_dict()))   # survives JSON
    copies = [Value(p.data) for p in params]
    restored = cls(copies, lr=1.0)                           # settings come from the state
    restored.load_state_dict(saved)
    assert restored.lr == optimizer.lr
    assert steps(restored, copies, 3) == steps(optimizer, params, 3)


def test_state_dict_names_its_buffers_as_pytorch_does():
    state = Adam([Value(1.0), Value(2.0)]).state_dict()
    assert state["optimizer"] == "Adam" and state["step"] == 0
    assert set(state["state"]) >= {"exp_avg", "exp_avg_sq"}
    assert all(len(buffer) == 2 for buffer in state["state"].values())


def test_load_state_dict_rejects_a_state_that_does_not_fit():
    state = SGD([Value(1.0), Value(2.0)], lr=0.1, momentum=0.9).state_dict()
    with pytest.raises(ValueError, match="'SGD' optimizer"):
        Adam([Value(1.0), Value(2.0)]).load_state_dict(state)
    with pytest.raises(ValueError, match="2 values but the optimizer has 3 parameters"):
        SGD([Value(1.0), Value(2.0), Value(3.0)]).load_state_dict(state)


def test_a_non_finite_gradient_stops_the_step_before_anything_moves():
    params = [Value(1.0), Value(2.0, label="layers.0.b")]
    params[0].grad, params[1].grad = 0.5, float("nan")
    with pytest.raises(FloatingPointError, match=r"parameter 1 \(layers.0.b\) has gradient nan"):
        Adam(params).step()
    assert [p.data for p in params] == [1.0, 2.0]


def test_step_returns_the_closure_loss():
    x = Value(2.0)
    optimizer = SGD([x], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = x * x
        loss.backward()
        return loss

    assert optimizer.step(closure).data == 4.0
    assert x.data == 2.0 - 0.25 * 4.0


@pytest.mark.parametrize("make, message", [
    (lambda: SGD([], lr=0.1), "empty parameter list"),
    (lambda: SGD([Value(1.0)], lr=-0.1), "invalid learning rate lr=-0.1"),
    (lambda: SGD([Value(1.0)], lr=0.1, nesterov=True), "nesterov=True needs momentum"),
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=-1), "invalid momentum"),
    (lambda: Adam([Value(1.0)], betas=(0.9, 1.0)), "beta parameter at index 1"),
    (lambda: Adagrad([Value(1.0)], eps=-1.0), "invalid eps"),
    (lambda: RMSprop([Value(1.0)], alpha=-0.5), "invalid alpha"),
])
def test_bad_settings_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_params_raise_clear_errors():
    class Model:
        def parameters(self):
            return [Value(1.0)]

    with pytest.raises(TypeError, match=r"model.parameters\(\)"):
        SGD(Model(), lr=0.1)
    with pytest.raises(TypeError, match="wrap it in a list"):
        SGD(Value(1.0), lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\] is float"):
        SGD([Value(1.0), 2.0], lr=0.1)
    x = Value(1.0)
    with pytest.raises(ValueError, match="appears twice"):
        SGD([x, x], lr=0.1)
    optimizer = SGD([x], lr=0.1)
    with pytest.raises(ValueError, match="invalid learning rate"):
        optimizer.lr = -1.0


# ---------------------------------------------------------------------------
# Schedules

def test_step_lr_multiplies_by_gamma_every_step_size_epochs():
    optimizer = SGD([Value(0.0)], lr=0.8)
    schedule = StepLR(optimizer, step_size=3, gamma=0.5)
    for epoch in range(1, 10):
        schedule.step()
        assert schedule.get_last_lr() == [pytest.approx(0.8 * 0.5 ** (epoch // 3))]
        assert optimizer.lr == schedule.get_last_lr()[0]


def test_exponential_lr_decays_geometrically():
    optimizer = Adam([Value(0.0)], lr=0.1)
    schedule = ExponentialLR(optimizer, gamma=0.9)
    for epoch in range(1, 6):
        schedule.step()
        assert optimizer.lr == pytest.approx(0.1 * 0.9 ** epoch)


def test_schedules_keep_a_learning_rate_changed_by_hand_and_save_their_position():
    optimizer = SGD([Value(0.0)], lr=1.0)
    schedule = StepLR(optimizer, step_size=2, gamma=0.1)
    schedule.step()
    optimizer.lr = 0.5            # chainable, as in PyTorch: the next decay starts from here
    schedule.step()
    assert optimizer.lr == pytest.approx(0.05)
    other = StepLR(SGD([Value(0.0)], lr=0.05), step_size=5)
    other.load_state_dict(schedule.state_dict())
    assert (other.last_epoch, other.step_size, other.gamma) == (2, 2, 0.1)


def test_schedules_reject_bad_settings():
    optimizer = SGD([Value(0.0)], lr=1.0)
    with pytest.raises(ValueError, match="step_size must be a positive integer"):
        StepLR(optimizer, step_size=0)
    with pytest.raises(ValueError, match="gamma must be > 0"):
        ExponentialLR(optimizer, gamma=0.0)
    with pytest.raises(TypeError, match="expected an optimizer"):
        StepLR("sgd", step_size=1)


# ---------------------------------------------------------------------------
# The array rule beside the per-Value rule (training by replay uses the first)

ARRAY_CASES = EVERY_OPTIMIZER + [
    (SGD, dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    (Adagrad, dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    (RMSprop, dict(lr=0.01, momentum=0.9, weight_decay=0.1)), (RMSprop, dict(lr=0.01)),
    (Adam, dict(lr=0.1, betas=(0.8, 0.9), weight_decay=0.1)),
    (AdamW, dict(lr=0.1, weight_decay=0.3, amsgrad=True)),
]


@pytest.mark.parametrize("cls, settings", ARRAY_CASES)
def test_array_step_gives_exactly_the_floats_of_step(cls, settings):
    per_value = [Value(v) for v in X0]
    by_value = cls(per_value, **settings)
    on_arrays = cls([Value(v) for v in X0], **settings)
    x = np.array(X0)
    for t in range(STEPS):
        if t == 3:
            by_value.lr = on_arrays.lr = by_value.lr / 2   # a schedule between steps
        g = gradient([p.data for p in per_value])
        for p, gi in zip(per_value, g):
            p.grad = gi
        by_value.step()
        x = on_arrays.array_step(x, np.array(g))
        assert x.tolist() == [p.data for p in per_value]
    assert on_arrays.state_dict() == by_value.state_dict()


@pytest.mark.parametrize("cls, settings", EVERY_OPTIMIZER)
def test_array_steps_and_value_steps_continue_one_trajectory(cls, settings):
    params = [Value(v) for v in X0]
    optimizer = cls(params, **settings)
    for _ in range(2):                     # two steps on arrays, written back by hand
        new = optimizer.array_step(np.array([p.data for p in params]),
                                   np.array(gradient([p.data for p in params])))
        for p, v in zip(params, new.tolist()):
            p.data = v
    json.dumps(optimizer.state_dict())     # the buffers read back as plain lists
    for _ in range(STEPS - 2):
        optimizer.zero_grad()
        loss_of(params).backward()
        optimizer.step()
    assert_same([[p.data for p in params]], run(cls, **settings)[-1:])


def test_array_step_changes_no_value_and_checks_its_shapes():
    x = Value(1.0)
    optimizer = SGD([x], lr=0.1)
    assert optimizer.array_step(np.array([1.0]), np.array([0.5])).tolist() == [0.95]
    assert x.data == 1.0
    with pytest.raises(ValueError, match=r"expected values and grads of shape \(1,\)"):
        optimizer.array_step(np.array([1.0, 2.0]), np.array([0.5, 0.5]))
    with pytest.raises(FloatingPointError, match="parameter 0 has gradient nan"):
        optimizer.array_step(np.array([1.0]), np.array([np.nan]))
    assert optimizer.step_count == 1
