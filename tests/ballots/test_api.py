"""The API: scoping per role, actions, staff vote entry, the public vote endpoint, query counts."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from consultations.ballots import services
from consultations.ballots.models import Vote
from tests.ballots.factories import codes_for, make_ballot, make_households, option

pytestmark = pytest.mark.django_db


@pytest.fixture
def ballot(world, street_user):
    make_households(world.compound_a)
    return make_ballot(street_user, world.compound_a)


@pytest.mark.parametrize(
    "who,status",
    [
        ("district_admin", 200),
        ("street_user", 200),
        ("secretary_a", 200),
        ("grid_worker_a", 200),
        ("viewer", 200),
        ("secretary_b", 404),
        ("contractor", 404),
    ],
)
def test_ballot_detail_scoped_by_role(request, api_as, ballot, who, status):
    user = request.getfixturevalue(who)
    assert api_as(user).get(f"/api/v1/ballots/{ballot.pk}/").status_code == status
    assert api_as(user).get(f"/api/v1/electors/?ballot={ballot.pk}").json()["count"] == (
        4 if status == 200 else 0
    )


def test_anonymous_gets_401(api_as, ballot):
    assert api_as(None).get("/api/v1/ballots/").status_code == 401


def test_create_open_close_tally_through_api(api_as, world, street_user):
    make_households(world.compound_a)
    client = api_as(street_user)
    now = timezone.now()
    body = {
        "kind": "renovation_consent",
        "title": "改造意愿征询",
        "compound": world.compound_a.pk,
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(days=3)).isoformat(),
        "realtime_results": False,
    }
    response = client.post("/api/v1/ballots/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert [o["label"] for o in data["options"]] == ["同意", "不同意", "弃权"]
    assert (data["threshold_num"], data["threshold_den"]) == (95, 100)
    pk = data["id"]
    yes_ids = [o["id"] for o in data["options"] if o["counts_as_yes"]]
    opened = client.post(f"/api/v1/ballots/{pk}/open/", {"yes_options": yes_ids}, format="json")
    assert opened.json()["electorate_size"] == 4
    assert client.get(f"/api/v1/ballots/{pk}/tally/").status_code == 400  # hidden until close
    codes = client.post(f"/api/v1/ballots/{pk}/issue-codes/", {}, format="json").json()["codes"]
    assert len(codes) == 4
    yes = data["options"][0]["id"]
    public = api_as(None)
    for c in codes[:3]:
        assert (
            public.post("/api/v1/vote/", {"code": c["code"], "option": yes}, format="json").status_code == 201
        )
    again = public.post("/api/v1/vote/", {"code": codes[0]["code"], "option": yes}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_voted"
    turnout = client.get(f"/api/v1/ballots/{pk}/turnout/").json()
    assert turnout["total"]["voted"] == 3
    assert client.post(f"/api/v1/ballots/{pk}/close/", {"reason": ""}, format="json").status_code == 400
    closed = client.post(f"/api/v1/ballots/{pk}/close/", {"reason": "提前统计"}, format="json").json()
    assert closed["status"] == "closed" and closed["passed"] is False
    tally = client.get(f"/api/v1/ballots/{pk}/tally/").json()
    condition = tally["conditions"][0]
    assert (condition["numerator"], condition["denominator"], condition["passed"]) == ("3", "4", False)
    assert condition["required"] == "19/20" and condition["shortfall"] == "1"


def test_viewer_cannot_open_or_close(api_as, world, street_user, viewer):
    make_households(world.compound_a)
    draft = make_ballot(street_user, world.compound_a, opened=False)
    assert api_as(viewer).post(f"/api/v1/ballots/{draft.pk}/open/", {"yes_options": []}).status_code == 403


def test_votes_list_hides_choices_until_close(api_as, ballot, street_user):
    codes = codes_for(ballot, street_user)
    api_as(None).post(
        "/api/v1/vote/",
        {"code": next(iter(codes.values())), "option": option(ballot, "同意").pk},
        format="json",
    )
    rows = api_as(street_user).get(f"/api/v1/votes/?ballot={ballot.pk}").json()["results"]
    assert len(rows) == 1 and rows[0]["option"] is None


def test_staff_paper_vote_via_api_idempotent(api_as, ballot, grid_worker_a, secretary_b):
    elector = ballot.electors.first()
    body = {"elector": elector.pk, "option": option(ballot, "同意").pk, "paper_serial": "纸-001"}
    client = api_as(grid_worker_a)
    first = client.post("/api/v1/votes/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201, first.json()
    retry = client.post("/api/v1/votes/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert retry.status_code == 201 and retry.json()["id"] == first.json()["id"]
    second = client.post("/api/v1/votes/", {**body, "paper_serial": "纸-002"}, format="json")
    assert second.status_code == 409
    assert api_as(secretary_b).post("/api/v1/votes/", body, format="json").status_code == 404
    assert Vote.objects.count() == 1


def test_public_vote_throttles_wrong_codes(api_as, ballot):
    cache.clear()
    public = api_as(None)
    yes = option(ballot, "同意").pk
    statuses = [
        public.post(  # from an address of its own (other tests vote from 127.0.0.1)
            "/api/v1/vote/",
            {"code": f"WRONG{i:03d}", "option": yes},
            format="json",
            REMOTE_ADDR="198.51.100.12",
        ).status_code
        for i in range(12)
    ]
    # the same prefix ("WRON"): a pause for that address and prefix after per_prefix wrong codes
    assert statuses[:4] == [400] * 4 and set(statuses[4:]) == {429}


def test_rule_policies_district_admin_only(api_as, world, district_admin, street_user):
    body = {
        "division": world.district.pk,
        "name": "武宁县表决规则",
        "effective_from": "2024-01-01",
        "consent_threshold_num": 90,
    }
    # (art. 278's floors: tests/ballots/test_policies.py)
    assert api_as(street_user).post("/api/v1/rule-policies/", body, format="json").status_code == 403
    response = api_as(district_admin).post("/api/v1/rule-policies/", body, format="json")
    assert response.status_code == 201, response.json()
    bad = api_as(district_admin).post(
        "/api/v1/rule-policies/",
        {**body, "effective_from": "2025-01-01", "consent_threshold_num": 101},
        format="json",
    )
    assert bad.status_code == 400
    # the street sees the policy of the district above it
    assert api_as(street_user).get("/api/v1/rule-policies/").json()["count"] == 1


def test_list_query_counts_are_constant(api_as, world, street_user, django_assert_max_num_queries):
    make_households(world.compound_a)
    for i in range(6):
        b = make_ballot(street_user, world.compound_a, title=f"表决{i}")
        for code in codes_for(b, street_user).values():  # votes too, or the votes list is empty
            services.cast_online_vote(code=code, option_id=b.options.first().pk)
    client = api_as(street_user)
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/ballots/").json()["count"] == 6
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/electors/").json()["count"] == 24
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/votes/").json()["count"] == 24
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/ballot-options/").json()["count"] == 18


def test_a_wrong_code_with_redis_down_is_refused_not_a_server_error(api_as, ballot, redis_down):
    """The wrong-code throttle counts in the cache; with Redis down (the cache ignores errors and answers
    None) a wrong code is still a 400 "invalid code", and a right one votes: no 500 on the ballot."""
    redis_down()
    public = api_as(None)
    yes = option(ballot, "同意").pk
    wrong = public.post("/api/v1/vote/", {"code": "WRONG001", "option": yes}, format="json")
    assert wrong.status_code == 400
