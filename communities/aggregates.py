"""Aggregate queries over the registry's own tables, for the overview's live counts (and its tests and
benchmarks, which compare them with the rollups). Each takes an already filtered queryset."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .models import Building, Household, Ownership


def registry_figures(compounds: QuerySet) -> dict[str, int]:
    """Buildings, households (all / not vacant) and people on the households' rosters (one per
    person and household) of these compounds: three queries."""
    ids = compounds.values("pk")
    households = Household.objects.filter(building__compound__in=ids).aggregate(
        total=Count("pk"), nonvacant=Count("pk", filter=Q(is_vacant=False))
    )
    return {
        "plan_buildings": Building.objects.filter(compound__in=ids).count(),
        "plan_households": households["total"],
        "households_nonvacant": households["nonvacant"],
        "plan_residents": Ownership.objects.filter(household__building__compound__in=ids).count(),
    }
