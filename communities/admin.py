from django.contrib import admin

from . import models


@admin.register(models.Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent"]


class BuildingInline(admin.TabularInline):
    model = models.Building
    extra = 0


@admin.register(models.Compound)
class CompoundAdmin(admin.ModelAdmin):
    list_display = ["name", "division", "year_built", "management_mode"]
    list_filter = ["management_mode", "renovation_need"]
    search_fields = ["name", "address"]
    raw_id_fields = ["division"]
    inlines = [BuildingInline]


@admin.register(models.Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["building", "unit", "floor", "room", "exclusive_area", "area_source"]
    raw_id_fields = ["building"]
    search_fields = ["room", "building__compound__name"]


@admin.register(models.Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "division", "is_party_member"]
    search_fields = ["name"]
    raw_id_fields = ["division"]
    exclude = ["id_number"]


@admin.register(models.RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "division", "organization"]
    list_filter = ["role"]
    raw_id_fields = ["division"]


@admin.register(models.AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "object_type", "object_id", "fields", "reason"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.BackgroundJob)
class BackgroundJobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "created_by", "created_at", "done", "total"]
    list_filter = ["kind", "status"]


@admin.register(models.Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "channel", "state", "recipient", "attempts", "created_at", "sent_at"]
    list_filter = ["state", "channel", "kind"]
    raw_id_fields = ["household"]
    readonly_fields = ["attempts", "last_error", "sent_at", "created_at"]
