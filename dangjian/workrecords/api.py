"""The work ledger's API (/api/v1/workrecords/), with the pages' visibility: a record outside the caller's reach
(a sibling's record of an item the committee did not open) is a 404, like one that does not exist.

- `GET /api/v1/workrecords/records/` — the records the caller sees, newest first; `?item=`, `?org=` (its
  subtree), `?period=` (2026-03, 2026-Q1, 2026-H1, 2026), `?mine=1` (bookmarked: “learn from”).
- `POST /api/v1/workrecords/records/` — file a record (JSON or multipart with `files`).
- `GET /api/v1/workrecords/records/{id}/` — one record with its files and comments.
- `GET /api/v1/workrecords/items/` — the items of base work in the caller's committees.
- `GET /api/v1/workrecords/grid/?org=&period=` — filled / missing per organisation and item (red-amber-green).
"""

from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.accounts.scoping import get_scoped_or_404
from dangjian.api.errors import ErrorSerializer, ValidationErrorSerializer
from dangjian.core.errors import DomainError
from dangjian.orgs.models import Organization, OrgStatus

from . import feeds, rules, services
from .models import WorkItem, WorkRecord

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such record, or outside your reach")


class WorkOrgRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "org_type"]


class WorkItemSerializer(serializers.ModelSerializer):
    defined_by = WorkOrgRefSerializer(source="org")

    class Meta:
        model = WorkItem
        fields = ["id", "code", "title", "description", "frequency", "expected_count", "applies_to",
                  "siblings_visible", "source_kind", "sort_order", "defined_by"]


class WorkItemRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkItem
        fields = ["id", "code", "title"]


class WorkSourceSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    url = serializers.CharField(allow_blank=True)


class WorkRecordSerializer(serializers.ModelSerializer):
    item = WorkItemRefSerializer()
    org = WorkOrgRefSerializer()
    source = serializers.SerializerMethodField()
    comments = serializers.SerializerMethodField()
    bookmarked = serializers.SerializerMethodField()

    class Meta:
        model = WorkRecord
        fields = ["id", "item", "org", "date", "title", "text", "source", "comments", "bookmarked", "created_at"]

    def get_source(self, record) -> WorkSourceSerializer(allow_null=True):
        if not record.source_type_id:
            return None
        kind = f"{record.source_type.app_label}.{record.source_type.model}"
        return {"kind": kind, "id": record.source_id, "url": feeds.source_url(kind, record.source_id)}

    def get_comments(self, record) -> int:
        return getattr(record, "n_comments", 0)

    def get_bookmarked(self, record) -> bool:
        return bool(getattr(record, "is_bookmarked", False))


class WorkFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, f) -> str:
        return reverse("workrecords:file", args=[f.pk])


class WorkCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    org = serializers.CharField(source="author_org.name", default="")
    created_at = serializers.DateTimeField()


class WorkRecordDetailSerializer(WorkRecordSerializer):
    files = serializers.SerializerMethodField()
    comment_list = serializers.SerializerMethodField()

    class Meta(WorkRecordSerializer.Meta):
        fields = WorkRecordSerializer.Meta.fields + ["files", "comment_list"]

    def get_files(self, record) -> WorkFileSerializer(many=True):
        return WorkFileSerializer(record.files.all(), many=True).data

    def get_comment_list(self, record) -> WorkCommentSerializer(many=True):
        return WorkCommentSerializer(record.comments.select_related("author_org"), many=True).data


class WorkRecordCreateSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    org = serializers.IntegerField()
    date = serializers.DateField()
    title = serializers.CharField(max_length=200)
    text = serializers.CharField(required=False, allow_blank=True, default="")


def _int(params, name):
    raw = params.get(name)
    if raw in (None, ""):
        return None
    if not (str(raw).isdigit() and len(str(raw)) < 19):
        raise serializers.ValidationError({name: [_("Enter a whole number.")]})
    return int(raw)


def _annotated(user, record):
    record.n_comments = record.comments.count()
    record.is_bookmarked = record.bookmarks.filter(user=user).exists()
    return record


@extend_schema(parameters=[
    OpenApiParameter("item", int, description="only this item"),
    OpenApiParameter("org", int, description="only this organisation's subtree"),
    OpenApiParameter("period", str, description="2026-03, 2026-Q1, 2026-H1 or 2026"),
    OpenApiParameter("mine", bool, description="only the records you keep in “learn from”"),
])
class RecordListView(generics.ListAPIView):
    serializer_class = WorkRecordSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        params = self.request.query_params
        item = org = period = None
        item_id, org_id = _int(params, "item"), _int(params, "org")
        if item_id is not None:
            item = WorkItem.objects.filter(pk=item_id).first()
            if item is None:
                return WorkRecord.objects.none()
        if org_id is not None:
            org = Organization.objects.filter(pk=org_id).first()
            if org is None:
                return WorkRecord.objects.none()
        if params.get("period"):
            period = rules.parse_period(params["period"])
            if period is None:
                raise serializers.ValidationError({"period": [_("Period: such as 2026-03, 2026-Q1, 2026-H1 or "
                                                                "2026.")]})
        return services.feed(self.request.user, item=item, org=org, period=period,
                             bookmarked=str(params.get("mine", "")).lower() in ("1", "true"))

    @extend_schema(summary="The work records you see", responses={200: WorkRecordSerializer(many=True),
                                                                   400: ValidationErrorSerializer})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="File a work record", request=WorkRecordCreateSerializer,
                   responses={201: WorkRecordDetailSerializer, 400: ValidationErrorSerializer, 404: NOT_FOUND})
    def post(self, request):
        data = WorkRecordCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        org = get_scoped_or_404(Organization.objects.filter(status=OrgStatus.ACTIVE), request.user,
                                services.WRITE, pk=v["org"])
        item = WorkItem.objects.filter(pk=v["item"]).first()
        if item is None:
            raise DomainError(_("Item: there is no such item of base work."), field="item")
        files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        record = services.add_record(request.user, item=item, org=org, date=v["date"], title=v["title"],
                                     text=v["text"], files=files)
        record = _annotated(request.user, services.get_record_or_404(request.user, record.pk))
        return Response(WorkRecordDetailSerializer(record).data, status=status.HTTP_201_CREATED)


class RecordDetailView(APIView):
    @extend_schema(summary="A work record", responses={200: WorkRecordDetailSerializer, 404: NOT_FOUND})
    def get(self, request, pk):
        record = _annotated(request.user, services.get_record_or_404(request.user, pk))
        return Response(WorkRecordDetailSerializer(record).data)


class ItemListView(generics.ListAPIView):
    serializer_class = WorkItemSerializer

    def get_queryset(self):
        return services.items_in_reach(self.request.user)

    @extend_schema(summary="The items of base work of your committees")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WorkGridCellSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item.pk")
    period = serializers.CharField(source="period.key")
    records = serializers.IntegerField()
    done = serializers.IntegerField()
    due = serializers.IntegerField()
    colour = serializers.CharField()


class WorkGridRowSerializer(serializers.Serializer):
    org = WorkOrgRefSerializer()
    own = serializers.BooleanField()
    cells = WorkGridCellSerializer(many=True)


class WorkGridSerializer(serializers.Serializer):
    node = WorkOrgRefSerializer()
    month = serializers.DateField()
    items = WorkItemRefSerializer(many=True)
    rows = WorkGridRowSerializer(many=True)


class GridView(APIView):
    @extend_schema(summary="Filled / missing per organisation and item", parameters=[
        OpenApiParameter("org", int, description="whose children are the rows (default: the top of your scope)"),
        OpenApiParameter("period", str, description="a month, 2026-03: each item's period holding it"),
    ], responses={200: WorkGridSerializer, 400: ValidationErrorSerializer, 404: NOT_FOUND})
    def get(self, request):
        from django.utils import timezone

        node = services.grid_root(request.user, _int(request.query_params, "org"))
        raw = request.query_params.get("period")
        month = rules.parse_month(raw) if raw else timezone.localdate().replace(day=1)
        if month is None:
            raise serializers.ValidationError({"period": [_("Period: a month such as 2026-03.")]})
        return Response(WorkGridSerializer(services.grid(request.user, node, month)).data)


urlpatterns = [
    path("records/", RecordListView.as_view(), name="workrecords-records"),
    path("records/<int:pk>/", RecordDetailView.as_view(), name="workrecords-record"),
    path("items/", ItemListView.as_view(), name="workrecords-items"),
    path("grid/", GridView.as_view(), name="workrecords-grid"),
]
