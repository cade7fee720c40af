"""Roster import benchmark (issue 3): the floor, the whole import, a re-import, memory, query counts.

    .venv/bin/python bench/import_bench.py [--rows 50000] [--pg postgres://postgres@127.0.0.1:5432/portal_imports_bench]

Generates a roster .xlsx (cached under the system temp folder), then runs each measurement in a
fresh child process, on PostgreSQL and on SQLite, and prints them side by side:

- floor: a bare python-calamine pass over the file, plus one bulk_create of the same rows into an
  empty staff table (no validation at all);
- import: roster_import on an empty staff table (parse, validate, look-ups, write);
- re-import: the same file again (every row unchanged);
- queries: statements of an import of 5,000 rows and of all rows, split into look-ups and writes;
- memory: the import's peak RSS (whole process, calamine's buffers included) over the process's
  baseline, and tracemalloc's peak of Python allocations, each in its own process.

The PostgreSQL database named in --pg is dropped and created again: use a scratch name.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
HEADERS = ["STT", "Mã cán bộ", "Họ và tên", "Mã đơn vị", "Loại", "Ngày sinh", "Giới tính", "Chức vụ", "Lãnh đạo", "CIO",
           "Chuyên trách CNTT", "Trình độ CNTT", "Ngày vào cơ quan", "Ngày nghỉ"]
SMALL_ROWS = 5000


# --- the file -------------------------------------------------------------------------------------

def agency_codes() -> list[str]:
    return ["UBND-T"] + [f"SO-{i:02d}" for i in range(40)] + [f"H-{d}" for d in range(8)] + [
        f"X-{d}-{c:02d}" for d in range(8) for c in range(10)]


def make_file(path: Path, rows: int) -> None:
    import openpyxl

    rng = random.Random(1965)
    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "H'"]
    middle = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang"]
    given = ["An", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phương", "Thảo", "Yến"]
    codes = agency_codes()
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Danh sách cán bộ")
    sheet.append(["UBND TỈNH ĐẮK NÔNG"])
    sheet.append(["DANH SÁCH CÁN BỘ, CÔNG CHỨC, VIÊN CHỨC"])
    sheet.append([])
    sheet.append(HEADERS)
    for i in range(rows):
        birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(15000))
        sheet.append([
            i + 1, f"CB{i:06d}", f"{rng.choice(family)} {rng.choice(middle)} {rng.choice(given)}", rng.choice(codes),
            rng.choice(["CB", "CC", "VC", "HĐ"]), birth if i % 10 else birth.year, rng.choice(["Nam", "Nữ"]),
            rng.choice(["Chuyên viên", "Trưởng phòng", "Phó phòng", ""]), "x" if i % 17 == 0 else "",
            "x" if i % 101 == 0 else "", "có" if i % 23 == 0 else "không",
            rng.choice(["", "Chứng chỉ", "Cao đẳng", "Đại học", "Thạc sĩ"]),
            birth + datetime.timedelta(days=365 * 23), "",
        ])
    book.save(path)


# --- the children ---------------------------------------------------------------------------------

def _django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _prepare() -> None:
    """Schema and agencies, no staff."""
    from django.core.management import call_command

    from agencies.models import Agency, Level, rebuild_agency_paths

    call_command("migrate", verbosity=0)
    root = Agency.objects.create(code="UBND-T", name="UBND tỉnh", level=Level.PROVINCE, kind=Agency.Kind.PROVINCE_COMMITTEE)
    departments = [Agency(code=f"SO-{i:02d}", name=f"Sở {i}", level=Level.PROVINCE, kind=Agency.Kind.DEPARTMENT,
                          parent=root) for i in range(40)]
    districts = [Agency(code=f"H-{d}", name=f"UBND huyện {d}", level=Level.DISTRICT,
                        kind=Agency.Kind.DISTRICT_COMMITTEE, parent=root) for d in range(8)]
    Agency.objects.bulk_create(departments + districts)
    communes = [Agency(code=f"X-{d}-{c:02d}", name=f"UBND xã {d}-{c}", level=Level.COMMUNE,
                       kind=Agency.Kind.COMMUNE_COMMITTEE, parent=districts[d]) for d in range(8) for c in range(10)]
    Agency.objects.bulk_create(communes)
    rebuild_agency_paths()


def _empty_staff() -> None:
    from django.db import connection

    from agencies.models import ChangeRecord, Staff

    ChangeRecord.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Staff._meta.db_table}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Staff._meta.db_table}")


class _Counter:
    def __init__(self):
        self.reads = 0
        self.writes = 0

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK")):
            self.reads += 1 if sql.lstrip().upper().startswith("SELECT") else 0
        else:
            self.writes += 1
        return execute(sql, params, many, context)


def _import(data: bytes):
    from django.db import connection

    from agencies.roster_import import roster_import

    counter = _Counter()
    start = time.perf_counter()
    with connection.execute_wrapper(counter):
        result = roster_import(data=data, file_name="bench.xlsx")
    elapsed = time.perf_counter() - start
    assert result.applied, [str(e) for e in result.errors[:5]]
    return elapsed, counter, result


def _floor(path: Path) -> tuple[float, float]:
    from python_calamine import CalamineWorkbook

    from agencies.models import Agency, Staff
    from sheets.text import fold

    start = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    read = time.perf_counter() - start
    ids = dict(Agency.objects.values_list("code", "id"))
    category = {"CB": "CB", "CC": "CC", "VC": "VC", "HĐ": "HD"}
    start = time.perf_counter()
    staff = [
        Staff(code=r[1], full_name=r[2], name_folded=fold(r[2]), agency_id=ids[r[3]], category=category[r[4]],
              birth_date=r[5] if isinstance(r[5], datetime.date) else None,
              birth_year=r[5].year if isinstance(r[5], datetime.date) else int(r[5]),
              joined_on=r[12] or None)
        for r in rows[4:]
    ]
    Staff.objects.bulk_create(staff, batch_size=2000)
    return read, time.perf_counter() - start


def child_timing(args) -> dict:
    _django(args.database_url)
    from django.db import connection

    _prepare()
    big, small = Path(args.file), Path(args.small_file)
    out = {"backend": connection.vendor}
    read, write = _floor(big)
    out["floor_read"], out["floor_write"] = read, write
    _empty_staff()
    _elapsed, counter, _result = _import(small.read_bytes())
    out["small_reads"], out["small_writes"] = counter.reads, counter.writes
    _empty_staff()
    data = big.read_bytes()
    elapsed, counter, result = _import(data)
    out["import"], out["big_reads"], out["big_writes"] = elapsed, counter.reads, counter.writes
    out["created"] = result.counts["created"]
    elapsed, counter, result = _import(data)
    out["reimport"], out["re_reads"], out["re_writes"] = elapsed, counter.reads, counter.writes
    out["unchanged"] = result.counts["unchanged"]
    _empty_staff()
    return out


def child_memory(args) -> dict:
    _django(args.database_url)
    import tracemalloc

    data = Path(args.file).read_bytes()
    from django.db import connection

    from agencies.roster_import import roster_import  # noqa: F401  (imported before the baseline)

    connection.ensure_connection()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.tracemalloc:
        tracemalloc.start()
    _import(data)
    out = {}
    if args.tracemalloc:
        out["tracemalloc_peak"] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
    else:
        out["rss_baseline"] = baseline
        out["rss_peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _empty_staff()
    return out


# --- the parent -----------------------------------------------------------------------------------

def _run_child(mode: str, database_url: str, args, *extra: str) -> dict:
    command = [sys.executable, __file__, "--child", mode, "--database-url", database_url, "--file", str(args.file_path),
               "--small-file", str(args.small_path), *extra]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        sys.exit(f"{mode} child failed on {database_url}:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _recreate_pg(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    conn = psycopg2.connect(host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres",
                            password=parsed.password or None, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/portal_imports_bench")
    parser.add_argument("--child", choices=["timing", "memory"])
    parser.add_argument("--database-url")
    parser.add_argument("--file")
    parser.add_argument("--small-file")
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()
    if args.child:
        result = child_timing(args) if args.child == "timing" else child_memory(args)
        print(json.dumps(result))
        return

    folder = Path(tempfile.gettempdir()) / "import_bench"
    folder.mkdir(exist_ok=True)
    args.file_path = folder / f"roster-{args.rows}.xlsx"
    args.small_path = folder / f"roster-{SMALL_ROWS}.xlsx"
    for path, rows in ((args.file_path, args.rows), (args.small_path, SMALL_ROWS)):
        if not path.exists():
            print(f"generating {path} ({rows:,} rows)...", flush=True)
            make_file(path, rows)
    print(f"file: {args.file_path} ({args.file_path.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows x {len(HEADERS)} columns)")

    _recreate_pg(args.pg)
    sqlite_path = folder / "bench.sqlite3"
    sqlite_path.unlink(missing_ok=True)
    backends = {"PostgreSQL": args.pg, "SQLite": f"sqlite:///{sqlite_path}"}
    results = {name: _run_child("timing", url, args) for name, url in backends.items()}
    memory = _run_child("memory", args.pg, args)
    memory.update(_run_child("memory", args.pg, args, "--tracemalloc"))

    rows = [
        ("floor: calamine pass (s)", "floor_read", "{:.2f}"),
        ("floor: one bulk_create (s)", "floor_write", "{:.2f}"),
        ("floor total (s)", None, "{:.2f}"),
        ("whole import (s)", "import", "{:.2f}"),
        ("import / floor", None, "{:.2f}x"),
        ("re-import, unchanged (s)", "reimport", "{:.2f}"),
        ("re-import / import", None, "{:.2f}x"),
        (f"queries, {SMALL_ROWS:,} rows: look-ups / writes", None, "{}"),
        (f"queries, {args.rows:,} rows: look-ups / writes", None, "{}"),
        ("queries, re-import: look-ups / writes", None, "{}"),
    ]
    print(f"\n{'':48}" + "".join(f"{name:>14}" for name in results))
    for label, key, fmt in rows:
        cells = []
        for r in results.values():
            floor = r["floor_read"] + r["floor_write"]
            value = {
                "floor total (s)": floor,
                "import / floor": r["import"] / floor,
                "re-import / import": r["reimport"] / r["import"],
                f"queries, {SMALL_ROWS:,} rows: look-ups / writes": f"{r['small_reads']} / {r['small_writes']}",
                f"queries, {args.rows:,} rows: look-ups / writes": f"{r['big_reads']} / {r['big_writes']}",
                "queries, re-import: look-ups / writes": f"{r['re_reads']} / {r['re_writes']}",
            }.get(label, r.get(key))
            cells.append(fmt.format(value))
        print(f"{label:48}" + "".join(f"{c:>14}" for c in cells))
    print(f"\nmemory of the import (PostgreSQL, {args.rows:,} rows): peak RSS {memory['rss_peak']:.0f} MB "
          f"(process baseline {memory['rss_baseline']:.0f} MB, so +{memory['rss_peak'] - memory['rss_baseline']:.0f} MB); "
          f"tracemalloc peak {memory['tracemalloc_peak']:.0f} MB")
    print("writes are INSERT/UPDATE batches (2,000 rows; SQLite's 999-parameter limit makes them 58 rows), "
          "plus the import's change record and transaction statements")


if __name__ == "__main__":
    main()
