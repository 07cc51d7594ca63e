"""Reads: every model a user can reach is scoped here, through communities.scoping."""

from __future__ import annotations

from django.db import models
from django.db.models import Count, F, Func, OuterRef, Q, Subquery, TextField
from django.db.models.functions import Cast, Coalesce, Reverse

from .choices import EDITOR_ROLES, RESIDENT_DATA_ROLES
from .scoping import get_scope


def _count(qs) -> Coalesce:
    """COUNT(*) of a correlated queryset as an annotation (evaluated only for the rows fetched)."""
    return Coalesce(Subquery(qs.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")), 0)


class DivisionQuerySet(models.QuerySet):
    def for_user(self, user) -> DivisionQuerySet:
        return self.filter(get_scope(user).q("path"))

    def editable_by(self, user) -> DivisionQuerySet:
        return self.filter(get_scope(user).q("path", EDITOR_ROLES))

    def subtree(self, division) -> DivisionQuerySet:
        return self.filter(path__startswith=division.path)


class CompoundQuerySet(models.QuerySet):
    def for_user(self, user) -> CompoundQuerySet:
        return self.filter(get_scope(user).q("division__path"))

    def editable_by(self, user) -> CompoundQuerySet:
        return self.filter(get_scope(user).q("division__path", EDITOR_ROLES))

    def in_division(self, division) -> CompoundQuerySet:
        return self.filter(division__path__startswith=division.path)

    def with_counts(self) -> CompoundQuerySet:
        """Buildings and households per compound, counted for the rows fetched only (correlated
        subqueries: a GROUP BY over every household of the province would count them all first)."""
        from .models import Building, Household

        return self.annotate(
            building_count=_count(Building.objects.filter(compound=OuterRef("pk"))),
            household_count=_count(Household.objects.filter(building__compound=OuterRef("pk"))),
        )


class BuildingQuerySet(models.QuerySet):
    def for_user(self, user) -> BuildingQuerySet:
        return self.filter(get_scope(user).q("compound__division__path"))

    def editable_by(self, user) -> BuildingQuerySet:
        return self.filter(get_scope(user).q("compound__division__path", EDITOR_ROLES))

    def in_division(self, division) -> BuildingQuerySet:
        return self.filter(compound__division__path__startswith=division.path)


class HouseholdQuerySet(models.QuerySet):
    def for_user(self, user) -> HouseholdQuerySet:
        return self.filter(get_scope(user).q("building__compound__division__path", RESIDENT_DATA_ROLES))

    def editable_by(self, user) -> HouseholdQuerySet:
        return self.filter(get_scope(user).q("building__compound__division__path", EDITOR_ROLES))

    def in_division(self, division) -> HouseholdQuerySet:
        return self.filter(building__compound__division__path__startswith=division.path)

    def with_owner_count(self) -> HouseholdQuerySet:
        return self.annotate(
            owner_count=Count("ownerships", filter=Q(ownerships__kind__in=["owner", "co_owner"]))
        )


class PersonQuerySet(models.QuerySet):
    def for_user(self, user) -> PersonQuerySet:
        return self.filter(get_scope(user).q("division__path", RESIDENT_DATA_ROLES))

    def editable_by(self, user) -> PersonQuerySet:
        return self.filter(get_scope(user).q("division__path", EDITOR_ROLES))

    def in_division(self, division) -> PersonQuerySet:
        return self.filter(division__path__startswith=division.path)

    def matching(self, q: str, user) -> PersonQuerySet:
        """A name (or the start of one, for one or two characters), or the last digits of a phone
        number (what the masked numbers show). Roles that see masked numbers match at most the 4
        digits they are shown: a longer suffix would let them recover a full number digit by digit.
        The people list and the header search both use this."""
        q = q.strip()
        if not q:
            return self
        # three characters or more: anywhere in the name (a trigram index serves it); one or two: the
        # start of the name (a surname, a two-character name), which the trigram index serves too,
        # where "anywhere" would read every name (a trigram needs three characters)
        match = Q(name__icontains=q) if len(q) >= 3 else Q(name__istartswith=q)
        qs = self
        if q.isdigit() and (len(q) <= 4 or get_scope(user).sees_unmasked):
            # the last digits are a prefix of the reversed number: one range of the person_phone_suffix
            # index (migration 0006) instead of reading every phone
            qs = qs.alias(phone_reversed=Reverse(Cast("phone", TextField())))
            match |= Q(phone_reversed__startswith=q[::-1])
        return qs.filter(match)


class OwnershipQuerySet(models.QuerySet):
    def for_user(self, user) -> OwnershipQuerySet:
        return self.filter(
            get_scope(user).q("household__building__compound__division__path", RESIDENT_DATA_ROLES)
        )

    def editable_by(self, user) -> OwnershipQuerySet:
        return self.filter(get_scope(user).q("household__building__compound__division__path", EDITOR_ROLES))
