"""The chromium_page fixture drives Debian's chromium through Playwright."""


def test_reads_text_from_local_page(chromium_page, tmp_path):
    html = tmp_path / "page.html"
    html.write_text(
        "<!doctype html><html><body>"
        "<p id='msg'>d(x*y)/dx = y</p>"
        "<button id='b' onclick=\"document.getElementById('out').textContent='clicked'\">go</button>"
        "<span id='out'></span>"
        "</body></html>",
        encoding="utf-8",
    )
    chromium_page.goto(html.as_uri())
    assert chromium_page.text_content("#msg") == "d(x*y)/dx = y"
    chromium_page.click("#b")
    assert chromium_page.text_content("#out") == "clicked"
