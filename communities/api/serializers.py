from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from communities.choices import LEVEL_DEPTH
from communities.masking import mask_id_number, mask_phone
from communities.models import BackgroundJob, Building, Compound, Division, Household, Ownership, Person
from communities.scoping import get_scope


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key the caller may only point at objects they can edit (never trusted from the body)."""

    def get_queryset(self):
        request = self.context.get("request")
        return self.queryset.editable_by(request.user) if request else self.queryset.none()


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


class CompoundSerializer(serializers.ModelSerializer):
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


class BuildingSerializer(serializers.ModelSerializer):
    compound = ScopedPrimaryKeyRelatedField(queryset=Compound.objects.all())

    class Meta:
        model = Building
        fields = ["id", "compound", "name", "unit_count", "floor_count", "year_built", "has_elevator"]


class HouseholdSerializer(serializers.ModelSerializer):
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

    def validate(self, attrs):
        area = attrs.get("exclusive_area", getattr(self.instance, "exclusive_area", None))
        source = attrs.get("area_source", getattr(self.instance, "area_source", ""))
        if area is not None and not source:
            raise serializers.ValidationError({"area_source": _("Say where the area comes from.")})
        return attrs


class OwnershipInlineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ownership
        fields = ["id", "household", "kind", "since"]


class PersonSerializer(serializers.ModelSerializer):
    """Phone and ID number come back masked; `?unmask=true` (roles allowed, logged) unmasks them."""

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
        extra_kwargs = {"phone": {"required": False}, "id_number": {"required": False}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("unmask"):
            data["phone"] = mask_phone(data["phone"])
            data["id_number"] = mask_id_number(data["id_number"])
        return data

    def validate_id_number(self, value):
        return value.upper()


class OwnershipSerializer(serializers.ModelSerializer):
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
        ]
        read_only_fields = fields

    def get_download_url(self, job) -> str | None:
        from django.urls import reverse

        return reverse("backgroundjob-download", args=[job.pk]) if job.result_file else None
