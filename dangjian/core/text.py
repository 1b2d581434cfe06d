"""Checking a short text a person typed, the same way in every service: trimmed, no NUL character (PostgreSQL
refuses it), required or not, at most so many characters — each refusal a DomainError naming the field."""

from django.utils.translation import gettext as _

from .errors import DomainError


def clean_text(value, field, max_length, required=False):
    value = (value or "").strip()
    if "\x00" in value:
        raise DomainError(_("This field contains an invalid character."), field=field)
    if required and not value:
        raise DomainError(_("This field is required."), field=field)
    if len(value) > max_length:
        raise DomainError(_("At most %(n)d characters.") % {"n": max_length}, field=field)
    return value
