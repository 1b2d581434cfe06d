"""API endpoints: thin callers of the services, every query through the scoping helper.

Outsiders get 404 (the object is looked up in the caller's scope); a caller who may read an object but not change
it gets 403; bad input 400 with the field named and nothing changed; a stale `version` 409.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm, own_org_q, scoped
from dangjian.orgs import services as org_services
from dangjian.orgs.models import Organization
from dangjian.people import services as people_services
from dangjian.people.queries import list_counts, org_lookup_for, visible_people

from . import serializers as s
from .errors import ErrorSerializer, ValidationErrorSerializer
from .filters import OrgFilter, PeopleFilterBackend
from .permissions import ScopedPermission

E400 = OpenApiResponse(ValidationErrorSerializer, description="Bad input: the fields at fault; nothing changed")
E403 = OpenApiResponse(ErrorSerializer, description="Visible to you, but your posts do not allow this")
E404 = OpenApiResponse(ErrorSerializer, description="Not found (or outside your organisations)")
E409 = OpenApiResponse(ErrorSerializer, description="Changed by someone else since you read it; nothing written")


def _reject(field, message):
    raise DjangoValidationError({field: [message]})


class ScopedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [ScopedPermission]
    action_perms = {}

    def filter_queryset(self, queryset):
        # Filters narrow lists only; a detail URL finds its object whatever the query string.
        return super().filter_queryset(queryset) if self.action == "list" else queryset


# ------------------------------------------------------------------------------------------------------------
# Organisations


@extend_schema_view(
    list=extend_schema(summary="Organisations you may see", description=(
        "Your posts' subtrees (a plain member: their own branch and group), in tree order.")),
    retrieve=extend_schema(summary="One organisation, with its rule warnings", responses={200: s.OrgDetailSerializer,
                                                                                           404: E404}),
)
class OrgViewSet(ScopedViewSet):
    filterset_class = OrgFilter
    action_perms = {"create": perms.ORGS_WRITE, "update": perms.ORGS_WRITE, "partial_update": perms.ORGS_WRITE,
                    "move": perms.ORGS_WRITE, "dissolve": perms.ORGS_WRITE}

    def get_queryset(self):
        user = self.request.user
        return scoped(Organization.objects.select_related("parent"), user, perms.ORGS_READ,
                      extra=own_org_q(user)).order_by("path")

    def get_serializer_class(self):
        return {"list": s.OrgSerializer, "create": s.OrgCreateSerializer, "update": s.OrgUpdateSerializer,
                "partial_update": s.OrgUpdateSerializer, "move": s.OrgMoveSerializer,
                "dissolve": s.OrgDissolveSerializer}.get(self.action, s.OrgDetailSerializer)

    @staticmethod
    def object_path(org):
        return org.path

    def _detail(self, org, status_code=status.HTTP_200_OK, fresh=False):
        if not fresh:
            org = self.get_queryset().get(pk=org.pk)  # as written, with the parent
        if has_perm(self.request.user, perms.ORGS_READ, org):
            org.api_warnings = org_services.warnings_for_orgs([org])[org.pk]
        else:
            org.api_warnings = None  # a plain member sees the public page of their organisation
        return Response(s.OrgDetailSerializer(org, context=self.get_serializer_context()).data, status=status_code)

    def _org_for_write(self, field, pk):
        """The organisation `pk` among those the caller may see, else a 400 on `field` (never a 404 that would
        tell an outsider the ID exists)."""
        if pk is None:
            return None
        org = self.get_queryset().filter(pk=pk).first()
        if org is None:
            _reject(field, _("No such organisation."))
        return org

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object(), fresh=True)

    @extend_schema(summary="Found an organisation under a parent", request=s.OrgCreateSerializer,
                   responses={201: s.OrgDetailSerializer, 400: E400, 403: E403})
    def create(self, request):
        serializer = s.OrgCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        parent = self._org_for_write("parent", data.pop("parent", None))
        try:
            org = org_services.create_org(request.user, parent=parent, **data)
        except Http404:
            _reject("parent", _("You do not manage that organisation."))
        return self._detail(org, status.HTTP_201_CREATED)

    def _update(self, request, partial):
        org = self.get_object()
        serializer = s.OrgUpdateSerializer(org, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        org = org_services.update_org(request.user, org, data, expected_version=version)
        return self._detail(org)

    @extend_schema(summary="Change an organisation's details (all of them)", request=s.OrgUpdateSerializer,
                   responses={200: s.OrgDetailSerializer, 400: E400, 403: E403, 404: E404, 409: E409})
    def update(self, request, pk=None):
        return self._update(request, partial=False)

    @extend_schema(summary="Change some of an organisation's details", request=s.OrgUpdateSerializer,
                   responses={200: s.OrgDetailSerializer, 400: E400, 403: E403, 404: E404, 409: E409})
    def partial_update(self, request, pk=None):
        return self._update(request, partial=True)

    @extend_schema(summary="Move the organisation and its whole subtree under another parent",
                   request=s.OrgMoveSerializer,
                   responses={200: s.OrgDetailSerializer, 400: E400, 403: E403, 404: E404, 409: E409})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        org = self.get_object()
        serializer = s.OrgMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = self._org_for_write("parent", data["parent"])
        if not has_perm(request.user, perms.ORGS_WRITE, parent):
            _reject("parent", _("You do not manage that organisation."))
        org = org_services.move_org(request.user, org, parent, expected_version=data["version"],
                                    note=data.get("note", ""))
        return self._detail(org)

    @extend_schema(summary="Dissolve the organisation (its people and sub-organisations must be re-homed first)",
                   request=s.OrgDissolveSerializer,
                   responses={200: s.OrgDetailSerializer, 400: E400, 403: E403, 404: E404, 409: E409})
    @action(detail=True, methods=["post"])
    def dissolve(self, request, pk=None):
        org = self.get_object()
        serializer = s.OrgDissolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        org = org_services.dissolve_org(request.user, org, on=data.get("on"), note=data.get("note", ""),
                                        expected_version=data["version"])
        return self._detail(org)


# ------------------------------------------------------------------------------------------------------------
# People


@extend_schema_view(
    list=extend_schema(summary="People you may see", description=(
        "Your posts' subtrees (a plain member: only their own record), with the member list's filters. ID numbers "
        "and phones are masked.")),
    retrieve=extend_schema(summary="One person (ID number and phone masked)",
                           responses={200: s.PersonSerializer, 404: E404}),
)
class PersonViewSet(ScopedViewSet):
    serializer_class = s.PersonSerializer
    filter_backends = [PeopleFilterBackend]
    action_perms = {"create": perms.PEOPLE_WRITE, "update": perms.PEOPLE_WRITE,
                    "partial_update": perms.PEOPLE_WRITE}

    def get_queryset(self):
        return visible_people(self.request.user).select_related("org", "group").order_by("name", "id")

    def count_for_page(self, queryset):
        """The list's total as the member page counts it (people.queries.list_counts)."""
        user = self.request.user
        return list_counts(user, self.request.query_params, queryset, org_lookup=org_lookup_for(user))["total"]

    @staticmethod
    def object_path(person):
        return person.scope_path

    def _detail(self, person, status_code=status.HTTP_200_OK):
        person = self.get_queryset().get(pk=person.pk)
        return Response(s.PersonSerializer(person, context=self.get_serializer_context()).data, status=status_code)

    def _resolve_orgs(self, data, instance=None):
        """Replace the `org` and `group` IDs by organisations the caller may see. An unknown or outside one is
        a 400 on that field, reported together with the other fields' errors."""
        visible = scoped(Organization.objects.all(), self.request.user, perms.PEOPLE_READ,
                         extra=own_org_q(self.request.user))
        errors = {}
        if instance is not None and instance.org_id is not None and "org" in data and data["org"] is None:
            errors["org"] = [_("Change a member's organisation through a transfer.")]  # as the service says
        for field in ("org", "group"):
            if data.get(field) is not None:
                current = getattr(instance, f"{field}_id", None) if instance is not None else None
                org = visible.filter(pk=data[field]).first() or (
                    getattr(instance, field) if current == data[field] else None)
                if org is None:
                    errors[field] = [_("No such organisation.")]
                else:
                    data[field] = org
        if errors:
            rest = {k: v for k, v in data.items() if k not in errors}
            _cleaned, others = people_services.clean_person(rest, instance=instance)
            raise DjangoValidationError({**{k: v for k, v in others.items() if k not in ("org", "group")},
                                         **errors})
        return data

    @extend_schema(summary="Add a person", request=s.PersonWriteSerializer,
                   responses={201: s.PersonSerializer, 400: E400, 403: E403})
    def create(self, request):
        serializer = s.PersonWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = self._resolve_orgs(dict(serializer.validated_data))
        person = people_services.create_person(request.user, data)
        return self._detail(person, status.HTTP_201_CREATED)

    def _update(self, request, partial):
        person = self.get_object()
        serializer = s.PersonUpdateSerializer(person, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        data = self._resolve_orgs(data, instance=person)
        person = people_services.update_person(request.user, person, data, expected_version=version)
        return self._detail(person)

    @extend_schema(summary="Change a person's record (all fields)", request=s.PersonUpdateSerializer,
                   description="The organisation changes only through a transfer: a different `org` is refused.",
                   responses={200: s.PersonSerializer, 400: E400, 403: E403, 404: E404, 409: E409})
    def update(self, request, pk=None):
        return self._update(request, partial=False)

    @extend_schema(summary="Change some of a person's record", request=s.PersonUpdateSerializer,
                   description="The organisation changes only through a transfer: a different `org` is refused.",
                   responses={200: s.PersonSerializer, 400: E400, 403: E403, 404: E404, 409: E409})
    def partial_update(self, request, pk=None):
        return self._update(request, partial=True)

    @extend_schema(summary="See the clear ID number or phone (logged in the audit trail)",
                   request=s.RevealRequestSerializer, responses={200: s.RevealSerializer, 400: E400, 403: E403,
                                                                 404: E404})
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        person = self.get_object()
        serializer = s.RevealRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        field = serializer.validated_data["field"]
        value = people_services.reveal(request.user, person, field)
        return Response({"field": field, "value": value})
