from django.db import models

REDACTED = "***"


class AuditedModel(models.Model):
    """Every create, update and delete of a subclass is written to the audit trail (see signals.py).

    `audit_exclude`: fields not worth recording; `audit_redact`: fields whose values never enter the trail
    (only the fact that they changed).
    """

    audit_exclude = ("created_at", "updated_at", "version")
    audit_redact = ()

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._audit_loaded = dict(zip(field_names, values, strict=False))
        return instance

    def audit_fields(self):
        return [f for f in self._meta.concrete_fields if f.name not in self.audit_exclude]

    def audit_snapshot(self):
        return {f.attname: getattr(self, f.attname) for f in self.audit_fields()}

    def audit_org_path(self):
        """Path of the organisation this object belongs to, for per-subtree audit views."""
        return ""

    def audit_repr(self):
        return str(self)[:200]
