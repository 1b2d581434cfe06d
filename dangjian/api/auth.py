"""Token login for the API: `POST /api/v1/auth/token` {"username", "password"} → {"token"}.

The username may be the account's username or the phone number of the person behind it (the project's
authentication backends decide). django-axes sees every attempt — the Django request is passed to
`authenticate()` — so an account locks after repeated failures exactly as on the login page. Send the token
as `Authorization: Token <token>`; `DELETE` (or `POST /api/v1/auth/logout`) revokes it.
"""

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .errors import ErrorSerializer, ValidationErrorSerializer, bad_request


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, help_text="Username or phone number")
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


def _locked_out_response():
    minutes = round(float(settings.AXES_COOLOFF_TIME or 0) * 60)
    return Response({
        "detail": _("Too many failed attempts: this account is locked for %(minutes)s minutes. Try again later or "
                    "ask your Party affairs worker to unlock it.") % {"minutes": minutes},
        "code": "locked_out",
    }, status=status.HTTP_429_TOO_MANY_REQUESTS)


def _revoke(request):
    Token.objects.filter(user=request.user).delete()
    if request.auth is None:  # a session login: end the session too
        logout(request._request)
    return Response(status=status.HTTP_204_NO_CONTENT)


class TokenView(APIView):
    """Obtain (POST) or revoke (DELETE) an API token."""

    def get_authenticators(self):
        # Logging in needs no credentials (and a stale token header must not block it).
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        if self.request is not None and self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        operation_id="auth_token_create", request=TokenRequestSerializer, auth=[],
        responses={200: TokenSerializer, 400: ValidationErrorSerializer,
                   429: OpenApiResponse(ErrorSerializer, description="Locked out after repeated failures")},
        description="Log in with username (or phone number) and password; returns the API token.",
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        http_request = request._request  # django-axes records the attempt on the Django request
        user = authenticate(http_request, username=serializer.validated_data["username"],
                            password=serializer.validated_data["password"])
        if getattr(http_request, "axes_locked_out", False):
            http_request.axes_locked_out = False  # this view answers in JSON; the middleware would render HTML
            return _locked_out_response()
        if user is None:
            return bad_request({"password": [_("Wrong username, phone number or password.")]})
        token, _created = Token.objects.get_or_create(user=user)
        user_logged_in.send(sender=user.__class__, request=http_request, user=user)  # resets failures, last login
        return Response({"token": token.key})

    @extend_schema(operation_id="auth_token_destroy", request=None,
                   responses={204: OpenApiResponse(description="Token revoked")})
    def delete(self, request):
        return _revoke(request)


class LogoutView(APIView):
    """Revoke the caller's API token (same as `DELETE /api/v1/auth/token`)."""

    @extend_schema(request=None, responses={204: OpenApiResponse(description="Token revoked")})
    def post(self, request):
        return _revoke(request)
