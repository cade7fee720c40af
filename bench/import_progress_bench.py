"""Background import benchmark (issue 11): how soon a 50,000-row upload shows its progress, and how long to its preview.

    .venv/bin/python bench/import_progress_bench.py [--rows 50000] [--database-url sqlite:////tmp/progress-bench.sqlite3]

On a scratch database (the SQLite file is deleted and created again; a PostgreSQL URL must name a
scratch database that exists and is empty), with the agencies of bench/import_bench.py and a
`manage.py db_worker --no-reload --interval 0.5` beside it, as scripts/demo.sh and deploy/portal-worker.service
run it. The upload is posted through Django's test client (the request the browser makes), then the
ImportRun is polled every 20 ms: the times are from the start of the upload request.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import import_bench  # noqa: E402  (the file and the agencies of the import benchmark)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--database-url", default=f"sqlite:///{Path(tempfile.gettempdir()) / 'progress-bench.sqlite3'}")
    args = parser.parse_args()
    if args.database_url.startswith("sqlite:///"):
        path = Path(args.database_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    file = Path(tempfile.gettempdir()) / f"roster-{args.rows}.xlsx"
    if not file.exists():
        import_bench.make_file(file, args.rows)

    import_bench._django(args.database_url)
    from django.test import Client
    from django.urls import reverse

    from agencies.models import User
    from portal.models import ImportRun

    import_bench._prepare()
    admin = User.objects.create_user(username="bench-admin", password="Bench@1965-x", role=User.Role.ADMINISTRATOR)
    worker = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.5"], cwd=ROOT,
                              env={**os.environ, "DATABASE_URL": args.database_url},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(10)  # the worker's start-up (a few seconds on a busy machine), before the upload
        client = Client()
        client.force_login(admin)
        data = file.read_bytes()
        with file.open("rb") as upload:
            start = time.perf_counter()
            response = client.post(reverse("imports:upload", args=["roster"]), {"file": upload})
            posted = time.perf_counter() - start
        run = ImportRun.objects.get()
        assert response.status_code == 302, response.status_code
        marks: dict[str, float] = {}
        while time.perf_counter() - start < 600:
            run.refresh_from_db(fields=["status", "stage", "rows_done", "rows_total"])
            now = time.perf_counter() - start
            if run.stage:
                marks.setdefault("worker started (stage shown)", now)
            if run.rows_total:
                marks.setdefault("rows checked / total shown", now)
            if run.stage == "comparing":
                marks.setdefault("comparing with the stored data", now)
            if run.status != ImportRun.Status.CHECKING:
                marks["preview ready" if run.status == ImportRun.Status.PREVIEWED else f"ended {run.status}"] = now
                break
            time.sleep(0.02)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    print(f"{args.rows} rows, {len(data) / 1e6:.1f} MB, {args.database_url.split(':')[0]}")
    print(f"{'upload request (store + queue), redirect to the progress page':<62} {posted:7.2f} s")
    for label, seconds in marks.items():
        print(f"{label:<62} {seconds:7.2f} s")


if __name__ == "__main__":
    main()
