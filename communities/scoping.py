"""The one place that decides what a user may see and edit.

Every queryset's `for_user` / `editable_by`, every page, API view, export, count and task goes through
`get_scope(user)`. A user's scope is the union of their role assignments, each a division subtree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from .choices import EDITOR_ROLES, RESIDENT_DATA_ROLES, Role


@dataclass(frozen=True)
class Grant:
    role: str
    division_id: int
    path: str
    organization: str = ""
    division_name: str = ""

    @property
    def role_label(self) -> str:
        return f"{Role(self.role).label} · {self.division_name}"


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    is_superuser: bool = False
    grants: tuple[Grant, ...] = field(default_factory=tuple)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or any(g.role in roles for g in self.grants)

    def paths(self, roles: Iterable[str] | None = None) -> list[str]:
        wanted = set(roles) if roles is not None else None
        paths = sorted({g.path for g in self.grants if wanted is None or g.role in wanted})
        # drop paths already covered by a shorter one
        kept: list[str] = []
        for p in paths:
            if not any(p.startswith(k) for k in kept):
                kept.append(p)
        return kept

    def q(self, lookup: str, roles: Iterable[str] | None = None) -> Q:
        """A filter on `<lookup>` (a division path field) matching this scope's subtrees."""
        if self.is_superuser:
            return Q()
        paths = self.paths(roles)
        if not paths:
            return Q(pk__in=[])
        q = Q()
        for p in paths:
            q |= Q(**{f"{lookup}__startswith": p})
        return q

    def covers(self, path: str, roles: Iterable[str] | None = None) -> bool:
        if self.is_superuser:
            return True
        return any(path.startswith(p) for p in self.paths(roles))

    # what the roles allow
    def can_edit(self, path: str) -> bool:
        return self.covers(path, EDITOR_ROLES)

    @property
    def sees_residents(self) -> bool:
        return self.has_role(*RESIDENT_DATA_ROLES)

    @property
    def sees_unmasked(self) -> bool:
        return self.is_superuser or any(g.role in settings.UNMASKED_ROLES for g in self.grants)

    @property
    def is_staff_user(self) -> bool:
        """Government side (not contractors): may run projects, ballots, exports."""
        return self.has_role(Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_SECRETARY)

    def organizations(self) -> set[str]:
        return {g.organization for g in self.grants if g.role == Role.CONTRACTOR and g.organization}


ANONYMOUS = Scope(user_id=None)


def get_scope(user) -> Scope:
    """The user's scope, computed once per request (cached on the user object)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, "_renovation_scope", None)
    if cached is not None:
        return cached
    from .models import RoleAssignment

    grants = tuple(
        Grant(
            role=r.role,
            division_id=r.division_id,
            path=r.division.path,
            organization=r.organization,
            division_name=r.division.name,
        )
        for r in RoleAssignment.objects.filter(user=user).select_related("division")
    )
    scope = Scope(user_id=user.pk, is_superuser=user.is_superuser, grants=grants)
    user._renovation_scope = scope
    return scope


def in_any(field: str, id_sets) -> Q:
    """`<field> IN (ids UNION ids ...)`: rows whose parent is in any of these querysets of parents.

    Rows scoped through a parent (a household assignment through its branch, an elector through its
    ballot) reached by the division OR by a second relation (the branch's compounds, a block ballot's
    extra compounds) were filtered `path LIKE ... OR parent_id IN (...)`: an OR the planner cannot
    estimate, so it read the whole child table for a district's 10,000-row count (household assignments
    85 ms). The parents' ids as one UNION are estimated from the division's index, and the child rows
    are reached through the parent key's index (3 ms). Each queryset gives its rows' pk, or the
    one column it is already narrowed to (`.values("ballot_id")`); no querysets match nothing."""
    sets = [qs.order_by() if qs._fields else qs.order_by().values("pk") for qs in id_sets]
    if not sets:
        return Q(pk__in=[])
    union = sets[0] if len(sets) == 1 else sets[0].union(*sets[1:])
    return Q(**{f"{field}__in": union})


def forget_scope(user) -> None:
    if hasattr(user, "_renovation_scope"):
        del user._renovation_scope
