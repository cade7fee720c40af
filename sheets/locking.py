"""Serialising imports, so two at once never both decide that a code is new; writing their rows in bulk."""
from __future__ import annotations

import zlib
from contextlib import contextmanager

from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

# Sent at the start of every import's transaction, inside it, before any row is written: the
# figures' data version listens (targets.results), so that it is stamped with the import's rows,
# rolls back with them, and its row is locked before them (the order every writer follows).
import_written = Signal()

# One key for every import: an agency import changes what a roster import may refer to.
IMPORT_LOCK_KEY = zlib.crc32(b"portal-excel-import")


@contextmanager
def import_transaction(*, writes: bool = True):
    """One transaction holding the import lock until it commits or rolls back.

    PostgreSQL: a transaction-level advisory lock, so a second import waits, then sees the first's
    rows and updates them. SQLite allows one writer at a time anyway; there the unique constraints
    turn a lost race into an error that writes nothing. A preview (`writes=False`) only reads: it
    neither waits for the lock nor stamps the data version (the confirmed import compares again).
    """
    with transaction.atomic():
        if writes:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
            import_written.send(sender=None)
        yield


def write_in_bulk(model, *, creates=(), updates=(), fields=(), batch_size: int = 2000) -> None:
    """Insert the new rows and update the changed ones of an import, in batches.

    bulk_update() skips auto_now, so the updated rows get their `updated_at` stamped here: the
    reporting panel reads it to tell which agencies keep their data alive.
    """
    model.objects.bulk_create(list(creates), batch_size=batch_size)
    updates = list(updates)
    if updates:
        now = timezone.now()
        for obj in updates:
            obj.updated_at = now
        model.objects.bulk_update(updates, [*fields, "updated_at"], batch_size=batch_size)
