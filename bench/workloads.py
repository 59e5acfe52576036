"""The six workloads as lists of timed cases, plus the checks that make them comparable.

1. the demo step: (a) each library's own model, (b) the same elementary graph
   in every engine, (c) batched references (numpy by hand; PyTorch in its own run);
2. a deep chain, build / backward / free timed separately;
3. a wide graph: the sum of n products x_i * y_i;
4. bytes per node (tracemalloc), not timed;
5. training the demo to 100% accuracy;
6. handwritten digits, MLP 64-32-10 with cross-entropy and Adam (``bench/digits.py``):
   (a) one epoch, (b) one mini-batch step.

Before anything is timed, ``demo_checks`` runs one step of every workload-1
participant from the shared weights and compares its loss and all 337
gradients with numpy's, and ``digit_checks`` does the same for workload 6's
2,410 gradients: the table only means something if they agree.

>>> settings = QUICK
>>> problem = make_problem(settings)
>>> [c.library for c in chain_cases(settings, settings.chain_sizes[0])]
['micrograd', 'chainrule', 'CPython floor']
"""
from __future__ import annotations

import functools
import gc
import tracemalloc
from dataclasses import dataclass

import numpy as np

import autograd
from bench import engines, graphs
from bench.demo_models import ChainruleDemo, MicrogradDemo, tape_replay_demo
from bench.digits import ChainruleDigits, FitEpoch, TapeReplayDigits, digit_checks, digits_problem
from bench.numpy_mlp import NumpyMLP
from bench.problems import LR, demo_learning_rate, flatten, initial_weights, make_moons
from bench.protocol import Case

__all__ = ["Settings", "FULL", "QUICK", "make_problem", "demo_step_cases", "demo_checks",
           "chain_cases", "wide_cases", "memory_rows", "training_cases", "torch_cases",
           "digit_cases", "torch_digit_cases", "digits_epoch_title", "W1A", "W1B", "W1C", "W3",
           "W5", "W6B", "chain_title"]

W1A = "1a demo step, own model"
W1B = "1b demo step, elementary ops"
W1C = "1c demo step, batched"
W3 = "3 wide sum of products"
W5 = "5 train to 100% accuracy"
W6B = "6b digits: one step (32 digits)"


def chain_title(n: int) -> str:
    """The workload name of a chain of ``n`` nodes.

    >>> chain_title(100_000)
    '2 chain of 100,000 nodes'
    """
    return f"2 chain of {n:,} nodes"


@dataclass(frozen=True)
class Settings:
    """Sizes and repetition counts of one run.

    >>> FULL.step_repetitions, QUICK.step_repetitions
    (7, 1)
    """

    quick: bool = False
    samples: int = 100
    step_repetitions: int = 7
    chain_sizes: tuple = (100_000, 1_000_000)
    chain_repetitions: tuple = (5, 3)
    wide_size: int = 1_000_000
    wide_repetitions: int = 2     # micrograd needs about a minute per repetition here
    memory_nodes: int = 200_000
    train_repetitions: int = 2    # micrograd needs about a minute per repetition here
    train_max_steps: int = 100   # micrograd's demo schedule has 100 steps
    digits_samples: int = 1437   # lesson 15's training digits
    digits_batch: int = 32
    digits_repetitions: int = 5
    digits_torch_scalar_batches: int = 2   # PyTorch 0-d tensors take ~1.3 s per batch: a subset


FULL = Settings()
QUICK = Settings(quick=True, samples=8, step_repetitions=1, chain_sizes=(500, 3_000),
                 chain_repetitions=(1, 1), wide_size=500, wide_repetitions=1,
                 memory_nodes=2_000, train_repetitions=1, train_max_steps=3,
                 digits_samples=12, digits_batch=4, digits_repetitions=1,
                 digits_torch_scalar_batches=1)


def make_problem(settings: Settings) -> dict:
    """The moons data (as numpy and as Python floats) and the shared initial weights.

    >>> problem = make_problem(QUICK)
    >>> problem['X'].shape, len(problem['X_rows']), len(problem['layers'])
    ((8, 2), 8, 3)
    """
    X, y = make_moons(settings.samples, noise=0.1)
    return {"X": X, "y": y, "X_rows": X.tolist(), "y_list": y.tolist(), "layers": initial_weights()}


class NumpyDemo:
    """``NumpyMLP`` behind the reset / step / gradients interface of the other demos.

    >>> problem = make_problem(QUICK)
    >>> demo = NumpyDemo(problem['layers'], problem['X'], problem['y'])
    >>> demo.step(0.0)[0] > 0, len(demo.gradients())
    (True, 337)
    """

    library = "numpy by hand"

    def __init__(self, layers, X, y):
        self.layers, self.X, self.y = layers, X, y
        self.model = NumpyMLP(layers)

    def reset(self) -> None:
        """Back to the shared initial weights."""
        self.model.load(self.layers)

    def step(self, lr: float) -> tuple[float, float]:
        """One step over the batch; the loss and accuracy before the update."""
        return self.model.step(self.X, self.y, lr)

    def gradients(self) -> list[float]:
        """Gradients in the canonical order."""
        return flatten(self.model.grads)


def _step_case(workload: str, demo, nodes: int | None = None, note: str = "",
               reference: str | None = None) -> Case:
    def step(_):
        demo.step(LR)   # the loss and accuracy are floats; the graph is dropped on return
    return Case(workload, demo.library, [("step", step)], prepare=demo.reset, nodes=nodes,
                note=note, reference=reference)


def _skip(workload: str, library: str, reason: str) -> Case:
    return Case(workload, library, [], skip=reason)


def demo_participants(problem: dict) -> list:
    """(workload, demo) for every scalar-process participant of workload 1.

    >>> [w for w, demo in demo_participants(make_problem(QUICK))].count(W1B)
    3
    """
    layers, X_rows, y = problem["layers"], problem["X_rows"], problem["y_list"]
    out = []
    if engines.available("micrograd") is None:
        out.append((W1A, MicrogradDemo(layers, X_rows, y)))
    out.append((W1A, ChainruleDemo(layers, X_rows, y)))
    tape_demo, _ = tape_replay_demo(layers, X_rows, y)
    if tape_demo is not None:
        out.append((W1A, tape_demo))
    for make in (engines.micrograd, engines.chainrule, engines.floor):
        if make is engines.micrograd and engines.available("micrograd") is not None:
            continue
        out.append((W1B, graphs.ElementaryDemo(make(), layers, X_rows, y)))
    out.append((W1C, NumpyDemo(layers, problem["X"], problem["y"])))
    return out


def demo_step_cases(problem: dict, participants: list) -> list[Case]:
    """Workload 1: one 'step' case per participant, plus the slots that are skipped.

    >>> problem = make_problem(QUICK)
    >>> cases = demo_step_cases(problem, demo_participants(problem))
    >>> sorted({c.workload for c in cases}) == [W1A, W1B, W1C]
    True
    """
    cases = []
    missing_micrograd = engines.available("micrograd")
    if missing_micrograd:
        cases += [_skip(W1A, "micrograd", missing_micrograd), _skip(W1B, "micrograd", missing_micrograd)]
    for workload, demo in participants:
        if workload == W1A:
            nodes = _count_demo_nodes(demo) if hasattr(demo, "forward") else None
            cases.append(_step_case(W1A, demo, nodes=nodes))
        elif workload == W1B:
            cases.append(_step_case(W1B, demo, nodes=demo.count_nodes()))
        else:
            cases.append(_step_case(W1C, demo, reference=W1A,
                                    note="ratio against micrograd's own-model step (1a)"))
    if not any(demo.library == "chainrule tape replay" for _, demo in participants):
        _, reason = tape_replay_demo(problem["layers"], problem["X_rows"], problem["y_list"])
        cases.append(_skip(W1A, "chainrule tape replay", reason))
    return cases


def _count_demo_nodes(demo) -> int:
    total, _ = demo.forward()
    if isinstance(total, autograd.Value):
        return len(autograd.topological_order(total))
    return engines.count_reachable(total, "_prev")


def demo_checks(participants: list, reference_demo=None) -> list[dict]:
    """One step from the shared weights: each participant's loss and gradients against numpy's.

    Every participant is reset before and after, so the timed runs start clean.

    >>> problem = make_problem(QUICK)
    >>> all(row['agrees'] for row in demo_checks(demo_participants(problem)))
    True
    """
    reference = reference_demo or next(d for w, d in participants if isinstance(d, NumpyDemo))
    reference.reset()
    ref_loss, _ = reference.step(0.0)
    ref_grads = np.array(reference.gradients())
    reference.reset()
    rows = []
    for workload, demo in participants:
        demo.reset()
        loss, accuracy = demo.step(0.0)
        grads = np.array(demo.gradients())
        demo.reset()
        loss_error = abs(loss - ref_loss) / max(1.0, abs(ref_loss))
        grad_error = float(np.max(np.abs(grads - ref_grads))) / max(1.0, float(np.max(np.abs(ref_grads))))
        rows.append({"workload": workload, "library": demo.library, "loss": float(loss),
                     "accuracy": float(accuracy), "relative_loss_error": loss_error,
                     "relative_gradient_error": grad_error, "gradients": len(grads),
                     "agrees": bool(loss_error < 1e-9 and grad_error < 1e-9 and len(grads) == len(ref_grads))})
    return rows


def _graph_phases(engine, build) -> list:
    def backward(root):
        engine.backward(root)
        return root
    return [("build", lambda _: build()), ("backward", backward), ("free", lambda root: None)]


def _scalar_engines() -> list:
    """micrograd (or the reason it is missing), chainrule, the floor."""
    missing = engines.available("micrograd")
    return [missing or engines.micrograd(), engines.chainrule(), engines.floor()]


def chain_cases(settings: Settings, n: int) -> list[Case]:
    """Workload 2: a chain of exactly ``n`` nodes (n - 3 interior nodes and 3 leaves).

    >>> [c.phases[1][0] for c in chain_cases(QUICK, 500)]
    ['backward', 'backward', 'backward']
    """
    title = chain_title(n)
    reps = settings.chain_repetitions[settings.chain_sizes.index(n)]
    cases = []
    for engine in _scalar_engines():
        if isinstance(engine, str):
            cases.append(_skip(title, "micrograd", engine))
            continue
        build = functools.partial(graphs.chain, engine.leaf, n - 3)
        cases.append(Case(title, engine.name, _graph_phases(engine, build),
                          prepare=engine.discard, count_nodes=engine.count_nodes,
                          note=f"{reps} repetitions"))
    return cases


def wide_data(n: int) -> tuple[list[float], list[float]]:
    """The x_i and y_i of workload 3 (standard normal, fixed seed), as Python floats.

    >>> xs, ys = wide_data(3); len(xs), type(ys[0])
    (3, <class 'float'>)
    """
    rng = np.random.default_rng(1)
    return rng.standard_normal(n).tolist(), rng.standard_normal(n).tolist()


def wide_cases(settings: Settings) -> list[Case]:
    """Workload 3: sum of n products, with Python's sum() (n - 1 '+' nodes) or autograd.sum.

    >>> [c.library for c in wide_cases(QUICK)][1:3]
    ['chainrule sum()', 'chainrule autograd.sum']
    """
    xs, ys = wide_data(settings.wide_size)
    title = f"{W3} (n = {settings.wide_size:,})"
    note = f"{settings.wide_repetitions} repetitions"
    cases = []
    for engine in _scalar_engines():
        if isinstance(engine, str):
            cases.append(_skip(title, "micrograd sum()", engine))
            continue
        build = functools.partial(_sum_of_products, sum, engine.leaf, xs, ys)
        cases.append(Case(title, f"{engine.name} sum()", _graph_phases(engine, build),
                          prepare=engine.discard, count_nodes=engine.count_nodes, note=note))
        if engine.name == "chainrule":
            build = functools.partial(_sum_of_products, autograd.sum, engine.leaf, xs, ys)
            cases.append(Case(title, "chainrule autograd.sum", _graph_phases(engine, build),
                              count_nodes=engine.count_nodes, note=note))
    return cases


def _sum_of_products(total, leaf, xs, ys):
    # Python's sum() makes a chain of n - 1 '+' nodes; autograd.sum makes one node
    return total(graphs.wide_products(leaf, xs, ys))


def memory_rows(settings: Settings) -> list[dict]:
    """Workload 4: bytes per node of a chain of exactly ``memory_nodes`` nodes, by tracemalloc.

    >>> [row['nodes'] for row in memory_rows(QUICK)]
    [2000, 2000, 2000]
    """
    rows = []
    for engine in _scalar_engines():
        if isinstance(engine, str):
            rows.append({"library": "micrograd", "skipped": engine})
            continue
        engine.discard()
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        root = graphs.chain(engine.leaf, settings.memory_nodes - 3)
        gc.collect()
        used = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        nodes = engine.count_nodes(root)
        engine.discard()
        del root
        gc.collect()
        rows.append({"library": engine.name, "nodes": nodes, "bytes": used,
                     "bytes_per_node": used / nodes, "skipped": None})
    return rows


def train_to_full_accuracy(step, max_steps: int) -> tuple[int, float, float]:
    """Steps of the demo schedule until a forward pass classifies every sample right.

    Returns (steps taken, accuracy of the last forward pass, its loss).

    >>> train_to_full_accuracy(lambda lr: (0.5, 1.0), 100)
    (1, 1.0, 0.5)
    """
    accuracy = loss = float("nan")
    for k in range(max_steps):
        loss, accuracy = step(demo_learning_rate(k))
        if accuracy == 1.0:
            return k + 1, accuracy, loss
    return max_steps, accuracy, loss


def _training_case(settings: Settings, demo) -> Case:
    case = Case(W5, demo.library, [], prepare=demo.reset,
                note=f"lr 1 - 0.9k/100, at most {settings.train_max_steps} steps")

    def train(_):
        steps, accuracy, loss = train_to_full_accuracy(demo.step, settings.train_max_steps)
        case.extra.update(steps=steps, final_accuracy=accuracy, final_loss=loss)
    case.phases = [("train", train)]
    return case


def training_cases(settings: Settings, participants: list) -> list[Case]:
    """Workload 5 for each library's own model (1a) and numpy's.

    >>> cases = training_cases(QUICK, demo_participants(make_problem(QUICK)))
    >>> [c.phases[0][0] for c in cases][:2]
    ['train', 'train']
    """
    cases = []
    if engines.available("micrograd") is not None:
        cases.append(_skip(W5, "micrograd", engines.available("micrograd")))
    for workload, demo in participants:
        if workload in (W1A, W1C):
            cases.append(_training_case(settings, demo))
    return cases


def torch_cases(settings: Settings, problem: dict) -> tuple[list[Case], list[Case], list[dict]]:
    """PyTorch's workload-1 and workload-5 cases and checks (imports torch: own process only).

    Used by ``run.py --torch-only``; the smoke test runs it (no doctest, so that
    the doctests never import torch).
    """
    missing = engines.available("torch")
    if missing:
        return ([_skip(W1B, "PyTorch 0-d tensors", missing), _skip(W1C, "PyTorch batched", missing)],
                [_skip(W5, "PyTorch batched", missing)], [])
    from bench.torch_cases import TorchBatchedDemo, TorchScalarDemo

    layers = problem["layers"]
    scalar = TorchScalarDemo(layers, problem["X_rows"], problem["y_list"])
    batched = TorchBatchedDemo(layers, problem["X"], problem["y"])
    participants = [(W1B, scalar), (W1C, batched)]
    checks = demo_checks(participants, reference_demo=NumpyDemo(layers, problem["X"], problem["y"]))
    # the 0-d tensors build chainrule's elementary graph node for node: count it there
    nodes = graphs.ElementaryDemo(engines.chainrule(), layers, problem["X_rows"],
                                  problem["y_list"]).count_nodes()
    step_cases = [_step_case(W1B, scalar, nodes=nodes, note="node count: chainrule's graph"),
                  _step_case(W1C, batched, reference=W1A,
                             note="ratio against micrograd's own-model step (1a)")]
    return step_cases, [_training_case(settings, batched)], checks


# -- workload 6: handwritten digits ---------------------------------------------------

def digits_epoch_title(settings: Settings) -> str:
    """The name of workload 6a, with its size.

    >>> digits_epoch_title(FULL)
    '6a digits: one epoch (1,437 digits, 45 steps of 32)'
    """
    steps = -(-settings.digits_samples // settings.digits_batch)
    return (f"6a digits: one epoch ({settings.digits_samples:,} digits, {steps} steps of "
            f"{settings.digits_batch})")


def _digit_case(workload: str, demo, run, digits: int, steps: int, note: str = "",
                prepare=None) -> Case:
    return Case(workload, demo.library, [(run.__name__, lambda _: run())],
                prepare=prepare or demo.reset, note=note, extra={"digits": digits, "steps": steps})


def _step_title(settings: Settings) -> str:
    return W6B.replace("32 digits", f"{settings.digits_batch} digits")


def _epoch_and_step_cases(settings: Settings, problem: dict, epoch_demos: list,
                          step_demos: list) -> list[Case]:
    epoch_title, step_title = digits_epoch_title(settings), _step_title(settings)
    # The timed step is an optimizer's second, after one untimed step on the first batch:
    # a first step also allocates Adam's moments (and PyTorch's lazy state), which an
    # epoch pays once, not per step.  Every repetition starts over from the shared
    # weights, so each does the same arithmetic.
    first, second = problem["batches"][0], problem["batches"][min(1, len(problem["batches"]) - 1)]
    cases = []
    for demo, note in epoch_demos:
        digits, steps = len(demo.problem["X"]), len(demo.problem["batches"])
        cases.append(_digit_case(epoch_title, demo, demo.epoch, digits, steps, note))
    for demo in step_demos:
        def warm_up(demo=demo):
            demo.reset()
            demo.step(first)

        def step(demo=demo):
            demo.step(second)
        cases.append(_digit_case(step_title, demo, step, len(second), 1,
                                 note="an optimizer's second step", prepare=warm_up))
    return cases


def digit_cases(settings: Settings) -> tuple[list[Case], list[dict]]:
    """Workload 6 in the scalar process: chainrule's epoch (fit, fit with replay, tape replay)
    and step (scalar engine, tape replay), and the check of each against numpy.

    >>> cases, checks = digit_cases(QUICK)
    >>> [c.library for c in cases][:2], all(row['agrees'] for row in checks)
    (['chainrule nn.fit', 'chainrule nn.fit(replay=True)'], True)
    """
    problem = digits_problem(settings.digits_samples, settings.digits_batch)
    scalar, replay = ChainruleDigits(problem), TapeReplayDigits(problem)
    checks = digit_checks([scalar, replay], problem, _step_title(settings))
    epoch_demos = [(FitEpoch(problem, replay=False), ""),
                   (FitEpoch(problem, replay=True), "recording the tape and checking it against the "
                    "scalar engine (up to 1,000 digits) are part of the call"),
                   (replay, "the tape recorded once, outside the timing")]
    return _epoch_and_step_cases(settings, problem, epoch_demos, [scalar, replay]), checks


def torch_digit_cases(settings: Settings) -> tuple[list[Case], list[dict]]:
    """Workload 6 for PyTorch (imports torch: own process only), batched and with 0-d tensors.

    The 0-d tensors take the first ``digits_torch_scalar_batches`` mini-batches
    only; the report compares time per step.
    """
    missing = engines.available("torch")
    if missing:
        return ([_skip(digits_epoch_title(settings), "PyTorch batched", missing),
                 _skip(_step_title(settings), "PyTorch batched", missing)], [])
    from bench.torch_cases import TorchBatchedDigits, TorchScalarDigits

    problem = digits_problem(settings.digits_samples, settings.digits_batch)
    subset = digits_problem(settings.digits_torch_scalar_batches * settings.digits_batch,
                            settings.digits_batch)
    batched, scalar, scalar_subset = (TorchBatchedDigits(problem), TorchScalarDigits(problem),
                                      TorchScalarDigits(subset))
    checks = digit_checks([batched, scalar], problem, _step_title(settings))
    epoch_demos = [(batched, ""), (scalar_subset, f"a subset: the first {len(subset['X'])} digits")]
    return _epoch_and_step_cases(settings, problem, epoch_demos, [batched, scalar]), checks
