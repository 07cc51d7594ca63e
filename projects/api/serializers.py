from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from rest_framework import serializers

from communities.api.serializers import PrivateFileField, ScopedPrimaryKeyRelatedField
from communities.choices import DivisionLevel, Role
from communities.errors import Conflict
from communities.masking import mask_phone
from communities.models import Building, Compound, Division, Household, Person

from .. import services
from ..choices import ProjectStatus
from ..models import (
    BranchActivity,
    BranchMember,
    CatalogGroup,
    CatalogItem,
    CommandoTeam,
    FundingLine,
    GateException,
    HouseholdAssignment,
    Milestone,
    PartyBranch,
    PartyGroup,
    Programme,
    Project,
    ProjectParty,
    UtilityWork,
    WorkItem,
)


class VisiblePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to something the caller may read (not necessarily edit), e.g. a programme or a
    catalog item."""

    def get_queryset(self):
        request = self.context.get("request")
        return self.queryset.for_user(request.user) if request else self.queryset.none()


# --- catalog -----------------------------------------------------------------------------------------


class CatalogItemSerializer(serializers.ModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    groups = serializers.SerializerMethodField()

    class Meta:
        model = CatalogItem
        fields = [
            "id",
            "code",
            "name",
            "category",
            "category_display",
            "unit",
            "description",
            "order",
            "is_active",
            "groups",
        ]

    def get_groups(self, obj) -> list[str]:
        return [f"{g.scheme.name} · {g.name}" for g in obj.groups.all()]


class CatalogGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = CatalogGroup
        fields = ["id", "scheme", "code", "name", "order", "items"]


# --- programmes and projects -------------------------------------------------------------------------


class ProgrammeSerializer(serializers.ModelSerializer):
    district = ScopedPrimaryKeyRelatedField(queryset=Division.objects.filter(level=DivisionLevel.DISTRICT))
    district_name = serializers.CharField(source="district.name", read_only=True)
    compounds = ScopedPrimaryKeyRelatedField(queryset=Compound.objects.all(), many=True, required=False)
    compound_count = serializers.IntegerField(read_only=True)
    project_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Programme
        fields = [
            "id",
            "district",
            "district_name",
            "year",
            "name",
            "compounds",
            "compound_count",
            "project_count",
            "target_compounds",
            "target_households",
            "target_buildings",
            "target_investment",
            "note",
            "created_at",
        ]

    def validate(self, attrs):
        district = attrs.get("district", getattr(self.instance, "district", None))
        for c in attrs.get("compounds", []):
            if district and not c.division.path.startswith(district.path):
                raise serializers.ValidationError(
                    {"compounds": _("%(c)s is not in %(d)s.") % {"c": c, "d": district}}
                )
        return attrs


class ProjectSerializer(serializers.ModelSerializer):
    division = ScopedPrimaryKeyRelatedField(
        queryset=Division.objects.filter(level__in=[DivisionLevel.STREET, DivisionLevel.COMMUNITY])
    )
    division_name = serializers.CharField(source="division.name", read_only=True)
    compounds = ScopedPrimaryKeyRelatedField(queryset=Compound.objects.all(), many=True)
    programme = VisiblePrimaryKeyRelatedField(
        queryset=Programme.objects.all(), required=False, allow_null=True
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    allowed_next = serializers.ListField(child=serializers.CharField(), read_only=True)
    progress = serializers.DecimalField(max_digits=4, decimal_places=1, read_only=True)
    budget_total = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    funding_planned = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    funding_received = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    household_count = serializers.IntegerField(read_only=True)
    work_item_count = serializers.IntegerField(read_only=True)
    public_url = serializers.CharField(source="get_public_url", read_only=True)
    implementation_plan = PrivateFileField(
        url_name="projects:project_plan",
        required=False,
        allow_null=True,
        help_text="PDF or office document (checked by content). Read: the path that serves it.",
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "division",
            "division_name",
            "compounds",
            "programme",
            "year",
            "category",
            "category_display",
            "status",
            "status_display",
            "allowed_next",
            "description",
            "is_key_project",
            "responsible_leader",
            "lead_department",
            "implementation_plan",
            "schedule",
            "planned_start",
            "planned_end",
            "uses_maintenance_fund",
            "changes_common_parts",
            "progress",
            "budget_total",
            "funding_planned",
            "funding_received",
            "household_count",
            "work_item_count",
            "public_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]
        extra_kwargs = {"year": {"required": False}}  # default: this year (services.create_project)

    def create(self, validated_data):
        user = self.context["request"].user
        division = validated_data.pop("division")
        compounds = validated_data.pop("compounds")
        return services.create_project(user=user, division=division, compounds=compounds, **validated_data)

    def update(self, instance, validated_data):
        user = self.context["request"].user
        validated_data.pop("division", None)  # a project does not change hands
        compounds = validated_data.pop("compounds", None)
        return services.update_project(instance, user=user, compounds=compounds, **validated_data)


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=ProjectStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class ProjectChildSerializer(serializers.ModelSerializer):
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all())

    def validate_project(self, project):
        if self.instance is not None and project.pk != self.instance.project_id:
            raise serializers.ValidationError(_("An item cannot move to another project."))
        return project


class WorkItemSerializer(ProjectChildSerializer):
    catalog_item = VisiblePrimaryKeyRelatedField(
        queryset=CatalogItem.objects.all(), required=False, allow_null=True
    )
    catalog_code = serializers.CharField(source="catalog_item.code", read_only=True, default="")
    category = serializers.CharField(source="catalog_item.category", read_only=True, default="")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    building = serializers.PrimaryKeyRelatedField(
        queryset=Building.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = WorkItem
        fields = [
            "id",
            "project",
            "catalog_item",
            "catalog_code",
            "category",
            "name",
            "quantity",
            "unit",
            "budget",
            "planned_start",
            "planned_end",
            "progress",
            "building",
            "stairwell_unit",
            "needs_home_entry",
            "booking_deadline",
            "note",
        ]

    def validate(self, attrs):
        project = attrs.get("project") or getattr(self.instance, "project", None)
        building = attrs.get("building")
        if (
            building is not None
            and project is not None
            and not project.compounds.filter(pk=building.compound_id).exists()
        ):
            raise serializers.ValidationError(
                {"building": _("The building is not in the project's compounds.")}
            )
        item = attrs.get("catalog_item")
        if item is not None:
            if not attrs.get("name"):
                attrs["name"] = item.name
            if not attrs.get("unit"):
                attrs["unit"] = item.unit
        name = attrs.get("name", getattr(self.instance, "name", ""))
        if not name:
            raise serializers.ValidationError({"name": _("Name the work item or pick it from the catalog.")})
        start = attrs.get("planned_start", getattr(self.instance, "planned_start", None))
        end = attrs.get("planned_end", getattr(self.instance, "planned_end", None))
        if start and end and end < start:
            raise serializers.ValidationError({"planned_end": _("The end comes before the start.")})
        if "progress" in attrs:
            refusal = services.typed_progress_refusal(
                self.instance or WorkItem(), attrs["progress"], attrs.get("planned_start")
            )
            if refusal:
                raise Conflict(refusal, code="progress_follows_reports", field="progress")
        return attrs


class ProgressSerializer(serializers.Serializer):
    progress = serializers.IntegerField(min_value=0, max_value=100)


class FundingLineSerializer(ProjectChildSerializer):
    source_display = serializers.CharField(source="get_source_display", read_only=True)

    class Meta:
        model = FundingLine
        fields = ["id", "project", "source", "source_display", "planned", "received", "note"]
        # one line per source is checked in validate() with a sentence (and held by the database)
        validators = []

    def validate(self, attrs):
        current = self.instance
        project = attrs.get("project") or (current.project if current else None)
        if project is not None:

            def value(name):
                return attrs.get(name, getattr(current, name, None) if current else None)

            refusal = services.funding_refusal(
                project,
                source=value("source"),
                planned=value("planned")
                if value("planned") is not None
                else FundingLine._meta.get_field("planned").default,
                received=value("received")
                if value("received") is not None
                else FundingLine._meta.get_field("received").default,
                note=value("note") or "",
                instance=current,
            )
            if refusal:
                field, message = refusal
                if field == "source":
                    raise Conflict(message, field=field)
                raise serializers.ValidationError({field: [message]})
        return attrs


class ContractorUserField(serializers.PrimaryKeyRelatedField):
    """Contractor accounts of the project's district (see services.contractor_candidates)."""

    def get_queryset(self):
        root = self.parent.parent if isinstance(self.parent, serializers.ManyRelatedField) else self.parent
        project = None
        data = getattr(root, "initial_data", None) or {}
        request = self.context.get("request")
        if data.get("project") and request is not None:
            project = Project.objects.for_user(request.user).filter(pk=data["project"]).first()
        if project is None and getattr(root, "instance", None) is not None:
            project = getattr(root.instance, "project", None)
        if project is None:
            return get_user_model().objects.filter(roles__role=Role.CONTRACTOR).distinct()
        return services.contractor_candidates(project)


class ProjectPartySerializer(ProjectChildSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    users = ContractorUserField(many=True, required=False)

    class Meta:
        model = ProjectParty
        fields = [
            "id",
            "project",
            "role",
            "role_display",
            "name",
            "contact_person",
            "phone",
            "public_phone",
            "users",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("unmasked_phones"):
            data["phone"] = mask_phone(data["phone"])
        return data


class MilestoneSerializer(ProjectChildSerializer):
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Milestone
        fields = ["id", "project", "name", "planned_date", "actual_date", "note", "is_overdue"]


class UtilityWorkSerializer(ProjectChildSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    party = serializers.PrimaryKeyRelatedField(
        queryset=ProjectParty.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = UtilityWork
        fields = [
            "id",
            "project",
            "kind",
            "kind_display",
            "zone",
            "window_start",
            "window_end",
            "party",
            "note",
        ]

    def validate(self, attrs):
        project = attrs.get("project", getattr(self.instance, "project", None))
        party = attrs.get("party")
        if party is not None and project is not None and party.project_id != project.pk:
            raise serializers.ValidationError({"party": _("The party works on another project.")})
        start = attrs.get("window_start", getattr(self.instance, "window_start", None))
        end = attrs.get("window_end", getattr(self.instance, "window_end", None))
        if start and end and end < start:
            raise serializers.ValidationError({"window_end": _("The window ends before it starts.")})
        return attrs


# --- branches ----------------------------------------------------------------------------------------


class PartyBranchSerializer(serializers.ModelSerializer):
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all(), required=False, allow_null=True)
    division = ScopedPrimaryKeyRelatedField(queryset=Division.objects.all(), required=False)
    compounds = ScopedPrimaryKeyRelatedField(queryset=Compound.objects.all(), many=True, required=False)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    secretary = serializers.SerializerMethodField()
    first_secretary = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = PartyBranch
        fields = [
            "id",
            "kind",
            "kind_display",
            "name",
            "project",
            "division",
            "compounds",
            "established_on",
            "dissolved_on",
            "note",
            "secretary",
            "first_secretary",
            "member_count",
        ]

    def get_secretary(self, obj) -> str:
        m = obj.secretary
        return m.name if m else ""

    def get_first_secretary(self, obj) -> str:
        m = obj.first_secretary
        return m.name if m else ""

    def create(self, validated_data):
        return services.setup_branch(user=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        for k in ("project", "division", "kind"):
            if k in validated_data and validated_data[k] == getattr(instance, k):
                del validated_data[k]  # unchanged (a PUT sends everything); a change is refused below
        compounds = validated_data.pop("compounds", None)
        return services.update_branch(
            instance, user=self.context["request"].user, compounds=compounds, **validated_data
        )


class BranchChildSerializer(serializers.ModelSerializer):
    branch = ScopedPrimaryKeyRelatedField(queryset=PartyBranch.objects.all())
    member_fields: tuple[str, ...] = ()

    def validate_branch(self, branch):
        if self.instance is not None and branch.pk != self.instance.branch_id:
            raise serializers.ValidationError(_("An item cannot move to another branch."))
        return branch

    def validate(self, attrs):
        branch = attrs.get("branch", getattr(self.instance, "branch", None))
        for name in self.member_fields:
            value = attrs.get(name)
            members = value if isinstance(value, list) else [value] if value is not None else []
            if any(m.branch_id != branch.pk for m in members):
                raise serializers.ValidationError({name: _("Only members of this branch.")})
        return attrs


class BranchMemberSerializer(BranchChildSerializer):
    person = VisiblePrimaryKeyRelatedField(queryset=Person.objects.all(), required=False, allow_null=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    household_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = BranchMember
        fields = [
            "id",
            "branch",
            "person",
            "user",
            "name",
            "organization",
            "party_organization",
            "role",
            "role_display",
            "phone",
            "public_contact",
            "joined_on",
            "household_count",
        ]
        extra_kwargs = {"name": {"required": False}}
        validators = []  # one secretary each: services.add_member answers with who holds the post

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("unmasked_phones"):
            data["phone"] = mask_phone(data["phone"])
        return data

    def create(self, validated_data):
        branch = validated_data.pop("branch")
        return services.add_member(branch, self.context["request"].user, **validated_data)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not attrs.get("name") and not attrs.get("person") and self.instance is None:
            raise serializers.ValidationError({"name": _("Name the member or pick a person.")})
        return attrs


class PartyGroupSerializer(BranchChildSerializer):
    building = VisiblePrimaryKeyRelatedField(queryset=Building.objects.all(), required=False, allow_null=True)
    member_fields = ("leader", "members")

    class Meta:
        model = PartyGroup
        fields = ["id", "branch", "building", "name", "leader", "members"]
        extra_kwargs = {"members": {"required": False}}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        branch = attrs.get("branch", getattr(self.instance, "branch", None))
        building = attrs.get("building")
        if building is not None and not branch.compounds.filter(pk=building.compound_id).exists():
            raise serializers.ValidationError(
                {"building": _("The building is not in the branch's compounds.")}
            )
        return attrs


class CommandoTeamSerializer(BranchChildSerializer):
    member_fields = ("members",)

    class Meta:
        model = CommandoTeam
        fields = ["id", "branch", "kind", "name", "task", "members"]
        extra_kwargs = {"members": {"required": False}}


class HouseholdAssignmentSerializer(BranchChildSerializer):
    household = VisiblePrimaryKeyRelatedField(queryset=Household.objects.all())
    household_label = serializers.SerializerMethodField()
    member_name = serializers.CharField(source="member.name", read_only=True)
    member_fields = ("member",)

    class Meta:
        model = HouseholdAssignment
        fields = ["id", "branch", "household", "household_label", "member", "member_name", "assigned_at"]
        validators = []  # the database's unique (branch, household) answers with a clear 409 below

    def get_household_label(self, obj) -> str:
        return obj.household.label

    def validate(self, attrs):
        attrs = super().validate(attrs)
        branch = attrs.get("branch", getattr(self.instance, "branch", None))
        household = attrs.get("household")
        if household is not None and not branch.compounds.filter(pk=household.building.compound_id).exists():
            raise serializers.ValidationError(
                {"household": _("The household is not in the branch's compounds.")}
            )
        if household is not None and self.instance is None:
            taken = (
                HouseholdAssignment.objects.filter(branch=branch, household=household)
                .select_related("member")
                .first()
            )
            if taken is not None:
                raise serializers.ValidationError(
                    {"household": _("Already assigned to %(name)s.") % {"name": taken.member.name}}
                )
        return attrs


class BulkAssignSerializer(serializers.Serializer):
    branch = ScopedPrimaryKeyRelatedField(queryset=PartyBranch.objects.all())
    member = serializers.PrimaryKeyRelatedField(queryset=BranchMember.objects.all())
    building = serializers.PrimaryKeyRelatedField(
        queryset=Building.objects.all(), required=False, allow_null=True
    )
    unit = serializers.CharField(required=False, allow_blank=True, max_length=10)
    households = serializers.ListField(child=serializers.IntegerField(), required=False)
    reassign = serializers.BooleanField(default=False)

    def validate(self, attrs):
        if attrs["member"].branch_id != attrs["branch"].pk:
            raise serializers.ValidationError({"member": _("Only members of this branch.")})
        return attrs


class BranchActivitySerializer(BranchChildSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    member_fields = ("attendees",)

    class Meta:
        model = BranchActivity
        fields = [
            "id",
            "branch",
            "kind",
            "kind_display",
            "theme_day_kind",
            "date",
            "topic",
            "location",
            "attendees",
            "attendance_count",
            "minutes",
        ]
        extra_kwargs = {"attendees": {"required": False}}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        kind = attrs.get("kind", getattr(self.instance, "kind", ""))
        if attrs.get("theme_day_kind") and kind != "theme_party_day":
            raise serializers.ValidationError({"theme_day_kind": _("Only a theme Party day has a theme.")})
        attendees = attrs.get("attendees")
        if attendees is not None and attrs.get("attendance_count", 0) < len(attendees):
            attrs["attendance_count"] = len(attendees)
        return attrs


# --- gates --------------------------------------------------------------------------------------------


class GateExceptionSerializer(serializers.ModelSerializer):
    """A district exception to one gate item: who, when, why (and its withdrawal, kept)."""

    project = VisiblePrimaryKeyRelatedField(queryset=Project.objects.all())
    gate_label = serializers.SerializerMethodField()
    in_force = serializers.BooleanField(read_only=True)

    class Meta:
        model = GateException
        fields = [
            "id",
            "project",
            "gate",
            "gate_label",
            "reason",
            "granted_by_name",
            "granted_at",
            "in_force",
            "withdrawn_at",
            "withdraw_reason",
        ]
        read_only_fields = ["granted_by_name", "granted_at", "withdrawn_at", "withdraw_reason"]

    def get_gate_label(self, obj) -> str:
        from .. import gates

        return gates.label(obj.gate)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class GateItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    state = serializers.CharField()
    required = serializers.BooleanField()
    met = serializers.BooleanField()
    detail = serializers.CharField()
    missing = serializers.CharField()
    link = serializers.CharField()
    exception = serializers.SerializerMethodField()

    def get_exception(self, item) -> dict | None:
        e = item.exception
        if e is None:
            return None
        return {"id": e.pk, "reason": e.reason, "granted_by": e.granted_by_name, "granted_at": e.granted_at}


class ChecklistStepSerializer(serializers.Serializer):
    to = serializers.CharField(source="to_status")
    label = serializers.CharField()
    current = serializers.BooleanField()
    refusal = serializers.CharField(allow_null=True)
    items = GateItemSerializer(many=True)


class ChecklistSerializer(serializers.Serializer):
    steps = ChecklistStepSerializer(many=True)
