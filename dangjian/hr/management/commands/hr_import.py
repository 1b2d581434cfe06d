"""Import a spreadsheet of HR post changes for one HR system: `manage.py hr_import changes.xlsx --system 3`.
All or nothing: a malformed row imports nothing (the errors are listed and the command fails)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangjian.hr import imports
from dangjian.hr.models import HrSystem


class Command(BaseCommand):
    help = "Import HR post changes from an .xlsx file (id_number or staff_no, new_unit, effective)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--system", type=int, required=True, help="the HR system's id")

    def handle(self, *args, **options):
        system = HrSystem.objects.filter(pk=options["system"], active=True).select_related("org").first()
        if system is None:
            raise CommandError(f"No active HR system with id {options['system']}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        result = imports.import_file(system, path.read_bytes())
        if not result.ok:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"Nothing imported: {len(result.errors)} error(s).")
        counts = result.counts()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
