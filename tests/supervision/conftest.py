from dataclasses import dataclass

import pytest

from projects.choices import PartyRole, ProjectStatus
from projects.models import Project
from tests import factories as f
from tests.projects import factories as pf


@dataclass
class Site:
    project: object
    work_item: object
    builder: object  # the contractor's construction party
    other_builder: object  # another construction party, with another contractor account
    supervisor_party: object
    households: list


@pytest.fixture
def other_contractor(world):
    from communities.choices import Role

    user = f.UserFactory(username="contractor_other")
    f.RoleAssignmentFactory(user=user, role=Role.CONTRACTOR, division=world.street_a, organization="九江路桥")
    return user


@pytest.fixture
def site(world, contractor, other_contractor) -> Site:
    """A street-A project on compound A under construction, its work item finished, three parties and
    six households (the electorate of a satisfaction survey)."""
    project = pf.ProjectFactory(
        name="民居巷血防站改造",
        division=world.street_a,
        compounds=[world.compound_a],
        planned_start="2024-03-01",
        planned_end="2024-10-31",
    )
    Project.objects.filter(pk=project.pk).update(status=ProjectStatus.UNDER_CONSTRUCTION)
    project.refresh_from_db()
    item = pf.WorkItemFactory(project=project, name="雨污分流", progress=100)
    builder = pf.ProjectPartyFactory(project=project, role=PartyRole.CONSTRUCTION, name="江西建工")
    builder.users.add(contractor)
    other = pf.ProjectPartyFactory(project=project, role=PartyRole.CONSTRUCTION, name="九江路桥")
    other.users.add(other_contractor)
    supervisor = pf.ProjectPartyFactory(project=project, role=PartyRole.SUPERVISION, name="华诚监理")
    building = f.BuildingFactory(compound=world.compound_a, name="1栋")
    households = [f.HouseholdFactory(building=building, room=f"{i + 1}01", floor=i + 1) for i in range(6)]
    return Site(project, item, builder, other, supervisor, households)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Where photos are stored: the private root (communities.files), a fresh one per test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_ROOT = str(tmp_path / "private")
    return tmp_path / "private"


@pytest.fixture(autouse=True)
def english_service_messages():
    """Service refusals are matched in English here; pages and the API still answer in Chinese
    (LocaleMiddleware activates the request's language)."""
    from django.utils import translation

    with translation.override("en"):
        yield
