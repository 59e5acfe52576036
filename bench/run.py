"""Run the benchmark suite: ``make bench``, i.e. ``.venv/bin/python bench/run.py``.

Times chainrule against micrograd, PyTorch, numpy and a CPython floor on the
workloads of ``bench/README.md``, prints the tables, and writes
``bench/results/latest.json`` and ``bench/results/latest.md``.

The scalar engines are timed in this process, which never imports torch;
PyTorch's figures come from a second run of this script with ``--torch-only``
(started here as a subprocess), whose JSON is merged in.

    python bench/run.py              # the full run (several minutes)
    python bench/run.py --quick      # every workload at toy sizes, 1 repetition (seconds)
    python bench/run.py --only 1,4   # some workloads only
    python bench/run.py --only 6     # the handwritten digits only (about 2 minutes)
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)   # run as a script: make `bench` and the working tree's `autograd` importable

from bench import report, workloads  # noqa: E402
from bench.protocol import run_cases  # noqa: E402

WORKLOAD_ORDER = ["1a", "1b", "1c", "2", "3", "5", "6a", "6b"]
ALL_WORKLOADS = "1,2,3,4,5,6"


def _log(message: str) -> None:
    """Progress on stderr, so stdout carries only the tables."""
    print(message, file=sys.stderr, flush=True)


def _run_scalar(settings: workloads.Settings, only: set[str]) -> dict:
    """Every workload except PyTorch's, in this process."""
    problem = workloads.make_problem(settings)
    participants = workloads.demo_participants(problem)
    results: dict = {"timings": [], "memory": [], "checks": []}
    if "1" in only or "5" in only:
        _log("checking that every library computes the same loss and gradients ...")
        results["checks"] = workloads.demo_checks(participants)
    if "1" in only:
        _log(f"workload 1: the demo step, {settings.step_repetitions} repetitions")
        cases = workloads.demo_step_cases(problem, participants)
        results["timings"] += run_cases(cases, settings.step_repetitions, _log)
    if "2" in only:
        for n, reps in zip(settings.chain_sizes, settings.chain_repetitions):
            _log(f"workload 2: chain of {n:,} nodes, {reps} repetitions")
            results["timings"] += run_cases(workloads.chain_cases(settings, n), reps, _log)
    if "3" in only:
        _log(f"workload 3: sum of {settings.wide_size:,} products, {settings.wide_repetitions} repetitions")
        results["timings"] += run_cases(workloads.wide_cases(settings), settings.wide_repetitions, _log)
    if "4" in only:
        _log(f"workload 4: bytes per node, chain of {settings.memory_nodes:,} nodes")
        results["memory"] = workloads.memory_rows(settings)
    if "5" in only:
        _log(f"workload 5: training to 100% accuracy, {settings.train_repetitions} repetitions")
        cases = workloads.training_cases(settings, participants)
        results["timings"] += run_cases(cases, settings.train_repetitions, _log)
    if "6" in only:
        _log("workload 6: handwritten digits; checking that every library computes the same "
             "loss and gradients ...")
        cases, checks = workloads.digit_cases(settings)
        results["checks"] += checks
        results["timings"] += _run_digit_cases(cases, settings)
    if "torch" in sys.modules:
        raise RuntimeError("torch was imported in the process that times the scalar engines; "
                           "its live objects would slow every garbage collection")
    return results


def _run_digit_cases(cases: list, settings: workloads.Settings) -> list[dict]:
    """The epoch cases with their own repetition count, the step cases with workload 1's.

    PyTorch's 0-d tensors take their turns apart from the other libraries: the block
    timed right after one of their steps (150,000 tensors made and freed) ran 10 to 20
    times slower than the same block after any other.
    """
    rows = []
    for workload_prefix, reps in (("6a", settings.digits_repetitions), ("6b", settings.step_repetitions)):
        mine = [c for c in cases if c.workload.startswith(workload_prefix)]
        alone = [c for c in mine if c.library == "PyTorch 0-d tensors"]
        _log(f"  {mine[0].workload if mine else workload_prefix}: {reps} repetitions")
        rows += run_cases([c for c in mine if c not in alone], reps, _log)
        rows += run_cases(alone, reps, _log)
    return rows


def _run_torch(settings: workloads.Settings, only: set[str]) -> dict:
    """PyTorch's cases (workloads 1b, 1c, 5 and 6), in this process: used with --torch-only."""
    problem = workloads.make_problem(settings)
    steps, training, checks = workloads.torch_cases(settings, problem)
    results: dict = {"timings": [], "checks": checks, "versions": {}}
    if "torch" in sys.modules:
        results["versions"]["torch"] = sys.modules["torch"].__version__
    if "1" in only:
        _log(f"PyTorch: the demo step, {settings.step_repetitions} repetitions")
        results["timings"] += run_cases(steps, settings.step_repetitions, _log)
    if "5" in only:
        _log(f"PyTorch: training, {settings.train_repetitions} repetitions")
        results["timings"] += run_cases(training, settings.train_repetitions, _log)
    if "6" in only:
        _log("PyTorch: handwritten digits")
        cases, checks = workloads.torch_digit_cases(settings)
        results["checks"] += checks
        results["timings"] += _run_digit_cases(cases, settings)
    return results


def _run_torch_subprocess(args) -> dict:
    """Run this script with --torch-only in a fresh interpreter and read its JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "torch.json")
        command = [sys.executable, os.path.abspath(__file__), "--torch-only", "--json-out", path,
                   "--only", args.only] + (["--quick"] if args.quick else [])
        _log("PyTorch runs in its own process: " + " ".join(command[1:]))
        done = subprocess.run(command, cwd=ROOT)
        if done.returncode != 0 or not os.path.exists(path):
            return {"timings": [], "checks": [], "versions": {},
                    "error": f"the --torch-only run failed (exit status {done.returncode})"}
        with open(path) as f:
            return json.load(f)


def _workload_rank(row: dict) -> int:
    key = row["workload"].split(" ")[0]
    return WORKLOAD_ORDER.index(key) if key in WORKLOAD_ORDER else len(WORKLOAD_ORDER)


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run, write and print; the exit status is 0 unless a check failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="toy sizes and 1 repetition: checks that everything runs")
    parser.add_argument("--only", default=ALL_WORKLOADS, help="comma-separated workloads (default: all)")
    parser.add_argument("--output-dir", default=os.path.join(ROOT, "bench", "results"),
                        help="where latest.json and latest.md go (default: bench/results)")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch subprocess")
    parser.add_argument("--torch-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    settings = workloads.QUICK if args.quick else workloads.FULL
    only = set(args.only.replace(" ", "").split(","))

    if args.torch_only:
        with open(args.json_out, "w") as f:
            json.dump(_run_torch(settings, only), f)
        return 0

    started = time.perf_counter()
    machine = report.machine_info()
    torch_results = ({"timings": [], "checks": [], "versions": {}} if args.no_torch
                     or not only & {"1", "5", "6"} else _run_torch_subprocess(args))
    results = _run_scalar(settings, only)
    machine["versions"].update(torch_results.get("versions", {}))
    machine["load_average_at_end"] = report.load_average()

    timings = sorted(results["timings"] + torch_results["timings"], key=_workload_rank)
    combined = {
        "command": "python bench/run.py" + (" --quick" if args.quick else "")
                   + ("" if args.only == ALL_WORKLOADS else f" --only {args.only}"),
        "machine": machine,
        "settings": dataclasses.asdict(settings),
        "chainrule_demo": next((r["library"] for r in results["checks"] if r["library"].startswith("chainrule (")), None),
        "torch_error": torch_results.get("error"),
        "checks": results["checks"] + torch_results["checks"],
        "timings": report.add_comparisons(timings),
        "memory": results["memory"],
        "runtime_s": time.perf_counter() - started,
    }
    os.makedirs(args.output_dir, exist_ok=True)
    with open(os.path.join(args.output_dir, "latest.json"), "w") as f:
        json.dump(combined, f, indent=1)
    with open(os.path.join(args.output_dir, "latest.md"), "w") as f:
        f.write(report.markdown_report(combined))
    print(report.text_report(combined))
    print(f"total run time {combined['runtime_s']:,.0f} s; wrote {args.output_dir}/latest.json and latest.md")
    if combined["torch_error"]:
        print(f"warning: {combined['torch_error']}", file=sys.stderr)
    failed = [c for c in combined["checks"] if not c["agrees"]]
    for c in failed:
        print(f"CHECK FAILED: {c['library']} ({c['workload']}) does not compute numpy's loss and "
              f"gradients: relative errors {c['relative_loss_error']:.1e}, {c['relative_gradient_error']:.1e}",
              file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
