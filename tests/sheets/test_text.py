import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from sheets.text import clean_text, fold, match_key


def test_fold_keeps_existing_behaviour():
    assert fold("Nguyễn  Văn Đức") == "nguyen van duc"


def test_match_key_ignores_case_accents_spaces_line_breaks_and_underscores():
    assert match_key("Mã\ncán  bộ") == match_key("MA CAN BO") == match_key(" mã cán bộ ") == "macanbo"
    assert match_key("staff_code") == match_key("Staff code")
    assert match_key("LANH DAO") == match_key("Lãnh đạo")


def test_clean_text_is_nfc():
    assert clean_text(unicodedata.normalize("NFD", " Đắk   Nông ")) == unicodedata.normalize("NFC", "Đắk Nông")


vietnamese = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ \n",
                     min_size=1, max_size=30)


@given(vietnamese, st.sampled_from(["NFC", "NFD"]), st.sampled_from([str.upper, str.lower, str.title]))
def test_a_header_matches_itself_in_any_form_and_case(header, form, case):
    assert match_key(unicodedata.normalize(form, case(header))) == match_key(header)


@given(vietnamese)
def test_spacing_never_matters(header):
    assert match_key(header.replace(" ", "\n  ")) == match_key(header)
