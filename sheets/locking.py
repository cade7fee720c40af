"""Serialising imports, so two at once never both decide that a code is new."""
from __future__ import annotations

import zlib
from contextlib import contextmanager

from django.db import connection, transaction

# One key for every import: an agency import changes what a roster import may refer to.
IMPORT_LOCK_KEY = zlib.crc32(b"portal-excel-import")


@contextmanager
def import_transaction():
    """One transaction holding the import lock until it commits or rolls back.

    PostgreSQL: a transaction-level advisory lock, so a second import waits, then sees the first's
    rows and updates them. SQLite allows one writer at a time anyway; there the unique constraints
    turn a lost race into an error that writes nothing.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
        yield
