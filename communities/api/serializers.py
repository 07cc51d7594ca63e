import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from communities import services
from communities.choices import LEVEL_DEPTH
from communities.masking import mask_id_number, mask_phone
from communities.models import BackgroundJob, Building, Compound, Division, Household, Ownership, Person
from communities.scoping import get_scope
from communities.validators import normalize_phone, validate_id_number, validate_phone


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key the caller may only point at objects they can edit (never trusted from the body)."""

    def get_queryset(self):
        request = self.context.get("request")
        return self.queryset.editable_by(request.user) if request else self.queryset.none()


class PrivateFileField(serializers.FileField):
    """A private file (communities.files): written as an upload, read as the path of the view that
    checks scope and logs the download (`url_name` takes the owning object's pk)."""

    def __init__(self, *, url_name: str, **kwargs):
        self.url_name = url_name
        super().__init__(**kwargs)

    def to_representation(self, value) -> str | None:
        from django.urls import reverse

        if not value:
            return None
        return reverse(self.url_name, args=[value.instance.pk])


class FullNumbersSerializer(serializers.Serializer):
    """An export's opt-in to full numbers (communities.access.full_numbers_params)."""

    unmask = serializers.BooleanField(
        default=False,
        help_text="Full phone and ID numbers instead of masked ones (roles that may reveal them only; "
        "needs unmask_reason; recorded in the access log like a reveal).",
    )
    unmask_reason = serializers.CharField(default="", allow_blank=True, max_length=200)


class RuleCheckedSerializer(serializers.ModelSerializer):
    """Asks the same `communities.services.*_problems` function as the page form which rules the
    changed record would break, and returns all of them as field errors (400) before anything is saved.
    The viewset then saves through the matching `services.save_*`, which checks them again."""

    problems = None  # a services.*_problems function
    prepare = None  # optional: normalise the candidate first (e.g. services.normalize_person)

    def candidate(self, attrs):
        model = self.Meta.model
        if self.instance is not None:
            obj = copy.copy(self.instance)
            # a private relation cache: trying values never touches the instance being edited
            obj._state = copy.copy(self.instance._state)
            obj._state.fields_cache = dict(self.instance._state.fields_cache)
        else:
            obj = model()
        names = {f.name for f in model._meta.fields}
        for name, value in attrs.items():
            if name in names:
                setattr(obj, name, value)
        if type(self).prepare is not None:
            type(self).prepare(obj)
        return obj

    def get_validators(self):
        # DRF's generic unique-together checks ("must make a unique set") are replaced by the
        # services' sentences ("This compound already has a building called 1栋.")
        return [] if type(self).problems is not None else super().get_validators()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        problems_fn = type(self).problems
        if problems_fn is not None:
            problems = problems_fn(self.candidate(attrs))
            if problems:
                raise serializers.ValidationError(
                    {(f if f in self.fields else "non_field_errors"): [m] for f, m in problems.items()}
                )
        return attrs


class DivisionSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Division
        fields = ["id", "code", "name", "level", "level_display", "parent", "path"]
        read_only_fields = ["path"]

    def validate(self, attrs):
        parent = attrs.get("parent", getattr(self.instance, "parent", None))
        level = attrs.get("level", getattr(self.instance, "level", None))
        if parent is None and not get_scope(self.context["request"].user).is_superuser:
            raise serializers.ValidationError({"parent": _("Choose the division this one belongs to.")})
        if parent is not None and level and LEVEL_DEPTH[parent.level] >= LEVEL_DEPTH[level]:
            raise serializers.ValidationError({"parent": _("A division must sit below a higher level.")})
        if self.instance is not None and parent is not None and parent.path.startswith(self.instance.path):
            raise serializers.ValidationError({"parent": _("A division cannot be moved under itself.")})
        return attrs


class CompoundSerializer(RuleCheckedSerializer):
    problems = staticmethod(services.compound_problems)
    division = ScopedPrimaryKeyRelatedField(queryset=Division.objects.filter(level="community"))
    division_name = serializers.CharField(source="division.name", read_only=True)
    building_count = serializers.IntegerField(read_only=True)
    household_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Compound
        fields = [
            "id",
            "division",
            "division_name",
            "name",
            "address",
            "year_built",
            "renovation_need",
            "management_mode",
            "has_owners_committee",
            "latitude",
            "longitude",
            "note",
            "building_count",
            "household_count",
            "created_at",
            "updated_at",
        ]


class BuildingSerializer(RuleCheckedSerializer):
    problems = staticmethod(services.building_problems)
    compound = ScopedPrimaryKeyRelatedField(queryset=Compound.objects.all())

    class Meta:
        model = Building
        fields = ["id", "compound", "name", "unit_count", "floor_count", "year_built", "has_elevator"]


class HouseholdSerializer(RuleCheckedSerializer):
    problems = staticmethod(services.household_problems)
    building = ScopedPrimaryKeyRelatedField(queryset=Building.objects.all())
    compound = serializers.IntegerField(source="building.compound_id", read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "building",
            "compound",
            "unit",
            "floor",
            "room",
            "exclusive_area",
            "area_source",
            "is_vacant",
            "note",
        ]


class OwnershipInlineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ownership
        fields = ["id", "household", "kind", "since"]


class PersonSerializer(RuleCheckedSerializer):
    """Phone and ID number come back masked; `?unmask=true` (roles allowed, logged) unmasks them.
    On a write, an empty string clears a number, and sending back the masked value keeps it."""

    problems = staticmethod(services.person_problems)
    prepare = staticmethod(services.normalize_person)

    division = ScopedPrimaryKeyRelatedField(queryset=Division.objects.all())
    ownerships = OwnershipInlineSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "phone",
            "id_number",
            "division",
            "is_party_member",
            "party_organization",
            "employer",
            "is_organization",
            "is_developer",
            "note",
            "ownerships",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            # the model's validators run after normalising (see validate_phone / validate_id_number)
            "phone": {"required": False, "validators": [], "max_length": 30},
            "id_number": {"required": False, "validators": []},
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("unmask"):
            data["phone"] = mask_phone(data["phone"])
            data["id_number"] = mask_id_number(data["id_number"])
        return data

    def _number(self, name, value, normalize, validator):
        current = getattr(self.instance, name, "") if self.instance is not None else ""
        masked = mask_phone(current) if name == "phone" else mask_id_number(current)
        if current and value == masked:
            return current  # a client echoing back what it read keeps the stored number
        value = normalize(value or "")
        try:
            validator(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value

    def validate_phone(self, value):
        return self._number("phone", value, normalize_phone, validate_phone)

    def validate_id_number(self, value):
        return self._number("id_number", value, lambda v: v.strip().upper(), validate_id_number)


class OwnershipSerializer(RuleCheckedSerializer):
    problems = staticmethod(services.ownership_problems)
    person = ScopedPrimaryKeyRelatedField(queryset=Person.objects.all())
    household = ScopedPrimaryKeyRelatedField(queryset=Household.objects.all())
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = Ownership
        fields = ["id", "person", "person_name", "household", "kind", "since"]


def unmask_requested(request) -> bool:
    return (
        request is not None
        and request.query_params.get("unmask") in ("1", "true")
        and get_scope(request.user).sees_unmasked
    )


class BackgroundJobSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    kind_label = serializers.CharField(read_only=True)
    download_url = serializers.SerializerMethodField()
    stalled = serializers.BooleanField(
        source="is_stalled", read_only=True, help_text="running, but no heartbeat from its worker lately"
    )

    class Meta:
        model = BackgroundJob
        fields = [
            "id",
            "kind",
            "kind_label",
            "status",
            "status_display",
            "total",
            "done",
            "percent",
            "message",
            "errors",
            "result",
            "download_url",
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "attempts",
            "stalled",
        ]
        read_only_fields = fields

    def get_download_url(self, job) -> str | None:
        from django.urls import reverse

        return reverse("backgroundjob-download", args=[job.pk]) if job.result_file else None
