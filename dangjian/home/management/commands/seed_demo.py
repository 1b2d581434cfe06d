import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from dangjian.home import demo


class Command(BaseCommand):
    help = "Load the demo organisation, people and accounts (idempotent: only what is missing is created)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true",
                            help="Do nothing if the demo organisation is already there.")

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):  # commands speak the site's language
            self._handle(*args, **options)

    def _handle(self, *args, once=False, **options):
        if once and demo.demo_loaded():
            self.stdout.write(_("Demo data already loaded."))
            return
        started = time.perf_counter()
        created = demo.seed_demo()
        took = time.perf_counter() - started
        summary = ", ".join(f"{k} {v}" for k, v in created.items())
        self.stdout.write(self.style.SUCCESS(_("Demo data ready in %(seconds).1fs (created: %(summary)s).")
                                             % {"seconds": took, "summary": summary}))
        self.stdout.write("")
        self.stdout.write(demo.format_accounts(demo.account_rows()))
