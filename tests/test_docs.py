"""The pages in docs/ say what is true: their Python examples run."""
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent / "docs"
PAGES_WITH_CODE = ["from_micrograd.md"]


@pytest.mark.parametrize("page", PAGES_WITH_CODE)
def test_python_examples_of_a_docs_page_run(page, capsys):
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, f"{page} has no python examples"
    for index, code in enumerate(blocks):
        exec(compile(code, f"docs/{page} python block {index}", "exec"), {})


def test_from_micrograd_prints_what_its_comments_say(capsys):
    text = (DOCS / "from_micrograd.md").read_text(encoding="utf-8")
    code = re.findall(r"```python\n(.*?)```", text, flags=re.S)[0]
    exec(code, {})
    printed = capsys.readouterr().out.splitlines()
    assert printed == ["'Value' object has no attribute 'velocity'", "['momentum_buffer']"]
