"""Counting choices are explained where they are made: the electorate check before opening lists parts
with no area, parts with no owner, owners counted together and owners in more than one owner set; missing
areas block an owners' decision until fixed or accepted with a recorded reason; the result and the
notice carry a note of each choice."""

from decimal import Decimal

import pytest

from communities.choices import OwnershipKind
from communities.errors import Conflict
from consultations.ballots import services
from consultations.models import Notice
from tests import factories as f
from tests.ballots.factories import make_ballot, make_households, vote_each, yes_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(world):
    """Eight parts: alice alone (101) and with bob (201) -- two owner sets; carol holds 301 and 401;
    dave and erin co-own 501; the developer holds 601 and 701 unsold; 801 has no owner and no area."""
    hs = make_households(world.compound_a, areas=[Decimal("80.00")] * 7 + [None])
    people = {
        name: f.PersonFactory(division=world.community_a, name=name)
        for name in ("alice", "bob", "carol", "dave", "erin")
    }
    developer = f.PersonFactory(
        division=world.community_a, name="开发商", is_organization=True, is_developer=True
    )
    f.OwnershipFactory(person=people["alice"], household=hs[0])
    f.OwnershipFactory(person=people["alice"], household=hs[1])
    f.OwnershipFactory(person=people["bob"], household=hs[1], kind=OwnershipKind.CO_OWNER)
    f.OwnershipFactory(person=people["carol"], household=hs[2])
    f.OwnershipFactory(person=people["carol"], household=hs[3])
    f.OwnershipFactory(person=people["dave"], household=hs[4])
    f.OwnershipFactory(person=people["erin"], household=hs[4], kind=OwnershipKind.CO_OWNER)
    f.OwnershipFactory(person=developer, household=hs[5])
    f.OwnershipFactory(person=developer, household=hs[6])
    return hs


def test_electorate_check_lists_every_counting_choice(world, street_user, registry):
    hs = registry
    ballot = make_ballot(street_user, world.compound_a, kind="owners_ordinary", opened=False)
    check = services.electorate_check(ballot)
    notes = {n.key: n for n in check.notes}
    assert set(notes) == {
        "missing_area",
        "no_owner",
        "several_parts",
        "co_owners",
        "developer",
        "several_owner_sets",
    }
    assert notes["missing_area"].blocking and notes["missing_area"].items == [hs[7].label]
    assert notes["no_owner"].items == [hs[7].label]
    assert len(notes["several_parts"].items) == 1 and "301" in notes["several_parts"].items[0]
    assert set(notes["co_owners"].items) == {hs[1].label, hs[4].label}
    assert "601" in notes["developer"].items[0] and "701" in notes["developer"].items[0]
    # alice is one owner set alone (101) and another with bob (201): two electors, said so
    assert len(notes["several_owner_sets"].items) == 1
    assert "101" in notes["several_owner_sets"].items[0] and "201" in notes["several_owner_sets"].items[0]
    assert len(check.electors) == 6  # 101 · 201 · 301+401 · 501 · 601+701 · 801


def test_household_ballots_are_not_blocked_by_missing_areas(world, street_user, registry):
    ballot = make_ballot(street_user, world.compound_a, opened=False)
    assert services.opening_refusal(ballot) is None
    services.open_ballot(ballot, street_user)


def test_missing_areas_block_an_owners_decision_until_accepted(client, api_as, world, street_user, registry):
    ballot = make_ballot(street_user, world.compound_a, kind="owners_ordinary", opened=False)
    reason = services.opening_refusal(ballot)
    assert reason and "801" in reason
    # the page shows it before trying, with the choice to accept with a reason
    client.force_login(street_user)
    page = client.get(f"/ballots/{ballot.pk}/open/").content.decode()
    assert 'id="counting-notes"' in page and "专有面积" in page and 'name="missing_area_reason"' in page
    assert "共有" in page and "开发" in page and "多个业主组合" in page
    client.post(f"/ballots/{ballot.pk}/open/", {"yes_option": yes_ids(ballot)})
    ballot.refresh_from_db()
    assert ballot.status == "draft"
    # the API answers 409 with the same sentence
    response = api_as(street_user).post(
        f"/api/v1/ballots/{ballot.pk}/open/", {"yes_options": yes_ids(ballot)}, format="json"
    )
    assert response.status_code == 409 and response.json()["detail"] == reason
    check = api_as(street_user).get(f"/api/v1/ballots/{ballot.pk}/opening-check/").json()
    assert reason in check["refusals"]
    assert {n["key"] for n in check["counting_notes"]} >= {"missing_area", "several_owner_sets"}
    with pytest.raises(Conflict):
        services.open_ballot(ballot, street_user)
    # accepted with a recorded reason, on the page
    response = client.post(
        f"/ballots/{ballot.pk}/open/",
        {"yes_option": yes_ids(ballot), "missing_area_reason": "801室面积待不动产登记中心核实，按0计"},
    )
    assert response.status_code == 302
    ballot.refresh_from_db()
    assert ballot.status == "open"
    assert ballot.missing_area_reason == "801室面积待不动产登记中心核实，按0计"
    assert ballot.missing_area_accepted_by == street_user and ballot.missing_area_accepted_at
    # the API: the notes in full on the ballot, their number only in a list
    api = api_as(street_user)
    detail = api.get(f"/api/v1/ballots/{ballot.pk}/").json()["counting_notes"]
    assert next(n for n in detail if n["key"] == "co_owners")["items"] == [
        registry[1].label,
        registry[4].label,
    ]
    listed = api.get("/api/v1/ballots/").json()["results"][0]["counting_notes"]
    assert next(n for n in listed if n["key"] == "co_owners") == {
        "key": "co_owners",
        "text": next(n for n in detail if n["key"] == "co_owners")["text"],
        "blocking": False,
        "count": 2,
    }
    # the result and the notice carry a note of each choice
    vote_each(ballot, street_user, ["同意"] * 6)
    services.close_ballot(ballot, street_user, reason="测试")
    ballot.refresh_from_db()
    keys = {n["key"] for n in ballot.result["counting_notes"]}
    assert keys == {
        "missing_area",
        "no_owner",
        "several_parts",
        "co_owners",
        "developer",
        "several_owner_sets",
    }
    body = Notice.objects.get(pk=ballot.result_notice_id).body
    assert "801室面积待不动产登记中心核实" in body
    assert "多个业主组合" in body and "共有" in body and "开发" in body
    html = client.get(f"/ballots/{ballot.pk}/").content.decode()
    assert "801室面积待不动产登记中心核实" in html


def test_fixing_the_area_lifts_the_block(world, street_user, registry):
    ballot = make_ballot(street_user, world.compound_a, kind="owners_ordinary", opened=False)
    assert services.opening_refusal(ballot)
    registry[7].exclusive_area = Decimal("66.00")
    registry[7].save()
    assert services.opening_refusal(ballot) is None
    services.open_ballot(ballot, street_user, confirmed_yes=yes_ids(ballot))


def test_beat_does_not_open_an_owners_decision_with_missing_areas(world, street_user, registry):
    from django.utils import timezone

    ballot = make_ballot(street_user, world.compound_a, kind="owners_ordinary", opened=False)
    assert services.open_and_close_due(timezone.now()) == {"opened": 0, "closed": 0}
    ballot.refresh_from_db()
    assert ballot.status == "draft"
