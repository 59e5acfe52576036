"""Turning result rows into the printed table, the JSON file and the markdown file.

Two comparisons are added to every timed row: ``vs_micrograd`` (micrograd's
median divided by this row's: 25.0 means 25 times faster than micrograd) and
``vs_floor`` (this row's median divided by the CPython floor's: how far above
plain CPython objects).  Both are ratios of medians of the same phase.  The
digits rows (workload 6) are compared per step instead, since PyTorch's 0-d
tensors run on a subset: ``vs_scalar`` (chainrule's scalar engine per step
divided by this row's) and ``vs_torch_batched`` (this row per step divided by
PyTorch batched per step: 2.0 means twice PyTorch's time).

>>> rows = [{'workload': 'w', 'reference': 'w', 'library': 'micrograd', 'phase': 'step', 'median_s': 1.0},
...         {'workload': 'w', 'reference': 'w', 'library': 'chainrule', 'phase': 'step', 'median_s': 0.04}]
>>> add_comparisons(rows)[1]['vs_micrograd']
25.0
"""
from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from importlib import metadata

__all__ = ["machine_info", "load_average", "add_comparisons", "text_report", "markdown_report",
           "DIGITS_SCALAR_LIBRARIES"]

#: The scalar-engine row each digits workload's speed-up is measured against.
DIGITS_SCALAR_LIBRARIES = ("chainrule nn.fit", "chainrule (nn.MLP, nn.optim.Adam)")


def machine_info() -> dict:
    """Where and when the benchmark ran, and which versions it measured.

    >>> machine_info()['cpu_count'] > 0
    True
    """
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    versions = {}
    for package in ("micrograd", "numpy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "cpu_model": cpu,
        "cpu_count": os.cpu_count(),
        "load_average_at_start": load_average(),
        "versions": versions,
        "chainrule_commit": _git_commit(),
    }


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages: how much other processes competed for the CPU.

    >>> len(load_average())
    3
    """
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             cwd=os.path.dirname(os.path.abspath(__file__)), timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _find(rows: list[dict], workload: str, phase: str, library_prefix: str) -> dict | None:
    for row in rows:
        if (row["workload"] == workload and row["phase"] == phase
                and row["library"].startswith(library_prefix)):
            return row
    return None


def add_comparisons(rows: list[dict]) -> list[dict]:
    """Fill ``vs_micrograd`` and ``vs_floor`` in place (None where either median is missing)."""
    for row in rows:
        median = row.get("median_s")
        base = _find(rows, row.get("reference", row["workload"]), row["phase"], "micrograd")
        floor = _find(rows, row["workload"], row["phase"], "CPython floor")
        row["vs_micrograd"] = (base["median_s"] / median
                               if median and base and base.get("median_s") else None)
        row["vs_floor"] = (median / floor["median_s"]
                           if median and floor and floor.get("median_s") else None)
    _add_per_step_comparisons([r for r in rows if _is_digits(r)])
    return rows


def _is_digits(row: dict) -> bool:
    return row["workload"].startswith("6")


def _per_step(row: dict | None) -> float | None:
    if row is None or not row.get("median_s") or not row.get("steps"):
        return None
    return row["median_s"] / row["steps"]


def _add_per_step_comparisons(rows: list[dict]) -> None:
    """``ms_per_step``, ``vs_scalar`` and ``vs_torch_batched`` for the digits rows, in place.

    >>> rows = [{'workload': '6', 'library': 'chainrule nn.fit', 'median_s': 2.0, 'steps': 4},
    ...         {'workload': '6', 'library': 'PyTorch batched', 'median_s': 0.02, 'steps': 4},
    ...         {'workload': '6', 'library': 'PyTorch 0-d tensors', 'median_s': 3.0, 'steps': 1}]
    >>> _add_per_step_comparisons(rows)
    >>> [(r['vs_scalar'], r['vs_torch_batched']) for r in rows]
    [(1.0, 100.0), (100.0, 1.0), (0.16666666666666666, 600.0)]
    """
    for row in rows:
        same = [r for r in rows if r["workload"] == row["workload"]]
        scalar = next((r for r in same if r["library"] in DIGITS_SCALAR_LIBRARIES), None)
        torch_batched = next((r for r in same if r["library"] == "PyTorch batched"), None)
        mine, scalar_step, torch_step = _per_step(row), _per_step(scalar), _per_step(torch_batched)
        row["ms_per_step"] = None if mine is None else mine * 1e3
        row["vs_scalar"] = scalar_step / mine if mine and scalar_step else None
        row["vs_torch_batched"] = mine / torch_step if mine and torch_step else None


_EXAMPLE = {  # the smallest results a report can be made of (used by the examples)
    "machine": {"date": "today", "cpu_model": "cpu", "cpu_count": 1, "platform": "os", "python": "3",
                "load_average_at_start": None},
    "command": "run.py", "settings": {"memory_nodes": 10}, "checks": [], "memory": [],
    "timings": [{"workload": "w", "library": "lib", "phase": "step", "median_s": 0.001,
                 "min_s": 0.001, "max_s": 0.001, "repetitions": 1, "nodes": None}],
}


# -- formatting --------------------------------------------------------------------

def _ms(seconds) -> str:
    if seconds is None:
        return ""
    ms = seconds * 1e3
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"


def _times(value, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}x"


def _ratio(value) -> str:
    """A ratio that may be far below 1 (PyTorch's 0-d tensors against the scalar engine)."""
    if value is None:
        return ""
    return f"{value:,.1f}x" if value >= 0.95 else f"{value:.2g}x"


def _count(value) -> str:
    return "" if not value else f"{value:,}"


def _ns(value) -> str:
    return "" if value is None else f"{value:,.0f}"


TIMING_COLUMNS = ("library", "phase", "median ms", "min ms", "max ms", "reps",
                  "micrograd / this", "this / floor", "nodes", "ns/node")


def _timing_cells(row: dict) -> list[str]:
    if row.get("skipped"):
        return [row["library"], "-", f"skipped: {row['skipped']}"] + [""] * 7
    if row.get("error"):
        return [row["library"], row["phase"], row["error"], "", "", str(row["repetitions"]),
                "", "", _count(row.get("nodes")), ""]
    return [row["library"], row["phase"], _ms(row["median_s"]), _ms(row["min_s"]), _ms(row["max_s"]),
            str(row["repetitions"]), _times(row.get("vs_micrograd")), _times(row.get("vs_floor")),
            _count(row.get("nodes")), _ns(row.get("ns_per_node"))]


def _training_cells(row: dict) -> list[str]:
    if row.get("skipped"):
        return [row["library"], f"skipped: {row['skipped']}"] + [""] * 6
    seconds = (lambda s: "" if s is None else f"{s:,.2f}")
    return [row["library"], str(row.get("steps", "")), f"{row.get('final_accuracy', 0):.0%}",
            seconds(row["median_s"]), seconds(row["min_s"]), seconds(row["max_s"]),
            str(row["repetitions"]), _times(row.get("vs_micrograd"))]


TRAINING_COLUMNS = ("library", "steps", "accuracy", "median s", "min s", "max s", "reps",
                    "micrograd / this")
MEMORY_COLUMNS = ("library", "nodes", "bytes", "bytes/node", "this / floor")
DIGITS_COLUMNS = ("library", "phase", "digits", "steps", "median ms", "min ms", "max ms", "reps",
                  "ms per step", "scalar engine / this", "this / PyTorch batched")
CHECK_COLUMNS = ("workload", "library", "loss", "loss error", "gradient error", "agrees")


def _memory_cells(row: dict, floor_bpn) -> list[str]:
    if row.get("skipped"):
        return [row["library"], f"skipped: {row['skipped']}", "", "", ""]
    ratio = row["bytes_per_node"] / floor_bpn if floor_bpn else None
    return [row["library"], _count(row["nodes"]), _count(row["bytes"]),
            f"{row['bytes_per_node']:,.0f}", _times(ratio, 2)]


def _digits_cells(row: dict) -> list[str]:
    if row.get("skipped"):
        return [row["library"], "-", f"skipped: {row['skipped']}"] + [""] * 8
    if row.get("error"):
        return [row["library"], row["phase"], row["error"]] + [""] * 8
    per_step = row.get("ms_per_step")
    return [row["library"], row["phase"], _count(row.get("digits")), _count(row.get("steps")),
            _ms(row["median_s"]), _ms(row["min_s"]), _ms(row["max_s"]), str(row["repetitions"]),
            "" if per_step is None else _ms(per_step / 1e3), _ratio(row.get("vs_scalar")),
            _ratio(row.get("vs_torch_batched"))]


def _check_cells(row: dict) -> list[str]:
    return [row["workload"], row["library"], f"{row['loss']:.12f}", f"{row['relative_loss_error']:.1e}",
            f"{row['relative_gradient_error']:.1e}", "yes" if row["agrees"] else "NO"]


def _sections(results: dict):
    """(title, columns, text columns, list of (group, cells)) for each table of the report."""
    timing = [r for r in results["timings"] if not r["workload"].startswith(("5 ", "6"))]
    training = [r for r in results["timings"] if r["workload"].startswith("5 ")]
    digits = [r for r in results["timings"] if _is_digits(r)]
    floor_bpn = next((r["bytes_per_node"] for r in results["memory"]
                      if r.get("library") == "CPython floor" and not r.get("skipped")), None)
    memory_title = f"4 bytes per node (tracemalloc, a chain of {results['settings']['memory_nodes']:,} nodes)"
    return [  # (title, columns, how many leading columns are text, rows)
        ("Workloads 1-3: time per phase", TIMING_COLUMNS, 2,
         [(r["workload"], _timing_cells(r)) for r in timing]),
        (memory_title, MEMORY_COLUMNS, 1,
         [(None, _memory_cells(r, floor_bpn)) for r in results["memory"]]),
        ("5 train the demo to 100% training accuracy", TRAINING_COLUMNS, 1,
         [(None, _training_cells(r)) for r in training]),
        ("6 handwritten digits: MLP 64-32-10, softmax cross-entropy, Adam (lr 0.005)", DIGITS_COLUMNS, 2,
         [(r["workload"], _digits_cells(r)) for r in digits]),
        ("Check: one step from the shared weights, against numpy (relative errors)", CHECK_COLUMNS, 2,
         [(None, _check_cells(r)) for r in results["checks"]]),
    ]


def text_report(results: dict) -> str:
    """The tables as aligned plain text, a header line for each workload.

    >>> print(text_report(_EXAMPLE).splitlines()[4])   # the workload, then its rows
    w
    """
    lines = []
    for title, columns, text_columns, body in _sections(results):
        widths = [len(c) for c in columns]
        for _, cells in body:
            widths = [max(w, len(c)) if i != 2 or not c.startswith("skipped") else w
                      for i, (w, c) in enumerate(zip(widths, cells))]
        lines += ["", title, "=" * len(title)]
        fmt = lambda cells: "  ".join(c.ljust(w) if i < text_columns else c.rjust(w)  # noqa: E731
                                      for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
        lines.append("  " + fmt(list(columns)))
        group = object()
        for name, cells in body:
            if name is not None and name != group:
                lines.append(name)
                group = name
            if cells[2].startswith("skipped"):
                lines.append("  " + "  ".join([cells[0].ljust(widths[0]), cells[1].ljust(widths[1]), cells[2]]))
            else:
                lines.append("  " + fmt(cells))
    return "\n".join(lines) + "\n"


def markdown_report(results: dict) -> str:
    """The same tables in GitHub markdown, with the machine they were measured on.

    >>> markdown_report(_EXAMPLE).count('| w | lib | step |')
    1
    """
    m = results["machine"]
    out = [f"Measured {m['date']} on {m['cpu_model']} ({m['cpu_count']} cores), "
           f"{m['platform']}, Python {m['python']}; load average at start {m['load_average_at_start']}; "
           f"total run time {results.get('runtime_s', 0):,.0f} s; command `{results['command']}`.", ""]
    for title, columns, text_columns, body in _sections(results):
        has_groups = any(name for name, _ in body)
        head = (["workload"] if has_groups else []) + list(columns)
        text_columns += has_groups
        out += [f"**{title}**", "", "| " + " | ".join(head) + " |",
                "|" + "|".join("---" if i < text_columns else "---:" for i in range(len(head))) + "|"]
        group = object()
        for name, cells in body:
            first = ([name if name != group else ""] if has_groups else [])
            group = name
            out.append("| " + " | ".join(first + cells) + " |")
        out.append("")
    return "\n".join(out)
