"""Drafts: edited and deleted (page and API) through the services, refused once open; the elevator
ballot's occupied households are limited to its scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.errors import Conflict, DomainError
from consultations.ballots import services
from consultations.ballots.models import Ballot
from tests import factories as f
from tests.ballots.factories import make_ballot, make_households, option_form_data, yes

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(world, street_user):
    make_households(world.compound_a)
    return make_ballot(street_user, world.compound_a, opened=False, title="改造意愿征询")


@pytest.fixture
def elevator(world, street_user):
    unit1 = make_households(world.compound_a, building_name="3栋", unit="1")
    building = unit1[0].building
    unit2 = [f.HouseholdFactory(building=building, unit="2", room=f"{i}02", floor=i) for i in range(1, 4)]
    ballot = make_ballot(
        street_user,
        world.compound_a,
        kind="elevator_retrofit",
        opened=False,
        scope_units=[{"building": building.pk, "unit": "2"}],
    )
    return ballot, unit1, unit2


def _page_data(ballot, options=None, **overrides):
    current = [
        {"label": o.label, "counts_as_yes": o.counts_as_yes, "is_abstention": o.is_abstention}
        for o in ballot.options.all()
    ]
    data = {
        **option_form_data(options if options is not None else current),
        "kind": ballot.kind,
        "title": ballot.title,
        "question": ballot.question,
        "rule": ballot.rule,
        "opens_at": timezone.localtime(ballot.opens_at).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": timezone.localtime(ballot.closes_at).strftime("%Y-%m-%dT%H:%M"),
        "scope_units": [f"{u['building']}:{u['unit']}" for u in ballot.scope_units],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- service ----------------------------------------------------------------------------------------------


def test_service_edits_a_draft_and_keeps_the_copied_rule(draft, street_user):
    threshold = (draft.threshold_num, draft.threshold_den)
    closes = draft.closes_at + timedelta(days=3)
    services.update_draft_ballot(
        draft,
        street_user,
        title="新标题",
        question="是否同意改造？",
        options=[yes("同意"), "不同意"],
        closes_at=closes,
    )
    draft.refresh_from_db()
    assert (draft.title, draft.question, draft.closes_at) == ("新标题", "是否同意改造？", closes)
    assert [o.label for o in draft.options.all()] == ["同意", "不同意"]
    assert draft.options.get(label="同意").counts_as_yes
    assert (draft.threshold_num, draft.threshold_den) == threshold


def test_service_refuses_an_invalid_edit(draft, street_user):
    with pytest.raises(DomainError):
        services.update_draft_ballot(draft, street_user, closes_at=draft.opens_at - timedelta(hours=1))
    with pytest.raises(DomainError):
        services.update_draft_ballot(draft, street_user, secret=True, realtime_results=True)


def test_service_refuses_edit_and_delete_once_open(draft, street_user):
    services.open_ballot(draft, street_user)
    with pytest.raises(Conflict) as exc:
        services.update_draft_ballot(draft, street_user, title="改")
    assert "不能再修改" in exc.value.message
    with pytest.raises(Conflict):
        services.delete_draft_ballot(draft, street_user)
    assert Ballot.objects.filter(pk=draft.pk, title="改造意愿征询").exists()


def test_occupied_household_outside_scope_refused(elevator, street_user):
    ballot, unit1, unit2 = elevator
    with pytest.raises(DomainError) as exc:
        services.update_draft_ballot(ballot, street_user, occupied_households=[unit1[0]])
    assert exc.value.field == "occupied_households" and unit1[0].label in exc.value.message
    services.update_draft_ballot(ballot, street_user, occupied_households=[unit2[0]])
    assert list(ballot.occupied_households.all()) == [unit2[0]]
    # moving the scope away from a ticked household is refused too
    with pytest.raises(DomainError):
        services.update_draft_ballot(
            ballot, street_user, scope_units=[{"building": unit1[0].building_id, "unit": "1"}]
        )
    # and at creation
    with pytest.raises(DomainError):
        make_ballot(
            street_user,
            ballot.compound,
            kind="elevator_retrofit",
            opened=False,
            scope_units=[{"building": unit1[0].building_id, "unit": "2"}],
            occupied_households=[unit1[0]],
        )


# --- pages ------------------------------------------------------------------------------------------------


def test_edit_draft_through_the_page(client, draft, street_user):
    client.force_login(street_user)
    detail = client.get(f"/ballots/{draft.pk}/").content.decode()
    assert "修改草稿" in detail and "删除草稿" in detail
    page = client.get(f"/ballots/{draft.pk}/edit/")
    assert page.status_code == 200 and "改造意愿征询" in page.content.decode()
    response = client.post(
        f"/ballots/{draft.pk}/edit/",
        _page_data(draft, title="楼道改造意愿", options=[yes("同意"), "不同意"], secret="on"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.title == "楼道改造意愿" and draft.secret
    assert [o.label for o in draft.options.all()] == ["同意", "不同意"]


def test_edit_page_refused_once_open(client, draft, street_user):
    services.open_ballot(draft, street_user)
    client.force_login(street_user)
    response = client.post(f"/ballots/{draft.pk}/edit/", _page_data(draft, title="改"), follow=True)
    assert "不能再修改" in response.content.decode()
    draft.refresh_from_db()
    assert draft.title == "改造意愿征询"
    assert "修改草稿" not in client.get(f"/ballots/{draft.pk}/").content.decode()


def test_edit_and_delete_scoped(client, draft, secretary_b, viewer):
    client.force_login(secretary_b)
    assert client.get(f"/ballots/{draft.pk}/edit/").status_code == 404
    assert client.post(f"/ballots/{draft.pk}/delete/").status_code == 404
    client.force_login(viewer)
    assert client.get(f"/ballots/{draft.pk}/edit/").status_code == 403
    assert client.post(f"/ballots/{draft.pk}/delete/").status_code == 403
    assert Ballot.objects.filter(pk=draft.pk).exists()


def test_delete_draft_through_the_page(client, draft, street_user):
    client.force_login(street_user)
    response = client.post(f"/ballots/{draft.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/ballots/"
    assert not Ballot.objects.filter(pk=draft.pk).exists()


def test_delete_page_refused_once_open(client, draft, street_user):
    services.open_ballot(draft, street_user)
    client.force_login(street_user)
    response = client.post(f"/ballots/{draft.pk}/delete/", follow=True)
    assert "不能删除" in response.content.decode()
    assert Ballot.objects.filter(pk=draft.pk).exists()


def test_elevator_form_lists_only_households_in_scope(client, elevator, street_user):
    ballot, unit1, unit2 = elevator
    client.force_login(street_user)
    assert (
        "occupied_households"
        not in client.get(f"/ballots/new/?compound={ballot.compound_id}").content.decode()
    )
    html = client.get(f"/ballots/{ballot.pk}/edit/").content.decode()
    offered = {int(v) for v in _checkbox_values(html, "occupied_households")}
    assert offered == {h.pk for h in unit2}
    # a household of another unit (a stale or forged tick) is refused with its name
    response = client.post(
        f"/ballots/{ballot.pk}/edit/", _page_data(ballot, occupied_households=[unit1[0].pk])
    )
    assert response.status_code == 200
    assert "不在本次表决范围内" in response.content.decode()
    assert not ballot.occupied_households.exists()
    response = client.post(
        f"/ballots/{ballot.pk}/edit/", _page_data(ballot, occupied_households=[unit2[1].pk])
    )
    assert response.status_code == 302
    assert list(ballot.occupied_households.all()) == [unit2[1]]


def _checkbox_values(html, name):
    import re

    return re.findall(rf'name="{name}" value="(\d+)"', html)


# --- API --------------------------------------------------------------------------------------------------


def test_api_patch_draft(api_as, draft, street_user):
    response = api_as(street_user).patch(
        f"/api/v1/ballots/{draft.pk}/",
        {"title": "API 改的标题", "options": [{"label": "赞成", "counts_as_yes": True}, "反对"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["title"] == "API 改的标题"
    assert [o["label"] for o in data["options"]] == ["赞成", "反对"]


def test_api_patch_refused_once_open_and_scoped(api_as, draft, street_user, viewer, secretary_b):
    url = f"/api/v1/ballots/{draft.pk}/"
    assert api_as(secretary_b).patch(url, {"title": "x"}, format="json").status_code == 404
    assert api_as(viewer).patch(url, {"title": "x"}, format="json").status_code == 403
    assert api_as(viewer).delete(url).status_code == 403
    services.open_ballot(draft, street_user)
    response = api_as(street_user).patch(f"/api/v1/ballots/{draft.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 409
    assert Ballot.objects.get(pk=draft.pk).title == "改造意愿征询"


def test_api_patch_occupied_outside_scope_refused(api_as, elevator, street_user):
    ballot, unit1, _unit2 = elevator
    response = api_as(street_user).patch(
        f"/api/v1/ballots/{ballot.pk}/", {"occupied_households": [unit1[0].pk]}, format="json"
    )
    assert response.status_code == 400
    assert "occupied_households" in str(response.json())


def test_api_delete_draft_and_refused_once_open(api_as, world, draft, street_user):
    other = make_ballot(street_user, world.compound_a, opened=True, title="已开始")
    assert api_as(street_user).delete(f"/api/v1/ballots/{other.pk}/").status_code == 409
    assert api_as(street_user).delete(f"/api/v1/ballots/{draft.pk}/").status_code == 204
    assert not Ballot.objects.filter(pk=draft.pk).exists()
    assert Ballot.objects.filter(pk=other.pk).exists()


def test_delete_asks_for_confirmation_first(client, draft, street_user):
    client.force_login(street_user)
    page = client.get(f"/ballots/{draft.pk}/delete/")
    assert page.status_code == 200 and "confirm-delete" in page.content.decode()
    draft.refresh_from_db()  # a GET deletes nothing
