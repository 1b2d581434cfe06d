"""Domain errors raised by services; pages show them as messages, the API as HTTP 400/409/404."""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A rule refused the change. `field` names the field at fault (or None for the whole object)."""

    def __init__(self, message, field=None, code="invalid"):
        if field:
            super().__init__({field: [ValidationError(message, code=code)]})
        else:
            super().__init__(message, code=code)
        self.field = field


class ConflictError(Exception):
    """The object changed since the caller read it (optimistic concurrency): nothing was written."""

    def __init__(self, message=None):
        from django.utils.translation import gettext

        super().__init__(message or gettext("This record was changed by someone else since you opened it. Reload and try again."))
        self.message = str(self.args[0])


def messages_of(exc):
    """The sentences of a ValidationError (DomainError included), for pages that show them as messages."""
    if hasattr(exc, "error_dict"):
        return [str(m) for errors in exc.error_dict.values() for e in errors for m in e.messages]
    return [str(m) for m in getattr(exc, "messages", [exc])]


def check_version(obj, expected_version):
    """Optimistic concurrency: refuse (ConflictError, nothing written) when the version the page or client read is
    not the row's current one. No version given: no check. A version that is not a number: a DomainError."""
    if expected_version in (None, ""):
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        from django.utils.translation import gettext

        raise DomainError(gettext("The page is out of date: reload it."), field="version") from None
    if expected != obj.version:
        raise ConflictError()
