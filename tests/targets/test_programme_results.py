"""The programme's results ("tổng kết"), the overview's headline, the Word reports, and a programme
whose years are not Decision 1965's (years are data)."""
import datetime
import io
from urllib.parse import unquote

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from targets.models import Indicator, Programme, Target
from tests.conftest import make_course, make_record, make_staff
from training.models import CourseCategory, PassCutoff
from training.passes import refresh_first_passes

pytestmark = pytest.mark.django_db
TODAY = "?as_of=02/12/2026"


def trained(staff, on: datetime.date) -> None:
    course = make_course(category=CourseCategory.objects.get(code="basic"), start_date=on, end_date=on)
    make_record(staff=staff, course=course, completed_on=on)


@pytest.fixture
def province(tree):
    """The department: 2 of 3 trained by 31/12/2020 (66.7 %, not "> 90"), all 3 by 31/12/2025 (met)."""
    for on in (datetime.date(2018, 5, 1), datetime.date(2019, 5, 1), datetime.date(2021, 5, 1)):
        trained(make_staff(agency=tree.department), on)
    refresh_first_passes()
    return tree


def test_results_give_each_deadlines_figure_and_verdict(client, leader, province):
    client.force_login(leader)
    response = client.get(reverse("targets:results") + TODAY)
    assert response.status_code == 200
    [line] = [line for line in response.context["lines"] if line.indicator.code == "staff-prov-district"]
    by_year = {year: (met, result.percent if result else None) for year, met, result, _target in line.outcomes}
    assert by_year[2020][0] is False and str(by_year[2020][1]) == "66.7"
    assert by_year[2025][0] is True and str(by_year[2025][1]) == "100.0"
    assert str(line.today.percent) == "100.0"


def test_results_query_count_does_not_grow_with_the_data(client, leader, province, django_assert_num_queries):
    client.force_login(leader)
    client.get(reverse("targets:results") + TODAY)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("targets:results") + TODAY)
    for on in (datetime.date(2019, 5, 1), datetime.date(2024, 5, 1)):
        trained(make_staff(agency=province.district_a), on)
        trained(make_staff(agency=province.commune_b1), on)
    refresh_first_passes()
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("targets:results") + TODAY)


def test_the_indicators_not_met_come_first_and_link_to_the_shortfall(client, leader, province):
    client.force_login(leader)
    response = client.get(reverse("targets:results") + TODAY)
    lines = response.context["lines"]
    missed = [line.missed for line in lines]
    assert missed == sorted(missed, reverse=True) and missed[0]
    html = response.content.decode()
    staff = reverse("targets:not-counted", args=[province.province.pk, "staff-prov-district"])
    assert staff in html
    assert "?rank=staff-prov-district&amp;order=worst#ranking" in html


def test_the_headline_counts_per_target_year_on_the_results_and_the_overview(client, leader, province):
    client.force_login(leader)
    counts = {c.year: c for c in client.get(reverse("targets:results") + TODAY).context["counts"]}
    assert counts[2020].final and counts[2025].final
    judged_2020 = counts[2020].met + len(counts[2020].not_met)
    assert counts[2020].judged == judged_2020
    assert "staff-prov-district" in [i.code for i in counts[2020].not_met]
    assert "staff-prov-district" not in [i.code for i in counts[2025].not_met]
    html = client.get(reverse("home") + TODAY).content.decode()
    headline = f"Mục tiêu năm 2020: đạt {counts[2020].met}/{counts[2020].judged} chỉ tiêu"
    assert headline in html
    assert f"Mục tiêu năm 2025: đạt {counts[2025].met}/{counts[2025].judged} chỉ tiêu" in html


def test_before_a_deadline_the_headline_counts_so_far(client, leader, province):
    client.force_login(leader)
    counts = client.get(reverse("targets:results") + "?as_of=30/12/2020").context["counts"]
    assert [(c.year, c.final) for c in counts] == [(2020, False), (2025, False)]
    counts = client.get(reverse("targets:results") + "?as_of=31/12/2020").context["counts"]
    assert [(c.year, c.final) for c in counts] == [(2020, True), (2025, False)]


def _docx(response) -> docx.Document:
    assert response.status_code == 200
    assert "wordprocessingml" in response["Content-Type"]
    return docx.Document(io.BytesIO(response.content))


def _texts(document) -> list[str]:
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            texts += [cell.text for cell in row.cells]
    return texts


@pytest.mark.parametrize("url", ["targets:results", "home"])
def test_word_reports_have_the_administrative_form(client, leader, province, url):
    client.force_login(leader)
    client.cookies["django_language"] = "en"  # the report is Vietnamese whatever the page's language
    response = client.get(reverse(url) + TODAY + "&format=docx")
    document = _docx(response)
    texts = _texts(document)
    for words in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "UBND TỈNH", "Số: ……/BC",
                  "Đắk Nông, ngày 02 tháng 12 năm 2026", "BÁO CÁO", "Nơi nhận:", "THỦ TRƯỞNG ĐƠN VỊ"):
        assert any(words in text for text in texts), words
    assert any("CBCCVC cấp tỉnh, huyện được nâng cao trình độ ứng dụng CNTT" in text for text in texts)
    fonts = {run.font.name for paragraph in document.paragraphs for run in paragraph.runs}
    assert fonts == {"Times New Roman"}
    sizes = {run.font.size.pt for paragraph in document.paragraphs for run in paragraph.runs if run.text.strip()}
    assert sizes <= {11, 12, 13, 14}
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition
    assert unquote(disposition.split("filename*=utf-8''")[1]).startswith("Báo cáo")


def test_the_results_word_report_lists_every_indicator(client, leader, province):
    client.force_login(leader)
    document = _docx(client.get(reverse("targets:results") + TODAY + "&format=docx"))
    table = document.tables[-2]  # the last is the signature block
    names = {row.cells[1].text for row in table.rows[1:]}
    assert names == set(Indicator.objects.values_list("name", flat=True))
    header = [cell.text for cell in table.rows[0].cells]
    assert "Ngày 31/12/2020" in header and "Ngày 31/12/2025" in header and "Ngày 02/12/2026" in header


@pytest.fixture
def programme_2030(province):
    """A later programme added as data: targets for 2028 and 2030, started 1 January 2026."""
    Programme.objects.update(is_current=False)
    programme = Programme.objects.create(code="p-2030", name="Chương trình đến năm 2030", name_en="Programme to 2030",
                                         start_date=datetime.date(2026, 1, 1), is_current=True)
    PassCutoff.objects.get_or_create(counted_from=programme.start_date)
    indicator = Indicator.objects.create(programme=programme, code="staff-all", name="Mọi CBCCVC được đào tạo",
                                         name_en="Every civil servant trained", source="staff", rule="trained")
    indicator.categories.set(CourseCategory.objects.all())
    Target.objects.create(indicator=indicator, year=2028, op=">=", percent=50)
    Target.objects.create(indicator=indicator, year=2030, op=">=", percent=100)
    trained(make_staff(agency=province.department), datetime.date(2026, 5, 1))
    refresh_first_passes()
    return programme


def test_a_programme_to_2030_works_with_no_code_change(client, leader, programme_2030, province):
    client.force_login(leader)
    response = client.get(reverse("home") + "?as_of=02/12/2026")
    assert response.status_code == 200
    assert response.context["form"].year_choices == [("", "Theo ngày"), ("2028", "2028"), ("2030", "2030")]
    assert response.context["result"].target_year == 2028  # the next deadline
    html = response.content.decode()
    assert "Mục tiêu 2028" in html and "Mục tiêu 2030" in html and "Mục tiêu 2025" not in html
    assert "Theo tốc độ này đến 31/12/2028" in html  # the forecast to the next deadline
    assert "Mục tiêu năm 2028: đến nay đạt" in html
    trend = response.context["indicators"][0].trend
    assert trend[0].on == datetime.date(2026, 12, 2)  # the first whole year has not ended yet
    results = client.get(reverse("targets:results") + "?as_of=02/12/2026")
    assert results.status_code == 200
    assert [c.year for c in results.context["counts"]] == [2028, 2030]
    agency = client.get(reverse("targets:agency", args=[province.department.pk]) + "?as_of=02/12/2026&target_year=2030")
    assert agency.status_code == 200 and agency.context["result"].target_year == 2030
    stale = client.get(reverse("home") + "?as_of=02/12/2026&target_year=2025")
    assert stale.context["form"].errors["target_year"] and stale.context["result"].target_year == 2028
    client.cookies["django_language"] = "en"
    html = client.get(reverse("home") + "?as_of=02/12/2029").content.decode()
    assert "Programme to 2030" in html and "Every civil servant trained" in html
    assert "Verdict 2028" not in html  # 2029 is measured against 2030, still ahead
