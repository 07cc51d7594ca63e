"""The acceptance state machine: pass, fail, new round blocked until orders are verified, filing."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from communities.errors import Conflict, DomainError
from consultations.ballots import services as ballots
from consultations.ballots.models import Elector
from projects.choices import ProjectStatus
from supervision import services
from supervision.choices import RoundStatus, Verdict
from supervision.models import AcceptanceRound
from tests.supervision.factories import full_panel, image_upload

TODAY = timezone.localdate


def _vote(user, acceptance, satisfied: int):
    """Paper votes: the first `satisfied` electors satisfied (满意/基本满意), the rest not (不满意)."""
    ballot = acceptance.ballot
    options = {o.label: o for o in ballot.options.all()}
    for i, elector in enumerate(Elector.objects.filter(ballot=ballot).order_by("pk")):
        label = ("满意", "基本满意")[i % 2] if i < satisfied else "不满意"
        ballots.record_staff_vote(
            user=user, elector=elector, option=options[label], paper_serial=f"R{acceptance.number}-{i}"
        )


def _run_round(user, project, satisfied: int) -> AcceptanceRound:
    acceptance = services.schedule_round(
        user=user,
        project=project,
        scheduled_on=TODAY(),
        panel=full_panel(),
    )
    services.record_panel_verdict(user=user, acceptance=acceptance, verdict=Verdict.PASS, notes="资料齐全")
    acceptance = services.open_satisfaction_survey(user=user, acceptance=acceptance)
    _vote(user, acceptance, satisfied)
    return services.close_round(user=user, acceptance=acceptance, reason="问卷全部收回")


def test_round_passes_at_threshold_then_filed_and_handed_over(site, street_user):
    acceptance = _run_round(street_user, site.project, satisfied=6)
    assert acceptance.status == RoundStatus.PASSED
    assert (acceptance.satisfied_count, acceptance.valid_count) == (6, 6)
    assert acceptance.threshold_percent == 90
    site.project.refresh_from_db()
    assert site.project.status == ProjectStatus.ACCEPTED
    assert acceptance.filing_deadline == TODAY() + datetime.timedelta(days=15)
    assert not acceptance.filing_late

    with pytest.raises(Conflict, match="File the acceptance"):
        services.hand_over(
            user=street_user, acceptance=acceptance, to="property_company", recipient="红色物业"
        )
    services.file_acceptance(user=street_user, acceptance=acceptance, filed_on=TODAY(), reference="备2024-17")
    acceptance = services.hand_over(
        user=street_user, acceptance=acceptance, to="self_management", recipient="民居巷自管会"
    )
    site.project.refresh_from_db()
    assert site.project.status == ProjectStatus.MAINTENANCE
    assert acceptance.handed_over_on == TODAY()


def test_round_fails_below_threshold_and_next_round_waits_for_verified_orders(site, street_user, contractor):
    # 5 of 6 satisfied = 83.33% < 90%
    first = _run_round(street_user, site.project, satisfied=5)
    assert first.status == RoundStatus.FAILED
    assert (first.satisfied_count, first.valid_count) == (5, 6)
    site.project.refresh_from_db()
    assert site.project.status == ProjectStatus.REWORK

    with pytest.raises(Conflict, match="unsatisfied points"):
        services.schedule_round(user=street_user, project=site.project, scheduled_on=TODAY())

    order = services.raise_rectification(
        user=street_user,
        project=site.project,
        acceptance_round=first,
        spec=services.OrderSpec(
            description="楼道照明未安装到位",
            responsible_party=site.builder,
            deadline=TODAY() + datetime.timedelta(3),
        ),
    )
    with pytest.raises(Conflict, match="1 still open"):
        services.schedule_round(user=street_user, project=site.project, scheduled_on=TODAY())

    services.start_rectification(user=contractor, order=order)
    services.submit_rectification(
        user=contractor, order=order, response="已安装声控灯", photos=[image_upload()]
    )
    with pytest.raises(Conflict, match="1 still open"):
        services.schedule_round(user=street_user, project=site.project, scheduled_on=TODAY())
    services.verify_rectification(user=street_user, order=order)

    second = _run_round(street_user, site.project, satisfied=6)
    assert second.number == 2 and second.status == RoundStatus.PASSED
    # every round kept with its own figures
    rounds = list(AcceptanceRound.objects.filter(project=site.project).order_by("number"))
    assert [(r.number, r.status, r.satisfied_count, r.valid_count) for r in rounds] == [
        (1, "failed", 5, 6),
        (2, "passed", 6, 6),
    ]
    assert rounds[0].satisfaction_percent == Decimal("83.33")
    # a passed round's predecessor raises no more orders
    with pytest.raises(Conflict, match="later round"):
        services.raise_rectification(
            user=street_user,
            project=site.project,
            acceptance_round=first,
            spec=services.OrderSpec("又发现问题", site.builder, TODAY()),
        )


def test_first_round_waits_for_open_inspection_orders(site, street_user, contractor):
    """Works are not accepted while problems found on inspection are still being fixed."""
    from django.test import Client

    services.record_inspection(
        user=street_user,
        project=site.project,
        findings="脚手架未拆除",
        result="problems",
        orders=[services.OrderSpec("拆除脚手架", site.builder, TODAY())],
    )
    with pytest.raises(Conflict, match="1 still open"):
        services.schedule_round(user=street_user, project=site.project, scheduled_on=TODAY())
    client = Client()
    client.force_login(street_user)
    page = client.get(f"/supervision/projects/{site.project.pk}/").content.decode()
    assert 'id="acceptance-blocked"' in page and 'id="id_scheduled_on"' not in page
    assert not AcceptanceRound.objects.exists()


def test_panel_failure_ends_round_without_survey(site, street_user):
    acceptance = services.schedule_round(
        user=street_user, project=site.project, scheduled_on=TODAY(), panel=full_panel()
    )
    acceptance = services.record_panel_verdict(
        user=street_user, acceptance=acceptance, verdict=Verdict.FAIL, notes="屋面防水不合格"
    )
    assert acceptance.status == RoundStatus.FAILED and acceptance.ballot_id is None
    with pytest.raises(Conflict):
        services.open_satisfaction_survey(user=street_user, acceptance=acceptance)


def test_one_open_round_at_a_time_and_only_street_runs_acceptance(site, street_user, secretary_a, contractor):
    services.schedule_round(user=street_user, project=site.project, scheduled_on=TODAY())
    with pytest.raises(Conflict, match="still running"):
        services.schedule_round(user=street_user, project=site.project, scheduled_on=TODAY())
    with pytest.raises(services.Forbidden):
        services.schedule_round(user=contractor, project=site.project, scheduled_on=TODAY())


def test_survey_needs_the_panels_acceptance(site, street_user):
    acceptance = services.schedule_round(user=street_user, project=site.project, scheduled_on=TODAY())
    with pytest.raises(Conflict, match="technical panel"):
        services.open_satisfaction_survey(user=street_user, acceptance=acceptance)


def test_filing_late_is_flagged(site, street_user):
    acceptance = _run_round(street_user, site.project, satisfied=6)
    # pretend the round closed 20 days ago: deadline passed, not filed
    closed = timezone.now() - datetime.timedelta(days=20)
    AcceptanceRound.objects.filter(pk=acceptance.pk).update(
        closed_at=closed, filing_deadline=timezone.localdate(closed) + datetime.timedelta(days=15)
    )
    acceptance.refresh_from_db()
    assert acceptance.filing_late
    with pytest.raises(DomainError, match="between"):
        services.file_acceptance(
            user=street_user, acceptance=acceptance, filed_on=TODAY() + datetime.timedelta(1)
        )
    services.file_acceptance(user=street_user, acceptance=acceptance, filed_on=TODAY())
    acceptance.refresh_from_db()
    assert acceptance.filing_late  # filed 20 days after acceptance: late
    with pytest.raises(Conflict, match="filed on"):
        services.file_acceptance(user=street_user, acceptance=acceptance, filed_on=TODAY())


def test_acceptance_history_is_audited(site, street_user):
    acceptance = services.schedule_round(
        user=street_user, project=site.project, scheduled_on=TODAY(), panel=full_panel()
    )
    services.record_panel_verdict(user=street_user, acceptance=acceptance, verdict=Verdict.FAIL, notes="x")
    events = AcceptanceRound.pgh_event_model.objects.filter(pgh_obj_id=acceptance.pk)
    assert events.count() >= 2


@pytest.mark.parametrize(("satisfied_b", "passed"), [(4, True), (2, False)])
def test_block_project_surveys_every_compound_in_one_ballot(site, street_user, world, satisfied_b, passed):
    """A project over two compounds asks the households of both in ONE ballot, counted together."""
    from tests import factories as f

    site.project.compounds.add(world.compound_b)
    building = f.BuildingFactory(compound=world.compound_b, name="2栋")
    for i in range(4):
        f.HouseholdFactory(building=building, room=f"{i + 1}02", floor=i + 1)
    acceptance = services.schedule_round(
        user=street_user, project=site.project, scheduled_on=TODAY(), panel=full_panel()
    )
    services.record_panel_verdict(user=street_user, acceptance=acceptance, verdict=Verdict.PASS)
    acceptance = services.open_satisfaction_survey(user=street_user, acceptance=acceptance)
    survey = [sb.ballot for sb in acceptance.survey_ballots.order_by("pk")]
    assert survey == [acceptance.ballot]
    ballot = acceptance.ballot
    assert ballot.compound_id == world.compound_a.pk
    assert ballot.compound_ids() == [world.compound_a.pk, world.compound_b.pk]
    electors = Elector.objects.filter(ballot=ballot)
    assert electors.count() == ballot.electorate_size == 10
    assert electors.filter(building_name__startswith=world.compound_b.name).count() == 4
    # compound A: 6 of 6; compound B: satisfied_b of 4 -> pooled 10/10 passes, 8/10 = 80% fails
    options = {o.label: o for o in ballot.options.all()}
    b_households = set(
        world.compound_b.buildings.values_list("households__pk", flat=True)
    )  # the electors of compound B
    given_b = 0
    for i, elector in enumerate(electors.order_by("pk")):
        in_b = bool(set(elector.household_ids) & b_households)
        satisfied = given_b < satisfied_b if in_b else True
        given_b += in_b
        ballots.record_staff_vote(
            user=street_user,
            elector=elector,
            option=options["满意" if satisfied else "不满意"],
            paper_serial=f"S-{ballot.pk}-{i}",
        )
    acceptance = services.close_round(user=street_user, acceptance=acceptance, reason="全部收回")
    assert (acceptance.satisfied_count, acceptance.valid_count) == (6 + satisfied_b, 10)
    assert acceptance.status == (RoundStatus.PASSED if passed else RoundStatus.FAILED)
    ballot.refresh_from_db()
    assert ballot.status == "closed"

    from django.test import Client

    client = Client()
    client.force_login(street_user)
    page = client.get(acceptance.get_absolute_url()).content.decode()
    assert world.compound_a.name in page and world.compound_b.name in page


def test_panel_seats_only_before_the_verdict_and_only_by_the_street(site, street_user, secretary_a):
    acceptance = services.schedule_round(
        user=street_user, project=site.project, scheduled_on=TODAY(), panel=full_panel(residents=["王阿姨"])
    )
    seat = {"role": "resident", "name": "李大爷", "signed": True}
    with pytest.raises(services.Forbidden):
        services.add_panel_seat(user=secretary_a, acceptance=acceptance, **seat)
    services.add_panel_seat(user=street_user, acceptance=acceptance, **seat)
    services.record_panel_verdict(user=street_user, acceptance=acceptance, verdict=Verdict.PASS)
    # the round is still "scheduled" (waiting for its survey) but the panel has spoken
    with pytest.raises(Conflict, match="before its verdict"):
        services.add_panel_seat(user=street_user, acceptance=acceptance, role="design", name="后来者")
    names = set(acceptance.panel.values_list("name", flat=True))
    assert "李大爷" in names and "后来者" not in names and len(names) == 7
