"""Feed into the work ledger what the modules already hold (recorded meetings, closed exam months, received fee
hand-overs): each module's registered backfill (`<app>/workfeed.py`). Idempotent: a second run changes nothing."""

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.context import acting_as
from dangjian.orgs.models import Organization
from dangjian.workrecords import feeds


class Command(BaseCommand):
    help = "Feed existing meetings, exam months and fee hand-overs into the work ledger (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="only under the organisation with this code")

    def handle(self, *args, org=None, **options):
        root = None
        if org:
            root = Organization.objects.filter(code=org).first()
            if root is None:
                raise CommandError(f"No organisation with code {org!r}.")
        with acting_as(None, via="workrecords_backfill"):
            done = feeds.backfill(root)
        for name, n in done.items():
            self.stdout.write(f"{name}: {n}")
