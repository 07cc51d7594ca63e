"""The demo ballots load through the services as users make them: their options carry explicit yes
flags, they open through the same checks, and they keep their results."""

import io
from decimal import Decimal

from communities.choices import DivisionLevel, Role
from consultations.ballots import demo
from consultations.ballots.models import Ballot
from tests import factories as f

AREA = Decimal("80.00")  # the demo's vote plans are shares of households; equal areas keep them by area too


def _compound(community, name, households, unit="1"):
    compound = f.CompoundFactory(division=community, name=name)
    building = f.BuildingFactory(compound=compound, name="1栋", unit_count=2)
    for i in range(households):
        f.HouseholdFactory(
            building=building, unit=unit, floor=1 + i // 4, room=f"{i + 1:03d}", exclusive_area=AREA
        )
    return compound


def test_demo_ballots_keep_their_results_with_explicit_yes_flags(world, db):
    district = f.DivisionFactory(name="惠济区", level=DivisionLevel.DISTRICT, parent=world.city)
    street = f.DivisionFactory(name="刘寨街道", level=DivisionLevel.STREET, parent=district)
    community = f.DivisionFactory(name="兴南社区", level=DivisionLevel.COMMUNITY, parent=street)
    _compound(community, "中华园小区", 60)
    _compound(community, "南阳路174号院", 40)
    _compound(community, "天秀家园", 30)
    building = f.BuildingFactory(compound=world.compound_a, name="1栋", unit_count=2)
    for i in range(6):
        f.HouseholdFactory(building=building, unit="2", floor=i + 1, room=f"{i + 1}02", exclusive_area=AREA)
    for username, role, division in (
        ("liuzhai_street", Role.STREET_STAFF, street),
        ("liuzhai_grid", Role.GRID_WORKER, community),
        ("street", Role.STREET_STAFF, world.street_a),
    ):
        user = f.UserFactory(username=username)
        f.RoleAssignmentFactory(user=user, role=role, division=division)
    out = io.StringIO()
    demo.load(out)
    demo.load(out)  # a second run changes nothing
    ballots = {b.kind: b for b in Ballot.objects.prefetch_related("options")}
    assert len(ballots) == 5, out.getvalue()
    for kind in ("renovation_consent", "owners_ordinary", "elevator_retrofit", "acceptance_satisfaction"):
        ballot = ballots[kind]
        assert ballot.status == "closed" and ballot.passed is True, (kind, ballot.result["explanation"])
        assert ballot.result["verdict"] == "passed"
        assert any(o.counts_as_yes for o in ballot.options.all())
        assert [o["counted_as_yes"] for o in ballot.result["options"]] == [
            o.counts_as_yes for o in ballot.options.all()
        ]
    plan = ballots["plan_choice"]
    assert plan.status == "open" and not any(o.counts_as_yes for o in plan.options.all())
    assert plan.options.get(label="弃权").is_abstention
