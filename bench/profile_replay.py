"""How fast is a replayed training step on the demo, and where does its time go?

    .venv/bin/python bench/profile_replay.py               # timings, then the cProfile ranking
    .venv/bin/python bench/profile_replay.py --torch       # and PyTorch's (in its own process)
    .venv/bin/python bench/profile_replay.py --repetitions 200 --limit 30

The step is the benchmark's demo (workload 1): ``MLP(2, [16, 16, 1])`` with ReLU,
the 100 moons samples, the mean hinge loss plus 1e-4 times the sum of squared
weights, one SGD step with lr 0.05, from the shared initial weights.  It is
timed as ``fit(..., replay=True)`` runs it (``nn.train.replay_trainer``): the
tape forward and backward, the check of one sample against the scalar engine,
the penalty and the optimizer on arrays, the weights written back into the
model's Values, the epoch's loss and accuracy.  Beside it: the same step
written by hand in numpy (``bench/numpy_mlp.py``), the benchmark's older replay
demo (which sums the penalty as a graph and steps every Value), the check on
its own, and an empty block (what the protocol's ``gc.collect()`` costs).

Timing follows ``bench/protocol.py``: everything alive is frozen out of the
collector's sight, each step starts after a ``gc.collect()`` and ends with one
inside the timing, and the cases take turns.  The ratios are of medians.

The benchmark penalises every parameter (``fit``'s ``l2`` only the weights), so
the step is given a ``Penalty`` over all 337; the script checks its loss and
all 337 gradients against numpy's before it times anything.  This script is
not part of ``make bench``.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import nn  # noqa: E402
from bench.demo_models import tape_replay_demo  # noqa: E402
from bench.numpy_mlp import NumpyMLP  # noqa: E402
from bench.problems import ALPHA, LR, SIZES, flatten, initial_weights, make_moons  # noqa: E402
from nn.train import Penalty, replay_trainer  # noqa: E402


class ReplayDemo:
    """The demo step as ``fit(..., replay=True)`` takes it."""

    def __init__(self, layers, X: np.ndarray, y: np.ndarray, full_check_every: int):
        self.model = nn.MLP(SIZES[0], list(SIZES[1:]), activation="relu", seed=0)
        # flatten() lists the shared weights in the order of parameters()
        names = [name for name, _ in self.model.named_parameters()]
        self.model.load_state_dict(dict(zip(names, flatten(layers))))
        optimizer = nn.optim.SGD(self.model.parameters(), lr=LR)
        # the benchmark penalises every parameter (fit's l2 only the weights): its Penalty
        penalty = Penalty(self.model.parameters(), l2=ALPHA)
        self.trainer = replay_trainer(self.model, X, y, loss="hinge", optimizer=optimizer,
                                      penalty=penalty)
        # fit reruns nn's own model whole every 10th step and checks the loss alone on the
        # others; the two kinds of step are timed apart
        self.trainer.full_check_every = full_check_every
        self.order = list(range(len(X)))

    def reset(self) -> None:
        self.trainer.restore()

    def step(self) -> float:
        """One epoch of full-batch training: one step, and the epoch's loss and accuracy."""
        return self.trainer.train_epoch(self.order, len(self.order), 0)[0]

    def forward_only(self) -> None:
        """Back to the shared weights and the tape's forward pass, for timing the check."""
        self.reset()
        self.trainer.tape.forward(self.trainer.samples, self.trainer.theta)

    def check_only(self) -> None:
        """The whole-sample check alone: one sample's model and loss by the scalar engine."""
        self.trainer.tape.check_sample(0)


def agreement(replay: ReplayDemo, layers, X, y, steps: int = 5) -> tuple[float, float, float]:
    """The relative differences from numpy's of the first step's loss and gradients, and of
    the weights after ``steps`` steps."""
    numpy_model = NumpyMLP(layers)
    replay.reset()
    for k in range(steps):
        numpy_loss, _ = numpy_model.step(X, y, LR)
        loss = replay.step()
        if k == 0:
            reference = np.array(flatten(numpy_model.grads))
            loss_error = abs(loss - numpy_loss) / max(1.0, abs(numpy_loss))
            grads = replay.trainer.grads
            grad_error = float(np.max(np.abs(grads - reference)) / np.max(np.abs(reference)))
    weights = np.array(flatten(numpy_model.layers))
    weight_error = float(np.max(np.abs(replay.trainer.theta - weights)) / np.max(np.abs(weights)))
    replay.reset()
    return loss_error, grad_error, weight_error


def time_cases(cases: dict, repetitions: int) -> dict[str, list[float]]:
    """Seconds per call of each case, by the benchmark's protocol, the cases taking turns."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    gc.collect()
    gc.freeze()
    try:
        for rep in range(repetitions):
            shift = rep % len(names)
            for name in names[shift:] + names[:shift]:
                prepare, run = cases[name]
                prepare()
                gc.collect()
                start = time.perf_counter()
                run()
                gc.collect()
                times[name].append(time.perf_counter() - start)
    finally:
        gc.unfreeze()
    return times


def torch_times(repetitions: int) -> list[float] | str:
    """PyTorch's batched step, timed in a process of its own (torch slows every collection)."""
    result = subprocess.run([sys.executable, os.path.abspath(__file__), "--torch-only",
                             "--repetitions", str(repetitions)], capture_output=True, text=True)
    if result.returncode != 0:
        return result.stderr.strip().splitlines()[-1] if result.stderr else "failed"
    return json.loads(result.stdout)


def _torch_only(repetitions: int) -> None:
    import torch  # noqa: F401 - only in this process
    from bench.torch_cases import TorchBatchedDemo

    X, y = make_moons(100)
    torch.set_num_threads(1)
    demo = TorchBatchedDemo(initial_weights(), X, y)
    times = time_cases({"torch": (demo.reset, lambda: demo.step(LR))}, repetitions)
    print(json.dumps(times["torch"]))


def main(argv: list[str] | None = None) -> None:
    """Check, time, then profile the replayed demo step."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repetitions", type=int, default=100)
    parser.add_argument("--sort", default="tottime", help="pstats key: tottime, cumulative, ncalls")
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--torch", action="store_true", help="time PyTorch's batched step too")
    parser.add_argument("--torch-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.torch_only:
        _torch_only(args.repetitions)
        return

    X, y = make_moons(100)
    layers = initial_weights()
    replay = ReplayDemo(layers, X, y, full_check_every=10 ** 9)   # after the first step: loss only
    whole = ReplayDemo(layers, X, y, full_check_every=1)          # the whole sample, every step
    loss_error, grad_error, weight_error = agreement(replay, layers, X, y)
    print(f"against numpy, relative differences: the first step's loss {loss_error:.1e} and "
          f"gradients {grad_error:.1e}; the weights after 5 steps {weight_error:.1e}")
    if max(loss_error, grad_error, weight_error) > 1e-9:
        raise SystemExit("the replayed step does not compute the demo's numbers; nothing timed")

    numpy_model = NumpyMLP(layers)
    old_demo, reason = tape_replay_demo(layers, X.tolist(), y.tolist())
    whole.step()
    loss_step, whole_step = "replay, loss checked", "replay, whole checked"
    cases = {
        loss_step: (replay.reset, replay.step),
        whole_step: (whole.reset, whole.step),
        "whole check alone": (replay.forward_only, replay.check_only),
        "numpy by hand": (lambda: numpy_model.load(layers), lambda: numpy_model.step(X, y, LR)),
        "nothing (gc.collect)": (lambda: None, lambda: None),
    }
    if old_demo is not None:
        cases["older replay demo"] = (old_demo.reset, lambda: old_demo.step(LR))
    times = time_cases(cases, args.repetitions)
    if args.torch:
        times["PyTorch batched"] = torch_times(args.repetitions)
    medians = {name: statistics.median(t) for name, t in times.items() if not isinstance(t, str)}
    numpy_median = medians["numpy by hand"]
    print(f"\nmedian of {args.repetitions} steps, each with its own gc.collect() "
          "(bench/protocol.py):")
    for name, t in times.items():
        if isinstance(t, str):
            print(f"  {name:22s} not timed: {t}")
            continue
        print(f"  {name:22s} {medians[name] * 1e3:7.3f} ms   {medians[name] / numpy_median:5.2f}x "
              f"numpy   (min {min(t) * 1e3:.3f}, max {max(t) * 1e3:.3f})")
    # fit's steps: nine in ten check the loss alone, one reruns the whole sample
    fits = 0.9 * medians[loss_step] + 0.1 * medians[whole_step]
    # every timed block pays one gc.collect(): take it out of the check's cost
    whole_check = medians["whole check alone"] - medians["nothing (gc.collect)"]
    extra = 0.1 * (medians[whole_step] - medians[loss_step])
    print(f"  fit's replayed step, on average: {fits * 1e3:.3f} ms, {fits / numpy_median:.2f}x "
          f"numpy; rerunning the whole sample costs {whole_check * 1e3:.3f} ms, "
          f"{extra * 1e3:.3f} ms a step on average ({extra / fits:.0%})")

    profiler = cProfile.Profile()
    for _ in range(args.repetitions):
        replay.reset()
        profiler.enable()
        replay.step()
        profiler.disable()
    print("\ncProfile of the replayed step (it inflates code that makes many small calls: read "
          "the ranking, not the times):")
    pstats.Stats(profiler).strip_dirs().sort_stats(args.sort).print_stats(args.limit)


if __name__ == "__main__":
    main()
