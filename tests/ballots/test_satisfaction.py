"""A satisfaction ballot counts only with enough answers (DESIGN.md §7; from issue 10): the policy's
participation share (default 2/3 of eligible households) AND the threshold (default 90% of those who
answered). Below participation the ballot is "not valid", never "passed"."""

from decimal import Decimal
from fractions import Fraction

import pytest

from consultations.ballots import services
from consultations.ballots.choices import Rule, ThresholdBase
from consultations.ballots.tally import evaluate
from consultations.models import Notice
from tests.ballots.factories import make_ballot, make_households, vote_each

pytestmark = pytest.mark.django_db


@pytest.fixture
def thirty(world):
    return make_households(world.compound_a, areas=(Decimal("70.00"),) * 30)


def _survey(world, street_user):
    return make_ballot(street_user, world.compound_a, kind="acceptance_satisfaction")


def test_too_few_answers_is_not_valid_and_never_passed(client, api_as, world, street_user, thirty):
    ballot = _survey(world, street_user)
    vote_each(ballot, street_user, ["满意"] * 19)  # 19/30 < 2/3, all satisfied
    services.close_ballot(ballot, street_user, reason="测试")
    ballot.refresh_from_db()
    assert ballot.passed is False
    result = ballot.result
    assert result["valid"] is False and result["verdict"] == "not_valid"
    validity = result["validity"]
    assert (validity["numerator"], validity["denominator"], validity["required"]) == ("19", "30", "2/3")
    assert validity["shortfall"] == "1" and not validity["passed"]
    body = Notice.objects.get(pk=ballot.result_notice_id).body
    assert "结果：无效（参与不足）" in body and "差 1 户" in body and "通过" not in body.splitlines()[-1]
    client.force_login(street_user)
    html = client.get(f"/ballots/{ballot.pk}/").content.decode()
    assert "无效（参与不足）" in html and "差 1 户" in html
    assert "无效（参与不足）" in client.get("/ballots/").content.decode()
    api = api_as(street_user)
    assert api.get(f"/api/v1/ballots/{ballot.pk}/").json()["valid"] is False
    tally = api.get(f"/api/v1/ballots/{ballot.pk}/tally/").json()
    assert tally["valid"] is False and tally["validity"]["shortfall"] == "1"


def test_exactly_two_thirds_answered_is_valid(world, street_user, thirty):
    ballot = _survey(world, street_user)
    vote_each(ballot, street_user, ["满意"] * 18 + ["不满意"] * 2)  # 20/30 answered, 18/20 = 90%
    result = services.tally(ballot)
    assert result.valid and result.passed
    assert result.validity.value == Fraction(2, 3)


def test_valid_but_below_the_threshold_is_not_passed(world, street_user, thirty):
    ballot = _survey(world, street_user)
    vote_each(ballot, street_user, ["满意"] * 17 + ["不满意"] * 3)  # 17/20 = 85%
    result = services.tally(ballot)
    assert result.valid and not result.passed
    assert result.to_dict()["verdict"] == "not_passed"


def test_evaluate_at_the_participation_boundary_uses_fractions():
    common = dict(
        rule=Rule.THRESHOLD,
        eligible_area=Decimal("0"),
        participated_area=Decimal("0"),
        yes_area=None,
        threshold=Fraction(9, 10),
        threshold_base=ThresholdBase.ANSWERED,
        answer_participation=Fraction(2, 3),
    )
    conditions, passed = evaluate(eligible_count=3000, participated_count=2000, yes_count=1800, **common)
    assert passed and conditions[0].key == "answer_participation" and conditions[0].passed
    conditions, passed = evaluate(eligible_count=3000, participated_count=1999, yes_count=1999, **common)
    assert not passed and not conditions[0].passed and conditions[1].passed
