import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.imports import FORMATS, template_workbook
from sheets.errors import UnusableFile
from sheets.table import Column, SheetSpec, find_table, read_table
from sheets.text import match_key
from sheets.workbook import Workbook, open_workbook
from tests.workbooks import xlsx

SPEC = SheetSpec("Danh sách cán bộ", (
    Column("staff_code", "Mã cán bộ", True),
    Column("full_name", "Họ và tên", True),
    Column("agency_code", "Mã đơn vị", True),
    Column("category", "Loại", True),
    Column("is_cio", "CIO"),
))


def test_header_row_is_found_under_title_rows_in_any_spelling():
    data = xlsx(["UBND TỈNH ĐẮK NÔNG"], ["DANH SÁCH"], [], ["STT", "MÃ CÁN BỘ", "Họ và\ntên", " mã đơn vị ", "Số CMND",
                                                             "category", "Ghi chú"],
                [1, "CB1", "An", "SNV", "", "CC", ""])
    table = read_table(open_workbook(data), SPEC)
    assert table.header_row == 4
    assert table.headers["full_name"] == "Họ và tên"
    assert table.ignored == ["STT", "Số CMND", "Ghi chú"] or "STT" in table.ignored
    assert [number for number, _cells in table.rows] == [5]


def test_english_aliases_are_accepted():
    table = read_table(open_workbook(xlsx(["staff_code", "full_name", "agency_code", "category", "is_cio"])), SPEC)
    assert set(table.positions) == {"staff_code", "full_name", "agency_code", "category", "is_cio"}


def test_named_sheet_first_else_first_sheet_with_the_headers():
    headers = ["Mã cán bộ", "Họ và tên", "Mã đơn vị", "Loại"]
    data = xlsx(sheets={"Notes": [["hello"]], "Other": [headers, ["A", "B", "C", "CC"]],
                        "danh sach can bo": [headers, ["X", "Y", "Z", "VC"]]})
    assert find_table(open_workbook(data), SPEC).sheet == "danh sach can bo"
    data = xlsx(sheets={"Notes": [["hello"]], "Other": [headers]})
    assert find_table(open_workbook(data), SPEC).sheet == "Other"


def test_no_sheet_with_the_headers_is_one_sentence():
    with pytest.raises(UnusableFile) as exc:
        read_table(open_workbook(xlsx(["Mã cán bộ", "Họ và tên"])), SPEC)
    assert str(exc.value).startswith("No sheet has a header row with the columns Mã cán bộ, Họ và tên, Mã đơn vị, Loại")


def test_a_header_twice_is_refused():
    with pytest.raises(UnusableFile, match="appears twice"):
        read_table(open_workbook(xlsx(["Mã cán bộ", "Họ và tên", "Mã đơn vị", "Loại", "MÃ CÁN BỘ"])), SPEC)


def test_blank_note_signature_and_column_number_rows_are_skipped():
    data = xlsx(["Mã cán bộ", "Họ và tên", "Mã đơn vị", "Loại"], ["(1)", "(2)", "(3)", "(4)"],
                ["CB1", "An", "SNV", "CC"], [], ["CB2", "Bình", "", ""], ["", "Người lập biểu", "", ""],
                ["", "", "", "", "Đắk Nông, ngày 1 tháng 1 năm 2020"])
    table = read_table(open_workbook(data), SPEC)
    assert [number for number, _cells in table.rows] == [3, 5]
    assert table.skipped == [2, 6, 7]


# --- Properties of the header finder, on the real formats ----------------------------------------------

FORMAT_SPECS = [spec for kind in FORMATS.values() for spec in kind.sheets]


def _spellings(column: Column) -> list[str]:
    return [column.header, column.key, *column.aliases]


@st.composite
def written_tables(draw):
    """A sheet as people fill it: title rows, then the header in any order, spelling and case, other columns, data."""
    spec = draw(st.sampled_from(FORMAT_SPECS))
    keys = set().union(*(c.match_keys() for c in spec.columns))
    columns = [c for c in spec.columns if c.required or draw(st.booleans())]
    columns = draw(st.permutations(columns))
    written = []
    for column in columns:
        text = draw(st.sampled_from(_spellings(column)))
        text = draw(st.sampled_from([str.upper, str.lower, str.title, str]))(text)
        text = unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), text)
        text = text.replace(" ", draw(st.sampled_from([" ", "  ", "\n"])))
        written.append((column.key, draw(st.sampled_from(["", " "])) + text))
    others = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ()", min_size=1, max_size=12).filter(
        lambda text: match_key(text) not in keys and match_key(text))
    header, positions = [], {}
    for key, text in written:
        for _ in range(draw(st.integers(0, 2))):
            header.append(draw(st.one_of(st.just(""), others)))
        positions[key] = len(header)
        header.append(text)
    titles = draw(st.lists(st.one_of(st.just([]), others.map(lambda text: [text]),
                                     others.map(lambda text: ["", text])), max_size=12))
    data = [[f"v{row}-{col}" for col in range(len(header))] for row in range(draw(st.integers(0, 5)))]
    return spec, titles + [header] + data, len(titles) + 1, positions, len(data)


@given(written_tables())
def test_the_header_row_is_found_in_any_order_spelling_case_and_spacing(case):
    spec, rows, header_row, positions, data_rows = case
    table = find_table(Workbook(["Sheet1"], {"Sheet1": rows}, "xlsx"), spec)
    assert table is not None
    assert table.header_row == header_row
    assert table.positions == positions
    assert [number for number, _cells in table.rows] == list(range(header_row + 1, header_row + 1 + data_rows))


@pytest.mark.parametrize("kind", list(FORMATS))
def test_every_template_is_read_back_by_its_own_format(kind):
    book = open_workbook(template_workbook(kind))
    for spec in FORMATS[kind].sheets:
        table = find_table(book, spec)
        assert (table.sheet, table.header_row) == (spec.name, 1)
        assert set(table.positions) == {c.key for c in spec.columns}
        assert len(table.rows) == 1  # the sample row


grid_values = st.one_of(st.text(max_size=15), st.floats(), st.integers(-10**6, 10**6), st.booleans(), st.dates(),
                        st.none(), st.sampled_from([c.header for spec in FORMAT_SPECS for c in spec.columns]))


@given(st.sampled_from(FORMAT_SPECS), st.lists(st.lists(grid_values, max_size=8), max_size=12))
def test_the_header_finder_answers_or_refuses_whatever_the_sheet(spec, rows):
    try:
        table = find_table(Workbook(["Sheet1"], {"Sheet1": rows}, "xlsx"), spec)
    except UnusableFile as error:
        assert "appears twice" in str(error)
        return
    if table is not None:
        assert {c.key for c in spec.required} <= set(table.positions)
