"""Reads: every supervision row inherits its project's scope (projects.querysets.project_q).

Rectification orders are narrower for contractors: a contractor sees only the orders addressed to a
party it acts for (`ProjectParty.users`), not every order of the project.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from communities.choices import EDITOR_ROLES, Role
from communities.scoping import get_scope


def _project_q(user, prefix: str, roles=None) -> Q:
    from projects.querysets import project_q

    return project_q(user, prefix, roles)


def _child(prefix: str):
    class ChildQuerySet(models.QuerySet):
        def for_user(self, user):
            return self.filter(_project_q(user, prefix))

        def editable_by(self, user):
            return self.filter(_project_q(user, prefix, EDITOR_ROLES))

    ChildQuerySet.__name__ = ChildQuerySet.__qualname__ = f"ChildQuerySet_{prefix.strip('_')}"
    return ChildQuerySet


class ProjectChildQuerySet(_child("project__")):
    pass


class TeamChildQuerySet(_child("team__project__")):
    pass


class RoundChildQuerySet(_child("round__project__")):
    pass


class AcceptanceRoundQuerySet(_child("project__")):
    pass


def _contractor_only(scope) -> bool:
    from projects.querysets import DIVISION_ROLES

    return not scope.is_superuser and scope.has_role(Role.CONTRACTOR) and not scope.has_role(*DIVISION_ROLES)


class DisputeQuerySet(_child("project__")):
    """Disputes are between residents (names, grievances): the project's staff and Party members see
    them, the contractors working on the project do not."""

    def for_user(self, user):
        if _contractor_only(get_scope(user)):
            return self.none()
        return super().for_user(user)


def order_q(user, prefix: str = "") -> Q:
    """Read access to rectification orders: the project's read scope (projects.querysets.project_q)
    for every role but contractors, who see the orders addressed to their own parties only."""
    from projects.querysets import DIVISION_ROLES, project_q

    scope = get_scope(user)
    if scope.is_superuser:
        return Q()
    if scope.has_role(Role.CONTRACTOR) and not scope.has_role(*DIVISION_ROLES):
        return scope.q(f"{prefix}project__division__path", [Role.CONTRACTOR]) & Q(
            **{f"{prefix}responsible_party__users": user}
        )
    return project_q(user, f"{prefix}project__")


class RectificationQuerySet(models.QuerySet):
    def for_user(self, user):
        scope = get_scope(user)
        qs = self.filter(order_q(user))
        # the users M2M join can repeat a row when a user acts for a party twice over
        return qs.distinct() if scope.has_role(Role.CONTRACTOR) and not scope.is_superuser else qs

    def editable_by(self, user):
        return self.filter(_project_q(user, "project__", EDITOR_ROLES))

    def open(self):
        from .choices import OPEN_RECTIFICATION_STATUSES

        return self.filter(status__in=OPEN_RECTIFICATION_STATUSES)

    def overdue(self, today=None):
        from django.utils import timezone

        return self.open().filter(deadline__lt=today or timezone.localdate())


class ReminderQuerySet(models.QuerySet):
    def for_user(self, user):
        scope = get_scope(user)
        qs = self.filter(order_q(user, "rectification__"))
        return qs.distinct() if scope.has_role(Role.CONTRACTOR) and not scope.is_superuser else qs

    def editable_by(self, user):
        return self.none()


class PhotoQuerySet(_child("project__")):
    """Photos inherit their project's scope, except evidence of a rectification order: it is seen by
    whoever sees the order (a contractor: only the evidence of its own parties' orders)."""

    def for_user(self, user):
        qs = super().for_user(user)
        if _contractor_only(get_scope(user)):
            from .models import Rectification

            own_orders = Rectification.objects.filter(order_q(user)).values("pk")
            qs = qs.filter(Q(rectification__isnull=True) | Q(rectification_id__in=own_orders))
        return qs
