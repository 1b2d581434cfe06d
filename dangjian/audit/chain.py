"""Appending to and verifying the hash chain."""

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dangjian.core import context

from .models import AuditEntry, AuditHead

GENESIS = "0" * 64


def jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


def canonical(entry):
    at = entry.at.astimezone(UTC) if timezone.is_aware(entry.at) else entry.at
    payload = {
        "seq": entry.seq,
        "at": at.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "actor": entry.actor_id,
        "actor_repr": entry.actor_repr,
        "action": entry.action,
        "model": entry.model,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "org_path": entry.org_path,
        "before": entry.before,
        "after": entry.after,
        "note": entry.note,
        "request": entry.request,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def compute_hash(prev_hash, entry):
    return hashlib.sha256((prev_hash + canonical(entry)).encode()).hexdigest()


def _new_entry(action, model, object_id, object_repr="", org_path="", before=None, after=None, note="",
               actor=None):
    ctx = context.current()
    actor = actor if actor is not None else context.current_user()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry(
        at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_repr=(getattr(actor, "get_username", lambda: "")() if actor else "")[:150],
        action=action,
        model=model,
        object_id=str(object_id or "")[:64],
        object_repr=str(object_repr or "")[:200],
        org_path=org_path or "",
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        note=(note or "")[:500],
        request=ctx.as_meta() if ctx else {"via": "system"},
    )


def append(entries):
    """Chain and store `entries` (unsaved AuditEntry objects) in one transaction; returns them."""
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head, _ = AuditHead.objects.get_or_create(pk=1)
        prev = head.hash
        seq = head.seq
        for entry in entries:
            seq += 1
            entry.seq = seq
            entry.prev_hash = prev
            entry.hash = compute_hash(prev, entry)
            prev = entry.hash
        AuditEntry.objects.bulk_create(entries, batch_size=1000)
        AuditHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return entries


def record(action, model, object_id="", **kwargs):
    """Append one entry. `model` is a label such as "people.person"."""
    return append([_new_entry(action, model, object_id, **kwargs)])[0]


def build(action, model, object_id="", **kwargs):
    """An unsaved entry for `append()` (bulk work records many entries in one append)."""
    return _new_entry(action, model, object_id, **kwargs)


def created(instances, actor=None):
    """The creation entries of AuditedModel rows written with bulk_create (which fires no signal), appended in one
    go: the same entries the post_save signal would have written one by one (redacted fields redacted)."""
    from .mixins import REDACTED

    entries = []
    for obj in instances:
        after = {k: REDACTED if k in obj.audit_redact and v not in (None, "", b"") else v
                 for k, v in obj.audit_snapshot().items()}
        entries.append(_new_entry(AuditEntry.Action.CREATE, obj._meta.label_lower, obj.pk,
                                  object_repr=obj.audit_repr(), org_path=obj.audit_org_path(), after=after,
                                  actor=actor))
    return append(entries) if entries else []


def verify(batch_size=5000):
    """Walk the chain. Returns (ok, checked, first_broken_seq, reason)."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
    qs = AuditEntry.objects.order_by("seq")
    for entry in qs.iterator(chunk_size=batch_size):
        if entry.seq != expected_seq:
            return False, checked, expected_seq, f"entry #{expected_seq} is missing (next present is #{entry.seq})"
        if entry.prev_hash != prev:
            return False, checked, entry.seq, f"entry #{entry.seq} does not follow the entry before it"
        if compute_hash(prev, entry) != entry.hash:
            return False, checked, entry.seq, f"entry #{entry.seq} was altered (hash mismatch)"
        prev = entry.hash
        expected_seq += 1
        last_seq = entry.seq
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != last_seq or head.hash != prev):
        return False, checked, last_seq + 1, f"entries after #{last_seq} were removed (head is at #{head.seq})"
    return True, checked, None, ""
