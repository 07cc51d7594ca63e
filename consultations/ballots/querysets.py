"""Reads: ballots are scoped by their compound's division; their children inherit that scope."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import BigIntegerField, F, Func, OuterRef, Q, Value
from django.db.models.functions import Cast

from communities.choices import EDITOR_ROLES, RESIDENT_DATA_ROLES, Role
from communities.querysets import count_of
from communities.scoping import get_scope, in_any

# Staff who may record paper and meeting votes (grid workers and Party members collect paper forms).
VOTE_ENTRY_ROLES = (*EDITOR_ROLES, Role.GRID_WORKER)
POLICY_EDITOR_ROLES = (Role.DISTRICT_ADMIN,)


def natural(field: str) -> list:
    """Order by a name's leading number, then its text: 2号楼 before 10号楼, room 201 before 1001
    (names without a number come after the numbered ones)."""
    number = Cast(Func(F(field), Value("^[0-9]{1,9}"), function="substring"), BigIntegerField())
    return [number.asc(nulls_last=True), F(field).asc()]


def _ancestor_paths(paths: list[str]) -> set[str]:
    out: set[str] = set()
    for p in paths:
        parts = [x for x in p.strip("/").split("/") if x]
        for i in range(1, len(parts) + 1):
            out.add("/".join(parts[:i]) + "/")
    return out


class RulePolicyQuerySet(models.QuerySet):
    def for_user(self, user) -> RulePolicyQuerySet:
        """Policies in the user's subtree, and those of the divisions above it (they apply to it)."""
        scope = get_scope(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(scope.q("division__path") | Q(division__path__in=_ancestor_paths(scope.paths())))

    def editable_by(self, user) -> RulePolicyQuerySet:
        return self.filter(get_scope(user).q("division__path", POLICY_EDITOR_ROLES))

    def applicable_to(self, division, on: datetime.date) -> RulePolicyQuerySet:
        """In force for a division on a date: its own and its ancestors', most specific and newest first."""
        ids = [int(p) for p in division.path.strip("/").split("/") if p]
        return (
            self.filter(division_id__in=ids, effective_from__lte=on)
            .select_related("division")
            .order_by("-division__path", "-effective_from")
        )


def visible_ballot_q(user, prefix: str = "") -> Q:
    """Read access to a ballot (or, with `prefix="ballot__"`, to its rows): its primary compound or any
    of its extra compounds (a block project) lies in the user's scope. Editing stays with the primary
    compound's division."""
    from .models import Ballot

    scope = get_scope(user)
    if scope.is_superuser:
        return Q()
    on_extra = scope.q("compound__division__path", RESIDENT_DATA_ROLES)
    if prefix:
        # a ballot's rows (electors, votes): the ballots' ids as one UNION (see in_any)
        if on_extra == Q(pk__in=[]):
            return on_extra
        by_extra = Ballot.extra_compounds.through.objects.filter(on_extra).values("ballot_id")
        return in_any(f"{prefix}id", [Ballot.objects.filter(on_extra), by_extra])
    q = scope.q(f"{prefix}compound__division__path", RESIDENT_DATA_ROLES)
    if on_extra != Q(pk__in=[]):
        through = Ballot.extra_compounds.through.objects.filter(on_extra).values("ballot_id")
        q |= Q(**{f"{prefix[:-2]}_id__in" if prefix else "pk__in": through})
    return q


class BallotQuerySet(models.QuerySet):
    def for_user(self, user) -> BallotQuerySet:
        return self.filter(visible_ballot_q(user))

    def editable_by(self, user) -> BallotQuerySet:
        return self.filter(get_scope(user).q("compound__division__path", EDITOR_ROLES))

    def votes_enterable_by(self, user) -> BallotQuerySet:
        return self.filter(get_scope(user).q("compound__division__path", VOTE_ENTRY_ROLES))

    def with_vote_count(self) -> BallotQuerySet:
        """`voted`: the ballot's votes, counted for the rows fetched only (no GROUP BY of the list)."""
        from .models import Vote

        return self.annotate(voted=count_of(Vote.objects.filter(ballot=OuterRef("pk"))))


class ElectorQuerySet(models.QuerySet):
    def natural_order(self) -> ElectorQuerySet:
        """Building, unit and room in the order a secretary walks them (2号楼 before 10号楼)."""
        return self.order_by(*natural("building_name"), *natural("unit"), *natural("room"), "pk")

    def for_user(self, user) -> ElectorQuerySet:
        return self.filter(visible_ballot_q(user, "ballot__"))

    def editable_by(self, user) -> ElectorQuerySet:
        return self.filter(get_scope(user).q("ballot__compound__division__path", EDITOR_ROLES))


class VoteQuerySet(models.QuerySet):
    def for_user(self, user) -> VoteQuerySet:
        return self.filter(visible_ballot_q(user, "ballot__"))

    def editable_by(self, user) -> VoteQuerySet:
        return self.filter(get_scope(user).q("ballot__compound__division__path", VOTE_ENTRY_ROLES))
