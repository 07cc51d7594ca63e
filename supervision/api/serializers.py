"""Serializers: read shapes for lists, write shapes that hand validated input to the services."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from communities.models import Compound, Person

from .. import choices
from ..models import (
    AcceptanceRound,
    Dispute,
    Inspection,
    PanelMember,
    Photo,
    ProgressReport,
    Rectification,
    SupervisionTeam,
    SupervisionTeamMember,
)


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key limited to what the caller can see (`for_user`); the service decides whether the
    caller may act on it (contractors and supervisors write here without editing rights)."""

    def get_queryset(self):
        request = self.context.get("request")
        return self.queryset.for_user(request.user) if request else self.queryset.none()


def _project_qs():
    from projects.models import Project

    return Project.objects.select_related("division")


def _work_item_qs():
    from projects.models import WorkItem

    return WorkItem.objects.select_related("project")


def _party_qs():
    from projects.models import ProjectParty

    return ProjectParty.objects.all()


def _branch_member_qs():
    from projects.models import BranchMember

    return BranchMember.objects.select_related("branch")


class PhotoSerializer(serializers.ModelSerializer):
    project = VisibleRelatedField(queryset=_project_qs())
    inspection = VisibleRelatedField(queryset=Inspection.objects.all(), required=False, allow_null=True)
    progress_report = VisibleRelatedField(
        queryset=ProgressReport.objects.all(), required=False, allow_null=True
    )
    rectification = VisibleRelatedField(queryset=Rectification.objects.all(), required=False, allow_null=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    image = serializers.ImageField(write_only=True, help_text="JPEG, PNG or WebP, at most 8 MB")
    # left out: the service decides (before/after photos of the works are public, the rest internal);
    # a multipart form would otherwise read a missing checkbox as False
    is_public = serializers.BooleanField(required=False, allow_null=True, default=None)

    class Meta:
        model = Photo
        fields = [
            "id",
            "project",
            "kind",
            "caption",
            "inspection",
            "progress_report",
            "rectification",
            "is_public",
            "taken_on",
            "width",
            "height",
            "url",
            "image",
            "created_at",
        ]
        read_only_fields = ["width", "height", "created_at"]


class PhotoReadSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Photo
        fields = ["id", "kind", "caption", "width", "height", "url", "taken_on"]


class TeamMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    is_party_member = serializers.BooleanField(read_only=True)

    class Meta:
        model = SupervisionTeamMember
        fields = ["id", "name", "role", "person", "branch_member", "user", "is_party_member", "joined_on"]


class TeamMemberWriteSerializer(serializers.Serializer):
    person = VisibleRelatedField(
        queryset=Person.objects.select_related("division"), required=False, allow_null=True
    )
    branch_member = VisibleRelatedField(queryset=_branch_member_qs(), required=False, allow_null=True)
    role = serializers.ChoiceField(
        choices=choices.TeamMemberRole.choices, default=choices.TeamMemberRole.MEMBER
    )


class SupervisionTeamSerializer(serializers.ModelSerializer):
    project = VisibleRelatedField(queryset=_project_qs())
    members = TeamMemberSerializer(many=True, read_only=True)

    class Meta:
        model = SupervisionTeam
        fields = ["id", "project", "name", "established_on", "note", "members", "created_at"]
        read_only_fields = ["established_on", "created_at"]
        extra_kwargs = {"name": {"required": False}}


class OrderSpecSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=5000)
    responsible_party = VisibleRelatedField(queryset=_party_qs())
    deadline = serializers.DateField()
    severity = serializers.ChoiceField(choices=choices.Severity.choices, default=choices.Severity.MAJOR)
    work_item = VisibleRelatedField(queryset=_work_item_qs(), required=False, allow_null=True)


class InspectionSerializer(serializers.ModelSerializer):
    project = VisibleRelatedField(queryset=_project_qs())
    work_item = VisibleRelatedField(queryset=_work_item_qs(), required=False, allow_null=True)
    photos = PhotoReadSerializer(many=True, read_only=True)
    upload = serializers.ListField(
        child=serializers.ImageField(),
        write_only=True,
        required=False,
        help_text="Photos (multipart): JPEG, PNG or WebP, at most 8 MB each; resized to 1600 px.",
    )
    orders = OrderSpecSerializer(many=True, write_only=True, required=False)
    team_member_name = serializers.CharField(source="team_member.name", read_only=True, default="")
    rectification_ids = serializers.PrimaryKeyRelatedField(source="rectifications", many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "project",
            "work_item",
            "inspector_kind",
            "team_member",
            "team_member_name",
            "inspected_on",
            "findings",
            "result",
            "photos",
            "upload",
            "orders",
            "rectification_ids",
            "created_at",
        ]
        read_only_fields = ["team_member", "created_at"]
        extra_kwargs = {"inspector_kind": {"required": False}, "inspected_on": {"required": False}}

    def to_internal_value(self, data):
        """A phone sends photos as multipart, so `orders` comes as one JSON text field: read it as the
        list it is (never drop it silently)."""
        if hasattr(data, "getlist") and isinstance(data.get("orders"), str):
            try:
                orders = json.loads(data["orders"] or "[]")
            except ValueError as exc:
                raise serializers.ValidationError(
                    {"orders": [_("Send the orders as a JSON list of objects.")]}
                ) from exc
            plain = {key: data.get(key) for key in data if key not in ("orders", "upload")}
            plain["orders"] = orders
            if "upload" in data:
                plain["upload"] = data.getlist("upload")
            data = plain
        return super().to_internal_value(data)


class ProgressReportSerializer(serializers.ModelSerializer):
    work_item = VisibleRelatedField(queryset=_work_item_qs())
    party = VisibleRelatedField(queryset=_party_qs(), required=False, allow_null=True)
    photos = PhotoReadSerializer(many=True, read_only=True)
    upload = serializers.ListField(child=serializers.ImageField(), write_only=True, required=False)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "project",
            "work_item",
            "party",
            "reported_on",
            "percent",
            "note",
            "reason",
            "photos",
            "upload",
        ]
        read_only_fields = ["project"]
        extra_kwargs = {"reported_on": {"required": False}}


class RectificationSerializer(serializers.ModelSerializer):
    project = VisibleRelatedField(queryset=_project_qs())
    inspection = VisibleRelatedField(queryset=Inspection.objects.all(), required=False, allow_null=True)
    acceptance_round = VisibleRelatedField(
        queryset=AcceptanceRound.objects.all(), required=False, allow_null=True
    )
    responsible_party = VisibleRelatedField(queryset=_party_qs())
    work_item = VisibleRelatedField(queryset=_work_item_qs(), required=False, allow_null=True)
    responsible_party_name = serializers.CharField(source="responsible_party.name", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    overdue = serializers.BooleanField(read_only=True)
    photos = PhotoReadSerializer(many=True, read_only=True)

    class Meta:
        model = Rectification
        fields = [
            "id",
            "project",
            "project_name",
            "source",
            "inspection",
            "acceptance_round",
            "work_item",
            "responsible_party",
            "responsible_party_name",
            "description",
            "severity",
            "deadline",
            "status",
            "overdue",
            "response",
            "rejection_reason",
            "rejection_count",
            "submitted_at",
            "verified_at",
            "photos",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["source", "response", "rejection_reason", "submitted_at", "verified_at"]


class SubmitSerializer(serializers.Serializer):
    response = serializers.CharField(max_length=5000)
    upload = serializers.ListField(child=serializers.ImageField(), required=False)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class PanelMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = PanelMember
        fields = ["id", "role", "name", "organization", "verdict", "comment", "signed"]


class AcceptanceRoundSerializer(serializers.ModelSerializer):
    project = VisibleRelatedField(queryset=_project_qs())
    panel = PanelMemberSerializer(many=True, required=False)
    satisfaction_percent = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True)
    filing_late = serializers.BooleanField(read_only=True)
    rectification_ids = serializers.PrimaryKeyRelatedField(source="rectifications", many=True, read_only=True)

    class Meta:
        model = AcceptanceRound
        fields = [
            "id",
            "project",
            "number",
            "status",
            "scheduled_on",
            "panel",
            "panel_verdict",
            "panel_notes",
            "panel_recorded_at",
            "ballot",
            "threshold_percent",
            "satisfied_count",
            "valid_count",
            "satisfaction_percent",
            "eligible_count",
            "answered_count",
            "outcome",
            "closed_at",
            "filing_deadline",
            "filed_on",
            "filing_reference",
            "filing_late",
            "handed_over_on",
            "handover_to",
            "handover_recipient",
            "rectification_ids",
            "created_at",
        ]
        read_only_fields = [
            "number",
            "ballot",
            "panel_notes",
            "filing_reference",
            "handover_to",
            "handover_recipient",
            "created_at",
        ]


class PanelVerdictSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=choices.Verdict.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    opinions = PanelMemberSerializer(many=True, required=False)
    signed = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="Ids of the seated panel members who signed the verdict (more than half are needed).",
    )


class CloseSurveySerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Needed when the survey closes before its closing time.",
    )


class OpenSurveySerializer(serializers.Serializer):
    closes_at = serializers.DateTimeField(required=False, allow_null=True)


class FilingSerializer(serializers.Serializer):
    filed_on = serializers.DateField()
    reference = serializers.CharField(required=False, allow_blank=True, default="")


class HandoverSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=choices.HandoverTo.choices)
    recipient = serializers.CharField()
    handed_over_on = serializers.DateField(required=False, allow_null=True)


class DisputeSerializer(serializers.ModelSerializer):
    project = VisibleRelatedField(queryset=_project_qs())
    compound = VisibleRelatedField(queryset=Compound.objects.all(), required=False, allow_null=True)
    mediator = VisibleRelatedField(queryset=_branch_member_qs(), required=False, allow_null=True)
    mediator_name = serializers.CharField(source="mediator.name", read_only=True, default="")

    class Meta:
        model = Dispute
        fields = [
            "id",
            "project",
            "compound",
            "parties",
            "issue",
            "mediator",
            "mediator_name",
            "status",
            "resolution",
            "raised_on",
            "resolved_on",
            "created_at",
        ]
        read_only_fields = ["raised_on", "created_at"]

    def validate(self, attrs):
        if self.instance is not None and "project" in attrs and attrs["project"] != self.instance.project:
            raise serializers.ValidationError({"project": _("A dispute stays with its project.")})
        return attrs
