from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render

from .access import get_visible_agency, get_visible_staff
from .models import Agency, Staff


@login_required
def agency_list(request):
    agencies = Agency.objects.visible_to(request.user).annotate(
        active_staff=Count("staff", filter=Q(staff__left_on__isnull=True))
    )
    return render(request, "agencies/agency_list.html", {"agencies": list(agencies)})


@login_required
def agency_detail(request, pk):
    agency = get_visible_agency(request.user, pk)
    ctx = {
        "agency": agency,
        "ancestors": list(Agency.objects.filter(path__in=_ancestor_paths(agency.path)).order_by("depth")),
        "children": list(agency.children.order_by("name")),
        "staff": list(Staff.objects.filter(agency=agency).order_by("full_name")[:500]),
    }
    return render(request, "agencies/agency_detail.html", ctx)


@login_required
def staff_detail(request, pk):
    staff = get_visible_staff(request.user, pk)
    return render(request, "agencies/staff_detail.html", {"staff": staff})


def _ancestor_paths(path: str) -> list[str]:
    segments = path.strip("/").split("/")[:-1]
    return ["".join(f"{s}/" for s in segments[: i + 1]) for i in range(len(segments))]
