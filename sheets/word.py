"""Editable Word reports (.docx) in the form of a Vietnamese administrative document (Decree
30/2020/NĐ-CP, appendix I): the issuing body and the national heading side by side, the number and the
place and date line, the title, the body (paragraphs and tables), then "Nơi nhận" and the signature.

Offices edit and sign Word files, not web pages: the tables are real Word tables, nothing is an image.
"""
from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from sheets.responses import Table

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
FONT = "Times New Roman"
BODY_PT, HEADING_PT, TABLE_PT, SMALL_PT = 13, 13, 11, 12


@dataclass(frozen=True)
class AdministrativeReport:
    """What the report says; the form (fonts, margins, heading, blocks) is the decree's."""

    parent_body: str  # the body above the issuer ("UBND TỈNH ĐẮK NÔNG"); may be empty
    issuer: str  # the issuing body, printed in capitals and bold
    number: str  # "Số: …/BC-UBND": left blank to be filled when the report is registered
    place: str
    date: datetime.date
    kind: str  # "BÁO CÁO"
    title: str  # what it reports on, under the kind
    paragraphs: Sequence[str] = ()
    tables: Sequence[Table] = ()
    recipients: Sequence[str] = ()
    recipients_label: str = "Nơi nhận:"
    signer_role: str = ""  # "TM. ỦY BAN NHÂN DÂN"
    signer_title: str = ""  # "CHỦ TỊCH"
    signature_hint: str = ""
    date_line: str = ""  # "Đắk Nông, ngày 02 tháng 12 năm 2026" (in the page's language)
    landscape: bool = False
    notes: Sequence[str] = field(default=())


def _run(paragraph, text: str, *, size: float = BODY_PT, bold: bool = False, italic: bool = False,
         underline: bool = False):
    run = paragraph.add_run(text)
    run.font.name = FONT
    run.font.size = Pt(size)
    run.bold, run.italic, run.underline = bold, italic, underline
    # East Asian and complex-script slots too, or Word falls back to another font for Vietnamese letters.
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    return run


def _paragraph(container, text: str = "", *, align=WD_ALIGN_PARAGRAPH.LEFT, size: float = BODY_PT, bold=False,
               italic=False, underline=False, space_after: float = 0):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    paragraph.paragraph_format.space_before = Pt(0)
    if text:
        _run(paragraph, text, size=size, bold=bold, italic=italic, underline=underline)
    return paragraph


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _repeat_header(row) -> None:
    """The header row is repeated on every page a long table runs over."""
    properties = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    properties.append(element)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


def _two_columns(document, widths_mm: tuple[float, float]):
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _no_borders(table)
    for cell, width in zip(table.rows[0].cells, widths_mm, strict=True):
        cell.width = Mm(width)
        cell.paragraphs[0].paragraph_format.space_after = Pt(0)
    return table.rows[0].cells


def report_bytes(report: AdministrativeReport) -> bytes:
    document = Document()
    section = document.sections[0]
    if report.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
    # Decree 30/2020, appendix I: top and bottom 20-25 mm, left 30-35 mm, right 15-20 mm.
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    text_width = (297 if report.landscape else 210) - 45
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(BODY_PT)

    left, right = _two_columns(document, (text_width * 0.42, text_width * 0.58))
    first = left.paragraphs[0]
    first.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if report.parent_body:
        _run(first, report.parent_body.upper(), size=SMALL_PT)
        issuer = _paragraph(left, align=WD_ALIGN_PARAGRAPH.CENTER)
    else:
        issuer = first
    _run(issuer, report.issuer.upper(), size=SMALL_PT, bold=True)
    _paragraph(left, "———", align=WD_ALIGN_PARAGRAPH.CENTER, size=SMALL_PT)
    _paragraph(left, report.number, align=WD_ALIGN_PARAGRAPH.CENTER, size=BODY_PT)
    nation = right.paragraphs[0]
    nation.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(nation, NATION, size=SMALL_PT, bold=True)
    _paragraph(right, MOTTO, align=WD_ALIGN_PARAGRAPH.CENTER, size=HEADING_PT, bold=True, underline=True)
    _paragraph(right, "")
    _paragraph(right, report.date_line, align=WD_ALIGN_PARAGRAPH.CENTER, size=BODY_PT, italic=True)

    _paragraph(document, "", space_after=6)
    _paragraph(document, report.kind.upper(), align=WD_ALIGN_PARAGRAPH.CENTER, size=14, bold=True)
    _paragraph(document, report.title, align=WD_ALIGN_PARAGRAPH.CENTER, size=14, bold=True)
    _paragraph(document, "———", align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)

    for text in report.paragraphs:
        paragraph = _paragraph(document, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, space_after=6)
        paragraph.paragraph_format.first_line_indent = Mm(10)
    for table_data in report.tables:
        _paragraph(document, table_data.title, bold=True, space_after=3)
        header = list(table_data.header)
        table = document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(cell.paragraphs[0], str(text), size=TABLE_PT, bold=True)
        _repeat_header(table.rows[0])
        for values in table_data.rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, values, strict=True):
                _run(cell.paragraphs[0], _cell_text(value), size=TABLE_PT)
        _paragraph(document, "", space_after=6)
    for note in report.notes:
        _paragraph(document, note, italic=True, size=SMALL_PT, space_after=3)

    _paragraph(document, "", space_after=6)
    left, right = _two_columns(document, (text_width * 0.5, text_width * 0.5))
    _run(left.paragraphs[0], report.recipients_label, size=SMALL_PT, bold=True, italic=True)
    for recipient in report.recipients:
        _paragraph(left, f"- {recipient}", size=11)
    role = right.paragraphs[0]
    role.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(role, report.signer_role.upper(), size=BODY_PT, bold=True)
    _paragraph(right, report.signer_title.upper(), align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    _paragraph(right, report.signature_hint, align=WD_ALIGN_PARAGRAPH.CENTER, italic=True, size=SMALL_PT)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_response(filename: str, report: AdministrativeReport) -> HttpResponse:
    """The report as a download keeping its Vietnamese file name (RFC 6266 filename*)."""
    response = HttpResponse(report_bytes(report), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
