"""Every lesson runs top to bottom in a real Jupyter kernel, and is committed clean.

A lesson's key numbers are checked by ``assert`` cells inside it, so a broken
library breaks the lesson's test.
"""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

LESSONS = Path(__file__).parent.parent / "notebooks"
# the English lessons and their Korean twins in notebooks/ko/
NOTEBOOKS = sorted(LESSONS.glob("*.ipynb")) + sorted((LESSONS / "ko").glob("*.ipynb"))


def test_there_are_lessons():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


def lesson_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if path.parent.name == "ko" else path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lesson_id)
def test_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    dirty = [i for i, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lesson_id)
def test_notebook_runs_top_to_bottom(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    assert any("assert" in cell.source for cell in notebook.cells if cell.cell_type == "code"), \
        f"{path.name} checks none of its results with assert"
    # Run in a scratch folder so files a lesson writes do not land in the repo;
    # the lesson imports the installed package, not files beside it.
    client = NotebookClient(notebook, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
