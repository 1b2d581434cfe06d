"""Exam endpoints for phones and other clients (same rules as the pages, through the same services):

- `GET  /api/v1/exams/month`                       my month: tiers, best scores, attempts left
- `POST /api/v1/exams/attempts`                    {"tier": "A"} start an attempt → the paper (no key)
- `GET  /api/v1/exams/attempts/{id}`               the paper while open (no key); the review once scored
- `POST /api/v1/exams/attempts/{id}/answers`       {"position": 3, "answer": [1]} save one answer
- `POST /api/v1/exams/attempts/{id}/submit`        score (submitting again returns the same result)
- `GET  /api/v1/exams/rankings?org=&month=&who=`   a month's ranking of an organisation

Answers: single choice an option index (or its letter), multiple choice a list of indices, true/false a boolean,
fill-in a list of texts (one per blank). Someone else's attempt is a 404; a refusal is a 400 naming the field."""

import json

from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.api.authentication import CachedTokenAuthentication
from dangjian.api.errors import ValidationErrorSerializer, bad_request_body, django_errors, field_errors

from . import buffer, competition, queries, rules, services
from .models import AttemptState


class ItemSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    kind = serializers.CharField()
    stem = serializers.CharField()
    options = serializers.ListField(child=serializers.CharField())
    blanks = serializers.IntegerField()
    response = serializers.JSONField(allow_null=True)


class ReviewItemSerializer(ItemSerializer):
    key = serializers.JSONField()
    correct = serializers.BooleanField(allow_null=True)
    explanation = serializers.CharField(allow_blank=True)


class AttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    month = serializers.DateField()
    tier = serializers.CharField()
    state = serializers.CharField()
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    remaining_seconds = serializers.IntegerField()
    total = serializers.IntegerField()
    correct = serializers.IntegerField(allow_null=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    seconds = serializers.IntegerField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    items = ItemSerializer(many=True, help_text="The paper; after scoring each item also has key, correct and "
                                                "explanation")


def _attempt_data(attempt):
    scored = attempt.state != AttemptState.OPEN
    review = scored and not competition.keys_hidden(attempt)  # a final's keys wait until the final is over
    items = []
    paper = list(attempt.items.all())
    for i in paper if scored else buffer.merge(paper, attempt.pk):  # a scored paper has every answer written
        row = {"position": i.position, "kind": i.kind, "stem": i.stem, "options": i.options,
               "blanks": services.blanks_of(i), "response": i.response}
        if review:  # the key only ever leaves the server after scoring
            row.update(key=i.key, correct=i.correct, explanation=i.explanation)
        items.append(row)
    return {"id": attempt.pk, "month": attempt.month, "tier": attempt.tier, "state": attempt.state,
            "started_at": attempt.started_at, "deadline": attempt.deadline,
            "remaining_seconds": services.remaining_seconds(attempt) if not scored else 0,
            "total": attempt.total, "correct": attempt.correct, "score": attempt.score, "seconds": attempt.seconds,
            "passed": attempt.passed, "items": items}


class StartSerializer(serializers.Serializer):
    tier = serializers.ChoiceField(choices=["A", "B", "C"])


class AttemptsView(APIView):
    @extend_schema(request=StartSerializer, responses={201: AttemptSerializer, 400: ValidationErrorSerializer},
                   summary="Start an exam of a tier: a paper drawn from this month's set")
    def post(self, request):
        data = StartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = services.start_attempt(request.user, data.validated_data["tier"])
        return Response(_attempt_data(attempt), status=status.HTTP_201_CREATED)


class AttemptView(APIView):
    @extend_schema(responses={200: AttemptSerializer}, summary="My attempt: the paper, or the review once scored")
    def get(self, request, pk):
        attempt = services.refresh(services.my_attempt_or_404(request.user, pk))
        return Response(_attempt_data(attempt))


class AnswerSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=1, max_value=1000)
    answer = serializers.JSONField(allow_null=True)


class SavedSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    response = serializers.JSONField(allow_null=True)
    answered_at = serializers.DateTimeField()


def _answer_fields(data):
    """(position, answer) of an answer's body; raises a ValidationError naming the field."""
    position = data.get("position") if isinstance(data, dict) else None
    if isinstance(position, bool) or not isinstance(position, int) or not 1 <= position <= 1000:
        raise serializers.ValidationError({"position": [_("Enter the number of the question.")]})
    if "answer" not in data:
        raise serializers.ValidationError({"answer": [_("This field is required.")]})
    return position, data["answer"]


def _saved(item):
    return {"position": item.position, "response": item.response, "answered_at": item.answered_at}


class AnswerView(APIView):
    """The hot path of an exam (every tap of every member). A request with a token and a JSON body takes a short
    way around DRF's request machinery (≈ 1 ms of CPU, the larger part of an answer's cost, bench/README.md): the
    same token check (CachedTokenAuthentication), the same field checks, the same service and the same error shapes
    (dangjian.api.errors). Anything else — a session, no or a bad token, a body that is not JSON — goes through DRF."""

    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    def dispatch(self, request, *args, **kwargs):
        short = _short_answer(request, kwargs.get("pk"))
        return short if short is not None else super().dispatch(request, *args, **kwargs)

    @extend_schema(request=AnswerSerializer, responses={200: SavedSerializer, 400: ValidationErrorSerializer},
                   summary="Save (or clear, with null) the answer to one question of my open attempt")
    def post(self, request, pk):
        position, answer = _answer_fields(request.data)
        return Response(_saved(services.save_answer(request.user, pk, position, answer)))


_TOKEN_AUTH = CachedTokenAuthentication()


def _short_answer(request, pk):
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if (request.method != "POST" or not header.startswith("Token ") or " " in header[6:]
            or request.content_type != "application/json"):
        return None
    try:
        user, _token = _TOKEN_AUTH.authenticate_credentials(header[6:])
        data = json.loads(request.body or b"null")
    except (exceptions.AuthenticationFailed, ValueError):
        return None  # DRF answers these the usual way
    request.user = user  # for the audit context and the logs, as DRF would
    try:
        position, answer = _answer_fields(data)
        return _json(_saved(services.save_answer(user, pk, position, answer)))
    except serializers.ValidationError as e:
        return _json(bad_request_body(field_errors(e.detail)), status=400)
    except ValidationError as e:
        return _json(bad_request_body(django_errors(e)), status=400)
    except Http404:
        return _json({"detail": str(exceptions.NotFound.default_detail), "code": "not_found"}, status=404)


def _json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


class SubmitView(APIView):
    @extend_schema(request=None, responses={200: AttemptSerializer},
                   summary="Submit my attempt for scoring (again: the same result)")
    def post(self, request, pk):
        attempt = services.submit(request.user, pk)
        return Response(_attempt_data(attempt))


class TierSerializer(serializers.Serializer):
    tier = serializers.CharField()
    open = serializers.BooleanField()
    best = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    used = serializers.IntegerField()
    left = serializers.IntegerField(allow_null=True, help_text="null: unlimited")


class MonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    paper_size = serializers.IntegerField()
    minutes = serializers.IntegerField()
    open_attempt = serializers.IntegerField(allow_null=True)
    tiers = TierSerializer(many=True)


class MonthView(APIView):
    @extend_schema(responses={200: MonthSerializer}, summary="My exams this month")
    def get(self, request):
        person = services._person(request.user)
        month = rules.month_of(timezone.localdate())
        tiers, config = services.my_month(person, month)
        current = services.open_attempt(person.pk)
        return Response({"month": month, "paper_size": config["paper_size"], "minutes": config["minutes"],
                         "open_attempt": current.pk if current else None,
                         "tiers": [{"tier": t["tier"], "open": t["open"], "used": t["used"], "left": t["left"],
                                    "best": t["best"].score if t["best"] else None} for t in tiers]})


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    person_id = serializers.IntegerField()
    name = serializers.CharField()
    organisation = serializers.CharField()
    tier = serializers.CharField()
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    seconds = serializers.IntegerField()


class RankingView(APIView):
    @extend_schema(parameters=[OpenApiParameter("org", int, required=True),
                               OpenApiParameter("month", str, description="YYYY-MM, default this month"),
                               OpenApiParameter("who", str, enum=["members", "masses"])],
                   responses={200: RankingRowSerializer(many=True)},
                   summary="The month's ranking of an organisation (best score per person)")
    def get(self, request):
        org = queries.ranking_org_or_404(request.user, request.query_params.get("org", ""))
        month = rules.parse_month(request.query_params.get("month"), rules.month_of(timezone.localdate()))
        rows = queries.ranking(org.path, month, members=request.query_params.get("who") != "masses", limit=500)
        return Response([{"rank": r["rank"], "person_id": r["person_id"], "name": r["person__name"],
                          "organisation": r["org_name"], "tier": r["tier"], "score": r["score"],
                          "seconds": r["seconds"]} for r in rows])
