import json

from django.core.management.base import BaseCommand, CommandError

from dangjian.home import scale


class Command(BaseCommand):
    help = ("Build a large synthetic tree and population for benchmarks (bulk inserts, no per-row audit). "
            "Use a dedicated database.")

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=1_000_000)
        parser.add_argument("--orgs", type=int, default=60_000)
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
        parser.add_argument("--reset", action="store_true", help="remove earlier scale data first")

    def handle(self, *args, people, orgs, seed, reset, **options):
        if people < 0 or orgs < 10:
            raise CommandError("--people must be ≥ 0 and --orgs ≥ 10")
        if reset:
            removed = scale.reset()
            self.stdout.write(f"Removed earlier scale data ({removed} people).")
        self.stdout.write(f"Building {orgs} organisations and {people} people (seed {seed})…")
        try:
            result = scale.seed_scale(people=people, orgs=orgs, seed=seed, log=self.stdout.write)
        except ValueError as e:
            raise CommandError(str(e))
        self.stdout.write(self.style.SUCCESS(f"Done in {result['seconds']['total']:.1f}s."))
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=1))
