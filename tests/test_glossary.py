"""The lessons and the Korean README use one Korean word per idea: the glossary's."""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"


def glossary_rows():
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("English", "---") and not set(cells[0]) <= {"-"}:
            english, korean, not_used = cells
            rows.append((english, korean, [w.strip() for w in not_used.split(",") if w.strip()]))
    return rows


# Where the glossary's word differs from the one students meet elsewhere, a lesson says
# so once, writing the other word inside this span; only there may it appear.
ALSO_CALLED = re.compile(r'<span class="also">[^<]*</span>')


def korean_texts():
    lessons = ROOT / "notebooks"
    for path in sorted(lessons.glob("*.ipynb")) + sorted((lessons / "ko").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        name = f"ko/{path.name}" if path.parent.name == "ko" else path.name
        yield name, ALSO_CALLED.sub("", "\n".join(cell.source for cell in notebook.cells))
    for path in [ROOT / "README.ko.md"]:
        if path.exists():
            yield path.name, path.read_text(encoding="utf-8")


def test_glossary_has_one_korean_word_per_concept():
    rows = glossary_rows()
    assert len(rows) >= 40
    koreans = [k for _, k, _ in rows]
    assert len(koreans) == len(set(koreans)), "two concepts share a Korean word"
    chosen = set(koreans)
    for english, korean, not_used in rows:
        assert korean and re.search("[가-힣]", korean), f"{english}: no Korean word"
        for word in not_used:
            assert word not in chosen, f"{word!r} is both chosen and not used"
            # a rejected spelling must not hide inside a chosen word, or the check below would misfire
            assert not any(word in k for k in chosen), f"{word!r} occurs inside a chosen word"


def test_the_seed_terms_the_issue_names_are_chosen():
    chosen = {english: korean for english, korean, _ in glossary_rows()}
    assert chosen["backpropagation"] == "역전파"
    assert chosen["activation function"] == "활성화 함수"
    assert chosen["loss function"] == "손실 함수"
    assert chosen["gradient"] == "기울기"


TEXTS = list(korean_texts())


@pytest.mark.parametrize("name,text", TEXTS, ids=[name for name, _ in TEXTS])
def test_lesson_uses_only_glossary_words(name, text):
    problems = []
    for english, korean, not_used in glossary_rows():
        for word in not_used:
            if word in text:
                problems.append(f"{word!r} (use {korean!r} for {english})")
    assert not problems, f"{name} uses words the glossary does not: " + "; ".join(problems)


def test_a_word_the_glossary_does_not_use_is_allowed_only_where_a_lesson_names_it_as_such():
    text = 'bias, 절편 (<span class="also">편향</span>이라고도 합니다); 편향'
    assert ALSO_CALLED.sub("", text).count("편향") == 1
