"""The Korean lessons are twins of the English ones: the same code, prose written in Korean.

A Korean lesson (``notebooks/ko/NAME.ipynb``) has exactly the code cells of its
English twin (``notebooks/NAME.ipynb``), in the same order, so the two never
drift; the only code it may add is the one cell that chooses the library's
language.  Its prose is Korean: more Hangul than Latin letters in its text cells.
"""
import re
from pathlib import Path

import nbformat
import pytest

LESSONS = Path(__file__).parent.parent / "notebooks"
KOREAN = sorted((LESSONS / "ko").glob("*.ipynb"))
ENGLISH = sorted(LESSONS.glob("*.ipynb"))
# English lessons whose Korean twin is still to be written (this list only shrinks).
NOT_YET_IN_KOREAN: set[str] = set()
# The one code cell a Korean lesson may have that its twin has not: choosing the language.
LANGUAGE_CELL = re.compile(r"(import \w+\n)?\w+\.set_language\(['\"]ko['\"]\)\n?")


def code_cells(path: Path, skip_language_cell: bool = False) -> list[str]:
    notebook = nbformat.read(path, as_version=4)
    cells = [c.source.strip() + "\n" for c in notebook.cells if c.cell_type == "code"]
    if skip_language_cell:
        cells = [c for c in cells if not LANGUAGE_CELL.fullmatch(c)]
    return cells


def prose(path: Path) -> str:
    notebook = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")


def test_every_english_lesson_has_a_korean_twin():
    have = {p.name for p in KOREAN}
    missing = sorted(p.name for p in ENGLISH if p.name not in have and p.name not in NOT_YET_IN_KOREAN)
    assert not missing, f"lessons without a Korean twin in notebooks/ko/: {missing}"
    # a twin written since must leave the list
    assert not NOT_YET_IN_KOREAN & have, f"remove from NOT_YET_IN_KOREAN: {NOT_YET_IN_KOREAN & have}"


@pytest.mark.parametrize("path", KOREAN, ids=lambda p: p.name)
def test_korean_lesson_has_its_english_twins_code_cell_for_cell(path):
    twin = LESSONS / path.name
    assert twin.exists(), f"ko/{path.name} has no English twin notebooks/{path.name}"
    korean, english = code_cells(path, skip_language_cell=True), code_cells(twin)
    assert len(korean) == len(english), (
        f"ko/{path.name} has {len(korean)} code cells, its twin {len(english)}")
    for k, (ko, en) in enumerate(zip(korean, english)):
        assert ko == en, f"ko/{path.name} code cell {k} differs from the English twin's"


@pytest.mark.parametrize("path", KOREAN, ids=lambda p: p.name)
def test_korean_lesson_is_written_in_korean(path):
    text = prose(path)
    hangul = len(re.findall(r"[가-힣]", text))
    latin = len(re.findall(r"[A-Za-z]", re.sub(r"`[^`]*`|\$[^$]*\$|<[^>]*>|\([A-Za-z][^()]*\)", "", text)))
    assert hangul > 1000 and hangul > latin, f"ko/{path.name}: {hangul} Hangul against {latin} Latin letters"


def test_the_language_cell_pattern_is_narrow():
    assert LANGUAGE_CELL.fullmatch('import autograd\nautograd.set_language("ko")\n')
    assert not LANGUAGE_CELL.fullmatch('autograd.set_language("ko")\nx = 1\n')
