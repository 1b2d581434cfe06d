"""HR post changes in the API (mounted at /api/v1/hr/).

- `POST /api/v1/hr/post-changes` — an HR system, authenticated by its own key (`Authorization: HR-Key <key>`),
  posts one change {"id_number" or "staff_no", "new_unit", "effective": "YYYY-MM-DD"} or a list of them.
  Malformed input: 400 naming each field (in a list "<index>.<field>"), nothing stored. Otherwise every change is
  kept: 202 when something new was stored, 200 when every change had been posted before (idempotent). Each result
  has a `status` — suggested, same_org, unresolved_person, unresolved_unit (kept for the committee), started or
  dismissed — and a `message` naming the field at fault (id_number / staff_no / new_unit) when unresolved.
- `GET /api/v1/hr/post-changes/` — staff: the changes of their organisations (?state=).
"""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import authentication, exceptions, permissions, serializers, status
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.api.errors import ErrorSerializer, ValidationErrorSerializer
from dangjian.core.context import acting_as

from . import services
from .models import ChangeState, HrSystem


class HrKeyAuthentication(authentication.BaseAuthentication):
    keyword = "HR-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the HR system's key as “Authorization: HR-Key <key>”."))
        system = services.system_for_key(header[1])
        if system is None:
            raise exceptions.AuthenticationFailed(_("Unknown or disabled HR system key."))
        return AnonymousUser(), system

    def authenticate_header(self, request):
        return self.keyword


class HrKeyScheme(OpenApiAuthenticationExtension):
    target_class = "dangjian.hr.api.HrKeyAuthentication"
    name = "hrKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "An HR system's key: `HR-Key <key>`"}


class IsHrSystem(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, HrSystem)


class PostChangeInputSerializer(serializers.Serializer):
    id_number = serializers.CharField(required=False, help_text="18-character ID number (or send staff_no)")
    staff_no = serializers.CharField(required=False, help_text="The HR system's staff number")
    new_unit = serializers.CharField(help_text="The new unit's code or name as the HR system knows it")
    effective = serializers.DateField()


class PostChangeResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ChangeState.choices)
    created = serializers.BooleanField(help_text="False when the same change had been posted before")
    message = serializers.CharField()


class PostChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    identifier = serializers.CharField(help_text="The masked ID number, else the staff number")
    person = serializers.SerializerMethodField()
    new_unit = serializers.CharField()
    effective = serializers.DateField()
    from_org = serializers.SerializerMethodField()
    to_org = serializers.SerializerMethodField()
    transfer = serializers.IntegerField(source="transfer_id", allow_null=True)
    source = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField()

    def get_person(self, change) -> dict | None:
        return {"id": change.person_id, "name": change.person.name} if change.person_id else None

    def get_from_org(self, change) -> dict | None:
        return {"id": change.from_org_id, "name": change.from_org.name} if change.from_org_id else None

    def get_to_org(self, change) -> dict | None:
        return {"id": change.to_org_id, "name": change.to_org.name} if change.to_org_id else None


def _result(received):
    return {"id": received.change.pk, "status": received.change.state, "created": received.created,
            "message": received.message}


class PostChangesView(APIView):
    """Posted by an HR system with its own key (a user's token is not accepted here)."""

    authentication_classes = [HrKeyAuthentication]
    permission_classes = [IsHrSystem]

    @extend_schema(
        request=PostChangeInputSerializer(many=True), auth=[{"hrKey": []}],
        responses={200: PostChangeResultSerializer(many=True), 202: PostChangeResultSerializer(many=True),
                   400: ValidationErrorSerializer,
                   401: OpenApiResponse(ErrorSerializer, description="No, unknown or disabled HR system key")},
        summary="An HR system reports post changes (one object or a list)",
        description="Send one object or a list. Every well-formed change is kept — unknown people or units are "
                    "listed for the committee to resolve — and the same change posted again returns the stored "
                    "result. A single object gets a single result back.")
    def post(self, request):
        with acting_as(None, via="hr_system"):
            results = services.receive(request.auth, request.data)
        body = [_result(r) for r in results]
        code = status.HTTP_202_ACCEPTED if any(r.created for r in results) else status.HTTP_200_OK
        return Response(body if isinstance(request.data, list) else body[0], status=code)


@extend_schema_view(get=extend_schema(
    parameters=[OpenApiParameter("state", str, description="one state, e.g. suggested or unresolved_person")],
    summary="HR post changes of your organisations"))
class PostChangeListView(ListAPIView):
    """The changes at the caller's organisations (TRANSFERS_MANAGE) and of their committees' HR systems."""

    serializer_class = PostChangeSerializer

    def get_queryset(self):
        qs = services.visible_changes(self.request.user).select_related("person", "from_org", "to_org")
        state = self.request.query_params.get("state")
        if state:
            if state not in ChangeState.values:
                raise serializers.ValidationError({"state": [_("Unknown state.")]})
            qs = qs.filter(state=state)
        return qs.order_by("-created_at", "-id")


@extend_schema_view(get=extend_schema(summary="One HR post change", responses={
    200: PostChangeSerializer, 404: OpenApiResponse(ErrorSerializer, description="Not found, or outside the "
                                                                                 "caller's organisations")}))
class PostChangeDetailView(RetrieveAPIView):
    serializer_class = PostChangeSerializer

    def get_object(self):
        return services.get_change_or_404(self.request.user, self.kwargs["pk"])


class StartInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, help_text="The version read (stale: 409)")


class StartTransferView(APIView):
    """The sending organisation starts the suggested transfer (the one click of the to-do list)."""

    @extend_schema(request=StartInputSerializer, responses={
        200: PostChangeSerializer, 400: ValidationErrorSerializer,
        404: OpenApiResponse(ErrorSerializer, description="Not found, or outside the caller's organisations"),
        409: OpenApiResponse(ErrorSerializer, description="Changed since it was read")},
        summary="Start the transfer an HR post change suggests")
    def post(self, request, pk):
        data = StartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.get_change_or_404(request.user, pk)
        change = services.start_transfer(request.user, change, expected_version=data.validated_data.get("version"))
        return Response(PostChangeSerializer(services.get_change_or_404(request.user, change.pk)).data)
