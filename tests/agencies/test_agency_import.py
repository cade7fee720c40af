import pytest

from agencies.agency_import import agency_import
from agencies.models import Agency
from tests.workbooks import xlsx

HEADERS = ["Mã đơn vị", "Tên đơn vị", "Cấp", "Loại", "Mã đơn vị cấp trên"]


def run(data, **kwargs):
    return agency_import(data=data, file_name="don-vi.xlsx", **kwargs)


def errors(result):
    return [str(e) for e in result.sorted_errors()]


def test_creates_a_tree_with_paths_from_an_empty_database(db):
    data = xlsx(HEADERS,
                ["x-a1", "UBND xã A1", "Xã", "UBND xã", "H-A"],  # child before its parent: order is free
                ["UBND-T", "UBND tỉnh Đắk Nông", "Tỉnh", "UBND tỉnh", ""],
                ["H-A", "UBND huyện A", "huyen", "district_committee", "ubnd-t"],
                ["SNV", "Sở Nội vụ", "province", "Sở, Ban, Ngành", "UBND-T"])
    result = run(data)
    assert result.ok, errors(result)
    assert result.counts == {"created": 4, "updated": 0, "unchanged": 0}
    root = Agency.objects.get(code="UBND-T")
    commune = Agency.objects.get(code="X-A1")
    assert commune.parent.code == "H-A" and commune.path.startswith(root.path) and commune.depth == 2
    assert (commune.level, commune.kind) == ("commune", "commune_committee")
    assert set(Agency.objects.in_subtree(root).values_list("code", flat=True)) == {"UBND-T", "H-A", "X-A1", "SNV"}


def test_reimport_changes_nothing_and_moves_update_paths(tree):
    data = xlsx(HEADERS, ["X-A1", "UBND xã A1", "Xã", "UBND xã", "H-B"])
    result = run(data)
    assert result.counts == {"created": 0, "updated": 1, "unchanged": 0}
    tree.commune_a1.refresh_from_db()
    tree.district_b.refresh_from_db()
    assert tree.commune_a1.path.startswith(tree.district_b.path)
    assert run(data).counts == {"created": 0, "updated": 0, "unchanged": 1}


def test_a_parent_making_a_cycle_is_an_error(tree):
    result = run(xlsx(HEADERS, ["H-A", "UBND huyện A", "Huyện", "UBND huyện", "X-A1"]))
    assert errors(result) == ["row 2, Mã đơn vị cấp trên, 'X-A1': this parent would make a cycle"]
    result = run(xlsx(HEADERS, ["P", "P", "Tỉnh", "Sở-Ban-Ngành", "Q"], ["Q", "Q", "Tỉnh", "Sở-Ban-Ngành", "P"]))
    assert len(result.errors) == 2
    assert run(xlsx(HEADERS, ["S", "S", "Tỉnh", "Sở-Ban-Ngành", "S"])).errors[0].reason == "this parent would make a cycle"
    assert not Agency.objects.filter(code__in=["P", "Q", "S"]).exists()


def test_row_errors(tree):
    result = run(xlsx(HEADERS,
                      ["N1", "Mới", "Vùng", "Sở-Ban-Ngành", "UBND-T"],
                      ["N2", "Mới", "Tỉnh", "Bộ", "NOWHERE"],
                      ["N3", "Mới", "Tỉnh", "Sở-Ban-Ngành", ""],
                      ["N1", "Lặp", "Tỉnh", "Sở-Ban-Ngành", "UBND-T"]))
    assert errors(result) == [
        "row 2, Mã đơn vị, 'N1': the same agency code is also on row 5",
        "row 2, Cấp, 'Vùng': not one of: Tỉnh, Huyện, Xã",
        "row 3, Loại, 'Bộ': not one of: UBND tỉnh, Sở-Ban-Ngành, UBND huyện, UBND xã, Đơn vị trực thuộc, Trường học",
        "row 3, Mã đơn vị cấp trên, 'NOWHERE': unknown agency",
        "row 4, Mã đơn vị cấp trên, '': required for every agency but the UBND tỉnh",
        "row 5, Mã đơn vị, 'N1': the same agency code is also on row 2",
    ]
    assert Agency.objects.count() == 7


def test_without_the_parent_column_existing_parents_stay(tree):
    result = run(xlsx(HEADERS[:4], ["X-A1", "Xã A1 mới", "Xã", "UBND xã"]))
    assert result.counts["updated"] == 1
    tree.commune_a1.refresh_from_db()
    assert tree.commune_a1.name == "Xã A1 mới" and tree.commune_a1.parent == tree.district_a


@pytest.mark.parametrize("dry_run", [True])
def test_dry_run_writes_nothing(db, dry_run):
    result = run(xlsx(HEADERS, ["UBND-T", "UBND tỉnh", "Tỉnh", "UBND tỉnh", ""]), dry_run=dry_run)
    assert result.counts["created"] == 1 and not result.applied
    assert not Agency.objects.exists()


def test_the_plan_names_each_agency_and_its_changed_fields(tree):
    result = run(xlsx(HEADERS, ["X-A1", "UBND xã A1 mới", "Xã", "UBND xã", "H-B"],
                      ["N1", "Đơn vị mới", "Tỉnh", "Sở-Ban-Ngành", "UBND-T"]), dry_run=True)
    (created,) = result.plan.rows["created"]
    assert (created.code, created.name) == ("N1", "Đơn vị mới")
    (updated,) = result.plan.rows["updated"]
    assert (updated.code, updated.name) == ("X-A1", "UBND xã A1 mới")
    assert [(c.column, c.old, c.new) for c in updated.changes] == [
        ("Tên đơn vị", tree.commune_a1.name, "UBND xã A1 mới"), ("Mã đơn vị cấp trên", "H-A", "H-B")]


def test_a_blank_parent_erases_and_is_refused_unless_blanks_are_kept(tree):
    data = xlsx(HEADERS, ["X-A1", "Xã A1 mới", "Xã", "UBND xã", ""])
    result = run(data)
    assert result.plan.erased_count == 0 and not result.applied  # the plan is dropped with the errors
    assert errors(result) == ["row 2, Mã đơn vị cấp trên, '': required for every agency but the UBND tỉnh"]
    result = run(data, keep_blanks=True)
    assert result.applied and result.plan.erased_count == 1
    assert [(e.code, e.column, e.old) for e in result.plan.erased] == [("X-A1", "Mã đơn vị cấp trên", "H-A")]
    tree.commune_a1.refresh_from_db()
    assert tree.commune_a1.name == "Xã A1 mới" and tree.commune_a1.parent == tree.district_a
