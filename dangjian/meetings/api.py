"""Sign-in endpoints of the API.

- `POST /api/v1/meetings/{id}/checkins` — a card reader or gate, authenticated by its own key
  (`Authorization: Device <key>`), posts {"card": "...", "event": "in" | "out"}. Repeated posts are idempotent;
  an unknown card is a 404 with a message; a meeting outside the device's organisation is a 404.
- `POST /api/v1/meetings/checkin` — a logged-in attendee's phone sends the scanned {"token": "..."}.
"""

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import authentication, exceptions, permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.accounts.scoping import scoped
from dangjian.api.errors import ErrorSerializer, ValidationErrorSerializer
from dangjian.core.context import acting_as
from dangjian.orgs.models import Organization

from . import services
from .models import Device, Meeting


class DeviceAuthentication(authentication.BaseAuthentication):
    keyword = "Device"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the device key as “Authorization: Device <key>”."))
        device = services.device_for_key(header[1])
        if device is None:
            raise exceptions.AuthenticationFailed(_("Unknown or disabled device key."))
        return AnonymousUser(), device

    def authenticate_header(self, request):
        return self.keyword


class IsDevice(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, Device)


class CardCheckinSerializer(serializers.Serializer):
    card = serializers.CharField(max_length=40)
    event = serializers.ChoiceField(choices=["in", "out"], default="in")


class CheckinResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["signed_in", "signed_out", "already"])
    message = serializers.CharField()
    person = serializers.CharField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    checked_out_at = serializers.DateTimeField(allow_null=True)


def _result(result, event):
    row = result.attendance
    state = "already" if result.already else ("signed_out" if event == "out" else "signed_in")
    return {"status": state, "message": result.message, "person": row.person.name if row.person_id else row.guest_name,
            "checked_in_at": row.checked_in_at, "checked_out_at": row.checked_out_at}


class CardCheckinView(APIView):
    authentication_classes = [DeviceAuthentication]
    permission_classes = [IsDevice]

    @extend_schema(request=CardCheckinSerializer, responses={
        200: CheckinResultSerializer, 400: ValidationErrorSerializer,
        401: OpenApiResponse(ErrorSerializer, description="No or unknown device key"),
        404: OpenApiResponse(ErrorSerializer, description="Unknown card, or a meeting outside the device's "
                                                          "organisation")},
        summary="A card reader or gate signs a card in or out")
    def post(self, request, pk):
        data = CardCheckinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with acting_as(None, via="device"):
            try:
                result = services.checkin_card(request.auth, pk, data.validated_data["card"],
                                               data.validated_data["event"], moment=timezone.now())
            except LookupError as e:
                return Response({"detail": str(e), "code": "unknown_card"}, status=status.HTTP_404_NOT_FOUND)
        return Response(CheckinResultSerializer(_result(result, data.validated_data["event"])).data)


class TokenCheckinSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=100)


class QrCheckinView(APIView):
    @extend_schema(request=TokenCheckinSerializer, responses={200: CheckinResultSerializer,
                                                              400: ValidationErrorSerializer},
                   summary="Sign in with the code scanned from the meeting's screen")
    def post(self, request):
        data = TokenCheckinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.checkin_qr(request.user, data.validated_data["token"])
        return Response(CheckinResultSerializer(_result(result, "in")).data)


class DeviceAuthenticationScheme(OpenApiAuthenticationExtension):
    """The device key in the OpenAPI schema."""

    target_class = "dangjian.meetings.api.DeviceAuthentication"
    name = "deviceKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "A sign-in device's key: `Device <key>`"}


# ---- reading meetings ------------------------------------------------------------------------------------------

class MeetingSerializer(serializers.ModelSerializer):
    org = serializers.SerializerMethodField()
    types = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    phase = serializers.CharField(read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "org", "types", "topic", "agenda", "starts_at", "ends_at", "place", "online_url", "is_open",
                  "checkin_before", "state", "phase", "version"]

    def get_org(self, meeting) -> dict:
        return {"id": meeting.org_id, "name": meeting.org.name}


class MeetingDetailSerializer(MeetingSerializer):
    attendance = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = MeetingSerializer.Meta.fields + ["attendance"]

    def get_attendance(self, meeting) -> dict:
        return services.attendance(meeting)["counts"]


def _date_param(params, name):
    from django.utils.dateparse import parse_date

    value = params.get(name)
    if not value:
        return None
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise serializers.ValidationError({name: [_("Enter a valid date (YYYY-MM-DD).")]})
    return parsed


@extend_schema_view(
    list=extend_schema(summary="Meetings you may see", parameters=[
        OpenApiParameter("org", int, description="subtree of this organisation"),
        OpenApiParameter("type", str, description="meeting type code, e.g. theme_day"),
        OpenApiParameter("date_from", str, description="YYYY-MM-DD"), OpenApiParameter("date_to", str),
        OpenApiParameter("q", str, description="part of the topic")]),
    retrieve=extend_schema(summary="One meeting with its attendance counts"),
)
class MeetingViewSet(viewsets.ReadOnlyModelViewSet):
    """Meetings of your subtrees (meetings:read) and those you are invited to — the pages' scope."""

    def get_queryset(self):
        return services.visible_meetings(self.request.user).select_related("org").prefetch_related("types") \
            .order_by("-starts_at", "-id")

    def get_serializer_class(self):
        return MeetingDetailSerializer if self.action == "retrieve" else MeetingSerializer

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.request.query_params
        org = params.get("org")
        if org:
            if not (org.isdigit() and len(org) < 19):
                raise serializers.ValidationError({"org": [_("Enter a whole number.")]})
            found = scoped(Organization.objects.all(), self.request.user, services.READ).filter(pk=int(org)).first()
            queryset = queryset.filter(org_path__startswith=found.path) if found else queryset.none()
        if params.get("type"):
            queryset = queryset.filter(types__code=params["type"])
        start, end = _date_param(params, "date_from"), _date_param(params, "date_to")
        if start:
            queryset = queryset.filter(starts_at__date__gte=start)
        if end:
            queryset = queryset.filter(starts_at__date__lte=end)
        if params.get("q"):
            queryset = queryset.filter(topic__icontains=params["q"].replace("\x00", ""))
        return queryset
