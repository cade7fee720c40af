"""The course catalogue and the participants of a course, for IT officers within their subtree."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from agencies.access import role_required
from agencies.listing import paginate, sort_queryset
from agencies.models import User
from agencies.querysets import scope_q

from . import selectors, services
from .forms import CourseFilterForm, CourseForm, ParticipantSearchForm, PasteForm, ResultFormSet
from .models import Course, TrainingRecord

COURSE_SORTS = {
    "start": ["start_date", "code"],
    "code": ["code"],
    "name": ["name"],
    "category": ["category__order", "-start_date"],
    "organiser": ["organiser", "-start_date"],
    "participants": ["participants", "-start_date"],
}
PARTICIPANT_SORTS = {
    "name": ["staff__name_folded", "staff__code"],
    "code": ["staff__code"],
    "agency": ["staff__agency__path", "staff__name_folded"],
    "result": ["result", "staff__name_folded"],
    "completed": ["completed_on", "staff__name_folded"],
}
CANDIDATES_PER_PAGE = 50
RESULTS_PER_PAGE = 100


@login_required
def course_list(request):
    user = request.user
    visible = Course.objects.visible_to(user, attended_read_now=True)
    years_and_organisers = list(visible.order_by("organiser").values_list("start_date__year", "organiser").distinct())
    form = CourseFilterForm(
        request.GET or None,
        years=sorted({year for year, _organiser in years_and_organisers}, reverse=True),
        organisers=list(dict.fromkeys(organiser for _year, organiser in years_and_organisers if organiser)),
    )
    qs = visible.select_related("category", "agency")
    if request.GET.get("sort", "").removeprefix("-") == "participants":
        # Sorting by the count needs it for every course; otherwise only the page's courses are counted.
        qs = qs.annotate(participants=Count("records", filter=scope_q(user, "records__staff__agency__path")))
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            text = data["q"].strip()
            qs = qs.filter(Q(code__icontains=text) | Q(name__icontains=text) | Q(place__icontains=text)
                           | Q(trainer__icontains=text))
        if data["year"]:
            qs = qs.filter(start_date__year=data["year"])
        if data["category"]:
            qs = qs.filter(category=data["category"])
        if data["organiser"]:
            qs = qs.filter(organiser=data["organiser"])
    qs, sort = sort_queryset(qs, request.GET.get("sort"), COURSE_SORTS, "-start")
    page = paginate(request, qs)
    counts = _participant_counts(user, [course.pk for course in page.object_list])
    ctx = {
        "form": form,
        "page": page,
        "rows": [(course, *counts.get(course.pk, (0, 0))) for course in page.object_list],
        "sort": sort,
        "can_add": user.is_administrator or user.is_officer,
    }
    return render(request, "training/course_list.html", ctx)


@login_required
def course_detail(request, pk):
    course = _get_visible_course(request.user, pk)
    records = TrainingRecord.objects.visible_to(request.user).filter(course=course)
    totals = records.aggregate(
        total=Count("id"),
        **{result: Count("id", filter=Q(result=result)) for result in TrainingRecord.Result.values},
    )
    qs, sort = sort_queryset(records.select_related("staff__agency"), request.GET.get("sort"), PARTICIPANT_SORTS, "name")
    ctx = {
        "course": course,
        "page": paginate(request, qs),
        "sort": sort,
        "totals": totals,
        "results": [(value, label, totals[value]) for value, label in TrainingRecord.Result.choices],
        "others": course.records.count() - totals["total"] if not request.user.sees_everything else 0,
        "can_edit": services.can_edit_course(request.user, course),
        "import_url": reverse("imports:course-participants", args=[course.pk]),
    }
    return render(request, "training/course_detail.html", ctx)


@role_required(User.Role.OFFICER)
@require_http_methods(["GET", "POST"])
def course_create(request):
    form = CourseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        course = services.course_create(user=request.user, data=form.cleaned_data)
        messages.success(request, _("The course %(code)s was created.") % {"code": course.code})
        return redirect(course)
    return render(request, "training/course_form.html", {"form": form, "course": None})


@login_required
@require_http_methods(["GET", "POST"])
def course_update(request, pk):
    course = _get_editable_course(request.user, pk)
    form = CourseForm(request.POST or None, instance=course, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = services.course_update(user=request.user, course=course, data=form.cleaned_data)
        if changes:
            messages.success(request, _("The course %(code)s was saved.") % {"code": course.code})
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect(course)
    return render(request, "training/course_form.html", {"form": form, "course": course})


@login_required
@require_http_methods(["GET", "POST"])
def participant_add(request, pk):
    """Search the user's subtree (or match a pasted column) and put the people ticked, or everyone found, on the course."""
    course = _get_editable_course(request.user, pk)
    params = request.POST if request.method == "POST" else request.GET
    form = ParticipantSearchForm(params or None, user=request.user)
    paste_form = PasteForm(request.POST if "match" in request.POST else None)
    pasted = None
    if paste_form.is_bound and paste_form.is_valid():
        pasted = selectors.match_pasted(user=request.user, course=course, text=paste_form.cleaned_data["pasted"])
    elif request.method == "POST" and "match" not in request.POST:
        candidates = _candidates(request.user, course, form)
        if "add_all" in request.POST:
            chosen = list(candidates) if candidates is not None else []
        else:
            ids = [int(value) for value in request.POST.getlist("staff") if value.isdigit()]
            # Only people the search could show may be added: in the subtree and not yet on the course.
            chosen = list(selectors.candidate_base(user=request.user, course=course).filter(pk__in=ids))
        if not chosen:
            messages.warning(request, _("Nobody was selected."))
            search = urlencode({key: params[key] for key in ("q", "unit", "include_left", "need") if params.get(key)})
            return redirect(f"{reverse('training:participant-add', args=[course.pk])}?{search}")
        added = services.participants_add(user=request.user, course=course, staff=chosen)
        messages.success(request, ngettext("%(count)d person was added to the course.",
                                           "%(count)d people were added to the course.", len(added))
                         % {"count": len(added)})
        return redirect(course)
    page = None
    if pasted is None:
        candidates = _candidates(request.user, course, form)
        if candidates is not None:
            page = paginate(request, candidates, per_page=CANDIDATES_PER_PAGE)
    ctx = {"course": course, "form": form, "paste_form": paste_form, "pasted": pasted, "page": page,
           "today": timezone.localdate()}
    return render(request, "training/participant_add.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def participant_results(request, pk):
    """One form for the results and completion dates of a page of participants."""
    course = _get_editable_course(request.user, pk)
    qs = (
        TrainingRecord.objects.visible_to(request.user).filter(course=course)
        .select_related("staff__agency")
        .order_by("staff__agency__path", "staff__name_folded", "pk")
    )
    page = paginate(request, qs, per_page=RESULTS_PER_PAGE)
    records = {record.pk: record for record in page.object_list}
    initial = [
        {"record": record.pk, "version": record.updated_at.isoformat(), "result": record.result,
         "completed_on": record.completed_on or course.end_date}
        for record in page.object_list
    ]
    formset = ResultFormSet(request.POST or None, initial=initial, records=records)
    if request.method == "POST" and formset.is_valid():
        # Only the rows the person changed: a row left alone is never written back over someone else's change.
        saved = services.participant_results_set(
            user=request.user, course=course,
            changes=[
                services.ResultChange(records[form.cleaned_data["record"]], form.cleaned_data["result"],
                                      form.cleaned_data["completed_on"], version=form.cleaned_data["version"])
                for form in formset.forms if form.changed_by_user
            ],
        )
        if saved.changed or not saved.conflicts:
            messages.success(request, ngettext("%(count)d result was saved.", "%(count)d results were saved.",
                                               len(saved.changed)) % {"count": len(saved.changed)})
        for conflict in saved.conflicts:
            messages.warning(request, _conflict_message(conflict))
        return redirect(f"{reverse('training:participant-results', args=[course.pk])}?page={page.number}")
    rows = list(zip(page.object_list, formset.forms, strict=True)) if not formset.is_bound else _bound_rows(formset, records)
    ctx = {"course": course, "formset": formset, "rows": rows, "page": page}
    return render(request, "training/participant_results.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def participant_remove(request, pk):
    record = get_object_or_404(
        TrainingRecord.objects.visible_to(request.user).filter(course__in=Course.objects.visible_to(request.user))
        .select_related("course__agency", "course__category", "staff__agency"),
        pk=pk,
    )
    if not services.can_edit_course(request.user, record.course):
        raise PermissionDenied
    if request.method == "POST":
        services.participant_remove(user=request.user, record=record)
        messages.success(request, _("%(name)s was taken off the course.") % {"name": record.staff.full_name})
        return redirect(record.course)
    return render(request, "training/participant_confirm_delete.html", {"record": record})


def _get_visible_course(user: User, pk) -> Course:
    return get_object_or_404(Course.objects.visible_to(user).select_related("category", "agency"), pk=pk)


def _get_editable_course(user: User, pk) -> Course:
    course = _get_visible_course(user, pk)
    if not services.can_edit_course(user, course):
        raise PermissionDenied
    return course


def _participant_counts(user: User, course_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{course id: (participants, passed)} among the people the user can see, in one grouped query."""
    rows = (
        TrainingRecord.objects.visible_to(user).filter(course_id__in=course_ids)
        .order_by()
        .values("course_id")
        .annotate(total=Count("id"), passed=Count("id", filter=Q(result=TrainingRecord.Result.PASSED)))
    )
    return {row["course_id"]: (row["total"], row["passed"]) for row in rows}




def _candidates(user: User, course: Course, form: ParticipantSearchForm):
    """The people matching the search, or None before anything is searched for."""
    if not form.has_criteria:
        return None
    data = form.cleaned_data
    return selectors.candidates(user=user, course=course, q=data["q"], unit=data["unit"],
                                include_left=data["include_left"], need=data["need"])


def _bound_rows(formset, records):
    """Pair each posted form with its record again (the posted order is the page's order)."""
    rows = []
    for form in formset.forms:
        try:
            record = records.get(int(form["record"].value()))
        except (TypeError, ValueError):
            record = None
        rows.append((record, form))
    return rows


def _conflict_message(conflict: services.ResultConflict) -> str:
    current, wanted = conflict.current, conflict.wanted
    return _(
        "%(name)s: not saved, because someone else changed this result after you opened the page. It is now "
        "“%(now)s” (%(now_date)s); you chose “%(wanted)s” (%(wanted_date)s). Check it and save again if needed."
    ) % {
        "name": wanted.record.staff.full_name,
        "now": current.get_result_display(), "now_date": _short_date(current.completed_on),
        "wanted": TrainingRecord.Result(wanted.result).label,
        "wanted_date": _short_date(None if wanted.result == TrainingRecord.Result.PENDING else wanted.completed_on),
    }


def _short_date(day) -> str:
    return date_format(day, "SHORT_DATE_FORMAT") if day else "—"
