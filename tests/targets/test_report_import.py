import pytest
from django.utils import timezone

from targets.models import AggregateReport, Indicator
from targets.report_import import report_import
from tests.workbooks import xlsx

HEADERS = ["Mã chỉ tiêu", "Mã đơn vị", "Năm", "Tử số", "Mẫu số", "Ghi chú"]


def run(data, **kwargs):
    return report_import(data=data, file_name="bao-cao.xlsx", **kwargs)


def errors(result):
    return [str(e) for e in result.sorted_errors()]


def test_reports_are_upserted_by_indicator_agency_and_year(tree):
    data = xlsx(HEADERS, ["TEACHERS-IT", "snv", 2020, 10, 12, "ghi chú"], ["teachers-it", "SNV", "2019", 9.0, 12, ""],
                ["citizens-trained", "H-A", 2020, 0, 0, ""])
    result = run(data)
    assert result.ok, errors(result)
    assert result.counts == {"created": 3, "updated": 0, "unchanged": 0}
    report = AggregateReport.objects.get(year=2020, indicator__code="teachers-it")
    assert (report.agency, report.numerator, report.denominator, report.note) == (tree.department, 10, 12, "ghi chú")
    assert run(data).counts == {"created": 0, "updated": 0, "unchanged": 3}
    result = run(xlsx(HEADERS[:5], ["teachers-it", "SNV", 2020, 11, 12]))
    assert result.counts == {"created": 0, "updated": 1, "unchanged": 0}
    report.refresh_from_db()
    assert (report.numerator, report.note) == (11, "ghi chú")  # no Ghi chú column: the note stays


def test_row_errors(tree):
    this_year = timezone.localdate().year
    data = xlsx(HEADERS,
                ["staff-commune", "SNV", 2020, 1, 2, ""],
                ["teachers-it", "NOWHERE", 2015, 1, 2, ""],
                ["teachers-it", "SNV", this_year + 1, 5, 4, ""],
                ["teachers-it", "H-B", 2020, -1, "many", ""],
                ["teachers-it", "H-A", 2020, 1, 2, ""], ["teachers-it", "h-a", 2020, 1, 3, ""])
    assert errors(run(data)) == [
        "row 2, Mã chỉ tiêu, 'staff-commune': not an aggregate indicator code",
        "row 3, Mã đơn vị, 'NOWHERE': unknown agency",
        f"row 3, Năm, '2015': not a year from 2016 to {this_year}",
        f"row 4, Năm, '{this_year + 1}': not a year from 2016 to {this_year}",
        "row 4, Mẫu số, '4': smaller than the numerator",
        "row 5, Tử số, '-1': must be at least 0",
        "row 5, Mẫu số, 'many': not a whole number",
        "row 6, Mã chỉ tiêu, 'teachers-it': the same indicator, agency and year are also on row 7",
        "row 7, Mã chỉ tiêu, 'teachers-it': the same indicator, agency and year are also on row 6",
    ]
    assert not AggregateReport.objects.exists()


def test_additivity_against_the_database_and_within_the_file(tree):
    indicator = Indicator.objects.get(code="teachers-it")
    AggregateReport.objects.create(indicator=indicator, agency=tree.district_a, year=2018, numerator=1, denominator=2)
    result = run(xlsx(HEADERS, ["teachers-it", "X-A1", 2020, 1, 2, ""]))
    assert errors(result) == [
        "row 2, Mã đơn vị, 'X-A1': H-A (UBND huyện A), above or below this agency, already has a stored report of "
        "this indicator for 2018; reports are added up the tree, so report it at one level only: change this row's "
        "agency or leave the row out"]
    result = run(xlsx(HEADERS, ["teachers-it", "H-B", 2020, 1, 2, ""], ["teachers-it", "X-B1", 2020, 1, 2, ""]))
    assert errors(result) == [
        "row 2, Mã đơn vị, 'H-B': row 3 of this file reports this indicator for X-B1 (UBND xã B1), above or below "
        "this agency; reports are added up the tree, so keep only one of the two rows",
        "row 3, Mã đơn vị, 'X-B1': row 2 of this file reports this indicator for H-B (UBND huyện B), above or below "
        "this agency; reports are added up the tree, so keep only one of the two rows"]
    # The same agency in another year is no conflict.
    assert run(xlsx(HEADERS, ["teachers-it", "H-A", 2020, 1, 2, ""])).applied


def test_only_the_new_row_is_wrong_when_it_overlaps_a_stored_report(tree):
    """Issue 13, point 6: the stored report sent again is fine; the error points at the new row only."""
    indicator = Indicator.objects.get(code="teachers-it")
    AggregateReport.objects.create(indicator=indicator, agency=tree.district_a, year=2019, numerator=1, denominator=2)
    AggregateReport.objects.create(indicator=indicator, agency=tree.district_a, year=2020, numerator=1, denominator=2)
    result = run(xlsx(HEADERS, ["teachers-it", "H-A", 2020, 1, 2, ""], ["teachers-it", "X-A2", 2020, 3, 4, ""]))
    assert [(e.row, e.column) for e in result.errors] == [(3, "Mã đơn vị")]
    assert "H-A (UBND huyện A)" in result.errors[0].reason and "for 2019, 2020" in result.errors[0].reason
    assert "X-A2" not in result.errors[0].reason


@pytest.mark.parametrize("dry_run", [True])
def test_dry_run(tree, dry_run):
    result = run(xlsx(HEADERS, ["teachers-it", "SNV", 2020, 1, 2, ""]), dry_run=dry_run)
    assert result.counts["created"] == 1 and not AggregateReport.objects.exists()


def test_the_plan_names_each_report_and_its_old_and_new_figures(tree):
    run(xlsx(HEADERS, ["teachers-it", "SNV", 2020, 10, 12, "cũ"]))
    result = run(xlsx(HEADERS, ["teachers-it", "SNV", 2020, 11, 12, "cũ"], ["teachers-it", "SNV", 2019, 1, 2, ""]),
                 dry_run=True)
    (created,) = result.plan.rows["created"]
    assert (created.code, created.name) == ("teachers-it SNV 2019", tree.department.name)
    (updated,) = result.plan.rows["updated"]
    assert [(c.column, c.old, c.new) for c in updated.changes] == [("Tử số", "10", "11")]
    assert result.plan.erased_count == 0


def test_a_blank_note_erases_the_stored_one_unless_kept(tree):
    run(xlsx(HEADERS, ["teachers-it", "SNV", 2020, 10, 12, "nguồn: Sở GD"]))
    data = xlsx(HEADERS, ["teachers-it", "SNV", 2020, 10, 12, ""])
    kept = run(data, keep_blanks=True)
    assert kept.plan.erased_count == 1 and kept.counts["updated"] == 0
    assert AggregateReport.objects.get().note == "nguồn: Sở GD"
    erased = run(data)
    assert [(e.column, e.old) for e in erased.plan.erased] == [("Ghi chú", "nguồn: Sở GD")]
    assert erased.counts["updated"] == 1 and AggregateReport.objects.get().note == ""
