"""Every lesson runs top to bottom in a real Jupyter kernel, and its stored outputs are current.

A lesson's key numbers are checked by ``assert`` cells inside it, so a broken
library breaks the lesson's test.  The lessons are committed with their outputs
(``make lessons``, scripts/lessons.py), so that a reader who only opens them sees
every picture; a lesson whose stored outputs no longer match a fresh run fails
here.  Each lesson is run once per test run: the same run checks both.
"""
from pathlib import Path

import nbformat
import pytest
from lessons_script import load_lessons_script

ROOT = Path(__file__).parent.parent
LESSONS = ROOT / "notebooks"
# the English lessons and their Korean twins in notebooks/ko/
NOTEBOOKS = sorted(LESSONS.glob("*.ipynb")) + sorted((LESSONS / "ko").glob("*.ipynb"))

lessons = load_lessons_script()


def test_there_are_lessons():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


def lesson_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if path.parent.name == "ko" else path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lesson_id)
def test_lesson_runs_top_to_bottom_and_its_stored_outputs_are_current(path):
    stored = nbformat.read(path, as_version=4)
    assert any("assert" in cell.source for cell in stored.cells if cell.cell_type == "code"), \
        f"{path.name} checks none of its results with assert"
    # Run in a scratch folder so files a lesson writes do not land in the repo; the lesson
    # imports the installed package, not files beside it.  A failing cell raises here.
    executed = lessons.execute(path)
    problem = lessons.stale(executed, stored, lesson_id(path))
    assert not problem, problem


def code_cell(source, *outputs):
    return nbformat.v4.new_code_cell(source, outputs=list(outputs))


def stdout(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def picture(mime, data="..."):
    return nbformat.v4.new_output("display_data", data={mime: data, "text/plain": "<a picture>"})


def notebook(*cells):
    return nbformat.v4.new_notebook(cells=list(cells))


def test_a_lesson_stored_without_outputs_is_stale_with_what_to_do():
    executed = notebook(code_cell("print(1)", stdout("1\n")))
    message = lessons.stale(executed, notebook(code_cell("print(1)")), "01_x.ipynb")
    assert "01_x.ipynb is stored without outputs" in message and "make lessons" in message


def test_a_changed_number_is_stale_and_named():
    executed = notebook(code_cell("x = 1"), code_cell("print(x)", stdout("loss 0.25\n")))
    stored = notebook(code_cell("x = 1"), code_cell("print(x)", stdout("loss 0.5\n")))
    message = lessons.stale(executed, stored)
    assert "code cell 2" in message and "0.25" in message and "make lessons" in message


def test_times_addresses_and_pictures_bytes_may_differ():
    executed = notebook(code_cell("run()", stdout("took 1.2 s at 0x7f00aa11bb22\n"),
                                  picture("image/png", "AAAA")))
    stored = notebook(code_cell("run()", stdout("took 3.75 s at 0x7f00cc33dd44\n"),
                                picture("image/png", "BBBB")))
    assert lessons.stale(executed, stored) == ""


def test_a_picture_missing_from_the_stored_outputs_is_stale():
    # A drawing stored before it carried a PNG is stale: a browser would show no picture.
    executed = notebook(code_cell("draw()", picture("image/png")))
    stored = notebook(code_cell("draw()", picture("image/svg+xml")))
    assert "make lessons" in lessons.stale(executed, stored)
