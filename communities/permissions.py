"""Role predicates and DRF permission classes, shared by pages and API."""

from rest_framework import permissions

from .choices import EDITOR_ROLES
from .scoping import get_scope


def can_edit_registry(user) -> bool:
    return get_scope(user).has_role(*EDITOR_ROLES)


class ScopedWritePermission(permissions.BasePermission):
    """Reads: whatever the scoped queryset returns (outside it is a 404). Writes: only users with an
    editing role, and only on objects their editing scope covers (visible but not editable: 403)."""

    message = "You may read this but not change it."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_edit_registry(request.user)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        model = type(obj)
        return model.objects.editable_by(request.user).filter(pk=obj.pk).exists()
