"""The header search (issue 13): scoped per role, masked digits only, households by room, grouped."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations.ballots.models import Vote
from supervision.workday import search
from tests import factories as f
from tests.ballots.factories import make_ballot, make_households, vote_each
from tests.consultations.factories import OpinionFactory, VisitFactory, assign, branch_for, member

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def homes(world):
    a = f.BuildingFactory(compound=world.compound_a, name="3栋")
    a13 = f.BuildingFactory(compound=world.compound_a, name="13栋")
    b = f.BuildingFactory(compound=world.compound_b, name="3栋")
    return {
        "a301": f.HouseholdFactory(building=a, unit="2", room="301", floor=3),
        "a302": f.HouseholdFactory(building=a, unit="2", room="302", floor=3),
        "a13": f.HouseholdFactory(building=a13, unit="2", room="301", floor=3),
        "b301": f.HouseholdFactory(building=b, unit="2", room="301", floor=3),
    }


def _kinds(user, q):
    return {g.kind: [h.title for h in g.hits] for g in search.search(user, q)}


@pytest.mark.parametrize("q", ["3栋2单元301", "3-2-301", "3号楼2单元301室", "3/2/301"])
def test_household_by_building_unit_room(world, homes, secretary_a, q):
    found = _kinds(secretary_a, q)["households"]
    assert found == [f"{world.compound_a.name} 3栋 2单元 301"]


def test_room_alone_and_scope(world, homes, secretary_a, secretary_b):
    assert len(_kinds(secretary_a, "301")["households"]) == 2  # 3栋 and 13栋 in A; B's is not hers
    assert len(_kinds(secretary_b, "301")["households"]) == 1


def test_address_finds_the_compound_and_its_households(world, homes, secretary_a):
    world.compound_a.address = "武宁县新宁镇民居巷8号"
    world.compound_a.save()
    kinds = _kinds(secretary_a, "民居巷8号")
    assert kinds["compounds"] == [world.compound_a.name]
    assert len(kinds["households"]) == 3


def test_people_masked_roles_match_only_the_digits_they_see(world, grid_worker_a, district_admin, settings):
    settings.UNMASKED_ROLES = ["district_admin"]
    f.PersonFactory(name="张建国", phone="13812345678", division=world.community_a)
    assert _kinds(grid_worker_a, "5678")["people"] == ["张建国"]
    assert "people" not in _kinds(grid_worker_a, "45678")  # more than the 4 digits shown
    assert "people" not in _kinds(grid_worker_a, "1381234")
    assert _kinds(district_admin, "45678")["people"] == ["张建国"]
    body = _client(grid_worker_a).get(reverse("search"), {"q": "张建国"}).content.decode()
    assert "138****5678" in body and "13812345678" not in body


def test_contractor_finds_no_residents(world, homes, contractor):
    f.PersonFactory(name="张建国", phone="13812345678", division=world.community_a)
    OpinionFactory(compound=world.compound_a, content="张建国反映停车难")
    kinds = _kinds(contractor, "张建国")
    assert not ({"people", "households", "opinions", "ballots"} & kinds.keys())


def test_projects_ballots_opinions(world, secretary_a, secretary_b):
    make_households(world.compound_a)
    make_ballot(secretary_a, world.compound_a, title="加装电梯表决")
    OpinionFactory(compound=world.compound_a, content="希望加装电梯")
    OpinionFactory(compound=world.compound_c, content="希望加装电梯")
    kinds = _kinds(secretary_a, "电梯")
    assert kinds["ballots"] == ["加装电梯表决"] and len(kinds["opinions"]) == 1
    assert _kinds(secretary_b, "电梯") == {}


def test_page_is_grouped_keyboard_links_and_constant_queries(world, homes, secretary_a):
    client = _client(secretary_a)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("search"), {"q": "301"})
    for i in range(30):
        f.HouseholdFactory(building=homes["a301"].building, unit="1", room=f"3{i:02d}1")
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("search"), {"q": "301"})
    assert len(few) == len(many)
    body = page.content.decode()
    assert 'id="search-households"' in body and 'role="search"' in body
    assert 'id="header-search"' in body  # the box in every page's header


def test_empty_and_too_long(world, secretary_a):
    client = _client(secretary_a)
    assert client.get(reverse("search")).status_code == 200
    assert client.get(reverse("search"), {"q": "x" * 60}).status_code == 200
    assert search.search(secretary_a, "x" * 60) == []


def test_household_page_shows_everything_but_secret_choices(world, secretary_a, grid_worker_a):
    homes = make_households(world.compound_a)
    h = homes[0]
    grid_worker_a.first_name = "李网格"
    grid_worker_a.save()
    branch = branch_for(world.compound_a)
    assign(branch, h, member(branch, user=grid_worker_a, name="李党员"))
    VisitFactory(household=h, visitor=grid_worker_a, notes="老人在家")
    OpinionFactory(compound=world.compound_a, household=h, content="楼道灯不亮")
    secret = make_ballot(secretary_a, world.compound_a, title="秘密表决", secret=True)
    vote_each(secret, secretary_a, ["同意"] + [None] * 3)
    assert Vote.objects.filter(ballot=secret).count() == 1
    body = _client(secretary_a).get(h.get_absolute_url()).content.decode()
    for text in ("李党员", "老人在家", "李网格", "楼道灯不亮", "秘密表决"):
        assert text in body, text
    assert 'id="panel-votes"' in body
    panel = body.split('id="panel-votes"')[1].split("</section>")[0]
    assert "同意" not in panel
    assert "grid_a" not in body  # the visitor's name, not the username
    assert User.objects.get(pk=grid_worker_a.pk).display_name == "李网格"


def test_unmasked_roles_see_masked_numbers_in_search_hits_too(world, district_admin, settings):
    """A full number is shown only through the person page's reveal (with a reason, logged); the header
    search lists hits, so even a role that may reveal numbers sees them masked there."""
    settings.UNMASKED_ROLES = ["district_admin"]
    f.PersonFactory(name="张建国", phone="13812345678", division=world.community_a)
    body = _client(district_admin).get(reverse("search"), {"q": "45678"}).content.decode()
    assert "张建国" in body
    assert "138****5678" in body and "13812345678" not in body
