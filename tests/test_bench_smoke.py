"""The benchmark suite runs end to end at toy sizes (``bench/run.py --quick``).

No timing is checked -- only that every workload runs, that every library
computes the same loss and gradients before it is timed, and that the outcome
of the deep chain is the one each engine's graph walk implies.
"""
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
    assert {"1a", "1b", "1c", "2", "3", "5"} <= workloads
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
