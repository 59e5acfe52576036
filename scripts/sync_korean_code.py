"""Copy each English lesson's code cells into its Korean twin (notebooks/ko/), cell for cell.

The Korean lessons have exactly their English twins' code (tests/test_korean_lessons.py);
after changing an English lesson's code, run this to carry the change over:

    .venv/bin/python scripts/sync_korean_code.py [NAME.ipynb ...]

It refuses a twin whose number of code cells differs (add or remove the cell by hand
first, with its Korean prose), and leaves the language-setting cell alone.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

LESSONS = Path(__file__).resolve().parents[1] / "notebooks"
LANGUAGE_CELL = re.compile(r"(import \w+\n)?\w+\.set_language\(['\"]ko['\"]\)\n?")


def sync(name: str) -> bool:
    """Copy the code of notebooks/NAME into notebooks/ko/NAME; True when the twin changed."""
    english = nbformat.read(LESSONS / name, as_version=4)
    korean_path = LESSONS / "ko" / name
    korean = nbformat.read(korean_path, as_version=4)
    source = [c.source for c in english.cells if c.cell_type == "code"]
    target = [c for c in korean.cells if c.cell_type == "code"
              and not LANGUAGE_CELL.fullmatch(c.source.strip() + "\n")]
    if len(source) != len(target):
        raise SystemExit(f"{name}: {len(source)} code cells in English, {len(target)} in Korean; "
                         "add or remove the cell in the Korean lesson first")
    changed = False
    for cell, code in zip(target, source):
        if cell.source != code:
            cell.source, changed = code, True
    if changed:
        nbformat.write(korean, korean_path)
    return changed


def main(names: list[str]) -> None:
    names = names or sorted(p.name for p in (LESSONS / "ko").glob("*.ipynb"))
    for name in names:
        if sync(name):
            print(f"updated ko/{name}")


if __name__ == "__main__":
    main(sys.argv[1:])
