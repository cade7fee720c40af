"""Text folding shared by name search and header matching, and the text normalisation of imports."""
import unicodedata


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: 'Nguyễn  Văn Đức' -> 'nguyen van duc'."""
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return " ".join(stripped.lower().split())


def clean_text(text: str) -> str:
    """NFC, trimmed, every run of whitespace (line breaks included) made one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def match_key(text: str) -> str:
    """What headers and choice labels are compared by: folded, letters and digits only.

    'Mã\\ncán  bộ', 'MA CAN BO' and 'staff_code'/'Staff code' each give one key, so line breaks,
    spacing, underscores and stray punctuation ("Mã cán bộ (*)") never decide a match.
    """
    return "".join(ch for ch in fold(text) if ch.isalnum())
