#!/usr/bin/env python3
"""Bounded load on the portal from a second process, on loopback only.

    # once: demo data (seed_demo when the project has it, a small built-in tree otherwise) and bench users
    DATABASE_URL=postgres://postgres@127.0.0.1:5433/portal_load .venv/bin/python bench/load.py --prepare
    # 20 signed-in users for 60 s against gunicorn
    DATABASE_URL=... .venv/bin/python bench/load.py --base-url http://127.0.0.1:8200
    # the same, with PostgreSQL stopped at 20 s for 5 s
    DATABASE_URL=... .venv/bin/python bench/load.py --base-url http://127.0.0.1:8200 --restart-db-at 20 --pg-cluster "15 load"

bench/run_load.sh does all of it on a private PostgreSQL cluster (port 5433), so restarting the
database never disturbs anyone else's. Users are threads with their own cookie jar and keep-alive
connection; each fires its next request as soon as the last one answers (no think time unless
--think-ms), so the figures are those of a saturated server.

Leaders and officers read the pages in READ_PAGES (a URL name that does not resolve yet is
skipped, so pages added later only need a line there); saves are listed in resolve_writes(). The report
gives requests per second, p50/p90/p99/max latency, errors, and with --restart-db-at what the
portal answered while the database was down, how fast it recovered and whether every row whose
save was confirmed before is still there.

Only DATABASE_URL's database is read, and only to prepare users and pools and to verify rows;
the load itself is plain HTTP (http.client) to 127.0.0.1.
"""
from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

from portal_client import PortalClient, Response, ensure_loopback, parse_form, wait_until_up  # noqa: E402

DEFAULT_PASSWORD = "Bench-load-password-2025"
USER_PREFIX = "bench-"
MAX_USERS = 200
# Keeps the codes of staff added by this run apart from earlier runs' (codes are unique).
RUN_TAG = f"{int(time.time()) % 10**7:07d}"

EVERYONE = ("administrator", "leader", "officer")
# (label, URL name or literal path, argument pool or None, roles). The pools ("agency", "staff",
# "course") hold ids the signed-in user may see. A URL name that does not resolve in this version
# is skipped, so the pages of later work are listed already and join the load once merged.
READ_PAGES = [
    ("home", "home", None, EVERYONE),
    ("agency list", "agencies:agency-list", None, EVERYONE),
    ("agency detail", "agencies:agency-detail", "agency", EVERYONE),
    ("staff detail", "targets:staff-detail", "staff", EVERYONE),
    ("staff list", "agencies:staff-list", None, EVERYONE),
    ("course list", "training:course-list", None, EVERYONE),
    ("course detail", "training:course-detail", "course", EVERYONE),
    ("agency attainment", "targets:agency", "agency", EVERYONE),
    ("attainment API", "api-attainment", None, ("administrator", "leader")),
]


# --------------------------------------------------------------------------------------------
# Preparation (in-process Django, against DATABASE_URL)
# --------------------------------------------------------------------------------------------
def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def prepare(args) -> None:
    """Demo data when the database is empty, then the bench users (same password, hashed once)."""
    _django()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command, get_commands

    from accounts.models import SignInFailure
    from agencies.models import Agency, User

    if not Agency.objects.exists():
        if "seed_demo" in get_commands():
            print("seeding with manage.py seed_demo")
            call_command("seed_demo")
        else:
            print("seed_demo is not available here: seeding the small built-in tree")
            _seed_minimal()
    officer_agencies = _officer_agencies()
    if not officer_agencies:
        raise SystemExit("the database has no district or department to give the bench officers")
    password = make_password(args.password)
    roles = _roles(MAX_USERS)
    for username, role in _usernames(roles):
        index = int(username.rsplit("-", 1)[1])
        agency = officer_agencies[index % len(officer_agencies)] if role == User.Role.OFFICER else None
        User.objects.update_or_create(username=username, defaults={
            "role": role, "agency": agency, "is_active": True, "password": password,
            "full_name": f"Bench {role} {index}",
        })
    SignInFailure.objects.filter(username__startswith=USER_PREFIX).delete()
    print(f"{len(roles)} bench users ready ({Counter(roles)}); {Agency.objects.count()} agencies")


def _officer_agencies() -> list:
    """Districts and departments in turn: bench officer i works for the i-th."""
    from agencies.models import Agency, Level

    districts = list(Agency.objects.filter(level=Level.DISTRICT).order_by("path"))
    departments = list(Agency.objects.filter(kind=Agency.Kind.DEPARTMENT).order_by("path"))
    return [a for pair in zip(districts, departments, strict=False) for a in pair] or districts or departments


def _roles(n: int) -> list[str]:
    """One writer and one leader for every five users; officers for the rest."""
    writers = max(1, n // 5)
    leaders = max(1, n // 5) if n > 1 else 0
    return ["administrator"] * writers + ["leader"] * leaders + ["officer"] * max(0, n - writers - leaders)


def _usernames(roles: list[str]) -> list[tuple[str, str]]:
    """(username, role), numbered within each role so a smaller run uses a subset of the prepared users."""
    seen: Counter = Counter()
    names = []
    for role in roles:
        names.append((f"{USER_PREFIX}{role}-{seen[role]}", role))
        seen[role] += 1
    return names


def _seed_minimal(departments: int = 20, districts: int = 8, communes_per_district: int = 12,
                  staff_per_agency: int = 30) -> None:
    """A province-sized tree (about 125 agencies, 3,700 staff) for when seed_demo is absent."""
    from django.db import transaction

    from agencies.models import Agency, Level, Staff
    from sheets.text import fold

    rng = random.Random(1965)
    with transaction.atomic():
        root = Agency.objects.create(code="UBND-T", name="UBND tỉnh Đắk Nông", level=Level.PROVINCE,
                                     kind=Agency.Kind.PROVINCE_COMMITTEE)
        agencies = [root]
        for d in range(departments):
            agencies.append(Agency.objects.create(code=f"S{d:02d}", name=f"Sở {d + 1}", level=Level.PROVINCE,
                                                  kind=Agency.Kind.DEPARTMENT, parent=root))
        for h in range(districts):
            district = Agency.objects.create(code=f"H{h:02d}", name=f"UBND huyện {h + 1}", level=Level.DISTRICT,
                                             kind=Agency.Kind.DISTRICT_COMMITTEE, parent=root)
            agencies.append(district)
            for x in range(communes_per_district):
                agencies.append(Agency.objects.create(
                    code=f"X{h:02d}{x:02d}", name=f"UBND xã {h + 1}.{x + 1}", level=Level.COMMUNE,
                    kind=Agency.Kind.COMMUNE_COMMITTEE, parent=district))
        family, middle, given = ["Nguyễn", "Trần", "Lê", "Phạm", "Y", "H'"], ["Văn", "Thị", "Đức"], ["An", "Bình", "Hà"]
        staff = []
        for agency in agencies:
            for s in range(staff_per_agency):
                name = f"{rng.choice(family)} {rng.choice(middle)} {rng.choice(given)} {s}"
                staff.append(Staff(code=f"{agency.code}-{s:03d}", full_name=name, name_folded=fold(name),
                                   agency=agency, category=rng.choice(["CB", "CC", "VC", "HD"]),
                                   is_it_staff=s == 0, is_leader=s == 1))
        Staff.objects.bulk_create(staff, batch_size=2000)
        _seed_training(rng)


def _seed_training(rng: random.Random, managed_per_agency: int = 2, province_courses: int = 6,
                   participants: int = 40) -> None:
    """Courses managed by the bench officers' agencies (so officers can record results) and province-wide
    courses, with results for a sample of staff, and FirstPass kept in step."""
    import datetime

    from agencies.models import Staff
    from training.models import Course, CourseCategory, TrainingRecord
    from training.passes import refresh_first_passes

    categories = list(CourseCategory.objects.all())
    plan = [(agency, list(Staff.objects.in_subtree(agency).values_list("pk", flat=True)))
            for agency in _officer_agencies() for _ in range(managed_per_agency)]
    everyone = list(Staff.objects.values_list("pk", flat=True))
    plan += [(None, everyone)] * province_courses
    records = []
    for c, (agency, pool) in enumerate(plan):
        start = datetime.date(2018 + c % 3, 1 + c % 12, 5)
        course = Course.objects.create(
            code=f"K{c:03d}", name=f"Khóa bồi dưỡng CNTT {c + 1}", category=categories[c % len(categories)],
            start_date=start, end_date=start + datetime.timedelta(days=4), agency=agency,
            organiser=agency.name if agency else "Sở Thông tin và Truyền thông")
        for staff_id in rng.sample(pool, min(participants if agency else 400, len(pool))):
            result = rng.choice(["passed", "passed", "passed", "failed", "absent", "pending"])
            records.append(TrainingRecord(staff_id=staff_id, course=course, result=result,
                                          completed_on=course.end_date if result == "passed" else None))
    TrainingRecord.objects.bulk_create(records, batch_size=2000)
    refresh_first_passes()


@dataclass
class BenchUser:
    username: str
    role: str
    pools: dict[str, list[int]]  # "agency" and "staff" ids this user may see
    writer_agency: int | None = None


def build_plan(args) -> list[BenchUser]:
    """The bench users with the ids each may see (sampled), read once before the load starts."""
    _django()
    from django.db import connections

    from agencies.models import Agency, Staff, User
    from training.models import Course

    rng = random.Random(7)
    users = []
    for username, role in _usernames(_roles(args.users)):
        user = User.objects.select_related("agency").get(username=username)
        agencies = list(Agency.objects.visible_to(user).values_list("pk", flat=True))
        staff = list(Staff.objects.visible_to(user).values_list("pk", flat=True)[:20000])
        courses = list(Course.objects.visible_to(user).values_list("pk", flat=True)[:5000])
        # Courses this officer may record results for: managed within their subtree, with participants there.
        editable = list(Course.objects.editable_by(user).filter(
            records__staff__agency__path__startswith=user.agency.path,
        ).distinct().values_list("pk", flat=True)[:50]) if role == "officer" and user.agency_id else []
        pools = {"agency": rng.sample(agencies, min(200, len(agencies))), "staff": rng.sample(staff, min(500, len(staff))),
                 "course": rng.sample(courses, min(200, len(courses))), "editable_course": editable}
        users.append(BenchUser(user.username, role, pools, writer_agency=rng.choice(agencies) if agencies else None))
    connections.close_all()
    return users


def resolve_pages() -> list[tuple[str, str, str | None, tuple]]:
    pages = []
    for label, target, pool, roles in READ_PAGES:
        path = _path_template(target, pool)
        if path is None:
            print(f"  (skipping {label!r}: {target} does not exist in this version)")
        else:
            pages.append((label, path, pool, roles))
    return pages


def _path_template(target: str, pool: str | None) -> str | None:
    """"/don-vi/{id}/" for a URL name taking one id, the path itself for a literal, None if unknown."""
    from django.urls import NoReverseMatch, reverse

    if target.startswith("/"):
        return target
    try:
        return reverse(target, args=[0] if pool else None).replace("/0/", "/{id}/")
    except NoReverseMatch:
        return None


# --------------------------------------------------------------------------------------------
# Writes: each returns [(label, Response)] and the claims it made: ("staff", code, None) for a
# row that must exist, ("result", record id, result) for a value that must be the record's last.
# --------------------------------------------------------------------------------------------
def write_admin_staff(client: PortalClient, user: BenchUser, n: int, rng: random.Random):
    """An administrator adds a staff member through the admin."""
    path = "/quan-tri/agencies/staff/add/"
    key = f"BENCH-{RUN_TAG}-{user.username.rsplit('-', 1)[-1]}-{n}"
    form = client.get(path)
    if form.status != 200:
        return [("save: admin add staff (form)", form)], []
    response = client.post_form(path, {
        "code": key, "full_name": f"Cán bộ thử tải {key}", "agency": user.writer_agency, "category": "CC",
        "it_qualification": "none", "gender": "", "position": "", "birth_date": "", "birth_year": "",
        "joined_on": "", "left_on": "", "_save": "1",
    }, page=form)
    claims = [("staff", key, None)] if response.status == 302 else []
    return [("save: admin add staff (form)", form), ("save: admin add staff (post)", response)], claims


def write_course_results(client: PortalClient, user: BenchUser, n: int, rng: random.Random):
    """An officer changes some results on a course's results page and saves the page (training pages)."""
    template = _RESULTS_PATH
    course = rng.choice(user.pools["editable_course"])
    path = template.format(id=course)
    page = client.get(path)
    form = parse_form(page.body, "TOTAL_FORMS") if page.status == 200 else None
    if form is None:
        return [("save: course results (form)", page)], []
    changed = []
    for name, value in list(form.fields):
        if name.endswith("-result") and rng.random() < 0.3:
            choices = [c for c in form.options.get(name, []) if c and c != value]
            if choices:
                new = rng.choice(choices)
                form.set(name, new)
                record = form.value(name[: -len("result")] + "record")
                changed.append((int(record), new))
    response = client.request("POST", path, [*form.fields])
    claims = [("result", record, result) for record, result in changed] if response.status == 302 else []
    return [("save: course results (form)", page), ("save: course results (post)", response)], claims


_RESULTS_PATH: str | None = None


def resolve_writes() -> dict:
    """role -> (write function, every how many actions); saves of pages not merged yet are left out."""
    global _RESULTS_PATH
    writes = {"administrator": (write_admin_staff, 3)}
    _RESULTS_PATH = _path_template("training:participant-results", "editable_course")
    if _RESULTS_PATH:
        writes["officer"] = (write_course_results, 4)
    else:
        print("  (officers only read: training:participant-results does not exist in this version)")
    return writes


def verify_claims(claims: list[tuple[str, object, object]]) -> dict:
    """How many confirmed saves the database still shows: every added row, every record's last result."""
    from django.db import connections

    from agencies.models import Staff
    from training.models import TrainingRecord

    connections.close_all()
    codes = [key for kind, key, _ in claims if kind == "staff"]
    last_result = {key: value for kind, key, value in claims if kind == "result"}
    found_staff = sum(Staff.objects.filter(code__in=codes[i:i + 1000]).count() for i in range(0, len(codes), 1000))
    actual = dict(TrainingRecord.objects.filter(pk__in=list(last_result)).values_list("pk", "result"))
    found_results = sum(1 for pk, result in last_result.items() if actual.get(pk) == result)
    return {"staff_added": len(codes), "staff_found": found_staff,
            "results_saved": len(last_result), "results_found": found_results}


# --------------------------------------------------------------------------------------------
# The load
# --------------------------------------------------------------------------------------------
@dataclass
class Sample:
    start: float  # seconds since the load started
    end: float
    label: str
    status: int  # 0 for a connection error
    outcome: str  # ok, db_down, or error:<why>


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    saved: list[tuple[float, tuple]] = field(default_factory=list)
    events: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


def _outcome(label: str, response: Response) -> str:
    if response.is_db_down_page:
        return "db_down"
    if response.status == 200:
        # A save that answers 200 showed its form again: the data was refused.
        return "error:form refused" if "(post)" in label else "ok"
    if response.status in (301, 302, 303):
        # A redirect to the sign-in form means the session was lost.
        return "error:signed out" if "/dang-nhap/" in response.location else "ok"
    return f"error:{response.status}"


def _local_path(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def user_loop(user: BenchUser, client: PortalClient, pages, writes, run: Run, t0: float, deadline: float, args,
              seed: int):
    rng = random.Random(seed)
    write, every = writes.get(user.role, (None, 0))
    if write is write_course_results and not user.pools["editable_course"]:
        write = None
    pages = [p for p in pages if user.role in p[3]]
    n = 0
    while time.monotonic() < deadline:
        n += 1
        started = time.monotonic()
        try:
            if write and n % every == 0:
                results, claims = write(client, user, n, rng)
                now = time.monotonic() - t0
                run.saved.extend((now, claim) for claim in claims)
            else:
                label, template, pool, _roles_ = rng.choice(pages)
                ids = user.pools[pool] if pool else None
                if pool and not ids:
                    continue
                path = template.format(id=rng.choice(ids)) if pool else template
                response = client.get(path)
                results = [(label, response)]
                if response.status in (301, 302) and "/dang-nhap/" not in response.location:
                    # Follow it as a browser would (an old address kept for links, say).
                    results.append((f"{label} (redirected)", client.get(_local_path(response.location))))
            for label, response in results:
                end = response.finished - t0
                run.add(Sample(end - response.elapsed, end, label, response.status, _outcome(label, response)))
            failed = any(_outcome(label, r) != "ok" for label, r in results)
        except (OSError, http.client.HTTPException) as exc:
            end = time.monotonic() - t0
            run.add(Sample(started - t0, end, "no answer", 0, f"error:{type(exc).__name__}"))
            failed = True
        if failed:
            time.sleep(0.2)  # a person reading the error page before trying again
        elif args.think_ms:
            time.sleep(rng.uniform(0.5, 1.5) * args.think_ms / 1000)


def redis_restarter(args, run: Run, t0: float) -> None:
    """Stop the private Redis (run_load.sh's, never a shared one) and start it again, emptied."""
    port = str(args.redis_port)
    time.sleep(max(0.0, t0 + args.restart_redis_at - time.monotonic()))
    run.events["redis_stop_requested"] = time.monotonic() - t0
    subprocess.run(["redis-cli", "-p", port, "shutdown", "nosave"], capture_output=True)
    run.events["redis_stopped"] = time.monotonic() - t0
    time.sleep(args.redis_down_for)
    run.events["redis_start_requested"] = time.monotonic() - t0
    subprocess.run(["redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--daemonize", "yes"],
                   check=True, capture_output=True)
    run.events["redis_started"] = time.monotonic() - t0


def db_restarter(args, run: Run, t0: float) -> None:
    version, name = args.pg_cluster.split()
    ctl = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name]
    time.sleep(max(0.0, t0 + args.restart_db_at - time.monotonic()))
    run.events["stop_requested"] = time.monotonic() - t0
    subprocess.run([*ctl, "stop", "-m", "fast"], check=True, capture_output=True)
    run.events["stopped"] = time.monotonic() - t0
    time.sleep(args.db_down_for)
    run.events["start_requested"] = time.monotonic() - t0
    subprocess.run([*ctl, "start"], check=True, capture_output=True)
    run.events["started"] = time.monotonic() - t0


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def summarise(samples: list[Sample], seconds: float) -> dict:
    latencies = [(s.end - s.start) * 1000 for s in samples]
    outcomes = Counter(s.outcome for s in samples)
    return {
        "requests": len(samples),
        "rps": round(len(samples) / seconds, 1) if seconds > 0 else None,
        "p50_ms": round(percentile(latencies, 50), 1),
        "p90_ms": round(percentile(latencies, 90), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "ok": outcomes.get("ok", 0),
        "db_down_pages": outcomes.get("db_down", 0),
        "errors": {k: v for k, v in outcomes.items() if k.startswith("error")},
    }


def server_side(log_path: str | None, since: str) -> dict | None:
    """Latency and CPU as the portal measured them (RequestLogMiddleware lines written during the run),
    overall and per route (the method and the path with its ids replaced by {id})."""
    if not log_path or not Path(log_path).exists():
        return None
    durations, cpu = [], []
    routes: dict[str, list[float]] = defaultdict(list)
    for line in Path(log_path).read_text(errors="replace").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry["time"] >= since and entry["path"] != "/healthz":
                durations.append(entry["duration_ms"])
                if "cpu_ms" in entry:
                    cpu.append(entry["cpu_ms"])
                    routes[f"{entry['method']} {re.sub(r'/[0-9]+(?=/)', '/{id}', entry['path'])}"].append(entry["cpu_ms"])
    if not durations:
        return None
    return {"requests": len(durations), "p50_ms": round(percentile(durations, 50), 1),
            "p99_ms": round(percentile(durations, 99), 1), "mean_ms": round(statistics.fmean(durations), 1),
            "cpu_mean_ms": round(statistics.fmean(cpu), 1) if cpu else None,
            "routes": {route: {"requests": len(times), "cpu_mean_ms": round(statistics.fmean(times), 1),
                               "cpu_total_s": round(sum(times) / 1000, 2)}
                       for route, times in sorted(routes.items(), key=lambda item: -sum(item[1]))}}


def _processes() -> dict[int, tuple[int, int, int, int]]:
    """{pid: (parent pid, session id, CPU ticks used so far, those of its children that have exited)} of
    every process, from /proc (Linux)."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        found[int(entry.name)] = (int(fields[1]), int(fields[3]), int(fields[11]) + int(fields[12]),
                                  int(fields[13]) + int(fields[14]))
    return found


def _postmaster_pid(cluster: str) -> int | None:
    """The PostgreSQL cluster's main process ("VERSION NAME", as pg_ctlcluster takes it)."""
    try:
        listing = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    for line in listing.splitlines():
        version, name, _port, _status, _owner, data_dir, *_rest = line.split()
        if f"{version} {name}" == cluster:
            try:
                return int(Path(data_dir, "postmaster.pid").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                return None
    return None


def cpu_ticks(server_pid: int | None, postmaster_pid: int | None) -> dict[str, int]:
    """CPU ticks used so far by the portal (gunicorn's session: its master and workers), PostgreSQL (the
    cluster's main process and its children) and this load generator (all its threads). The main
    processes also carry what their exited children used: recycled workers, closed connections."""
    ticks = Counter()
    for pid, (parent, session, used, exited_children) in _processes().items():
        if server_pid is not None and session == server_pid:
            ticks["portal (gunicorn)"] += used + (exited_children if pid == server_pid else 0)
        elif postmaster_pid is not None and postmaster_pid in (pid, parent):
            ticks["PostgreSQL"] += used + (exited_children if pid == postmaster_pid else 0)
        elif pid == os.getpid():
            ticks["load generator"] += used
    return ticks


def cpu_split(before: dict[str, int], after: dict[str, int], seconds: float, requests: int) -> dict:
    """Each part's share of the machine during the load: percent of one core, and CPU ms per request."""
    hertz = os.sysconf("SC_CLK_TCK")
    split = {}
    for part in after:
        used = (after[part] - before.get(part, 0)) / hertz
        split[part] = {"core_percent": round(100 * used / seconds, 1),
                       "ms_per_request": round(1000 * used / requests, 1) if requests else None}
    return split


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", action="append", help="gunicorn on loopback; repeat to spread users over "
                        "several instances (default http://127.0.0.1:8200)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (bounded)")
    parser.add_argument("--think-ms", type=float, default=0.0, help="mean pause between a user's requests")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds a request may take before it counts as an error")
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--prepare", action="store_true", help="seed if empty and create the bench users, then exit")
    parser.add_argument("--restart-db-at", type=float, help="stop PostgreSQL this many seconds into the load")
    parser.add_argument("--db-down-for", type=float, default=5.0, help="seconds between stop and start")
    parser.add_argument("--pg-cluster", default="15 main", help="'VERSION NAME' for pg_ctlcluster")
    parser.add_argument("--restart-redis-at", type=float, help="stop the result cache's Redis this many seconds in")
    parser.add_argument("--redis-down-for", type=float, default=5.0, help="seconds between Redis's stop and start")
    parser.add_argument("--redis-port", type=int, default=6390, help="the private Redis run_load.sh started")
    parser.add_argument("--server-log", help="gunicorn's stdout, for server-side latency")
    parser.add_argument("--server-pid", type=int, help="gunicorn's master, leader of its own session (run_load.sh "
                        "starts it with setsid): with it the report splits the machine's CPU between the portal, "
                        "PostgreSQL and this generator")
    parser.add_argument("--json", help="write the report here as JSON too")
    args = parser.parse_args()
    if args.prepare:
        prepare(args)
        return 0
    if not 1 <= args.users <= MAX_USERS or not 1 <= args.duration <= 900:
        raise SystemExit("keep it bounded: 1-200 users, 1-900 seconds")
    base_urls = args.base_url or ["http://127.0.0.1:8200"]
    for url in base_urls:
        ensure_loopback(url)
        wait_until_up(url)

    users = build_plan(args)
    pages = resolve_pages()
    writes = resolve_writes()
    print(f"{len(users)} users ({dict(Counter(u.role for u in users))}) on {base_urls}; "
          f"pages: {[p[0] for p in pages]}; saves by: {sorted(writes)}")
    clients = [PortalClient(base_urls[i % len(base_urls)], timeout=args.timeout) for i in range(len(users))]
    sign_in_started = time.monotonic()
    sign_in_threads = [threading.Thread(target=c.sign_in, args=(u.username, args.password))
                       for u, c in zip(users, clients, strict=True)]
    for t in sign_in_threads:
        t.start()
    for t in sign_in_threads:
        t.join()
    if not all("sessionid" in c.cookies for c in clients):
        raise SystemExit("some bench users could not sign in: run with --prepare first")
    print(f"signed in {len(users)} users in {time.monotonic() - sign_in_started:.1f} s (Argon2 hashing)")

    run = Run()
    # A restarted PostgreSQL is another process tree: its CPU is only split on a steady run.
    postmaster = _postmaster_pid(args.pg_cluster) if args.restart_db_at is None else None
    ticks_before = cpu_ticks(args.server_pid, postmaster)
    wall_start = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")
    t0 = time.monotonic()
    deadline = t0 + args.duration
    threads = [threading.Thread(target=user_loop, args=(u, c, pages, writes, run, t0, deadline, args, i), daemon=True)
               for i, (u, c) in enumerate(zip(users, clients, strict=True))]
    restarter = None
    if args.restart_db_at is not None:
        restarter = threading.Thread(target=db_restarter, args=(args, run, t0), daemon=True)
        restarter.start()
    redis_restarter_thread = None
    if args.restart_redis_at is not None:
        redis_restarter_thread = threading.Thread(target=redis_restarter, args=(args, run, t0), daemon=True)
        redis_restarter_thread.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=args.duration + 60)
    if restarter:
        restarter.join(timeout=120)
    if redis_restarter_thread:
        redis_restarter_thread.join(timeout=120)
    elapsed = time.monotonic() - t0
    ticks_after = cpu_ticks(args.server_pid, postmaster)
    for c in clients:
        c.close()

    samples = sorted(run.samples, key=lambda s: s.start)
    report = {"users": len(users), "duration_s": round(elapsed, 1), "think_ms": args.think_ms,
              "base_urls": base_urls, "overall": summarise(samples, elapsed)}
    by_label = defaultdict(list)
    for s in samples:
        by_label[s.label].append(s)
    report["pages"] = {label: summarise(group, elapsed) for label, group in sorted(by_label.items())}
    report["server_side"] = server_side(args.server_log, wall_start)
    if args.server_pid is not None:
        report["cpu"] = cpu_split(ticks_before, ticks_after, elapsed, len(samples))

    if args.restart_db_at is not None:
        report["restart"] = restart_report(samples, run, elapsed)
    if args.restart_redis_at is not None:
        report["redis_restart"] = {"events": {k: round(v, 2) for k, v in run.events.items() if k.startswith("redis")}}
    report["saves"] = verify_claims([claim for _, claim in run.saved])
    report["saves"]["confirmed_before_restart"] = sum(
        1 for t, _ in run.saved if args.restart_db_at is not None and t < run.events.get("stop_requested", 0))
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    problems = _problems(report, args)
    for p in problems:
        print(f"PROBLEM: {p}")
    return 1 if problems else 0


def restart_report(samples: list[Sample], run: Run, elapsed: float) -> dict:
    """What the users met around the restart: the 503 pages, the first good page after, each phase."""
    ev = run.events
    stop, start_requested = ev.get("stop_requested"), ev.get("start_requested")
    if stop is None or start_requested is None or "started" not in ev:
        return {"events": ev, "completed": False}
    down = [s for s in samples if s.outcome == "db_down"]
    outage_end = down[-1].start if down else ev["started"]
    recovered = next((s for s in samples if s.start > outage_end and s.status == 200), None)
    recovered_at = recovered.end if recovered else None
    before = [s for s in samples if s.end < stop]
    during = [s for s in samples if s.start >= stop and (recovered_at is None or s.end <= recovered_at)]
    after = [s for s in samples if recovered_at is not None and s.start > recovered_at]
    timeline = []
    for second in range(max(0, int(stop) - 2), min(int(elapsed) + 1, int(recovered_at or elapsed) + 3)):
        in_second = Counter(s.outcome.split(":")[0] for s in samples if second <= s.end < second + 1)
        timeline.append({"second": second, "ok": in_second.get("ok", 0), "db_down": in_second.get("db_down", 0),
                         "errors": in_second.get("error", 0)})
    return {
        "events": {k: round(v, 2) for k, v in ev.items()},
        "first_db_down_page_at": round(down[0].start, 2) if down else None,
        "last_db_down_page_at": round(down[-1].end, 2) if down else None,
        "recovered_at": round(recovered_at, 2) if recovered_at else None,
        "recovery_after_start_requested_s": round(recovered_at - start_requested, 2) if recovered_at else None,
        "before": summarise(before, stop),
        "during_outage": summarise(during, (recovered_at or elapsed) - stop),
        "after_recovery": summarise(after, elapsed - recovered_at) if recovered_at else None,
        "timeline": timeline,
    }


def _problems(report: dict, args) -> list[str]:
    problems = []
    saves = report["saves"]
    if saves["staff_found"] != saves["staff_added"] or saves["results_found"] != saves["results_saved"]:
        problems.append(f"confirmed saves missing from the database: {saves}")
    restart = report.get("restart")
    if restart is None:
        if report["overall"]["errors"] or report["overall"]["db_down_pages"]:
            problems.append(f"errors: {report['overall']['errors']}, db-down pages: {report['overall']['db_down_pages']}")
    else:
        if not restart.get("recovered_at"):
            problems.append("the portal did not recover after the database came back")
        if restart.get("before", {}).get("errors"):
            problems.append(f"errors before the restart: {restart['before']['errors']}")
        if restart.get("during_outage", {}).get("errors"):
            problems.append(f"answers other than the 503 page during the outage: {restart['during_outage']['errors']}")
        after = restart.get("after_recovery") or {}
        if after.get("errors") or after.get("db_down_pages"):
            problems.append(f"errors after recovery: {after.get('errors')}, db-down pages: {after.get('db_down_pages')}")
        if not restart.get("first_db_down_page_at"):
            problems.append("no request met the outage (no 503 page seen)")
    return problems


def print_report(report: dict) -> None:
    o = report["overall"]
    print(f"\n== {report['users']} users, {report['duration_s']} s, think {report['think_ms']} ms")
    print(f"   {o['requests']} requests, {o['rps']} req/s, p50 {o['p50_ms']} ms, p90 {o['p90_ms']} ms, "
          f"p99 {o['p99_ms']} ms, max {o['max_ms']} ms, errors {o['errors'] or 0}, db-down pages {o['db_down_pages']}")
    print(f"   {'page':34} {'count':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for label, s in report["pages"].items():
        print(f"   {label:34} {s['requests']:>7} {s['p50_ms']:>8} {s['p99_ms']:>8} {sum(s['errors'].values()):>7}")
    if report.get("server_side"):
        ss = report["server_side"]
        print(f"   server side (request log): {ss['requests']} requests, p50 {ss['p50_ms']} ms, p99 {ss['p99_ms']} ms, "
              f"mean {ss['mean_ms']} ms, CPU mean {ss['cpu_mean_ms']} ms")
        print(f"   {'route (server CPU, busiest first)':54} {'count':>7} {'CPU ms':>8} {'total s':>8}")
        for route, r in list(ss["routes"].items())[:14]:
            print(f"   {route[:54]:54} {r['requests']:>7} {r['cpu_mean_ms']:>8} {r['cpu_total_s']:>8}")
    if report.get("cpu"):
        print("   machine CPU during the load: " + ", ".join(
            f"{part} {c['core_percent']} % of a core ({c['ms_per_request']} ms a request)"
            for part, c in report["cpu"].items()))
    if report.get("redis_restart"):
        print(f"   Redis restart: events {report['redis_restart']['events']}")
    if report.get("restart"):
        r = report["restart"]
        print(f"   restart: events {r['events']}")
        print(f"   503 pages from {r.get('first_db_down_page_at')} s to {r.get('last_db_down_page_at')} s; first good page "
              f"after them at {r.get('recovered_at')} s ({r.get('recovery_after_start_requested_s')} s after "
              f"PostgreSQL's start was requested); no restart of gunicorn")
        print("   per second (ok/503/errors): " + " ".join(
            f"{t['second']}s:{t['ok']}/{t['db_down']}/{t['errors']}" for t in r["timeline"]))
        for phase in ("before", "during_outage", "after_recovery"):
            s = r.get(phase)
            if s:
                print(f"   {phase:15} {s['requests']:>6} req, {s['rps']} req/s, p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, "
                      f"503 pages {s['db_down_pages']}, errors {s['errors'] or 0}")
    sv = report["saves"]
    print(f"   saves: staff added {sv['staff_added']}, found {sv['staff_found']}; results saved {sv['results_saved']}, "
          f"found {sv['results_found']}; confirmed before the restart: {sv['confirmed_before_restart']}")


if __name__ == "__main__":
    sys.exit(main())
