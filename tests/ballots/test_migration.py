"""Migration ballots 0006: existing rows are brought within issue 9's rules before the database holds
them, and a closed ballot counted under the former "leading option" reading is never left as passed."""

import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps

from consultations.ballots import services
from consultations.ballots.models import Ballot
from tests.ballots.factories import make_ballot, make_households, vote_each, yes

migration = importlib.import_module("consultations.ballots.migrations.0006_issue9_data")


def _policy(**numbers):
    values = dict(
        participation_num=2,
        participation_den=3,
        ordinary_pass_num=1,
        ordinary_pass_den=2,
        major_pass_num=3,
        major_pass_den=4,
        consent_threshold_num=95,
        consent_threshold_den=100,
        satisfaction_threshold_num=90,
        satisfaction_threshold_den=100,
        choice_threshold_num=1,
        choice_threshold_den=2,
        satisfaction_base="answered",
    )
    return SimpleNamespace(**{**values, **numbers})


def test_policies_below_the_floors_are_raised_and_say_so():
    policy = _policy(participation_num=1, participation_den=2, major_pass_num=1, major_pass_den=2)
    changes = migration.policy_changes(policy)
    assert (policy.participation_num, policy.participation_den) == (2, 3)
    assert (policy.major_pass_num, policy.major_pass_den) == (3, 4)
    assert len(changes) == 2 and "1/2 → 2/3" in changes[0]
    raised = _policy(
        participation_num=3, participation_den=4, consent_threshold_num=0, satisfaction_base="eligible"
    )
    changes = migration.policy_changes(raised)
    assert (raised.participation_num, raised.participation_den) == (3, 4)  # raised ones are kept
    assert (raised.consent_threshold_num, raised.satisfaction_base) == (95, "answered") and len(changes) == 2
    assert migration.policy_changes(_policy()) == []


def test_open_owners_decision_is_brought_to_the_floor():
    ballot = SimpleNamespace(
        rule="art278_major",
        kind="owners_major",
        participation_num=1,
        participation_den=2,
        pass_num=1,
        pass_den=2,
        pass_inclusive=True,
        threshold_num=0,
        threshold_base="eligible",
    )
    assert migration.ballot_changes(ballot)
    assert (ballot.participation_num, ballot.pass_num, ballot.pass_den) == (2, 3, 4)


@pytest.mark.django_db
def test_closed_ballot_counted_under_the_leading_option_reading_is_marked_not_passed(world, street_user):
    make_households(world.compound_a, areas=(Decimal("80.00"),) * 4)
    ballot = make_ballot(street_user, world.compound_a, options=[yes("支持"), "反对"])
    vote_each(ballot, street_user, ["反对"] * 4)
    ballot = services.close_ballot(ballot, street_user, reason="测试")
    # what main left behind: no yes flag, and the leader (反对) published as passed
    ballot.options.update(counts_as_yes=False)
    Ballot.objects.filter(pk=ballot.pk).update(passed=True, result={**ballot.result, "passed": True})
    migration.forwards(apps, None)
    ballot.refresh_from_db()
    assert ballot.passed is False
    assert ballot.result["former_reading"] == "leading_option" and ballot.result["published_passed"] is True
    assert "原系统把得票领先的选项当作同意计算" in ballot.result["notes"][-1]
    migration.forwards(apps, None)  # idempotent
    ballot.refresh_from_db()
    assert ballot.result["notes"].count(ballot.result["notes"][-1]) == 1


@pytest.mark.django_db
def test_open_satisfaction_survey_takes_the_participation_share(world, street_user):
    make_households(world.compound_a)
    ballot = make_ballot(street_user, world.compound_a, kind="acceptance_satisfaction")
    Ballot.objects.filter(pk=ballot.pk).update(participation_num=3, participation_den=4)
    migration.forwards(apps, None)
    ballot.refresh_from_db()
    assert (ballot.participation_num, ballot.participation_den) == (2, 3)
    assert "作答比例" in ballot.rule_policy_label


@pytest.mark.django_db
def test_results_stored_before_get_per_option_yes_and_the_verdict(world, street_user):
    make_households(world.compound_a, areas=(Decimal("80.00"),) * 4)
    plan = make_ballot(street_user, world.compound_a, kind="plan_choice", options=["甲", "乙"])
    vote_each(plan, street_user, ["甲", "甲", "乙"])
    plan = services.close_ballot(plan, street_user, reason="测试")
    old = {k: v for k, v in plan.result.items() if k not in ("verdict", "valid", "counting_notes")}
    old["options"] = [{k: v for k, v in o.items() if k != "counted_as_yes"} for o in old["options"]]
    Ballot.objects.filter(pk=plan.pk).update(result=old)
    migration.forwards(apps, None)
    plan.refresh_from_db()
    assert plan.result["verdict"] == "passed" and plan.result["valid"] is True
    assert [o["counted_as_yes"] for o in plan.result["options"]] == [True, False]
