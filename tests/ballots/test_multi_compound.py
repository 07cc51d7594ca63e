"""A block project's ballot covers several compounds (DESIGN.md §3): `compound` is the primary one (it
scopes the ballot), `extra_compounds` the others; the electorate spans all of them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone, translation

from communities.errors import DomainError
from consultations.ballots.services import turnout
from tests.ballots.factories import make_ballot, make_households

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_electorate_spans_every_compound_of_the_ballot(world, street_user):
    make_households(world.compound_a, areas=[Decimal("50.00")] * 3)
    make_households(world.compound_b, areas=[Decimal("70.00")] * 2)  # also a "1栋"
    ballot = make_ballot(street_user, world.compound_a, extra_compounds=[world.compound_b])
    assert ballot.compound_ids() == [world.compound_a.pk, world.compound_b.pk]
    assert ballot.electorate_size == 5 and ballot.eligible_area == Decimal("290.00")
    names = sorted({e.building_name for e in ballot.electors.all()})
    # two compounds each with a 1栋: the building names carry the compound's, so turnout keeps them apart
    assert names == sorted([f"{world.compound_a.name} 1栋", f"{world.compound_b.name} 1栋"])
    assert len(turnout(ballot)["rows"]) == 2
    # a ballot of one compound is unchanged
    single = make_ballot(street_user, world.compound_a, title="单小区")
    assert single.electorate_size == 3 and {e.building_name for e in single.electors.all()} == {"1栋"}

    client = Client()
    client.force_login(street_user)
    page = client.get(ballot.get_absolute_url()).content.decode()
    assert world.compound_a.name in page and world.compound_b.name in page


def test_extra_compound_outside_the_users_scope_is_refused(world, secretary_a, api_as):
    make_households(world.compound_a)
    make_households(world.compound_b)
    with pytest.raises(PermissionDenied):
        make_ballot(secretary_a, world.compound_a, extra_compounds=[world.compound_b])
    now = timezone.now()
    body = {
        "kind": "renovation_consent",
        "title": "街区改造意愿",
        "compound": world.compound_a.pk,
        "extra_compounds": [world.compound_b.pk],
        "opens_at": now.isoformat(),
        "closes_at": (now + timedelta(days=3)).isoformat(),
    }
    response = api_as(secretary_a).post("/api/v1/ballots/", body, format="json")
    assert response.status_code == 400 and "extra_compounds" in response.json()["errors"]
    assert not world.compound_a.ballots.exists()


def test_project_must_cover_the_extra_compounds(world, street_user):
    from tests.projects.factories import ProjectFactory

    make_households(world.compound_a)
    make_households(world.compound_b)
    project = ProjectFactory(division=world.street_a, compounds=[world.compound_a])
    with pytest.raises(DomainError, match="does not cover") as exc:
        make_ballot(street_user, world.compound_a, project=project, extra_compounds=[world.compound_b])
    assert exc.value.field == "extra_compounds"
    project.compounds.add(world.compound_b)
    ballot = make_ballot(street_user, world.compound_a, project=project, extra_compounds=[world.compound_b])
    assert ballot.electorate_size == 8


def test_scope_units_in_the_extra_compound(world, street_user, api_as):
    make_households(world.compound_a)
    b_unit1 = make_households(world.compound_b, building_name="2栋", unit="1")
    b_unit2 = make_households(world.compound_b, building_name="3栋", unit="2")
    building = b_unit1[0].building
    ballot = make_ballot(
        street_user,
        world.compound_a,
        extra_compounds=[world.compound_b],
        scope_units=[{"building": building.pk, "unit": "1"}],
    )
    assert sorted(h for e in ballot.electors.all() for h in e.household_ids) == sorted(h.pk for h in b_unit1)
    # without the extra compound, that unit is not the ballot's
    with pytest.raises(DomainError, match="not in this compound"):
        make_ballot(street_user, world.compound_a, scope_units=[{"building": building.pk, "unit": "1"}])

    now = timezone.now()
    body = {
        "kind": "renovation_consent",
        "title": "加装电梯以外的单元表决",
        "compound": world.compound_a.pk,
        "extra_compounds": [world.compound_b.pk],
        "scope_units": [{"building": b_unit2[0].building_id, "unit": "2"}],
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(days=3)).isoformat(),
    }
    client = api_as(street_user)
    response = client.post("/api/v1/ballots/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["extra_compounds"] == [world.compound_b.pk]
    yes_ids = [o["id"] for o in data["options"] if o["counts_as_yes"]]
    opened = client.post(f"/api/v1/ballots/{data['id']}/open/", {"yes_options": yes_ids}, format="json")
    assert opened.json()["electorate_size"] == 4


def test_secretary_of_an_extra_compound_sees_the_ballot_but_cannot_edit_it(
    world, street_user, secretary_b, api_as, django_assert_max_num_queries
):
    from consultations.ballots.models import Ballot, Elector

    make_households(world.compound_a, areas=[Decimal("50.00")] * 2)
    make_households(world.compound_b, areas=[Decimal("70.00")] * 2)
    block = make_ballot(street_user, world.compound_a, extra_compounds=[world.compound_b])
    only_a = make_ballot(street_user, world.compound_a, title="只在竹岭")
    visible = set(Ballot.objects.for_user(secretary_b).values_list("pk", flat=True))
    assert block.pk in visible and only_a.pk not in visible
    assert Elector.objects.for_user(secretary_b).filter(ballot=block).count() == 4
    assert not Ballot.objects.editable_by(secretary_b).filter(pk=block.pk).exists()
    api = api_as(secretary_b)
    with django_assert_max_num_queries(12):
        ids = [row["id"] for row in api.get("/api/v1/ballots/").json()["results"]]
    assert ids == [block.pk]
    assert api.get(f"/api/v1/ballots/{only_a.pk}/").status_code == 404
