"""Permission matrix for the registry API (pretix style): role x resource x method -> status.

Outside the caller's scope is a 404; visible but not editable is a 403; contractors see no residents;
writes pointing a foreign key outside the editing scope are a 400 and change nothing.
"""

import pytest

from communities import models
from tests.communities.api_world import make_places

RESOURCES = ["divisions", "compounds", "buildings", "households", "people", "ownerships"]
ROLES = [
    "anonymous",
    "district_admin",
    "street_user",
    "secretary_a",
    "secretary_b",
    "grid_worker_a",
    "contractor",
    "viewer",
]
ACTIONS = [
    "list",
    "retrieve_in",
    "retrieve_out",
    "create",
    "create_out_fk",
    "update_in",
    "update_out",
    "delete_in",
]
# (place in scope, place out of scope) per role
PLACES = {
    "anonymous": ("a", "x"),
    "district_admin": ("a", "x"),
    "street_user": ("a", "c"),
    "secretary_a": ("a", "b"),
    "secretary_b": ("b", "a"),
    "grid_worker_a": ("a", "b"),
    "contractor": ("a", "c"),
    "viewer": ("a", "x"),
}
EDITORS = {"district_admin", "street_user", "secretary_a", "secretary_b"}
RESIDENT_DATA = {"households", "people", "ownerships"}
MODELS = {
    "divisions": models.Division,
    "compounds": models.Compound,
    "buildings": models.Building,
    "households": models.Household,
    "people": models.Person,
    "ownerships": models.Ownership,
}

EDITOR = dict(
    list=200,
    retrieve_in=200,
    retrieve_out=404,
    create=201,
    create_out_fk=400,
    update_in=200,
    update_out=404,
    delete_in=204,
)
READER = dict(
    list=200,
    retrieve_in=200,
    retrieve_out=404,
    create=403,
    create_out_fk=403,
    update_in=403,
    update_out=404,
    delete_in=403,
)
BLIND = dict(  # the data exists but is not for this role at all
    list=200,
    retrieve_in=404,
    retrieve_out=404,
    create=403,
    create_out_fk=403,
    update_in=404,
    update_out=404,
    delete_in=404,
)


def expected(role: str, resource: str) -> dict[str, int]:
    if role == "anonymous":
        return dict.fromkeys(ACTIONS, 401)
    if role == "contractor" and resource in RESIDENT_DATA:
        return BLIND
    if role not in EDITORS:
        return READER
    if resource == "divisions":
        if role.startswith("secretary"):
            # nothing sits below a community, and one's own division is managed from above
            return {**EDITOR, "create": 400, "update_in": 403, "delete_in": 403}
        # the community still holds compounds and people: protected, a readable 409
        return {**EDITOR, "delete_in": 409}
    if resource in ("compounds", "buildings", "households", "people"):
        # only empty records can be deleted (communities.services.delete_*): these still hold
        # buildings / households / owners, so a readable 409 and nothing removed
        return {**EDITOR, "delete_in": 409}
    return EDITOR


def create_payload(resource: str, place) -> dict:
    return {
        "divisions": {"name": "新社区", "level": "community", "parent": place.division.parent_id},
        "compounds": {"division": place.division.pk, "name": "新建小区"},
        "buildings": {"compound": place.compound.pk, "name": "99栋"},
        "households": {"building": place.building.pk, "unit": "2", "floor": 3, "room": "9301"},
        "people": {"name": "新居民", "division": place.division.pk, "phone": "13912345678"},
        "ownerships": {"person": place.person.pk, "household": place.household2.pk, "kind": "tenant"},
    }[resource]


UPDATES = {
    "divisions": {"name": "改名社区"},
    "compounds": {"note": "改了"},
    "buildings": {"floor_count": 9},
    "households": {"note": "改了"},
    "people": {"note": "改了"},
    "ownerships": {"kind": "co_owner"},
}


def snapshot(obj) -> dict:
    obj.refresh_from_db()
    return {k: v for k, v in vars(obj).items() if not k.startswith("_")}


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(request, world, role, resource, api_as):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    places = make_places(world)
    inside, outside = (places[k] for k in PLACES[role])
    client = api_as(user)
    url = f"/api/v1/{resource}/"
    model = MODELS[resource]
    got: dict[str, int] = {}
    unchanged_problems = []

    response = client.get(url)
    got["list"] = response.status_code
    if response.status_code == 200 and role == "contractor" and resource in RESIDENT_DATA:
        assert response.json()["count"] == 0, "contractors see no residents"

    got["retrieve_in"] = client.get(f"{url}{inside.obj(resource).pk}/").status_code
    got["retrieve_out"] = client.get(f"{url}{outside.obj(resource).pk}/").status_code

    before = model.objects.count()
    response = client.post(url, create_payload(resource, inside), format="json")
    got["create"] = response.status_code
    if response.status_code >= 400:
        assert "detail" in response.json(), response.content
        if model.objects.count() != before:
            unchanged_problems.append("refused create changed the table")

    before = model.objects.count()
    response = client.post(url, create_payload(resource, outside), format="json")
    got["create_out_fk"] = response.status_code
    if model.objects.count() != before:
        unchanged_problems.append("create pointing outside the scope changed the table")

    target = inside.obj(resource)
    state = snapshot(target)
    response = client.patch(f"{url}{target.pk}/", UPDATES[resource], format="json")
    got["update_in"] = response.status_code
    if response.status_code >= 400 and snapshot(target) != state:
        unchanged_problems.append("refused update changed the row")

    target = outside.obj(resource)
    state = snapshot(target)
    got["update_out"] = client.patch(f"{url}{target.pk}/", UPDATES[resource], format="json").status_code
    if snapshot(target) != state:
        unchanged_problems.append("update outside the scope changed the row")

    target = inside.obj(resource)
    response = client.delete(f"{url}{target.pk}/")
    got["delete_in"] = response.status_code
    if response.status_code >= 400:
        assert response.json().get("detail"), response.content
        if not model.objects.filter(pk=target.pk).exists():
            unchanged_problems.append("refused delete removed the row")

    assert got == expected(role, resource)
    assert unchanged_problems == []


def test_delete_empty_division(world, street_user, api_as):
    from tests import factories as f

    empty = f.DivisionFactory(name="空社区", level="community", parent=world.street_a)
    assert api_as(street_user).delete(f"/api/v1/divisions/{empty.pk}/").status_code == 204
    assert not models.Division.objects.filter(pk=empty.pk).exists()


@pytest.mark.parametrize(
    "resource,field,attr",
    [
        ("compounds", "division", "division"),
        ("buildings", "compound", "compound"),
        ("households", "building", "building"),
        ("people", "division", "division"),
        ("ownerships", "household", "household"),
        ("divisions", "parent", None),
    ],
)
def test_moving_out_of_scope_is_refused(world, street_user, api_as, resource, field, attr):
    """An editor cannot move a record under a parent outside their editing scope."""
    places = make_places(world)
    inside, outside = places["a"], places["c"]
    target = inside.obj(resource)
    if resource == "divisions":
        target, new_parent = inside.division, outside.division.parent  # community under street B
    elif resource == "ownerships":
        new_parent = outside.household2
    else:
        new_parent = getattr(outside, attr) if attr != "division" else outside.division
    state = snapshot(target)
    response = api_as(street_user).patch(
        f"/api/v1/{resource}/{target.pk}/", {field: new_parent.pk}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert response.json()["detail"]
    assert snapshot(target) == state
