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


def clean_moment(value, field):
    """A date and time (a datetime, or ISO text as forms and the API send it), made timezone-aware in the
    platform's zone; anything else is a DomainError naming the field."""
    from datetime import datetime

    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    if isinstance(value, str):
        try:
            value = parse_datetime(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, datetime):
        raise DomainError(_("Enter a valid date and time."), field=field)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def int_param(raw):
    """A page's integer query parameter (an id, a year): the number, or None for anything that is not plain
    digits of a sensible length — pages then fall back to their default instead of failing."""
    raw = str(raw or "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def year_param(raw):
    """A page's year parameter: from 2000 to next year, else this year."""
    from django.utils import timezone

    this_year = timezone.localdate().year
    year = int_param(raw)
    return year if year and 2000 <= year <= this_year + 1 else this_year
