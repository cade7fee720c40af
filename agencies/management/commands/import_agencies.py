from agencies.agency_import import agency_import
from sheets.command import ImportCommand


class Command(ImportCommand):
    help = "Import an agencies workbook (Đơn vị): upsert by agency code, all or nothing."

    def run_import(self, *, data, file_name, options):
        return agency_import(data=data, file_name=file_name, dry_run=options["dry_run"],
                             keep_blanks=options["keep_blanks"])
