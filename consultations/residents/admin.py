from django.contrib import admin

from .models import HouseholdCard, MenuItem, MenuPolicy, MenuSurvey, ReportPhoto


@admin.register(HouseholdCard)
class HouseholdCardAdmin(admin.ModelAdmin):
    """Read-only: cards are issued and reissued by printing them (the code exists only on the card)."""

    list_display = ["household", "version", "issued_at", "issued_by"]
    list_select_related = ["household__building", "issued_by"]
    raw_id_fields = ["household"]
    readonly_fields = ["household", "version", "issued_at", "issued_by"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(MenuPolicy)
class MenuPolicyAdmin(admin.ModelAdmin):
    list_display = ["division", "threshold_percent", "basis"]
    raw_id_fields = ["division"]


class MenuItemInline(admin.TabularInline):
    model = MenuItem
    extra = 0
    raw_id_fields = ["catalog_item"]


@admin.register(MenuSurvey)
class MenuSurveyAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "compound", "status", "closes_at"]
    list_select_related = ["project", "compound"]
    raw_id_fields = ["project", "compound"]
    inlines = [MenuItemInline]


@admin.register(ReportPhoto)
class ReportPhotoAdmin(admin.ModelAdmin):
    list_display = ["opinion", "uploaded_at"]
    raw_id_fields = ["opinion"]
