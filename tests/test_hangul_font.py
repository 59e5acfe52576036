"""Korean text renders in the browser the tests use: Hangul in a real font, not empty boxes.

Without a font that has Hangul, every syllable falls back to the same "missing
glyph" box, so two different syllables draw the same pixels.  With one (the
set-up installs Debian's fonts-noto-cjk), they differ.
"""

PAGE = """<!DOCTYPE html><html lang="ko"><meta charset="utf-8"><body>
<p id="text">역전파와 연쇄 법칙</p>
<script>
function pixels(ch) {
  const c = document.createElement('canvas'); c.width = 48; c.height = 48;
  const g = c.getContext('2d'); g.font = '32px sans-serif'; g.fillStyle = '#000';
  g.fillText(ch, 4, 36);
  return Array.from(g.getImageData(0, 0, 48, 48).data).join(',');
}
window.result = {same: pixels('역') === pixels('전'), blank: pixels('역') === pixels(' ')};
</script></body></html>"""


def test_two_hangul_syllables_draw_different_glyphs(chromium_page, tmp_path):
    page_file = tmp_path / "hangul.html"
    page_file.write_text(PAGE, encoding="utf-8")
    chromium_page.goto(page_file.as_uri())
    result = chromium_page.evaluate("window.result")
    assert result == {"same": False, "blank": False}, \
        "Hangul falls back to the missing-glyph box: install fonts-noto-cjk (scripts/setup.sh does)"
