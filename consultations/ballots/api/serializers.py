from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from communities.api.serializers import PrivateFileField, ScopedPrimaryKeyRelatedField
from communities.models import Compound, Division

from .. import choices
from ..models import Ballot, BallotOption, Elector, RulePolicy, Vote, policy_errors


class RulePolicySerializer(serializers.ModelSerializer):
    division = ScopedPrimaryKeyRelatedField(queryset=Division.objects.all())

    class Meta:
        model = RulePolicy
        fields = [
            "id",
            "division",
            "name",
            "effective_from",
            "consent_threshold_num",
            "consent_threshold_den",
            "consent_base",
            "satisfaction_threshold_num",
            "satisfaction_threshold_den",
            "satisfaction_base",
            "satisfaction_participation_num",
            "satisfaction_participation_den",
            "choice_threshold_num",
            "choice_threshold_den",
            "choice_base",
            "participation_num",
            "participation_den",
            "ordinary_pass_num",
            "ordinary_pass_den",
            "major_pass_num",
            "major_pass_den",
            "notice_days",
            "plan_notice_days",
            "deliberation_procedure",
            "door_to_door_required",
            "door_to_door_num",
            "door_to_door_den",
            "panel_residents",
            "note",
        ]

    def validate(self, attrs):
        """The same rules as the page (models.policy_errors): art. 278's floors, thresholds in (0, 1]."""
        values = {
            f.name: attrs.get(
                f.name,
                getattr(self.instance, f.name) if self.instance is not None else f.get_default(),
            )
            for f in RulePolicy._meta.concrete_fields
            if not f.is_relation
        }
        errors = policy_errors(values)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class BallotOptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = BallotOption
        fields = ["id", "ballot", "position", "label", "counts_as_yes", "is_abstention"]


class NestedOptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = BallotOption
        fields = ["id", "position", "label", "counts_as_yes", "is_abstention"]


class BallotSerializer(serializers.ModelSerializer):
    options = NestedOptionSerializer(many=True, read_only=True)
    voted = serializers.IntegerField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    voting_url = serializers.SerializerMethodField()
    valid = serializers.SerializerMethodField(
        help_text=_("False when a satisfaction survey had too few answers to count (null until closed).")
    )
    verdict = serializers.SerializerMethodField(
        help_text=_("passed, not_passed or not_valid (null until closed).")
    )
    counting_notes = serializers.SerializerMethodField(
        help_text=_(
            "Counting choices frozen at opening (owners' decisions); in a list, without the parts "
            "concerned (their number only)."
        )
    )

    class Meta:
        model = Ballot
        fields = [
            "id",
            "kind",
            "kind_display",
            "title",
            "question",
            "project",
            "compound",
            "extra_compounds",
            "scope_kind",
            "scope_buildings",
            "scope_units",
            "occupied_households",
            "opens_at",
            "closes_at",
            "secret",
            "realtime_results",
            "allow_change",
            "status",
            "status_display",
            "rule_policy",
            "rule_policy_label",
            "rule",
            "threshold_num",
            "threshold_den",
            "threshold_base",
            "participation_num",
            "participation_den",
            "pass_num",
            "pass_den",
            "pass_inclusive",
            "notice_days",
            "opened_at",
            "closed_at",
            "closed_early",
            "close_reason",
            "electorate_size",
            "eligible_area",
            "voted",
            "passed",
            "valid",
            "verdict",
            "counting_notes",
            "missing_area_reason",
            "missing_area_accepted_at",
            "result_notice",
            "options",
            "voting_url",
            "created_at",
        ]
        read_only_fields = fields

    def get_voting_url(self, obj) -> str:
        return obj.voting_url()

    def get_counting_notes(self, obj) -> list[dict]:
        view = self.context.get("view")
        if view is not None and getattr(view, "action", None) == "list":
            return [
                {**{k: v for k, v in note.items() if k != "items"}, "count": len(note.get("items") or [])}
                for note in obj.counting_notes or []
            ]
        return obj.counting_notes or []

    def get_valid(self, obj) -> bool | None:
        return obj.result.get("valid", True) if obj.result else None

    def get_verdict(self, obj) -> str | None:
        if not obj.result:
            return None
        return obj.result.get("verdict") or ("passed" if obj.passed else "not_passed")


class OptionInputSerializer(serializers.Serializer):
    """An option: {"label": ..., "counts_as_yes": ..., "is_abstention": ...}, or just its text. Which
    options count as yes is said explicitly (`counts_as_yes`), never read from the wording: plain "同意"
    does not count as yes. Plain "弃权" is an abstention. Omit `options` for the kind's usual ones."""

    label = serializers.CharField(max_length=200)
    counts_as_yes = serializers.BooleanField(default=False)
    is_abstention = serializers.BooleanField(default=False)

    def to_internal_value(self, data):
        if isinstance(data, str):
            return serializers.CharField(max_length=200).run_validation(data)
        return super().to_internal_value(data)


class UnitInputSerializer(serializers.Serializer):
    building = serializers.IntegerField()
    unit = serializers.CharField(max_length=10)


class BallotCreateSerializer(serializers.Serializer):
    """Input for services.create_ballot; the compound must be one the caller may edit."""

    kind = serializers.ChoiceField(choices=choices.BallotKind.choices)
    title = serializers.CharField(max_length=200)
    question = serializers.CharField(required=False, allow_blank=True, default="")
    compound = ScopedPrimaryKeyRelatedField(queryset=Compound.objects.all())
    extra_compounds = ScopedPrimaryKeyRelatedField(
        queryset=Compound.objects.select_related("division"),
        many=True,
        required=False,
        help_text=_("A block project's ballot: the other compounds whose households are asked."),
    )
    project = serializers.IntegerField(required=False, allow_null=True)
    rule_policy = serializers.IntegerField(required=False, allow_null=True)
    rule = serializers.ChoiceField(choices=choices.Rule.choices, required=False, allow_null=True)
    scope_buildings = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    scope_units = UnitInputSerializer(many=True, required=False, default=list)
    occupied_households = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )
    options = OptionInputSerializer(many=True, required=False, default=list)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    secret = serializers.BooleanField(default=False)
    realtime_results = serializers.BooleanField(default=False)
    allow_change = serializers.BooleanField(default=False)

    def service_kwargs(self, user) -> dict:
        from communities.models import Building, Household
        from projects.models import Project

        data = dict(self.validated_data)
        compound = data["compound"]
        extras = list(data.get("extra_compounds") or [])
        compound_ids = [compound.pk, *(c.pk for c in extras)]
        project = None
        if data.get("project"):
            project = Project.objects.for_user(user).filter(pk=data["project"]).first()
            if project is None:
                raise serializers.ValidationError({"project": _("Choose a project you can see.")})
        policy = None
        if data.get("rule_policy"):
            policy = RulePolicy.objects.for_user(user).filter(pk=data["rule_policy"]).first()
            if policy is None:
                raise serializers.ValidationError({"rule_policy": _("Choose a rule policy you can see.")})
        buildings = list(
            Building.objects.filter(compound_id__in=compound_ids, pk__in=data["scope_buildings"])
        )
        if len(buildings) != len(set(data["scope_buildings"])):
            raise serializers.ValidationError(
                {"scope_buildings": _("A building in the scope is not in this compound.")}
            )
        occupied = list(
            Household.objects.filter(
                building__compound_id__in=compound_ids, pk__in=data["occupied_households"]
            )
        )
        if len(occupied) != len(set(data["occupied_households"])):
            raise serializers.ValidationError(
                {"occupied_households": _("A household is not in this compound.")}
            )
        return {
            "kind": data["kind"],
            "title": data["title"],
            "question": data["question"],
            "compound": compound,
            "extra_compounds": extras,
            "project": project,
            "rule_policy": policy,
            "rule": data.get("rule") or None,
            "scope_buildings": buildings,
            "scope_units": [dict(u) for u in data["scope_units"]],
            "occupied_households": occupied,
            "options": [o if isinstance(o, str) else dict(o) for o in data["options"]],
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "secret": data["secret"],
            "realtime_results": data["realtime_results"],
            "allow_change": data["allow_change"],
        }


class BallotUpdateSerializer(serializers.Serializer):
    """PATCH/PUT of a draft: only the fields sent change (services.update_draft_ballot). The compound is
    fixed; `options` replaces all options; `rule_policy: null` means the policy in force."""

    kind = serializers.ChoiceField(choices=choices.BallotKind.choices, required=False)
    title = serializers.CharField(max_length=200, required=False)
    question = serializers.CharField(required=False, allow_blank=True)
    project = serializers.IntegerField(required=False, allow_null=True)
    rule_policy = serializers.IntegerField(required=False, allow_null=True)
    rule = serializers.ChoiceField(choices=choices.Rule.choices, required=False, allow_null=True)
    scope_buildings = serializers.ListField(child=serializers.IntegerField(), required=False)
    scope_units = UnitInputSerializer(many=True, required=False)
    occupied_households = serializers.ListField(child=serializers.IntegerField(), required=False)
    options = OptionInputSerializer(many=True, required=False)
    opens_at = serializers.DateTimeField(required=False)
    closes_at = serializers.DateTimeField(required=False)
    secret = serializers.BooleanField(required=False)
    realtime_results = serializers.BooleanField(required=False)
    allow_change = serializers.BooleanField(required=False)

    def service_kwargs(self, user, ballot) -> dict:
        from communities.models import Building, Household
        from projects.models import Project

        data = dict(self.validated_data)
        compound_ids = ballot.compound_ids()
        if "project" in data:
            project = None
            if data["project"]:
                project = Project.objects.for_user(user).filter(pk=data["project"]).first()
                if project is None:
                    raise serializers.ValidationError({"project": _("Choose a project you can see.")})
            data["project"] = project
        if "rule_policy" in data:
            policy = None
            if data["rule_policy"]:
                policy = RulePolicy.objects.for_user(user).filter(pk=data["rule_policy"]).first()
                if policy is None:
                    raise serializers.ValidationError({"rule_policy": _("Choose a rule policy you can see.")})
            data["rule_policy"] = policy
        if "scope_buildings" in data:
            ids = set(data["scope_buildings"])
            buildings = list(Building.objects.filter(compound_id__in=compound_ids, pk__in=ids))
            if len(buildings) != len(ids):
                raise serializers.ValidationError(
                    {"scope_buildings": _("A building in the scope is not in this compound.")}
                )
            data["scope_buildings"] = buildings
        if "scope_units" in data:
            data["scope_units"] = [dict(u) for u in data["scope_units"]]
        if "occupied_households" in data:
            ids = set(data["occupied_households"])
            occupied = list(Household.objects.filter(building__compound_id__in=compound_ids, pk__in=ids))
            if len(occupied) != len(ids):
                raise serializers.ValidationError(
                    {"occupied_households": _("A household is not in this compound.")}
                )
            data["occupied_households"] = occupied
        if "options" in data:
            data["options"] = [o if isinstance(o, str) else dict(o) for o in data["options"]]
        return data


class OpenSerializer(serializers.Serializer):
    """Opening is confirmed: send back the ids of the options that count as yes, as seen in the ballot
    (or GET opening-check); a plan choice sends []."""

    yes_options = serializers.ListField(
        child=serializers.IntegerField(),
        allow_empty=True,
        error_messages={
            "required": _(
                "Confirm which options count as yes: send yes_options with their ids (see opening-check)."
            )
        },
    )
    missing_area_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=1000,
        help_text=_("Owners' decisions: why parts without an area on record may count as 0 m²."),
    )


class CloseSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ElectorSerializer(serializers.ModelSerializer):
    voted = serializers.SerializerMethodField()
    has_code = serializers.SerializerMethodField()

    class Meta:
        model = Elector
        fields = [
            "id",
            "ballot",
            "label",
            "building_name",
            "unit",
            "room",
            "household_ids",
            "part_count",
            "area",
            "area_source",
            "is_developer",
            "has_veto",
            "has_code",
            "code_version",
            "code_issued_at",
            "voted",
        ]

    def get_voted(self, obj) -> bool:
        return hasattr(obj, "vote") and obj.vote is not None

    def get_has_code(self, obj) -> bool:
        return bool(obj.code_hash)


class VoteSerializer(serializers.ModelSerializer):
    """A vote as staff see it: the choice only once the ballot shows choices. A secret ballot's vote
    shows participation only (ballot, channel, time): no elector or household, no choice, no paper
    serial, photo or who entered it -- for every role, before and after close."""

    SECRET_HIDDEN = (
        *("elector", "elector_label", "option", "changed_at"),
        *("paper_serial", "photo", "entered_by"),
    )

    option = serializers.SerializerMethodField()
    elector = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    elector_label = serializers.CharField(source="elector.label", read_only=True, allow_null=True)
    paper_serial = serializers.CharField(read_only=True, allow_null=True)
    photo = PrivateFileField(url_name="ballots:vote_photo", read_only=True, allow_null=True)

    class Meta:
        model = Vote
        fields = [
            "id",
            "ballot",
            "secret",
            "elector",
            "elector_label",
            "option",
            "channel",
            "cast_at",
            "changed_at",
            "change_count",
            "paper_serial",
            "photo",
            "entered_by",
        ]
        read_only_fields = fields

    def get_option(self, obj) -> int | None:
        if obj.secret or not obj.ballot.choices_visible:
            return None
        return obj.option_id

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.secret:
            data.update(dict.fromkeys(self.SECRET_HIDDEN))
            data["change_count"] = 0
        return data


class StaffVoteInputSerializer(serializers.Serializer):
    elector = serializers.IntegerField()
    option = serializers.IntegerField()
    channel = serializers.ChoiceField(
        choices=[choices.VoteChannel.PAPER, choices.VoteChannel.MEETING], default=choices.VoteChannel.PAPER
    )
    paper_serial = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    photo = serializers.FileField(required=False, allow_null=True)


class PublicVoteSerializer(serializers.Serializer):
    """Documentation of the public vote body (the view parses it by hand to stay lean)."""

    code = serializers.CharField(max_length=20)
    option = serializers.IntegerField()


class PublicVoteResultSerializer(serializers.Serializer):
    receipt = serializers.CharField()
    changed = serializers.BooleanField()
    ballot = serializers.IntegerField()


class CodePauseSerializer(serializers.Serializer):
    """An address paused on a ballot for wrong voting codes (the code prefixes are never shown)."""

    address = serializers.CharField()
    until = serializers.DateTimeField()
    whole_address = serializers.BooleanField(help_text="Every code from the address is paused.")
    prefix_groups = serializers.IntegerField(help_text="Groups of codes starting alike that are paused.")

    @staticmethod
    def row(pause) -> dict:
        import datetime

        return {
            "address": pause.address,
            "until": datetime.datetime.fromtimestamp(pause.until, tz=datetime.UTC),
            "whole_address": pause.whole_address,
            "prefix_groups": len(pause.prefixes),
        }


class LiftCodePauseSerializer(serializers.Serializer):
    address = serializers.CharField(max_length=64)


class LiftedSerializer(serializers.Serializer):
    lifted = serializers.BooleanField(help_text="False: the address was not paused.")
