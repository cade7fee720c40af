from agencies.roster_import import roster_import
from sheets.command import ImportCommand


class Command(ImportCommand):
    help = "Import a staff roster workbook (Danh sách cán bộ): upsert by staff code, all or nothing."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--deactivate-missing", action="store_true",
            help="mark staff of the agencies in the file who are missing from it as left today",
        )

    def run_import(self, *, data, file_name, options):
        return roster_import(data=data, file_name=file_name, dry_run=options["dry_run"],
                             deactivate_missing=options["deactivate_missing"], keep_blanks=options["keep_blanks"])
