"""Role predicates and DRF permission classes, shared by pages and API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from .choices import EDITOR_ROLES
from .scoping import get_scope


def can_edit_registry(user) -> bool:
    return get_scope(user).has_role(*EDITOR_ROLES)


class ScopedWritePermission(permissions.BasePermission):
    """Who may do what on a scoped viewset.

    - anonymous: 401 everywhere;
    - reads: whatever the scoped queryset returns (outside it is a 404);
    - create: only users with an editing role (the serializer's scoped foreign keys then refuse, with a
      400, any parent outside the editing scope);
    - update/delete: the object is looked up in the *visible* queryset first, so an object outside the
      scope is a 404 for everyone; visible but not editable is a 403.
    """

    message = _("You may read this but not change it.")

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if getattr(view, "action", None) == "create" or (request.method == "POST" and not view.kwargs):
            return can_edit_registry(request.user)
        return True  # decided per object, after the scoped lookup (404 before 403)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if not can_edit_registry(request.user):
            return False
        model = type(obj)
        return model.objects.editable_by(request.user).filter(pk=obj.pk).exists()
