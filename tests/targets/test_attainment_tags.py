"""The rendered cells and charts kept by value (attainment_tags): each language and figure its own; page
fragments kept under their result's key."""
import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation

from targets.attainment import AttainmentRow, IndicatorAttainment
from targets.dashboards import Cell
from targets.rules import TargetSpec, TrendPoint
from targets.templatetags.attainment_tags import scorecard_cells, trend_chart


def _row(numerator: int, denominator: int, percent: str, status: str) -> AttainmentRow:
    return AttainmentRow(scope="agency", level=None, agency_id=1, agency_code="A", agency_name="A",
                         numerator=numerator, denominator=denominator, percent=Decimal(percent), met=None,
                         status=status, gap=None)


def _indicator(trend: tuple[TrendPoint, ...]) -> IndicatorAttainment:
    return IndicatorAttainment(code="1a", name="Cán bộ tỉnh", name_en="Provincial staff", source="staff",
                               target=None, targets=(TargetSpec(2020, ">", Decimal(90)),),
                               province=None, levels=(), agencies=(), trend=trend)


def test_a_cell_is_worded_in_the_active_language_and_shows_its_own_figures():
    cells = [Cell(indicator=None, row=_row(959, 1000, "95.9", "met")),
             Cell(indicator=None, row=_row(12, 100, "12.0", "behind")), Cell(indicator=None, row=None)]
    with translation.override("vi"):
        vietnamese = scorecard_cells(cells)
    with translation.override("en"):
        english = scorecard_cells(cells)
    assert 'title="959 / 1000">95,9\u00a0%<span class="status-word">đạt</span></td>' in vietnamese
    assert 'title="959 / 1000">95.9\u00a0%<span class="status-word">met</span></td>' in english
    assert '<td class="status-behind" title="12 / 100">12.0\u00a0%' in english
    assert english.endswith('<td class="text-muted">—</td>')


def test_a_chart_changes_with_its_figures_and_its_language():
    on = datetime.date(2020, 12, 31)
    before = _indicator((TrendPoint(on=datetime.date(2019, 12, 31), numerator=4, denominator=10, percent=Decimal("40.0")),
                         TrendPoint(on=on, numerator=5, denominator=10, percent=Decimal("50.0"))))
    after = _indicator((TrendPoint(on=datetime.date(2019, 12, 31), numerator=4, denominator=10, percent=Decimal("40.0")),
                        TrendPoint(on=on, numerator=7, denominator=10, percent=Decimal("70.0"))))
    with translation.override("en"):
        first, second = trend_chart(before, (2020,)), trend_chart(after, (2020,))
        assert "Trend of Provincial staff" in first and "31/12/2020: 50.0\u00a0%" in first
        assert "31/12/2020: 70.0\u00a0%" in second
    with translation.override("vi"):
        assert "Cán bộ tỉnh" in trend_chart(before, (2020,)) and "50,0\u00a0%" in trend_chart(before, (2020,))


def test_a_bar_shows_its_own_figure_and_status_word():
    from targets.templatetags.attainment_tags import attainment_bar

    with translation.override("en"):
        assert 'width="95.9"' in attainment_bar(_row(959, 1000, "95.9", "met"))
        assert "behind" in attainment_bar(_row(1, 10, "10.0", "behind"))
        assert "no data" in attainment_bar(None)
    with translation.override("vi"):
        assert "đạt" in attainment_bar(_row(959, 1000, "95.9", "met"))


class _Counted:
    """A value that counts how often the template shows it."""

    def __init__(self):
        self.shown = 0

    def __str__(self) -> str:
        self.shown += 1
        return "figures"


FRAGMENT = Template('{% load attainment_tags %}{% figures_fragment "test" result vary %}<p>{{ shown }}</p>'
                    '{% endfigures_fragment %}')


def _fragment(result, vary="a", shown=None) -> str:
    return FRAGMENT.render(Context({"result": result, "vary": vary, "shown": shown or _Counted()}))


def test_a_fragment_is_rendered_once_per_result_language_and_value(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tags"}}
    caches["default"].clear()
    result, shown = SimpleNamespace(cache_key="attainment:v1-2"), _Counted()
    with translation.override("vi"):
        assert _fragment(result, shown=shown) == _fragment(result, shown=shown) == "<p>figures</p>"
        assert shown.shown == 1
        _fragment(result, vary="b", shown=shown)
        _fragment(SimpleNamespace(cache_key="attainment:v1-3"), shown=shown)  # the figures moved
    with translation.override("en"):
        _fragment(result, shown=shown)
    assert shown.shown == 4


def test_a_result_computed_outside_the_cache_is_rendered_every_time(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tags"}}
    shown = _Counted()
    _fragment(SimpleNamespace(cache_key=""), shown=shown)
    _fragment(SimpleNamespace(cache_key=""), shown=shown)
    assert shown.shown == 2


def test_a_cache_that_is_down_renders_the_fragment(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0", "OPTIONS": {"socket_connect_timeout": 0.25}}}
    assert _fragment(SimpleNamespace(cache_key="attainment:v1")) == "<p>figures</p>"


def test_a_fragment_needs_a_name_and_a_result():
    with pytest.raises(TemplateSyntaxError):
        Template('{% load attainment_tags %}{% figures_fragment "test" %}{% endfigures_fragment %}')
