"""API errors in one shape.

Every error body has `detail` (a sentence) and `code`; a 400 adds `errors`, mapping each field at fault to its
messages (`non_field_errors` for the object as a whole):

    400 {"detail": "...", "code": "invalid", "errors": {"id_number": ["..."]}}
    404 {"detail": "Not found.", "code": "not_found"}          (also for objects outside the caller's scope)
    409 {"detail": "...", "code": "conflict"}                   (stale `version`: nothing was written)

Domain refusals (DomainError, Django's ValidationError) become 400 with the field named; ConflictError 409.
"""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from dangjian.core.errors import ConflictError


def _messages(value):
    """Flatten DRF's nested error details into a list of strings."""
    if isinstance(value, dict):
        out = []
        for v in value.values():
            out.extend(_messages(v))
        return out
    if isinstance(value, list | tuple):
        out = []
        for v in value:
            out.extend(_messages(v))
        return out
    return [str(value)]


def field_errors(detail):
    """{field: [messages]} from a DRF ValidationError's detail."""
    if isinstance(detail, dict):
        return {str(k): _messages(v) for k, v in detail.items()}
    return {api_settings.NON_FIELD_ERRORS_KEY: _messages(detail)}


def django_errors(exc):
    """{field: [messages]} from a Django ValidationError (DomainError included)."""
    if hasattr(exc, "error_dict"):
        key = api_settings.NON_FIELD_ERRORS_KEY
        return {(key if k == NON_FIELD_ERRORS else k): [str(m) for e in v for m in e.messages]
                for k, v in exc.error_dict.items()}
    return {api_settings.NON_FIELD_ERRORS_KEY: [str(m) for m in exc.messages]}


def bad_request_body(errors):
    return {"detail": _("The request has errors; nothing was changed."), "code": "invalid", "errors": errors}


def bad_request(errors):
    return Response(bad_request_body(errors), status=status.HTTP_400_BAD_REQUEST)


def exception_handler(exc, context):
    if isinstance(exc, ConflictError):
        return Response({"detail": exc.message, "code": "conflict"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        return bad_request(django_errors(exc))
    if isinstance(exc, exceptions.ValidationError):
        return bad_request(field_errors(exc.detail))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = " ".join(_messages(detail))
        code = exc.get_codes() if not isinstance(detail, dict | list) else exc.default_code
        response.data = {"detail": message, "code": code if isinstance(code, str) else exc.default_code}
        if response.status_code == status.HTTP_400_BAD_REQUEST:  # e.g. malformed JSON
            response.data["errors"] = {api_settings.NON_FIELD_ERRORS_KEY: [message]}
    return response


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (documentation only)."""

    detail = serializers.CharField()
    code = serializers.CharField()


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   help_text="Messages for each field at fault (`non_field_errors`: the whole "
                                             "object).")
