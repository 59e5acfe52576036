"""Every view of a graph survives what a learner can throw at it: huge graphs, odd labels,
arguments of the wrong kind.  Each walk is linear in the graph, or refuses with the size and
the way out; each bad argument gets an error naming the function and the value."""
import math

import pytest

import autograd
import nn
from autograd import Value
from autograd.backward import topological_order
from autograd.check import MAX_CHECK_WORK, check_graph
from autograd.explain import explain
from autograd.frames import backward_frames
from autograd.graph import MAX_DRAWABLE, draw_graph
from autograd.notation import MAX_LABEL, MAX_PATH_EDGES, MAX_PATHS, Notation, chain_rule, paths
from autograd.steps import backward_steps

pytestmark = pytest.mark.filterwarnings("ignore::autograd.ChainruleWarning")


def chain(n: int, label: str = "x") -> tuple[Value, Value]:
    """x, then n steps of y * 0.999 + 0.001: 3n + 1 Values, 2n of them constants."""
    x = Value(0.5, label=label)
    y = x
    for _ in range(n):
        y = y * 0.999 + 0.001
    y.backward()
    return x, y


def doubling(levels: int) -> tuple[Value, Value]:
    """A graph of 2^levels paths from its root down to x, in 2·levels + 1 nodes."""
    x = Value(0.3, label="x")
    y = x
    for _ in range(levels):
        y = y * y  # both edges lead to the same node: the number of paths doubles
    return x, y


# -- walks that are linear, or refuse ---------------------------------------------------

def test_counting_a_graphs_paths_does_not_walk_them():
    x, y = doubling(60)  # 2^60 paths: walking them one by one would never end
    order = topological_order(y)
    with pytest.raises(ValueError, match=f"more than {MAX_PATHS} paths"):
        paths(order, y, x)


def test_a_long_chain_is_explained_with_its_contributions_and_without_its_product():
    x, y = chain(20_000)
    e = explain(x)
    assert e.total == x.grad
    assert e.chain_rule is None and f"has 40000 edges, more than the {MAX_PATH_EDGES}" in str(e)
    with pytest.raises(ValueError, match="read explain"):
        chain_rule(topological_order(y), y, x, Notation(topological_order(y)))


def test_check_graph_skips_the_constants_a_chain_of_numbers_makes():
    x, y = chain(4_000)  # 8,000 constant leaves, one input
    report = check_graph(y)
    assert [r.node for r in report] == [x] and report.ok
    assert report[0].numeric == pytest.approx(0.999 ** 4_000, rel=1e-4)


def test_check_graph_refuses_more_work_than_it_can_do_and_says_what_to_do():
    xs = [Value(0.1 * k) for k in range(1_200)]  # nothing labelled: every leaf is checked
    out = xs[0]
    for x in xs[1:]:
        out = (out + x) * 0.5
    out.backward()
    with pytest.raises(ValueError, match=r"checking [\d,]+ Values of a [\d,]+-node graph.*"
                                         r"MAX_CHECK_WORK.*label only the Values"):
        check_graph(out)
    assert MAX_CHECK_WORK >= 1_000_000


def test_a_drawing_too_big_for_graphviz_is_refused_before_anything_hangs():
    xs = [Value(float(k), label=f"x{k}") for k in range(MAX_DRAWABLE // 3 + 1)]
    out = autograd.sum([x * x for x in xs])
    out.backward()
    with pytest.raises(ValueError, match=r"more than Graphviz lays out.*smaller part"):
        draw_graph(out)
    model = nn.MLP(2, [8, 1], seed=0)
    loss = nn.mse_loss([model([0.01 * k, 0.5]) for k in range(150)], [0.0] * 150)
    with pytest.raises(ValueError, match="collapse='layer'"):
        draw_graph(loss, model=model)
    draw_graph(loss, model=model, collapse="layer")  # the way out it names works


def test_the_frames_of_a_200_step_chain_are_one_drawing_and_a_small_page(tmp_path):
    x = Value(0.5, label="x")
    y = x
    for _ in range(200):
        y = (y * 0.9).tanh()
    frames = backward_frames(y)
    assert len(frames) == 401  # x and 400 nodes: the 200 constants get no frame
    page = frames.save_html(tmp_path / "chain.html")
    assert page.read_text(encoding="utf-8").count("<svg") == 1
    assert page.stat().st_size < 3_000_000


# -- labels ------------------------------------------------------------------------------

def test_a_label_of_twenty_thousand_characters_is_cut_everywhere_it_is_shown(tmp_path):
    x = Value(2.0, label="x" * 20_000)
    y = (x * x).tanh()
    y.backward()
    svg = draw_graph(y).pipe(format="svg").decode()  # Graphviz no longer breaks its pipe
    assert "x" * (MAX_LABEL - 1) + "…" in svg and "x" * MAX_LABEL not in svg
    assert len(str(explain(x))) < 2_000
    backward_frames(y).save_html(tmp_path / "long.html")


def test_a_lone_surrogate_or_a_control_character_in_a_label_is_replaced(tmp_path):
    x = Value(2.0, label="a\ud800b")
    y = x.exp()
    y.label = "bell\x07\udfff"
    y.backward()
    svg = draw_graph(y).pipe(format="svg").decode()
    assert "a\ufffdb" in svg
    page = backward_frames(y).save_html(tmp_path / "odd.html").read_text(encoding="utf-8")
    assert "\ufffd" in page
    for text in (str(explain(x)), explain(x)._repr_html_(), str(check_graph(y)),
                 backward_steps(y).table()):
        text.encode("utf-8")  # no UnicodeEncodeError


def test_a_label_that_is_not_a_string_is_shown_as_text():
    x = Value(2.0)
    x.label = 7
    y = x * x
    y.backward()
    assert "<B>7</B>" in draw_graph(y).source and "d(7·7)/d(7)" in str(explain(x))


# -- arguments of the wrong kind -----------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda y: draw_graph(y, fmt="s"),
    lambda y: backward_steps(y, fmt="s"),
    lambda y: backward_frames(y, fmt="s"),
    lambda y: explain(y, fmt="s"),
], ids=["draw_graph", "backward_steps", "backward_frames", "explain"])
def test_a_format_that_is_not_a_number_format_is_named(call):
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    with pytest.raises(ValueError, match=r"\(fmt='s'\): not a number format; use one like '.4g'"):
        call(y)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(max_nodes="a"), TypeError, r"max_nodes='a'\): expected a whole number"),
    (dict(max_nodes=0), ValueError, r"max_nodes=0\): must be at least 1"),
    (dict(grads="yes"), TypeError, r"grads='yes'\): expected True or False"),
    (dict(edge_labels=1), TypeError, r"edge_labels=1\): expected True or False"),
    (dict(check="no"), TypeError, r"check='no'\): expected True or False"),
    (dict(fmt=4), TypeError, r"fmt=\.\.\.\): expected a format string"),
    (dict(rankdir="XY"), ValueError, r"rankdir='XY'\): expected 'LR'"),
    (dict(collapse="neurons"), ValueError, r"collapse='neurons'\): expected None"),
])
def test_a_drawing_option_of_the_wrong_kind_is_named(kwargs, error, match):
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    with pytest.raises(error, match=r"draw_graph\(" + match):
        draw_graph(y, **kwargs)


def test_the_frames_check_their_options_too():
    x = Value(2.0, label="x")
    y = x * x
    with pytest.raises(TypeError, match=r"backward_frames\(max_nodes='a'\)"):
        backward_frames(y, max_nodes="a")
    with pytest.raises(ValueError, match=r"backward_frames\(rankdir='XY'\)"):
        backward_frames(y, rankdir="XY")
    with pytest.raises(ValueError, match=r"backward_steps\(\): gradient must be a finite number"):
        backward_steps(y, gradient=math.inf)
    with pytest.raises(IndexError, match="frame 5 does not exist"):
        backward_frames(y)[5]
