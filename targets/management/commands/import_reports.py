from sheets.command import ImportCommand
from targets.report_import import report_import


class Command(ImportCommand):
    help = "Import an aggregate reports workbook (Báo cáo số liệu): upsert by indicator, agency and year."

    def run_import(self, *, data, file_name, options):
        return report_import(data=data, file_name=file_name, dry_run=options["dry_run"],
                             keep_blanks=options["keep_blanks"])
