"""The Word reports a leader signs: the programme's results and a date's overview, as Vietnamese
administrative reports (sheets/word.py gives the form of Decree 30/2020/NĐ-CP).

Always written in Vietnamese, whatever the page's language: the decree's form is Vietnamese, and the
file is what an office registers, edits and signs.
"""
from __future__ import annotations

import datetime

from django.utils import translation
from django.utils.translation import gettext as _

from agencies.models import Agency
from sheets.responses import Table
from sheets.word import AdministrativeReport

from .attainment import Attainment, AttainmentRow
from .dashboards import STATUS_LABELS, ResultLine, YearCount
from .rules import deadline

REPORT_LANGUAGE = "vi"


def _percent(value) -> str:
    return "—" if value is None else f"{value:.1f} %".replace(".", ",")


def _met(met: bool | None) -> str:
    return {True: _("met"), False: _("not met"), None: "—"}[met]


def headline_sentences(counts: list[YearCount]) -> list[str]:
    sentences = []
    for count in counts:
        if count.final:
            text = _("%(year)s targets: %(met)s/%(judged)s indicators met") % {
                "year": count.year, "met": count.met, "judged": count.judged}
        else:
            text = _("%(year)s targets: %(met)s/%(judged)s indicators met so far") % {
                "year": count.year, "met": count.met, "judged": count.judged}
        if count.not_met:
            text += " " + _("(not met: %(names)s)") % {"names": "; ".join(i.localized_name for i in count.not_met)}
        sentences.append(text + ".")
    return sentences


def _frame(*, title: str, as_of: datetime.date, issuer: str, paragraphs: list[str], tables: list[Table],
           landscape: bool = False) -> AdministrativeReport:
    return AdministrativeReport(
        parent_body="", issuer=issuer, number=_("No.: ……/BC"), place="Đắk Nông", date=as_of,
        date_line=_("Đắk Nông, day %(day)s month %(month)s year %(year)s") % {
            "day": f"{as_of.day:02d}", "month": f"{as_of.month:02d}", "year": as_of.year},
        kind=_("REPORT"), title=title, paragraphs=paragraphs, tables=tables,
        recipients=[_("As above;"), _("Archived.")], recipients_label=_("Recipients:"),
        signer_role=_("HEAD OF AGENCY"), signer_title="", signature_hint=_("(Signature, full name and seal)"),
        landscape=landscape,
    )


def _issuer() -> str:
    root = Agency.objects.filter(parent__isnull=True).order_by("path").first()
    return root.name if root else ""


def results_report(result: Attainment, counts: list[YearCount], lines: list[ResultLine]) -> AdministrativeReport:
    """The programme's results ("tổng kết") on `result.as_of`."""
    with translation.override(REPORT_LANGUAGE):
        header = [_("No."), _("Indicator")]
        for year in result.target_years:
            header += [_("Target %(year)s") % {"year": year},
                       _("On %(date)s") % {"date": deadline(year).strftime("%d/%m/%Y")}, _("Result %(year)s") % {"year": year}]
        header.append(_("On %(date)s") % {"date": result.as_of.strftime("%d/%m/%Y")})
        rows = []
        for n, line in enumerate(lines, start=1):
            cells = [n, line.indicator.localized_name]
            for _year, met, at_deadline, target in line.outcomes:
                final = at_deadline is not None
                cells += [_target_text_of(target), _percent(at_deadline.percent) if final else "—",
                          _met(met) if final else (_("due") if target else "—")]
            cells.append(_percent(line.today.percent) if line.today else "—")
            rows.append(cells)
        paragraphs = [
            _("Figures as of %(date)s, from the portal's rosters, training records and agencies' reports.")
            % {"date": result.as_of.strftime("%d/%m/%Y")},
            *headline_sentences(counts),
        ]
        return _frame(
            title=_("Results of the %(programme)s") % {"programme": result.localized_programme_name},
            as_of=result.as_of, issuer=_issuer(), paragraphs=paragraphs,
            tables=[Table(_("Indicators, those not met first"), header, rows)], landscape=len(result.target_years) > 2,
        )


def _target_text_of(target) -> str:
    if target is None:
        return "—"
    return f"{'≥' if target.op == '>=' else '>'} {target.as_json()['percent']} %"


def overview_report(ctx: dict) -> AdministrativeReport:
    """A date's province overview: the indicators against the chosen year's targets, and the levels."""
    result: Attainment = ctx["result"]
    with translation.override(REPORT_LANGUAGE):
        date = result.as_of.strftime("%d/%m/%Y")
        header = [_("No."), _("Indicator"), _("Counted / population"), _("Value on %(date)s") % {"date": date}]
        if result.final:
            header.append(_("Value on %(date)s (deadline)") % {"date": result.deadline.strftime("%d/%m/%Y")})
        header += [_("Target %(year)s") % {"year": year} for year in result.target_years]
        header += [_("Verdict %(year)s") % {"year": result.target_year} if result.final else _("Status"), _("Gap today")]
        rows = []
        for n, indicator in enumerate(result.indicators, start=1):
            row: AttainmentRow | None = indicator.province
            cells = [n, indicator.localized_name,
                     f"{row.numerator:,} / {row.denominator:,}".replace(",", ".") if row else "—",
                     _percent(row.percent) if row else "—"]
            if result.final:
                cells.append(_percent(row.deadline_percent) if row else "—")
            cells += [_target_text_of(indicator.target_in(year)) for year in result.target_years]
            cells += [str(STATUS_LABELS.get(row.status, "—")) if row else "—",
                      row.gap if row and row.gap is not None else "—"]
            rows.append(cells)
        level_lines = ctx["level_lines"]
        levels = Table(_("By level"), [_("No."), _("Indicator"), *[line.label for line in level_lines]], [
            [n, indicator.localized_name, *[_percent(line.cells[k].row.percent) if line.cells[k].row else "—"
                                            for line in level_lines]]
            for k, (n, indicator) in enumerate(enumerate(result.indicators, start=1))
        ])
        if result.final:
            basis = _("Figures as of %(date)s. The %(year)s verdicts are final, read on the figures of %(deadline)s.") % {
                "date": date, "year": result.target_year, "deadline": result.deadline.strftime("%d/%m/%Y")}
        else:
            basis = _("Figures as of %(date)s, measured against the %(year)s targets.") % {
                "date": date, "year": result.target_year}
        return _frame(
            title=_("Attainment of the %(programme)s") % {"programme": result.localized_programme_name},
            as_of=result.as_of, issuer=_issuer(), paragraphs=[basis, *headline_sentences(ctx["counts"])],
            tables=[Table(_("Whole province"), header, rows), levels], landscape=True,
        )
