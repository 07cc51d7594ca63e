from django.contrib import admin

from . import models


class StepTemplateInline(admin.TabularInline):
    model = models.DeliberationStepTemplate
    extra = 0


@admin.register(models.DeliberationProcedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "division", "is_active"]
    inlines = [StepTemplateInline]


@admin.register(models.NoticePolicy)
class NoticePolicyAdmin(admin.ModelAdmin):
    list_display = ["division", "default_days", "note"]
    raw_id_fields = ["division"]


@admin.register(models.Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["visited_at", "compound", "household", "visitor", "channel", "attitude"]
    list_filter = ["channel", "attitude"]
    raw_id_fields = ["household", "compound", "project", "visitor", "member"]


@admin.register(models.Opinion)
class OpinionAdmin(admin.ModelAdmin):
    """Read-mostly: status moves go through consultations.services (pages and API)."""

    list_display = ["created_at", "compound", "category", "status"]
    list_filter = ["status", "category", "source"]
    raw_id_fields = ["compound", "household", "project", "visit", "meeting"]


@admin.register(models.Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["held_at", "kind", "title", "compound"]
    list_filter = ["kind"]
    raw_id_fields = ["division", "compound", "project"]


@admin.register(models.Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "starts_at", "period_days", "status"]
    raw_id_fields = ["division", "compound", "project"]
