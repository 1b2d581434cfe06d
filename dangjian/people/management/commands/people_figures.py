"""Check or rebuild the per-organisation people figures (people.figures) that the statistics and member counts
read. `--check` exits 1 and names the organisations whose stored figures differ from a fresh count."""

from django.core.management.base import BaseCommand, CommandError

from dangjian.people import figures


class Command(BaseCommand):
    help = "Check (--check) or rebuild (--rebuild) the per-organisation people figures."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare with a fresh count; exit 1 on drift")
        parser.add_argument("--rebuild", action="store_true", help="recount every organisation")

    def handle(self, *args, check=False, rebuild=False, **options):
        if not (check or rebuild):
            raise CommandError("Say --check or --rebuild.")
        if check:
            wrong = figures.drift()
            if wrong:
                shown = ", ".join(str(i) for i in wrong[:20]) + (" …" if len(wrong) > 20 else "")
                if not rebuild:
                    raise CommandError(f"{len(wrong)} organisations' figures differ from their people: {shown}")
                self.stdout.write(f"{len(wrong)} organisations' figures differed: {shown}")
            else:
                self.stdout.write("The figures of every organisation match their people.")
        if rebuild:
            n = figures.rebuild()
            self.stdout.write(f"Rebuilt the figures of {n} organisations.")
