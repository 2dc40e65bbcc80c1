"""Fixtures that serve the app on 127.0.0.1 and drive it with Debian's Chromium.

A test package imports the fixtures it needs from here in its conftest.py:

- `live_server`: the base URL of `create_app(settings, store=store)`, served by uvicorn
  in a thread on a free port of 127.0.0.1;
- `chromium`: one Chromium per test session, launched with flags that keep it off every
  network but the loopback one. Tests that use it skip when /usr/bin/chromium is absent;
- `browser_page`: a fresh page in its own context. Every request to a host other than
  the loopback one is aborted and recorded, and so is every dialog and script error, so
  that the test can assert that none happened.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn

from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.server.app import create_app

CHROMIUM = Path("/usr/bin/chromium")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1 , "
    "EXCLUDE [::1]",
    "--proxy-server=http://127.0.0.1:9",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# URL schemes that load nothing from a network: inline data and the browser's own pages.
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})

SERVER_START_TIMEOUT = 10.0


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve `app` on a free port of 127.0.0.1 in a thread and yield its URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, daemon=True
    )
    thread.start()
    try:
        _wait_until_started(server, thread)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=SERVER_START_TIMEOUT)
        listener.close()


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within the time limit")
        time.sleep(0.02)


@pytest.fixture
def live_server(settings: Settings, store: GraphStore) -> Iterator[str]:
    """Serve the app over the test's store and yield its URL, with no trailing slash."""
    with serve(create_app(settings, store=store)) as url:
        yield url


@pytest.fixture(scope="session")
def chromium():
    """Launch Debian's Chromium once per session, or skip when it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # launch() gives the browser a fresh, empty user data folder.
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class BrowserPage:
    """A page, with the outside requests, dialogs and script errors it produced."""

    page: object
    outside_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def browser_page(chromium) -> Iterator[BrowserPage]:
    """Open a page in a fresh context that may reach 127.0.0.1 and nothing else."""
    context = chromium.new_context()
    page = context.new_page()
    record = BrowserPage(page)

    def guard(route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES or parts.hostname in LOOPBACK_HOSTS:
            route.continue_()
            return
        record.outside_requests.append(url)
        route.abort()

    def on_dialog(dialog) -> None:
        record.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message) -> None:
        if message.type == "error":
            record.errors.append(message.text)

    page.route("**/*", guard)
    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda error: record.errors.append(str(error)))
    yield record
    context.close()
