"""The READMEs say what is true: their code runs, the Korean one keeps in step, CI runs their test command."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
ENGLISH = (ROOT / "README.md").read_text(encoding="utf-8")
KOREAN = (ROOT / "README.ko.md").read_text(encoding="utf-8")


def code_blocks(text, language):
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def without_comments(code):
    return [line.split("#")[0].rstrip() for line in code.splitlines()]


def sections(text):
    return re.findall(r"^## ", text, flags=re.M)


def test_readme_python_examples_run_one_after_another(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the first example writes its SVG here
    namespace = {}
    for index, code in enumerate(code_blocks(ENGLISH, "python")):
        exec(compile(code, f"README.md python block {index}", "exec"), namespace)
    assert namespace["model"].predict([[0.0, 0.0]]).shape == (1,)


def test_first_example_prints_what_its_comments_say(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    exec(code_blocks(ENGLISH, "python")[0], {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "6.0 6.0"
    assert printed[1] == "dz/dx = dz/dw · dw/dx = 2(x + y) · 1 = 6"
    assert (tmp_path / "z.svg").exists()


def test_korean_readme_keeps_in_step_with_the_english_one():
    assert len(sections(KOREAN)) == len(sections(ENGLISH))
    for language in ("python", "sh"):
        english, korean = code_blocks(ENGLISH, language), code_blocks(KOREAN, language)
        assert [without_comments(c) for c in korean] == [without_comments(c) for c in english]
    for link in re.findall(r"\]\((notebooks/[^)]+|docs/[^)]+)\)", ENGLISH):
        assert link in KOREAN, f"README.ko.md lacks the link {link}"


def test_ci_runs_exactly_the_readme_test_command():
    commands = [line.split("#")[0].strip() for block in code_blocks(ENGLISH, "sh")
                for line in block.splitlines()]
    assert "make test" in commands and "make demo" in commands
    ci = (ROOT / ".ci" / "run").read_text()
    run_lines = [line.strip() for line in ci.splitlines()
                 if line.strip() and not line.strip().startswith(("#", "set ", "cd "))]
    assert run_lines == ["exec make test"]


def test_every_lesson_is_listed_in_both_readmes():
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        link = f"notebooks/{notebook.name}"
        assert link in ENGLISH and link in KOREAN, f"{notebook.name} is not in the README's list"


def test_the_korean_readme_links_every_korean_lesson():
    korean_lessons = sorted((ROOT / "notebooks" / "ko").glob("*.ipynb"))
    assert korean_lessons
    for notebook in korean_lessons:
        assert f"(notebooks/ko/{notebook.name})" in KOREAN, f"README.ko.md does not link ko/{notebook.name}"
