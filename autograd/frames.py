"""The frame player: the backward pass as pictures, one per node, playable anywhere.

Key idea: ``backward()`` finishes one node at a time, in reverse topological
order; each frame shows the graph at the moment one more node's gradient
becomes final, with the edges that carried it coloured and labelled with what
each one contributed.  ``backward_frames(root)`` returns a ``BackwardFrames``: a
notebook shows it as a player (buttons, a slider, play), and ``save_html(path)``
writes the same player as one self-contained page, nothing fetched.
"""
from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path
from typing import Sequence

from autograd.graph import HIGHLIGHT_EDGE, HIGHLIGHT_FILL, GraphStyle, render_graph
from autograd.notation import d_name, format_number
from autograd.steps import BackwardSteps, backward_steps
from autograd.value import Value, require_value

__all__ = ["backward_frames", "BackwardFrames"]


def backward_frames(root: Value | BackwardSteps, *, fmt: str | None = None, rankdir: str = "LR",
                    model=None, edge_labels: bool = False) -> BackwardFrames:
    """The backward pass as a playable sequence of graphs, one frame per node.

    Give it the output (it runs ``backward_steps(root)`` first) or the steps
    already taken.  Frames follow backward's order: first the root (its seed),
    then each node once every node that uses it has passed its gradient on.  A
    frame colours that node and the edges that carried its gradient (labelled
    with what each one contributed); nodes not reached yet show ``grad ?``.
    Needs Graphviz's ``dot``.

    >>> x = Value(3.0, label='x'); y = x * 2; y.label = 'y'
    >>> frames = backward_frames(y)
    >>> len(frames), frames.captions[0]
    (3, 'dy/dy = 1 (the seed)')
    """
    if isinstance(root, BackwardSteps):
        steps = root
    else:
        steps = backward_steps(require_value(root, "backward_frames"), fmt=fmt or ".4g")
    return _frames(steps, fmt or steps.fmt, rankdir, model, edge_labels)


def _frames(steps: BackwardSteps, fmt: str, rankdir: str, model, edge_labels: bool) -> BackwardFrames:
    order, root = steps.order, steps.root
    number = (lambda x: format_number(x, fmt))
    into: dict = {v: [] for v in order}  # node -> the edges that carry gradient into it
    for step in steps:
        for c in step.contributions:
            into[c.parent].append((step, c))
    # Keep every box as wide as its final grad, so the picture does not jump between frames.
    widths = {v: 8 + 7 * len(f"grad {number(v.grad)}") for v in order}
    r = steps.name(root)

    def d(v: Value) -> str:
        return f"d{d_name(steps.names.exprs[v])}"

    svgs, captions = [], []
    done: set = set()
    for v in reversed(order):
        done.add(v)
        style = GraphStyle(fill={u: ("#e2f0d9" if u in done else "#ffffff") for u in order},
                       emphasis={v}, grad_text=lambda u: number(u.grad) if u in done else "?",
                       grad_width=widths.get,
                       # the captions name unlabelled nodes, so the picture must too
                       title=lambda u: steps.name(u) if u.parents else "")
        style.fill[v] = HIGHLIGHT_FILL
        # Each edge into v carries (the child's gradient) times (d child / d v).
        chain, products = [], []
        for step, c in into[v]:
            key = (step.node, c.index)
            style.edge_color[key] = HIGHLIGHT_EDGE
            style.edge_text[key] = f"{number(step.upstream_grad)} · {number(c.local_grad)}"
            local = f"{d(step.node)}/{d(v)}"
            # (the root's own edges have no chain to write: dz/dx would read as the total)
            chain.append(None if step.node is root else f"{d(root)}/{d(step.node)} · {local}")
            products.append(f"{number(step.upstream_grad)} · {number(c.local_grad)}")
        lhs = f"{d(root)}/{d(v)}"
        if v is root:
            caption = f"{lhs} = {number(steps.gradient)} (the seed)"
        else:
            parts = [lhs, " + ".join(products), number(v.grad)]
            if None not in chain:
                parts.insert(1, " + ".join(chain))
            caption = " = ".join(dict.fromkeys(parts))  # '1 = 1' is said once
        dot = render_graph(root, order, grads=True, edge_labels=edge_labels, fmt=fmt, rankdir=rankdir,
                      model=model, collapse=None, fused=True, style=style)
        svgs.append(_inline_svg(dot.pipe(format="svg").decode("utf-8")))
        captions.append(caption)
    return BackwardFrames(svgs, captions, title=f"backward pass of {r}")


def _inline_svg(svg: str) -> str:
    """An SVG document made fit to sit inside HTML (no XML prolog, DOCTYPE or comments)."""
    svg = svg[svg.index("<svg"):]
    return re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)


_PLAYER_CSS = """
.chainrule-frames { font-family: Helvetica, Arial, sans-serif; font-size: 14px; }
.chainrule-frames .crf-controls { display: flex; gap: 6px; align-items: center; margin: 4px 0; }
.chainrule-frames .crf-controls input[type=range] { flex: 0 1 240px; }
.chainrule-frames .crf-caption { font-family: Menlo, Consolas, monospace; margin: 4px 0; }
.chainrule-frames svg { max-width: 100%; height: auto; }
"""

# The script finds its own player through document.currentScript, so several players can
# share a page; where a notebook runs scripts out of place (jQuery's .html()), it falls back
# to the player's id, a hash of its frames: the same frames give the same bytes.
_PLAYER_JS = """
(function () {
  var me = document.currentScript;
  var root = (me && me.closest('.chainrule-frames')) || document.getElementById('PLAYER_ID');
  if (!root) { return; }
  var frames = root.querySelectorAll('.crf-frame');
  var slider = root.querySelector('.crf-slider');
  var counter = root.querySelector('.crf-counter');
  var play = root.querySelector('.crf-play');
  var current = 0, timer = null;
  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    for (var i = 0; i < frames.length; i++) {
      frames[i].style.display = (i === current) ? '' : 'none';
    }
    slider.value = String(current);
    counter.textContent = (current + 1) + ' / ' + frames.length;
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = '\\u25b6 play';
  }
  function start() {
    if (current >= frames.length - 1) { show(0); }
    play.textContent = '\\u23f8 pause';
    timer = setInterval(function () {
      if (current >= frames.length - 1) { stop(); } else { show(current + 1); }
    }, DELAY);
  }
  root.querySelector('.crf-prev').addEventListener('click', function () { stop(); show(current - 1); });
  root.querySelector('.crf-next').addEventListener('click', function () { stop(); show(current + 1); });
  play.addEventListener('click', function () { if (timer === null) { start(); } else { stop(); } });
  slider.addEventListener('input', function () { stop(); show(parseInt(slider.value, 10)); });
  show(0);
})();
"""


class BackwardFrames(Sequence[str]):
    """The backward pass as pictures: a sequence of SVG strings, one per frame.

    In a notebook it shows as a player (buttons, a slider, play); ``save_html(path)``
    writes the same player as one self-contained HTML file.

    >>> frames = BackwardFrames(['<svg></svg>', '<svg></svg>'], ['first', 'second'])
    >>> len(frames), 'crf-slider' in frames._repr_html_()
    (2, True)
    """

    def __init__(self, svgs: list[str], captions: list[str], title: str = "backward pass",
                 delay_ms: int = 1200):
        if len(svgs) != len(captions):
            raise ValueError(f"BackwardFrames: {len(svgs)} pictures but {len(captions)} captions")
        if not svgs:
            raise ValueError("BackwardFrames: needs at least one frame")
        self.svgs = list(svgs)
        self.captions = list(captions)
        self.title = title
        self.delay_ms = int(delay_ms)

    def __len__(self) -> int:
        return len(self.svgs)

    def __getitem__(self, k):
        return self.svgs[k]

    def __repr__(self) -> str:
        return f"BackwardFrames({len(self)} frames: {self.title})"

    def _repr_html_(self) -> str:
        esc = html.escape
        n = len(self.svgs)
        hidden = ' style="display:none"'  # until the script runs, only frame 1 shows
        frames = "".join(
            f'<div class="crf-frame" data-frame="{k}"{"" if k == 0 else hidden}>'
            f'<div class="crf-caption">{esc(caption)}</div>{svg}</div>'
            for k, (svg, caption) in enumerate(zip(self.svgs, self.captions)))
        controls = (
            '<div class="crf-controls">'
            '<button type="button" class="crf-prev" title="previous frame">\u25c0 prev</button>'
            '<button type="button" class="crf-play" title="play">\u25b6 play</button>'
            '<button type="button" class="crf-next" title="next frame">next \u25b6</button>'
            f'<input type="range" class="crf-slider" min="0" max="{n - 1}" step="1" value="0" '
            'aria-label="frame">'
            f'<span class="crf-counter">1 / {n}</span></div>')
        digest = hashlib.sha256("\0".join(self.svgs + self.captions).encode()).hexdigest()[:12]
        player_id = f"chainrule-frames-{digest}"
        script = _PLAYER_JS.replace("DELAY", str(self.delay_ms)).replace("PLAYER_ID", player_id)
        return (f'<div class="chainrule-frames" id="{player_id}"><style>{_PLAYER_CSS}</style>'
                f"{controls}{frames}<script>{script}</script></div>")

    def to_html(self) -> str:
        """A whole HTML page holding the player: inline SVG, CSS and JavaScript, nothing fetched."""
        return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f"<title>{html.escape(self.title)}</title></head>\n<body>\n"
                f"<h3>{html.escape(self.title)}</h3>\n{self._repr_html_()}\n</body></html>\n")

    def save_html(self, path) -> Path:
        """Write ``to_html()`` to ``path`` (a file a learner can open in any browser)."""
        path = Path(path)
        path.write_text(self.to_html(), encoding="utf-8")
        return path
