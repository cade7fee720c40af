"""Presentation of attainment rows: the percentage bar, the SVG charts and short texts.

Colour bands come from targets.attainment (status_of); nothing here decides what is met.
"""
from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from django import template
from django.template.loader import render_to_string
from django.utils.formats import date_format, localize, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from targets.attainment import AttainmentRow, IndicatorAttainment
from targets.dashboards import STATUS_LABELS
from targets.results import cached_fragment
from targets.rules import TargetSpec, deadline, target_for_year

register = template.Library()

OP_SYMBOLS = {">": ">", ">=": "≥"}
# "95,9 %" and "≥ 100 %" must not break across lines in narrow table cells.
NBSP = "\u00a0"
# The overview shows hundreds of cells and a chart per indicator, and after a write most of them show
# the same figures as before. Their HTML is a pure function of the figures and the language, so it is
# kept per process by value (never stale: other figures are another key), bounded in size.
PRESENTATION_CACHE_SIZE = 8192


class FiguresFragmentNode(template.Node):
    def __init__(self, name: str, result, vary: list, nodelist):
        self.name, self.result, self.vary, self.nodelist = name, result, vary, nodelist

    def render(self, context) -> str:
        result = self.result.resolve(context)
        if not getattr(result, "cache_key", ""):
            return self.nodelist.render(context)
        vary = repr([value.resolve(context) for value in self.vary]).encode()
        key = f"{self.name}:{result.cache_key}:{get_language()}:{hashlib.sha256(vary).hexdigest()[:32]}"
        return mark_safe(cached_fragment(key, lambda: str(self.nodelist.render(context))))


@register.tag
def figures_fragment(parser, token):
    """{% figures_fragment "name" result value… %}…{% endfigures_fragment %}: the enclosed HTML, kept in
    the result cache under the result's own key (targets.results), the language and the values listed.

    An attainment page's tables, scorecards and charts are most of its rendering, and they change only
    with the result's figures. The block may show only the result and the listed values (an agency's id,
    the query string, the user's scope), which is what the key holds; a result computed outside the cache
    has no key, and the block is then rendered every time.
    """
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError(f"{bits[0]} takes a name and a result, then the values it shows")
    name, result, *vary = bits[1:]
    nodelist = parser.parse(("endfigures_fragment",))
    parser.delete_first_token()
    return FiguresFragmentNode(name.strip("\"'"), parser.compile_filter(result),
                               [parser.compile_filter(value) for value in vary], nodelist)


@register.filter
def status_label(status: str | None) -> str:
    """The status word; empty where there is no verdict (no target, or no data)."""
    return str(STATUS_LABELS.get(status, "")) if status else ""


@register.filter
def target_text(target: TargetSpec | None) -> str:
    if target is None:
        return ""
    return f"{OP_SYMBOLS.get(target.op, target.op)}{NBSP}{number_format(target.percent.normalize(), use_l10n=True)}{NBSP}%"


@register.filter
def percent_text(value: Decimal | None) -> str:
    return "—" if value is None else _percent_text(value, get_language())


@lru_cache(maxsize=PRESENTATION_CACHE_SIZE)
def _percent_text(value: Decimal, language: str) -> str:
    return f"{number_format(value, 1, use_l10n=True)}{NBSP}%"


def scorecard_cell(cell, language: str) -> SafeString:
    """One scorecard cell (a dashboards.Cell) as its <td>, coloured by status with the word.

    Built here rather than in the template: a scorecard has hundreds of cells, and their eight
    variable lookups each were a third of the province overview's rendering time.
    """
    row = cell.row
    if row is None or row.percent is None:
        return mark_safe('<td class="text-muted">—</td>')
    return _scorecard_cell(row.status, row.numerator, row.denominator, row.percent, language)


@register.filter
def scorecard_cells(cells) -> SafeString:
    """A scorecard line's cells (scorecard_cell each), joined: one template lookup per line, not per cell."""
    language = get_language()
    return mark_safe("".join(scorecard_cell(cell, language) for cell in cells))


@lru_cache(maxsize=PRESENTATION_CACHE_SIZE)
def _scorecard_cell(status: str | None, numerator: int, denominator: int, percent: Decimal, language: str) -> SafeString:
    return format_html(
        '<td class="status-{}" title="{} / {}">{}<span class="status-word">{}</span></td>',
        status or "none", localize(numerator), localize(denominator), percent_text(percent), status_label(status),
    )


@register.simple_tag
def gap_text(indicator: IndicatorAttainment, row: AttainmentRow | None) -> str:
    """"còn 212 người": how many more people (or agencies) the target needs."""
    if row is None or row.gap is None:
        return ""
    if row.gap == 0:
        return _("target met")
    if indicator.counts_agencies:
        return ngettext("%(count)s more agency", "%(count)s more agencies", row.gap) % {"count": row.gap}
    if indicator.is_reported:
        return _("%(count)s more (reported)") % {"count": number_format(row.gap, use_l10n=True, force_grouping=True)}
    return ngettext("%(count)s more person", "%(count)s more people", row.gap) % {
        "count": number_format(row.gap, use_l10n=True, force_grouping=True)
    }


@register.simple_tag
def attainment_bar(row: AttainmentRow | None) -> SafeString:
    """A percentage bar coloured by the row's status, with the status word (colour is never alone)."""
    percent = None if row is None else row.percent
    return _attainment_bar(percent, None if percent is None else row.status, get_language())


@lru_cache(maxsize=PRESENTATION_CACHE_SIZE)
def _attainment_bar(percent: Decimal | None, status: str | None, language: str) -> SafeString:
    if percent is None:
        return render_to_string("includes/_attainment_bar.html", {"row": None})
    return render_to_string("includes/_attainment_bar.html", {
        "row": True, "width": min(Decimal(100), percent), "status": status or "none", "label": status_label(status)})


# --- SVG charts -----------------------------------------------------------------------------------

# Drawn at 320 × 170 user units and shown at that size (CSS), so a 12-unit label is 12 px on screen,
# at least 11 px in a phone's card (~300 px wide), and 12 pt-ish on paper.
CHART_W, CHART_H = 320, 170
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 14, 30
TICK_SPACING = 36  # a year label is ~28 units wide at 12 units: leave a gap between two


def _y(percent: float) -> float:
    return round(TOP + (CHART_H - TOP - BOTTOM) * (1 - min(max(percent, 0), 100) / 100), 1)


def target_lines(indicator: IndicatorAttainment, years) -> list[tuple[TargetSpec, list[int]]]:
    """Each distinct target the indicator must reach with the programme's years it applies to (a
    target kept from an earlier year is one line for both years)."""
    lines: list[tuple[TargetSpec, list[int]]] = []
    for year in years:
        target = target_for_year(indicator.targets, year)
        if target is None:
            continue
        same = next((line for line in lines if (line[0].op, line[0].percent) == (target.op, target.percent)), None)
        if same:
            same[1].append(year)
        else:
            lines.append((target, [year]))
    return lines


@register.simple_tag
def trend_chart(indicator: IndicatorAttainment, years=(), chart_id: str = "") -> SafeString:
    """Year-end values as a line, every target year's target as a labelled horizontal line, and the
    projection to the chosen target year's deadline (only while it is ahead) as a dashed line."""
    chart = _Chart(indicator.localized_name, tuple(indicator.trend), tuple(indicator.targets), indicator.projection)
    return _trend_chart(chart, tuple(years) or tuple(t.year for t in indicator.targets),
                        chart_id or indicator.code, get_language())


class _Chart(NamedTuple):
    """What a trend chart shows of an indicator (hashable, to key the rendered charts)."""

    name: str
    trend: tuple
    targets: tuple[TargetSpec, ...]
    projection: Decimal | None


@lru_cache(maxsize=PRESENTATION_CACHE_SIZE // 32)
def _trend_chart(indicator: _Chart, years: tuple[int, ...], chart_id: str, language: str) -> SafeString:
    return render_to_string("includes/_attainment_trend.html", _trend_context(indicator, years, chart_id))


def _trend_context(indicator: _Chart, years: tuple[int, ...], chart_id: str) -> dict:
    points = [p for p in indicator.trend if p.percent is not None]
    if not points:
        return {"empty": True, "name": indicator.name}
    start = points[0].on
    ahead = [deadline(y) for y in years if deadline(y) > points[-1].on]
    end = max([points[-1].on, *ahead]) if indicator.projection is not None else points[-1].on
    span = max((end - start).days, 1)

    def x(day: datetime.date) -> float:
        return round(LEFT + (CHART_W - LEFT - RIGHT) * (day - start).days / span, 1)

    line = " ".join(f"{x(p.on)},{_y(float(p.percent))}" for p in points)
    projection = None
    if indicator.projection is not None and ahead:
        until = min(ahead)
        projection = {"x1": x(points[-1].on), "y1": _y(float(points[-1].percent)), "x2": x(until),
                      "y2": _y(float(indicator.projection))}
    targets = []
    for target, for_years in target_lines(indicator, years):
        label = f"{', '.join(map(str, for_years))}: {target_text(target)}"
        targets.append({"y": _y(float(target.percent)), "label": label})
    # Two target lines close together (90 % and 100 %) would overlap their labels: the label of the
    # lower line goes under it.
    targets.sort(key=lambda target: target["y"])
    for n, target in enumerate(targets):
        target["dy"] = 13 if n and target["y"] - targets[n - 1]["y"] < 18 else -3
    desc = "; ".join(f"{date_format(p.on, 'SHORT_DATE_FORMAT')}: {percent_text(p.percent)}" for p in points)
    for target in targets:
        desc += "; " + _("target %(target)s") % {"target": target["label"]}
    if projection is not None:
        desc += "; " + _("projection to %(date)s: %(value)s") % {
            "date": date_format(min(ahead), "SHORT_DATE_FORMAT"), "value": percent_text(indicator.projection)}
    ticks = []
    last_x = None
    for p in points:
        px = x(p.on)
        if p.on.month == 12 and p.on.day == 31 and (last_x is None or px - last_x >= TICK_SPACING):
            ticks.append((px, p.on.year))
            last_x = px
    return {
        "empty": False, "name": indicator.name, "chart_id": chart_id, "width": CHART_W,
        "height": CHART_H, "line": line,
        # Dots and year ticks are joined here: looping over them in the template cost more than the
        # rest of the page's charts together. Only numbers computed above go in, so nothing needs escaping.
        "dots": mark_safe("".join(f'<circle class="trend-dot" cx="{x(p.on)}" cy="{_y(float(p.percent))}" r="3"/>'
                                  for p in points)),
        "ticks": mark_safe("".join(f'<text class="tick" x="{tx}" y="{CHART_H - BOTTOM + 15}" '
                                   f'text-anchor="middle">{year}</text>' for tx, year in ticks)),
        "projection": projection, "targets": targets, "desc": desc,
        "left": LEFT, "right": CHART_W - RIGHT, "base": CHART_H - BOTTOM, "top": TOP, "mid": _y(50),
        "x_title": CHART_H - 3, "y_label_x": LEFT - 5,
    }


@register.inclusion_tag("includes/_attainment_bars.html")
def bar_chart(rows: list[AttainmentRow], title: str, target: TargetSpec | None = None) -> dict:
    """Horizontal bars, one per row (ranking), with the target as a vertical line."""
    label_w, bar_w, row_h = 200, 180, 20
    bars = []
    for n, row in enumerate(rows):
        value = float(row.percent or 0)
        bars.append({"y": n * row_h + 4, "ty": n * row_h + 16, "w": round(bar_w * min(value, 100) / 100, 1),
                     "label": row.agency_name[:28], "value": percent_text(row.percent), "status": row.status or "none"})
    height = len(rows) * row_h + 8
    desc = "; ".join(f"{b['label']}: {b['value']}" for b in bars)
    return {
        "bars": bars, "title": title, "desc": desc, "height": height, "width": label_w + bar_w + 60,
        "label_w": label_w, "value_x": label_w + bar_w + 4,
        "target_x": round(label_w + bar_w * float(target.percent) / 100, 1) if target else None,
    }


@register.filter
def target_in(indicator: IndicatorAttainment, year) -> TargetSpec | None:
    return indicator.target_in(int(year))
