"""API representations. Read serializers show rows; write serializers only check the shape of the input (types,
lengths, known codes) — the rules (placement, ID checksum, member dates …) are the services', which name the
field at fault. ID numbers and phones are always masked here; the clear value comes from the reveal action."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm
from dangjian.orgs.models import Organization
from dangjian.orgs.services import EDITABLE_FIELDS as ORG_EDITABLE_FIELDS
from dangjian.people.models import Person
from dangjian.people.services import PLAIN_FIELDS as PERSON_PLAIN_FIELDS

# ------------------------------------------------------------------------------------------------------------
# Organisations


class VersionedUpdateMixin:
    """`version` is required on every update, PATCH included (optimistic concurrency)."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "version" not in attrs:
            raise serializers.ValidationError({"version": [serializers.Field.default_error_messages["required"]]})
        return attrs


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    level = serializers.CharField(help_text="warning or danger")


class OrgSerializer(serializers.ModelSerializer):
    org_type_display = serializers.CharField(source="get_org_type_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    parent_name = serializers.CharField(source="parent.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Organization
        fields = ["id", "name", "short_name", "org_type", "org_type_display", "code", "parent", "parent_name",
                  "path", "depth", "is_joint", "founded_on", "term_start", "term_end", "contact_name",
                  "contact_phone", "address", "status", "status_display", "dissolved_on", "sort_order", "version",
                  "created_at", "updated_at"]
        read_only_fields = fields


class OrgDetailSerializer(OrgSerializer):
    warnings = WarningSerializer(many=True, read_only=True, source="api_warnings", allow_null=True,
                                 help_text="Rule warnings (null when the caller has no post over the organisation)")

    class Meta(OrgSerializer.Meta):
        fields = OrgSerializer.Meta.fields + ["warnings"]
        read_only_fields = fields


class OrgWriteSerializer(serializers.ModelSerializer):
    """Input of create (with `org_type` and `parent`) and update (with `version`). Everything is optional here;
    the service says what is missing."""

    class Meta:
        model = Organization
        fields = list(ORG_EDITABLE_FIELDS)
        extra_kwargs = {f: {"required": False} for f in ORG_EDITABLE_FIELDS}
        extra_kwargs["code"]["validators"] = []  # uniqueness is the service's rule (with its own message)
        extra_kwargs["name"]["allow_blank"] = True


class OrgCreateSerializer(OrgWriteSerializer):
    parent = serializers.IntegerField(required=False, allow_null=True,
                                      help_text="Parent organisation ID (only an administrator creates a root)")

    class Meta(OrgWriteSerializer.Meta):
        fields = ["org_type", "parent"] + list(ORG_EDITABLE_FIELDS)
        extra_kwargs = {**OrgWriteSerializer.Meta.extra_kwargs, "org_type": {"required": True}}


class OrgUpdateSerializer(VersionedUpdateMixin, OrgWriteSerializer):
    version = serializers.IntegerField(min_value=1, help_text="The version you read: a stale one gives 409")

    class Meta(OrgWriteSerializer.Meta):
        fields = list(ORG_EDITABLE_FIELDS) + ["version"]

    def validate(self, attrs):
        # Fields that change through their own action are refused rather than silently ignored.
        org = self.instance
        errors = {}
        if "parent" in self.initial_data and str(self.initial_data["parent"] or "") != str(org.parent_id or ""):
            errors["parent"] = [_("Move an organisation with its move action.")]
        if "org_type" in self.initial_data and self.initial_data["org_type"] != org.org_type:
            errors["org_type"] = [_("The type of an organisation cannot be changed.")]
        if "status" in self.initial_data and self.initial_data["status"] != org.status:
            errors["status"] = [_("Dissolve an organisation with its dissolve action.")]
        if errors:
            raise serializers.ValidationError(errors)
        return super().validate(attrs)


class OrgMoveSerializer(serializers.Serializer):
    parent = serializers.IntegerField(help_text="The new parent organisation's ID")
    version = serializers.IntegerField(min_value=1)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class OrgDissolveSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    on = serializers.DateField(required=False, allow_null=True, help_text="Date of dissolution (default: today)")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


# ------------------------------------------------------------------------------------------------------------
# People


class PersonSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_number_masked", read_only=True, help_text="Masked")
    phone = serializers.CharField(source="phone_masked", read_only=True, help_text="Masked")
    gender_display = serializers.CharField(source="get_gender_display", read_only=True)
    ethnicity_display = serializers.CharField(source="get_ethnicity_display", read_only=True)
    education_display = serializers.CharField(source="get_education_display", read_only=True)
    work_post_display = serializers.CharField(source="get_work_post_display", read_only=True)
    political_status_display = serializers.CharField(source="get_political_status_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True, allow_null=True, default=None)
    group_name = serializers.CharField(source="group.name", read_only=True, allow_null=True, default=None)
    can_reveal = serializers.SerializerMethodField(
        help_text="Whether the caller may see the clear ID number and phone (reveal action)")

    class Meta:
        model = Person
        fields = ["id", "name", "gender", "gender_display", "ethnicity", "ethnicity_display", "birth_date",
                  "id_number", "phone", "education", "education_display", "work_post", "work_post_display",
                  "address", "political_status", "political_status_display", "status", "status_display",
                  "applied_on", "activist_on", "candidate_on", "join_date", "full_date", "org", "org_name", "group",
                  "group_name", "flow_destination", "lost_contact_on", "notes", "version", "created_at",
                  "updated_at", "can_reveal"]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_can_reveal(self, person):
        request = self.context.get("request")
        return bool(request and person.scope_path
                    and has_perm(request.user, perms.PEOPLE_SENSITIVE, person.scope_path))


class PersonWriteSerializer(serializers.ModelSerializer):
    """Input of create and update. Only types and codes are checked here; people.services.clean_person checks
    the rules (GB 11643 ID numbers, member dates, branch placement …) and names the field at fault."""

    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, write_only=True,
                                      help_text="18-character resident ID number (GB 11643)")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, write_only=True)
    org = serializers.IntegerField(required=False, allow_null=True, help_text="Party branch ID")
    group = serializers.IntegerField(required=False, allow_null=True, help_text="Party group ID (in the branch)")

    class Meta:
        model = Person
        fields = list(PERSON_PLAIN_FIELDS) + ["id_number", "phone", "org", "group"]
        extra_kwargs = {f: {"required": False} for f in PERSON_PLAIN_FIELDS}
        extra_kwargs["name"]["allow_blank"] = True


class PersonUpdateSerializer(VersionedUpdateMixin, PersonWriteSerializer):
    version = serializers.IntegerField(min_value=1, help_text="The version you read: a stale one gives 409")

    class Meta(PersonWriteSerializer.Meta):
        fields = PersonWriteSerializer.Meta.fields + ["version"]


class RevealRequestSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=[("id_number", "ID number"), ("phone", "Phone")])


class RevealSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()
