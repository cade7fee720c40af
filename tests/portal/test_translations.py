"""The translation catalogues: Vietnamese complete and compiled, every source string extracted, pages in both languages.

Vietnamese is the default interface, so an English leftover is a bug a user sees. The .po files are read
with a small parser (no polib dependency); scripts/messages.sh refreshes and compiles them.
"""
from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
VI_PO = LOCALE / "vi" / "LC_MESSAGES" / "django.po"
# The same ignores as scripts/messages.sh: tests and benchmarks show nothing to users.
IGNORED_DIRS = {".git", ".venv", "staticfiles", "tests", "bench", "test-artifacts", "locale", "node_modules",
                "__pycache__", ".pytest_cache", ".ruff_cache", "media"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


# --- a tiny .po reader ------------------------------------------------------------------------------

@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return self.msgctxt, self.msgid

    @property
    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt else ""
        return f"line {self.line}: {context}{self.msgid!r}"


def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(m.group(1), m.group(1)), body)


def read_po(path: Path) -> tuple[Entry, list[Entry]]:
    """The header entry and the live entries (obsolete "#~" entries are skipped)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif match := re.match(r'(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$', line):
            keyword, index, text = match.group(1), match.group(2), _unquote(match.group(3))
            target = (keyword, int(index) if index is not None else None)
            _append(current, target, text)
        elif line.startswith('"') and target:
            _append(current, target, _unquote(line))
    header = next(entry for entry in entries if entry.msgid == "" and entry.msgctxt is None)
    return header, [entry for entry in entries if entry is not header]


def _append(entry: Entry, target: tuple[str, int | None], text: str) -> None:
    keyword, index = target
    if keyword == "msgstr":
        slot = index or 0
        entry.msgstr[slot] = entry.msgstr.get(slot, "") + text
    else:
        setattr(entry, keyword, (getattr(entry, keyword) or "") + text)


def header_fields(header: Entry) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in header.msgstr.get(0, "").splitlines() if ": " in line)


def nplurals(header: Entry) -> int:
    return int(re.search(r"nplurals=(\d+)", header_fields(header)["Plural-Forms"]).group(1))


def mo_catalog_from_po(path: Path) -> dict:
    """What msgfmt puts in the .mo: translated, non-fuzzy entries, keyed as gettext.GNUTranslations keys them."""
    _header, entries = read_po(path)
    catalog = {}
    for entry in entries:
        if "fuzzy" in entry.flags or not all(entry.msgstr.values()):
            continue
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt is not None else entry.msgid
        if entry.msgid_plural is None:
            catalog[key] = entry.msgstr[0]
        else:
            catalog.update({(key, index): text for index, text in entry.msgstr.items()})
    return catalog


# --- the catalogues -----------------------------------------------------------------------------------

def test_vietnamese_header_is_valid():
    header, _entries = read_po(VI_PO)
    fields = header_fields(header)
    assert "fuzzy" not in header.flags, "a fuzzy header is dropped by msgfmt, and with it the plural rule"
    assert fields["Language"] == "vi"
    assert "charset=UTF-8" in fields["Content-Type"]
    assert nplurals(header) == 1, "Vietnamese has one plural form"


def test_every_vietnamese_entry_is_translated_and_none_is_fuzzy():
    header, entries = read_po(VI_PO)
    assert len(entries) > 500
    forms = nplurals(header)
    fuzzy = [entry.label for entry in entries if "fuzzy" in entry.flags]
    empty = [entry.label for entry in entries
             if not entry.msgstr.get(0) or (entry.msgid_plural is not None and len(entry.msgstr) != forms)
             or not all(entry.msgstr.values())]
    not_nfc = [entry.label for entry in entries if not all(unicodedata.is_normalized("NFC", text)
                                                            for text in entry.msgstr.values())]
    assert not not_nfc, "translations must be in composed Unicode (NFC), as the data is:\n" + "\n".join(not_nfc)
    assert not fuzzy, "fuzzy entries are not compiled (shown in English); check and unflag them:\n" + "\n".join(fuzzy)
    assert not empty, "untranslated entries; run scripts/messages.sh and translate:\n" + "\n".join(empty)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_translations_keep_placeholders_markup_and_edge_spaces(language):
    _header, entries = read_po(LOCALE / language / "LC_MESSAGES" / "django.po")
    problems = []
    for entry in entries:
        for index, text in entry.msgstr.items():
            if not text:
                continue
            source = entry.msgid
            if entry.msgid_plural is not None and (index > 0 or language == "vi"):
                source = entry.msgid_plural  # the one Vietnamese form stands for every count
            if sorted(set(PLACEHOLDER.findall(text))) != sorted(set(PLACEHOLDER.findall(source))):
                problems.append(f"{entry.label}: placeholders differ")
            if sorted(TAG.findall(text)) != sorted(TAG.findall(source)):
                problems.append(f"{entry.label}: HTML differs")
            if (source[:1].isspace(), source[-1:].isspace()) != (text[:1].isspace(), text[-1:].isspace()):
                problems.append(f"{entry.label}: leading or trailing space differs")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_compiled_catalogue_matches_the_po_file(language):
    directory = LOCALE / language / "LC_MESSAGES"
    mo = directory / "django.mo"
    assert mo.exists(), f"{mo} is missing: run scripts/messages.sh (compilemessages) and commit it"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    compiled = {key: text for key, text in compiled.items() if key != ""}
    expected = mo_catalog_from_po(directory / "django.po")
    missing = sorted(str(key) for key in expected.keys() - compiled.keys())
    stale = sorted(str(key) for key in compiled.keys() - expected.keys())
    changed = sorted(str(key) for key in expected.keys() & compiled.keys() if expected[key] != compiled[key])
    assert not (missing or stale or changed), (
        f"{mo} is out of date with its .po; run scripts/messages.sh and commit the .mo.\n"
        f"missing: {missing[:10]}\nstale: {stale[:10]}\nchanged: {changed[:10]}"
    )


def _copy_sources(destination: Path) -> None:
    """The files makemessages reads (Python and templates), without the ignored directories."""
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [name for name in subdirectories if name not in IGNORED_DIRS]
        relative = Path(directory).relative_to(ROOT)
        for name in files:
            if name.endswith((".py", ".html", ".txt")):
                (destination / relative).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(directory) / name, destination / relative / name)


@pytest.mark.skipif(not (shutil.which("xgettext") and shutil.which("msgmerge")),
                    reason="GNU gettext (xgettext, msgmerge) is not installed; apt-get install gettext")
def test_every_source_string_is_in_the_vietnamese_catalogue(tmp_path):
    _copy_sources(tmp_path)
    (tmp_path / "locale").mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    # A copy, so that the committed catalogue is never rewritten by the test.
    completed = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "vi", "--no-obsolete", "--add-location=never",
         *[f"--ignore={name}" for name in sorted(IGNORED_DIRS - {"locale"})]],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    _header, extracted = read_po(tmp_path / "locale" / "vi" / "LC_MESSAGES" / "django.po")
    _header, committed = read_po(VI_PO)
    new = sorted({entry.key for entry in extracted} - {entry.key for entry in committed}, key=str)
    assert not new, ("source strings missing from locale/vi/LC_MESSAGES/django.po; run scripts/messages.sh and "
                     "translate them:\n" + "\n".join(map(str, new)))


# --- pages in both languages --------------------------------------------------------------------------

class _VisibleText(HTMLParser):
    """Text nodes and the attributes people read (aria-label, title, placeholder, alt).

    Scripts, styles and elements that declare another language (the "English" button of the language
    switch) are skipped up to their end tag.
    """

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.texts: list[str] = []
        self.skipping: str | None = None
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.skipping:
            self.depth += tag == self.skipping
            return
        if tag in ("script", "style") or (tag != "html" and attributes.get("lang", self.language) != self.language):
            self.skipping, self.depth = tag, 1
            return
        for name in ("aria-label", "title", "placeholder", "alt"):
            if attributes.get(name):
                self.texts.append(" ".join(attributes[name].split()))

    def handle_startendtag(self, tag, attrs):
        if not self.skipping:
            self.handle_starttag(tag, attrs)
            if self.skipping == tag:
                self.skipping = None

    def handle_endtag(self, tag):
        if self.skipping == tag:
            self.depth -= 1
            if not self.depth:
                self.skipping = None

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append(" ".join(data.split()))


def english_leftovers(html: str) -> list[str]:
    """Visible strings that are an English msgid whose Vietnamese translation differs."""
    with (LOCALE / "vi" / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    english = {key for key, text in catalog.items() if isinstance(key, str) and key and "\x04" not in key
               and text != key}
    parser = _VisibleText("vi")
    parser.feed(html)
    return sorted({text for text in parser.texts if text in english})


@pytest.fixture
def demo_course(tree):
    from tests.conftest import make_course, make_record, make_staff

    staff = make_staff(code="CB-A1", full_name="Trần Thị Đào", agency=tree.commune_a1)
    course = make_course(code="KH-01", name="Tin học cơ bản", agency=tree.district_a)
    make_record(course=course, staff=staff)
    return course


def test_sign_in_page_is_vietnamese_by_default(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html and "Tên đăng nhập" in html and "Mật khẩu" in html
    assert "Sign in" not in html
    # The switch offers English in its own name, so an English reader finds it.
    assert 'lang="en">English</button>' in html


def test_sign_in_page_is_english_after_switching(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    assert "Sign in" in html and "Username" in html
    assert "Đăng nhập" not in html
    assert 'lang="vi">Tiếng Việt</button>' in html


def test_overview_in_vietnamese_and_in_english(client, leader):
    client.force_login(leader)
    # A browser set to English still gets Vietnamese on a first visit: the portal's language.
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for words in ("Tổng quan toàn tỉnh", "Chỉ tiêu", "Mục tiêu 2020", "Số đạt / tổng số", "Đăng xuất",
                  "KẾT QUẢ THỰC HIỆN CHƯƠNG TRÌNH PHÁT TRIỂN NHÂN LỰC CNTT", "Đắk Nông, ngày ",
                  "CBCCVC cấp tỉnh, huyện được nâng cao trình độ ứng dụng CNTT"):
        assert words in html
    assert "Province overview" not in html and "Sign out" not in html
    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    for _visit in range(2):  # picked once, English stays picked
        html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
        assert "Province overview" in html and "Sign out" in html and "Target 2020" in html
        assert "Tổng quan toàn tỉnh" not in html
    # Names are data in both languages: the indicators' and the programme's English names.
    assert "Provincial and district civil servants trained in IT application" in html
    assert "CBCCVC cấp tỉnh, huyện được nâng cao trình độ ứng dụng CNTT" not in html
    assert "Programme for developing Dak Nong province" in html


@pytest.mark.parametrize("name, args", [
    ("home", None),
    ("agencies:agency-list", None),
    ("agencies:staff-list", None),
    ("training:course-list", None),
    ("training:course-detail", "course"),
    ("targets:report-list", None),
    ("targets:reporting", None),
    ("imports:index", None),
    ("imports:history", None),
])
def test_main_pages_show_no_english_leftovers(client, national_admin, demo_course, name, args):
    client.force_login(national_admin)
    url = reverse(name, args=[demo_course.pk] if args == "course" else None)
    response = client.get(url)
    assert response.status_code == 200
    assert english_leftovers(response.content.decode()) == []


def test_not_found_page_is_vietnamese(client, db, settings):
    settings.DEBUG = False
    html = client.get("/khong-co-trang-nay/").content.decode()
    assert "Không tìm thấy trang" in html
