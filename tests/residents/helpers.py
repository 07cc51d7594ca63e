"""Residents' page test helpers: a small compound with households, people and cards."""

from __future__ import annotations

from consultations.residents import cards
from tests import factories as f


def make_households(compound, *, building_name="1栋", unit="1", n=4):
    from communities.models import Building

    building = Building.objects.filter(compound=compound, name=building_name).first()
    building = building or f.BuildingFactory(compound=compound, name=building_name)
    return [
        f.HouseholdFactory(building=building, unit=unit, floor=i + 1, room=f"{i + 1}01") for i in range(n)
    ]


def card_codes(households, user=None) -> dict[int, str]:
    """{household_id: code} (issues cards)."""
    return {c.household_id: c.code for c in cards.issue_cards([h.pk for h in households], user)}
