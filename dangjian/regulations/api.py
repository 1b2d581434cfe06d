"""Read endpoints of the regulations library (/api/v1/regulations/), with the pages' visibility: a document
outside the caller's reach is a 404, like one that does not exist.

- `GET /api/v1/regulations/` — documents in force, newest update first; `?q=` searches (ranked, with a highlighted
  snippet), `?category=`, `?repealed=1`, `?history=1` (search earlier versions too).
- `GET /api/v1/regulations/{id}/` — a document with its current version's text and its version list.
- `GET /api/v1/regulations/{id}/versions/{number}/` — one version's text.
- `GET /api/v1/regulations/categories/` — the categories the caller sees.
"""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.response import Response

from dangjian.api.errors import ErrorSerializer, ValidationErrorSerializer

from . import rules, search, services
from .models import Category, Regulation, RegulationStatus, RegulationVersion


class CategorySerializer(serializers.ModelSerializer):
    org = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["id", "name", "sort_order", "org"]

    def get_org(self, category) -> dict | None:
        return {"id": category.org_id, "name": category.org.name} if category.org_id else None


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name"]


class VersionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = RegulationVersion
        fields = ["number", "title", "effective_on", "published_at", "change_summary"]


class VersionSerializer(serializers.ModelSerializer):
    attachment_url = serializers.SerializerMethodField()
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = RegulationVersion
        fields = ["number", "title", "effective_on", "published_at", "change_summary", "in_force", "body_html",
                  "body_text", "attachment_url"]

    def get_attachment_url(self, version) -> str | None:
        if not version.attachment:
            return None
        from django.urls import reverse

        url = reverse("regulations:attachment", args=[version.regulation_id, version.number])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_in_force(self, version) -> bool:
        return version.number == self.context.get("current_number")


class RegulationSerializer(serializers.ModelSerializer):
    org = serializers.SerializerMethodField()
    # A plain string: drf-spectacular would name an enum "Status…Enum", colliding with other `status` fields.
    status = serializers.CharField(read_only=True, help_text="`published` (in force) or `repealed`")
    category = CategoryRefSerializer(allow_null=True)

    class Meta:
        model = Regulation
        fields = ["id", "title", "doc_number", "issuer", "status", "org", "category", "first_published_at",
                  "last_published_at", "repealed_on", "repeal_note"]

    def get_org(self, regulation) -> dict:
        return {"id": regulation.org_id, "name": regulation.org.name}


class MatchSerializer(serializers.Serializer):
    """Where a search found the document: the version, its title and an extract around the words found
    (HTML: escaped text, the words in <mark>)."""

    version = VersionSummarySerializer()
    title_html = serializers.CharField()
    snippet_html = serializers.CharField()


class RegulationListSerializer(RegulationSerializer):
    recently_updated = serializers.SerializerMethodField()
    match = serializers.SerializerMethodField()

    class Meta(RegulationSerializer.Meta):
        fields = RegulationSerializer.Meta.fields + ["recently_updated", "match"]

    def get_recently_updated(self, regulation) -> bool:
        return rules.is_recent(regulation.last_published_at, self.context["now"])

    @extend_schema_field(MatchSerializer(allow_null=True))
    def get_match(self, regulation):
        hit = getattr(regulation, "search_hit", None)
        if hit is None:
            return None
        return MatchSerializer({"version": hit.version, "title_html": hit.title_html,
                                "snippet_html": hit.snippet_html}).data


class RegulationDetailSerializer(RegulationSerializer):
    current_version = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()

    class Meta(RegulationSerializer.Meta):
        fields = RegulationSerializer.Meta.fields + ["current_version", "versions"]

    @extend_schema_field(VersionSerializer(allow_null=True))
    def get_current_version(self, regulation):
        shown = self.context.get("shown")
        return VersionSerializer(shown, context=self.context).data if shown is not None else None

    @extend_schema_field(VersionSummarySerializer(many=True))
    def get_versions(self, regulation):
        return VersionSummarySerializer(self.context.get("versions", []), many=True).data


def _flag(params, name):
    return str(params.get(name, "")).lower() in ("1", "true", "yes", "on")


NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such document, or outside your organisations")


class _Hits:
    """A page of search results as documents (each carrying its `search_hit`), for the paginator."""

    def __init__(self, results):
        self.results = results

    def count(self):
        return self.results.count()

    def __len__(self):
        return len(self.results)

    def __getitem__(self, key):
        hits = self.results[key]
        out = []
        for hit in hits if isinstance(key, slice) else [hits]:
            regulation = hit.regulation
            regulation.search_hit = hit
            out.append(regulation)
        return out if isinstance(key, slice) else out[0]


@extend_schema(summary="Documents you may read; search them with q", parameters=[
    OpenApiParameter("q", str, description="words to find in the title or text (Chinese is segmented; all words "
                                           "must occur); results best first, each with a highlighted extract"),
    OpenApiParameter("category", int, description="only this category"),
    OpenApiParameter("repealed", bool, description="include repealed documents"),
    OpenApiParameter("history", bool, description="with q: search earlier versions too"),
], responses={200: RegulationListSerializer(many=True), 400: ValidationErrorSerializer})
class RegulationListView(generics.ListAPIView):
    serializer_class = RegulationListSerializer

    def get_queryset(self):
        return services.readable_regulations(self.request.user).select_related("org", "category")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def list(self, request, *args, **kwargs):
        params = request.query_params
        regs = self.get_queryset()
        if not _flag(params, "repealed"):
            regs = regs.filter(status=RegulationStatus.PUBLISHED)
        category = params.get("category")
        if category:
            if not (category.isdigit() and len(category) < 19):
                raise serializers.ValidationError({"category": [_("Enter a whole number.")]})
            regs = regs.filter(category_id=int(category))
        query = (params.get("q") or "").strip()
        if query:
            rows = _Hits(search.run(regs, query, history=_flag(params, "history")))
        else:
            rows = regs.order_by("-last_published_at", "-id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(summary="A document: its current version's text and its versions",
               responses={200: RegulationDetailSerializer, 404: NOT_FOUND})
class RegulationDetailView(generics.RetrieveAPIView):
    serializer_class = RegulationDetailSerializer

    def get_queryset(self):
        return services.readable_regulations(self.request.user).select_related("org", "category")

    def retrieve(self, request, *args, **kwargs):
        regulation = self.get_object()
        versions = services.versions_of(regulation)
        shown, _in_force = services.shown_version(regulation, versions)
        current = rules.current_number([(v.number, v.effective_on) for v in versions], timezone.localdate())
        context = {**self.get_serializer_context(), "shown": shown, "versions": versions,
                   "current_number": current}
        return Response(RegulationDetailSerializer(regulation, context=context).data)


@extend_schema(summary="One version of a document", responses={200: VersionSerializer, 404: NOT_FOUND})
class VersionDetailView(generics.GenericAPIView):
    serializer_class = VersionSerializer
    queryset = RegulationVersion.objects.none()

    def get(self, request, pk, number):
        regulation = services.readable_regulations(request.user).filter(pk=pk).first()
        version = regulation.versions.filter(number=number).first() if regulation else None
        if version is None:
            raise Http404
        versions = [(v.number, v.effective_on) for v in regulation.versions.only("number", "effective_on")]
        context = {**self.get_serializer_context(),
                   "current_number": rules.current_number(versions, timezone.localdate())}
        return Response(VersionSerializer(version, context=context).data)


@extend_schema(summary="The categories of the documents you may read")
class CategoryListView(generics.ListAPIView):
    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self):
        return services.visible_categories(self.request.user).order_by("sort_order", "name", "id")
