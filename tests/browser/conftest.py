"""A real browser for the topology page: Debian's chromium, headless, driven by
Playwright (pip ``playwright``) through ``executable_path``, so Playwright downloads
no browser of its own. Without either, the tests fail under CI and skip elsewhere."""
from __future__ import annotations

import os
import shutil

import pytest

from tests.support.requirements import unavailable

# The binary itself first: /usr/bin/chromium is Debian's wrapper script around it.
CHROMIUM = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Screenshots and measurements a run leaves behind (gitignored).
ARTIFACTS = os.path.join(ROOT, ".artifacts")


def chromium_path() -> str | None:
    found = next((p for p in CHROMIUM if os.access(p, os.X_OK)), None)
    return found or shutil.which("chromium")


# Module-scoped, not session: Playwright's sync API keeps an asyncio loop running in this
# thread while it lives, and later tests on the same worker that run a loop of their own
# (the data-plane testbed) fail with "This event loop is already running".
@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (make venv installs the test extras)")
    path = chromium_path()
    if path is None:
        unavailable("no chromium: install the Debian package chromium (tools/debian-packages.txt)")
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=path, headless=True)
    except Exception as err:  # noqa: BLE001 - whatever stops chromium from starting
        playwright.stop()
        unavailable(f"cannot start {path}: {err}")
    yield launched
    launched.close()
    playwright.stop()


class Tab:
    """One page in a fresh browser context (its own sessionStorage), recording the
    script errors a person would never see but a broken page has."""

    def __init__(self, browser, width: int = 1400, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.script_errors: list[str] = []
        self.page.on("pageerror", lambda err: self.script_errors.append(str(err)))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser):
    opened = Tab(browser)
    yield opened
    errors = opened.script_errors
    opened.close()
    assert not errors, f"the page's script failed: {errors}"


def save_artifact(source: str, name: str) -> str:
    os.makedirs(ARTIFACTS, exist_ok=True)
    target = os.path.join(ARTIFACTS, name)
    shutil.copyfile(source, target)
    return target
