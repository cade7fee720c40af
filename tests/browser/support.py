"""What the browser tests share: where Chromium is, how it is started, and small page helpers.

Kept apart from conftest.py so that tests/conftest.py can ask whether Chromium is usable before any
browser fixture runs (every test marked `browser`, in any folder, skips or fails the same way).
"""
from __future__ import annotations

import importlib.util
import os
import re
import time
from pathlib import Path

from django.utils import translation

try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # browser_unavailable() says why the browser tests skip
    PlaywrightError = Exception

CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, never a browser downloaded by Playwright; nothing may phone home during a test.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def t(message: str, context: str | None = None) -> str:
    """`message` (in `context`, as pgettext has it) as the Vietnamese interface shows it.

    The tests read in English while the browser works in Vietnamese, the portal's default language.
    """
    with translation.override("vi"):
        return str(translation.pgettext(context, message) if context else translation.gettext(message))


def exact(text: str) -> re.Pattern:
    """A whole-text pattern for get_by_role(name=...), so that "Show" does not also match "Shown"."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def follow(page, target) -> None:
    """Click a link or a submit button and wait until the next page has loaded, styles included.

    A click returns once navigation starts; reading the page before it loads would read the old one,
    or the new one before its style sheet hides what is for print only.
    """
    with page.expect_navigation():
        target.click()


def until_done(page, *, seconds: float = 180, during=None) -> None:
    """Wait while the page shows an import in progress: it reloads itself (static/js/refresh.js) until
    the preview or the result replaces the progress panel (the run's status alert, #run-status).
    `during(page)` is called on each look at a progress page."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            page.wait_for_load_state("load")
            if page.locator("#run-status").count():
                return
            if during is not None and page.locator("#progress").count():
                during(page)
        except PlaywrightError:
            pass  # the page was reloading while we looked
        page.wait_for_timeout(200)
    raise AssertionError(f"the import was still running after {seconds} s")
