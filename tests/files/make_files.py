"""How the saved files beside this script were made (run again only to change them).

    cd tests/files && ../../.venv/bin/python make_files.py

The .ods and .xls are written by LibreOffice (soffice --headless --convert-to), from an .xlsx
made here, so they hold what LibreOffice really writes: =TRUE() formulas with their values, dates
as date cells, merged title cells.
"""
import io
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent


def roster_source() -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Danh sách cán bộ"
    sheet.append(["UBND TỈNH ĐẮK NÔNG"])
    sheet.merge_cells("A1:E1")
    sheet.append(["DANH SÁCH CÁN BỘ, CÔNG CHỨC"])
    sheet.append([])
    sheet.append(["STT", "Mã cán bộ", "Họ và tên", "Mã đơn vị", "Loại", "Ngày sinh", "Lãnh đạo", "CIO"])
    sheet.append([1, 1024, "Nguyễn Văn An", "SNV", "CC", "05/03/1985", "=TRUE()", "=FALSE()"])
    sheet.append([2, "cb-2", "Trần Thị Bình", "snv", "Viên chức", 1990, "=FALSE()", "=TRUE()"])
    sheet.append([])
    sheet.append(["", "Người lập biểu", "", "", "", "", "", ""])
    path = Path(tempfile.mkdtemp()) / "roster-libreoffice.xlsx"
    book.save(path)
    return path


def main() -> None:
    source = roster_source()
    for extension in ("ods", "xls"):
        subprocess.run(["soffice", "--headless", "--convert-to", extension, "--outdir", str(source.parent), str(source)],
                       check=True, capture_output=True, timeout=180)
        shutil.copy(source.with_suffix(f".{extension}"), HERE / f"roster-libreoffice.{extension}")
    # LibreOffice's own .xlsx: formulas saved with their computed values.
    subprocess.run(["soffice", "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir",
                    str(source.parent / "lo"), str(HERE / "roster-libreoffice.ods")],
                   check=True, capture_output=True, timeout=180)
    shutil.copy(source.parent / "lo" / "roster-libreoffice.xlsx", HERE / "roster-libreoffice.xlsx")
    (HERE / "csv-renamed.xlsx").write_text("Mã cán bộ,Họ và tên,Mã đơn vị,Loại\nCB1,Nguyễn Văn An,SNV,CC\n",
                                            encoding="utf-8")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    (HERE / "zip-not-workbook.xlsx").write_bytes(archive.getvalue())
    (HERE / "empty.xlsx").write_bytes(b"")
    good = (HERE / "roster-libreoffice.xlsx").read_bytes()
    (HERE / "damaged.xlsx").write_bytes(good[: len(good) // 2])
    corners_xls(source.parent)


def corners_xls(folder: Path) -> None:
    """A 7 KB .xls whose three sheets hold a value at A1 and at IV65536 (an .xls is read whole, as dense grids)."""
    book = openpyxl.Workbook()
    for index, sheet in enumerate([book.active, book.create_sheet(), book.create_sheet()], start=1):
        sheet.title = f"S{index}"
        sheet["A1"], sheet["IV65536"] = "x", "y"
    book.save(folder / "corners.xlsx")
    subprocess.run(["soffice", "--headless", "--convert-to", "xls", "--outdir", str(folder), str(folder / "corners.xlsx")],
                   check=True, capture_output=True, timeout=180)
    shutil.copy(folder / "corners.xls", HERE / "corners.xls")


if __name__ == "__main__":
    main()
