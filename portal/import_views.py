"""Import pages: upload, preview, confirm or cancel, bad rows, history, templates.

Administrators import the four formats; an IT officer who manages a course may upload its
participants. A run belongs to its uploader: officers reach only their own runs (404 otherwise).
"""
from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from agencies.access import administrator_required, role_required
from agencies.models import ChangeRecord, User
from sheets import progress as stages
from sheets.errors import UnusableFile
from sheets.responses import file_response
from training.models import Course
from training.services import can_edit_course

from .import_forms import ConfirmImportForm, ImportUploadForm
from .imports import (
    FORMATS,
    PART_LABELS,
    PLAN_LABELS,
    PREVIEW_KEPT_FOR,
    bad_rows_workbook,
    erases_stored_values,
    get_format,
    import_cancel,
    import_confirm,
    import_mark_failed,
    import_submit,
    is_stalled,
    preview_expired,
    stalled_message,
    template_workbook,
)
from .models import ImportRun

STAGE_LABELS = {
    "": gettext_lazy("Waiting to start"),
    stages.READING: gettext_lazy("Reading the file"),
    stages.CHECKING: gettext_lazy("Checking the rows"),
    stages.COMPARING: gettext_lazy("Comparing with the stored data"),
    stages.WRITING: gettext_lazy("Writing the data"),
}


@administrator_required
def import_index(request):
    return render(request, "imports/import_index.html", {"formats": list(FORMATS.values())})


@administrator_required
def import_upload(request, kind):
    import_format = get_format(kind)
    if import_format is None:
        raise Http404
    form = ImportUploadForm(request.POST or None, request.FILES or None, with_deactivate=kind == "roster")
    if request.method == "POST" and form.is_valid():
        options = {"deactivate_missing": form.cleaned_data["deactivate_missing"]} if kind == "roster" else {}
        run = _preview(request, form, kind=kind, options=options)
        if run is not None:
            return redirect(run)
    ctx = {"form": form, "format": import_format, "template_url": reverse("imports:template", args=[kind])}
    return render(request, "imports/import_upload.html", ctx)


@login_required
def course_participants(request, pk):
    course = get_object_or_404(Course.objects.visible_to(request.user).select_related("agency"), pk=pk)
    if not can_edit_course(request.user, course):
        raise PermissionDenied
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        run = _preview(request, form, kind=ImportRun.Kind.COURSE_PARTICIPANTS, options={"course_id": course.pk})
        if run is not None:
            return redirect(run)
    ctx = {"form": form, "course": course, "template_url": reverse("imports:template", args=["training"])}
    return render(request, "imports/course_participants_upload.html", ctx)


def _preview(request, form, *, kind: str, options: dict) -> ImportRun | None:
    upload = form.cleaned_data["file"]
    try:
        return import_submit(kind=kind, data=upload.read(), file_name=Path(upload.name).name, user=request.user,
                             options=options)
    except UnusableFile as exc:
        form.add_error("file", str(exc))
        return None


def _with_outline(qs):
    """Runs without their bytes and their summary, but with the outline of the summary that the
    plain-language sentences read, taken out by the database (`outline`). A preview's summary lists
    hundreds of rows and erased values: the pages that reload themselves while imports run (the
    progress page every second, the history every three) never load or render those lists."""
    return qs.defer("data", "summary").annotate(
        outline_counts=F("summary__counts"), outline_parts=F("summary__parts"),
        outline_erased=F("summary__plan__erased_count"), outline_keep_blanks=F("summary__plan__keep_blanks"),
    )


def _outline(run: ImportRun) -> dict:
    """The summary of a run fetched by _with_outline, as far as plain_summary reads it."""
    return {"counts": run.outline_counts or {}, "parts": run.outline_parts or {},
            "plan": {"erased_count": run.outline_erased or 0, "keep_blanks": bool(run.outline_keep_blanks)}}


def _get_run(user, pk, *, with_data: bool = False, outline: bool = False) -> ImportRun:
    """Administrators reach every run; officers only the course-participant runs they uploaded.

    With `outline`, the run comes without its summary (see _with_outline): reading run.summary then
    costs one more query.
    """
    if not (user.is_administrator or user.is_officer):
        raise PermissionDenied
    qs = ImportRun.objects.select_related("user")
    if outline:
        qs = _with_outline(qs)
    elif not with_data:
        qs = qs.defer("data")
    if user.is_administrator:
        return get_object_or_404(qs, pk=pk)
    run = get_object_or_404(qs, pk=pk, user=user, kind=ImportRun.Kind.COURSE_PARTICIPANTS)
    course = Course.objects.select_related("agency").filter(pk=run.options.get("course_id")).first()
    if course is None or not can_edit_course(user, course):
        raise PermissionDenied
    return run


def _back_url(run: ImportRun) -> str:
    if run.kind == ImportRun.Kind.COURSE_PARTICIPANTS:
        return reverse("imports:course-participants", args=[run.options.get("course_id")])
    return reverse("imports:upload", args=[run.kind])


def plain_summary(run: ImportRun, summary: dict | None = None) -> list[str]:
    """What the run does (or did), in sentences a person reads without knowing the format
    (from `summary`, by default the run's, or its outline: only counts, parts and the plan's erasures are read)."""
    summary = (run.summary if summary is None else summary) or {}
    counts = summary.get("counts") or {}
    if not counts:
        return []
    done = run.status == ImportRun.Status.APPLIED
    sentences = []
    parts = summary.get("parts") or {"": counts}
    for name, part in parts.items():
        text = _("%(created)d new, %(updated)d changed, %(unchanged)d unchanged") % {
            k: part.get(k, 0) for k in ("created", "updated", "unchanged")}
        label = PART_LABELS.get(name) or run.get_kind_display()
        sentences.append(f"{label}: {text}.")
    if counts.get("transferred"):
        sentences.append(ngettext("%(count)d person moves to another agency and keeps their training history.",
                                  "%(count)d people move to another agency and keep their training history.",
                                  counts["transferred"]) % {"count": counts["transferred"]})
    if counts.get("left"):
        sentences.append(ngettext("%(count)d person missing from the file is marked as left.",
                                  "%(count)d people missing from the file are marked as left.",
                                  counts["left"]) % {"count": counts["left"]})
    plan = summary.get("plan") or {}
    erased = plan.get("erased_count") or 0
    if erased and plan.get("keep_blanks"):
        sentences.append(ngettext("%(count)d stored value was kept where the file is blank.",
                                  "%(count)d stored values were kept where the file is blank.", erased)
                         % {"count": erased})
    elif erased and done:
        sentences.append(ngettext("%(count)d stored value was erased by an empty cell.",
                                  "%(count)d stored values were erased by empty cells.", erased) % {"count": erased})
    elif erased:
        sentences.append(ngettext("%(count)d stored value would be erased by an empty cell: choose below.",
                                  "%(count)d stored values would be erased by empty cells: choose below.", erased)
                         % {"count": erased})
    return sentences


def _plan_groups(summary: dict) -> list[tuple[str, list[dict], int]]:
    """(label, listed rows, count) for each non-empty group of the plan, in PLAN_LABELS order."""
    rows = (summary.get("plan") or {}).get("rows") or {}
    counts = dict(summary.get("counts") or {})
    for part, part_counts in (summary.get("parts") or {}).items():
        counts.update({f"{part}.{k}": v for k, v in part_counts.items()})
    if "updated" in counts and "transferred" in counts:
        counts["updated"] -= counts["transferred"]
    return [(PLAN_LABELS[action], rows[action], counts.get(action, len(rows[action])))
            for action in PLAN_LABELS if rows.get(action)]


def _progress(run: ImportRun) -> dict | None:
    """Where a running run stands, for its page and the history (None once it ended). A stalled run
    carries the message saying why it will not end."""
    if not run.is_running:
        return None
    stalled = is_stalled(run)
    return {"label": STAGE_LABELS.get(run.stage, run.stage), "done": run.rows_done, "total": run.rows_total,
            "waiting": run.stage == "" and not stalled, "stalled": stalled,
            "stalled_message": stalled_message(run) if stalled else ""}


@login_required
def run_detail(request, pk):
    run = _get_run(request.user, pk, outline=True)
    progress = _progress(run)
    if progress:
        # The page reloads itself every second until the run ends: it shows where the run stands and
        # what it does, in sentences, never the preview's lists (shown again once the run has ended).
        ctx = {"run": run, "progress": progress, "sentences": plain_summary(run, _outline(run)),
               "deactivate_missing": bool(run.options.get("deactivate_missing")), "back_url": _back_url(run)}
        return render(request, "imports/importrun_detail.html", ctx)
    summary = run.summary or {}  # the deferred field: one more query, on a page that no longer reloads
    errors = summary.get("errors") or []
    plan = summary.get("plan") or {}
    ctx = {
        "run": run,
        "sentences": plain_summary(run),
        "groups": _plan_groups(summary),
        "erased": plan.get("erased") or [],
        "erased_count": plan.get("erased_count") or 0,
        "blanks_kept": bool(plan.get("keep_blanks")),
        "confirm_form": ConfirmImportForm(erases=erases_stored_values(run)),
        "errors": errors,
        "more_errors": max(0, run.error_count - len(errors)),
        "show_sheet": len(summary.get("sheets") or []) > 1,
        "ignored_columns": summary.get("ignored_columns") or [],
        "skipped_rows": summary.get("skipped_rows") or [],
        "failure": summary.get("failure", ""),
        "deactivate_missing": bool(run.options.get("deactivate_missing")),
        "back_url": _back_url(run),
        "expired": run.is_previewed and preview_expired(run),
        "preview_days": PREVIEW_KEPT_FOR.days,
        "can_confirm": run.is_previewed and run.error_count == 0 and not preview_expired(run),
        "progress": None,
    }
    return render(request, "imports/importrun_detail.html", ctx)


@require_POST
@login_required
def run_apply(request, pk):
    run = _get_run(request.user, pk)
    form = ConfirmImportForm(request.POST, erases=erases_stored_values(run))
    if not form.is_valid():
        messages.error(request, _("Choose whether to erase the stored values listed or keep them; nothing was written."))
        return redirect(run)
    if not import_confirm(run=run, user=request.user, keep_blanks=form.keep_blanks):
        messages.warning(request, _("This import was already applied or cancelled."))
        return redirect(run)
    run.refresh_from_db(fields=["status", "summary", "error_count"])
    if run.status == ImportRun.Status.APPLIED:
        messages.success(request, _("Imported %(file)s. %(summary)s") % {"file": run.file_name,
                                                                          "summary": " ".join(plain_summary(run))})
    elif run.status == ImportRun.Status.FAILED and run.summary.get("failure"):
        messages.error(request, run.summary["failure"])
    elif run.status == ImportRun.Status.FAILED:
        messages.error(request, _("The data changed since the preview: %(count)d rows now have errors; nothing was written.")
                       % {"count": run.error_count})
    return redirect(run)


@require_POST
@login_required
def run_cancel(request, pk):
    run = _get_run(request.user, pk)
    if import_cancel(run=run):
        messages.info(request, _("Import of %(file)s cancelled; nothing was written.") % {"file": run.file_name})
    else:
        messages.warning(request, _("This import was already applied or cancelled."))
    return redirect(_back_url(run))


@require_POST
@login_required
def run_mark_failed(request, pk):
    """Fail a stalled run (its worker died): nothing was written, and its file may be uploaded again."""
    run = _get_run(request.user, pk)
    if import_mark_failed(run=run):
        messages.info(request, _("The import of %(file)s was marked as failed; nothing was written. "
                                 "Upload the file again.") % {"file": run.file_name})
    else:
        messages.warning(request, _("This import is not stalled: it ended or shows progress again."))
    return redirect(run)


@login_required
def run_bad_rows(request, pk):
    run = _get_run(request.user, pk, with_data=True)
    content = bad_rows_workbook(run=run, user=request.user)
    if content is None:
        raise Http404
    return file_response(content, f"{Path(run.file_name).stem}-dong-loi.xlsx")


@administrator_required
def run_file(request, pk):
    run = get_object_or_404(ImportRun, pk=pk)
    if not run.data:
        raise Http404
    return file_response(bytes(run.data), run.file_name, content_type="application/octet-stream")


@administrator_required
def import_history(request):
    runs = list(_with_outline(ImportRun.objects.select_related("user"))[:200])
    command_line = list(
        ChangeRecord.objects.filter(action=ChangeRecord.Action.IMPORT, user__isnull=True).order_by("-created_at")[:100]
    )
    rows = [{"run": run, "summary": " ".join(plain_summary(run, _outline(run))), "progress": _progress(run)}
            for run in runs]
    # A stalled run will not move: only live ones keep the page refreshing.
    running = any(row["progress"] and not row["progress"]["stalled"] for row in rows)
    return render(request, "imports/importrun_list.html", {"rows": rows, "command_line": command_line, "running": running})


@role_required(User.Role.OFFICER)
def import_template(request, kind):
    if kind not in FORMATS:
        raise Http404
    return file_response(template_workbook(kind), FORMATS[kind].template_file)
