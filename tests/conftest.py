"""Shared pytest setup for chainrule.

- Forces matplotlib's non-interactive Agg backend (set before anything
  imports matplotlib, so tests and notebooks never need a display).
- `chromium_page`: a Playwright page in Debian's /usr/bin/chromium.
"""
import os

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_browser():
    """Debian's chromium driven by Playwright (never a downloaded browser)."""
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(
            "Debian's chromium is not installed (apt-get install chromium): "
            f"{CHROMIUM} not found; scripts/setup.sh installs it when run as root"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.skip(
            f"the playwright Python package is not installed ({exc}): "
            "run scripts/setup.sh (pip install -e '.[dev]')"
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def chromium_page(chromium_browser):
    """A fresh page (in its own browser context) for one test."""
    context = chromium_browser.new_context()
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
