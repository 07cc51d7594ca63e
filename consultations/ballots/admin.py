from django.contrib import admin

from .models import Ballot, BallotOption, Elector, RulePolicy, Vote


@admin.register(RulePolicy)
class RulePolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "division",
        "effective_from",
        "consent_threshold_num",
        "satisfaction_threshold_num",
    ]
    list_select_related = ["division"]
    raw_id_fields = ["division"]


class BallotOptionInline(admin.TabularInline):
    model = BallotOption
    extra = 0


@admin.register(Ballot)
class BallotAdmin(admin.ModelAdmin):
    """Read-mostly: ballots are created, opened and closed through the pages/API (services)."""

    list_display = ["title", "kind", "compound", "status", "opens_at", "closes_at", "secret", "passed"]
    list_filter = ["status", "kind", "secret"]
    list_select_related = ["compound"]
    search_fields = ["title", "compound__name"]
    raw_id_fields = ["compound", "project", "rule_policy", "created_by", "closed_by"]
    filter_horizontal = ["scope_buildings", "occupied_households"]
    inlines = [BallotOptionInline]


@admin.register(Elector)
class ElectorAdmin(admin.ModelAdmin):
    list_display = ["label", "ballot", "area", "area_source", "part_count", "is_developer", "has_veto"]
    list_select_related = ["ballot"]
    raw_id_fields = ["ballot", "person"]
    exclude = ["code_hash"]

    def has_add_permission(self, request):
        return False


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["elector", "ballot", "channel", "cast_at", "paper_serial"]
    list_select_related = ["elector", "ballot"]
    raw_id_fields = ["ballot", "elector", "option", "entered_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# BallotBoxEntry is deliberately not registered: a secret ballot's choices are read only by the tally.
