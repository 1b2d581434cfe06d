"""The figures API (mounted at /api/v1/metrics/), the same registry and permissions as the page:

- `GET metrics/`                                            the registered metrics: name, label, unit, higher is better
- `GET metrics/values/?org=<id>&period=2026-11&names=a,b`  the values for the organisation's subtree and for each
                                                            organisation directly under it (metrics:read over org)

An organisation outside the caller's scope is a 404; a bad period or an unknown name a 400 naming the field."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.accounts.decorators import require_anywhere
from dangjian.api.errors import ErrorSerializer, ValidationErrorSerializer

from . import periods, queries, registry
from .queries import READ

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Not found, or outside the caller's organisations")


class MetricSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField(help_text='"%", "points", "count"')
    higher_is_better = serializers.BooleanField()
    period_kinds = serializers.ListField(child=serializers.CharField())
    description = serializers.CharField()


class ValueSerializer(serializers.Serializer):
    name = serializers.CharField()
    value = serializers.DecimalField(max_digits=20, decimal_places=1, allow_null=True,
                                     help_text="null when there is nothing to compute it from (nothing due)")
    numerator = serializers.CharField()
    denominator = serializers.CharField(allow_null=True, help_text="null for a count")
    unit = serializers.CharField()
    higher_is_better = serializers.BooleanField()


class OrgValuesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    values = ValueSerializer(many=True)


class ValuesSerializer(serializers.Serializer):
    period = serializers.CharField()
    org = OrgValuesSerializer()
    children = OrgValuesSerializer(many=True)


def _value(v):
    return {"name": v.name, "value": v.value, "numerator": str(v.numerator),
            "denominator": None if v.denominator is None else str(v.denominator), "unit": v.unit,
            "higher_is_better": v.higher_is_better}


def _org_row(row):
    return {"id": row["org"].pk, "name": row["org"].name, "values": [_value(v) for v in row["values"]]}


class MetricListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="The registered metrics", responses={200: MetricSerializer(many=True), 404: NOT_FOUND})
    def get(self, request):
        require_anywhere(request.user, READ)
        data = [{"name": m.name, "label": str(m.label), "unit": m.unit, "higher_is_better": m.higher_is_better,
                 "period_kinds": list(m.period_kinds), "description": str(m.description)}
                for m in registry.registry().values()]
        return Response(MetricSerializer(data, many=True).data)


class MetricValuesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Values of the metrics for an organisation and those directly under it",
                   parameters=[OpenApiParameter("org", int, description="Organisation id (default: the caller's "
                                                                        "first scope root)"),
                               OpenApiParameter("period", str, description="2026-11, 2026-Q4 or 2026 (default: "
                                                                           "this month)"),
                               OpenApiParameter("names", str, description="Comma-separated metric names")],
                   responses={200: ValuesSerializer, 400: ValidationErrorSerializer, 404: NOT_FOUND})
    def get(self, request):
        user = request.user
        require_anywhere(user, READ)
        raw_org = request.query_params.get("org")
        if raw_org:
            org = queries.org_or_404(user, raw_org)
        else:
            roots = queries.scope_roots(user)
            if not roots:
                from django.http import Http404

                raise Http404
            org = roots[0]
        try:
            period = queries.period_or_default(request.query_params.get("period"))
        except periods.PeriodError:
            raise serializers.ValidationError(
                {"period": [_("Enter a period as 2026-11, 2026-Q4 or 2026.")]}) from None
        try:
            names = queries.names_or_all(request.query_params.get("names"))
        except KeyError:
            raise serializers.ValidationError({"names": [_("Unknown metric name.")]}) from None
        _metrics, total, rows = queries.table(org, period, names)
        data = {"period": str(period), "org": _org_row(total), "children": [_org_row(r) for r in rows]}
        return Response(ValuesSerializer(data).data)
