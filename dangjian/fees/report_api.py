"""Party fees API: reports, the fee ledger and hand-overs (mounted at /api/v1/fees/), the same services and
permissions as the pages:

- `GET  reports?org=&from=YYYY-MM&to=YYYY-MM`        the report rows (fees:read over org)
- `GET  ledger?org=&year=` / `POST ledger`           entries with the running balance and the year's summary /
                                                     record an entry (fees:manage)
- `POST ledger/{id}/reverse`                         reverse an entry with a reason
- `GET  handovers?state=` / `POST handovers`         hand-overs from and to the caller's organisations / record one
- `GET  handovers/{id}`, `POST handovers/{id}/receive`, `POST handovers/{id}/return`

Outsiders get 404; bad input a 400 naming the field; nothing is changed then."""

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import get_scoped_or_404, has_perm
from dangjian.api.errors import ErrorSerializer, ValidationErrorSerializer
from dangjian.orgs.models import Organization, OrgStatus
from dangjian.orgs.services import PICKER_FIELDS, active_orgs_for, pick_org

from . import handover, ledger, reports
from .models import MONEY, TOTALS, HandOver, HandOverState, Purpose

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Not found, or outside the caller's organisations")


def _org(request, perm, raw):
    orgs = active_orgs_for(request.user, perm, limit=1)
    if raw in (None, ""):
        if not orgs:
            raise Http404
        return orgs[0]
    return pick_org(orgs, raw, lambda o: has_perm(request.user, perm, o))


def _year(raw):
    this_year = timezone.localdate().year
    if raw in (None, ""):
        return this_year
    if not (str(raw).isdigit() and len(str(raw)) < 6 and 2000 <= int(raw) <= this_year + 1):
        raise serializers.ValidationError({"year": [_("Enter a year from 2000 to %(last)d.") % {
            "last": this_year + 1}]})
    return int(raw)


# ---- reports --------------------------------------------------------------------------------------------------------

class FiguresSerializer(serializers.Serializer):
    members = serializers.IntegerField(help_text="Members with dues in the period")
    fully_paid = serializers.IntegerField(help_text="Of whom nothing is outstanding")
    due = serializers.CharField(help_text="Yuan, two decimals")
    paid = serializers.CharField()
    outstanding = serializers.CharField()
    voluntary = serializers.CharField(help_text="Voluntary extra received (by the day paid)")
    large_voluntary = serializers.CharField()
    payment_rate = serializers.CharField(allow_null=True, help_text="paid ÷ due in percent, one decimal")
    members_rate = serializers.CharField(allow_null=True, help_text="fully paid ÷ members in percent")


class OrgRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ReportRowSerializer(FiguresSerializer):
    org = OrgRefSerializer()
    own = serializers.BooleanField(help_text="The organisation's own members (not of a child)")


class MonthRowSerializer(FiguresSerializer):
    month = serializers.CharField()


class MemberRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    org = serializers.CharField()
    months = serializers.IntegerField()
    open_months = serializers.IntegerField()
    due = serializers.CharField()
    paid = serializers.CharField()
    outstanding = serializers.CharField()
    voluntary = serializers.CharField()
    fully_paid = serializers.BooleanField()


class ReportSerializer(serializers.Serializer):
    org = OrgRefSerializer()
    rows = ReportRowSerializer(many=True)
    total = FiguresSerializer()
    months = MonthRowSerializer(many=True)
    members = MemberRowSerializer(many=True, allow_null=True,
                                  help_text=f"By member when at most {reports.MEMBER_LIST_LIMIT} members owe dues")

    def to_representation(self, instance):
        return instance


ReportSerializer._declared_fields["from"] = serializers.CharField(help_text="YYYY-MM")
ReportSerializer._declared_fields["to"] = serializers.CharField(help_text="YYYY-MM")


class ReportView(APIView):
    @extend_schema(summary="Party fee report of an organisation's subtree", parameters=[
        OpenApiParameter("org", int, description="default: the caller's first organisation"),
        OpenApiParameter("from", str, description="first dues month, YYYY-MM (default: January)"),
        OpenApiParameter("to", str, description="last dues month, YYYY-MM (default: this month)")],
        responses={200: ReportSerializer, 400: ValidationErrorSerializer, 404: NOT_FOUND})
    def get(self, request):
        root = _org(request, perms.FEES_READ, request.query_params.get("org"))
        first, last = reports.period(request.query_params.get("from"), request.query_params.get("to"))
        return Response(reports.as_json(reports.report(root, first, last)))


# ---- ledger ---------------------------------------------------------------------------------------------------------

class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    org = serializers.IntegerField(source="org_id")
    entry_date = serializers.DateField()
    direction = serializers.CharField(help_text="income or spending")
    purpose = serializers.CharField(help_text=", ".join(Purpose.values))
    amount = serializers.DecimalField(**MONEY, help_text="Positive; a reversal's is negative (read only)")
    description = serializers.CharField(max_length=300)
    voucher = serializers.CharField(max_length=40, required=False, allow_blank=True)
    corrects = serializers.IntegerField(source="corrects_id", read_only=True, allow_null=True)
    handover = serializers.IntegerField(source="handover_id", read_only=True, allow_null=True)
    balance = serializers.DecimalField(**TOTALS, read_only=True, help_text="The running balance after this entry")


class EntryInSerializer(serializers.Serializer):
    org = serializers.IntegerField()
    entry_date = serializers.CharField(help_text="YYYY-MM-DD")
    direction = serializers.CharField(help_text="income or spending")
    purpose = serializers.CharField(help_text=", ".join(Purpose.values))
    amount = serializers.CharField(help_text="Yuan, at most two decimals, more than zero")
    description = serializers.CharField(allow_blank=True)
    voucher = serializers.CharField(required=False, allow_blank=True, default="")


class PurposeSumSerializer(serializers.Serializer):
    purpose = serializers.CharField()
    label = serializers.CharField()
    amount = serializers.DecimalField(**TOTALS)


class SummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    opening = serializers.DecimalField(**TOTALS)
    income = PurposeSumSerializer(many=True)
    spending = PurposeSumSerializer(many=True)
    income_total = serializers.DecimalField(**TOTALS)
    spending_total = serializers.DecimalField(**TOTALS)
    closing = serializers.DecimalField(**TOTALS)


class LedgerSerializer(serializers.Serializer):
    org = OrgRefSerializer()
    summary = SummarySerializer()
    entries = EntrySerializer(many=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(required=False, allow_null=True)


def _entry_data(entry, balance):
    data = EntrySerializer(entry).data
    data["balance"] = str(balance)
    return data


def _get_org(request, perm, raw):
    if not (str(raw).isdigit() and len(str(raw)) < 19):
        raise serializers.ValidationError({"org": [_("Choose an organisation.")]})
    org = Organization.objects.filter(pk=int(raw), status=OrgStatus.ACTIVE).only(*PICKER_FIELDS, "parent_id",
                                                                                 "org_type").first()
    if org is None or not has_perm(request.user, perm, org):
        raise Http404
    return org


class LedgerView(APIView):
    @extend_schema(summary="An organisation's fee ledger for a year", parameters=[
        OpenApiParameter("org", int), OpenApiParameter("year", int, description="default: this year")],
        responses={200: LedgerSerializer, 400: ValidationErrorSerializer, 404: NOT_FOUND})
    def get(self, request):
        org = _org(request, perms.FEES_READ, request.query_params.get("org"))
        year = _year(request.query_params.get("year"))
        s = ledger.summary(org, year)
        return Response({"org": {"id": org.pk, "name": org.name}, "summary": SummarySerializer(s).data,
                         "entries": [_entry_data(e, b) for e, b in ledger.entries(org, year)]})

    @extend_schema(summary="Record a ledger entry", request=EntryInSerializer,
                   responses={201: EntrySerializer, 400: ValidationErrorSerializer, 404: NOT_FOUND})
    def post(self, request):
        data = EntryInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        org = _get_org(request, perms.FEES_MANAGE, d["org"])
        entry = ledger.add_entry(request.user, org, entry_date=d["entry_date"], direction=d["direction"],
                                 purpose=d["purpose"], amount=d["amount"], description=d["description"],
                                 voucher=d.get("voucher", ""))
        return Response(_entry_data(entry, ledger.balance(org)), status=201)


class LedgerReverseView(APIView):
    @extend_schema(summary="Reverse a ledger entry", request=ReasonSerializer,
                   responses={201: EntrySerializer, 400: ValidationErrorSerializer, 404: NOT_FOUND})
    def post(self, request, pk):
        from .models import LedgerEntry

        entry = get_scoped_or_404(LedgerEntry.objects.all(), request.user, perms.FEES_READ, pk=pk)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        out = ledger.reverse_entry(request.user, entry, reason=data.validated_data["reason"])
        return Response(_entry_data(out, ledger.balance(out.org)), status=201)


# ---- hand-overs -----------------------------------------------------------------------------------------------------

class HandOverSerializer(serializers.ModelSerializer):
    org = OrgRefSerializer()
    to_org = OrgRefSerializer()
    corrects = serializers.IntegerField(source="corrects_id", allow_null=True)
    state = serializers.CharField(help_text="submitted, received or returned")

    class Meta:
        model = HandOver
        fields = ["id", "org", "to_org", "period_from", "period_to", "expected", "amount", "large_voluntary",
                  "handed_on", "state", "note", "corrects", "decided_at", "version"]


class HandOverInSerializer(serializers.Serializer):
    org = serializers.IntegerField()
    period_from = serializers.CharField(help_text="YYYY-MM")
    period_to = serializers.CharField(help_text="YYYY-MM")
    amount = serializers.CharField(help_text="Yuan handed over, at most two decimals")
    handed_on = serializers.CharField(required=False, allow_blank=True, help_text="YYYY-MM-DD (default today)")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    corrects = serializers.IntegerField(required=False, allow_null=True,
                                        help_text="The returned hand-over this one corrects")


class HandOversView(generics.GenericAPIView):
    serializer_class = HandOverSerializer

    def get_queryset(self):
        return handover.visible(self.request.user).select_related("org", "to_org").order_by("-handed_on", "-id")

    @extend_schema(summary="Hand-overs from and to the caller's organisations", parameters=[
        OpenApiParameter("state", str, description="submitted, received or returned")],
        responses={200: HandOverSerializer(many=True), 400: ValidationErrorSerializer})
    def get(self, request):
        qs = self.get_queryset()
        state = request.query_params.get("state", "")
        if state:
            if state not in HandOverState.values:
                raise serializers.ValidationError({"state": [_("Choose a value from the list.")]})
            qs = qs.filter(state=state)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(HandOverSerializer(page, many=True).data)

    @extend_schema(summary="Record a hand-over to the organisation above", request=HandOverInSerializer,
                   responses={201: HandOverSerializer, 400: ValidationErrorSerializer, 404: NOT_FOUND})
    def post(self, request):
        data = HandOverInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        org = _get_org(request, perms.FEES_MANAGE, d["org"])
        corrects = None
        if d.get("corrects"):
            corrects = get_scoped_or_404(HandOver.objects.all(), request.user, perms.FEES_MANAGE, pk=d["corrects"])
        ho = handover.submit(request.user, org, period_from=d["period_from"], period_to=d["period_to"],
                             amount=d["amount"], handed_on=d.get("handed_on") or None, note=d.get("note", ""),
                             corrects=corrects)
        ho = HandOver.objects.select_related("org", "to_org").get(pk=ho.pk)
        return Response(HandOverSerializer(ho).data, status=201)


def _visible_ho(request, pk):
    return get_scoped_or_404(HandOver.objects.select_related("org", "to_org"), request.user, perms.FEES_READ, pk=pk)


class HandOverView(APIView):
    @extend_schema(summary="One hand-over", responses={200: HandOverSerializer, 404: NOT_FOUND})
    def get(self, request, pk):
        return Response(HandOverSerializer(_visible_ho(request, pk)).data)


class HandOverReceiveView(APIView):
    @extend_schema(summary="Confirm receipt of a hand-over (the receiving organisation)", request=ReasonSerializer,
                   responses={200: HandOverSerializer, 400: ValidationErrorSerializer, 404: NOT_FOUND,
                              409: OpenApiResponse(ErrorSerializer, description="Changed since read")})
    def post(self, request, pk):
        ho = handover.receive(request.user, _visible_ho(request, pk), expected_version=request.data.get("version"))
        return Response(HandOverSerializer(HandOver.objects.select_related("org", "to_org").get(pk=ho.pk)).data)


class HandOverReturnView(APIView):
    @extend_schema(summary="Return a hand-over for correction, with a reason", request=ReasonSerializer,
                   responses={200: HandOverSerializer, 400: ValidationErrorSerializer, 404: NOT_FOUND,
                              409: OpenApiResponse(ErrorSerializer, description="Changed since read")})
    def post(self, request, pk):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ho = handover.return_(request.user, _visible_ho(request, pk), reason=data.validated_data["reason"],
                              expected_version=data.validated_data.get("version"))
        return Response(HandOverSerializer(HandOver.objects.select_related("org", "to_org").get(pk=ho.pk)).data)


urlpatterns = [
    path("reports", ReportView.as_view(), name="fees-reports"),
    path("ledger", LedgerView.as_view(), name="fees-ledger"),
    path("ledger/<int:pk>/reverse", LedgerReverseView.as_view(), name="fees-ledger-reverse"),
    path("handovers", HandOversView.as_view(), name="fees-handovers"),
    path("handovers/<int:pk>", HandOverView.as_view(), name="fees-handover"),
    path("handovers/<int:pk>/receive", HandOverReceiveView.as_view(), name="fees-handover-receive"),
    path("handovers/<int:pk>/return", HandOverReturnView.as_view(), name="fees-handover-return"),
]
