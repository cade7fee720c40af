"""The four Excel formats in one registry, and the web import flow: preview, apply, cancel.

Commands and pages share the readers in the apps; this module only adds what the web needs:
the uploaded bytes kept in an ImportRun, templates, and the bad-rows file.
"""
from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tasks import task

from agencies.agency_import import SHEETS as AGENCY_SHEETS
from agencies.agency_import import agency_import
from agencies.models import User
from agencies.querysets import CHANGE, scope_path
from agencies.roster_import import SHEETS as ROSTER_SHEETS
from agencies.roster_import import roster_import
from sheets.errors import UnusableFile
from sheets.progress import READING, Progress
from sheets.result import ImportResult
from sheets.table import SheetSpec
from sheets.workbook import check_bytes
from sheets.writer import OutSheet, write_workbook
from targets.report_import import SHEETS as REPORT_SHEETS
from targets.report_import import report_import
from training.models import Course
from training.training_import import PARTICIPANT_SHEET, training_import
from training.training_import import SHEETS as TRAINING_SHEETS

from .models import ImportRun

logger = logging.getLogger(__name__)

# Previews nobody confirmed drop their bytes after this long.
PREVIEW_KEPT_FOR = datetime.timedelta(days=2)


@dataclass(frozen=True)
class ImportFormat:
    """A workbook format: its sheets, its reader, and the name its template is downloaded as."""

    kind: str
    title: str
    sheets: tuple[SheetSpec, ...]
    reader: Callable[..., ImportResult]
    template_file: str
    description: str = ""


FORMATS: dict[str, ImportFormat] = {
    "agencies": ImportFormat("agencies", gettext_lazy("Agencies"), AGENCY_SHEETS, agency_import, "mau-don-vi.xlsx",
                             gettext_lazy("The agency tree: codes, names, levels, kinds and parent agencies.")),
    "roster": ImportFormat("roster", gettext_lazy("Staff roster"), ROSTER_SHEETS, roster_import,
                           "mau-danh-sach-can-bo.xlsx",
                           gettext_lazy("Staff of one or more agencies, upserted by staff code.")),
    "training": ImportFormat("training", gettext_lazy("Training"), TRAINING_SHEETS, training_import, "mau-dao-tao.xlsx",
                             gettext_lazy("Courses (sheet Khóa học) and their participants (sheet Học viên).")),
    "reports": ImportFormat("reports", gettext_lazy("Aggregate reports"), REPORT_SHEETS, report_import,
                            "mau-bao-cao-so-lieu.xlsx",
                            gettext_lazy("Yearly counts of the reported indicators (teachers, students, ...).")),
}

PART_LABELS = {"courses": gettext_lazy("Courses"), "records": gettext_lazy("Training records")}
# The groups of the preview's plan, in the order shown.
PLAN_LABELS = {
    "created": gettext_lazy("Created"),
    "updated": gettext_lazy("Updated"),
    "transferred": gettext_lazy("Transferred to another agency"),
    "left": gettext_lazy("Marked as left"),
    "courses.created": gettext_lazy("Courses created"),
    "courses.updated": gettext_lazy("Courses updated"),
    "records.created": gettext_lazy("Training records created"),
    "records.updated": gettext_lazy("Training records updated"),
}


def get_format(kind: str) -> ImportFormat | None:
    return FORMATS.get(kind)


def _read(run: ImportRun, data: bytes, *, user, dry_run: bool, progress: Progress | None = None) -> ImportResult:
    options = run.options or {}
    keep_blanks = bool(options.get("keep_blanks"))
    if run.kind == ImportRun.Kind.COURSE_PARTICIPANTS:
        course = Course.objects.select_related("agency").get(pk=options["course_id"])
        prefix = scope_path(user, CHANGE)
        if prefix is None:
            raise PermissionDenied
        scope = prefix or None  # administrators may put anyone on the province's rosters on a course
        return training_import(data=data, file_name=run.file_name, user=user, dry_run=dry_run, course=course,
                               scope_path=scope, keep_blanks=keep_blanks, progress=progress)
    kwargs = {"deactivate_missing": bool(options.get("deactivate_missing"))} if run.kind == "roster" else {}
    return FORMATS[run.kind].reader(data=data, file_name=run.file_name, user=user, dry_run=dry_run,
                                    keep_blanks=keep_blanks, progress=progress, **kwargs)


def _new_run(*, kind: str, data: bytes, file_name: str, user, options: dict | None, status: str) -> ImportRun:
    return ImportRun(kind=kind, file_name=file_name[:255], checksum=hashlib.sha256(data).hexdigest(), size=len(data),
                     data=data, user=user, options=options or {}, status=status, heartbeat_at=timezone.now())


def _store_preview(run: ImportRun, result: ImportResult) -> None:
    run.summary = result.as_json()
    run.error_count = len(result.errors)
    run.status = ImportRun.Status.PREVIEWED
    run.stage = ""
    ImportRun.objects.filter(status=ImportRun.Status.PREVIEWED, created_at__lt=timezone.now() - PREVIEW_KEPT_FOR).update(
        status=ImportRun.Status.CANCELLED, data=b""
    )


def import_submit(*, kind: str, data: bytes, file_name: str, user, options: dict | None = None) -> ImportRun:
    """Keep an upload and queue its check; the run's page follows it until the preview is ready.

    Raises UnusableFile (nothing is kept) when the cheap checks already refuse the file; what the
    parsing finds later fails the run with the same kind of sentence.
    """
    check_bytes(data)
    # The worker writes the preview's messages (row errors, refusals) in the uploader's language.
    options = {**(options or {}), "language": translation.get_language()}
    run = _new_run(kind=kind, data=data, file_name=file_name, user=user, options=options,
                   status=ImportRun.Status.CHECKING)
    run.save()
    check_import.enqueue(run.pk)
    return run


def import_preview(*, kind: str, data: bytes, file_name: str, user, options: dict | None = None) -> ImportRun:
    """Check an upload now, without writing any of its data, and keep it for the confirmation.

    Raises UnusableFile (nothing is kept) when the file cannot be used at all.
    """
    run = _new_run(kind=kind, data=data, file_name=file_name, user=user, options=options,
                   status=ImportRun.Status.PREVIEWED)
    _store_preview(run, _read(run, data, user=user, dry_run=True))
    run.save()
    return run


def _progress_of(run: ImportRun) -> Progress:
    def report(stage: str, done: int, total: int) -> None:
        # Each report is also the heartbeat that tells a live run from one whose worker died (is_stalled).
        ImportRun.objects.filter(pk=run.pk).update(stage=stage, rows_done=done, rows_total=total,
                                                   heartbeat_at=timezone.now())
    return report


@task()
def check_import(run_id: int) -> None:
    """The task that checks a queued upload and turns it into a preview (or a failed run)."""
    # "Reading the file" is shown as soon as the worker takes the run, before its bytes are loaded;
    # the update finds nothing when the run was marked failed while it waited.
    started = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.CHECKING).update(
        stage=READING, rows_done=0, rows_total=0, heartbeat_at=timezone.now())
    run = ImportRun.objects.select_related("user__agency").filter(pk=run_id, status=ImportRun.Status.CHECKING).first()
    if not started or run is None:
        return
    with translation.override(run.options.get("language") or settings.LANGUAGE_CODE):
        _check(run)


def _check(run: ImportRun) -> None:
    progress = _progress_of(run)
    try:
        result = _read(run, bytes(run.data), user=run.user, dry_run=True, progress=progress)
    except UnusableFile as exc:
        _fail(run, str(exc), drop_data=True)
        return
    except Exception:
        logger.exception("import run %s: the check failed", run.pk)
        _fail(run, _("The file could not be checked because of an error in the portal; it has been logged."))
        return
    _store_preview(run, result)
    # Only a run still being checked becomes a preview: one marked failed meanwhile (taken for
    # stalled) stays failed, and its file is uploaded again.
    ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.CHECKING).update(
        summary=run.summary, error_count=run.error_count, status=run.status, stage=run.stage)


def import_confirm(*, run: ImportRun, user, keep_blanks: bool = False) -> bool:
    """Queue the write of a previewed run, from its stored bytes; False when it was no longer previewed.

    `keep_blanks` is the person's choice for the stored values the preview showed empty cells
    would erase: keep them (True) or clear them (False, the formats' default). Two confirmations
    of one run (a double click, two app processes) queue it once: only one conditional update
    finds it still previewed.
    """
    if run.is_previewed and preview_expired(run):
        # The checks were made against the data of then; two days on, the preview no longer holds.
        _fail(run, _("This preview is more than %(days)d days old, so it may no longer match the data; "
                     "nothing was written. Upload the file again.") % {"days": PREVIEW_KEPT_FOR.days},
              drop_data=True)
        return False
    options = {**(run.options or {}), "keep_blanks": keep_blanks}
    claimed = ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.PREVIEWED).update(
        status=ImportRun.Status.APPLYING, options=options, stage="", rows_done=0, rows_total=0,
        heartbeat_at=timezone.now(),
    )
    if claimed:
        apply_import.enqueue(run.pk, user.pk)
    return bool(claimed)


@task()
def apply_import(run_id: int, user_id: int) -> None:
    """The task that writes a confirmed run's data."""
    run = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.APPLYING).first()
    user = User.objects.select_related("agency").filter(pk=user_id).first()
    if run is None or user is None:
        return
    with translation.override(run.options.get("language") or settings.LANGUAGE_CODE):
        _apply(run, user)


def _apply(run: ImportRun, user: User) -> None:
    data = bytes(run.data)
    if hashlib.sha256(data).hexdigest() != run.checksum:
        _fail(run, _("The stored file does not match its checksum; upload it again."))
        return
    try:
        result = _read(run, data, user=user, dry_run=False, progress=_progress_of(run))
    except (UnusableFile, DatabaseError) as exc:
        _fail(run, str(exc) if isinstance(exc, UnusableFile) else
              _("The database changed while the file was being imported; nothing was written."))
        return
    except Exception:
        logger.exception("import run %s: the write failed", run.pk)
        _fail(run, _("The file could not be imported because of an error in the portal; nothing was written."))
        return
    run.summary = result.as_json()
    run.error_count = len(result.errors)
    run.status = ImportRun.Status.APPLIED if result.applied else ImportRun.Status.FAILED
    run.applied_at = timezone.now() if result.applied else None
    run.stage = ""
    # Saved even if the run was marked failed meanwhile (taken for stalled): its rows were committed,
    # and the run says so rather than "nothing was written".
    run.save(update_fields=["summary", "error_count", "status", "applied_at", "stage"])


def preview_expired(run: ImportRun, now=None) -> bool:
    """True when a preview is older than PREVIEW_KEPT_FOR: it can no longer be confirmed."""
    return run.created_at < (now or timezone.now()) - PREVIEW_KEPT_FOR


def _fail(run: ImportRun, message: str, *, drop_data: bool = False) -> None:
    summary = dict(run.summary or {})
    summary["failure"] = message
    run.summary = summary
    run.status = ImportRun.Status.FAILED
    run.stage = ""
    fields = ["summary", "status", "stage"]
    if drop_data:
        run.data = b""
        fields.append("data")
    run.save(update_fields=fields)


def stall_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.IMPORT_STALL_AFTER)


def is_stalled(run: ImportRun, now: datetime.datetime | None = None) -> bool:
    """True when a run being checked or written has given no sign of progress for IMPORT_STALL_AFTER:
    its worker was stopped or killed, or none is running."""
    return run.is_running and run.last_seen < (now or timezone.now()) - stall_after()


def stalled_message(run: ImportRun) -> str:
    """Why a stalled run will never end, and what its being stalled means for the data."""
    minutes = max(1, int(stall_after().total_seconds() // 60))  # rounded down: "more than" stays true
    silent = ngettext("No sign of progress for more than %(minutes)d minute: the import worker has stopped "
                      "or is not running.",
                      "No sign of progress for more than %(minutes)d minutes: the import worker has stopped "
                      "or is not running.", minutes) % {"minutes": minutes}
    if run.status == ImportRun.Status.APPLYING:
        return " ".join([silent, _("Nothing of this file was written: its rows are written in one transaction, "
                                   "which a stopped worker never commits.")])
    return " ".join([silent, _("Nothing was written: the file was still being checked.")])


def import_mark_failed(*, run: ImportRun, now: datetime.datetime | None = None) -> bool:
    """Mark a stalled run failed, so that its file can be uploaded again; False when it was not stalled.

    The update is conditional on the silence, so a run whose worker reported meanwhile is left running.
    """
    if not is_stalled(run, now):
        return False
    limit = (now or timezone.now()) - stall_after()
    summary = {**(run.summary or {}), "failure": " ".join([stalled_message(run), _("Upload the file again.")])}
    updated = ImportRun.objects.filter(
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, created_at__lt=limit), pk=run.pk, status=run.status,
    ).update(status=ImportRun.Status.FAILED, stage="", summary=summary)
    return bool(updated)


def import_cancel(*, run: ImportRun) -> bool:
    """Cancel a previewed run and drop its bytes; False when it was no longer previewed."""
    updated = ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.PREVIEWED).update(
        status=ImportRun.Status.CANCELLED, data=b""
    )
    return bool(updated)


def erases_stored_values(run: ImportRun) -> bool:
    """True when confirming this previewed run would have empty cells clear stored values."""
    return bool(((run.summary or {}).get("plan") or {}).get("erased_count"))


def bad_rows_workbook(*, run: ImportRun, user) -> bytes | None:
    """The file's rows that have errors, as uploaded, with a reason column; None when no row has one."""
    data = bytes(run.data)
    if not data:
        return None
    try:
        result = _read(run, data, user=user, dry_run=True)
    except UnusableFile:
        return None
    if not result.errors:
        return None
    reason_header = _("Errors (this column is ignored when the file is uploaded again)")
    sheets = []
    for table in result.tables:
        reasons: dict[int, list[str]] = {}
        for error in result.errors:
            if error.sheet == table.sheet:
                reasons.setdefault(error.row, []).append(f"{error.column}: {error.reason}")
        if not reasons:
            continue
        width = max(len(_trimmed(table.header_cells)), *(len(_trimmed(c)) for n, c in table.rows if n in reasons))
        header = list(table.header_cells[:width]) + [""] * (width - len(table.header_cells)) + [reason_header]
        rows = [
            list(cells[:width]) + [""] * (width - len(cells)) + ["; ".join(reasons[number])]
            for number, cells in table.rows
            if number in reasons
        ]
        sheets.append(OutSheet(table.sheet, header, rows, widths={width: 60}))
    return write_workbook(sheets)


def _trimmed(cells: list) -> list:
    end = len(cells)
    while end and cells[end - 1] in ("", None):
        end -= 1
    return cells[:end]


def template_workbook(kind: str) -> bytes:
    """The blank template of a format: each sheet's headers and a sample row, then a guide sheet."""
    sheets = FORMATS[kind].sheets if kind in FORMATS else (PARTICIPANT_SHEET,)
    out = [
        OutSheet(spec.name, [c.header for c in spec.columns], [[c.sample for c in spec.columns]],
                 widths={i: max(14, len(c.header) + 4) for i, c in enumerate(spec.columns)}, note_rows=frozenset({0}))
        for spec in sheets
    ]
    guide = []
    for spec in sheets:
        for column in spec.columns:
            guide.append([spec.name, column.header, column.key, _("yes") if column.required else _("no"), column.values])
    out.append(OutSheet(
        _("Guide"), [_("Sheet"), _("Column"), _("English name"), _("Required"), _("Accepted values")], guide,
        widths={0: 20, 1: 24, 2: 18, 3: 10, 4: 90},
    ))
    return write_workbook(out)
