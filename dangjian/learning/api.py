"""Learning endpoints of the API (the member's phone app), the same rules as the pages:

- `GET  /api/v1/learning/items/`                 my assigned items with my progress (?state=todo|done)
- `POST /api/v1/learning/items/{id}/heartbeat`   one heartbeat of the reading screen (every ~15 s while visible)
- `GET  /api/v1/learning/credits/`               my credits for ?year= (default this year)

An item that is not assigned to the caller is a 404; bad input a 400 naming the field."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.api.errors import ErrorSerializer, ValidationErrorSerializer

from . import rules, services

KINDS = "article, document, video"


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.pk")
    title = serializers.CharField(source="item.title")
    summary = serializers.CharField(source="item.summary")
    kind = serializers.CharField(source="item.kind", help_text=f"One of: {KINDS}.")
    org = serializers.SerializerMethodField()
    min_minutes = serializers.IntegerField(source="item.min_minutes")
    credits = serializers.DecimalField(source="item.credits", max_digits=5, decimal_places=1)
    deadline = serializers.DateField(source="item.deadline", allow_null=True)
    required = serializers.BooleanField()
    due_on = serializers.DateField(allow_null=True)
    state = serializers.CharField(help_text="todo or done")
    seconds = serializers.IntegerField(help_text="Reading time counted so far, in seconds.")
    required_seconds = serializers.IntegerField()
    remaining_seconds = serializers.IntegerField()
    percent = serializers.IntegerField()
    completed_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField(help_text="The reading page (for a web view).")

    def get_org(self, task) -> dict:
        return {"id": task.item.org_id, "name": task.item.org.name}

    def get_url(self, task) -> str:
        from django.urls import reverse

        return reverse("learning:read", args=[task.item.pk])


class BeatSerializer(serializers.Serializer):
    item = TaskSerializer(source="task")
    earned = serializers.IntegerField(help_text="Seconds this heartbeat added.")
    completed_now = serializers.BooleanField(help_text="This heartbeat completed the item.")
    credited = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True,
                                        help_text="Credits awarded by this heartbeat, if it completed the item.")
    next_ping_seconds = serializers.IntegerField()


class CreditEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    earned_on = serializers.DateField()
    points = serializers.DecimalField(max_digits=6, decimal_places=1)
    source = serializers.CharField(help_text="item, exam, manual or correction")
    title = serializers.SerializerMethodField()
    ref = serializers.CharField()
    corrects = serializers.IntegerField(source="corrects_id", allow_null=True)

    def get_title(self, entry) -> str:
        if entry.item_id:
            return entry.item.title
        return entry.note or str(entry.get_source_display())


class SourceTotalSerializer(serializers.Serializer):
    source = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    points = serializers.DecimalField(max_digits=8, decimal_places=1)


class YearTotalSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    points = serializers.DecimalField(max_digits=8, decimal_places=1)


class CreditsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=8, decimal_places=1)
    target = serializers.DecimalField(max_digits=8, decimal_places=1)
    reached = serializers.BooleanField()
    by_source = SourceTotalSerializer(many=True)
    entries = CreditEntrySerializer(many=True)
    years = YearTotalSerializer(many=True)


def _me(request):
    person = services._person(request.user)
    if person is None:
        from django.http import Http404

        raise Http404
    return person


class MyItemsView(generics.GenericAPIView):
    serializer_class = TaskSerializer

    def get_queryset(self):  # the tasks are a list built by services.tasks_for; this is for the schema only
        from .models import LearningItem

        return LearningItem.objects.none()

    @extend_schema(summary="The learning items assigned to me, with my progress", parameters=[
        OpenApiParameter("state", str, enum=["todo", "done"], description="only the items to do, or done")],
        responses={200: TaskSerializer(many=True), 400: ValidationErrorSerializer})
    def get(self, request):
        state = request.query_params.get("state", "")
        if state not in ("", "todo", "done"):
            raise serializers.ValidationError({"state": [_("Choose a value from the list.")]})
        tasks = services.tasks_for(_me(request))
        if state:
            tasks = [t for t in tasks if t.state == state]
        page = self.paginate_queryset(tasks)
        return self.get_paginated_response(TaskSerializer(page, many=True).data)


class HeartbeatView(APIView):
    @extend_schema(request=None, summary="A heartbeat of the reading screen",
                   description="Send one every ~15 s while the item is on screen. The server counts the real time "
                               "between heartbeats (at most 30 s each; nothing after a pause of over 90 s) and "
                               "completes the item once the minimum time is reached, awarding its credits once.",
                   responses={200: BeatSerializer, 400: ValidationErrorSerializer,
                              404: OpenApiResponse(ErrorSerializer, description="Not an item assigned to you")})
    def post(self, request, pk):
        result = services.heartbeat(request.user, pk)
        return Response(BeatSerializer({
            "task": result.task, "earned": result.earned, "completed_now": result.completed_now,
            "credited": result.credit.points if result.credit else None,
            "next_ping_seconds": rules.PING_SECONDS}).data)


class CreditsView(APIView):
    @extend_schema(summary="My credits for a year", parameters=[
        OpenApiParameter("year", int, description="default: this year")],
        responses={200: CreditsSerializer, 400: ValidationErrorSerializer})
    def get(self, request):
        raw = request.query_params.get("year", "")
        this_year = timezone.localdate().year
        if raw == "":
            year = this_year
        elif not (raw.isdigit() and len(raw) < 6):
            raise serializers.ValidationError({"year": [_("Enter a whole number.")]})
        elif not 2000 <= int(raw) <= this_year + 1:
            raise serializers.ValidationError({"year": [_("Enter a year from 2000 to %(last)d.") % {
                "last": this_year + 1}]})
        else:
            year = int(raw)
        return Response(CreditsSerializer(services.credits_of(_me(request), year)).data)
