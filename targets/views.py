"""Pages of the targets app: an agency's attainment, who is not counted yet, the reporting panel,
aggregate reports, the person page and an agency's training needs.

The person page lives here because it reads rosters, training records and indicators together,
and only this app may import all three (agencies and training import nothing above them).
"""
from __future__ import annotations

import datetime

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from agencies import links
from agencies.access import breadcrumb, can_edit_agency_data, get_visible_agency, get_visible_staff, role_required
from agencies.forms import stale_message
from agencies.listing import paginate, sort_queryset
from agencies.models import ChangeRecord, User
from agencies.querysets import CHANGE, scope_q
from agencies.services import StaleEdit
from sheets.responses import Table, xlsx_response
from sheets.text import fold
from sheets.word import docx_response
from training.models import Course, TrainingRecord
from training.selectors import editable_courses
from training.services import participants_add

from . import dashboards, documents
from .attainment import (
    NoProgramme,
    UnknownIndicator,
    current_definitions,
    current_programme,
    indicator_definition,
    not_counted_agencies,
    not_counted_staff,
)
from .counting import Reason
from .dashboards import silent_agencies
from .forms import ReportFilterForm, ReportForm, chooser_query
from .models import AggregateReport, Indicator
from .person import person_indicators
from .services import report_delete as delete_report
from .services import report_save

PAGE_SIZE = 50
# One invitation puts at most this many people on a course (each gets a history line); a longer
# not-counted list is narrowed by unit (a lower agency's list) or by name first.
INVITE_LIMIT = 500


@login_required
def agency_attainment(request, pk):
    agency = get_visible_agency(request.user, pk)
    form, as_of, target_year = dashboards.chooser(request)
    try:
        ctx = dashboards.agency_page(request.user, agency, as_of=as_of, target_year=target_year)
    except NoProgramme:
        raise Http404 from None
    if request.GET.get("format") == "xlsx":
        return xlsx_response(f"{agency.code}-{ctx['as_of'].isoformat()}.xlsx", dashboards.agency_tables(ctx))
    ctx["ancestors"] = breadcrumb(request.user, agency)
    form.set_years(ctx["result"].target_years)
    ctx["form"] = form
    return render(request, "targets/agency_attainment.html", ctx)


@role_required(User.Role.LEADER)
def results(request):
    """The programme's results ("tổng kết"): per indicator the figure on each deadline, the target, met
    or not, and today's figure; the counts per target year on top, the indicators not met first.

    Province-wide, like the API: leaders and administrators (officers have their own home page)."""
    form, as_of, _target_year = dashboards.chooser(request)
    try:
        ctx = dashboards.results(request.user, as_of=as_of)
    except NoProgramme:
        raise Http404 from None
    if request.GET.get("format") == "docx":
        report = documents.results_report(ctx["result"], ctx["counts"], ctx["lines"])
        return docx_response(f"Báo cáo tổng kết {as_of.strftime('%d-%m-%Y')}.docx", report)
    ctx.update({"form": form, "query": chooser_query(as_of, None)})
    return render(request, "targets/results.html", ctx)


@login_required
def not_counted(request, pk, code):
    """Who is not counted yet for an indicator in an agency's subtree: an invitation list for the next course."""
    agency = get_visible_agency(request.user, pk)
    try:
        definitions = current_definitions()
    except NoProgramme:
        raise Http404 from None
    definition = next((d for d in definitions if d.code == code), None)
    if definition is None or definition.source == Indicator.Source.REPORTS:
        raise Http404  # reported indicators are counts, with nobody to list
    form, as_of, target_year = dashboards.chooser(request, years=sorted({t.year for d in definitions for t in d.targets}))
    search = request.GET.get("q", "").strip()
    ctx = {"form": form, "as_of": as_of, "target_year": target_year, "query": chooser_query(as_of, target_year),
           "agency": agency, "definition": definition, "search": search}
    if definition.source == Indicator.Source.STAFF:
        qs = not_counted_staff(definition=definition, agency=agency, as_of=as_of).select_related("agency")
        if search:
            qs = qs.filter(name_folded__contains=fold(search)) | qs.filter(code__iexact=search)
        qs = qs.order_by("agency__path", "name_folded", "code")
        if request.GET.get("format") == "xlsx":
            rows = ([s.code, s.full_name, s.get_category_display(), s.position, s.agency.code, s.agency.name,
                     str(Reason(s.reason).label)] for s in qs.iterator(chunk_size=2000))
            header = [_("Staff code"), _("Full name"), _("Category"), _("Position"), _("Agency code"), _("Agency"),
                      _("Reason")]
            return xlsx_response(f"chua-dat-{code}-{agency.code}.xlsx", [Table(code, header, rows)])
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        people = list(page.object_list)
        for person in people:
            person.reason_label = Reason(person.reason).label
        ctx.update({"page": page, "people": people, "invite_courses": _invite_courses(request.user)})
    else:
        rows = not_counted_agencies(definition=definition, agency=agency, as_of=as_of)
        if search:
            rows = [r for r in rows if fold(search) in fold(r.agency_name) or search.upper() == r.agency_code]
        if request.GET.get("format") == "xlsx":
            header = [_("Agency code"), _("Agency")]
            return xlsx_response(f"chua-dat-{code}-{agency.code}.xlsx",
                                 [Table(code, header, [[r.agency_code, r.agency_name] for r in rows])])
        ctx["agencies"] = rows
    ctx["ancestors"] = breadcrumb(request.user, agency)
    return render(request, "targets/not_counted.html", ctx)


def _invite_courses(user: User) -> list[Course]:
    """The courses an officer may invite the not-counted people to, newest first (none for leaders)."""
    return list(editable_courses(user=user).select_related("category").order_by("-start_date", "code")[:200])


@require_POST
@login_required
def not_counted_invite(request, pk, code):
    """Put the people of a not-counted list (as searched) on one of the officer's courses, in one action."""
    if not (request.user.is_administrator or request.user.is_officer):
        raise PermissionDenied
    agency = get_visible_agency(request.user, pk)
    try:
        definition = indicator_definition(code)
    except (UnknownIndicator, NoProgramme):
        raise Http404 from None
    if definition.source != Indicator.Source.STAFF:
        raise Http404
    _form, as_of, target_year = dashboards.chooser(request)
    search = request.GET.get("q", "").strip()
    back = f"{reverse('targets:not-counted', args=[agency.pk, code])}?{chooser_query(as_of, target_year)}"
    course = editable_courses(user=request.user).filter(pk=request.POST.get("course") or None).first()
    if course is None:
        messages.error(request, _("Choose one of your courses."))
        return redirect(back)
    qs = not_counted_staff(definition=definition, agency=agency, as_of=as_of).select_related("agency")
    if search:
        qs = qs.filter(name_folded__contains=fold(search)) | qs.filter(code__iexact=search)
    qs = qs.filter(scope_q(request.user, "agency__path", CHANGE))  # only people the user may edit
    people = list(qs.exclude(training_records__course=course)[:INVITE_LIMIT + 1])
    if len(people) > INVITE_LIMIT:
        messages.error(request, _("More than %(limit)d people: open a lower unit's list or search by name first.")
                       % {"limit": INVITE_LIMIT})
        return redirect(back)
    added = participants_add(user=request.user, course=course, staff=people)
    messages.success(request, ngettext("%(count)d person was invited to %(course)s.",
                                       "%(count)d people were invited to %(course)s.", len(added))
                     % {"count": len(added), "course": course.code})
    return redirect(course)


@login_required
def reporting(request):
    """Agencies gone quiet: the panel a provincial officer works through before a report is due."""
    form, as_of, target_year = dashboards.chooser(request)
    rows = silent_agencies(as_of=as_of, user=request.user)
    if request.GET.get("format") == "xlsx":
        header = [_("Agency code"), _("Agency"), _("Last roster update"), _("No roster update"),
                  _("No training recorded"), _("Reports missing")]
        lines = [[r.code, r.name, r.last_roster_update.strftime("%d/%m/%Y") if r.last_roster_update else "",
                  r.no_roster_update, r.no_training, ", ".join(r.missing_report_names)] for r in rows]
        return xlsx_response(f"don-vi-im-lang-{as_of.isoformat()}.xlsx", [Table(_("Silent agencies"), header, lines)])
    ctx = {"form": form, "as_of": as_of, "target_year": target_year, "query": chooser_query(as_of, target_year),
           "rows": rows}
    return render(request, "targets/reporting.html", ctx)


REPORT_SORTS = {
    "indicator": ["indicator__order", "agency__path", "-year"],
    "agency": ["agency__path", "indicator__order", "-year"],
    "year": ["year", "indicator__order", "agency__path"],
    "percent": ["numerator", "denominator"],
}


@login_required
def report_list(request):
    user = request.user
    form = ReportFilterForm(request.GET or None, user=user)
    qs = AggregateReport.objects.visible_to(user).select_related("indicator", "agency")
    if form.is_valid():
        data = form.cleaned_data
        if data["agency"]:
            qs = qs.in_subtree(data["agency"])
        if data["indicator"]:
            qs = qs.filter(indicator=data["indicator"])
        if data["year"]:
            qs = qs.filter(year=data["year"])
    qs, sort = sort_queryset(qs, request.GET.get("sort"), REPORT_SORTS, "indicator")
    page = paginate(request, qs)
    ctx = {
        "form": form,
        "page": page,
        "rows": [(report, can_edit_agency_data(user, report.agency)) for report in page.object_list],
        "sort": sort,
        "can_add": user.is_administrator or user.is_officer,
    }
    return render(request, "targets/report_list.html", ctx)


@role_required(User.Role.OFFICER)
@require_http_methods(["GET", "POST"])
def report_create(request):
    """Enter a year's figures; a report already there for the same indicator, agency and year is updated."""
    initial = {key: request.GET[key] for key in ("agency", "indicator", "year") if request.GET.get(key, "").isdigit()}
    form = ReportForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        return _save(request, form, report=None)
    return render(request, "targets/report_form.html", {"form": form, "report": None})


@login_required
@require_http_methods(["GET", "POST"])
def report_update(request, pk):
    report = _get_editable_report(request.user, pk)
    form = ReportForm(request.POST or None, user=request.user, report=report)
    if request.method == "POST" and form.is_valid():
        return _save(request, form, report=report)
    return render(request, "targets/report_form.html", {"form": form, "report": report})


@login_required
@require_http_methods(["GET", "POST"])
def report_delete(request, pk):
    report = _get_editable_report(request.user, pk)
    if request.method == "POST":
        delete_report(user=request.user, report=report)
        messages.success(request, _("The report was removed."))
        return redirect("targets:report-list")
    return render(request, "targets/report_confirm_delete.html", {"report": report})


def _save(request, form: ReportForm, *, report: AggregateReport | None):
    data = form.cleaned_data
    try:
        saved, created = report_save(
            user=request.user, indicator=data["indicator"], agency=data["agency"], year=data["year"],
            numerator=data["numerator"], denominator=data["denominator"], note=data["note"],
            version=data.get("version"),
        )
    except StaleEdit as stale:
        # Someone else corrected it since the form was opened: show what is stored, start again from it.
        messages.error(request, stale_message(stale.current, data, ["numerator", "denominator", "note"]))
        form = ReportForm(user=request.user, report=stale.current)
        return render(request, "targets/report_form.html", {"form": form, "report": stale.current}, status=409)
    except ValidationError as error:
        # The additivity rule needs the other reports, so it is checked in the service, not the form.
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return render(request, "targets/report_form.html", {"form": form, "report": report})
    names = {"agency": saved.agency.name, "year": saved.year}
    if created:
        messages.success(request, _("The report of %(agency)s for %(year)s was saved.") % names)
    else:
        messages.success(request, _("The report of %(agency)s for %(year)s was updated.") % names)
    return redirect(f"{reverse('targets:report-list')}?agency={saved.agency_id}")


def _get_editable_report(user: User, pk) -> AggregateReport:
    report = get_object_or_404(
        AggregateReport.objects.visible_to(user).select_related("indicator", "agency"),
        pk=pk,
    )
    if not can_edit_agency_data(user, report.agency):
        raise PermissionDenied
    return report


@login_required
def staff_detail(request, pk):
    staff = get_visible_staff(request.user, pk)
    today = timezone.localdate()
    try:
        programme = current_programme()
    except NoProgramme:
        programme = None
    records = list(
        TrainingRecord.objects.filter(staff=staff)
        .select_related("course__category")
        .order_by("-course__start_date", "course__code")
    )
    history = paginate(request, ChangeRecord.objects.filter(staff=staff).select_related("user"), per_page=25)
    rows = person_indicators(staff=staff, on=today, programme=programme, records=records)
    ctx = {
        "staff": staff,
        "today": today,
        "programme": programme,
        "records": records,
        "indicator_rows": [(row, _not_counted_url(staff.agency_id, row)) for row in rows],
        "history": history,
        "history_rows": _describe_history(history.object_list, records),
        "can_edit": can_edit_agency_data(request.user, staff.agency),
    }
    return render(request, "targets/staff_detail.html", ctx)


@login_required
def training_needs(request, pk):
    """Links to the list of staff not yet counted, per staff indicator, for one agency's subtree."""
    agency = get_visible_agency(request.user, pk)
    try:
        programme = current_programme()
    except NoProgramme:
        programme = None
    indicators = (
        list(Indicator.objects.filter(programme=programme, source=Indicator.Source.STAFF).order_by("order", "code"))
        if programme else []
    )
    ctx = {
        "agency": agency,
        "programme": programme,
        "rows": [(indicator, reverse("targets:not-counted", args=[agency.pk, indicator.code])) for indicator in indicators],
    }
    return render(request, "targets/training_needs.html", ctx)


def _not_counted_url(agency_id: int, row) -> str | None:
    if row.definition.source != Indicator.Source.STAFF or not row.in_population or row.counted:
        return None
    return links.reverse("targets:not-counted", args=[agency_id, row.definition.code])


def _describe_history(
    changes: list[ChangeRecord], records: list[TrainingRecord]
) -> list[tuple[ChangeRecord, str, list[tuple[str, str, str]]]]:
    """Each change with a readable object label and (field label, old, new) rows.

    Stored values are raw (codes, ISO dates, primary keys): choices become their labels, dates
    dd/mm/yyyy, and foreign keys the object's name, looked up in one query per related model.
    """
    fields_of = {change.model: _model_fields(change.model) for change in changes}
    wanted: dict = {}
    for change in changes:
        for name, pair in (change.changes or {}).items():
            field = fields_of[change.model].get(name)
            if field is not None and field.many_to_one:
                wanted.setdefault(field.related_model, set()).update(v for v in _pair(pair) if v is not None)
    names = {
        model: {str(pk): str(obj) for pk, obj in model._base_manager.in_bulk(list(pks)).items()}
        for model, pks in wanted.items()
    }
    courses = {str(record.pk): str(record.course) for record in records}
    rows = []
    for change in changes:
        described = []
        for name, pair in (change.changes or {}).items():
            field = fields_of[change.model].get(name)
            lookup = names.get(field.related_model, {}) if field is not None and field.many_to_one else {}
            old, new = _pair(pair)
            described.append((str(getattr(field, "verbose_name", name)),
                              lookup.get(str(old)) or _display(field, old), lookup.get(str(new)) or _display(field, new)))
        rows.append((change, _object_label(change, courses, names), described))
    return rows


def _object_label(change: ChangeRecord, courses: dict[str, str], names: dict) -> str:
    # A training record's own text is ids ("12 @ 5: passed"): name its course instead, from the
    # person's records, or from the change itself once the record is gone.
    if change.model != TrainingRecord._meta.label:
        return change.object_repr
    course = courses.get(change.object_id)
    if course is None:
        course_id = _pair((change.changes or {}).get("course"))[1]
        course = names.get(Course, {}).get(str(course_id), "")
    return f"{TrainingRecord._meta.verbose_name}: {course}" if course else str(TrainingRecord._meta.verbose_name)


def _model_fields(label: str) -> dict:
    try:
        return {field.name: field for field in apps.get_model(label)._meta.get_fields()}
    except (LookupError, ValueError):
        return {}


def _pair(pair) -> tuple:
    return tuple(pair) if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)


def _display(field, value) -> str:
    if value is None or value == "":
        return "—"
    choices = dict(getattr(field, "flatchoices", None) or [])
    if isinstance(value, str) and value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, str) and len(value) == 10:
        try:
            return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except ValueError:
            pass
    return str(value)
