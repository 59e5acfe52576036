"""The frame player: the backward pass as pictures, one frame per step, playable anywhere.

Key idea: ``backward()`` finishes one node at a time, in reverse topological
order; each frame shows the graph at the moment one more step's gradients
become final, with the edges that carried them coloured.  The graph is drawn
*once*: a frame only says which step is current (the boxes before it are done,
the ones after it still show ``grad ?``), which edges to colour and what the
caption reads, and the player's script applies that to the one picture.  So a
page stays small however many frames it has.

``backward_frames(root)`` returns a ``BackwardFrames``: a notebook shows it as a
player (buttons, a slider, play), ``save_html(path)`` writes the same player as
one self-contained page, nothing fetched, and ``frames[k]`` is frame k's SVG.
A viewer that runs no script (a repository browser, a notebook that is not
trusted) shows instead the picture stored beside the player: its first and
last frames as one PNG, drawn by Graphviz, and a text saying how to play it.
A network is played at the level its steps are read (``collapse=``): every
node, one neuron per frame, or one layer per frame (see ``autograd.steps``).
"""
from __future__ import annotations

import hashlib
import html
import json
import re
import tempfile
from pathlib import Path
from typing import Sequence

from autograd.graph import (DONE_FILL, HIGHLIGHT_EDGE, HIGHLIGHT_FILL, MAX_NODES, PENDING_FILL,
                            Drawing, GraphStyle, build_drawing, check_drawing_arguments,
                            format_number, picture_class, png_base64)
from autograd.language import say
from autograd.learner_warnings import warn
from autograd.notation import GraphView, safe_text
from autograd.steps import AUTO, LEVELS, BackwardSteps, backward_steps
from autograd.value import Value, require_value

__all__ = ["backward_frames", "BackwardFrames"]

# The player's texts under set_language('ko'), in docs/glossary.md's words.
KOREAN = {
    "backward pass of {name}": "{name}의 역전파",
    "backward_frames: every node of {shown} Values is one frame of a picture too big to follow "
    "(max_nodes={max_nodes}); {fix}":
        "backward_frames: Value {shown}개의 노드 하나하나가 프레임이 되면 따라가기에 너무 큰 "
        "그림입니다 (max_nodes={max_nodes}); {fix}",
    "pass collapse='neuron' (or 'layer') for one frame per neuron (or layer)":
        "collapse='neuron'(또는 'layer')을 주면 뉴런(또는 층)마다 프레임 하나가 됩니다",
    "play a smaller part of it (the loss of one sample, say)":
        "더 작은 부분을 재생하세요 (예: 샘플 하나의 손실)",
    "\u25c0 prev": "\u25c0 이전",
    "\u25b6 play": "\u25b6 재생",
    "\u23f8 pause": "\u23f8 일시 정지",
    "next \u25b6": "다음 \u25b6",
    "previous frame": "이전 프레임",
    "next frame": "다음 프레임",
    "play": "재생",
    "frame": "프레임",
    "frame {k} of {n}: {caption}": "프레임 {k}/{n}: {caption}",
    "{title}: {n} frames (the first and the last shown as a picture). To play them, run this "
    "cell in Jupyter (or trust the notebook), or save_html('backward.html') and open that page "
    "in a browser.":
        "{title}: 프레임 {n}개 (첫 프레임과 마지막 프레임을 그림으로 보입니다). 재생하려면 "
        "Jupyter에서 이 셀을 실행하거나 (또는 노트북을 신뢰하거나), save_html('backward.html')로 "
        "저장한 페이지를 브라우저에서 여세요.",
    "{title}: 1 frame (shown as a picture). To play it, run this cell in Jupyter (or trust the "
    "notebook), or save_html('backward.html') and open that page in a browser.":
        "{title}: 프레임 1개 (그림으로 보입니다). 재생하려면 Jupyter에서 이 셀을 실행하거나 "
        "(또는 노트북을 신뢰하거나), save_html('backward.html')로 저장한 페이지를 브라우저에서 "
        "여세요.",
}


def backward_frames(root: Value | BackwardSteps, *, fmt: str | None = None, rankdir: str = "LR",
                    model=None, edge_labels: bool = False, collapse: str | None = AUTO,
                    max_nodes: int = MAX_NODES) -> BackwardFrames:
    """The backward pass as a playable sequence of frames over one drawing of the graph.

    Give it the output (it runs ``backward_steps(root)`` first) or the steps
    already taken.  Frames follow backward's order: first the root (its seed),
    then each step once every step that uses it has passed its gradient on.  A
    frame colours what that step finishes and the edges that carried its
    gradient (at node level labelled with what each one contributed); boxes not
    reached yet show ``grad ?``.

    ``collapse`` is the level (None: every node, 'neuron', 'layer'; 'auto', the
    default, reads a network's bigger graph neuron by neuron and says so in the
    title); ``model`` numbers neurons and layers as the model does.  Every node
    of a graph of more than ``max_nodes`` Values is a picture too big to follow:
    a ChainruleWarning says so.  Needs Graphviz's ``dot``.

    >>> x = Value(3.0, label='x'); y = x * 2; y.label = 'y'
    >>> frames = backward_frames(y)
    >>> len(frames), frames.captions[0]
    (2, 'dy/dy = 1 (the seed)')
    """
    check_drawing_arguments("backward_frames", True, edge_labels, fmt or ".4g", rankdir,
                            None if collapse == AUTO else collapse, True, max_nodes)
    if isinstance(root, BackwardSteps):
        steps = root
        if model is not None or collapse not in (AUTO, steps.level):
            level = steps.level if collapse == AUTO else collapse
            if level not in LEVELS:
                raise ValueError(f"backward_frames(collapse={safe_text(repr(collapse))}): expected "
                                 "'auto', None, 'neuron' or 'layer'")
            view = GraphView(steps.order, model, fmt=steps.fmt, where="backward_frames") \
                if model is not None else steps.view
            steps = BackwardSteps(steps.root, steps.order, steps.node_steps, steps.gradient,
                                  steps.fmt, view, level)
    else:
        steps = backward_steps(require_value(root, "backward_frames"), fmt=fmt or ".4g",
                               model=model, collapse=collapse)
    fmt = fmt or steps.fmt
    shown = sum(1 for v in steps.view.drawn if steps.view.roles.get(v) != "target")
    if steps.level is None and shown > max_nodes:
        fix = say("pass collapse='neuron' (or 'layer') for one frame per neuron (or layer)"
                  if steps.view.neurons else
                  "play a smaller part of it (the loss of one sample, say)", KOREAN)
        warn(say("backward_frames: every node of {shown} Values is one frame of a picture too big "
                 "to follow (max_nodes={max_nodes}); {fix}", KOREAN, shown=shown,
                 max_nodes=max_nodes, fix=fix))
    return _frames(steps, fmt, rankdir, edge_labels)


def _frames(steps: BackwardSteps, fmt: str, rankdir: str, edge_labels: bool) -> BackwardFrames:
    view, root = steps.view, steps.root
    number = steps._number
    if steps.level is None:  # one frame per drawn Value, in backward's order
        units = [((v,), steps.value_lines(v)) for v in reversed(steps.order)
                 if v not in view.hidden and view.roles.get(v) != "target"]
    else:
        units = [(tuple(step.values), [step.title, *step.lines]) for step in steps]
    # A prefix on every drawn id, so that two players on one page never mix theirs up; made
    # from the frames themselves, so the same frames give the same page.
    digest = hashlib.sha256("\n".join(line for _, lines in units for line in lines)
                            .encode("utf-8", "replace")).hexdigest()
    prefix = f"crf{digest[:8]}_"
    drawing = build_drawing(root, steps.order, view=view, grads=True, edge_labels=edge_labels,
                            fmt=fmt, rankdir=rankdir, collapse=steps.level, fused=True, ids=prefix)
    finished: dict = {}  # drawn row -> the frame in which its gradient becomes final
    frames = []
    for k, (values, lines) in enumerate(units):
        rows = list(dict.fromkeys(drawing.item[v] for v in values if v in drawing.item))
        for ref in rows:
            finished.setdefault(ref, k)
        inside = set(values)
        edges = []
        for v in values:
            for e in view.edges_from(v):
                if e.node in inside:
                    continue
                label = f"{number(e.node.grad)} · {number(e.local_grad)}" if steps.level is None else ""
                edges += [[edge_id, label] for edge_id in drawing.edges.get(e.key, ())]
        frames.append({"caption": safe_text("\n".join(lines), 4000), "current": rows,
                       "edges": list({e[0]: e for e in edges}.values())})
    items = {ref: [*drawing.cells[ref], drawing.grad_text[ref], finished[ref]]
             for ref in finished if ref in drawing.grad_text}
    svg = _inline_svg(drawing.dot.pipe(format="svg").decode("utf-8"))
    title = say("backward pass of {name}", KOREAN, name=steps.name(root)) + (f" ({steps.note})" if steps.note else "")
    stills = []
    for k in sorted({0, len(frames) - 1}):
        style = _frame_style(drawing, finished, frames[k], k, fmt)
        stills.append(build_drawing(root, steps.order, view=view, grads=True,
                                    edge_labels=edge_labels, fmt=fmt, rankdir=rankdir,
                                    collapse=steps.level, fused=True, style=style,
                                    ids=prefix).dot.source)
    return BackwardFrames(svg, {"prefix": prefix, "items": items, "frames": frames,
                                "midpoints": _midpoints(svg, prefix)}, title=title,
                          stills=stills)


def _frame_style(drawing: Drawing, finished: dict, frame: dict, k: int, fmt: str) -> GraphStyle:
    """Frame ``k`` as a style for Graphviz (what the player's script does to the SVG): rows
    done before it green, its own rows orange-red, the rest white with ``grad ?``."""
    style = GraphStyle()
    state = {v: finished.get(ref) for v, ref in drawing.item.items()}
    for v, done in state.items():
        if done is not None:
            style.fill[v] = DONE_FILL if done < k else HIGHLIGHT_FILL if done == k else PENDING_FILL
            if done == k:
                style.emphasis.add(v)
    style.grad_text = lambda v: (format_number(v.grad, fmt)
                                 if state.get(v) is None or state[v] <= k else "?")
    labels = dict(frame["edges"])
    for key, edge_ids in drawing.edges.items():
        carried = [labels[e] for e in edge_ids if e in labels]
        if carried:
            style.edge_color[key] = HIGHLIGHT_EDGE
            if carried[0]:
                style.edge_text[key] = carried[0]
    return style


def _side_by_side(sources: list[str], titles: list[str]) -> bytes:
    """One PNG of several Graphviz drawings, one above the other, each under its title."""
    picture = picture_class()
    with tempfile.TemporaryDirectory(prefix="chainrule-frames-") as scratch:
        rows = []
        for k, (source, title) in enumerate(zip(sources, titles)):
            path = Path(scratch) / f"frame{k}.png"
            path.write_bytes(_pipe_source(source))
            rows.append(f'<TR><TD ALIGN="LEFT"><B>{html.escape(title)}</B></TD></TR>'
                        f'<TR><TD><IMG SRC="{html.escape(str(path))}"/></TD></TR>')
        sheet = picture("frames")
        sheet.node("frames", shape="plaintext", fontname="Helvetica", fontsize="12",
                   label=f'<<TABLE BORDER="0" CELLSPACING="6">{"".join(rows)}</TABLE>>')
        return sheet.pipe(format="png")


def _pipe_source(source: str) -> bytes:
    import graphviz  # only drawing needs it

    return graphviz.Source(source).pipe(format="png")


def _inline_svg(svg: str) -> str:
    """An SVG document made fit to sit inside HTML (no XML prolog, DOCTYPE or comments)."""
    svg = svg[svg.index("<svg"):]
    return re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)


def _midpoints(svg: str, prefix: str) -> dict:
    """Edge id -> the point halfway along its curve, where its label goes."""
    out = {}
    for m in re.finditer(r'<g id="(' + re.escape(prefix) + r'e\d+)" class="edge">.*?<path [^>]*'
                         r'd="([^"]*)"', svg, re.S):
        numbers = [float(t) for t in re.findall(r"-?\d+(?:\.\d+)?", m.group(2))]
        points = list(zip(numbers[::2], numbers[1::2]))
        segments = (len(points) - 1) // 3
        if segments < 1:
            out[m.group(1)] = points[0] if points else (0.0, 0.0)
            continue
        s = segments // 2
        if segments % 2:  # the middle of the middle Bézier segment: (P0 + 3P1 + 3P2 + P3) / 8
            p = points[3 * s:3 * s + 4]
            out[m.group(1)] = tuple(round((p[0][i] + 3 * p[1][i] + 3 * p[2][i] + p[3][i]) / 8, 2)
                                    for i in (0, 1))
        else:
            out[m.group(1)] = points[3 * s]
    return out


_IN_PAGE = ("(document.currentScript && document.currentScript.closest('.chainrule-frames'))"
            " || document.getElementById('PLAYER_ID')")
# As a notebook output of its own (application/javascript), the player is built inside
# `element`, the output's node (a jQuery object in classic Jupyter).  A notebook that is not
# trusted runs no script: it shows the PNG stored beside it instead.
_IN_OUTPUT = """(function (host) {
  host.innerHTML = MARKUP;
  (PLAYER)(host.querySelector('.chainrule-frames'));
})((typeof element !== 'undefined' && element.jquery) ? element[0] : element);
"""

_PLAYER_CSS = """
.chainrule-frames { font-family: Helvetica, Arial, sans-serif; font-size: 14px; }
.chainrule-frames .crf-controls { display: flex; gap: 6px; align-items: center; margin: 4px 0; }
.chainrule-frames .crf-controls input[type=range] { flex: 0 1 240px; }
.chainrule-frames .crf-caption { font-family: Menlo, Consolas, monospace; margin: 4px 0;
  white-space: pre-wrap; }
.chainrule-frames svg { max-width: 100%; height: auto; }
"""

# The player is one function of its root element.  Inside a page, the script finds its own
# player through document.currentScript, so several players can share a page; where a
# notebook runs scripts out of place (jQuery's .html()), it falls back to the player's id, a
# hash of its frames: the same frames give the same bytes.  Each frame is applied to the one
# drawing: every row's colour and grad text, the coloured edges and their labels, the
# caption -- the same rules as BackwardFrames.svg(k) in Python.
_PLAYER_JS = """
function (root) {
  if (!root) { return; }
  var data = JSON.parse(root.getAttribute('data-frames'));
  var frames = data.frames, n = frames.length;
  var slider = root.querySelector('.crf-slider');
  var counter = root.querySelector('.crf-counter');
  var caption = root.querySelector('.crf-caption');
  var play = root.querySelector('.crf-play');
  var svg = root.querySelector('svg');
  var NS = svg.namespaceURI;  // the SVG namespace, as the drawing declares it
  var rows = [];
  Object.keys(data.items).forEach(function (ref) {
    var it = data.items[ref];
    var box = svg.querySelector('[id="' + data.prefix + it[0] + '"]');
    if (!box) { return; }
    var fills = box.querySelectorAll('polygon[stroke="transparent"], polygon[data-crf]');
    var grads = [];
    box.querySelectorAll('text').forEach(function (t) {
      if (t.getAttribute('font-weight') !== 'bold' && t.textContent.indexOf('grad ') === 0) {
        grads.push(t);
      }
    });
    var cells = [];
    for (var i = it[1]; i < it[1] + it[2] && i < fills.length; i++) { cells.push(fills[i]); }
    rows.push({ref: ref, cells: cells, grad: it[3] >= 0 ? grads[it[3]] : null, text: it[4],
               frame: it[5]});
  });
  var edges = {};
  svg.querySelectorAll('g.edge').forEach(function (g) { edges[g.id] = g; });
  var current = 0, timer = null, coloured = [];
  function paint(g, on, label) {
    g.querySelectorAll('path').forEach(function (p) {
      p.setAttribute('stroke', on ? 'HIGHLIGHT_EDGE' : 'black');
      p.setAttribute('stroke-width', on ? '2.2' : '1');
    });
    g.querySelectorAll('polygon').forEach(function (p) {
      p.setAttribute('stroke', on ? 'HIGHLIGHT_EDGE' : 'black');
      p.setAttribute('fill', on ? 'HIGHLIGHT_EDGE' : 'black');
    });
    g.querySelectorAll('text.crf-label').forEach(function (t) { t.remove(); });
    if (on && label) {
      var at = data.midpoints[g.id] || [0, 0];
      var t = document.createElementNS(NS, 'text');
      t.setAttribute('class', 'crf-label');
      t.setAttribute('x', at[0]); t.setAttribute('y', at[1]);
      t.setAttribute('text-anchor', 'middle');
      t.setAttribute('font-family', 'Helvetica,sans-Serif');
      t.setAttribute('font-size', '9.00');
      t.setAttribute('fill', 'HIGHLIGHT_EDGE');
      t.textContent = label;
      g.appendChild(t);
    }
  }
  function show(k) {
    current = Math.max(0, Math.min(n - 1, k));
    rows.forEach(function (r) {
      var state = r.frame < current ? 'DONE_FILL' : r.frame === current ? 'HIGHLIGHT_FILL' : 'PENDING_FILL';
      r.cells.forEach(function (c) {
        c.setAttribute('data-crf', '1');
        c.setAttribute('fill', state);
        c.setAttribute('stroke', r.frame === current ? 'HIGHLIGHT_EDGE' : 'transparent');
        c.setAttribute('stroke-width', r.frame === current ? '2' : '1');
      });
      if (r.grad) { r.grad.textContent = r.frame <= current ? r.text : 'grad ?'; }
    });
    coloured.forEach(function (id) { if (edges[id]) { paint(edges[id], false); } });
    coloured = [];
    frames[current].edges.forEach(function (e) {
      if (edges[e[0]]) { paint(edges[e[0]], true, e[1]); coloured.push(e[0]); }
    });
    caption.textContent = frames[current].caption;
    slider.value = String(current);
    counter.textContent = (current + 1) + ' / ' + n;
    root.setAttribute('data-current', String(current));
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = PLAY_TEXT;
  }
  function start() {
    if (current >= n - 1) { show(0); }
    play.textContent = PAUSE_TEXT;
    timer = setInterval(function () {
      if (current >= n - 1) { stop(); } else { show(current + 1); }
    }, DELAY);
  }
  root.querySelector('.crf-prev').addEventListener('click', function () { stop(); show(current - 1); });
  root.querySelector('.crf-next').addEventListener('click', function () { stop(); show(current + 1); });
  play.addEventListener('click', function () { if (timer === null) { start(); } else { stop(); } });
  slider.addEventListener('input', function () { stop(); show(parseInt(slider.value, 10)); });
  show(0);
}
""".replace("HIGHLIGHT_EDGE", HIGHLIGHT_EDGE).replace("HIGHLIGHT_FILL", HIGHLIGHT_FILL) \
    .replace("DONE_FILL", DONE_FILL).replace("PENDING_FILL", PENDING_FILL)


class BackwardFrames(Sequence[str]):
    """The backward pass as frames over one drawing: ``frames[k]`` is frame k's SVG.

    ``svg_base`` is the drawing (drawn once), ``data`` what each frame changes in
    it.  In a notebook it shows as a player (buttons, a slider, play), with a PNG
    of its first and last frames beside it for viewers that run no script;
    ``save_html(path)`` writes the same player as one self-contained HTML file.
    ``stills``: the DOT sources of the first and last frames (what the PNG shows).

    >>> x = Value(2.0, label='x'); y = x * x; y.label = 'y'
    >>> frames = backward_frames(y)
    >>> len(frames), frames[0].count('grad ?'), 'crf-slider' in frames.player_html()
    (2, 1, True)
    >>> sorted(frames._repr_mimebundle_())
    ['application/javascript', 'image/png', 'text/plain']
    """

    def __init__(self, svg: str, data: dict, title: str = "backward pass", delay_ms: int = 1200,
                 stills: Sequence[str] = ()):
        if not data.get("frames"):
            raise ValueError("BackwardFrames: needs at least one frame")
        self.svg_base = svg
        self.data = data
        self.title = safe_text(title, 400)
        self.delay_ms = int(delay_ms)
        self.stills = list(stills)

    @property
    def captions(self) -> list[str]:
        """Each frame's caption: the chain rule of its step, with its numbers.

        >>> x = Value(2.0, label='x'); y = x * 3; y.label = 'y'
        >>> backward_frames(y).captions
        ['dy/dy = 1 (the seed)', 'dy/dx = 1 · 3 = 3']
        """
        return [f["caption"] for f in self.data["frames"]]

    def __len__(self) -> int:
        return len(self.data["frames"])

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self.svg(i) for i in range(len(self))[k]]
        return self.svg(k)

    def __repr__(self) -> str:
        return f"BackwardFrames({len(self)} frames: {self.title})"

    def svg(self, k: int) -> str:
        """Frame ``k`` as one SVG: the drawing with that frame's colours, grads and edges.

        The same rules the player's script applies in the browser.

        >>> x = Value(2.0, label='x'); frames = backward_frames(x * 3)
        >>> frames.svg(0).count('grad ?'), frames.svg(-1).count('grad ?')
        (1, 0)
        """
        n = len(self)
        if isinstance(k, bool) or not isinstance(k, int) or not -n <= k < n:
            raise IndexError(f"BackwardFrames: frame {k!r} does not exist (there are {n})")
        k %= n
        data, prefix = self.data, self.data["prefix"]
        frame = data["frames"][k]
        by_box: dict = {}
        for ref, (box, first, count, grad, text, done) in data["items"].items():
            by_box.setdefault(box, []).append((first, count, grad, text, done))

        def node(m: re.Match) -> str:
            rows = by_box.get(m.group(1)[len(prefix):])
            body = m.group(2)
            if not rows:
                return m.group(0)
            fills = {}  # cell index -> (colour, current?)
            grads = {}
            for first, count, grad, text, done in rows:
                colour = DONE_FILL if done < k else HIGHLIGHT_FILL if done == k else PENDING_FILL
                for i in range(first, first + count):
                    fills[i] = (colour, done == k)
                if grad >= 0:
                    grads[grad] = text if done <= k else "grad ?"
            cell = iter(range(10 ** 9))

            def fill(p: re.Match) -> str:
                i = next(cell)
                if i not in fills:
                    return p.group(0)
                colour, now = fills[i]
                stroke = f'stroke="{HIGHLIGHT_EDGE}" stroke-width="2"' if now else 'stroke="transparent"'
                return f'<polygon data-crf="1" fill="{colour}" {stroke} '
            body = re.sub(r'<polygon fill="[^"]*" stroke="transparent" ', fill, body)
            grad = iter(range(10 ** 9))

            def text(t: re.Match) -> str:
                if 'font-weight="bold"' in t.group(1) or not t.group(2).startswith("grad "):
                    return t.group(0)
                i = next(grad)
                return f"<text{t.group(1)}>{html.escape(grads[i])}</text>" if i in grads else t.group(0)
            body = re.sub(r"<text([^>]*)>(.*?)</text>", text, body)
            return f'<g id="{m.group(1)}" class="node">{body}</g>'

        svg = re.sub(r'<g id="(' + re.escape(prefix) + r'[^"]*)" class="node">(.*?)</g>', node,
                     self.svg_base, flags=re.S)
        labels = dict(frame["edges"])

        def edge(m: re.Match) -> str:
            edge_id, body = m.group(1), m.group(2)
            if edge_id not in labels:
                return m.group(0)
            body = re.sub(r'stroke="black"', f'stroke="{HIGHLIGHT_EDGE}"', body)
            body = body.replace('<path fill="none"', '<path stroke-width="2.2" fill="none"')
            body = re.sub(r'<polygon fill="black"', f'<polygon fill="{HIGHLIGHT_EDGE}"', body)
            if labels[edge_id]:
                x, y = data["midpoints"].get(edge_id, (0, 0))
                body += (f'<text class="crf-label" x="{x}" y="{y}" text-anchor="middle" '
                         f'font-family="Helvetica,sans-Serif" font-size="9.00" '
                         f'fill="{HIGHLIGHT_EDGE}">{html.escape(labels[edge_id])}</text>\n')
            return f'<g id="{edge_id}" class="edge">{body}</g>'

        return re.sub(r'<g id="(' + re.escape(prefix) + r'e\d+)" class="edge">(.*?)</g>', edge, svg,
                      flags=re.S)

    def still_png(self) -> bytes | None:
        """The first and the last frame as one PNG, one above the other (None without
        ``stills``): what a viewer that runs no script shows.

        >>> x = Value(2.0, label='x'); frames = backward_frames(x * 3)
        >>> frames.still_png()[:4]
        b'\\x89PNG'
        """
        if not self.stills:
            return None
        n = len(self)
        titles = [say("frame {k} of {n}: {caption}", KOREAN, k=k + 1, n=n,
                      caption=self.captions[k].splitlines()[0]) for k in sorted({0, n - 1})]
        return _side_by_side(self.stills, titles)

    def _repr_mimebundle_(self, include=None, exclude=None, **_) -> dict:
        """The player as a notebook output: its script (``application/javascript``, run where
        the notebook is trusted), the PNG of its first and last frames (everywhere else) and
        a text saying how many frames there are and how to play them."""
        n = len(self)
        bundle = {
            "application/javascript": lambda: self.player_script(),
            "image/png": lambda: png_base64(self.still_png()) if self.stills else None,
            "text/plain": lambda: say(
                "{title}: {n} frames (the first and the last shown as a picture). To play them, "
                "run this cell in Jupyter (or trust the notebook), or save_html('backward.html') "
                "and open that page in a browser." if n > 1 else
                "{title}: 1 frame (shown as a picture). To play it, run this cell in Jupyter (or "
                "trust the notebook), or save_html('backward.html') and open that page in a "
                "browser.", KOREAN, title=self.title, n=n),
        }
        wanted = [m for m in bundle if (include is None or m in include)
                  and not (exclude and m in exclude)]
        return {m: data for m in wanted if (data := bundle[m]()) is not None}

    def player_script(self) -> str:
        """The player as a script that builds it inside a notebook output's ``element``.

        >>> x = Value(2.0, label='x'); frames = backward_frames(x * 3)
        >>> 'host.innerHTML' in frames.player_script()
        True
        """
        markup, player = self._player()
        return (_IN_OUTPUT.replace("PLAYER", player)  # the player holds no 'MARKUP'
                .replace("MARKUP", json.dumps(markup, ensure_ascii=False).replace("</", "<\\/")))

    def player_html(self) -> str:
        """The player as HTML: its drawing, buttons, slider and caption, and its script inline.

        >>> x = Value(2.0, label='x'); frames = backward_frames(x * 3)
        >>> frames.player_html().startswith('<div class="chainrule-frames"')
        True
        """
        markup, player = self._player()
        root = _IN_PAGE.replace("PLAYER_ID", self._player_id())
        return f"{markup[:-len('</div>')]}<script>({player})({root});</script></div>"

    def _player_id(self) -> str:
        payload = json.dumps(self.data, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256((self.svg_base + payload).encode("utf-8", "replace")).hexdigest()[:12]
        return f"chainrule-frames-{digest}"

    def _player(self) -> tuple[str, str]:
        """The player's markup (no script) and its script, a function of its root element."""
        esc = html.escape
        n = len(self)
        payload = json.dumps(self.data, separators=(",", ":"), ensure_ascii=False)
        player_id = self._player_id()
        words = {"prev": say("\u25c0 prev", KOREAN), "play": say("\u25b6 play", KOREAN),
                 "next": say("next \u25b6", KOREAN), "prev_title": say("previous frame", KOREAN),
                 "play_title": say("play", KOREAN), "next_title": say("next frame", KOREAN),
                 "frame": say("frame", KOREAN)}
        w = {key: esc(text) for key, text in words.items()}
        controls = (
            '<div class="crf-controls">'
            f'<button type="button" class="crf-prev" title="{w["prev_title"]}">{w["prev"]}</button>'
            f'<button type="button" class="crf-play" title="{w["play_title"]}">{w["play"]}</button>'
            f'<button type="button" class="crf-next" title="{w["next_title"]}">{w["next"]}</button>'
            f'<input type="range" class="crf-slider" min="0" max="{n - 1}" step="1" value="0" '
            f'aria-label="{w["frame"]}">'
            f'<span class="crf-counter">1 / {n}</span></div>')
        script = (_PLAYER_JS.replace("DELAY", str(self.delay_ms))
                  .replace("PLAY_TEXT", json.dumps(say("\u25b6 play", KOREAN)))
                  .replace("PAUSE_TEXT", json.dumps(say("\u23f8 pause", KOREAN))).strip())
        # Without scripts the page shows frame 1, as the counter says.
        return (f'<div class="chainrule-frames" id="{player_id}" data-frames="{esc(payload)}">'
                f"<style>{_PLAYER_CSS}</style>{controls}"
                f'<div class="crf-caption">{esc(self.captions[0])}</div>'
                f'<div class="crf-picture">{self.svg(0)}</div></div>'), script

    def to_html(self) -> str:
        """A whole HTML page holding the player: inline SVG, CSS and JavaScript, nothing fetched."""
        return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f"<title>{html.escape(self.title)}</title></head>\n<body>\n"
                f"<h3>{html.escape(self.title)}</h3>\n{self.player_html()}\n</body></html>\n")

    def save_html(self, path) -> Path:
        """Write ``to_html()`` to ``path`` (a file a learner can open in any browser)."""
        path = Path(path)
        path.write_text(self.to_html(), encoding="utf-8")
        return path
