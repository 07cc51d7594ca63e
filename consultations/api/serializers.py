"""API serializers. Foreign keys accept only objects the caller can see (never trusted from the body);
the services check the caller may write there."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from communities.api.serializers import FullNumbersSerializer
from communities.masking import mask_phone
from communities.models import Compound, Household
from consultations import choices
from consultations.models import (
    Deliberation,
    DeliberationProcedure,
    DeliberationStep,
    DeliberationStepTemplate,
    Meeting,
    Notice,
    NoticeObjection,
    Opinion,
    Visit,
)


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key limited to `for_user(request.user)` of its queryset's model."""

    def get_queryset(self):
        request = self.context.get("request")
        return self.queryset.for_user(request.user) if request else self.queryset.none()


def _project_qs():
    from projects.models import Project

    return Project.objects.all()


def _work_item_qs():
    from projects.models import WorkItem

    return WorkItem.objects.all()


def _member_qs():
    from projects.models import BranchMember

    return BranchMember.objects.all()


class OpinionInlineSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=choices.OpinionCategory.choices)
    content = serializers.CharField(max_length=2000)


class VisitSerializer(serializers.ModelSerializer):
    household = VisibleRelatedField(queryset=Household.objects.all())
    project = VisibleRelatedField(queryset=_project_qs(), required=False, allow_null=True)
    member = VisibleRelatedField(queryset=_member_qs(), required=False, allow_null=True)
    household_label = serializers.SerializerMethodField()
    opinions = OpinionInlineSerializer(many=True, required=False, write_only=True)
    opinion_ids = serializers.PrimaryKeyRelatedField(source="opinions", many=True, read_only=True)
    visited_at = serializers.DateTimeField(required=False)

    class Meta:
        model = Visit
        fields = [
            "id",
            "household",
            "household_label",
            "compound",
            "project",
            "visitor",
            "member",
            "visited_at",
            "channel",
            "attitude",
            "notes",
            "opinions",
            "opinion_ids",
            "created_at",
        ]
        read_only_fields = ["compound", "visitor", "created_at"]

    def get_household_label(self, obj) -> str:
        return f"{obj.household.building.name} {obj.household.unit}单元 {obj.household.room}"


class VisitUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Visit
        fields = ["id", "channel", "attitude", "notes"]


class OpinionSerializer(serializers.ModelSerializer):
    compound = VisibleRelatedField(queryset=Compound.objects.all())
    household = VisibleRelatedField(queryset=Household.objects.all(), required=False, allow_null=True)
    project = VisibleRelatedField(queryset=_project_qs(), required=False, allow_null=True)
    meeting = VisibleRelatedField(queryset=Meeting.objects.all(), required=False, allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = Opinion
        fields = [
            "id",
            "compound",
            "household",
            "project",
            "source",
            "visit",
            "meeting",
            "category",
            "category_display",
            "content",
            "status",
            "status_display",
            "decline_reason",
            "merged_into",
            "work_item",
            "answer",
            "answered_at",
            "rating",
            "rated_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["visit", "created_at", "updated_at"]


class OpinionUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Opinion
        fields = ["id", "category", "content"]


class OpinionTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=choices.OpinionStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    work_item = VisibleRelatedField(queryset=_work_item_qs(), required=False, allow_null=True, default=None)
    merged_into = VisibleRelatedField(
        queryset=Opinion.objects.all(), required=False, allow_null=True, default=None
    )
    answer = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class OpinionAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=5000)


class OpinionRatingSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=choices.Rating.choices)


class MeetingSerializer(serializers.ModelSerializer):
    compound = VisibleRelatedField(queryset=Compound.objects.all(), required=False, allow_null=True)
    project = VisibleRelatedField(queryset=_project_qs(), required=False, allow_null=True)
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "kind",
            "title",
            "division",
            "compound",
            "project",
            "held_at",
            "place",
            "host",
            "households_present",
            "people_present",
            "topics",
            "minutes",
            "decisions",
            "photos",
            "created_at",
        ]
        read_only_fields = ["division", "created_at"]

    def get_photos(self, obj) -> list[str]:
        return [reverse("consultations:meeting_photo", args=[p.pk]) for p in obj.photos.all()]

    def validate(self, attrs):
        if not self.instance and not attrs.get("compound") and not attrs.get("project"):
            raise serializers.ValidationError(_("Say which compound or project the meeting was for."))
        return attrs


class DeliberationStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliberationStep
        fields = ["id", "order", "name", "kind", "done_at", "done_by", "meeting", "notice", "note"]


class ProcedureStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliberationStepTemplate
        fields = ["order", "name", "kind"]


class ProcedureSerializer(serializers.ModelSerializer):
    steps = ProcedureStepSerializer(many=True, read_only=True)

    class Meta:
        model = DeliberationProcedure
        fields = ["id", "code", "name", "description", "division", "is_active", "steps"]


class DeliberationSerializer(serializers.ModelSerializer):
    # national procedures and those of the user's own divisions (and above) only
    procedure = VisibleRelatedField(queryset=DeliberationProcedure.objects.filter(is_active=True))
    compound = VisibleRelatedField(queryset=Compound.objects.all(), required=False, allow_null=True)
    project = VisibleRelatedField(queryset=_project_qs(), required=False, allow_null=True)
    steps = DeliberationStepSerializer(many=True, read_only=True)
    current_step = serializers.SerializerMethodField()

    class Meta:
        model = Deliberation
        fields = [
            "id",
            "title",
            "description",
            "procedure",
            "division",
            "compound",
            "project",
            "status",
            "steps",
            "current_step",
            "created_at",
            "completed_at",
        ]
        read_only_fields = ["division", "status", "created_at", "completed_at"]

    def get_current_step(self, obj) -> int | None:
        for s in obj.steps.all():
            if s.done_at is None:
                return s.order
        return None


class CompleteStepSerializer(serializers.Serializer):
    order = serializers.IntegerField(min_value=1)
    meeting = VisibleRelatedField(
        queryset=Meeting.objects.all(), required=False, allow_null=True, default=None
    )
    notice = VisibleRelatedField(queryset=Notice.objects.all(), required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class NoticeSerializer(serializers.ModelSerializer):
    compound = VisibleRelatedField(queryset=Compound.objects.all(), required=False, allow_null=True)
    project = VisibleRelatedField(queryset=_project_qs(), required=False, allow_null=True)
    period_days = serializers.IntegerField(required=False, min_value=1, max_value=90)
    ends_at = serializers.DateTimeField(read_only=True)
    public_url = serializers.SerializerMethodField()
    objection_count = serializers.IntegerField(read_only=True)
    pending_objection_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "division",
            "compound",
            "project",
            "status",
            "starts_at",
            "period_days",
            "ends_at",
            "public_url",
            "objection_count",
            "pending_objection_count",
            "closed_at",
            "created_at",
        ]
        read_only_fields = ["division", "status", "closed_at", "created_at"]

    def get_public_url(self, obj) -> str:
        request = self.context.get("request")
        url = obj.get_public_url()
        return request.build_absolute_uri(url) if request else url


class ObjectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = NoticeObjection
        fields = [
            "id",
            "notice",
            "name",
            "contact",
            "text",
            "received_at",
            "status",
            "handling",
            "handled_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("unmask"):  # see UnmaskLoggedMixin
            data["contact"] = mask_phone(data["contact"])
        return data


class HandleObjectionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[(s, s) for s in choices.HANDLED_OBJECTION_STATUSES])
    handling = serializers.CharField(max_length=5000)


class ExportSerializer(FullNumbersSerializer):
    kind = serializers.ChoiceField(choices=[("visit_ledger", "visit ledger"), ("demand_list", "demand list")])
