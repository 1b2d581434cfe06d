"""Notices endpoints under /api/v1/ (included by dangjian/api/urls.py), with the pages' rules: a notice or an
announcement outside the caller's reach is a 404, like one that does not exist.

- `GET  /api/v1/notices/` — my notices, newest first (`?unread=1`: unread only); `unread` gives the bell's count.
- `POST /api/v1/notices/{id}/read` — mark one of my notices read.
- `GET  /api/v1/announcements/` — announcements sent to me (current revision, with my read time).
- `POST /api/v1/announcements/` — publish (notices:send over the sending organisation); the recipients are written
  in the background: poll `GET /api/v1/announcements/{id}/` for `progress`.
- `GET  /api/v1/announcements/{id}/` — one announcement (recipients, the sender organisation and the posts above).
- `POST /api/v1/announcements/{id}/read` — mark it read (for a must-read announcement: confirm it).
- `GET  /api/v1/announcements/{id}/receipts/` — read counts per child organisation (`?org=` drills down) and the
  people who have not read, in the caller's scope only (notices:receipts over the sender organisation).
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.accounts.models import Role
from dangjian.api.errors import ErrorSerializer, ValidationErrorSerializer
from dangjian.orgs.models import Organization

from . import services
from .models import Announcement, AudienceKind, Notice

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Not found, or outside your scope")


class NoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at"]


class NoticeListSerializer(serializers.Serializer):
    unread = serializers.IntegerField()
    results = NoticeSerializer(many=True)


class NoticesView(APIView):
    @extend_schema(summary="My notices", parameters=[
        OpenApiParameter("unread", int, description="1: unread only"),
        OpenApiParameter("limit", int, description="at most this many (default 50, at most 200)")],
        responses={200: NoticeListSerializer})
    def get(self, request):
        try:
            limit = max(1, min(200, int(request.query_params.get("limit", 50))))
        except ValueError:
            limit = 50
        rows = services.my_notices(request.user, unread=request.query_params.get("unread") == "1", limit=limit)
        return Response({"unread": services.unread_count(request.user),
                         "results": NoticeSerializer(rows, many=True).data})


class NoticeReadView(APIView):
    @extend_schema(summary="Mark a notice read", request=None, responses={200: NoticeSerializer, 404: NOT_FOUND})
    def post(self, request, pk):
        return Response(NoticeSerializer(services.mark_read(request.user, pk)).data)


class AnnouncementCreateSerializer(serializers.Serializer):
    org = serializers.IntegerField(help_text="the sending organisation")
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(help_text="HTML (sanitised) or plain text")
    audience_kind = serializers.ChoiceField(choices=AudienceKind.choices, default=AudienceKind.SUBTREE,
                                            error_messages={"invalid_choice": _("Choose who the announcement is "
                                                                                "for.")})
    audience_orgs = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    audience_roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), required=False,
                                           default=list)
    members_only = serializers.BooleanField(default=True)
    must_read = serializers.BooleanField(default=False)
    deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)
    pinned = serializers.BooleanField(default=False)
    remind_every_days = serializers.IntegerField(required=False, allow_null=True, default=None)


class AnnouncementSerializer(serializers.ModelSerializer):
    org = serializers.SerializerMethodField()
    progress = serializers.IntegerField(read_only=True)
    state = serializers.CharField(read_only=True, help_text="`publishing`, `published` or `withdrawn`")
    read_at = serializers.SerializerMethodField()

    class Meta:
        model = Announcement
        fields = ["id", "org", "title", "body", "state", "revision", "version", "must_read", "deadline", "pinned",
                  "published_at", "withdrawn_at", "withdraw_reason", "recipients_total", "recipients_written",
                  "progress", "read_at"]

    def get_org(self, ann) -> dict:
        return {"id": ann.org_id, "name": ann.org.name}

    def get_read_at(self, ann) -> str | None:
        value = getattr(ann, "my_read_at", None)
        return serializers.DateTimeField().to_representation(value) if value else None


class AnnouncementsView(APIView):
    @extend_schema(summary="Announcements sent to me", responses={200: AnnouncementSerializer(many=True)})
    def get(self, request):
        return Response(AnnouncementSerializer(services.received(request.user), many=True).data)

    @extend_schema(summary="Publish an announcement", request=AnnouncementCreateSerializer,
                   description="notices:send over `org`. The audience: `subtree` (everyone under `org`), `orgs` "
                               "(`audience_orgs`, inside `org`'s subtree) or `posts` (`audience_roles`); "
                               "`members_only` false reaches everyone on the roll. An empty audience is a 400.",
                   responses={201: AnnouncementSerializer, 400: ValidationErrorSerializer, 404: NOT_FOUND})
    def post(self, request):
        data = AnnouncementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        org = Organization.objects.filter(pk=v.pop("org")).first()
        if org is None:
            raise Http404
        ann = services.publish(request.user, org, **v)
        return Response(AnnouncementSerializer(ann).data, status=status.HTTP_201_CREATED)


class AnnouncementView(APIView):
    @extend_schema(summary="An announcement", responses={200: AnnouncementSerializer, 404: NOT_FOUND})
    def get(self, request, pk):
        ann = services.get_for_reader(request.user, pk)
        receipt = services.my_receipt(request.user, ann)
        ann.my_read_at = receipt.read_at if receipt and receipt.revision == ann.revision else None
        return Response(AnnouncementSerializer(ann).data)


class AnnouncementReadView(APIView):
    @extend_schema(summary="Read (confirm) an announcement", request=None,
                   responses={200: AnnouncementSerializer, 404: NOT_FOUND})
    def post(self, request, pk):
        ann = services.get_for_reader(request.user, pk)
        receipt = services.read(request.user, ann, confirm=True)
        ann.my_read_at = receipt.read_at if receipt and receipt.revision == ann.revision else None
        return Response(AnnouncementSerializer(ann).data)


class RateSerializer(serializers.Serializer):
    org = serializers.DictField()
    total = serializers.IntegerField()
    read = serializers.IntegerField()
    unread = serializers.IntegerField()
    percent = serializers.FloatField()


class ReceiptsSerializer(serializers.Serializer):
    org = serializers.DictField()
    revision = serializers.IntegerField()
    total = serializers.IntegerField()
    read = serializers.IntegerField()
    percent = serializers.FloatField()
    children = RateSerializer(many=True)
    own = serializers.DictField()
    unread_people = serializers.ListField(child=serializers.DictField())


def _rate(org, rate):
    return {"org": {"id": org.pk, "name": org.name}, "total": rate.total, "read": rate.read, "unread": rate.unread,
            "percent": rate.percent}


class ReceiptsView(APIView):
    @extend_schema(summary="Read receipts of an announcement", parameters=[
        OpenApiParameter("org", int, description="drill down into this organisation (inside the sender's)")],
        responses={200: ReceiptsSerializer, 404: NOT_FOUND})
    def get(self, request, pk):
        ann = services.get_for_reader(request.user, pk)
        node = None
        raw = request.query_params.get("org")
        if raw:
            node = Organization.objects.filter(pk=raw).first() if raw.isdigit() else None
            if node is None:
                raise Http404
        d = services.receipts(request.user, ann, node)
        return Response({
            "org": {"id": d["node"].pk, "name": d["node"].name}, "revision": ann.revision,
            "total": d["total"].total, "read": d["total"].read, "percent": d["total"].percent,
            "children": [_rate(org, rate) for org, rate in d["children"]],
            "own": {"total": d["own"].total, "read": d["own"].read, "percent": d["own"].percent},
            "unread_people": [{"id": r.person_id, "name": r.person.name} for r in d["unread"]]})
