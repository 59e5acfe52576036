"""The saved backward-pass player works in a real headless browser, offline."""
from autograd import Value
from autograd.backward import topological_order
from autograd.frames import backward_frames


def visible_frames(page) -> list[int]:
    return page.eval_on_selector_all(
        ".crf-frame", "els => els.map((e, i) => [i, getComputedStyle(e).display])"
                      ".filter(p => p[1] !== 'none').map(p => p[0])")


def visible_svg(page) -> str:
    return page.eval_on_selector_all(
        ".crf-frame", "els => els.filter(e => getComputedStyle(e).display !== 'none')"
                      ".map(e => e.querySelector('svg').outerHTML).join('')")


def test_saved_player_steps_through_the_backward_pass(chromium_page, tmp_path):
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    w = x + y
    w.label = "w"
    z = w ** 2
    z.label = "z"
    n = len(topological_order(z))
    path = backward_frames(z).save_html(tmp_path / "backward.html")

    page = chromium_page
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())

    assert page.text_content(".crf-counter") == f"1 / {n}"
    assert visible_frames(page) == [0]
    first = visible_svg(page)
    assert "grad 1" in first and "grad ?" in first

    page.click(".crf-next")
    assert page.text_content(".crf-counter") == f"2 / {n}"
    assert visible_frames(page) == [1]
    assert visible_svg(page) != first

    page.focus(".crf-slider")  # the slider moves with the keyboard, as a learner would
    page.keyboard.press("End")
    assert page.text_content(".crf-counter") == f"{n} / {n}"
    assert visible_frames(page) == [n - 1]
    assert "grad ?" not in visible_svg(page)  # every gradient is known at the end

    page.click(".crf-prev")
    assert visible_frames(page) == [n - 2]

    page.click(".crf-play")  # plays on from the current frame and stops at the last
    page.wait_for_function(f"document.querySelector('.crf-counter').textContent === '{n} / {n}'",
                           timeout=10_000)
    page.wait_for_function("document.querySelector('.crf-play').textContent.includes('play')",
                           timeout=10_000)
    assert errors == []


def test_player_works_when_a_notebook_runs_its_script_out_of_place(chromium_page):
    # Classic Jupyter inserts HTML output with innerHTML and evaluates each script
    # globally, where document.currentScript is not inside the player.
    x = Value(2.0, label="x")
    y = x * x
    y.label = "y"
    frames = backward_frames(y)
    page = chromium_page
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_content("<!DOCTYPE html><html><body><div id='output'></div></body></html>")
    page.evaluate("""html => {
        const out = document.getElementById('output');
        out.innerHTML = html;
        out.querySelectorAll('script').forEach(s => (0, eval)(s.textContent));
    }""", frames._repr_html_())
    assert page.text_content(".crf-counter") == f"1 / {len(frames)}"
    page.click(".crf-next")
    assert page.text_content(".crf-counter") == f"2 / {len(frames)}"
    assert visible_frames(page) == [1]
    assert errors == []
