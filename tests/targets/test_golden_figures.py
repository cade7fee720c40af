"""The figures must not move: every way of reading the engine on the seeded demo, held equal to each
other and to the documents kept in tests/targets/data/ (written by the engine before its rewrite).

One seed of the demo (GOLDEN_STAFF people, deterministic) read at three dates: the JSON of
interfaces.md from the command and the API, the command's .xlsx, the overview and an agency page
(their figures, trends and downloads), and the not-counted lists of a district.

When a figure moves on purpose (a rule of indicators.md changed), regenerate the documents with
`GOLDEN_WRITE=1 scripts/test.sh tests/targets/test_golden_figures.py` and say why in the commit.
"""
from __future__ import annotations

import datetime
import io
import json
import os
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from agencies.models import Agency, User
from portal.demo import demo_seed
from targets.dashboards import RANK_KINDS
from targets.models import Indicator

pytestmark = pytest.mark.django_db

GOLDEN_STAFF = 1500
DATES = [datetime.date(2018, 12, 31), datetime.date(2020, 12, 31), datetime.date(2026, 11, 20)]
DISTRICT = "H-DAKMIL"
DATA = Path(__file__).parent / "data"


def _sheets(content: bytes) -> dict[str, list[list]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return {ws.title: [[cell if cell != "" else None for cell in row] for row in ws.iter_rows(values_only=True)]
            for ws in workbook}


def _trend(result) -> dict:
    return {
        i.code: {
            "points": [[p.on.isoformat(), p.numerator, p.denominator] for p in i.trend],
            "projection": None if i.projection is None else str(i.projection),
        }
        for i in result.indicators
    }


def _statuses(result) -> dict:
    return {i.code: [[r.scope, r.agency_code, r.level, r.status, r.gap] for r in i.rows] for i in result.indicators}


def _document(client, day: datetime.date, tmp_path: Path) -> dict:
    """Everything a reader can get from the engine on `day`, as plain JSON."""
    query = f"?as_of={day.isoformat()}"
    command_out = StringIO()
    call_command("attainment", "--as-of", day.isoformat(), "--format", "json", stdout=command_out)
    command_json = json.loads(command_out.getvalue())
    api = client.get(reverse("api-attainment") + query)
    assert api.status_code == 200
    # The command and the API serve one document (interfaces.md).
    assert api.json() == command_json

    xlsx_path = tmp_path / f"{day.isoformat()}.xlsx"
    call_command("attainment", "--as-of", day.isoformat(), "--format", "xlsx", "--output", str(xlsx_path))
    command_xlsx = _sheets(xlsx_path.read_bytes())
    # The command's workbook holds the JSON's rows, one a line.
    flat = [
        [i["code"], r["scope"], r["agency"], r["level"], r["numerator"], r["denominator"], r["percent"], r["met"]]
        for i in command_json["indicators"] for r in i["rows"]
    ]
    from_xlsx = [
        [line[0], line[1], line[2] or None, line[3] or None, line[4], line[5], line[6],
         {"yes": True, "no": False}.get(line[7])]
        for line in list(command_xlsx.values())[0][1:]
    ]
    assert from_xlsx == flat

    overview = client.get(reverse("home") + query)
    assert overview.status_code == 200
    overview_result = overview.context["result"]
    # The page shows the figures of the JSON document: all but the agency rows, which it builds only
    # for the departments and districts it shows.
    shown = set(Agency.objects.filter(kind__in=RANK_KINDS).values_list("code", flat=True))
    assert overview_result.as_json() == {**command_json, "indicators": [
        {**i, "rows": [r for r in i["rows"] if r["scope"] != "agency" or r["agency"] in shown]}
        for i in command_json["indicators"]
    ]}
    overview_xlsx = _sheets(client.get(reverse("home") + query + "&format=xlsx").content)
    province_sheet = list(overview_xlsx.values())[0]
    for line, indicator in zip(province_sheet[1:], command_json["indicators"], strict=True):
        province = indicator["rows"][0]
        assert line[0] == indicator["code"]
        assert [line[2], line[3]] == [province["numerator"], province["denominator"]]

    district = Agency.objects.get(code=DISTRICT)
    page = client.get(reverse("targets:agency", args=[district.pk]) + query)
    assert page.status_code == 200
    district_result = page.context["result"]
    district_xlsx = _sheets(client.get(reverse("targets:agency", args=[district.pk]) + query + "&format=xlsx").content)
    # The district's own figures on its page are its agency rows of the province document.
    province_rows = {i["code"]: next((r for r in i["rows"] if r["agency"] == DISTRICT), None)
                     for i in command_json["indicators"]}
    for indicator in district_result.indicators:
        own = indicator.agency_row(district.pk)
        assert (own.as_json() if own else None) == province_rows[indicator.code]

    not_counted = {}
    for indicator in Indicator.objects.filter(source=Indicator.Source.STAFF).order_by("order"):
        url = reverse("targets:not-counted", args=[district.pk, indicator.code]) + query + "&format=xlsx"
        sheet = list(_sheets(client.get(url).content).values())[0]
        codes = sorted(line[0] for line in sheet[1:])
        row = province_rows[indicator.code]
        # The list holds exactly the district's uncounted people.
        assert len(codes) == (row["denominator"] - row["numerator"] if row else 0)
        not_counted[indicator.code] = codes

    return {
        "json": command_json,
        "overview": {"trend": _trend(overview_result), "statuses": _statuses(overview_result),
                     "xlsx": overview_xlsx},
        "agency": {"json": district_result.as_json(), "trend": _trend(district_result),
                   "statuses": _statuses(district_result), "xlsx": district_xlsx},
        "not_counted": not_counted,
    }


def _normalise(value):
    """Through JSON and back, so that tuples and lists, ints and floats compare as stored."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def test_figures_match_the_documents_kept_before_the_rewrite(client, tmp_path):
    demo_seed(staff_count=GOLDEN_STAFF)
    client.force_login(User.objects.get(username="lanhdao"))
    client.cookies["django_language"] = "en"
    for day in DATES:
        document = _normalise(_document(client, day, tmp_path))
        path = DATA / f"golden-{day.isoformat()}.json"
        if os.environ.get("GOLDEN_WRITE"):
            DATA.mkdir(exist_ok=True)
            path.write_text(json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        expected = json.loads(path.read_text(encoding="utf-8"))
        # The overview builds agency rows only for the departments and districts it shows.
        shown = set(Agency.objects.filter(kind__in=RANK_KINDS).values_list("code", flat=True))
        expected["overview"]["statuses"] = {
            code: [row for row in rows if row[0] != "agency" or row[1] in shown]
            for code, rows in expected["overview"]["statuses"].items()
        }
        for part in ("json", "overview", "agency", "not_counted"):
            assert document[part] == expected[part], f"{part} on {day.isoformat()} moved"
