from django.core.management.base import BaseCommand

from dangjian.core.context import acting_as
from dangjian.publications import services


class Command(BaseCommand):
    help = "Archive the publications whose display period has ended (run nightly)."

    def handle(self, *args, **options):
        with acting_as(None, via="command"):
            self.stdout.write(f"{services.archive_expired()} archived")
