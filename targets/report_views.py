"""Aggregate reports typed by the responsible agency: list, upsert form and removal."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agencies.access import can_edit_agency_data, role_required
from agencies.listing import paginate, sort_queryset
from agencies.models import Agency, User

from .forms import ReportFilterForm, ReportForm
from .models import AggregateReport
from .report_services import report_delete as delete_report
from .report_services import report_save

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
    qs = AggregateReport.objects.filter(agency__in=Agency.objects.visible_to(user)).select_related("indicator", "agency")
    if form.is_valid():
        data = form.cleaned_data
        if data["agency"]:
            qs = qs.filter(agency__path__startswith=data["agency"].path)
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
        )
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
        AggregateReport.objects.filter(agency__in=Agency.objects.visible_to(user)).select_related("indicator", "agency"),
        pk=pk,
    )
    if not can_edit_agency_data(user, report.agency):
        raise PermissionDenied
    return report

