"""After the deadlines, in a real Chromium on the demo: verdicts on deadline dates, the results'
headline, the A4 print keeping every column (read back from Chromium's PDF), and the Word report."""
from __future__ import annotations

import io
import re

import docx
import pytest
from pypdf import PdfReader

from .support import ARTIFACTS, PHONE, follow, t

pytestmark = pytest.mark.browser
BANDS = ("on track", "at risk", "behind")


def indicator_table(page) -> str:
    return page.locator("table.indicator-table").inner_text()


@pytest.mark.parametrize("day, final", [("30/12/2020", False), ("31/12/2020", True), ("01/01/2021", True)])
def test_the_2020_verdict_is_final_from_its_deadline_day(page, sign_in, day, final):
    sign_in("lanhdao")
    page.goto(f"/?as_of={day}&target_year=2020")
    table = indicator_table(page)
    headers = page.locator("table.indicator-table thead").inner_text()
    bands = [word for word in BANDS if t(word) in table]
    if final:
        assert t("Verdict %(year)s") % {"year": 2020} in headers
        assert t("Value on %(date)s (deadline)") % {"date": "31/12/2020"} in headers
        assert bands == []  # met or not met, nothing softer
        assert t("not met") in table and "Theo tốc độ này" not in headers
    else:
        assert t("Status") in headers and bands  # a shortfall the day before is still a band
        assert t("At this pace on %(date)s") % {"date": "31/12/2020"} in headers


def _headline(page) -> str:
    return " ".join(page.locator(".results-headline .lead").inner_text().split())


def test_the_headline_counts_the_results_tables_verdicts(page, sign_in):
    sign_in("lanhdao")
    page.goto("/chi-tieu/tong-ket/?as_of=02/12/2026")
    headline = _headline(page)
    rows = page.locator("table.results-table-summary tbody tr")
    met_2020 = met_2025 = judged_2020 = judged_2025 = 0
    for n in range(rows.count()):
        cells = rows.nth(n).locator("td")
        result_2020, result_2025 = cells.nth(2).inner_text().strip(), cells.nth(5).inner_text().strip()
        judged_2020 += result_2020 in (t("met"), t("not met"))
        judged_2025 += result_2025 in (t("met"), t("not met"))
        met_2020 += result_2020 == t("met")
        met_2025 += result_2025 == t("met")
    assert f"Mục tiêu năm 2020: đạt {met_2020}/{judged_2020} chỉ tiêu" in headline
    assert f"Mục tiêu năm 2025: đạt {met_2025}/{judged_2025} chỉ tiêu" in headline
    first = rows.nth(0).inner_text()
    assert t("not met") in first  # the indicators not met come first
    # The province overview opens with the same headline, and links to the results.
    page.goto("/?as_of=02/12/2026")
    assert _headline(page) == headline
    follow(page, page.get_by_role("link", name=t("The programme's results, indicator by indicator")))
    assert page.get_by_role("heading", level=1).inner_text() == t("The programme's results")


def _printed_text(page, name: str) -> tuple[str, int]:
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page_.extract_text() for page_ in reader.pages)
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert width > height, "the wide report prints on A4 landscape"
    return " ".join(text.split()), len(reader.pages)


def test_the_a4_print_keeps_every_column(page, sign_in):
    sign_in("lanhdao")
    page.goto("/?as_of=02/12/2026")
    names = [name.strip() for name in page.locator("table.indicator-table tbody th").all_inner_texts()]
    text, pages = _printed_text(page, "overview-print")
    squeezed = text.replace(" ", "")
    # Every column of the indicators table, the rightmost included (cut off before).
    for header in (t("Value on %(date)s (deadline)") % {"date": "31/12/2025"}, "Mục tiêu 2020", "Mục tiêu 2025",
                   t("Verdict %(year)s") % {"year": 2025}, t("Gap today")):
        assert header.replace(" ", "") in squeezed, header
    # Every indicator is named in the table, in each scorecard part's headings and under each trend.
    for name in names:
        assert squeezed.count(name.replace(" ", "")) >= 3, name
    assert re.search(r"phần\s*2\s*/\s*2", text)  # the scorecards are split into readable parts
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and t("HEAD OF AGENCY") in text
    assert pages >= 2

    page.emulate_media(media="screen")
    page.goto("/?as_of=02/12/2026")
    follow(page, page.locator("#scorecard-heading").locator("..").get_by_role("link", name="UBND huyện Đắk Mil"))
    districts = page.locator("table.indicator-table tbody th").all_inner_texts()
    page.keyboard.press("Tab")  # the skip link, first on the page, has the focus: it opened a blank portrait page
    text, _pages = _printed_text(page, "district-print")
    squeezed = text.replace(" ", "")
    for header in (t("Verdict %(year)s") % {"year": 2025}, t("Gap today"), "Mục tiêu 2025"):
        assert header.replace(" ", "") in squeezed, header
    assert all(name.strip().replace(" ", "") in squeezed for name in districts)


def test_the_word_report_opens_with_the_national_heading(page, sign_in):
    sign_in("lanhdao")
    page.goto("/chi-tieu/tong-ket/?as_of=02/12/2026")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=t("Word report (.docx)")).click()
    download = download_info.value
    assert download.suggested_filename == "Báo cáo tổng kết 02-12-2026.docx"
    saved = ARTIFACTS / "results.docx"
    download.save_as(saved)
    document = docx.Document(saved)
    heading = document.tables[0].rows[0].cells[1].paragraphs
    assert [p.text for p in heading[:2]] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert "Đắk Nông, ngày 02 tháng 12 năm 2026" in [p.text for p in heading]
    texts = [p.text for p in document.paragraphs]
    assert "BÁO CÁO" in texts
    assert any(text.startswith("Mục tiêu năm 2020: đạt ") for text in texts)
    signature = document.tables[-1].rows[0].cells
    assert signature[0].paragraphs[0].text == "Nơi nhận:"


LABEL_SIZES = """(selector) => [...document.querySelectorAll(selector)].map(text => {
  const scale = text.ownerSVGElement.getScreenCTM().a;
  return parseFloat(getComputedStyle(text).fontSize) * scale;
})"""


def test_trend_charts_draw_every_target_year_with_readable_labels(page, sign_in):
    sign_in("lanhdao")
    page.goto("/?as_of=02/12/2026")
    chart = page.locator(".trend-grid svg").first
    assert chart.locator(".target-line").count() == 2  # > 90 % by 2020 and ≥ 100 % by 2025
    labels = chart.locator(".target-label").all_text_contents()
    assert any("2020" in label for label in labels) and any("2025" in label for label in labels)
    sizes = page.evaluate(LABEL_SIZES, ".trend-grid svg text")
    assert sizes and min(sizes) >= 11, min(sizes)
    page.set_viewport_size(PHONE)
    page.reload()
    card = page.locator(".indicator-cards details").first
    card.locator("summary").click()
    sizes = page.evaluate(LABEL_SIZES, ".indicator-cards details[open] svg text")
    assert sizes and min(sizes) >= 11, min(sizes)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
