import datetime
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets.cells import Choices, Uncomputed, parse_code, parse_date, parse_text, parse_whole_number, parse_yes_no
from sheets.errors import CellError, RowError, display_value

D = datetime.date


@pytest.mark.parametrize("raw, expected", [
    (D(2020, 3, 5), D(2020, 3, 5)),
    (datetime.datetime(2020, 3, 5, 14, 30), D(2020, 3, 5)),
    (43895.0, D(2020, 3, 5)),
    (43895.75, D(2020, 3, 5)),
    (43895, D(2020, 3, 5)),
    ("05/03/2020", D(2020, 3, 5)),
    ("5/3/2020", D(2020, 3, 5)),
    ("05-03-2020", D(2020, 3, 5)),
    ("05.03.2020", D(2020, 3, 5)),
    ("2020-03-05", D(2020, 3, 5)),
    ("  05/03/2020 ", D(2020, 3, 5)),
    ("", None),
    (None, None),
])
def test_date_forms_are_read_day_first(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["31/02/1990", "05/03/20", "2020/03/05", "05/03-2020", "March 5", True, -3.0,
                                 datetime.time(10, 0), "13/13/2020", "01/01/1800", Uncomputed("=A1")])
def test_anything_else_is_not_a_date(raw):
    with pytest.raises(CellError, match="not a date|formula"):
        parse_date(raw)


@pytest.mark.parametrize("raw, expected", [(1990, 1990), (1990.0, 1990), ("1990", 1990), (2100, 2100),
                                           ("05/03/1990", D(1990, 3, 5)), (32937.0, D(1990, 3, 5))])
def test_birth_date_accepts_a_year_alone(raw, expected):
    assert parse_date(raw, year_alone=True) == expected


def test_a_year_is_a_serial_outside_birth_dates():
    assert parse_date(1990) == D(1905, 6, 12)
    with pytest.raises(CellError):
        parse_date("1990")


@pytest.mark.parametrize("raw", ["x", "X", "có", "Có", "CÓ", "co", "yes", "YES", "1", "true", "TRUE", "✓", True, 1, 1.0])
def test_yes_spellings(raw):
    assert parse_yes_no(raw) is True


@pytest.mark.parametrize("raw", ["", None, "không", "KHÔNG", "khong", "no", "No", "0", "false", "FALSE", False, 0, 0.0, "  "])
def test_no_spellings(raw):
    assert parse_yes_no(raw) is False


@pytest.mark.parametrize("raw", ["maybe", "2", 2.0, "v", D(2020, 1, 1)])
def test_other_values_are_not_yes_or_no(raw):
    with pytest.raises(CellError, match="not yes or no"):
        parse_yes_no(raw)


def test_decomposed_accents_in_yes_no():
    assert parse_yes_no(unicodedata.normalize("NFD", "Có")) is True
    assert parse_yes_no(unicodedata.normalize("NFD", "Không")) is False


@pytest.mark.parametrize("raw, expected", [(1024.0, "1024"), (1024, "1024"), ("snv", "SNV"), ("  x-a1 ", "X-A1"),
                                           ("cb  01", "CB 01"), (None, ""), ("", "")])
def test_codes_are_upper_case_text(raw, expected):
    assert parse_code(raw) == expected


def test_code_too_long():
    with pytest.raises(CellError, match="too long"):
        parse_code("A" * 33)


def test_text_is_nfc_trimmed_and_single_spaced():
    decomposed = unicodedata.normalize("NFD", "  Nguyễn   Văn\nAn ")
    assert parse_text(decomposed) == unicodedata.normalize("NFC", "Nguyễn Văn An")
    assert parse_text(1024.0) == "1024"
    assert parse_text(D(2020, 3, 5)) == "05/03/2020"


@pytest.mark.parametrize("raw, expected", [(40, 40), (40.0, 40), ("40", 40), (" 7 ", 7), ("", None), (None, None)])
def test_whole_numbers(raw, expected):
    assert parse_whole_number(raw) == expected


@pytest.mark.parametrize("raw, reason", [(1.5, "whole"), ("abc", "whole"), (-1, "at least"), ("-3", "at least"),
                                         (True, "whole"), ("1,5", "whole")])
def test_not_whole_numbers(raw, reason):
    with pytest.raises(CellError, match=reason):
        parse_whole_number(raw)


def test_choices_accept_every_label_ignoring_case_and_accents():
    level = Choices({"province": ["Tỉnh", "province"], "district": ["Huyện", "district"]})
    assert level.parse("TỈNH") == "province"
    assert level.parse("tinh") == "province"
    assert level.parse("Province") == "province"
    assert level.parse("") is None
    with pytest.raises(CellError, match="not one of: Tỉnh, Huyện"):
        level.parse("Xã")


def test_row_error_message_format():
    error = RowError(row=12, column="Ngày sinh", value="31/02/1990", reason="not a date")
    assert str(error) == "row 12, Ngày sinh, '31/02/1990': not a date"


@pytest.mark.parametrize("raw, shown", [(1024.0, "1024"), (1.5, "1.5"), (True, "TRUE"), (D(2020, 3, 5), "05/03/2020"),
                                        (None, ""), ("abc", "abc")])
def test_values_are_shown_as_in_excel(raw, shown):
    assert display_value(raw) == shown


# --- Properties -------------------------------------------------------------------------------

dates = st.dates(min_value=D(1900, 3, 1), max_value=D(2100, 12, 31))


@given(dates)
def test_every_listed_text_form_reads_back_the_date(day):
    forms = [day.strftime("%d/%m/%Y"), f"{day.day}/{day.month}/{day.year}", day.strftime("%d-%m-%Y"),
             day.strftime("%d.%m.%Y"), day.isoformat()]
    for text in forms:
        assert parse_date(text) == day


@given(dates)
def test_excel_serials_read_back_the_date(day):
    serial = (day - D(1899, 12, 30)).days
    assert parse_date(float(serial)) == day
    assert parse_date(serial + 0.5) == day


@given(st.integers(min_value=1900, max_value=2100))
def test_years_alone_in_birth_dates(year):
    assert parse_date(year, year_alone=True) == year
    assert parse_date(str(year), year_alone=True) == year


@given(st.text(max_size=20))
def test_date_parser_never_crashes_on_text(text):
    try:
        parse_date(text, year_alone=True)
    except CellError:
        pass


@given(st.sampled_from(["x", "có", "yes", "1", "true", "✓"]), st.sampled_from([str.upper, str.lower, str.title]),
       st.sampled_from(["", " ", "  "]))
def test_yes_in_any_case_and_spacing(word, case, pad):
    assert parse_yes_no(pad + case(word) + pad) is True


@given(st.text(max_size=10))
def test_yes_no_parser_answers_or_refuses(text):
    try:
        assert parse_yes_no(text) in (True, False)
    except CellError:
        pass


@given(st.integers(min_value=0, max_value=10**12))
def test_codes_typed_as_numbers_are_their_digits(number):
    assert parse_code(float(number)) == str(number) if number < 2**53 else True
    assert parse_code(number) == str(number)


@given(st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "Pd", "Zs"]), max_size=32))
def test_codes_are_upper_case_and_trimmed(text):
    try:
        code = parse_code(text)
    except CellError:
        return
    assert code == code.upper().strip()
    assert "  " not in code


# --- Properties over anything a cell can hold ---------------------------------------------------------
# python-calamine gives str, float, int, bool, date, datetime, time, timedelta or '' (empty); a formula
# saved without its value arrives as Uncomputed. A parser answers or raises CellError, never anything else.

cell_values = st.one_of(
    st.text(max_size=40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
    st.just(""),
    st.none(),
    st.text(max_size=20).map(lambda text: Uncomputed("=" + text)),
)
LEVEL = Choices({"province": ["Tỉnh", "province"], "district": ["Huyện", "district"]})
PARSERS = {
    "date": parse_date,
    "birth date": lambda value: parse_date(value, year_alone=True),
    "yes/no": parse_yes_no,
    "code": parse_code,
    "text": parse_text,
    "whole number": parse_whole_number,
    "choice": LEVEL.parse,
}


@pytest.mark.parametrize("parser", PARSERS.values(), ids=list(PARSERS))
@given(value=cell_values)
def test_parsers_answer_or_refuse_whatever_the_cell(parser, value):
    try:
        parser(value)
    except CellError as error:
        assert str(error.reason)
    display_value(value)  # every refused value is shown in the error list


@given(day=st.integers(1, 12), month=st.integers(1, 12), year=st.integers(1900, 2100), separator=st.sampled_from("/.-"),
       padded=st.booleans())
def test_dates_are_read_day_first_even_when_both_could_be_a_month(day, month, year, separator, padded):
    text = separator.join([f"{day:02d}" if padded else str(day), f"{month:02d}" if padded else str(month), str(year)])
    assert parse_date(text) == D(year, month, day)


@given(dates.filter(lambda day: day.day > 12))
def test_month_first_dates_are_refused_not_swapped(day):
    with pytest.raises(CellError):
        parse_date(f"{day.month:02d}/{day.day:02d}/{day.year}")


@given(st.dates().filter(lambda day: not 1900 <= day.year <= 2100))
def test_dates_outside_1900_to_2100_are_refused(day):
    for raw in (day, day.strftime("%d/%m/") + f"{day.year:04d}"):
        with pytest.raises(CellError):
            parse_date(raw)


@given(dates)
def test_a_date_shown_in_an_error_reads_back_as_the_same_date(day):
    assert parse_date(display_value(day)) == day
    assert parse_date(datetime.datetime.combine(day, datetime.time(13, 45))) == day


yes_no_words = st.sampled_from([(word, True) for word in ["x", "có", "yes", "1", "true", "✓", "✔"]]
                               + [(word, False) for word in ["không", "no", "0", "false", ""]])


@given(yes_no_words, st.sampled_from([str.upper, str.lower, str.title]), st.sampled_from(["NFC", "NFD"]),
       st.sampled_from(["", " ", "\t", "  "]))
def test_yes_and_no_in_any_case_accent_form_and_spacing(pair, case, form, pad):
    word, meaning = pair
    assert parse_yes_no(pad + unicodedata.normalize(form, case(word)) + pad) is meaning


@given(st.booleans())
def test_a_true_or_false_cell_and_its_number_read_back(value):
    assert parse_yes_no(value) is value
    assert parse_yes_no(float(value)) is value
    assert parse_yes_no(display_value(value)) is value


@given(st.text(max_size=12))
def test_yes_no_never_guesses(text):
    """A text is yes or no only when it is one of the listed words; anything else is refused."""
    from sheets.cells import NO_WORDS, YES_WORDS
    from sheets.text import fold

    try:
        answer = parse_yes_no(text)
    except CellError:
        assert fold(text) not in YES_WORDS | NO_WORDS
        return
    assert fold(text) in (YES_WORDS if answer else NO_WORDS)


codes = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZĐ0123456789-_./", min_size=1, max_size=32)


@given(codes)
def test_a_clean_code_reads_back_unchanged(code):
    assert parse_code(code) == code
    assert parse_code(f"  {code.lower()} ") == code


@given(st.text(max_size=40))
def test_reading_a_code_twice_changes_nothing(text):
    try:
        code = parse_code(text)
    except CellError:
        return
    assert parse_code(code) == code
    assert len(code) <= 32


@given(codes.filter(lambda code: len(code) <= 31), st.integers(33, 80))
def test_codes_longer_than_32_characters_are_refused(code, length):
    with pytest.raises(CellError, match="too long"):
        parse_code((code * length)[:length])
