"""Who may do what with ballots (pages and API share these)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from communities.scoping import get_scope

from .querysets import POLICY_EDITOR_ROLES, VOTE_ENTRY_ROLES


class RulePolicyPermission(permissions.BasePermission):
    """Everyone in scope reads; district administrators write (outside their subtree: 403/404)."""

    message = _("Only district administrators edit rule policies.")

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        return request.method in permissions.SAFE_METHODS or get_scope(request.user).has_role(
            *POLICY_EDITOR_ROLES
        )

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return type(obj).objects.editable_by(request.user).filter(pk=obj.pk).exists()


class VoteEntryPermission(permissions.BasePermission):
    """Votes: read in scope; staff (incl. grid workers) enter paper and meeting votes."""

    message = "You may not enter votes."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        return request.method in permissions.SAFE_METHODS or get_scope(request.user).has_role(
            *VOTE_ENTRY_ROLES
        )
