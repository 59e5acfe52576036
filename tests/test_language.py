"""The texts for a learner in Korean under set_language('ko'); errors stay English.

Each module that writes for a learner keeps a ``KOREAN`` dict beside its English
texts and passes every text through ``autograd.language.say``; these tests check
that the Korean is really there (no English words left in the headers), that
every template a module says has its Korean, in the glossary's words, and that
English is untouched.
"""
import ast
import importlib
import re
import string
import warnings
from pathlib import Path

import pytest

import autograd
from autograd import Value, backward_steps, check_graph, explain, get_language, set_language
from nn import MLP, mse_loss
from nn.optim import SGD

ROOT = Path(__file__).resolve().parent.parent
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# The modules that write for a learner through say(), each with its KOREAN dict.
MODULES = ["autograd.notation", "autograd.steps", "autograd.explain", "autograd.check",
           "autograd.graph", "autograd.frames",
           "nn.module", "nn.optim"]


@pytest.fixture(autouse=True)
def english_afterwards():
    """Every test starts in English and leaves English behind, even when it fails."""
    assert get_language() == "en", "an earlier test left the language set"
    yield
    set_language("en")


def in_both(make):
    """make() in English, in Korean, and in English again."""
    english = make()
    set_language("ko")
    try:
        korean = make()
    finally:
        set_language("en")
    return english, korean, make()


def squared_sum():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    z = (x + y) ** 2
    z.label = "z"
    return x, y, z


def network_loss(seed=0):
    model = MLP(2, [3, 1], activation="tanh", seed=seed)
    X, Y = [[0.5, -1.0], [1.0, 2.0]], [[1.0], [-1.0]]
    return model, mse_loss([model(x) for x in X], Y)


def assert_korean(text, english_words):
    assert HANGUL.search(text), text
    for word in english_words:
        assert word not in text, f"{word!r} left in English in:\n{text}"


# -- (1) the outputs ---------------------------------------------------------------------

def test_step_table_headers_and_title_are_korean_and_english_is_unchanged():
    def table():
        x, y, z = squared_sum()
        return backward_steps(z).table()
    english, korean, again = in_both(table)
    assert english == again
    assert english.splitlines()[0] == "backward from z: seed dz/dz = 1"
    assert korean.splitlines()[0] == "z에서 시작하는 역전파: 시작값 dz/dz = 1"
    assert korean.splitlines()[1].split() == ["단계", "노드", "상류", "기울기", "부모", "국소", "기울기",
                                              "기여", "지금까지의", "부모", "기울기"]
    assert_korean(korean, ["step", "node", "upstream", "parent", "local grad", "contribution",
                           "backward from", "seed"])
    # the numbers and formulas are the same in both languages
    assert english.splitlines()[2:][0].split()[-4:] == korean.splitlines()[2:][0].split()[-4:]


def test_seed_caption_and_html_table_are_korean():
    def texts():
        x, y, z = squared_sum()
        steps = backward_steps(z)
        return steps.value_lines(z)[0], steps._repr_html_()
    (caption, html), (ko_caption, ko_html), again = in_both(texts)
    assert (caption, html) == again
    assert caption == "dz/dz = 1 (the seed)" and ko_caption == "dz/dz = 1 (시작값)"
    assert "<th>국소 기울기</th>" in ko_html and "local grad" not in ko_html


@pytest.mark.parametrize("collapse", ["neuron", "layer"])
def test_neuron_and_layer_steps_are_korean(collapse):
    def table():
        model, loss = network_loss()
        return backward_steps(loss, model=model, collapse=collapse).table()
    english, korean, again = in_both(table)
    assert english == again
    assert_korean(korean, ["backward from", "upstream", "neuron ", "layer ", "weight", "bias",
                           "slope", "passes down", "samples", "the loss", "inputs"])
    assert ("층의" in korean) if collapse == "neuron" else ("번 층 (뉴런 3개, tanh)" in korean)


def test_explain_sections_are_korean():
    def text():
        a = Value(3.0, label="a")
        b = a + a
        b.label = "b"
        b.backward()
        return str(explain(a))
    english, korean, again = in_both(text)
    assert english == again
    assert "the sum of what the 2 uses of it passed back" in english
    assert "이 값을 쓰는 2곳이 돌려준 값의 합입니다" in korean
    assert "잎 노드 (입력, 파라미터 또는 상수): 국소 기울기가 없습니다" in korean
    assert "연쇄 법칙: db/da = 1 + 1 = 2" in korean
    assert_korean(korean, ["a leaf", "local derivatives", "gradient", "the sum", "chain rule",
                           "from ", "sum "])


def test_explain_of_an_interior_node_names_its_operation_in_korean():
    def text():
        x, y, z = squared_sum()
        w = x * y
        w.label = "w"
        w.backward()
        return str(explain(w))
    english, korean, again = in_both(text)
    assert english == again
    assert_korean(korean, ["local derivatives", "operation", "primitive", "passes on", "to x"])


def test_check_graph_report_is_korean():
    def text():
        x, y, z = squared_sum()
        z.backward()
        return str(check_graph(z))
    english, korean, again = in_both(text)
    assert english == again
    assert korean.startswith("기울기 2개 중 2개가 중심 차분과 일치합니다")
    assert_korean(korean, ["agree", "value", "grad ", "numeric", "result", "note", "ok"])


def test_check_graph_mismatch_notes_are_korean():
    def report():
        x = Value(2.0, label="x")
        y = x * x
        y.backward()
        y.backward()  # no zero_grad(): x.grad holds two calls' worth
        return check_graph(y)
    english, korean, again = in_both(lambda: str(report()))
    assert english == again
    assert "MISMATCH" in english and "불일치" in korean and "MISMATCH" not in korean
    assert "zero_grad()" in korean and "earlier" not in korean


def test_model_summary_is_korean():
    def summary():
        return MLP(2, [4, 1], activation="relu").summary()
    english, korean, again = in_both(summary)
    assert english == again
    assert english.splitlines()[-1] == "Total parameters: 17"
    assert korean.splitlines()[-1] == "전체 파라미터: 17개"
    assert_korean(korean, ["Name", "Type", "Inputs", "Outputs", "Activation", "Params", "Total"])


def test_forgotten_zero_grad_warning_is_korean():
    def message():
        w = Value(1.0, label="w")
        opt = SGD([w], lr=0.1)
        (w * 3).backward()
        (w * 3).backward()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            opt.step()
        return str(caught[0].message)
    english, korean, again = in_both(message)
    assert english == again and "were added up over more than one backward()" in english
    assert "SGD.step(): 파라미터 1개 중 1개(w)의 기울기" in korean
    assert_korean(korean, ["gradients", "added up", "Call ", "on purpose"])


# -- (2) every template has its Korean, with the same fields -------------------------------

def said_templates(module_name):
    """The string literals a module passes to say() as its first argument (both branches of
    an `a if c else b`), and the names passed instead of a literal."""
    path = ROOT / (module_name.replace(".", "/") + ".py")
    templates, names = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "say" and node.args:
            first = node.args[0]
            literals = [n.value for n in ast.walk(first)
                        if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            if isinstance(first, ast.IfExp):
                literals = [n.value for n in (first.body, first.orelse)
                            if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            if literals:
                templates.update(literals)
            else:
                names.add(ast.unparse(first))
    return templates, names


@pytest.mark.parametrize("module_name", MODULES)
def test_every_template_said_has_its_korean(module_name):
    module = importlib.import_module(module_name)
    templates, names = said_templates(module_name)
    assert templates, f"{module_name} says nothing through say()"
    missing = sorted(t for t in templates if t not in module.KOREAN)
    assert not missing, f"{module_name}.KOREAN lacks: {missing}"
    # Texts said through a variable come from the module's own tables.
    tables = {"h": [h for cls in vars(module).values() if isinstance(cls, type)
                    for h in getattr(cls, "_HEADER", [])],
              "role": ["weight", "bias", "input", "target"]}
    for name in names:
        assert name in tables, f"{module_name}: say({name}, ...) is not checked by this test"
        assert all(t in module.KOREAN for t in tables[name]), (module_name, name)
    unused = sorted(set(module.KOREAN) - templates - {t for n in names for t in tables[n]})
    assert not unused, f"{module_name}.KOREAN has texts nothing says: {unused}"


def fields(template):
    return sorted(f for _, f, _, _ in string.Formatter().parse(template) if f is not None)


@pytest.mark.parametrize("module_name", MODULES)
def test_korean_templates_fill_the_same_fields(module_name):
    for english, korean in importlib.import_module(module_name).KOREAN.items():
        assert fields(english) == fields(korean), (english, korean)
        assert HANGUL.search(korean), korean


# -- (3) the glossary's words -----------------------------------------------------------

def not_used_words():
    words = []
    for line in (ROOT / "docs/glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("English", "---"):
            words += [w.strip() for w in cells[2].split(",") if w.strip()]
    return words


def test_glossary_lists_words_not_to_use():
    words = not_used_words()
    assert "편향" in words and "레이어" in words and "매개변수" in words


@pytest.mark.parametrize("module_name", MODULES)
def test_korean_texts_use_the_glossary_words(module_name):
    words = not_used_words()
    for korean in importlib.import_module(module_name).KOREAN.values():
        used = [w for w in words if w in korean]
        assert not used, f"{korean!r} uses {used}, which docs/glossary.md says not to use"


# -- (4) errors stay English --------------------------------------------------------------

def test_errors_stay_english_in_korean():
    set_language("ko")
    x, y, z = squared_sum()
    z.backward()
    calls = [lambda: backward_steps(z, collapse="sideways"),
             lambda: backward_steps(z, gradient="one"),
             lambda: explain(Value(1.0), root=z),
             lambda: check_graph(z, eps=-1.0),
             lambda: MLP(2, [1]).load_state_dict({"nonsense": 1.0})]
    for call in calls:
        with pytest.raises((TypeError, ValueError, KeyError)) as caught:
            call()
        message = str(caught.value)
        assert not HANGUL.search(message) and re.search(r"[A-Za-z]{4}", message), message


def test_unknown_language_is_an_english_error():
    with pytest.raises(ValueError, match="'fr' is not one of 'en', 'ko'"):
        autograd.set_language("fr")
    assert get_language() == "en"
