"""A tiny HTTP client for driving the portal on loopback: cookies, CSRF, sign-in, forms.

Standard library only (http.client), so the load and scale-out scripts run from any Python.
It talks to gunicorn directly and plays the part of nginx by sending X-Forwarded-Proto: https,
so the portal runs with its production settings (secure cookies, HTTPS redirect) unchanged.
"""
from __future__ import annotations

import http.client
import ipaddress
import re
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

DB_DOWN_MARKER = b'id="database-unavailable"'
_HIDDEN_INPUT = re.compile(rb'<input[^>]*name="csrfmiddlewaretoken"[^>]*value="([^"]+)"')


def ensure_loopback(base_url: str) -> tuple[str, int]:
    """(host, port) of base_url, refusing anything that is not this machine's loopback."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.scheme != "http":
        raise SystemExit(f"only plain http to loopback is driven (nginx would add TLS): {base_url}")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(f"refusing to send traffic to {host!r}: only 127.0.0.0/8, ::1 or localhost")
    return host, parts.port or 80


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    elapsed: float  # seconds
    finished: float  # time.monotonic() when the body was read

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    @property
    def is_db_down_page(self) -> bool:
        return self.status == 503 and DB_DOWN_MARKER in self.body


class PortalClient:
    """One browser: a keep-alive connection and a cookie jar."""

    def __init__(self, base_url: str, timeout: float = 15.0):
        self.host, self.port = ensure_loopback(base_url)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self._conn: http.client.HTTPConnection | None = None

    # -- transport ---------------------------------------------------------------------------
    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method: str, path: str, fields: dict | None = None) -> Response:
        body = urlencode(fields, doseq=True).encode() if fields is not None else None
        headers = {
            "Host": f"{self.host}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Language": "vi",
            "User-Agent": "portal-bench/1",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            # Django checks Origin (or Referer) on HTTPS POSTs.
            headers["Origin"] = f"https://{self.host}:{self.port}"
            headers["Referer"] = f"https://{self.host}:{self.port}{path}"
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                conn = self._connection()
                conn.request(method, path, body=body, headers=headers)
                raw = conn.getresponse()
                data = raw.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # gunicorn closed an idle keep-alive connection (or a worker was recycled): one retry
                # on a fresh connection, as a browser does; a second failure is a real error.
                self.close()
                if attempt == 2 or method != "GET":
                    raise
            except (OSError, http.client.HTTPException):
                self.close()
                raise
        elapsed = time.perf_counter() - started
        finished = time.monotonic()
        response_headers = {}
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                self._store_cookie(value)
            else:
                response_headers[name.lower()] = value
        if response_headers.get("connection", "").lower() == "close":
            self.close()
        return Response(raw.status, response_headers, data, elapsed, finished)

    def _store_cookie(self, header: str) -> None:
        first, _, attributes = header.partition(";")
        name, _, value = first.strip().partition("=")
        attrs = attributes.lower()
        if "max-age=0" in attrs.replace(" ", "") or "expires=thu, 01 jan 1970" in attrs:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value.strip('"')

    # -- browser-like helpers ----------------------------------------------------------------
    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def csrf_token(self, page: Response | None = None) -> str:
        if page is not None:
            found = _HIDDEN_INPUT.search(page.body)
            if found:
                return found.group(1).decode()
        return self.cookies.get("csrftoken", "")

    def post_form(self, path: str, fields: dict, page: Response | None = None) -> Response:
        if page is None:
            page = self.get(path)
        return self.request("POST", path, {**fields, "csrfmiddlewaretoken": self.csrf_token(page)})

    def sign_in(self, username: str, password: str, path: str = "/dang-nhap/") -> Response:
        response = self.post_form(path, {"username": username, "password": password, "next": "/"})
        if response.status != 302:
            raise RuntimeError(f"sign-in of {username!r} failed with status {response.status}")
        return response


def wait_until_up(base_url: str, path: str = "/healthz", timeout: float = 60.0) -> None:
    """Poll the health endpoint until it answers 200 (gunicorn booting, or the database coming back)."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        client = PortalClient(base_url, timeout=2)
        try:
            response = client.get(path)
            if response.status == 200:
                return
            last = f"status {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            last = type(exc).__name__
        finally:
            client.close()
        time.sleep(0.2)
    raise RuntimeError(f"{base_url}{path} did not come up within {timeout:.0f} s ({last})")


@dataclass
class Form:
    """A form as a browser would submit it unchanged: its fields in order, and each select's options."""

    action: str
    fields: list[tuple[str, str]]
    options: dict[str, list[str]]

    def value(self, name: str) -> str | None:
        return next((v for n, v in self.fields if n == name), None)

    def set(self, name: str, value: str) -> None:
        self.fields = [(n, value if n == name else v) for n, v in self.fields]


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._selected: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), [], {})
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "file", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self._form.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select, self._selected, self._first_option = a["name"], None, None
            self._form.options[a["name"]] = []
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self._form.options[self._select].append(value)
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._selected = value
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select and self._form is not None:
            chosen = self._selected if self._selected is not None else self._first_option
            if chosen is not None:
                self._form.fields.append((self._select, chosen))
            self._select = None
        elif tag == "textarea" and self._textarea and self._form is not None:
            self._form.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None
        elif tag == "form":
            self._form = None


def parse_form(body: bytes, containing: str) -> Form | None:
    """The first form of the page with a field whose name contains `containing`."""
    parser = _FormParser()
    parser.feed(body.decode("utf-8", errors="replace"))
    return next((f for f in parser.forms if any(containing in name for name, _ in f.fields)), None)
