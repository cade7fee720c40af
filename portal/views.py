"""Shared pages: the home page and the error pages."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from agencies.models import Agency, Staff
from targets.models import Indicator, Programme


@login_required
def home(request):
    programme = Programme.objects.filter(is_current=True).first()
    ctx = {
        "programme": programme,
        "indicators": list(Indicator.objects.filter(programme=programme).order_by("order")) if programme else [],
        "agency_count": Agency.objects.visible_to(request.user).count(),
        "staff_count": Staff.objects.visible_to(request.user).filter(left_on__isnull=True).count(),
    }
    return render(request, "portal/home.html", ctx)


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
