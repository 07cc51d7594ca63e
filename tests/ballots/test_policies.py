"""Rule policies: art. 278's numbers are floors a policy may raise but never lower (page, API, database);
consent and satisfaction thresholds lie in (0, 1]; the policy page says which policy a new ballot will
use and why, before it is created."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from consultations.ballots import services
from consultations.ballots.models import RulePolicy
from tests.ballots.factories import make_ballot, make_households, yes

pytestmark = pytest.mark.django_db


def _body(world, **numbers):
    return {
        "division": world.district.pk,
        "name": "武宁县表决规则",
        "effective_from": "2025-01-01",
        **numbers,
    }


# --- floors ---------------------------------------------------------------------------------------------


def test_api_refuses_a_policy_below_art_278(api_as, world, district_admin):
    """Issue 9: a district admin could post participation 1/2 and major pass 1/2 (201)."""
    client = api_as(district_admin)
    response = client.post(
        "/api/v1/rule-policies/",
        _body(world, participation_num=1, participation_den=2, major_pass_num=1, major_pass_den=2),
        format="json",
    )
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert "participation_num" in errors and "major_pass_num" in errors
    assert "2/3" in str(errors["participation_num"]) and "3/4" in str(errors["major_pass_num"])
    assert not RulePolicy.objects.exists()


@pytest.mark.parametrize(
    "numbers,field",
    [
        ({"participation_num": 65, "participation_den": 100}, "participation_num"),
        ({"ordinary_pass_num": 49, "ordinary_pass_den": 100}, "ordinary_pass_num"),
        ({"ordinary_pass_num": 1, "ordinary_pass_den": 1}, "ordinary_pass_num"),  # "more than all": never
        ({"major_pass_num": 74, "major_pass_den": 100}, "major_pass_num"),
        ({"consent_threshold_num": 0}, "consent_threshold_num"),
        ({"satisfaction_threshold_num": 0}, "satisfaction_threshold_num"),
        ({"choice_threshold_num": 0}, "choice_threshold_num"),
        ({"satisfaction_participation_num": 0}, "satisfaction_participation_num"),
        ({"consent_threshold_num": 101}, "consent_threshold_num"),
        ({"satisfaction_base": "eligible"}, "satisfaction_base"),
    ],
)
def test_api_refuses_each_number_out_of_bounds(api_as, world, district_admin, numbers, field):
    response = api_as(district_admin).post("/api/v1/rule-policies/", _body(world, **numbers), format="json")
    assert response.status_code == 400 and field in response.json()["errors"], response.json()


def test_a_policy_may_raise_the_floors(api_as, world, district_admin):
    raised = _body(
        world,
        participation_num=3,
        participation_den=4,
        ordinary_pass_num=2,
        ordinary_pass_den=3,
        major_pass_num=4,
        major_pass_den=5,
        consent_threshold_num=1,
        consent_threshold_den=1,
        satisfaction_participation_num=3,
        satisfaction_participation_den=4,
    )
    response = api_as(district_admin).post("/api/v1/rule-policies/", raised, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["satisfaction_participation_num"] == 3
    # exactly the floors is fine too
    at_floor = _body(world, effective_from="2026-01-01", ordinary_pass_num=1, ordinary_pass_den=2)
    assert api_as(district_admin).post("/api/v1/rule-policies/", at_floor, format="json").status_code == 201


def test_api_refuses_lowering_an_existing_policy(api_as, world, district_admin):
    policy = RulePolicy.objects.create(division=world.district, name="规则", effective_from=date(2025, 1, 1))
    response = api_as(district_admin).patch(
        f"/api/v1/rule-policies/{policy.pk}/", {"major_pass_num": 2, "major_pass_den": 3}, format="json"
    )
    assert response.status_code == 400
    policy.refresh_from_db()
    assert (policy.major_pass_num, policy.major_pass_den) == (3, 4)


def test_page_refuses_a_policy_below_art_278(client, world, district_admin):
    client.force_login(district_admin)
    form = client.get("/ballots/policies/new/").content.decode()
    assert "不得低于" in form  # the floors are said before anyone tries
    data = {
        **_body(world, participation_num=1, participation_den=2, major_pass_num=1, major_pass_den=2),
        "consent_threshold_num": 95,
        "consent_threshold_den": 100,
        "consent_base": "eligible",
        "satisfaction_threshold_num": 90,
        "satisfaction_threshold_den": 100,
        "satisfaction_base": "answered",
        "satisfaction_participation_num": 2,
        "satisfaction_participation_den": 3,
        "choice_threshold_num": 1,
        "choice_threshold_den": 2,
        "choice_base": "answered",
        "ordinary_pass_num": 1,
        "ordinary_pass_den": 2,
        "notice_days": 7,
        # the gates' numbers (issue 10), as the form shows them filled in with their defaults
        "plan_notice_days": 7,
        "door_to_door_required": "on",
        "door_to_door_num": 9,
        "door_to_door_den": 10,
        "panel_residents": 2,
    }
    response = client.post("/ballots/policies/new/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "2/3" in html and "3/4" in html and not RulePolicy.objects.exists()
    data.update(participation_num=2, participation_den=3, major_pass_num=3, major_pass_den=4)
    assert client.post("/ballots/policies/new/", data).status_code == 302
    assert RulePolicy.objects.count() == 1


def test_database_holds_the_floors(world):
    for numbers in (
        {"participation_num": 1, "participation_den": 2},
        {"major_pass_num": 1, "major_pass_den": 2},
        {"ordinary_pass_num": 1, "ordinary_pass_den": 3},
        {"consent_threshold_num": 0},
        {"satisfaction_participation_num": 0},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            RulePolicy.objects.create(
                division=world.district, name="x", effective_from=date(2025, 1, 1), **numbers
            )


def test_elevator_ballot_runs_on_the_raised_major_rule(world, street_user):
    households = make_households(world.compound_a)
    RulePolicy.objects.create(
        division=world.district,
        name="规则",
        effective_from=date(2025, 1, 1),
        major_pass_num=4,
        major_pass_den=5,
    )
    ballot = make_ballot(
        street_user,
        world.compound_a,
        kind="elevator_retrofit",
        opened=False,
        scope_units=[{"building": households[0].building_id, "unit": "1"}],
        options=[yes("同意"), "不同意"],
    )
    assert (ballot.rule, ballot.pass_num, ballot.pass_den, ballot.pass_inclusive) == (
        "art278_major",
        4,
        5,
        True,
    )
    assert (ballot.participation_num, ballot.participation_den) == (2, 3)


def test_satisfaction_ballot_copies_the_participation_share(world, street_user):
    make_households(world.compound_a)
    RulePolicy.objects.create(
        division=world.district,
        name="规则",
        effective_from=date(2025, 1, 1),
        satisfaction_participation_num=3,
        satisfaction_participation_den=4,
    )
    ballot = make_ballot(street_user, world.compound_a, kind="acceptance_satisfaction", opened=False)
    assert (ballot.participation_num, ballot.participation_den, ballot.threshold_base) == (3, 4, "answered")


# --- which policy a new ballot will use, and why -----------------------------------------------------


@pytest.fixture
def two_policies(world):
    community = RulePolicy.objects.create(
        division=world.community_a,
        name="竹岭社区规则",
        effective_from=date(2024, 6, 1),
        consent_threshold_num=90,
    )
    district = RulePolicy.objects.create(
        division=world.district,
        name="武宁县新规则",
        effective_from=date(2025, 3, 1),
        consent_threshold_num=98,
    )
    future = RulePolicy.objects.create(
        division=world.district,
        name="武宁县明年规则",
        effective_from=timezone.localdate() + timedelta(days=30),
    )
    return community, district, future


def test_service_explains_which_policy_applies(world, two_policies):
    community, district, future = two_policies
    choice = services.explain_policy(world.compound_a)
    assert choice.policy == community
    assert "竹岭社区" in choice.reason
    why_not = dict(choice.others)
    assert district in why_not and "竹岭社区" in why_not[district]
    assert future in why_not and str(future.effective_from.year) in why_not[future]
    # a compound of another community follows the district's newer policy
    assert services.explain_policy(world.compound_b).policy == district


def test_create_page_says_which_policy_the_new_ballot_will_use(client, world, street_user, two_policies):
    client.force_login(street_user)
    html = client.get(f"/ballots/new/?compound={world.compound_a.pk}").content.decode()
    assert 'id="policy-choice"' in html
    section = html.split('id="policy-choice"', 1)[1][:3000]
    assert "竹岭社区规则" in section and "武宁县新规则" in section and "90%" in section


def test_policy_page_says_which_policy_applies_and_why(client, world, district_admin, two_policies):
    client.force_login(district_admin)
    html = client.get("/ballots/policies/").content.decode()
    # the district's policy says which divisions below keep their own
    assert "竹岭社区" in html.split("武宁县新规则", 1)[1][:2000]
    assert "尚未生效" in html.split("武宁县明年规则", 1)[1][:500]
    lookup = client.get("/ballots/policies/", {"compound": "民居巷"}).content.decode()
    section = lookup.split('id="policy-lookup"', 1)[1]
    assert "民居巷血防站" in section and "竹岭社区规则" in section


def test_api_says_which_policy_applies(api_as, world, street_user, two_policies):
    community, district, _future = two_policies
    data = api_as(street_user).get(f"/api/v1/rule-policies/applicable/?compound={world.compound_a.pk}").json()
    assert data["policy"]["id"] == community.pk and "竹岭社区" in data["reason"]
    assert district.pk in [o["policy"]["id"] for o in data["not_used"]]
    outside = api_as(street_user).get(f"/api/v1/rule-policies/applicable/?compound={world.compound_c.pk}")
    assert outside.status_code == 404
