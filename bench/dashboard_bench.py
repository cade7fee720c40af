"""Dashboard benchmark: a synthetic province on PostgreSQL, timed at two sizes in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/dashboard_bench.py

For each size (30,000 staff / 300,000 records, then 300,000 / 3,000,000) it (re)creates its own
database (portal_bench_small, portal_bench_large), migrates, fills it with COPY, then reports:

- the floor: the bare SQL aggregate of one indicator (staff-prov-district) over all agencies, in
  the shapes the issue discusses (EXISTS on records as a semi-join, FILTER (WHERE EXISTS ...), the
  FirstPass semi-join and the FirstPassAny join), the best of which is the floor;
- the engine: `attainment()` with and without the yearly trend (to compare another shape of the
  engine, run an older checkout's copy of this script against the same databases with --keep);
- the pages: the province overview and a district page rendered through the test client, cold
  (the cache emptied), warm, and after a save in one district (its branch's version moved: the
  province's page counts that branch again, another district's page stays cached).

Each figure is the median of a few runs after one warm-up, timed round-robin (every round times
each figure once) so that the ratios of page to floor survive a shared machine's changing load.
Options: --sizes small,large (default both), --keep (reuse a filled database when its staff count
matches), --repeat N, --prefix NAME (databases NAME_small and NAME_large).
"""
from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = {"small": (30_000, 300_000), "large": (300_000, 3_000_000)}
AS_OF = datetime.date(2020, 12, 31)
CATEGORY_CODES = ["basic", "egov", "security", "open-source", "leadership"]


def database_url(base: str, name: str) -> str:
    parsed = urlparse(base)
    return urlunparse(parsed._replace(path=f"/{name}"))


def recreate_database(base_url: str, name: str) -> None:
    import psycopg2

    admin = psycopg2.connect(database_url(base_url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


# --- filling ----------------------------------------------------------------------------------

def build_tree():
    """A province shaped like Đắk Nông: 20 departments with units, 8 districts with offices, schools and
    communes (each with schools). 742 agencies whatever the staff count."""
    from agencies.models import Agency, Level, rebuild_agency_paths

    province = Agency(code="UBND-T", name="UBND tỉnh Đắk Nông", level=Level.PROVINCE, kind=Agency.Kind.PROVINCE_COMMITTEE)
    province.save()
    Agency.objects.bulk_create([
        Agency(code=f"S{d:02d}", name=f"Sở {d:02d}", level=Level.PROVINCE, kind=Agency.Kind.DEPARTMENT, parent=province)
        for d in range(1, 21)
    ] + [
        Agency(code=f"H{h}", name=f"UBND huyện {h}", level=Level.DISTRICT, kind=Agency.Kind.DISTRICT_COMMITTEE,
               parent=province)
        for h in range(1, 9)
    ])
    departments = list(Agency.objects.filter(kind=Agency.Kind.DEPARTMENT))
    districts = list(Agency.objects.filter(kind=Agency.Kind.DISTRICT_COMMITTEE))
    children = []
    for dept in departments:
        children += [Agency(code=f"{dept.code}-U{u}", name=f"Chi cục {u} {dept.name}", level=Level.PROVINCE,
                            kind=Agency.Kind.UNIT, parent=dept) for u in range(1, 7)]
    for district in districts:
        children += [Agency(code=f"{district.code}-P{p}", name=f"Phòng {p} {district.name}", level=Level.DISTRICT,
                            kind=Agency.Kind.UNIT, parent=district) for p in range(1, 13)]
        children += [Agency(code=f"{district.code}-T{s}", name=f"Trường THCS {s} {district.name}", level=Level.DISTRICT,
                            kind=Agency.Kind.SCHOOL, parent=district) for s in range(1, 19)]
        children += [Agency(code=f"{district.code}-X{x}", name=f"UBND xã {x} {district.name}", level=Level.COMMUNE,
                            kind=Agency.Kind.COMMUNE_COMMITTEE, parent=district) for x in range(1, 13)]
    Agency.objects.bulk_create(children, batch_size=1000)
    communes = list(Agency.objects.filter(kind=Agency.Kind.COMMUNE_COMMITTEE))
    Agency.objects.bulk_create([
        Agency(code=f"{c.code}-T{s}", name=f"Trường tiểu học {s} {c.name}", level=Level.COMMUNE,
               kind=Agency.Kind.SCHOOL, parent=c)
        for c in communes for s in range(1, 3)
    ], batch_size=1000)
    rebuild_agency_paths()
    return list(Agency.objects.values_list("pk", "level"))


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row))
        buffer.write("\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def fill(staff_count: int, record_count: int) -> None:
    from django.db import connection

    from targets.models import AggregateReport, Indicator
    from training.models import CourseCategory

    rng = random.Random(1965)
    agencies = build_tree()
    now = "2024-01-01 00:00:00+00"
    categories = {c.code: c.pk for c in CourseCategory.objects.all()}
    with connection.cursor() as cur:
        raw = cur.cursor
        # Courses: 40 a year per category, 2015..2024 (some before the programme start).
        courses = []
        n = 0
        for year in range(2015, 2025):
            for code in CATEGORY_CODES:
                for _ in range(40):
                    n += 1
                    start = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(360))
                    courses.append((f"K{n}", f"Khóa {n}", categories[code], start, start + datetime.timedelta(days=4),
                                    "", "", "", now, now))
        copy_rows(raw, "training_course", ["code", "name", "category_id", "start_date", "end_date", "organiser", "place",
                                           "trainer", "created_at", "updated_at"], courses)
        cur.execute("SELECT id, end_date FROM training_course ORDER BY id")
        course_rows = cur.fetchall()

        def staff_rows():
            for i in range(staff_count):
                agency_id, _level = agencies[rng.randrange(len(agencies))]
                category = rng.choices(["CB", "CC", "VC", "HD"], weights=[10, 30, 50, 10])[0]
                it = rng.random() < 0.03
                qualification = rng.choice(["university", "college", "master"]) if it else "none"
                joined = None if rng.random() < 0.7 else datetime.date(2005, 1, 1) + datetime.timedelta(days=rng.randrange(7000))
                left = None if rng.random() < 0.9 else datetime.date(2017, 1, 1) + datetime.timedelta(days=rng.randrange(3000))
                if joined and left and left < joined:
                    left = None
                yield (f"CB{i:07d}", f"Nguyễn Văn {i}", f"nguyen van {i}", agency_id, category, 1980, "male", "",
                       str(rng.random() < 0.08).lower(), str(rng.random() < 0.01).lower(), str(it).lower(),
                       qualification, joined, left, now, now)

        copy_rows(raw, "agencies_staff", ["code", "full_name", "name_folded", "agency_id", "category", "birth_year",
                                          "gender", "position", "is_leader", "is_cio", "is_it_staff", "it_qualification",
                                          "joined_on", "left_on", "created_at", "updated_at"], staff_rows())
        cur.execute("SELECT min(id), max(id) FROM agencies_staff")
        first_staff, last_staff = cur.fetchone()
        per_staff = record_count // staff_count

        def record_rows():
            for staff_id in range(first_staff, last_staff + 1):
                for course_id, end in rng.sample(course_rows, per_staff):
                    result = rng.choices(["passed", "failed", "absent", "pending"], weights=[80, 8, 8, 4])[0]
                    yield (staff_id, course_id, result, end if result == "passed" else None, now, now)

        copy_rows(raw, "training_trainingrecord", ["staff_id", "course_id", "result", "completed_on", "created_at",
                                                   "updated_at"], record_rows())
        # FirstPass as training.passes.refresh_first_passes() writes it, in one statement.
        cur.execute("""
            INSERT INTO training_firstpass (cutoff_id, staff_id, category_id, first_on)
            SELECT pc.id, r.staff_id, c.category_id, min(r.completed_on)
            FROM training_trainingrecord r JOIN training_course c ON c.id = r.course_id
            JOIN training_passcutoff pc ON r.completed_on >= pc.counted_from
            WHERE r.result = 'passed'
            GROUP BY pc.id, r.staff_id, c.category_id
        """)
        cur.execute("""
            INSERT INTO training_firstpassany (cutoff_id, staff_id, first_on)
            SELECT cutoff_id, staff_id, min(first_on) FROM training_firstpass GROUP BY cutoff_id, staff_id
        """)
    reported = list(Indicator.objects.filter(source="reports"))
    districts = [pk for pk, level in agencies if level == "district"][:8]
    AggregateReport.objects.bulk_create([
        AggregateReport(indicator=indicator, agency_id=agency_id, year=year, numerator=rng.randrange(50, 100),
                        denominator=100)
        for indicator in reported for agency_id in districts for year in range(2017, 2021)
    ])
    vacuum_analyze()


def vacuum_analyze() -> None:
    """Statistics, and the visibility map that index-only scans need: what autovacuum gives a live
    database some minutes after a bulk load."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")


# --- timing -----------------------------------------------------------------------------------

def timed_together(jobs: dict, repeat: int, label: str) -> tuple[dict[str, float], list[dict[str, float]]]:
    """Median seconds of each job (a function, or (prepare, function) where prepare() runs untimed
    first), timed round-robin: every round times each job once, so that a change of load on the
    shared machine hits the floor and the pages alike. Returns the medians and the rounds (for
    per-round ratios). A job that fails in its warm-up (a slow shape past the timeout)
    gives NaN."""
    from django.db import connection

    live = {}
    for name, job in jobs.items():
        prepare, fn = job if isinstance(job, tuple) else (None, job)
        try:
            if prepare:
                prepare()
            fn()  # warm-up: plans, caches
            live[name] = (prepare, fn)
        except Exception as error:
            connection.close()
            print(f"[{label}] {name}: {error.__class__.__name__}", flush=True)
    rounds = []
    for _ in range(repeat):
        runs = {}
        for name, (prepare, fn) in live.items():
            if prepare:
                prepare()  # not timed
            start = time.perf_counter()
            try:
                fn()
            except Exception as error:  # a slow shape past the timeout under a load peak: no figure this round
                connection.close()
                print(f"[{label}] {name}: {error.__class__.__name__} in a round", flush=True)
                continue
            runs[name] = time.perf_counter() - start
        rounds.append(runs)
    medians = {}
    for name in jobs:
        values = [r[name] for r in rounds if name in r]
        medians[name] = statistics.median(values) if values else float("nan")
    return medians, rounds


FLOOR_SHAPES = {
    "EXISTS semi-join on records": """
        SELECT s.agency_id, count(*) FROM agencies_staff s JOIN agencies_agency a ON a.id = s.agency_id
        WHERE s.category IN ('CB','CC','VC') AND a.level IN ('province','district')
          AND (s.joined_on IS NULL OR s.joined_on <= %(d)s) AND (s.left_on IS NULL OR s.left_on > %(d)s)
          AND EXISTS (SELECT 1 FROM training_trainingrecord r WHERE r.staff_id = s.id AND r.result = 'passed'
                      AND r.completed_on BETWEEN %(start)s AND %(d)s)
        GROUP BY s.agency_id""",
    "count(*) FILTER (WHERE EXISTS records)": """
        SELECT s.agency_id, count(*), count(*) FILTER (WHERE EXISTS (
            SELECT 1 FROM training_trainingrecord r WHERE r.staff_id = s.id AND r.result = 'passed'
            AND r.completed_on BETWEEN %(start)s AND %(d)s))
        FROM agencies_staff s JOIN agencies_agency a ON a.id = s.agency_id
        WHERE s.category IN ('CB','CC','VC') AND a.level IN ('province','district')
          AND (s.joined_on IS NULL OR s.joined_on <= %(d)s) AND (s.left_on IS NULL OR s.left_on > %(d)s)
        GROUP BY s.agency_id""",
    "FirstPassAny join (one row per person)": """
        SELECT s.agency_id, count(*) FROM agencies_staff s JOIN agencies_agency a ON a.id = s.agency_id
        JOIN training_firstpassany f ON f.staff_id = s.id AND f.cutoff_id = %(cutoff)s
        WHERE s.category IN ('CB','CC','VC') AND a.level IN ('province','district')
          AND (s.joined_on IS NULL OR s.joined_on <= %(d)s) AND (s.left_on IS NULL OR s.left_on > %(d)s)
          AND f.first_on <= %(d)s
        GROUP BY s.agency_id""",
    "FirstPass semi-join": """
        SELECT s.agency_id, count(*) FROM agencies_staff s JOIN agencies_agency a ON a.id = s.agency_id
        WHERE s.category IN ('CB','CC','VC') AND a.level IN ('province','district')
          AND (s.joined_on IS NULL OR s.joined_on <= %(d)s) AND (s.left_on IS NULL OR s.left_on > %(d)s)
          AND EXISTS (SELECT 1 FROM training_firstpass f WHERE f.staff_id = s.id AND f.cutoff_id = %(cutoff)s
                      AND f.first_on <= %(d)s)
        GROUP BY s.agency_id""",
}


def run_size(label: str, base_url: str, repeat: int, keep: bool, pages: bool = True,
             prefix: str = "portal_bench") -> dict:
    staff_count, record_count = SIZES[label]
    name = f"{prefix}_{label}"
    url = database_url(base_url, name)
    from django.conf import settings
    from django.db import connections

    settings.DATABASES["default"].update({"NAME": name})
    connections["default"].close()
    connections["default"].settings_dict["NAME"] = name

    from django.core.management import call_command

    from agencies.models import Staff

    reuse = False
    if keep:
        try:
            reuse = Staff.objects.count() == staff_count
        except Exception:
            connections["default"].close()
            reuse = False
        if reuse:
            from django.db import connection
            from django.db.migrations.executor import MigrationExecutor

            # A kept database may predate a migration (0003 fills FirstPassAny from FirstPass).
            executor = MigrationExecutor(connection)
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                call_command("migrate", verbosity=0)
                vacuum_analyze()
    if not reuse:
        connections["default"].close()
        recreate_database(url, name)
        connections["default"].close()
        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        fill(staff_count, record_count)
        print(f"[{label}] filled {staff_count:,} staff and {record_count:,} records in {time.perf_counter() - start:.0f} s",
              flush=True)

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from agencies.models import Agency, User
    from targets.attainment import compute_attainment, current_programme
    from training.models import PassCutoff

    programme = current_programme()
    params = {"d": AS_OF, "start": programme.start_date,
              "cutoff": PassCutoff.objects.get(counted_from=programme.start_date).pk}
    jobs = {}
    for shape, sql in FLOOR_SHAPES.items():
        def run(sql=sql):
            with connection.cursor() as cur:
                cur.execute("SET statement_timeout = '60s'")
                cur.execute(sql, params)
                cur.fetchall()
        jobs[f"floor: {shape}"] = run
    jobs["engine: attainment()"] = lambda: compute_attainment(as_of=AS_OF)
    jobs["engine: attainment(trend)"] = lambda: compute_attainment(as_of=AS_OF, trend=True)

    if pages:
        leader, _ = User.objects.get_or_create(username="bench-leader", defaults={"role": User.Role.LEADER})
        client = Client()
        client.force_login(leader)
        district = Agency.objects.filter(kind=Agency.Kind.DISTRICT_COMMITTEE).order_by("path").first()
        query = f"?as_of={AS_OF.isoformat()}"

        from django.urls import reverse

        def page(url, cold: bool):
            def run():
                if cold:
                    cache.clear()
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
            return run

        # Cold: the result cache emptied first (what the first reader after a write waits); warm: served
        # from it (every other reader until the next write).
        # Each warm page right after its cold one, which filled the cache for it.
        jobs["page: province overview"] = page(reverse("home") + query, cold=True)
        jobs["warm page: province overview"] = page(reverse("home") + query, cold=False)
        jobs["page: district"] = page(reverse("targets:agency", args=[district.pk]) + query, cold=True)
        jobs["warm page: district"] = page(reverse("targets:agency", args=[district.pk]) + query, cold=False)

        from django.db import transaction

        from agencies.versioning import bump_branches

        other_district = Agency.objects.filter(kind=Agency.Kind.DISTRICT_COMMITTEE).order_by("-path").first()

        def after_write_in(agency, url):
            def prepare():
                assert client.get(url).status_code == 200  # the page served (and its counts kept) before
                with transaction.atomic():
                    bump_branches(agency_ids=[agency.pk])  # what saving a person or a result there does

            def run():
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
            return prepare, run

        # What a reader waits for after someone saved in one district: the province's page counts that
        # district's branch again; another district's page is still served from the cache.
        jobs["page after a write in a district: province overview"] = after_write_in(other_district, reverse("home") + query)
        jobs["page after a write in another district: district"] = after_write_in(
            other_district, reverse("targets:agency", args=[district.pk]) + query)
    figures, rounds = timed_together(jobs, repeat, label)
    # Each page against the best floor of the same round, then the median: steadier than a ratio of
    # medians taken minutes apart when other work comes and goes.
    # The floor without FirstPassAny is the one the aim was first set against (0.2-0.43 s at the
    # larger size); FirstPassAny's join is the stricter floor now that the table exists.
    floor_kinds = {"floor": lambda k: True, "floor without FirstPassAny": lambda k: "FirstPassAny" not in k}
    for name in [n for n in jobs if n.startswith("page")]:
        for floor_label, keep in floor_kinds.items():
            ratios = []
            for runs in rounds:
                floors = [v for k, v in runs.items() if k.startswith("floor") and keep(k)]
                if floors and name in runs:
                    ratios.append(runs[name] / min(floors))
            figures[f"ratio: {name} / {floor_label}"] = statistics.median(ratios) if ratios else float("nan")
    connections["default"].close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--prefix", default="portal_bench",
                        help="database names are <prefix>_small and <prefix>_large (helpers sharing a server differ)")
    parser.add_argument("--no-pages", action="store_true", help="time the SQL and the engine only")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith("postgres"):
        sys.exit("DATABASE_URL must point at PostgreSQL.")
    labels = [s for s in args.sizes.split(",") if s]
    setup_django(database_url(base, f"{args.prefix}_{labels[0]}"))
    # Shared machine: the load average says how far to trust the figures.
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    results = {label: run_size(label, base, args.repeat, args.keep, not args.no_pages, args.prefix) for label in labels}
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")

    names = list(next(iter(results.values())))
    header = f"{'seconds (median of ' + str(args.repeat) + ')':<56}" + "".join(
        f"{label + ' ' + format(SIZES[label][0], ',') + '/' + format(SIZES[label][1], ',') :>28}" for label in labels)
    print(header)
    for name in names:
        print(f"{name:<56}" + "".join(f"{results[label][name]:>28.3f}" for label in labels))
    for label in labels:
        if args.no_pages:
            break
        floor = min(v for k, v in results[label].items() if k.startswith("floor") and v == v)
        ratios = ", ".join(f"{k} {results[label][k] / floor:.1f}×" for k in names if k.startswith("page"))
        print(f"[{label}] floor {floor:.3f} s; pages: {ratios} (ratio of medians; the ratio: lines are the"
              " median of each round's ratio)")


if __name__ == "__main__":
    main()
