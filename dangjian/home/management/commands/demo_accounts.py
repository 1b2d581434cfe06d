from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from dangjian.home import demo


class Command(BaseCommand):
    help = "Print the demo accounts: username, who they are, what they can do."

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):  # commands speak the site's language
            self._handle(*args, **options)

    def _handle(self, *args, **options):
        rows = demo.account_rows()
        if not rows:
            self.stdout.write(_("No demo accounts yet: run “python manage.py seed_demo”."))
            return
        self.stdout.write(demo.format_accounts(rows))
