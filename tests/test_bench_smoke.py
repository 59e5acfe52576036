"""The benchmark suite runs end to end at toy sizes (``bench/run.py --quick``).

No timing is checked -- only that every workload runs, that every library
computes the same loss and gradients before it is timed, and that the outcome
of the deep chain is the one each engine's graph walk implies.
"""
import doctest
import importlib
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "run.py"), "--quick",
                           "--output-dir", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((out / "latest.json").read_text()), (out / "latest.md").read_text(), done.stdout


def test_quick_run_covers_every_workload(quick_results):
    results, markdown, printed = quick_results
    workloads = {row["workload"].split(" ")[0] for row in results["timings"]}
    assert {"1a", "1b", "1c", "2", "3", "5", "6a", "6b"} <= workloads
    assert any(row["bytes_per_node"] > 0 for row in results["memory"] if not row.get("skipped"))
    assert "chainrule" in printed and "| chainrule" in markdown


def test_every_library_computes_numpys_loss_and_gradients(quick_results):
    results, _, _ = quick_results
    libraries = {check["library"].split(" (")[0] for check in results["checks"]}
    assert {"chainrule", "CPython floor", "numpy by hand"} <= libraries
    for check in results["checks"]:
        assert check["agrees"], check


def test_elementary_graphs_have_the_same_number_of_nodes_in_every_engine(quick_results):
    results, _, _ = quick_results
    counts = {row["library"]: row["nodes"] for row in results["timings"]
              if row["workload"].startswith("1b") and not row.get("skipped")}
    assert len(set(counts.values())) == 1, counts


def test_chain_deeper_than_the_recursion_limit(quick_results):
    """chainrule's iterative walk differentiates a chain of 3,000 nodes; micrograd's
    recursive one raises RecursionError (the default limit is 1,000), reported, not fatal."""
    results, _, _ = quick_results
    backward = {row["library"]: row for row in results["timings"]
                if row["workload"] == "2 chain of 3,000 nodes" and row["phase"] == "backward"}
    assert backward["chainrule"]["error"] is None and backward["chainrule"]["median_s"] > 0
    if "micrograd" in backward:
        assert backward["micrograd"]["error"] == "RecursionError"
    unexpected = [(row["library"], row["error"]) for row in results["timings"]
                  if row.get("error") and not row["library"].startswith("micrograd")]
    assert unexpected == []


def test_digits_rows_are_compared_per_step(quick_results):
    results, markdown, _ = quick_results
    digits = [row for row in results["timings"] if row["workload"].startswith("6")]
    libraries = {row["library"] for row in digits}
    assert {"chainrule nn.fit", "chainrule nn.fit(replay=True)", "chainrule tape replay",
            "chainrule (nn.MLP, nn.optim.Adam)"} <= libraries
    for row in digits:
        if row.get("skipped"):
            continue
        assert row["error"] is None and row["steps"] >= 1 and row["digits"] >= 1, row
        assert row["ms_per_step"] == pytest.approx(row["median_s"] * 1e3 / row["steps"])
    replay_step = next(row for row in digits if row["workload"].startswith("6b")
                       and row["library"] == "chainrule tape replay")
    torch_ran = any(row["library"] == "PyTorch batched" and not row.get("skipped") for row in digits)
    assert (replay_step["vs_torch_batched"] is not None) == torch_ran
    assert "6 handwritten digits" in markdown


def test_every_library_computes_numpys_digit_gradients(quick_results):
    results, _, _ = quick_results
    checks = [c for c in results["checks"] if c["workload"].startswith("6b")]
    libraries = {c["library"] for c in checks}
    assert {"chainrule (nn.MLP, nn.optim.Adam)", "chainrule tape replay"} <= libraries
    if any(row["library"] == "PyTorch batched" and row["workload"].startswith("6")
           and not row.get("skipped") for row in results["timings"]):
        assert {"PyTorch batched", "PyTorch 0-d tensors"} <= libraries
    for check in checks:
        assert check["agrees"] and check["gradients"] == 2410, check


@pytest.mark.parametrize("name", ["bench.digits", "bench.workloads", "bench.report"])
def test_bench_docstring_examples_run(name, monkeypatch):
    monkeypatch.syspath_prepend(ROOT)   # bench is a folder of the repository, not an installed package
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
