from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import chain
from .mixins import REDACTED, AuditedModel


def _redact(instance, values):
    return {
        k: REDACTED if k in instance.audit_redact and v not in (None, "", b"") else v for k, v in values.items()
    }


def _same_secret(field, loaded, now):
    """Ciphertext changes with every encryption (a fresh nonce): an `x_enc` field whose blind index `x_hash` is
    unchanged holds the same value, so re-saving the same ID number or phone is no change."""
    if not field.endswith("_enc"):
        return False
    index = field.removesuffix("_enc") + "_hash"
    return index in now and index in loaded and now[index] == loaded[index] and bool(loaded[field]) == bool(now[field])


@receiver(post_save)
def audit_save(sender, instance, created, raw=False, **kwargs):
    if raw or not isinstance(instance, AuditedModel):
        return
    now = instance.audit_snapshot()
    if created:
        before, after, action = None, now, chain.AuditEntry.Action.CREATE
    else:
        loaded = getattr(instance, "_audit_loaded", None)
        if loaded is None:
            before, after = None, now
        else:
            changed = [k for k, v in now.items() if k in loaded and loaded[k] != v and not _same_secret(k, loaded, now)]
            if not changed:
                return
            before = {k: loaded[k] for k in changed}
            after = {k: now[k] for k in changed}
        action = chain.AuditEntry.Action.UPDATE
    chain.record(
        action, sender._meta.label_lower, instance.pk, object_repr=instance.audit_repr(),
        org_path=instance.audit_org_path(), before=_redact(instance, before) if before else before,
        after=_redact(instance, after),
    )
    instance._audit_loaded = {**getattr(instance, "_audit_loaded", {}), **now}


@receiver(post_delete)
def audit_delete(sender, instance, **kwargs):
    if not isinstance(instance, AuditedModel):
        return
    chain.record(
        chain.AuditEntry.Action.DELETE, sender._meta.label_lower, instance.pk, object_repr=instance.audit_repr(),
        org_path=instance.audit_org_path(), before=_redact(instance, instance.audit_snapshot()),
    )
