"""Dashboard pages of an agency, the lists of who is not counted yet, and the reporting panel."""
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from agencies.access import get_visible_agency
from agencies.models import Agency
from sheets.text import fold

from . import dashboards
from .attainment import NoProgramme, UnknownIndicator, indicator_definition, not_counted_agencies, not_counted_staff
from .filters import chooser_query
from .models import Indicator
from .reporting import silent_agencies
from .xlsx import Table, xlsx_response

PAGE_SIZE = 50


def _lineage(user, agency: Agency) -> list[Agency]:
    """Ancestors the user may open, for the breadcrumbs (one query)."""
    ids = [int(s) for s in agency.path.split("/") if s][:-1]
    return list(Agency.objects.visible_to(user).filter(pk__in=ids).order_by("depth"))


@login_required
def agency_attainment(request, pk):
    agency = get_visible_agency(request.user, pk)
    try:
        ctx = dashboards.agency_context(request, agency)
    except NoProgramme:
        raise Http404 from None
    if request.GET.get("format") == "xlsx":
        return xlsx_response(f"{agency.code}-{ctx['as_of'].isoformat()}.xlsx", dashboards.agency_tables(ctx))
    ctx["ancestors"] = _lineage(request.user, agency)
    return render(request, "targets/agency_attainment.html", ctx)


@login_required
def not_counted(request, pk, code):
    """Who is not counted yet for an indicator in an agency's subtree: an invitation list for the next course."""
    agency = get_visible_agency(request.user, pk)
    try:
        definition = indicator_definition(code)
    except (UnknownIndicator, NoProgramme):
        raise Http404 from None
    if definition.source == Indicator.Source.REPORTS:
        raise Http404  # reported indicators are counts, with nobody to list
    form, as_of, target_year = dashboards.chooser(request)
    search = request.GET.get("q", "").strip()
    ctx = {"form": form, "as_of": as_of, "target_year": target_year, "query": chooser_query(as_of, target_year),
           "agency": agency, "definition": definition, "search": search}
    if definition.source == Indicator.Source.STAFF:
        qs = not_counted_staff(definition=definition, agency=agency, as_of=as_of).select_related("agency")
        if search:
            qs = qs.filter(name_folded__contains=fold(search)) | qs.filter(code__iexact=search)
        qs = qs.order_by("agency__path", "name_folded", "code")
        if request.GET.get("format") == "xlsx":
            rows = ([s.code, s.full_name, s.get_category_display(), s.position, s.agency.code, s.agency.name]
                    for s in qs.iterator(chunk_size=2000))
            header = [_("Staff code"), _("Full name"), _("Category"), _("Position"), _("Agency code"), _("Agency")]
            return xlsx_response(f"chua-dat-{code}-{agency.code}.xlsx", [Table(code, header, rows)])
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        ctx.update({"page": page, "people": list(page.object_list)})
    else:
        rows = not_counted_agencies(definition=definition, agency=agency, as_of=as_of)
        if search:
            rows = [r for r in rows if fold(search) in fold(r.agency_name) or search.upper() == r.agency_code]
        if request.GET.get("format") == "xlsx":
            header = [_("Agency code"), _("Agency")]
            return xlsx_response(f"chua-dat-{code}-{agency.code}.xlsx",
                                 [Table(code, header, [[r.agency_code, r.agency_name] for r in rows])])
        ctx["agencies"] = rows
    ctx["ancestors"] = _lineage(request.user, agency)
    return render(request, "targets/not_counted.html", ctx)


@login_required
def reporting(request):
    """Agencies gone quiet: the panel a provincial officer works through before a report is due."""
    form, as_of, target_year = dashboards.chooser(request)
    rows = silent_agencies(as_of=as_of, user=request.user)
    if request.GET.get("format") == "xlsx":
        header = [_("Agency code"), _("Agency"), _("Last roster update"), _("No roster update"),
                  _("No training recorded"), _("Reports missing")]
        lines = [[r.code, r.name, r.last_roster_update.strftime("%d/%m/%Y") if r.last_roster_update else "",
                  r.no_roster_update, r.no_training, ", ".join(r.missing_reports)] for r in rows]
        return xlsx_response(f"don-vi-im-lang-{as_of.isoformat()}.xlsx", [Table(_("Silent agencies"), header, lines)])
    ctx = {"form": form, "as_of": as_of, "target_year": target_year, "query": chooser_query(as_of, target_year),
           "rows": rows}
    return render(request, "targets/reporting.html", ctx)
