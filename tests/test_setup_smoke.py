"""The machine set-up that scripts/setup.sh promises is in place."""
import shutil
import subprocess


def test_dot_program_runs():
    dot = shutil.which("dot")
    assert dot, "Graphviz 'dot' not on PATH: run scripts/setup.sh"
    out = subprocess.run([dot, "-V"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    assert "graphviz" in (out.stdout + out.stderr).lower()


def test_core_imports_and_render():
    import graphviz
    import numpy as np

    assert np.add(1, 2) == 3
    src = graphviz.Digraph()
    src.edge("x", "y")
    svg = src.pipe(format="svg").decode()
    assert "<svg" in svg
