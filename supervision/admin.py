from django.contrib import admin

from . import models


class PanelInline(admin.TabularInline):
    model = models.PanelMember
    extra = 0


class TeamMemberInline(admin.TabularInline):
    model = models.SupervisionTeamMember
    extra = 0
    raw_id_fields = ["person", "branch_member", "user"]


@admin.register(models.SupervisionTeam)
class SupervisionTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "established_on"]
    raw_id_fields = ["project"]
    inlines = [TeamMemberInline]


@admin.register(models.Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ["project", "inspected_on", "inspector_kind", "result"]
    list_filter = ["result", "inspector_kind"]
    raw_id_fields = ["project", "work_item", "team_member", "recorded_by"]


@admin.register(models.Rectification)
class RectificationAdmin(admin.ModelAdmin):
    """Read-mostly: status moves only through supervision.services (pages and API)."""

    list_display = ["pk", "project", "responsible_party", "severity", "deadline", "status"]
    list_filter = ["status", "severity", "source"]
    raw_id_fields = ["project", "inspection", "acceptance_round", "work_item", "responsible_party"]
    readonly_fields = ["status", "submitted_at", "verified_at", "verified_by", "rejection_count"]


@admin.register(models.AcceptanceRound)
class AcceptanceRoundAdmin(admin.ModelAdmin):
    list_display = ["project", "number", "status", "satisfied_count", "valid_count", "filed_on"]
    list_filter = ["status"]
    raw_id_fields = ["project", "ballot"]
    inlines = [PanelInline]


@admin.register(models.Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["issue", "project", "status", "raised_on"]
    list_filter = ["status"]
    raw_id_fields = ["project", "compound", "mediator"]


@admin.register(models.Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["pk", "project", "kind", "is_public", "taken_on"]
    list_filter = ["kind", "is_public"]
    raw_id_fields = ["project", "inspection", "progress_report", "rectification"]


admin.site.register(models.ProgressReport)
admin.site.register(models.Reminder)
