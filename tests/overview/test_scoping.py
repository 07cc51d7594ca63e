"""Every role opens the overview of the divisions in its scope and nothing else; the figures it reads
cover only that division's subtree (a street user never reads a number that includes another street)."""

import pytest

from supervision.overview import figures as F
from supervision.overview.live import live_figures
from tests import factories as f

ROLES = ["district_admin", "street_user", "secretary_a", "grid_worker_a", "viewer", "contractor", "superuser"]
# role -> the world's divisions it may open
VISIBLE = {
    "district_admin": {"district", "street_a", "street_b", "community_a", "community_b", "community_c"},
    "street_user": {"street_a", "community_a", "community_b"},
    "secretary_a": {"community_a"},
    "grid_worker_a": {"community_a"},
    "viewer": {"district", "street_a", "street_b", "community_a", "community_b", "community_c"},
    "contractor": set(),
    "superuser": {
        "province",
        "city",
        "district",
        "street_a",
        "street_b",
        "community_a",
        "community_b",
        "community_c",
    },
}
PLACES = ["province", "city", "district", "street_a", "street_b", "community_a", "community_b", "community_c"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_its_divisions_and_no_other(role, request, world, data, client, api_as, year):
    user = request.getfixturevalue(role)
    client.force_login(user)
    api = api_as(user)
    for name in PLACES:
        division = getattr(world, name)
        expected = 200 if name in VISIBLE[role] else 404
        page = client.get(f"/overview/{division.pk}/")
        assert page.status_code == expected, (role, name, "page")
        got = api.get(f"/api/v1/overview/?division={division.pk}&year={year}")
        assert got.status_code == expected, (role, name, "api")
        children = api.get(f"/api/v1/overview/children/?division={division.pk}&year={year}")
        assert children.status_code == expected, (role, name, "children")
        export = client.post(f"/overview/{division.pk}/export/", {"kind": "ledger"})
        assert export.status_code == (302 if expected == 200 else 404), (role, name, "export")
        if expected == 200:
            # every figure is the division's own: equal to a live count of its subtree
            live = live_figures(division, year)
            figures = got.json()["figures"]
            for key in F.KEYS:
                value = figures[key]
                assert (None if value is None else type(live[key])(value)) == live[key], (role, name, key)


def test_a_street_user_reads_only_their_street(world, data, street_user, api_as, year):
    api = api_as(street_user)
    own = api.get(f"/api/v1/overview/?division={world.street_a.pk}&year={year}").json()["figures"]
    other = live_figures(world.street_b, year)
    whole = live_figures(world.district, year)
    assert own["plan_households"] == live_figures(world.street_a, year)["plan_households"]
    assert own["plan_households"] < whole["plan_households"]
    assert other["plan_households"] > 0
    names = {
        r["place"]["name"]
        for r in api.get(f"/api/v1/overview/children/?division={world.street_a.pk}").json()["results"]
    }
    assert names == {world.community_a.name, world.community_b.name}


def test_landing_sends_a_user_to_their_division(world, street_user, contractor, superuser, client):
    client.force_login(street_user)
    response = client.get("/overview/")
    assert response.status_code == 302 and response["Location"] == f"/overview/{world.street_a.pk}/"
    client.force_login(contractor)
    assert client.get("/overview/").status_code == 404
    client.force_login(superuser)  # one province in this world: straight to it
    assert client.get("/overview/")["Location"] == f"/overview/{world.province.pk}/"
    two = f.UserFactory(username="two_streets")
    for street in (world.street_a, world.street_b):
        f.RoleAssignmentFactory(user=two, role="street_staff", division=street)
    client.force_login(two)
    page = client.get("/overview/")
    assert page.status_code == 200
    assert world.street_a.name in page.content.decode() and world.street_b.name in page.content.decode()


def test_the_menu_shows_the_overview_to_staff_only(world, street_user, contractor, client):
    client.force_login(street_user)
    assert 'href="/overview/"' in client.get("/").content.decode()
    client.force_login(contractor)
    assert 'href="/overview/"' not in client.get("/").content.decode()


def test_below_a_community_the_children_are_its_compounds(world, data, secretary_a, api_as, year):
    rows = (
        api_as(secretary_a)
        .get(f"/api/v1/overview/children/?division={world.community_a.pk}")
        .json()["results"]
    )
    assert {r["place"]["kind"] for r in rows} == {"compound"}
    assert world.compound_a.name in {r["place"]["name"] for r in rows}
    for r in rows:
        assert (
            r["figures"]["plan_households"]
            == live_figures(next(c for c in data["compounds"] if c.pk == r["place"]["id"]), year)[
                "plan_households"
            ]
        )
