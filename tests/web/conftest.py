"""Fixtures for the web UI: a live server on a free port and Debian's Chromium via Playwright.

The server runs the real app (uvicorn, its own engine) in a background thread against the
migrated test database. Every page a test opens records console errors, uncaught exceptions
and Content-Security-Policy violations; `page_errors` fails the test if any appeared.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import async_playwright

from sprintsync.app import create_app
from sprintsync.config import Settings

CHROMIUM = os.environ.get("SPRINTSYNC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Reported by the page itself, so CSP violations show up even where Chrome would not log them.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + e.blockedURI);
});
"""
# Error statuses a page answers on purpose are logged by Chrome ("Failed to load resource:
# ... status of 409") and htmx ("Response Status Error Code 409"); a test lists the ones its
# flow expects (a refused move is 409), and any other error fails it.
_STATUS = re.compile(r"(?:status of|Response Status Error Code) (\d{3})\b")


def _free_port() -> int:
    """A free port: from SPRINTSYNC_TEST_PORTS ("8450-8499") when set, else any."""
    first, _, last = os.environ.get("SPRINTSYNC_TEST_PORTS", "0-0").partition("-")
    for port in range(int(first), int(last or first) + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    pytest.fail(f"no free port in SPRINTSYNC_TEST_PORTS={first}-{last}")


@pytest.fixture(scope="session")
def live_server(base_settings: Settings) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1, as a base URL."""
    # No per-process user cache: ids are reused between tests on SQLite.
    settings = base_settings.model_copy(update={"auth_cache_seconds": 0.0})
    app = create_app(settings)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[object]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@dataclass
class PageErrors:
    """Everything a page reported that a person would count as broken."""

    messages: list[str] = field(default_factory=list)
    expected: set[int] = field(default_factory=set)

    def allow(self, *statuses: int) -> None:
        self.expected.update(statuses)

    def attach(self, page: object) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.messages.append(f"uncaught: {exc}"))

    def _on_console(self, message: object) -> None:
        if message.type != "error":
            return
        status = _STATUS.search(message.text)
        if status and int(status.group(1)) in self.expected:
            return
        self.messages.append(f"console: {message.text}")


@pytest.fixture
def page_errors() -> Iterator[PageErrors]:
    errors = PageErrors()
    yield errors
    assert errors.messages == [], "the browser reported errors:\n" + "\n".join(errors.messages)


@pytest.fixture
async def open_page(
    browser: object, live_server: str, page_errors: PageErrors
) -> AsyncIterator[object]:
    """Opens a page in a fresh browser context (own cookies): `await open_page(dark=True)`."""
    contexts = []

    async def opener(*, viewport: dict | None = None, dark: bool = False) -> object:
        context = await browser.new_context(
            base_url=live_server,
            viewport=viewport or DESKTOP,
            color_scheme="dark" if dark else "light",
        )
        await context.add_init_script(CSP_LISTENER)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = await context.new_page()
        page_errors.attach(page)
        return page

    yield opener
    for context in contexts:
        await context.close()
