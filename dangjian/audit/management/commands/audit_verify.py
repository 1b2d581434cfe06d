"""`manage.py audit_verify`: walk the hash chain of the audit trail. Exit 0 with "OK: N entries verified",
or name the first broken entry (sequence, id, reason) on stderr and exit non-zero."""

from django.core.management.base import BaseCommand, CommandError

from dangjian.audit import chain
from dangjian.audit.models import AuditEntry


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail; names the first entry that was edited or removed."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000, help="Entries read per database round trip.")

    def handle(self, *args, batch_size=5000, **options):
        ok, checked, seq, reason = chain.verify(batch_size=batch_size)
        if ok:
            self.stdout.write(self.style.SUCCESS(f"OK: {checked} entries verified"))
            return
        entry_id = AuditEntry.objects.filter(seq=seq).values_list("id", flat=True).first()
        where = f"seq {seq}, id {entry_id}" if entry_id is not None else f"seq {seq}, id none (missing)"
        raise CommandError(f"BROKEN at entry {where}: {reason} ({checked} entries verified before it)")
