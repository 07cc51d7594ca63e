"""Issue 10's reproductions: the "half-hour shortcut" a new user took from 谋划 to 长效管理, one test per
defect, written against the services and pages as they were (each failed before the fix)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from communities.errors import DomainError
from projects import services as projects
from projects.choices import PartyRole, ProjectStatus
from projects.models import BranchMember, PartyBranch, Project
from tests import factories as f
from tests import gate_helpers as g
from tests.projects import factories as pf


@pytest.fixture(autouse=True)
def english():
    with override("en"):
        yield


@pytest.fixture
def project(world, street_user):
    project = pf.ProjectFactory(
        name="民居巷血防站改造", division=world.street_a, compounds=[world.compound_a]
    )
    g.five_ones(project)
    g.households_of(world.compound_a)
    projects.transition_project(project, ProjectStatus.CONSULTING, street_user)
    return project


def test_approved_with_a_failed_consent_ballot_is_refused(project, street_user):
    ballot = g.consent_ballot(project, street_user, yes=2)
    assert ballot.passed is False
    with pytest.raises(DomainError):
        projects.transition_project(project, ProjectStatus.APPROVED, street_user)
    project.refresh_from_db()
    assert project.status == ProjectStatus.CONSULTING


def test_a_3_day_plan_notice_is_refused(project, street_user):
    g.consent_ballot(project, street_user)
    g.visit(project)
    g.plan_notice(project, street_user, days=3)
    with pytest.raises(DomainError):
        projects.transition_project(project, ProjectStatus.APPROVED, street_user)


def test_no_door_to_door_visit_is_refused(project, street_user):
    g.consent_ballot(project, street_user)
    g.plan_notice(project, street_user)
    with pytest.raises(DomainError):
        projects.transition_project(project, ProjectStatus.APPROVED, street_user)


@pytest.fixture
def in_acceptance(world, street_user):
    project = pf.ProjectFactory(name="古艾巷改造", division=world.street_a, compounds=[world.compound_a])
    Project.objects.filter(pk=project.pk).update(status=ProjectStatus.UNDER_CONSTRUCTION)
    pf.WorkItemFactory(project=project, progress=100)
    pf.ProjectPartyFactory(project=project, role=PartyRole.CONSTRUCTION, name="江西建工")
    g.households_of(world.compound_a, 12)
    return project


def test_acceptance_group_with_no_members_cannot_record_pass(in_acceptance, street_user):
    from supervision import services

    acceptance = services.schedule_round(
        user=street_user, project=in_acceptance, scheduled_on=timezone.localdate()
    )
    with pytest.raises(DomainError):
        services.record_panel_verdict(user=street_user, acceptance=acceptance, verdict="pass")


def test_satisfaction_closed_early_needs_a_reason(in_acceptance, street_user):
    from supervision import services

    panel = [
        {"role": r, "name": f"{r}代表", "organization": "单位", "verdict": "pass", "signed": True}
        for r in ("lead", "design", "construction", "supervision", "street")
    ] + [
        {"role": "resident", "name": n, "organization": "居民", "verdict": "pass", "signed": True}
        for n in ("李大爷", "王阿姨")
    ]
    acceptance = services.schedule_round(
        user=street_user, project=in_acceptance, scheduled_on=timezone.localdate(), panel=panel
    )
    services.record_panel_verdict(user=street_user, acceptance=acceptance, verdict="pass")
    acceptance = services.open_satisfaction_survey(
        user=street_user, acceptance=acceptance, closes_at=timezone.now() + timedelta(days=7)
    )
    with pytest.raises(DomainError, match=r"reason|why"):
        services.close_round(user=street_user, acceptance=acceptance)


def test_contractors_project_manager_cannot_join_the_resident_team(in_acceptance, street_user, world):
    from supervision import services

    branch = PartyBranch.objects.create(name="临时党支部", project=in_acceptance, division=world.street_a)
    branch.compounds.add(world.compound_a)
    manager = BranchMember.objects.create(
        branch=branch, name="王经理", organization="江西建工", role="member"
    )
    team = services.create_team(user=street_user, project=in_acceptance)
    with pytest.raises(DomainError):
        services.add_team_member(user=street_user, team=team, branch_member=manager)


def test_deliberation_step_form_accepts_a_valid_meeting(world, street_user, project):
    from consultations import services
    from consultations.forms import StepForm

    deliberation = services.start_deliberation(
        user=street_user, procedure=g.procedure(), title="改造方案", project=project
    )
    meeting = services.create_meeting(user=street_user, kind="bench", title="板凳会", project=project)
    form = StepForm({"meeting": meeting.pk, "note": ""}, deliberation=deliberation, user=street_user)
    assert form.is_valid(), form.errors


def test_secretary_records_an_inspection_on_a_street_run_project(in_acceptance, secretary_a, client):
    from supervision import services

    services.record_inspection(user=secretary_a, project=in_acceptance, findings="路面平整", result="pass")
    client.force_login(secretary_a)
    assert client.get(reverse("supervision:inspection_new", args=[in_acceptance.pk])).status_code == 200


def test_dispute_form_is_not_shown_to_who_may_not_submit_it(in_acceptance, world, client):
    from communities.choices import Role

    viewer = f.UserFactory(username="viewer_a")
    f.RoleAssignmentFactory(user=viewer, role=Role.VIEWER, division=world.street_a)
    client.force_login(viewer)
    assert client.get(reverse("supervision:dispute_new", args=[in_acceptance.pk])).status_code == 403
