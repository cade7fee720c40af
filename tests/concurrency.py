"""Two real transactions at once, for the tests of what locks serialise (PostgreSQL only).

`first` runs inside a transaction that stays open a moment after it has written; `second` starts
once `first` has written, in another thread and database connection. Without a lock the second
cannot see the first's uncommitted rows and decides on stale data; with one it waits for the
commit. The pause is only the width of that window, never something a test asserts on.
"""
from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db import connection, transaction

HOLD_SECONDS = 0.5

# Decided before the test's database set-up (a transactional test with serialized_rollback reloads the data).
concurrent_transactions = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="PostgreSQL only: SQLite lets one transaction write at a time, so these writes cannot overlap there",
)


def first_then_second(first, second) -> tuple[object, object]:
    """Run both; each result is the callable's return value or the exception it raised."""
    written = threading.Event()
    results: dict[str, object] = {}

    def run_first():
        try:
            with transaction.atomic():
                results["first"] = first()
                written.set()
                time.sleep(HOLD_SECONDS)
        except Exception as exc:  # noqa: BLE001 - handed to the test
            results["first"] = exc
        finally:
            written.set()
            connection.close()

    def run_second():
        written.wait(timeout=30)
        try:
            results["second"] = second()
        except Exception as exc:  # noqa: BLE001 - handed to the test
            results["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results.get("first"), results.get("second")
