import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from agencies.models import Staff
from portal.imports import FORMATS
from tests.conftest import make_staff
from tests.workbooks import ROSTER_HEADERS, read_back, xlsx

ROOT = Path(__file__).resolve().parent.parent.parent
FILES = ROOT / "tests" / "files"


def call(name, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
        code = 0
    except CommandError as exc:
        code = exc.returncode
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def roster_file(tmp_path):
    def write(*rows, name="roster.xlsx"):
        path = tmp_path / name
        path.write_bytes(xlsx(*rows))
        return str(path)
    return write


def test_import_roster_applies_and_prints_one_summary_line(tree, roster_file):
    path = roster_file(ROSTER_HEADERS + ["STT"], ["CB1", "An", "SNV", "CC", 1])
    code, out, err = call("import_roster", path)
    assert code == 0
    assert out == "created 1, updated 0, unchanged 0, left 0, transferred 0\n"
    assert err == "ignored columns: STT\n"
    assert Staff.objects.count() == 1


def test_keep_blanks_on_the_command_keeps_stored_values_and_says_so(tree, roster_file):
    make_staff(code="CB1", full_name="An", agency=tree.department, position="Chuyên viên", gender="male")
    path = roster_file(ROSTER_HEADERS + ["Chức vụ", "Giới tính"], ["CB1", "An", "SNV", "CC", "", ""])
    code, out, _err = call("import_roster", path, "--keep-blanks")
    assert code == 0
    assert out == ("created 0, updated 0, unchanged 1, left 0, transferred 0; "
                   "stored values kept where the file is blank: 2\n")
    assert Staff.objects.values_list("position", "gender").get() == ("Chuyên viên", "male")
    code, out, _err = call("import_roster", path)
    assert out.endswith("; stored values erased where the file is blank: 2\n")
    assert Staff.objects.values_list("position", "gender").get() == ("", "")


@pytest.mark.parametrize("command", ["import_agencies", "import_roster", "import_training", "import_reports"])
def test_every_import_command_takes_keep_blanks(command, capsys):
    with pytest.raises(SystemExit):
        call_command(command, "--help")
    assert "--keep-blanks" in capsys.readouterr().out


def test_dry_run_writes_nothing(tree, roster_file):
    code, out, _err = call("import_roster", roster_file(ROSTER_HEADERS, ["CB1", "An", "SNV", "CC"]), "--dry-run")
    assert code == 0 and out.startswith("created 1, updated 0") and "dry run" in out
    assert not Staff.objects.exists()


def test_deactivate_missing_flag(tree, roster_file):
    make_staff(code="GONE", agency=tree.department)
    code, out, _err = call("import_roster", roster_file(ROSTER_HEADERS, ["CB1", "An", "SNV", "CC"]), "--deactivate-missing")
    assert code == 0 and "left 1" in out
    assert Staff.objects.get(code="GONE").left_on is not None


def test_row_errors_exit_1_one_a_line_in_english(tree, roster_file, settings):
    settings.LANGUAGE_CODE = "vi"
    path = roster_file(ROSTER_HEADERS + ["Ngày sinh"], ["CB1", "An", "SNV", "CC", "31/02/1990"],
                       [], ["CB2", "Bình", "NOWHERE", "CC", ""])
    code, out, err = call("import_roster", path)
    assert code == 1 and out == ""
    assert err.splitlines() == ["row 2, Ngày sinh, '31/02/1990': not a date", "row 4, Mã đơn vị, 'NOWHERE': unknown agency"]
    assert not Staff.objects.exists()


@pytest.mark.parametrize("name", ["csv-renamed.xlsx", "zip-not-workbook.xlsx", "empty.xlsx", "damaged.xlsx"])
@pytest.mark.parametrize("command", ["import_agencies", "import_roster", "import_training", "import_reports"])
def test_unusable_files_exit_2_with_one_sentence(db, name, command):
    code, out, err = call(command, str(FILES / name))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.strip().endswith(".")
    assert "Traceback" not in err and "CommandError" not in err


def test_no_sheet_with_the_headers_exits_2(db, roster_file):
    code, _out, err = call("import_reports", roster_file(["Mã", "Tên"], ["A", "B"]))
    assert code == 2 and err.startswith("No sheet has a header row with the columns Mã chỉ tiêu")


def test_missing_file_exits_2(db, tmp_path):
    code, _out, err = call("import_agencies", str(tmp_path / "nope.xlsx"))
    assert code == 2 and "Cannot read" in err


@pytest.mark.parametrize("command", ["import_agencies", "import_training", "import_reports"])
def test_other_imports_print_a_summary(tree, tmp_path, command):
    rows = {
        "import_agencies": [["Mã đơn vị", "Tên đơn vị", "Cấp", "Loại", "Mã đơn vị cấp trên"],
                            ["SNV", "Sở Nội vụ", "Tỉnh", "Sở-Ban-Ngành", "UBND-T"]],
        "import_training": [["Mã khóa học", "Tên khóa học", "Nhóm", "Ngày bắt đầu", "Ngày kết thúc"],
                            ["KH1", "Tin học", "basic", "01/03/2020", "05/03/2020"]],
        "import_reports": [["Mã chỉ tiêu", "Mã đơn vị", "Năm", "Tử số", "Mẫu số"], ["teachers-it", "SNV", 2020, 1, 2]],
    }[command]
    path = tmp_path / "file.xlsx"
    path.write_bytes(xlsx(*rows))
    code, out, _err = call(command, str(path))
    assert code == 0 and out.startswith("created ") and "unchanged" in out


def test_real_exit_code_and_bare_sentence_from_the_command_line(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "manage.py", "import_roster", str(FILES / "csv-renamed.xlsx")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("This is a text file") and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("kind", list(FORMATS))
def test_template_command_writes_headers_sample_and_guide(db, tmp_path, kind):
    path = tmp_path / f"{kind}.xlsx"
    code, out, _err = call("template", kind, "--output", str(path))
    assert code == 0 and out.startswith("wrote")
    sheets = read_back(path.read_bytes())
    format_sheets = FORMATS[kind].sheets
    assert list(sheets) == [s.name for s in format_sheets] + ["Guide"]
    for spec in format_sheets:
        assert sheets[spec.name][0] == [c.header for c in spec.columns]
        assert len(sheets[spec.name]) == 2  # headers and one sample row
    assert sheets["Guide"][0] == ["Sheet", "Column", "English name", "Required", "Accepted values"]
