"""Import pages: upload, preview, confirm or cancel, bad rows, history, templates.

Administrators import the four formats; an IT officer who manages a course may upload its
participants. A run belongs to its uploader: officers reach only their own runs (404 otherwise).
"""
from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.access import administrator_required, role_required
from agencies.models import ChangeRecord, User
from sheets.errors import UnusableFile
from sheets.text import fold
from training.models import Course

from .import_forms import ImportUploadForm
from .imports import (
    COUNT_LABELS,
    FORMATS,
    PART_LABELS,
    PREVIEW_KEPT_FOR,
    bad_rows_workbook,
    get_format,
    import_apply,
    import_cancel,
    import_preview,
    may_import_course_participants,
    preview_expired,
    template_workbook,
)
from .models import ImportRun

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    if not may_import_course_participants(request.user, course):
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
        return import_preview(kind=kind, data=upload.read(), file_name=Path(upload.name).name, user=request.user,
                              options=options)
    except UnusableFile as exc:
        form.add_error("file", str(exc))
        return None


def _get_run(user, pk, *, with_data: bool = False) -> ImportRun:
    """Administrators reach every run; officers only the course-participant runs they uploaded."""
    if not (user.is_administrator or user.is_officer):
        raise PermissionDenied
    qs = ImportRun.objects.select_related("user")
    if not with_data:
        qs = qs.defer("data")
    if user.is_administrator:
        return get_object_or_404(qs, pk=pk)
    run = get_object_or_404(qs, pk=pk, user=user, kind=ImportRun.Kind.COURSE_PARTICIPANTS)
    course = Course.objects.select_related("agency").filter(pk=run.options.get("course_id")).first()
    if course is None or not may_import_course_participants(user, course):
        raise PermissionDenied
    return run


def _back_url(run: ImportRun) -> str:
    if run.kind == ImportRun.Kind.COURSE_PARTICIPANTS:
        return reverse("imports:course-participants", args=[run.options.get("course_id")])
    return reverse("imports:upload", args=[run.kind])


def _summary_text(summary: dict) -> str:
    return ", ".join(f"{COUNT_LABELS.get(k, k)}: {v}" for k, v in (summary.get("counts") or {}).items())


@login_required
def run_detail(request, pk):
    run = _get_run(request.user, pk)
    summary = run.summary or {}
    counts = [(COUNT_LABELS.get(k, k), v) for k, v in (summary.get("counts") or {}).items()]
    parts = [
        (PART_LABELS.get(name, name), [(COUNT_LABELS.get(k, k), v) for k, v in values.items()])
        for name, values in (summary.get("parts") or {}).items()
    ]
    details = [(COUNT_LABELS.get(k, k), v) for k, v in (summary.get("details") or {}).items() if v]
    errors = summary.get("errors") or []
    ctx = {
        "run": run,
        "counts": counts,
        "parts": parts,
        "details": details,
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
    }
    return render(request, "imports/importrun_detail.html", ctx)


@require_POST
@login_required
def run_apply(request, pk):
    run = _get_run(request.user, pk)
    result = import_apply(run=run, user=request.user)
    run.refresh_from_db(fields=["status", "summary", "error_count"])
    if result is None:
        if run.status == ImportRun.Status.FAILED and run.summary.get("failure"):
            messages.error(request, run.summary["failure"])
        else:
            messages.warning(request, _("This import was already applied or cancelled."))
    elif result.applied:
        messages.success(request, _("Imported %(file)s. %(summary)s") % {"file": run.file_name,
                                                                          "summary": _summary_text(run.summary)})
    else:
        messages.error(request, _("The data changed since the preview: %(count)d rows now have errors; nothing was written.")
                       % {"count": len(result.errors)})
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


@login_required
def run_bad_rows(request, pk):
    run = _get_run(request.user, pk, with_data=True)
    content = bad_rows_workbook(run=run, user=request.user)
    if content is None:
        raise Http404
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_ascii_stem(run.file_name)}-dong-loi.xlsx"'
    return response


@administrator_required
def run_file(request, pk):
    run = get_object_or_404(ImportRun, pk=pk)
    if not run.data:
        raise Http404
    response = HttpResponse(bytes(run.data), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{_ascii_stem(run.file_name)}{Path(run.file_name).suffix}"'
    return response


@administrator_required
def import_history(request):
    runs = list(ImportRun.objects.defer("data").select_related("user")[:200])
    command_line = list(
        ChangeRecord.objects.filter(action=ChangeRecord.Action.IMPORT, user__isnull=True).order_by("-created_at")[:100]
    )
    rows = [{"run": run, "summary": _summary_text(run.summary or {})} for run in runs]
    return render(request, "imports/importrun_list.html", {"rows": rows, "command_line": command_line})


@role_required(User.Role.OFFICER)
def import_template(request, kind):
    if kind not in FORMATS:
        raise Http404
    response = HttpResponse(template_workbook(kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{FORMATS[kind].template_file}"'
    return response


def _ascii_stem(file_name: str) -> str:
    stem = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "-_" else "-" for ch in fold(Path(file_name).stem))
    return stem.strip("-")[:80] or "file"
