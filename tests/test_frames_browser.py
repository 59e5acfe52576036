"""The saved backward-pass player works in a real headless browser, offline."""
import re

import nn
from autograd import Value
from autograd.backward import topological_order
from autograd.frames import backward_frames


def watch_errors(page) -> list:
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def counter(page) -> str:
    return page.text_content(".crf-counter")


def grad_texts(page) -> list[str]:
    """Every grad cell of the drawing as the browser shows it now."""
    return page.eval_on_selector_all(
        ".crf-picture svg text", "els => els.map(t => t.textContent).filter(t => t.startsWith('grad '))")


def python_grad_texts(svg: str) -> list[str]:
    return [t for t in re.findall(r"<text[^>]*>(.*?)</text>", svg) if t.startswith("grad ")]


def test_saved_player_steps_through_the_backward_pass(chromium_page, tmp_path):
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    w = x + y
    w.label = "w"
    z = w ** 2
    z.label = "z"
    n = len(topological_order(z))
    frames = backward_frames(z)
    path = frames.save_html(tmp_path / "backward.html")

    page = chromium_page
    errors = watch_errors(page)
    page.goto(path.as_uri())

    assert counter(page) == f"1 / {n}"
    assert page.text_content(".crf-caption") == frames.captions[0]
    first = grad_texts(page)
    assert "grad 1" in first and first.count("grad ?") == n - 1

    page.click(".crf-next")
    assert counter(page) == f"2 / {n}"
    assert page.text_content(".crf-caption") == frames.captions[1]
    assert grad_texts(page).count("grad ?") == n - 2
    assert grad_texts(page) == python_grad_texts(frames[1])  # the script and frames[k] agree

    page.focus(".crf-slider")  # the slider moves with the keyboard, as a learner would
    page.keyboard.press("End")
    assert counter(page) == f"{n} / {n}"
    assert "grad ?" not in grad_texts(page)  # every gradient is known at the end

    page.click(".crf-prev")
    assert counter(page) == f"{n - 1} / {n}"
    assert grad_texts(page) == python_grad_texts(frames[n - 2])

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
    errors = watch_errors(page)
    page.set_content("<!DOCTYPE html><html><body><div id='output'></div></body></html>")
    page.evaluate("""html => {
        const out = document.getElementById('output');
        out.innerHTML = html;
        out.querySelectorAll('script').forEach(s => (0, eval)(s.textContent));
    }""", frames.player_html())
    assert counter(page) == f"1 / {len(frames)}"
    page.click(".crf-next")
    assert counter(page) == f"2 / {len(frames)}"
    assert grad_texts(page) == python_grad_texts(frames[1])
    assert errors == []


def test_every_frame_of_a_16_16_network_is_reached_by_the_buttons_and_the_slider(chromium_page,
                                                                                 tmp_path):
    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = nn.mse_loss(model([0.5, -0.25]), 1.0)
    frames = backward_frames(loss, model=model, collapse="neuron")
    n = len(frames)
    page = chromium_page
    errors = watch_errors(page)
    page.goto(frames.save_html(tmp_path / "network.html").as_uri())

    pending = grad_texts(page).count("grad ?")
    for k in range(1, n):  # forward with the button: each click shows the next frame
        page.click(".crf-next")
        assert counter(page) == f"{k + 1} / {n}"
        assert page.text_content(".crf-caption") == frames.captions[k]
        now = grad_texts(page).count("grad ?")
        assert now <= pending
        pending = now
    assert pending == 0
    for k in range(n - 2, -1, -1):  # and back
        page.click(".crf-prev")
        assert counter(page) == f"{k + 1} / {n}"
    assert grad_texts(page) == python_grad_texts(frames[0])

    page.focus(".crf-slider")
    for k in range(1, n):  # every frame again, with the slider's arrow key
        page.keyboard.press("ArrowRight")
        assert counter(page) == f"{k + 1} / {n}"
        assert page.text_content(".crf-caption") == frames.captions[k]
    assert errors == []


def test_player_builds_itself_inside_a_notebook_output(chromium_page):
    # As a notebook output the player is a script run with `element`, the output's node
    # (JupyterLab runs it only where the notebook is trusted; elsewhere its PNG shows).
    x = Value(2.0, label="x")
    y = x * x
    y.label = "y"
    frames = backward_frames(y)
    bundle = frames._repr_mimebundle_()
    assert f"{len(frames)} frames" in bundle["text/plain"] and "image/png" in bundle
    page = chromium_page
    errors = watch_errors(page)
    page.set_content("<!DOCTYPE html><html><body><div id='output'></div></body></html>")
    page.evaluate("code => { const element = document.getElementById('output'); eval(code); }",
                  bundle["application/javascript"])
    assert counter(page) == f"1 / {len(frames)}"
    page.click(".crf-next")
    assert counter(page) == f"2 / {len(frames)}"
    assert grad_texts(page) == python_grad_texts(frames[1])
    assert errors == []
