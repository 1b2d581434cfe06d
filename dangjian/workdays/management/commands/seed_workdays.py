from django.core.management.base import BaseCommand, CommandError

from dangjian.core.context import acting_as
from dangjian.core.errors import DomainError
from dangjian.workdays import services


class Command(BaseCommand):
    help = "Load a year's holidays and make-up working days (chinese-calendar when installed, else the bundled notices)."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="+", type=int)
        parser.add_argument("--replace", action="store_true", help="replace the year's rows")

    def handle(self, *args, years, replace, **options):
        with acting_as(None, via="command"):
            for year in years:
                try:
                    n = services.seed_year(None, year, replace=replace)
                except DomainError as exc:
                    raise CommandError("; ".join(exc.messages)) from None
                self.stdout.write(f"{year}: {n} days written")
