"""examples/ddp_moons.py: a chainrule model trained by two DDP processes, and brought back.

The example runs as its own program (it spawns two worker processes), so the
test runs it as a subprocess and reads what it prints: every rank must report
the same accuracy -- they share one all-reduced count -- it must be high, and
chainrule, given the trained model back, must count exactly the same.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_ddp_example_ranks_and_chainrule_agree_on_a_high_accuracy():
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-m", "examples.ddp_moons"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = dict(re.findall(r"^rank (\d+): accuracy ([0-9.]+)$", done.stdout, re.MULTILINE))
    assert sorted(ranks) == ["0", "1"], done.stdout
    assert ranks["0"] == ranks["1"]
    assert float(ranks["0"]) > 0.95
    chainrule = re.findall(r"^chainrule: accuracy ([0-9.]+)", done.stdout, re.MULTILINE)
    assert chainrule == [ranks["0"]], done.stdout
