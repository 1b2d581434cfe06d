"""Rebuild the search tokens of the regulations library (after changing the segmenter, its dictionary or the
tokenising rules, or after importing versions by other means)."""

from django.core.management.base import BaseCommand

from dangjian.regulations import search


class Command(BaseCommand):
    help = "Rebuild the search tokens of every regulation version (or --regulation ID …, or --missing only)."

    def add_arguments(self, parser):
        parser.add_argument("--regulation", type=int, action="append", default=[],
                            help="only this document's versions (repeatable)")
        parser.add_argument("--missing", action="store_true", help="only versions that have no tokens yet")

    def handle(self, *args, regulation=(), missing=False, **options):
        versions, tokens = search.reindex(regulation or None, missing_only=missing)
        self.stdout.write(f"Indexed {versions} versions ({tokens} tokens).")
