"""Ballot test helpers: a small compound and ballots made through the services (the way users do)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from consultations.ballots import services
from tests import factories as f


def make_households(compound, *, building_name="1栋", unit="1", areas=(Decimal("80.00"),) * 4):
    building = f.BuildingFactory(compound=compound, name=building_name)
    return [
        f.HouseholdFactory(building=building, unit=unit, floor=i + 1, room=f"{i + 1}01", exclusive_area=area)
        for i, area in enumerate(areas)
    ]


def make_ballot(user, compound, *, kind="renovation_consent", opened=True, **kwargs):
    now = timezone.now()
    kwargs.setdefault("opens_at", now - timedelta(minutes=1))
    kwargs.setdefault("closes_at", now + timedelta(days=7))
    kwargs.setdefault("options", None)
    kwargs.setdefault("title", "测试表决")
    ballot = services.create_ballot(user=user, kind=kind, compound=compound, **kwargs)
    if opened:
        ballot = services.open_ballot(ballot, user)
    return ballot


def codes_for(ballot, user=None):
    """{elector_id: code} for every elector (issues codes)."""
    return {c.elector_id: c.code for c in services.issue_codes(ballot, user)}


def option(ballot, label):
    return ballot.options.get(label=label)
