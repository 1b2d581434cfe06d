"""Publications under /api/v1/publications/, with the pages' visibility (a 404 outside it):

- `GET /api/v1/publications/` — what the caller may read (on display now; `?archive=1` the rest, for the
  organisation and above); `POST` publishes through `services.publish` (publications:manage over `org`).
- `GET /api/v1/publications/{id}/` — one item.
- `POST /api/v1/publications/{id}/objections/` — an objection or comment on a 公示 (`anonymous` where the kind
  allows it).
- `GET /api/v1/publications/public/{org_code}/` — an organisation's current public items, no login.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.api.errors import ErrorSerializer, ValidationErrorSerializer
from dangjian.orgs.models import Organization, OrgStatus

from . import services
from .models import Audience, Objection, Publication


class PublicationSerializer(serializers.ModelSerializer):
    org = serializers.SerializerMethodField()
    state = serializers.CharField(read_only=True)
    audience = serializers.CharField(read_only=True)
    public_token = serializers.SerializerMethodField()

    class Meta:
        model = Publication
        fields = ["id", "org", "kind", "title", "body", "audience", "state", "starts", "ends", "days",
                  "published_at", "public_token"]

    def get_org(self, pub) -> dict:
        return {"id": pub.org_id, "name": pub.org.name, "code": pub.org.code}

    def get_public_token(self, pub) -> str | None:
        return pub.token if pub.audience == Audience.PUBLIC else None


class PublishSerializer(serializers.Serializer):
    org = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, default="")
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    starts = serializers.DateField(required=False)
    days = serializers.IntegerField(required=False, allow_null=True)
    ends = serializers.DateField(required=False, allow_null=True)


class ObjectionInSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=2000)
    type = serializers.ChoiceField(choices=Objection.Type.choices, required=False, default="objection")
    anonymous = serializers.BooleanField(required=False, default=False)
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)


class ObjectionOutSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    type = serializers.CharField()
    anonymous = serializers.BooleanField()
    on = serializers.DateField()


class PublicationListView(generics.ListAPIView):
    serializer_class = PublicationSerializer

    def get_queryset(self):
        qs = services.visible(self.request.user).select_related("org")
        if self.request.query_params.get("archive") == "1":
            return qs.exclude(services.current_q()).order_by("-starts", "-id")
        return qs.filter(services.current_q()).order_by("-starts", "-id")

    @extend_schema(request=PublishSerializer, responses={201: PublicationSerializer, 400: ValidationErrorSerializer,
                                                         404: ErrorSerializer})
    def post(self, request):
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        org = Organization.objects.filter(pk=d["org"], status=OrgStatus.ACTIVE).first()
        if org is None or not services.can_manage(request.user, org):
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        pub = services.publish(request.user, org, d["kind"], d["title"], d.get("body", ""), d.get("audience"),
                               d.get("starts"), days=d.get("days"), ends=d.get("ends"))
        return Response(PublicationSerializer(pub).data, status=status.HTTP_201_CREATED)


class PublicationDetailView(generics.RetrieveAPIView):
    serializer_class = PublicationSerializer

    def get_object(self):
        return services.get_visible_or_404(self.request.user, self.kwargs["pk"])


class ObjectionCreateView(APIView):
    @extend_schema(request=ObjectionInSerializer, responses={201: ObjectionOutSerializer,
                                                             400: ValidationErrorSerializer, 404: ErrorSerializer})
    def post(self, request, pk):
        pub = services.get_visible_or_404(request.user, pk)
        data = ObjectionInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        obj = services.object_to(request.user, pub, d["body"], anonymous=d["anonymous"], name=d["name"],
                                 type=d["type"])
        return Response(ObjectionOutSerializer(obj).data, status=status.HTTP_201_CREATED)


class PublicItemsView(generics.ListAPIView):
    """An organisation's current public items — no login."""

    serializer_class = PublicationSerializer
    permission_classes = [AllowAny]
    authentication_classes = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Publication.objects.none()
        org = get_object_or_404(Organization, code=self.kwargs["code"], status=OrgStatus.ACTIVE)
        return (Publication.objects.filter(services.current_q(), org=org, audience=Audience.PUBLIC)
                .select_related("org").order_by("-starts", "-id"))

    @extend_schema(responses={200: PublicationSerializer(many=True), 404: OpenApiResponse(ErrorSerializer)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
