#!/usr/bin/env python3
"""Scale-out check: two gunicorn instances on two loopback ports share one PostgreSQL database.

    .venv/bin/python scripts/scale_out_check.py [--database-url postgres://postgres@127.0.0.1:5432/portal_scale]

It (1) recreates the scratch database, migrates and collects static files, (2) creates one
administrator, (3) starts gunicorn on 127.0.0.1:8101 and 127.0.0.1:8102 with production settings
(DEBUG=False), then proves the app keeps no state in its processes:
  - a session opened on one instance works on the other, and signing out on one ends it on both;
  - what is saved on one instance is read on the other, in both directions;
  - failed sign-ins counted on one instance lock the account on the other;
and (4) stops both instances. Exit status 0 when every check passed.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "bench"))

from portal_client import PortalClient, wait_until_up  # noqa: E402

PASSWORD = "Scale-out-check-" + secrets.token_hex(4)
PORTS = (8101, 8102)


def run(cmd: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=BASE_DIR, env=env, check=True, text=True, capture_output=True, **kwargs)


def recreate_database(database_url: str) -> None:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", admin_url, "-qc", sql], check=True, capture_output=True)


SETUP_CODE = """
from agencies.models import Agency, Level, User
root = Agency.objects.filter(parent=None).first() or Agency.objects.create(
    code="UBND-T", name="UBND tỉnh Đắk Nông", level=Level.PROVINCE, kind=Agency.Kind.PROVINCE_COMMITTEE)
user, _ = User.objects.update_or_create(username="scale-admin", defaults={
    "role": User.Role.ADMINISTRATOR, "full_name": "Quản trị thử mở rộng", "is_active": True})
user.set_password(os.environ["SCALE_PASSWORD"])
user.save()
print(root.pk)
"""


class Check:
    def __init__(self):
        self.results: list[tuple[bool, str]] = []

    def __call__(self, ok: bool, label: str) -> bool:
        self.results.append((ok, label))
        print(f"  [{'ok' if ok else 'FAIL'}] {label}", flush=True)
        return ok


def add_agency(client: PortalClient, parent_id: int, code: str, name: str) -> int:
    response = client.post_form("/quan-tri/agencies/agency/add/", {
        "code": code, "name": name, "level": "province", "kind": "department", "parent": parent_id, "_save": "1",
    })
    return response.status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/portal_scale")
    parser.add_argument("--keep-database", action="store_true", help="do not recreate the database first")
    args = parser.parse_args()

    env = {**os.environ, "DEBUG": "False", "SECRET_KEY": secrets.token_urlsafe(64),
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "DATABASE_URL": args.database_url,
           "CONN_MAX_AGE": "60", "WEB_CONCURRENCY": "2", "SCALE_PASSWORD": PASSWORD}
    python = sys.executable
    started = time.monotonic()
    print(f"database: {args.database_url}")
    if not args.keep_database:
        recreate_database(args.database_url)
    run([python, "manage.py", "migrate", "--noinput"], env)
    run([python, "manage.py", "collectstatic", "--noinput"], env)
    root_id = int(run([python, "manage.py", "shell", "-c", "import os\n" + SETUP_CODE], env).stdout.split()[-1])

    log_dir = BASE_DIR / "test-artifacts"
    log_dir.mkdir(exist_ok=True)
    gunicorn = str(Path(python).with_name("gunicorn"))
    servers = []
    check = Check()
    try:
        for port in PORTS:
            log = open(log_dir / f"scale-out-{port}.log", "w")
            servers.append((subprocess.Popen(
                [gunicorn, "--config", "deploy/gunicorn.conf.py"], cwd=BASE_DIR,
                env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_PROC_NAME": f"portal-{port}"},
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True), log))
        for port in PORTS:
            wait_until_up(f"http://127.0.0.1:{port}")
        print(f"two instances up on {PORTS} (pids {[p.pid for p, _ in servers]})")

        a = PortalClient(f"http://127.0.0.1:{PORTS[0]}")
        b = PortalClient(f"http://127.0.0.1:{PORTS[1]}")
        a.sign_in("scale-admin", PASSWORD)
        b.cookies = dict(a.cookies)  # the same browser, sent to the other instance by the proxy
        home_b = b.get("/")
        check(home_b.status == 200 and "Quản trị thử mở rộng".encode() in home_b.body,
              f"session opened on :{PORTS[0]} is signed in on :{PORTS[1]} (status {home_b.status})")

        stamp = time.strftime("%H%M%S")
        name_a = f"Đơn vị lưu ở cổng {PORTS[0]} {stamp}"
        status = add_agency(a, root_id, f"SCALE-A-{stamp}", name_a)
        check(status == 302, f"agency saved through :{PORTS[0]} (status {status})")
        listing = b.get("/don-vi/")
        check(name_a.encode() in listing.body, f"that agency is listed by :{PORTS[1]}")

        a.cookies = dict(b.cookies)  # CSRF and message cookies may have changed on b
        name_b = f"Đơn vị lưu ở cổng {PORTS[1]} {stamp}"
        status = add_agency(b, root_id, f"SCALE-B-{stamp}", name_b)
        check(status == 302, f"agency saved through :{PORTS[1]} (status {status})")
        a.cookies = dict(b.cookies)
        check(name_b.encode() in a.get("/don-vi/").body, f"that agency is listed by :{PORTS[0]}")

        a.cookies = dict(b.cookies)
        logout = b.request("POST", "/dang-xuat/", {"csrfmiddlewaretoken": b.csrf_token()})
        after = a.get("/")
        check(logout.status == 302 and after.status == 302 and "/dang-nhap/" in after.location,
              f"signing out on :{PORTS[1]} ends the session on :{PORTS[0]} (status {after.status})")

        intruder_a = PortalClient(f"http://127.0.0.1:{PORTS[0]}")
        for _ in range(5):
            intruder_a.post_form("/dang-nhap/", {"username": "scale-admin", "password": "wrong password"})
        intruder_b = PortalClient(f"http://127.0.0.1:{PORTS[1]}")
        refused = intruder_b.post_form("/dang-nhap/", {"username": "scale-admin", "password": PASSWORD})
        check(refused.status == 200 and "sessionid" not in intruder_b.cookies,
              f"5 failed sign-ins on :{PORTS[0]} lock the account on :{PORTS[1]} too")
        for client in (a, b, intruder_a, intruder_b):
            client.close()
    finally:
        for process, _log in servers:
            os.killpg(process.pid, signal.SIGTERM)
        for process, log in servers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
            log.close()
    served = {}
    for port in PORTS:
        lines = (log_dir / f"scale-out-{port}.log").read_text().splitlines()
        served[port] = sum(1 for line in lines if line.startswith("{") and json.loads(line).get("path"))
    check(all(count > 0 for count in served.values()), f"both instances served requests (JSON log lines: {served})")
    check(all(p.returncode is not None for p, _ in servers), "both instances stopped")
    failed = [label for ok, label in check.results if not ok]
    print(f"{len(check.results) - len(failed)} passed, {len(failed)} failed in {time.monotonic() - started:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
