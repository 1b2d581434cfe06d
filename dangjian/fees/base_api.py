"""Party fees API: fee bases, the yearly adjustment, reliefs, arrears and the month roster (mounted at /api/v1/fees/).
The same rules and permissions as the pages (bases.py): outsiders get 404, a refusal 400 naming the field, a stale
`version` 409.

- `GET/POST people/{id}/bases/`                 a member's base history; POST sets the first base, re-bases or corrects
- `GET/POST campaigns/`                          the adjustments the caller sees; POST opens one
- `GET      campaigns/{id}/`                     an adjustment with its progress per organisation
- `GET/POST campaigns/{id}/declarations/`        its declarations; POST enters one (a member for themself, a collector)
- `POST     declarations/{id}/{confirm|return}/` the branch decides
- `GET/POST reliefs/`                            reliefs of ?org= (or the caller's own); POST requests one
- `POST     reliefs/{id}/{approve|reject|revoke}/`
- `GET      arrears/?org=`                       members with unpaid complete months and the Article 13 flag
- `GET      month/?org=&month=YYYY-MM`           the month roster with totals
"""

from django.db.models import Q
from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.accounts.scoping import has_perm, scope_for, scoped
from dangjian.api.errors import ErrorSerializer, ValidationErrorSerializer
from dangjian.orgs.models import Organization, OrgStatus, lineage

from . import bases, rules, services
from .bases import READ
from .models import (
    MONEY,
    BaseCampaign,
    BaseDeclaration,
    Category,
    DeclarationState,
    Relief,
    ReliefKind,
    ReliefState,
)

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Not found, or outside the caller's organisations")
CONFLICT = OpenApiResponse(ErrorSerializer, description="Changed by someone else since it was read (stale version)")
ERRORS = {400: ValidationErrorSerializer, 404: NOT_FOUND}

# ---------------------------------------------------------------------------------------------------- serializers


class FeeBaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.CharField()
    base = serializers.DecimalField(**MONEY)
    deductions = serializers.DictField(child=serializers.CharField())
    effective_from = serializers.DateField()
    applies_from = serializers.DateField()
    computed = serializers.DecimalField(**MONEY, help_text="The rate table's monthly dues.")
    amount = serializers.DecimalField(**MONEY, help_text="What is charged each month (at most the soft cap).")
    source = serializers.CharField()
    reason = serializers.CharField()
    corrects = serializers.IntegerField(source="corrects_id", allow_null=True)
    superseded_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class BaseInputSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=bases.BASE_MODES, help_text="initial, rebase or correct")
    category = serializers.ChoiceField(choices=Category.choices)
    base = serializers.CharField(required=False, allow_blank=True, help_text="Yuan, e.g. \"4200.00\".")
    gross = serializers.CharField(required=False, allow_blank=True,
                                  help_text="Included pay: with `deductions`, the base is computed.")
    deductions = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    effective_from = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)
    corrects = serializers.IntegerField(required=False, allow_null=True, help_text="The base corrected (correct).")


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    org = serializers.SerializerMethodField()
    year = serializers.IntegerField()
    effective_from = serializers.DateField()
    deadline = serializers.DateField()
    state = serializers.CharField()
    note = serializers.CharField()
    version = serializers.IntegerField()

    def get_org(self, c) -> dict:
        return {"id": c.org_id, "name": c.org.name}


class CampaignInputSerializer(serializers.Serializer):
    org = serializers.IntegerField()
    year = serializers.IntegerField()
    deadline = serializers.DateField()
    effective_from = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class ProgressSerializer(serializers.Serializer):
    org = serializers.SerializerMethodField()
    members = serializers.IntegerField()
    submitted = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    returned = serializers.IntegerField()
    declared = serializers.IntegerField()
    not_yet = serializers.IntegerField()

    def get_org(self, row) -> dict:
        return {"id": row.org.pk, "name": row.org.name}


class CampaignDetailSerializer(CampaignSerializer):
    progress = ProgressSerializer(many=True)
    total = ProgressSerializer()


class DeclarationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = serializers.IntegerField(source="campaign_id")
    person = serializers.SerializerMethodField()
    category = serializers.CharField()
    gross = serializers.DecimalField(**MONEY, allow_null=True)
    deductions = serializers.DictField(child=serializers.CharField())
    base = serializers.DecimalField(**MONEY)
    state = serializers.CharField(help_text="submitted, confirmed or returned")
    reason = serializers.CharField()
    fee_base = serializers.IntegerField(source="fee_base_id", allow_null=True)
    version = serializers.IntegerField()

    def get_person(self, d) -> dict:
        return {"id": d.person_id, "name": d.person.name}


class DeclarationInputSerializer(serializers.Serializer):
    person = serializers.IntegerField(required=False, help_text="Default: the caller.")
    category = serializers.ChoiceField(choices=Category.choices)
    base = serializers.CharField(required=False, allow_blank=True)
    gross = serializers.CharField(required=False, allow_blank=True)
    deductions = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    version = serializers.IntegerField(required=False, allow_null=True)


class DecisionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
    version = serializers.IntegerField(required=False, allow_null=True)


class ReliefDecisionInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500,
                                 help_text="Required to reject or revoke.")
    version = serializers.IntegerField(required=False, allow_null=True)


class ReliefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.SerializerMethodField()
    kind = serializers.CharField(help_text="reduce, exempt or excused")
    amount = serializers.DecimalField(**MONEY, allow_null=True)
    from_month = serializers.DateField()
    to_month = serializers.DateField()
    reason = serializers.CharField()
    state = serializers.CharField(help_text="requested, approved, rejected or revoked")
    decision_note = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()

    def get_person(self, r) -> dict:
        return {"id": r.person_id, "name": r.person.name}


class ReliefInputSerializer(serializers.Serializer):
    person = serializers.IntegerField(required=False, help_text="Default: the caller.")
    kind = serializers.ChoiceField(choices=ReliefKind.choices)
    amount = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    from_month = serializers.CharField(help_text="YYYY-MM")
    to_month = serializers.CharField(help_text="YYYY-MM")
    reason = serializers.CharField(max_length=500)


class ArrearSerializer(serializers.Serializer):
    person = serializers.SerializerMethodField()
    months = serializers.SerializerMethodField()
    count = serializers.IntegerField()
    outstanding = serializers.DecimalField(**MONEY)
    oldest = serializers.DateField()
    beyond_window = serializers.IntegerField(source="beyond")
    run = serializers.IntegerField(help_text="Consecutive complete months unpaid without a valid reason.")
    lapsed = serializers.BooleanField(help_text="Article 13: six or more such months.")

    def get_person(self, a) -> dict:
        return {"id": a.person.pk, "name": a.person.name, "org": a.person.org.name}

    def get_months(self, a) -> list[str]:
        return [f"{m:%Y-%m}" for m, _o, _e in a.months]


class RosterRowSerializer(serializers.Serializer):
    person = serializers.SerializerMethodField()
    amount = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    outstanding = serializers.DecimalField(**MONEY)
    relief = serializers.SerializerMethodField()
    state = serializers.CharField(help_text="paid, partly, unpaid or exempt")

    def get_person(self, r) -> dict:
        return {"id": r["person"].pk, "name": r["person"].name, "org": r["due"].org.name}

    def get_relief(self, r) -> str | None:
        return r["relief"].kind if r["relief"] else None


class RosterSerializer(serializers.Serializer):
    org = serializers.DictField()
    month = serializers.CharField()
    due = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    outstanding = serializers.DecimalField(**MONEY)
    counts = serializers.DictField(child=serializers.IntegerField())
    without_base = serializers.ListField(child=serializers.DictField())
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = RosterRowSerializer(many=True)


# ---------------------------------------------------------------------------------------------------- helpers

def _data(serializer_class, request):
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return s.validated_data


def _org(request, perm=READ, raw=None):
    raw = raw if raw is not None else request.query_params.get("org", "")
    if not (str(raw).isdigit() and len(str(raw)) < 19):
        raise serializers.ValidationError({"org": [_("Choose an organisation.")]})
    org = Organization.objects.filter(pk=int(raw), status=OrgStatus.ACTIVE).first()
    if org is None or not has_perm(request.user, perm, org.path):
        raise Http404
    return org


def _person_or_me(request, raw, perm):
    if raw in (None, ""):
        if not request.user.person_id:
            raise serializers.ValidationError({"person": [_("Choose a member.")]})
        raw = request.user.person_id
    return bases.visible_person(request.user, raw, perm)


# ---------------------------------------------------------------------------------------------------- bases

class PersonBasesView(APIView):
    @extend_schema(summary="A member's fee bases (newest first, corrections and superseded ones included)",
                   responses={200: FeeBaseSerializer(many=True), 404: NOT_FOUND}, operation_id="fees_bases_list")
    def get(self, request, pk):
        person = bases.visible_person(request.user, pk)
        return Response(FeeBaseSerializer(services.base_history(person.pk), many=True).data)

    @extend_schema(summary="Set the first base, re-base or correct (fees:manage)", request=BaseInputSerializer,
                   responses={201: FeeBaseSerializer, **ERRORS}, operation_id="fees_bases_create")
    def post(self, request, pk):
        person = bases.visible_person(request.user, pk)
        d = _data(BaseInputSerializer, request)
        row = bases.record_base(request.user, person, mode=d["mode"], category=d["category"], base=d.get("base"),
                                gross=d.get("gross"), deductions=d.get("deductions"),
                                effective_from=d.get("effective_from"), reason=d.get("reason", ""),
                                corrects=d.get("corrects"))
        return Response(FeeBaseSerializer(row).data, status=201)


# ---------------------------------------------------------------------------------------------------- campaigns

def _visible_campaigns(user):
    scope = scope_for(user)
    qs = BaseCampaign.objects.select_related("org")
    if scope.superuser:
        return qs
    above = {p for prefix in scope.prefixes(READ) for p in lineage(prefix)}
    return scoped(qs, user, READ, extra=Q(org_path__in=above) if above else None)


def _campaign(user, pk, perm=READ):
    campaign = BaseCampaign.objects.select_related("org").filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign, bases.campaign_paths(user, campaign, perm)


class CampaignsView(APIView):
    @extend_schema(summary="The yearly base adjustments the caller sees", responses={200: CampaignSerializer(many=True)},
                   operation_id="fees_campaigns_list")
    def get(self, request):
        rows = list(_visible_campaigns(request.user).order_by("-year", "org_path")[:200])
        return Response(CampaignSerializer(rows, many=True).data)

    @extend_schema(summary="Open the year's base adjustment for an organisation (fees:manage)",
                   request=CampaignInputSerializer, responses={201: CampaignSerializer, **ERRORS},
                   operation_id="fees_campaigns_create")
    def post(self, request):
        d = _data(CampaignInputSerializer, request)
        org = _org(request, bases.MANAGE, d["org"])
        c = bases.open_campaign(request.user, org, year=d["year"], deadline=d["deadline"],
                                effective_from=d.get("effective_from"), note=d.get("note", ""))
        return Response(CampaignSerializer(c).data, status=201)


class CampaignView(APIView):
    @extend_schema(summary="An adjustment with its progress per organisation",
                   responses={200: CampaignDetailSerializer, 404: NOT_FOUND}, operation_id="fees_campaign_detail")
    def get(self, request, pk):
        campaign, paths = _campaign(request.user, pk)
        progress, total = [], None
        for p in paths:
            rows, t = bases.campaign_progress(campaign, p)
            progress.extend(rows)
            total = t if total is None else bases.ProgressRow(
                campaign.org, total.members + t.members, total.submitted + t.submitted,
                total.confirmed + t.confirmed, total.returned + t.returned)
        campaign.progress, campaign.total = progress, total
        return Response(CampaignDetailSerializer(campaign).data)


class DeclarationsView(APIView):
    @extend_schema(summary="An adjustment's declarations (in the caller's part of it; a member: their own)",
                   parameters=[OpenApiParameter("state", str, enum=DeclarationState.values)],
                   responses={200: DeclarationSerializer(many=True), 404: NOT_FOUND},
                   operation_id="fees_declarations_list")
    def get(self, request, pk):
        campaign = BaseCampaign.objects.filter(pk=pk).first()
        if campaign is None:
            raise Http404
        qs = BaseDeclaration.objects.filter(campaign=campaign).select_related("person")
        try:
            paths = bases.campaign_paths(request.user, campaign)
        except Http404:
            person_id = request.user.person_id
            if not person_id or not BaseDeclaration.objects.filter(campaign=campaign, person_id=person_id).exists():
                raise
            qs = qs.filter(person_id=person_id)
        else:
            q = Q()
            for p in paths:
                q |= Q(scope_path__startswith=p)
            qs = qs.filter(q)
        state = request.query_params.get("state", "")
        if state:
            if state not in DeclarationState.values:
                raise serializers.ValidationError({"state": [_("Choose a value from the list.")]})
            qs = qs.filter(state=state)
        return Response(DeclarationSerializer(qs.order_by("scope_path", "person_id")[:1000], many=True).data)

    @extend_schema(summary="Enter a new base: a member for themself, a collector for a member",
                   request=DeclarationInputSerializer, responses={200: DeclarationSerializer, 409: CONFLICT, **ERRORS},
                   operation_id="fees_declarations_enter")
    def post(self, request, pk):
        campaign = BaseCampaign.objects.filter(pk=pk).first()
        if campaign is None:
            raise Http404
        d = _data(DeclarationInputSerializer, request)
        person = _person_or_me(request, d.get("person"), bases.COLLECT)
        decl = bases.declare(request.user, campaign, person, category=d["category"], base=d.get("base"),
                             gross=d.get("gross"), deductions=d.get("deductions"),
                             expected_version=d.get("version"))
        return Response(DeclarationSerializer(decl).data)


class DeclarationActionView(APIView):
    @extend_schema(summary="Confirm a declaration, or return it with a reason (fees:manage)",
                   request=DecisionInputSerializer, responses={200: DeclarationSerializer, 409: CONFLICT, **ERRORS},
                   operation_id="fees_declaration_decide")
    def post(self, request, pk, action):
        decl = BaseDeclaration.objects.filter(pk=pk).first()
        if decl is None or action not in ("confirm", "return"):
            raise Http404
        d = _data(DecisionInputSerializer, request)
        decl = bases.decide_declaration(request.user, decl, action, reason=d.get("reason", ""),
                                        expected_version=d.get("version"))
        return Response(DeclarationSerializer(decl).data)


# ---------------------------------------------------------------------------------------------------- reliefs

class ReliefsView(APIView):
    @extend_schema(summary="Reliefs of an organisation's subtree (?org=), or without it the caller's own",
                   parameters=[OpenApiParameter("org", int), OpenApiParameter("state", str, enum=ReliefState.values)],
                   responses={200: ReliefSerializer(many=True), **ERRORS}, operation_id="fees_reliefs_list")
    def get(self, request):
        if request.query_params.get("org"):
            org = _org(request)
            qs = Relief.objects.filter(scope_path__startswith=org.path)
        else:
            qs = Relief.objects.filter(person_id=request.user.person_id or -1)
        state = request.query_params.get("state", "")
        if state:
            if state not in ReliefState.values:
                raise serializers.ValidationError({"state": [_("Choose a value from the list.")]})
            qs = qs.filter(state=state)
        return Response(ReliefSerializer(qs.select_related("person").order_by("-id")[:1000], many=True).data)

    @extend_schema(summary="Request a reduction, exemption or valid reason (a member for themself, a collector)",
                   request=ReliefInputSerializer, responses={201: ReliefSerializer, **ERRORS},
                   operation_id="fees_reliefs_request")
    def post(self, request):
        d = _data(ReliefInputSerializer, request)
        person = _person_or_me(request, d.get("person"), bases.COLLECT)
        relief = bases.request_relief(request.user, person, kind=d["kind"], amount=d.get("amount"),
                                      from_month=d["from_month"], to_month=d["to_month"], reason=d["reason"])
        return Response(ReliefSerializer(relief).data, status=201)


class ReliefActionView(APIView):
    @extend_schema(summary="Approve, reject (note required) or revoke (note required) a relief (fees:manage)",
                   request=ReliefDecisionInputSerializer, responses={200: ReliefSerializer, 409: CONFLICT, **ERRORS},
                   operation_id="fees_relief_decide")
    def post(self, request, pk, action):
        relief = Relief.objects.select_related("person").filter(pk=pk).first()
        if relief is None or action not in bases.RELIEF_ACTIONS or not (
                relief.person_id == request.user.person_id or has_perm(request.user, READ, relief.scope_path)):
            raise Http404
        d = _data(ReliefDecisionInputSerializer, request)
        relief = bases.decide_relief(request.user, relief, action, note=d.get("note", ""),
                                     expected_version=d.get("version"))
        return Response(ReliefSerializer(relief).data)


# ---------------------------------------------------------------------------------------------------- arrears, roster

class ArrearsView(APIView):
    @extend_schema(summary="Members of an organisation's subtree with unpaid complete months",
                   parameters=[OpenApiParameter("org", int, required=True),
                               OpenApiParameter("lapsed", bool, description="only the Article 13 flags")],
                   responses={200: ArrearSerializer(many=True), **ERRORS}, operation_id="fees_arrears")
    def get(self, request):
        org = _org(request)
        rows = bases.arrears(org.path, timezone.localdate())
        if request.query_params.get("lapsed") in ("1", "true"):
            rows = [a for a in rows if a.lapsed]
        return Response(ArrearSerializer(rows[:1000], many=True).data)


class MonthView(APIView):
    @extend_schema(summary="The month roster of an organisation's subtree with totals",
                   parameters=[OpenApiParameter("org", int, required=True),
                               OpenApiParameter("month", str, description="YYYY-MM, default this month"),
                               OpenApiParameter("state", str, enum=list(bases.ROSTER_STATES)),
                               OpenApiParameter("page", int)],
                   responses={200: RosterSerializer, **ERRORS}, operation_id="fees_month")
    def get(self, request):
        org = _org(request)
        raw = request.query_params.get("month", "")
        try:
            month = rules.parse_month(raw) if raw else rules.month_start(timezone.localdate())
        except ValueError:
            raise serializers.ValidationError({"month": [_("Enter a month as YYYY-MM.")]}) from None
        state = request.query_params.get("state", "")
        if state and state not in bases.ROSTER_STATES:
            raise serializers.ValidationError({"state": [_("Choose a value from the list.")]})
        qs, totals = bases.month_roster(org.path, month, state or None)
        from dangjian.api.pagination import Pagination

        paginator = Pagination()
        self.count_for_page = lambda _qs: totals["rows"]  # counted with the totals: no second COUNT
        page = paginator.paginate_queryset(qs, request, view=self)
        missing = [{"id": p.pk, "name": p.name, "org": p.org.name}
                   for p in bases.without_base(org.path, month)[:500]]
        return Response(RosterSerializer({
            "org": {"id": org.pk, "name": org.name}, "month": f"{month:%Y-%m}", "due": totals["due"],
            "paid": totals["paid"], "outstanding": totals["outstanding"],
            "counts": {s: totals[f"n_{s}"] for s in bases.ROSTER_STATES}, "without_base": missing,
            "count": paginator.page.paginator.count, "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(), "results": [bases.roster_row(d) for d in page]}).data)


urlpatterns = [
    path("people/<int:pk>/bases/", PersonBasesView.as_view(), name="fees-bases"),
    path("campaigns/", CampaignsView.as_view(), name="fees-campaigns"),
    path("campaigns/<int:pk>/", CampaignView.as_view(), name="fees-campaign"),
    path("campaigns/<int:pk>/declarations/", DeclarationsView.as_view(), name="fees-declarations"),
    path("declarations/<int:pk>/<str:action>/", DeclarationActionView.as_view(), name="fees-declaration-action"),
    path("reliefs/", ReliefsView.as_view(), name="fees-reliefs"),
    path("reliefs/<int:pk>/<str:action>/", ReliefActionView.as_view(), name="fees-relief-action"),
    path("arrears/", ArrearsView.as_view(), name="fees-arrears"),
    path("month/", MonthView.as_view(), name="fees-month"),
]
