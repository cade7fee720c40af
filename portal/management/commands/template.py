from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from portal.imports import FORMATS, template_workbook


class Command(BaseCommand):
    help = "Write the blank template of an import format: headers, a sample row and a guide to the accepted values."

    def add_arguments(self, parser):
        parser.add_argument("format", choices=list(FORMATS), help="which workbook")
        parser.add_argument("--output", required=True, metavar="PATH", help="where to write the .xlsx file")

    def handle(self, *args, **options):
        with translation.override("en"):
            path = Path(options["output"])
            try:
                path.write_bytes(template_workbook(options["format"]))
            except OSError as exc:
                raise CommandError(f"Cannot write {path}: {exc.strerror or exc}.", returncode=2) from None
            self.stdout.write(f"wrote {path}")
