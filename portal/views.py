"""Shared pages: the province overview (home), the attainment API and the error pages."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from sheets.responses import xlsx_response
from sheets.word import docx_response
from targets import dashboards, documents
from targets.attainment import NoProgramme, attainment
from targets.forms import BadParameter, parse_iso_date, parse_target_year


@login_required
def home(request):
    """The province overview for leaders and administrators; an officer's own world for officers."""
    user = request.user
    if user.is_officer and request.GET.get("format") == "docx":
        raise PermissionDenied  # the Word report is the province's; officers download their .xlsx
    form, as_of, target_year = dashboards.chooser(request)
    try:
        if user.is_officer:
            ctx = dashboards.officer_home(user, as_of=as_of, target_year=target_year)
        else:
            ctx = dashboards.overview(user, as_of=as_of, target_year=target_year, rank=request.GET.get("rank"),
                                      worst_first=request.GET.get("order") != "best")
    except NoProgramme:
        return render(request, "portal/home.html", {"programme": None})
    if request.GET.get("format") == "xlsx":
        tables = dashboards.agency_tables(ctx) if user.is_officer else dashboards.overview_tables(ctx)
        return xlsx_response(f"tong-quan-{as_of.isoformat()}.xlsx", tables)
    if request.GET.get("format") == "docx":
        return docx_response(f"Báo cáo tổng quan {as_of.strftime('%d-%m-%Y')}.docx", documents.overview_report(ctx))
    form.set_years(ctx["result"].target_years)
    ctx["form"] = form
    return render(request, "portal/officer_home.html" if user.is_officer else "portal/home.html", ctx)


@require_GET
def api_attainment(request):
    """GET /api/attainment.json: the document of interfaces.md for leaders and administrators.

    Scripts get JSON whatever happens: 401 when not signed in (no redirect to an HTML login page),
    403 for officers, 400 for a parameter that cannot be read.
    """
    user = request.user
    if not user.is_authenticated:
        return JsonResponse({"error": "Sign in first: this document is for leaders and administrators."}, status=401)
    if not user.sees_everything:
        return JsonResponse({"error": "Only leaders and administrators may read the province-wide document."},
                            status=403)
    # Scripts read English, like every other message of this document (the pages follow the switch).
    with translation.override("en"):
        try:
            as_of = parse_iso_date(request.GET["as_of"]) if request.GET.get("as_of") else None
            target_year = parse_target_year(request.GET.get("target_year"))
        except BadParameter as error:
            return JsonResponse({"error": str(error)}, status=400)
    as_of = as_of or timezone.localdate()
    try:
        result = attainment(as_of=as_of, target_year=target_year)
    except NoProgramme:
        return JsonResponse({"error": "No programme is marked current."}, status=404)
    return JsonResponse(result.as_json(), json_dumps_params={"ensure_ascii": False})


def bad_request(request, exception=None):
    # A parameter refused by the one date and target-year check says why; other 400s stay generic.
    message = str(exception) if isinstance(exception, BadParameter) else ""
    return render(request, "400.html", {"message": message}, status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
