"""The province overview (home) and the attainment API."""
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from agencies.models import Agency, Level
from targets.models import AggregateReport, Indicator
from tests.conftest import make_agency, make_course, make_record, make_staff
from training.passes import refresh_first_passes

pytestmark = pytest.mark.django_db
AS_OF = "?as_of=31/12/2020"


def fill(tree, n: int = 1) -> None:
    """n rounds of data in both districts and the department (records, flags, reports)."""
    course = make_course(start_date=datetime.date(2019, 3, 1), end_date=datetime.date(2019, 3, 5))
    teachers = Indicator.objects.get(code="teachers-it")
    for _ in range(n):
        for agency in (tree.department, tree.district_a, tree.district_b, tree.commune_a1, tree.commune_b1):
            make_record(staff=make_staff(agency=agency, is_it_staff=True, it_qualification="university"), course=course)
            make_staff(agency=agency, is_cio=True, is_leader=True)
        school = make_agency(level=Level.COMMUNE, kind=Agency.Kind.SCHOOL, parent=tree.commune_a2)
        AggregateReport.objects.create(indicator=teachers, agency=school, year=2020, numerator=3, denominator=4)
    refresh_first_passes()


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_leader_sees_every_indicator_and_agency(client, leader, tree):
    fill(tree)
    client.force_login(leader)
    response = client.get(reverse("home") + AS_OF)
    assert response.status_code == 200
    html = response.content.decode()
    for indicator in Indicator.objects.all():
        assert indicator.name in html
    assert "UBND huyện A" in html and "UBND huyện B" in html and "Sở Nội vụ" in html
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "Độc lập - Tự do - Hạnh phúc" in html
    assert "<svg" in html and "<title" in html and "<desc" in html
    assert "style=" not in html and "<script>" not in html


def test_officer_sees_their_own_subtree_not_the_province(client, district_officer, tree):
    fill(tree)
    client.force_login(district_officer)
    response = client.get(reverse("home") + AS_OF)
    assert response.status_code == 200
    html = response.content.decode()
    assert "UBND huyện A" in html
    assert "UBND huyện B" not in html and "Sở Nội vụ" not in html
    assert "ranking" not in response.context
    indicator, row = response.context["own"][0]
    assert indicator.code == "staff-prov-district" and row.agency_code == "H-A"
    assert row.denominator == 2  # district A's subtree only (the province holds 6)


def test_ranking_best_and_worst_first(client, leader, tree):
    course = make_course(start_date=datetime.date(2019, 3, 1), end_date=datetime.date(2019, 3, 5))
    make_record(staff=make_staff(agency=tree.district_a), course=course)
    make_staff(agency=tree.district_b)
    refresh_first_passes()
    client.force_login(leader)
    best = client.get(reverse("home") + AS_OF + "&rank=staff-prov-district&order=best").context["ranking"]
    worst = client.get(reverse("home") + AS_OF + "&rank=staff-prov-district&order=worst").context["ranking"]
    default = client.get(reverse("home") + AS_OF + "&rank=staff-prov-district").context["ranking"]
    assert [r.agency_code for r in best] == ["H-A", "H-B"]
    assert [r.agency_code for r in worst] == ["H-B", "H-A"]
    assert default == worst  # where leaders look for shortfalls, the worst come first


def test_bad_date_shows_the_form_error_not_a_traceback(client, leader):
    client.force_login(leader)
    response = client.get(reverse("home") + "?as_of=31/02/2020&target_year=1999")
    assert response.status_code == 200
    assert response.context["form"].errors


def test_query_count_is_the_same_when_the_data_doubles(client, leader, tree, django_assert_num_queries):
    client.force_login(leader)
    fill(tree, 1)
    client.get(reverse("home") + AS_OF)  # warm the session and content types
    # 13 = 11 + the 2 that check the typed date against the programme's window (issue 13).
    with django_assert_num_queries(13) as small:
        client.get(reverse("home") + AS_OF)
    fill(tree, 2)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("home") + AS_OF)


def test_xlsx_download_opens_and_is_inert(client, leader, tree):
    make_agency(code="EVIL", name="=HYPERLINK(\"http://x\")", kind=Agency.Kind.DEPARTMENT, parent=tree.province,
                level=Level.PROVINCE)
    course = make_course(start_date=datetime.date(2019, 3, 1), end_date=datetime.date(2019, 3, 5))
    make_record(staff=make_staff(agency=Agency.objects.get(code="EVIL")), course=course)
    refresh_first_passes()
    client.force_login(leader)
    response = client.get(reverse("home") + AS_OF + "&format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 4
    cells = [c for ws in workbook for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    evil = [c for c in cells if c.value.startswith("=HYPERLINK")]
    assert evil and all(c.data_type == "s" for c in evil)


# --- API --------------------------------------------------------------------------------------

API = "/api/attainment.json"


def test_api_url():
    assert reverse("api-attainment") == API


def test_api_anonymous_gets_401_json(client, tree):
    response = client.get(API)
    assert response.status_code == 401 and "error" in response.json()


def test_api_officer_gets_403(client, province_officer):
    client.force_login(province_officer)
    response = client.get(API)
    assert response.status_code == 403 and "error" in response.json()


def test_api_query_count_is_the_same_when_the_data_doubles(client, leader, tree, django_assert_num_queries):
    client.force_login(leader)
    fill(tree, 1)
    client.get(API + "?as_of=2020-12-31")
    with django_assert_num_queries(13) as small:
        before = client.get(API + "?as_of=2020-12-31").json()
    fill(tree, 2)
    with django_assert_num_queries(len(small.captured_queries)):
        after = client.get(API + "?as_of=2020-12-31").json()

    def rows(document):
        return sum(len(indicator["rows"]) for indicator in document["indicators"])

    assert rows(after) > rows(before)  # the new schools' reports add agency rows


@pytest.mark.parametrize("query", ["as_of=31/12/2020", "as_of=2020-02-30", "target_year=2030", "target_year=abc"])
def test_api_bad_parameters_give_400(client, leader, query):
    client.force_login(leader)
    response = client.get(f"{API}?{query}")
    assert response.status_code == 400 and response.json()["error"]


def test_api_gives_the_same_document_as_the_command(client, leader, national_admin, tree):
    import json
    from io import StringIO

    from django.core.management import call_command

    fill(tree)
    out = StringIO()
    call_command("attainment", "--as-of", "2020-12-31", "--target-year", "2025", "--format", "json", stdout=out)
    for user in (leader, national_admin):
        client.force_login(user)
        response = client.get(f"{API}?as_of=2020-12-31&target_year=2025")
        assert response.status_code == 200
        assert response.json() == json.loads(out.getvalue())
        assert response.json()["target_year"] == 2025
