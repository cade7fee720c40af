"""The portal served for real, with the demo province, and a headless Chromium to drive it.

The server is a separate `manage.py runserver` process on a free port of 127.0.0.1, on a database of
its own (an SQLite file, or a `test_<name>_browser` PostgreSQL database when DATABASE_URL points at
PostgreSQL), migrated and seeded once for the whole folder. Nothing here touches pytest-django's test
database: the other tests keep their empty, rolled-back database, and no ORM call runs beside
Playwright's event loop.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from portal.demo import DEMO_LOGINS
from portal.settings import database_from_url

from .support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DESKTOP

ROOT = Path(__file__).resolve().parents[2]
# Small enough to seed in about 3 s, large enough that every district and commune has people,
# courses and people still to train.
DEMO_STAFF = 1500
SERVER_START_SECONDS = 60


@dataclass
class Portal:
    url: str
    log: Path


@dataclass
class Problems:
    """What went wrong without failing a step: script errors, CSP refusals, missing files, error pages."""

    items: list[str] = field(default_factory=list)

    def console(self, message) -> None:
        if message.type == "error":
            self.items.append(f"console: {message.text}")

    def response(self, response) -> None:
        # The console names no address for a failed load; the response does.
        if response.status >= 400:
            self.items.append(f"HTTP {response.status}: {response.url}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args: list[str], env: dict) -> None:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    if done.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}",
                    pytrace=False)


class _PostgresDatabase:
    """A throw-away database beside the one DATABASE_URL names, dropped with the server."""

    def __init__(self, url: str):
        import psycopg2

        self._psycopg2 = psycopg2
        self.settings = database_from_url(url)
        self.name = f"test_{self.settings['NAME']}_browser"
        self.url = url.rsplit("/", 1)[0].split("?")[0] + f"/{self.name}"

    def _execute(self, sql: str) -> None:
        connection = self._psycopg2.connect(
            dbname="postgres", user=self.settings["USER"] or None, password=self.settings["PASSWORD"] or None,
            host=self.settings["HOST"] or None, port=self.settings["PORT"] or None,
        )
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def create(self) -> None:
        # A run killed half-way may have left it behind.
        self.drop()
        self._execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(scope="package")
def portal(tmp_path_factory) -> Iterator[Portal]:
    """The portal at http://127.0.0.1:<port> with `seed_demo --staff 1500` and the three demo log-ins."""
    url = os.environ.get("DATABASE_URL", "").strip()
    postgres = _PostgresDatabase(url) if url and database_from_url(url)["ENGINE"].endswith("postgresql") else None
    if postgres:
        postgres.create()
        database_url = postgres.url
    else:
        database_url = f"sqlite:///{tmp_path_factory.mktemp('portal') / 'portal.sqlite3'}"
    # DEBUG serves the static files without collectstatic; everything else is the portal's own settings.
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "true", "ALLOWED_HOSTS": "127.0.0.1",
           "DJANGO_SETTINGS_MODULE": "portal.settings", "PYTHONUNBUFFERED": "1"}
    server = worker = None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "server.log"
    try:
        _run(["migrate", "--noinput", "-v", "0"], env)
        _run(["seed_demo", "--staff", str(DEMO_STAFF)], env)
        port = _free_port()
        with log.open("w") as out:
            server = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )
            # The import worker, as scripts/demo.sh and deploy/portal-worker.service run it.
            worker = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2", "--no-startup-delay"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        _wait_until_serving(server, f"{base}/dang-nhap/", log)
        yield Portal(url=base, log=log)
    finally:
        for process in (server, worker):
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if postgres:
            postgres.drop()


def _wait_until_serving(server: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the portal stopped with exit code {server.returncode}:\n{log.read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"the portal did not answer {url} within {SERVER_START_SECONDS} s:\n{log.read_text()}", pytrace=False)


@pytest.fixture(scope="package")
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, portal, request) -> Iterator:
    """A fresh browser profile in Vietnamese at desktop size; its last page is saved as a screenshot.

    The test fails afterwards if the page logged an error (a script error, a refused inline script or
    style, a missing file) or the server answered with an error status, even where every step passed.
    """
    context = chromium.new_context(base_url=portal.url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                   viewport=DESKTOP, accept_downloads=True)
    context.set_default_timeout(15_000)
    problems = Problems()
    browser_page = context.new_page()
    browser_page.on("console", problems.console)
    browser_page.on("pageerror", lambda error: problems.items.append(f"page error: {error}"))
    browser_page.on("response", problems.response)
    try:
        yield browser_page
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            browser_page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
        finally:
            context.close()
    assert problems.items == [], "the browser reported problems:\n" + "\n".join(problems.items)


def demo_password(username: str) -> str:
    return next(login.password for login in DEMO_LOGINS if login.username == username)


@pytest.fixture
def sign_in(page):
    """sign_in("lanhdao"): the sign-in page, filled in as a person would, landing on the overview."""

    def _sign_in(username: str):
        page.goto("/dang-nhap/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(demo_password(username))
        page.locator("input[name=password]").press("Enter")
        page.wait_for_url("/")
        return page

    return _sign_in
