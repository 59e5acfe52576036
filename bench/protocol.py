"""The timing protocol: alternate the libraries, collect garbage inside each timed block.

A *case* is one library doing one workload, split into *phases* (``step``, or
``build`` / ``backward`` / ``free``).  Each phase is a function that takes what
the previous phase returned.  Every timed block

1. starts right after a ``gc.collect()`` (not timed), so no library inherits
   another's garbage, and
2. ends with its own ``gc.collect()`` (timed), so each library pays for
   reclaiming the garbage it made -- micrograd's closures make reference
   cycles that only the collector frees; chainrule's graphs are freed by
   reference counting as soon as they are dropped.

Before the first repetition, everything alive (modules, the data, the models)
is moved out of the collector's sight with ``gc.freeze()``: a full collection
then walks only what the engines made since, not the tens of thousands of
objects every imported module keeps (which took ~10 ms per collection here and
would have been a fixed cost added to every timed block).

Repetitions alternate: repetition r runs every case of a workload once, in an
order rotated by r, so slow drifts of the machine (other processes, CPU clock)
fall on all libraries alike.  A phase that raises (micrograd's RecursionError
on deep graphs) is recorded by the exception's name and the case goes on with
its next phase, so the graph still gets freed.

>>> calls = []
>>> case = Case('demo', 'toy', [('step', lambda state: calls.append(1))])
>>> [row['phase'] for row in run_cases([case], repetitions=3)], len(calls)
(['step'], 3)
"""
from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Case", "run_cases", "summarise"]

Phase = tuple[str, Callable[[Any], Any]]


@dataclass
class Case:
    """One library on one workload.

    ``prepare`` runs untimed before every repetition (e.g. to reload the initial
    weights, so every repetition does exactly the same arithmetic).
    ``count_nodes`` is called once, untimed, on what the first phase returned.
    ``extra`` holds anything a phase wants reported (training steps, accuracy).
    ``skip`` is a reason: the case is listed in the table but not run.

    >>> Case('1a', 'numpy', [], skip='not installed').skip
    'not installed'
    """

    workload: str
    library: str
    phases: list[Phase]
    prepare: Callable[[], None] | None = None
    nodes: int | None = None
    count_nodes: Callable[[Any], int] | None = None
    reference: str | None = None   # workload of the micrograd row the ratio divides by
    note: str = ""
    skip: str | None = None
    extra: dict = field(default_factory=dict)


def run_cases(cases: list[Case], repetitions: int, log: Callable[[str], None] | None = None) -> list[dict]:
    """Time every case ``repetitions`` times, alternating; one result row per (case, phase).

    >>> case = Case('w', 'lib', [('build', lambda _: [1, 2]), ('free', lambda graph: None)])
    >>> [(row['phase'], row['repetitions']) for row in run_cases([case], 2)]
    [('build', 2), ('free', 2)]
    """
    active = [c for c in cases if c.skip is None]
    times: dict[tuple[int, str], list] = {}
    gc.collect()
    gc.freeze()
    try:
        for rep in range(repetitions):
            shift = rep % len(active) if active else 0
            for case in active[shift:] + active[:shift]:
                if log:
                    log(f"  rep {rep + 1}/{repetitions}  {case.workload}  {case.library}")
                _run_once(case, times, count=(rep == 0))
    finally:
        gc.unfreeze()
    rows = []
    for case in cases:
        if case.skip is not None:
            rows.append(_row(case, "-", [], skipped=case.skip))
            continue
        for phase, _ in case.phases:
            rows.append(_row(case, phase, times[(id(case), phase)]))
    return rows


def _run_once(case: Case, times: dict, count: bool) -> None:
    if case.prepare is not None:
        case.prepare()
    state = None
    for index, (phase, run) in enumerate(case.phases):
        gc.collect()
        start = time.perf_counter()
        try:
            state = run(state)   # rebinding drops the previous state inside the timed block
            outcome: float | str = 0.0
        except Exception as exc:  # noqa: BLE001 - recorded in the table, e.g. RecursionError
            outcome = type(exc).__name__
        gc.collect()
        elapsed = time.perf_counter() - start
        times.setdefault((id(case), phase), []).append(elapsed if outcome == 0.0 else outcome)
        if count and index == 0 and case.count_nodes is not None:
            case.nodes = case.count_nodes(state)
    del state


def summarise(samples: list) -> dict:
    """Median, min and max of the timings, or the error if any repetition failed.

    >>> summarise([0.3, 0.1, 0.2])['median_s']
    0.2
    >>> summarise([0.1, 'RecursionError'])['error']
    'RecursionError'
    """
    errors = [s for s in samples if isinstance(s, str)]
    if errors:
        return {"error": errors[0], "median_s": None, "min_s": None, "max_s": None}
    return {"error": None, "median_s": statistics.median(samples),
            "min_s": min(samples), "max_s": max(samples)}


def _row(case: Case, phase: str, samples: list, skipped: str | None = None) -> dict:
    row = {
        "workload": case.workload, "library": case.library, "phase": phase,
        "reference": case.reference or case.workload,
        "repetitions": len(samples), "times_s": list(samples),
        "nodes": case.nodes, "note": case.note, "skipped": skipped, **case.extra,
    }
    row.update(summarise(samples) if samples else
               {"error": None, "median_s": None, "min_s": None, "max_s": None})
    if row["median_s"] is not None and case.nodes:
        row["ns_per_node"] = row["median_s"] * 1e9 / case.nodes
    return row
