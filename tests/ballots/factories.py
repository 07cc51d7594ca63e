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


def yes(label: str) -> dict:
    """An option that counts as yes, said explicitly (as the creator does on the page or the API)."""
    return {"label": label, "counts_as_yes": True}


def abstain(label: str = "弃权") -> dict:
    return {"label": label, "is_abstention": True}


def option_form_data(options, prefix: str = "opt") -> dict:
    """The options formset of the ballot form, as a browser posts it."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(options)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, item in enumerate(options):
        item = {"label": item} if isinstance(item, str) else item
        data[f"{prefix}-{i}-label"] = item["label"]
        if item.get("counts_as_yes"):
            data[f"{prefix}-{i}-counts_as_yes"] = "on"
        if item.get("is_abstention"):
            data[f"{prefix}-{i}-is_abstention"] = "on"
    return data


def yes_ids(ballot) -> list[int]:
    return list(ballot.options.filter(counts_as_yes=True).values_list("pk", flat=True))


def vote_each(ballot, user, labels) -> None:
    """Staff enter one paper vote per elector (natural order), labels[i] for the i-th (None: no vote)."""
    options = {o.label: o for o in ballot.options.all()}
    for i, (elector, label) in enumerate(zip(ballot.electors.natural_order(), labels, strict=False)):
        if label is not None:
            services.record_staff_vote(
                user=user, elector=elector, option=options[label], paper_serial=f"T{ballot.pk}-{i}"
            )
