"""The demo data passes its own gates (issue 10): every demo project's status is borne out by what
residents decided (consent, plan notice, 一征三议两公开, door-to-door visits, elevator ballots) and, once
accepted, by a complete panel and a satisfaction survey that passed. Run on a small world with the seed
names the demos look up (the full demo is the same code at a larger scale)."""

import io

import pytest

from communities.choices import Role
from projects.models import Project
from projects.services import reached_gate_gaps
from supervision.services import acceptance_gaps
from tests import factories as f


@pytest.mark.django_db
def test_demo_projects_pass_their_own_gates(world, contractor):
    from consultations import demo as consultations_demo
    from consultations.ballots import demo as ballots_demo
    from projects import demo as projects_demo
    from supervision import demo as supervision_demo

    street = f.UserFactory(username="street")
    f.RoleAssignmentFactory(user=street, role=Role.STREET_STAFF, division=world.street_a)
    f.UserFactory(username="admin", is_superuser=True)
    accepted = f.CompoundFactory(division=world.community_a, name=supervision_demo.ACCEPTED_COMPOUND)
    for compound in (world.compound_a, world.compound_b, accepted):
        building = f.BuildingFactory(compound=compound, name="1栋")
        for i in range(18):
            f.HouseholdFactory(building=building, unit=str(1 + i % 2), floor=1 + i // 2, room=f"{i + 1:02d}")
    out = io.StringIO()
    for demo in (projects_demo, consultations_demo, ballots_demo, supervision_demo):
        demo.load(out)
    projects = list(Project.objects.order_by("pk"))
    assert {p.status for p in projects} >= {"under_construction", "maintenance"}
    assert any(w.is_elevator_retrofit for p in projects for w in p.work_items.all())
    for project in projects:
        assert [i.missing for i in reached_gate_gaps(project)] == [], project.name
        assert acceptance_gaps(project) == [], project.name
    # a second run changes nothing
    counts = [p.ballots.count() for p in projects]
    for demo in (projects_demo, consultations_demo, ballots_demo, supervision_demo):
        demo.load(io.StringIO())
    assert [p.ballots.count() for p in projects] == counts
