from django.contrib import admin

from . import models


class CatalogGroupInline(admin.TabularInline):
    model = models.CatalogGroup
    filter_horizontal = ["items"]
    extra = 0


@admin.register(models.CatalogItem)
class CatalogItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "unit", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["code", "name"]


@admin.register(models.CatalogScheme)
class CatalogSchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "division"]
    inlines = [CatalogGroupInline]
    raw_id_fields = ["division"]


@admin.register(models.Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["year", "name", "district", "target_compounds", "target_households"]
    list_filter = ["year"]
    raw_id_fields = ["district", "compounds"]


class WorkItemInline(admin.TabularInline):
    model = models.WorkItem
    raw_id_fields = ["catalog_item"]
    extra = 0


class FundingLineInline(admin.TabularInline):
    model = models.FundingLine
    extra = 0


@admin.register(models.Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "division", "year", "status", "category", "is_key_project"]
    list_filter = ["status", "category", "year", "is_key_project"]
    search_fields = ["name"]
    raw_id_fields = ["division", "compounds", "programme", "created_by"]
    readonly_fields = ["status"]
    inlines = [WorkItemInline, FundingLineInline]


@admin.register(models.ProjectParty)
class ProjectPartyAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "project"]
    list_filter = ["role"]
    raw_id_fields = ["project", "users"]


class BranchMemberInline(admin.TabularInline):
    model = models.BranchMember
    raw_id_fields = ["person", "user"]
    extra = 0


@admin.register(models.PartyBranch)
class PartyBranchAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "division", "project", "established_on"]
    list_filter = ["kind"]
    raw_id_fields = ["project", "division", "compounds"]
    inlines = [BranchMemberInline]


@admin.register(models.BranchActivity)
class BranchActivityAdmin(admin.ModelAdmin):
    list_display = ["topic", "kind", "date", "branch"]
    list_filter = ["kind"]
    raw_id_fields = ["branch", "attendees"]


@admin.register(models.VisitSlot)
class VisitSlotAdmin(admin.ModelAdmin):
    """Read-only counts: places are taken and given back by projects.bookings only."""

    list_display = ["work_item", "starts_at", "ends_at", "capacity", "booked"]
    list_select_related = ["work_item"]
    raw_id_fields = ["work_item", "created_by"]
    readonly_fields = ["booked"]


@admin.register(models.VisitBooking)
class VisitBookingAdmin(admin.ModelAdmin):
    list_display = ["household", "work_item", "slot", "status", "marked_at"]
    list_filter = ["status"]
    list_select_related = ["household__building", "work_item", "slot"]
    raw_id_fields = ["work_item", "slot", "household", "booked_by", "marked_by"]
    readonly_fields = ["work_item", "slot", "household", "status", "booked_by", "marked_by", "marked_at"]
