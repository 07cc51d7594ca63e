"""Role predicates and DRF permission classes for consultations, shared by pages and API."""

from rest_framework import permissions

from .querysets import can_log_visits, can_manage  # noqa: F401 (re-exported predicates)


class FieldWritePermission(permissions.BasePermission):
    """Reads: whatever the scoped queryset returns. Writes: field roles (editors, grid workers /
    Party members); on an object, only when the model's `editable_by` covers it (else 403)."""

    message = "You may read this but not change it."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_log_visits(request.user)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return type(obj).objects.editable_by(request.user).filter(pk=obj.pk).exists()
