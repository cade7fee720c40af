"""The agency tree and the staff directory an IT officer works in, limited to their subtree."""
from __future__ import annotations

import datetime
from bisect import bisect_left
from itertools import accumulate

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import services
from .access import (
    breadcrumb,
    can_edit_agency_data,
    get_editable_staff,
    get_visible_agency,
    get_visible_staff,
    role_required,
)
from .forms import AgencyFilterForm, StaffCreateForm, StaffFilterForm, StaffITForm, StaffLeaveForm, stale_message
from .listing import paginate, sort_queryset
from .models import Agency, Staff, User

AGENCY_SORTS = {"path": ["path"], "code": ["code"], "name": ["name"], "level": ["level", "path"]}
STAFF_SORTS = {
    "name": ["name_folded", "code"],
    "code": ["code"],
    "agency": ["agency__path", "name_folded"],
    "category": ["category", "name_folded"],
    "joined": ["joined_on", "name_folded"],
    "left": ["left_on", "name_folded"],
}


@login_required
def agency_list(request):
    today = timezone.localdate()
    form = AgencyFilterForm(request.GET or None)
    qs = Agency.objects.visible_to(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(code__icontains=data["q"].strip()))
        if data["level"]:
            qs = qs.filter(level=data["level"])
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
    qs, sort = sort_queryset(qs, request.GET.get("sort"), AGENCY_SORTS, "path")
    page = paginate(request, qs)
    counts = _SubtreeCounts(Staff.objects.visible_to(request.user).active_on(today))
    rows = [(agency, counts.own(agency), counts.subtree(agency)) for agency in page.object_list]
    ctx = {"form": form, "page": page, "rows": rows, "sort": sort, "today": today}
    return render(request, "agencies/agency_list.html", ctx)


@login_required
def agency_detail(request, pk):
    agency = get_visible_agency(request.user, pk)
    today = timezone.localdate()
    counts = _SubtreeCounts(Staff.objects.in_subtree(agency).active_on(today))
    children = list(agency.children.order_by("name"))
    qs, sort = sort_queryset(Staff.objects.filter(agency=agency), request.GET.get("sort"), STAFF_SORTS, "name")
    ctx = {
        "agency": agency,
        "ancestors": breadcrumb(request.user, agency),
        "children": [(child, counts.subtree(child)) for child in children],
        "own_active": counts.own(agency),
        "subtree_active": counts.subtree(agency),
        "page": paginate(request, qs),
        "sort": sort,
        "can_edit": can_edit_agency_data(request.user, agency),
        "today": today,
    }
    return render(request, "agencies/agency_detail.html", ctx)


@login_required
def staff_list(request):
    """The directory: search with or without accents, filters, sorting and pages of 50."""
    today = timezone.localdate()
    form = StaffFilterForm(request.GET or None, user=request.user)
    qs = Staff.objects.visible_to(request.user).select_related("agency")
    status = StaffFilterForm.Status.ACTIVE
    unit = None
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"] or status
        unit = data["unit"]
        qs = qs.search(data["q"])
        if unit:
            qs = qs.in_subtree(unit)
        if data["category"]:
            qs = qs.filter(category=data["category"])
        if data["flag"] == "university":
            qs = qs.filter(it_qualification__in=Staff.UNIVERSITY_OR_HIGHER)
        elif data["flag"]:
            qs = qs.filter(**{data["flag"]: True})
    if status == StaffFilterForm.Status.ACTIVE:
        qs = qs.active_on(today)
    elif status == StaffFilterForm.Status.LEFT:
        qs = qs.filter(left_on__lte=today)
    qs, sort = sort_queryset(qs, request.GET.get("sort"), STAFF_SORTS, "name")
    ctx = {
        "form": form,
        "page": paginate(request, qs),
        "sort": sort,
        "unit": unit,
        "can_add": request.user.is_administrator or request.user.is_officer,
        "today": today,
    }
    return render(request, "agencies/staff_list.html", ctx)


@login_required
def staff_detail(request, pk):
    """The person page needs training records and indicators, which only `targets` may read; it lives there.

    This URL stays because Staff.get_absolute_url and other pages link to it.
    """
    staff = get_visible_staff(request.user, pk)
    return redirect("targets:staff-detail", pk=staff.pk)


@role_required(User.Role.OFFICER)
def staff_create(request):
    form = StaffCreateForm(request.POST or None, user=request.user, initial=_initial_agency(request))
    if request.method == "POST" and form.is_valid():
        staff = services.staff_create(user=request.user, data=form.cleaned_data)
        messages.success(request, _("%(name)s was added to the roster of %(agency)s.")
                         % {"name": staff.full_name, "agency": staff.agency.name})
        return redirect(staff.get_absolute_url())
    return render(request, "agencies/staff_form.html", {"form": form, "staff": None})


@login_required
def staff_update(request, pk):
    staff = get_editable_staff(request.user, pk)
    form = StaffITForm(request.POST or None, instance=staff)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.staff_update(user=request.user, staff=staff, data=form.cleaned_data,
                                            version=form.cleaned_data["version"])
        except services.StaleEdit as stale:
            # Refused: the message lists what is stored now; the form starts again from it.
            messages.error(request, stale_message(stale.current, form.cleaned_data, services.STAFF_IT_FIELDS))
            form = StaffITForm(instance=stale.current)
            return render(request, "agencies/staff_form.html", {"form": form, "staff": stale.current}, status=409)
        if changes:
            messages.success(request, _("The changes to %(name)s were saved.") % {"name": staff.full_name})
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect(staff.get_absolute_url())
    return render(request, "agencies/staff_form.html", {"form": form, "staff": staff})


@login_required
def staff_leave(request, pk):
    staff = get_editable_staff(request.user, pk)
    form = StaffLeaveForm(request.POST or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        services.staff_mark_left(user=request.user, staff=staff, left_on=form.cleaned_data["left_on"])
        messages.success(request, _("%(name)s is marked as left on %(date)s.")
                         % {"name": staff.full_name, "date": _date(form.cleaned_data["left_on"])})
        return redirect(staff.get_absolute_url())
    return render(request, "agencies/staff_leave.html", {"form": form, "staff": staff})


class _SubtreeCounts:
    """Active staff per agency and per subtree from one grouped query, whatever the number of agencies.

    Paths sort so that a subtree is one contiguous range (every descendant's path starts with its
    ancestor's), so a subtree total is a difference of two prefix sums found by bisection.
    """

    def __init__(self, staff_qs):
        grouped = staff_qs.order_by().values("agency__path").annotate(n=Count("id"))
        by_path = {row["agency__path"]: row["n"] for row in grouped}
        self._paths = sorted(by_path)
        self._by_path = by_path
        self._sums = [0, *accumulate(by_path[p] for p in self._paths)]

    def own(self, agency: Agency) -> int:
        return self._by_path.get(agency.path, 0)

    def subtree(self, agency: Agency) -> int:
        start = bisect_left(self._paths, agency.path)
        # "~" sorts after the digits and "/" of every path segment.
        end = bisect_left(self._paths, agency.path + "~")
        return self._sums[end] - self._sums[start]


def _initial_agency(request) -> dict:
    agency_id = request.GET.get("agency")
    return {"agency": agency_id} if agency_id and agency_id.isdigit() else {}


def _date(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")
