"""Text folding shared by name search and header matching."""
import unicodedata


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: 'Nguyễn  Văn Đức' -> 'nguyen van duc'."""
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return " ".join(stripped.lower().split())
