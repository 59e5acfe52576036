"""Every picture of an executed lesson shows wherever the lesson is opened.

A teacher hands out an executed lesson: opened in JupyterLab it is not trusted,
so JupyterLab refuses its SVG and runs none of its scripts.  Each drawing
therefore stores a PNG beside its SVG, and the frame player a PNG of its first
and last frames; a repository browser shows the same PNGs.
"""
from pathlib import Path

import nbformat
from lessons_script import load_lessons_script

ROOT = Path(__file__).parent.parent
LESSON = ROOT / "notebooks" / "ko" / "01_chain_rule.ipynb"

lessons = load_lessons_script()

SMALL_LESSON = [
    "import time\nimport autograd\nfrom autograd import Value",
    "x, y = Value(1.0, label='x'), Value(2.0, label='y')\nz = (x + y) ** 2\nz.label = 'z'\n"
    "z.backward()\nautograd.draw_graph(z)",
    "autograd.backward_frames(z)",
    "start = time.perf_counter()\nprint(f'took {time.perf_counter() - start:.6f} s')\nassert z.data == 9",
]


def displays(cell) -> list[dict]:
    return [o for o in cell.outputs if o.output_type in ("display_data", "execute_result")]


def test_make_lessons_stores_pngs_and_gives_no_diff_when_run_twice(tmp_path):
    path = tmp_path / "small.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in SMALL_LESSON])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    assert lessons.store(path, lessons.execute(path))
    stored = nbformat.read(path, as_version=4)
    (graph,), (player,) = displays(stored.cells[1]), displays(stored.cells[2])
    assert {"image/png", "image/svg+xml"} <= set(graph.data)
    assert graph.data["text/plain"].startswith("<computation graph of")
    assert "image/png" in player.data and "4 frames" in player.data["text/plain"]
    before = path.read_bytes()
    assert not lessons.store(path, lessons.execute(path)), "a second run changed the outputs"
    assert path.read_bytes() == before
    assert lessons.stale(lessons.execute(path), nbformat.read(path, as_version=4)) == ""


# What the page shows in every output of the notebook: its images (and whether each has
# loaded), inline SVG, and its text.
OUTPUTS_JS = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output')).map(o => ({
    images: Array.from(o.querySelectorAll('img')).map(i => ({
        png: i.src.startsWith('data:image/png') || i.src.startsWith('blob:'),
        loaded: i.complete && i.naturalWidth > 0})),
    svg: o.querySelectorAll('svg').length,
    text: o.innerText}))"""

# Two different syllables in the font the notebook's Korean prose is set in: the same pixels
# mean both fell back to the missing-glyph box.
HANGUL_JS = """() => {
  const p = Array.from(document.querySelectorAll('.jp-RenderedMarkdown'))
      .find(e => /[\\uac00-\\ud7a3]/.test(e.innerText));
  if (!p) { return 'no Korean prose on the page'; }
  const font = getComputedStyle(p).fontFamily;
  function pixels(ch) {
    const c = document.createElement('canvas'); c.width = 48; c.height = 48;
    const g = c.getContext('2d'); g.font = '32px ' + font; g.fillStyle = '#000';
    g.fillText(ch, 4, 36);
    return Array.from(g.getImageData(0, 0, 48, 48).data).join(',');
  }
  return pixels('역') !== pixels('전') && pixels('역') !== pixels(' ') ? 'ok' : 'tofu in ' + font;
}"""


def test_an_untrusted_executed_korean_lesson_shows_every_picture_in_jupyterlab(jupyter_lab,
                                                                            chromium_page):
    url, token, folder = jupyter_lab
    executed = lessons.execute(LESSON)
    nbformat.write(executed, folder / LESSON.name)
    pictures = [o for c in executed.cells if c.cell_type == "code" for o in displays(c)
                if "image/png" in o.data]
    assert pictures, f"{LESSON.name} stored no PNG at all"
    players = [o for o in pictures if "application/javascript" in o.data]
    assert players, f"{LESSON.name} shows no frame player"

    page = chromium_page
    page.set_default_timeout(30_000)
    page.goto(f"{url}/lab/tree/{LESSON.name}?token={token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-OutputArea-output img")
    page.wait_for_function(f"document.querySelectorAll('.jp-OutputArea-output img').length >= "
                           f"{len(pictures)}")
    page.wait_for_function("Array.from(document.querySelectorAll('.jp-OutputArea-output img'))"
                           ".every(i => i.complete)")
    outputs = page.evaluate(OUTPUTS_JS)
    assert not [o["text"] for o in outputs if "graphviz" in o["text"] or " at 0x" in o["text"]]
    shown = [i for o in outputs for i in o["images"]]
    assert len(shown) >= len(pictures) and all(i["loaded"] for i in shown), outputs
    assert all(i["png"] for i in shown)
    # The players: untrusted, their script did not run; their picture shows, not dead buttons.
    assert not page.query_selector_all(".jp-OutputArea-output .crf-play")
    assert page.evaluate(HANGUL_JS) == "ok"


def test_the_drawing_and_the_player_speak_korean_when_asked():
    import nn
    from autograd import Value, backward_frames, draw_graph, set_language

    model = nn.MLP(2, [2, 1], seed=0)
    loss = nn.mse_loss(model([0.5, -0.25]), 1.0)
    loss.backward()
    x = Value(2.0, label="x")
    y = x * x
    set_language("ko")
    try:
        drawing = draw_graph(loss, model=model)
        frames = backward_frames(y)
        player = frames.player_html()
        text = frames._repr_mimebundle_(include=["text/plain"])["text/plain"]
    finally:
        set_language("en")
    assert "층 0 (뉴런 2개)" in drawing.source and "뉴런 1" in drawing.source
    assert repr(drawing).startswith("<Value ") and "계산 그래프" in repr(drawing)
    assert "\u25b6 재생" in player and "이전 프레임" in player and "Layer" not in player
    assert "프레임 2개" in text and "역전파" in text
    assert "Layer 0 (2 neurons)" in draw_graph(loss, model=model).source  # English again
