"""manage.py attainment: every indicator on a date, as a table, the JSON document or a workbook."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sheets.responses import Table, workbook_bytes
from targets.attainment import Attainment, NoProgramme, attainment
from targets.forms import BadParameter, parse_iso_date, parse_target_year

ROW_HEADER = ["indicator", "scope", "agency", "level", "numerator", "denominator", "percent", "met"]


class Command(BaseCommand):
    help = "Compute every indicator of the current programme (interfaces.md, 'Attainment JSON')."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="YYYY-MM-DD; today by default")
        parser.add_argument("--target-year", help="a target year of the current programme; by default the first "
                            "whose deadline (31 December) is not past, else the last")
        parser.add_argument("--format", choices=["table", "json", "xlsx"], default="table")
        parser.add_argument("--output", help="write to this file instead of standard output (required for xlsx)")

    def handle(self, *args, **options):
        try:
            as_of = parse_iso_date(options["as_of"], "--as-of") if options["as_of"] else timezone.localdate()
            target_year = parse_target_year(options["target_year"])
        except BadParameter as error:
            raise CommandError(str(error).replace("target_year", "--target-year")) from None
        if options["format"] == "xlsx" and not options["output"]:
            raise CommandError("--format xlsx writes a binary workbook: give --output PATH.")
        try:
            result = attainment(as_of=as_of, target_year=target_year)
        except NoProgramme:
            raise CommandError("No programme is marked current.") from None

        if options["format"] == "xlsx":
            with open(options["output"], "wb") as handle:
                handle.write(workbook_bytes([attainment_table(result)]))
            return
        text = (json.dumps(result.as_json(), ensure_ascii=False, indent=2) if options["format"] == "json"
                else format_table(result))
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
        else:
            self.stdout.write(text)


def _cells(indicator_code: str, row: dict) -> list:
    met = {True: "yes", False: "no", None: ""}[row["met"]]
    return [indicator_code, row["scope"], row["agency"] or "", row["level"] or "", row["numerator"],
            row["denominator"], row["percent"], met]


def attainment_table(result: Attainment) -> Table:
    rows = [_cells(i.code, row.as_json()) for i in result.indicators for row in i.rows]
    return Table(title=f"{result.as_of.isoformat()} ({result.target_year})", header=ROW_HEADER, rows=rows)


def format_table(result: Attainment) -> str:
    lines = [f"as of {result.as_of.isoformat()}, target year {result.target_year}"]
    for indicator in result.indicators:
        target = f"{indicator.target.op} {indicator.target.as_json()['percent']} %" if indicator.target else "no target"
        lines += ["", f"{indicator.code}  {indicator.name}  ({target})"]
        cells = [ROW_HEADER[1:]] + [
            ["" if v is None else f"{v:.1f}" if isinstance(v, float) else v for v in _cells(indicator.code, row.as_json())[1:]]
            for row in indicator.rows
        ]
        widths = [max(len(str(line[c])) for line in cells) for c in range(len(cells[0]))]
        for line in cells:
            lines.append("  " + "  ".join(
                str(v).rjust(w) if c >= 3 else str(v).ljust(w) for c, (v, w) in enumerate(zip(line, widths, strict=True))
            ).rstrip())
    return "\n".join(lines)
