import pytest

from projects.choices import PartyRole
from tests import factories as f

from . import factories as pf


@pytest.fixture
def project_a(world, contractor):
    """A street-A project on compound A (community A), with the contractor acting for its builder."""
    project = pf.ProjectFactory(
        name="民居巷血防站改造", division=world.street_a, compounds=[world.compound_a]
    )
    party = pf.ProjectPartyFactory(project=project, role=PartyRole.CONSTRUCTION)
    party.users.add(contractor)
    return project


@pytest.fixture
def project_b(world):
    """A project in community B that the contractor does not work on."""
    return pf.ProjectFactory(
        name="老城建宿舍楼改造", division=world.community_b, compounds=[world.compound_b]
    )


@pytest.fixture
def project_c(world):
    """A project in street B (outside street A's scope)."""
    return pf.ProjectFactory(name="宋溪小区改造", division=world.street_b, compounds=[world.compound_c])


@pytest.fixture
def buildings_a(world):
    """Two buildings of compound A: 1栋 (units 1 and 2, 4 households each), 2栋 (unit 1, 3 households)."""
    b1 = f.BuildingFactory(compound=world.compound_a, name="1栋")
    b2 = f.BuildingFactory(compound=world.compound_a, name="2栋")
    households = []
    for unit in ("1", "2"):
        for i in range(4):
            households.append(f.HouseholdFactory(building=b1, unit=unit, floor=i + 1, room=f"{i + 1}0{unit}"))
    for i in range(3):
        households.append(f.HouseholdFactory(building=b2, unit="1", floor=i + 1, room=f"{i + 1}01"))
    return b1, b2, households
