"""Reads: every model a user can reach is scoped here, through communities.scoping."""

from __future__ import annotations

from django.db import models
from django.db.models import Count, F, Func, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Cast, Coalesce, Collate, Reverse, Upper

from .choices import EDITOR_ROLES, RESIDENT_DATA_ROLES
from .scoping import get_scope


def count_of(qs) -> Coalesce:
    """COUNT(*) of a correlated queryset (`OuterRef`) as an annotation: evaluated for the rows fetched
    only, where `Count("relation")` groups the whole list before its page is cut."""
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
            building_count=count_of(Building.objects.filter(compound=OuterRef("pk"))),
            household_count=count_of(Household.objects.filter(building__compound=OuterRef("pk"))),
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


# Fewer characters than this match the start of a name (a surname, a two-character name); this many or
# more match anywhere in it (a trigram index serves those; a trigram needs three characters).
ANYWHERE_FROM = 3
# The start of a name as `istartswith` compares it (upper-cased), in the "C" collation: byte order, in
# which "starts with 王" is one range of the person_name_key index (migration 0010) whatever the
# database's own collation, and which gives the rows in order with it (no walk of every name).
NAME_KEY = Collate(Upper("name"), "C")


def is_short(q: str) -> bool:
    return 0 < len((q or "").strip()) < ANYWHERE_FROM


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
        qs = self
        if is_short(q):
            # one or two characters: the start of the name (a surname, a two-character name), one range
            # of person_name_key; "anywhere" would read every name (a trigram needs three characters)
            qs = qs.with_name_key()
            match = Q(name_key__startswith=Upper(Value(q)))
        else:
            # three characters or more: anywhere in the name (the person_name_trgm index)
            match = Q(name__icontains=q)
        if q.isdigit() and (len(q) <= 4 or get_scope(user).sees_unmasked):
            # the last digits are a prefix of the reversed number: one range of the person_phone_suffix
            # index (migration 0006) instead of reading every phone
            qs = qs.alias(phone_reversed=Reverse(Cast("phone", TextField())))
            match |= Q(phone_reversed__startswith=q[::-1])
        return qs.filter(match)

    def with_name_key(self) -> PersonQuerySet:
        return self if "name_key" in self.query.annotations else self.annotate(name_key=NAME_KEY)

    def by_name(self, q: str = "") -> PersonQuerySet:
        """In name order; for a short query (`matching` reads the start of names) in the order of
        person_name_key, so that the first page is the first rows of one index range (at province
        scale the name order walked every name before the 王 to find 50 of them: 0.3-1.4 s)."""
        if is_short(q):
            return self.with_name_key().order_by("name_key", "pk")
        return self.order_by("name", "pk")


class OwnershipQuerySet(models.QuerySet):
    def for_user(self, user) -> OwnershipQuerySet:
        return self.filter(
            get_scope(user).q("household__building__compound__division__path", RESIDENT_DATA_ROLES)
        )

    def editable_by(self, user) -> OwnershipQuerySet:
        return self.filter(get_scope(user).q("household__building__compound__division__path", EDITOR_ROLES))
