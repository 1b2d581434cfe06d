"""Check (--check) or rebuild (--rebuild) the monthly tallies of meetings held that the compliance table reads."""

from django.core.management.base import BaseCommand, CommandError

from dangjian.meetings import tally


class Command(BaseCommand):
    help = "Check (--check: exit 1 on drift) or rebuild (--rebuild) the monthly tallies of meetings held."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true")
        parser.add_argument("--rebuild", action="store_true")

    def handle(self, *args, check=False, rebuild=False, **options):
        if not (check or rebuild):
            raise CommandError("Say --check or --rebuild.")
        if check:
            wrong = tally.drift()
            if wrong and not rebuild:
                raise CommandError(f"{len(wrong)} tallies differ from the meetings, e.g. {wrong[:5]}")
            self.stdout.write(f"{len(wrong)} tallies differed." if wrong else "Every tally matches the meetings.")
        if rebuild:
            self.stdout.write(f"Rebuilt {tally.rebuild()} tallies.")
