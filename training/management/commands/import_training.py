from sheets.command import ImportCommand
from training.training_import import training_import


class Command(ImportCommand):
    help = "Import a training workbook (sheets Khóa học and Học viên): upsert courses and records, all or nothing."

    def run_import(self, *, data, file_name, options):
        return training_import(data=data, file_name=file_name, dry_run=options["dry_run"],
                               keep_blanks=options["keep_blanks"])
