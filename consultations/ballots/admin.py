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
    """Once a ballot opens, what its options mean (which count as yes) is fixed: read-only here too."""

    model = BallotOption
    extra = 0

    def _opened(self, obj) -> bool:
        return obj is not None and obj.status != "draft"

    def get_readonly_fields(self, request, obj=None):
        if self._opened(obj):
            return ["position", "label", "counts_as_yes", "is_abstention"]
        return super().get_readonly_fields(request, obj)

    def has_add_permission(self, request, obj=None):
        return not self._opened(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._opened(obj) and super().has_delete_permission(request, obj)


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
