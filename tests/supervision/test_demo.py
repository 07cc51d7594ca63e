import io

from communities.choices import Role
from projects.choices import ProjectStatus
from projects.models import Project
from supervision import demo
from supervision.models import AcceptanceRound, Rectification, Reminder
from tests import factories as f


def test_demo_tells_both_stories_and_is_idempotent(world, contractor):
    street = f.UserFactory(username="street")
    f.RoleAssignmentFactory(user=street, role=Role.STREET_STAFF, division=world.street_a)
    accepted_compound = f.CompoundFactory(division=world.community_a, name=demo.ACCEPTED_COMPOUND)
    for compound in (accepted_compound, world.compound_b):
        building = f.BuildingFactory(compound=compound, name="1栋")
        for i in range(43):
            f.HouseholdFactory(building=building, unit=str(1 + i % 3), room=f"{i + 1:03d}")
    out = io.StringIO()
    demo.load(out)
    demo.load(out)  # a second run changes nothing
    accepted = Project.objects.get(compounds=accepted_compound)
    rounds = list(AcceptanceRound.objects.filter(project=accepted).order_by("number"))
    assert [(r.status, r.satisfied_count, r.valid_count) for r in rounds] == [
        ("failed", 37, 43),  # 86.0%
        ("passed", 40, 43),  # 93.0%
    ]
    accepted.refresh_from_db()
    assert accepted.status == ProjectStatus.MAINTENANCE
    building = Project.objects.get(compounds=world.compound_b)
    assert building.status == ProjectStatus.UNDER_CONSTRUCTION
    orders = Rectification.objects.filter(project=building)
    assert orders.count() == 3 and orders.overdue().count() == 2
    assert Reminder.objects.filter(rectification__project=building).count() == 2
    assert building.parties.filter(users=contractor).exists()
