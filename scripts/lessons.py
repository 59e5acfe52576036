"""Run every lesson and store its outputs in the notebook: ``make lessons``.

The lessons are committed with their outputs, so that a repository browser, or a
learner who only reads, sees every picture and every number.  This script runs
each lesson (English and Korean) top to bottom in a real Jupyter kernel, in a
scratch folder, and writes the outputs back.  Run twice it gives no diff: the
lessons are seeded, and where an output differs only in what is allowed to
differ between runs (a time, a memory address, a progress bar's rate), the
stored output is kept as it was.  ``tests/test_notebooks.py`` runs every lesson
the same way and fails when a stored output is stale.

    .venv/bin/python scripts/lessons.py [notebooks/NAME.ipynb ...]
"""
from __future__ import annotations

import copy
import os
import re
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "notebooks"
TIMEOUT = 180  # seconds per cell
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

# What may differ between two runs of the same seeded lesson.
_MASKS = [
    (re.compile(r"0x[0-9a-fA-F]{6,}"), "0x…"),                                    # addresses
    (re.compile(r"\d+(?:\.\d+)?\s?(?:ms|µs|us|s|it/s|s/it|min)\b"), "<time>"),    # timings
    (re.compile(r"\[\d\d:\d\d(?:<[\d:?]+)?,[^\]]*\]"), "[<progress>]"),           # tqdm's [00:01<00:00, ...]
    (re.compile(r"/tmp/[^\s'\"]+"), "<tmp>"),                                     # scratch paths
    (re.compile(r"\b\d+(?:\.\d+)? times (faster|slower)\b"), r"<ratio> times \1"),   # ratios of times
    (re.compile(r" +<time>"), " <time>"),                                        # padding before a time
]
# Pictures are compared by kind: their bytes may differ with library versions.  The frame
# player's script counts as one: it carries its drawing's SVG (its text/plain says what it is).
_PICTURES = ("image/png", "image/svg+xml", "image/jpeg", "application/javascript")
_WIDGET = "application/vnd.jupyter.widget-view+json"


def lessons() -> list[Path]:
    """Every lesson: the English ones, then their Korean twins."""
    return sorted(LESSONS.glob("*.ipynb")) + sorted((LESSONS / "ko").glob("*.ipynb"))


def mask(text: str) -> str:
    """``text`` with the parts that may change between runs replaced by placeholders.

    >>> mask('took 1.82 s at 0x7f3a2b4c5d60')
    'took <time> at 0x…'
    >>> mask('PyTorch:   1.5 ms, 86 times faster')
    'PyTorch: <time>, <ratio> times faster'
    """
    for pattern, placeholder in _MASKS:
        text = pattern.sub(placeholder, text)
    return text


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def normalized(output: dict) -> tuple:
    """One output as it is compared: text masked, pictures by kind, widgets by their text.

    >>> normalized({'output_type': 'stream', 'name': 'stdout', 'text': 'loss 0.5 (3 ms)'})
    ('stream', 'stdout', 'loss 0.5 (<time>)')
    """
    kind = output["output_type"]
    if kind == "stream":
        return (kind, output["name"], mask(_text(output["text"])))
    if kind == "error":
        return (kind, output["ename"], output["evalue"])
    data = output.get("data", {})
    parts = []
    for mime in sorted(data):
        if mime == _WIDGET:
            continue  # a live widget: its text/plain stands for it
        parts.append((mime, "picture") if mime in _PICTURES else (mime, mask(_text(data[mime]))))
    return ("display", tuple(parts))


def normalized_outputs(outputs: list) -> list[tuple]:
    """A cell's outputs normalized, with consecutive pieces of one stream joined into one
    (a kernel may send a printed text in one piece or in several).

    >>> normalized_outputs([{'output_type': 'stream', 'name': 'stdout', 'text': 'a'},
    ...                     {'output_type': 'stream', 'name': 'stdout', 'text': 'b\\n'}])
    [('stream', 'stdout', 'ab')]
    """
    result: list[tuple] = []
    for output in outputs:
        item = normalized(output)
        if item[0] == "stream" and result and result[-1][:2] == item[:2]:
            result[-1] = (*item[:2], result[-1][2] + item[2])
        else:
            result.append(item)
    return [(*r[:2], r[2].rstrip("\n")) if r[0] == "stream" else r for r in result]


def cell_outputs(notebook) -> list[list[tuple]]:
    """The normalized outputs of every code cell, in order."""
    return [normalized_outputs(cell.get("outputs", []))
            for cell in notebook.cells if cell.cell_type == "code"]


def stale(executed, stored, name: str = "the lesson") -> str:
    """What is stale in ``stored``'s outputs compared with a fresh run (``executed``), with what
    to do; '' when nothing is.

    >>> import nbformat
    >>> run = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('print(1)', outputs=[
    ...     nbformat.v4.new_output('stream', name='stdout', text='1\\n')])])
    >>> stale(run, run)
    ''
    >>> print(stale(run, nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('print(1)')])))
    the lesson is stored without outputs: run `make lessons` to store them
    """
    now, then = cell_outputs(executed), cell_outputs(stored)
    if any(now) and not any(then):
        return f"{name} is stored without outputs: run `make lessons` to store them"
    codes = [c.source for c in stored.cells if c.cell_type == "code"]
    if len(now) != len(then):
        return (f"{name} has {len(then)} code cells stored but ran {len(now)}: "
                "run `make lessons`")
    changed = [k for k, (a, b) in enumerate(zip(now, then)) if a != b]
    if not changed:
        return ""
    k = changed[0]
    first_line = codes[k].strip().splitlines()[0] if codes[k].strip() else ""
    return (f"{name}: the stored outputs of {len(changed)} code cell(s) are stale (first: code "
            f"cell {k + 1}, {first_line!r}: stored {then[k]!r:.300}, now {now[k]!r:.300}); "
            "run `make lessons`")


def execute(path: Path):
    """The lesson at ``path`` run top to bottom in a scratch folder; returns the notebook."""
    notebook = nbformat.read(path, as_version=4)
    # The kernel draws figures inline, as in JupyterLab, whatever backend the caller set
    # for itself (the tests set Agg, which would leave the figures out of the outputs).
    backend, os.environ["MPLBACKEND"] = os.environ.get("MPLBACKEND"), INLINE_BACKEND
    try:
        with tempfile.TemporaryDirectory(prefix="chainrule-lesson-") as scratch:
            client = NotebookClient(notebook, timeout=TIMEOUT, kernel_name="python3",
                                    store_widget_state=False,
                                    resources={"metadata": {"path": scratch}})
            client.execute()
    finally:
        if backend is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = backend
    return notebook


def _without_widgets(output: dict) -> dict:
    output = copy.deepcopy(output)
    if output.get("output_type") in ("display_data", "execute_result"):
        output.get("data", {}).pop(_WIDGET, None)
    return output


def store(path: Path, executed) -> bool:
    """Write ``executed``'s outputs into the lesson at ``path``; True when the file changed.

    A cell whose new outputs equal the stored ones once normalized keeps the stored
    ones, so running twice gives no diff.
    """
    stored = nbformat.read(path, as_version=4)
    old_cells = [c for c in stored.cells if c.cell_type == "code"]
    new_cells = [c for c in executed.cells if c.cell_type == "code"]
    changed = False
    for count, (old, new) in enumerate(zip(old_cells, new_cells), 1):
        outputs = [_without_widgets(o) for o in new.outputs]
        if normalized_outputs(outputs) != normalized_outputs(old.get("outputs", [])):
            old.outputs, changed = outputs, True
        if old.get("execution_count") != count:
            old.execution_count, changed = count, True
    stored.metadata.pop("widgets", None)
    if changed:
        nbformat.write(stored, path)
    return changed


def main(paths: list[str]) -> int:
    chosen = [Path(p).resolve() for p in paths] or lessons()
    for path in chosen:
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(f"running {shown} ...", flush=True)
        if store(path, execute(path)):
            print("  outputs updated", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
