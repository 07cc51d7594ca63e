"""The residents' say is binding (issue 10, DESIGN.md §7): plan approval and construction are gated by
what residents decided. Each gate refuses (service, page, API 409 with the same sentence), then allows
once the evidence is there, or once a district admin records an exception (a row with who, when, why)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from communities.errors import Conflict
from consultations.ballots.models import RulePolicy
from projects import gates, services
from projects.choices import ProjectStatus
from projects.models import GateException
from tests import factories as f
from tests import gate_helpers as g

from . import factories as pf

APPROVED = ProjectStatus.APPROVED


@pytest.fixture(autouse=True)
def english():
    with override("en"):
        yield


@pytest.fixture
def consulting(project_a, street_user):
    """project_a (street A, compound A) with the five ones, 10 households, in consultation."""
    g.five_ones(project_a)
    g.households_of(project_a.compounds.get())
    services.transition_project(project_a, ProjectStatus.CONSULTING, street_user)
    project_a.refresh_from_db()
    return project_a


def _approve(project, user):
    return services.transition_project(project, APPROVED, user)


def _blocking(project):
    return {i.key for i in gates.checklist(project, APPROVED) if i.blocking}


# --- the half-hour shortcut, refused at each step ----------------------------------------------------


def test_failed_consent_ballot_refuses_approval(consulting, street_user):
    g.consent_ballot(consulting, street_user, yes=2)  # 2 of 10 against 95% of eligible households
    g.plan_notice(consulting, street_user)
    g.visit(consulting)
    with pytest.raises(Conflict) as exc:
        _approve(consulting, street_user)
    assert "did not pass" in exc.value.message and "2 / 10" in exc.value.message
    consulting.refresh_from_db()
    assert consulting.status == ProjectStatus.CONSULTING
    assert _blocking(consulting) == {"consent"}


def test_no_consent_ballot_at_all_refuses_approval(consulting, street_user):
    g.plan_notice(consulting, street_user)
    g.visit(consulting)
    with pytest.raises(Conflict, match="no closed consent ballot"):
        _approve(consulting, street_user)


def test_a_3_day_plan_notice_is_not_accepted(consulting, street_user):
    g.consent_ballot(consulting, street_user)
    g.plan_notice(consulting, street_user, days=3)
    g.visit(consulting)
    with pytest.raises(Conflict, match="ran 3 days; the rule policy requires at least 7"):
        _approve(consulting, street_user)
    assert _blocking(consulting) == {"plan_notice"}


def test_plan_notice_must_be_closed_with_every_objection_handled(consulting, street_user):
    g.consent_ballot(consulting, street_user)
    g.visit(consulting)
    notice = g.plan_notice(consulting, street_user, objection="3栋停车位方案不合理")
    with pytest.raises(Conflict, match="1 objection"):
        _approve(consulting, street_user)
    from consultations import services as consultations

    objection = notice.objections.get()
    consultations.handle_objection(objection, user=street_user, status="explained", handling="已上门解释")
    with pytest.raises(Conflict, match="still open"):
        _approve(consulting, street_user)
    consultations.close_notice(notice, user=street_user)
    _approve(consulting, street_user)


def test_door_to_door_coverage_below_the_policy_share_refuses(consulting, street_user):
    g.consent_ballot(consulting, street_user)
    g.plan_notice(consulting, street_user)
    g.visit(consulting, share=0.8)  # 8 of 10 against 90%
    with pytest.raises(Conflict, match="8 of 10"):
        _approve(consulting, street_user)
    g.visit(consulting)
    _approve(consulting, street_user)


def test_procedure_required_by_the_policy_must_be_completed(consulting, street_user, world):
    RulePolicy.objects.create(
        division=world.district,
        name="武宁县规则",
        effective_from=timezone.localdate() - timedelta(days=1),
        deliberation_procedure=g.procedure(),
    )
    g.consent_ballot(consulting, street_user)
    g.plan_notice(consulting, street_user)
    g.visit(consulting)
    deliberation = g.walk_procedure(consulting, street_user, steps=1)  # stuck at step 1
    with pytest.raises(Conflict, match="step 2"):
        _approve(consulting, street_user)
    from consultations import services as consultations

    for step in deliberation.steps.filter(done_at__isnull=True).order_by("order"):
        if step.kind == "notice":
            item = consultations.publish_notice(
                project=consulting, title=step.name, body="决议公开", user=street_user, kind="decision"
            )
            consultations.complete_step(step, user=street_user, notice=item)
        else:
            meeting = consultations.create_meeting(
                user=street_user, kind="residents_council", title=step.name, project=consulting
            )
            consultations.complete_step(step, user=street_user, meeting=meeting)
    _approve(consulting, street_user)


def test_policy_numbers_are_data(consulting, street_user, world):
    """A district that asks for 14 days of notice and only 50% door-to-door coverage gets exactly that."""
    RulePolicy.objects.create(
        division=world.district,
        name="宽松规则",
        effective_from=timezone.localdate() - timedelta(days=1),
        plan_notice_days=14,
        door_to_door_num=1,
        door_to_door_den=2,
    )
    g.consent_ballot(consulting, street_user)
    g.plan_notice(consulting, street_user, days=7)
    g.visit(consulting, share=0.5)
    assert _blocking(consulting) == {"plan_notice"}
    g.plan_notice(consulting, street_user, days=14)
    _approve(consulting, street_user)


def test_door_to_door_not_required_when_the_policy_says_so(consulting, street_user, world):
    RulePolicy.objects.create(
        division=world.district,
        name="不要求入户",
        effective_from=timezone.localdate() - timedelta(days=1),
        door_to_door_required=False,
    )
    g.consent_ballot(consulting, street_user)
    g.plan_notice(consulting, street_user)
    items = {i.key: i for i in gates.checklist(consulting, APPROVED)}
    assert items["door_to_door"].state == "not_required"
    _approve(consulting, street_user)


def test_block_project_needs_consent_in_every_compound(world, street_user):
    project = pf.ProjectFactory(division=world.street_a, compounds=[world.compound_a, world.compound_b])
    g.five_ones(project)
    for c in (world.compound_a, world.compound_b):
        g.households_of(c, 4)
    services.transition_project(project, ProjectStatus.CONSULTING, street_user)
    g.consent_ballot(project, street_user, world.compound_a)
    g.plan_notice(project, street_user)
    g.visit(project)
    with pytest.raises(Conflict, match="老城建宿舍楼"):
        _approve(project, street_user)
    g.consent_ballot(project, street_user, world.compound_b)
    _approve(project, street_user)


def test_maintenance_fund_plan_needs_an_owners_decision(consulting, street_user):
    from tests.ballots.factories import make_ballot

    consulting.uses_maintenance_fund = True
    consulting.save(update_fields=["uses_maintenance_fund"])
    g.consent_ballot(consulting, street_user)
    g.plan_notice(consulting, street_user)
    g.visit(consulting)
    with pytest.raises(Conflict, match="owners' decision"):
        _approve(consulting, street_user)
    compound = consulting.compounds.get()
    ballot = make_ballot(
        street_user, compound, kind="owners_ordinary", project=consulting, title="使用维修资金"
    )
    g.vote_and_close(ballot, street_user)
    _approve(consulting, street_user)


def test_honest_path_goes_through(consulting, street_user):
    g.satisfy_plan_gates(consulting, street_user)
    assert _blocking(consulting) == set()
    _approve(consulting, street_user)
    consulting.refresh_from_db()
    assert consulting.status == APPROVED


# --- the same sentence on the page and in the API ---------------------------------------------------


def test_api_answers_409_with_the_same_sentence(api_as, consulting, street_user):
    g.consent_ballot(consulting, street_user, yes=2)
    expected = services.transition_refusal(consulting, APPROVED)
    r = api_as(street_user).post(
        f"/api/v1/projects/{consulting.pk}/transition/",
        {"to": "approved"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 409
    assert r.data["detail"] == expected
    assert {m["key"] for m in r.data["missing"]} == {"consent", "plan_notice", "door_to_door"}


def test_api_checklist(api_as, consulting, street_user):
    g.consent_ballot(consulting, street_user)
    r = api_as(street_user).get(f"/api/v1/projects/{consulting.pk}/checklist/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    approval = next(s for s in r.data["steps"] if s["to"] == "approved")
    states = {i["key"]: i["state"] for i in approval["items"]}
    assert states["consent"] == "met" and states["plan_notice"] == "missing"
    assert approval["refusal"].startswith("Cannot approve the plan")


def test_page_shows_the_checklist_and_refuses_with_the_same_sentence(client, consulting, street_user):
    g.consent_ballot(consulting, street_user, yes=2)
    client.force_login(street_user)
    body = client.get(consulting.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="gate-checklist"' in body
    assert 'data-gate="consent" data-state="missing"' in body
    assert reverse("ballots:ballot_detail", args=[consulting.ballots.get().pk]) in body  # evidence link
    expected = services.transition_refusal(consulting, APPROVED)
    r = client.post(
        reverse("projects:project_transition", args=[consulting.pk]),
        {"to": "approved"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    messages = [str(m) for m in r.context["messages"]]
    assert expected in messages


def test_page_in_chinese_names_what_is_missing(client, consulting, street_user):
    client.force_login(street_user)
    r = client.post(
        reverse("projects:project_transition", args=[consulting.pk]), {"to": "approved"}, follow=True
    )
    text = " ".join(str(m) for m in r.context["messages"])
    assert "方案" in text and "公示" in text


# --- district exceptions ------------------------------------------------------------------------------


def test_district_exception_lets_one_item_through_and_is_kept(consulting, street_user, district_admin):
    g.consent_ballot(consulting, street_user)
    g.plan_notice(consulting, street_user)
    with pytest.raises(Conflict, match="door-to-door"):
        _approve(consulting, street_user)
    with pytest.raises(services.Forbidden):
        services.record_gate_exception(consulting, "door_to_door", street_user, reason="急需开工")
    with pytest.raises(Exception, match="reason"):
        services.record_gate_exception(consulting, "door_to_door", district_admin, reason="  ")
    exception = services.record_gate_exception(
        consulting,
        "door_to_door",
        district_admin,
        reason="小区居民已整体搬迁过渡，无法入户，经区政府常务会研究同意",
    )
    item = next(i for i in gates.checklist(consulting, APPROVED) if i.key == "door_to_door")
    assert item.state == "excepted" and item.exception == exception and not item.met
    _approve(consulting, street_user)
    change = consulting.status_changes.first()
    assert "door-to-door" in change.note.lower() or "入户" in change.note
    # kept: who, when, why; withdrawing keeps the row
    services.withdraw_gate_exception(exception, district_admin, reason="误录")
    exception.refresh_from_db()
    assert exception.withdrawn_at is not None and exception.granted_by == district_admin
    assert GateException.objects.filter(project=consulting).count() == 1


def test_an_exception_for_a_met_item_is_refused(consulting, street_user, district_admin):
    g.consent_ballot(consulting, street_user)
    with pytest.raises(Conflict, match="already met"):
        services.record_gate_exception(consulting, "consent", district_admin, reason="无需")


def test_exception_through_page_and_api_and_shown_publicly(
    client, api_as, consulting, street_user, district_admin
):
    g.consent_ballot(consulting, street_user)
    g.plan_notice(consulting, street_user)
    # only district admins see the form
    client.force_login(street_user)
    assert 'name="gate"' not in client.get(consulting.get_absolute_url()).content.decode()
    r = api_as(street_user).post(
        "/api/v1/gate-exceptions/",
        {"project": consulting.pk, "gate": "door_to_door", "reason": "x"},
        format="json",
    )
    assert r.status_code == 403
    client.force_login(district_admin)
    body = client.get(consulting.get_absolute_url()).content.decode()
    assert 'name="gate" value="door_to_door"' in body
    # refused (no reason): what was typed stays, nothing is recorded
    r = client.post(
        reverse("projects:gate_exception", args=[consulting.pk]), {"gate": "door_to_door", "reason": ""}
    )
    assert r.status_code == 200 and not GateException.objects.exists()
    r = client.post(
        reverse("projects:gate_exception", args=[consulting.pk]),
        {"gate": "door_to_door", "reason": "整体搬迁过渡，经区政府研究同意"},
    )
    assert r.status_code == 302
    public = client.get(consulting.get_public_url()).content.decode()
    assert "整体搬迁过渡，经区政府研究同意" in public
    r = api_as(district_admin).get(f"/api/v1/gate-exceptions/?project={consulting.pk}")
    assert r.data["count"] == 1 and r.data["results"][0]["gate"] == "door_to_door"
    _approve(consulting, street_user)


# --- construction of an elevator --------------------------------------------------------------------


@pytest.fixture
def elevator_project(world, street_user):
    from tests.ballots.factories import make_households

    project = pf.ProjectFactory(
        name="1栋2单元加装电梯", division=world.street_a, compounds=[world.compound_a]
    )
    g.five_ones(project)
    households = make_households(world.compound_a, unit="2")
    building = households[0].building
    item = pf.WorkItemFactory(
        project=project, name="加装电梯", catalog_item=pf.CatalogItemFactory(code="I03", name="加装电梯")
    )
    item.building = building
    item.stairwell_unit = "2"
    item.save()
    pf.ProjectPartyFactory(project=project)
    g.satisfy_plan_gates(project, street_user)
    services.transition_project(project, ProjectStatus.CONSULTING, street_user)
    services.transition_project(project, APPROVED, street_user)
    return project, building, households


def _elevator_ballot(project, user, building, households, *, veto_agrees: bool):
    from tests.ballots.factories import make_ballot

    ballot = make_ballot(
        user,
        building.compound,
        kind="elevator_retrofit",
        project=project,
        title="1栋2单元加装电梯",
        scope_units=[{"building": building.pk, "unit": "2"}],
        occupied_households=[households[0]],
    )
    from consultations.ballots import services as ballots

    options = {o.label: o for o in ballot.options.all()}
    for e in ballot.electors.order_by("pk"):
        label = "同意" if (veto_agrees or not e.has_veto) else "不同意"
        ballots.record_staff_vote(user=user, elector=e, option=options[label], channel="meeting")
    return ballots.close_ballot(ballot, user, reason="本单元业主已全部表决")


def test_elevator_construction_needs_the_units_passed_ballot(elevator_project, street_user):
    project, _building, _households = elevator_project
    with pytest.raises(Conflict, match="no closed elevator ballot"):
        services.transition_project(project, ProjectStatus.UNDER_CONSTRUCTION, street_user)


def test_elevator_veto_blocks_construction(elevator_project, street_user):
    project, building, households = elevator_project
    ballot = _elevator_ballot(project, street_user, building, households, veto_agrees=False)
    assert ballot.passed is False
    with pytest.raises(Conflict, match="did not pass"):
        services.transition_project(project, ProjectStatus.UNDER_CONSTRUCTION, street_user)
    _elevator_ballot(project, street_user, building, households, veto_agrees=True)
    services.transition_project(project, ProjectStatus.UNDER_CONSTRUCTION, street_user)


def test_elevator_item_without_its_unit_is_named(elevator_project, street_user):
    project, _building, _households = elevator_project
    project.work_items.update(building=None, stairwell_unit="")
    items = {i.key: i for i in gates.checklist(project, ProjectStatus.UNDER_CONSTRUCTION)}
    assert items["elevator"].blocking and "which building" in items["elevator"].missing


def test_non_elevator_project_has_no_elevator_item_to_meet(consulting, street_user):
    items = {i.key: i for i in gates.checklist(consulting, ProjectStatus.UNDER_CONSTRUCTION)}
    assert items["elevator"].state == "not_required"


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [
        ("district_admin", 200, 201),
        ("street_user", 200, 403),
        ("secretary_a", 200, 403),  # the street's project on her compound: she reads it
        ("secretary_b", 200, 400),  # another community: the project is not hers to name (not found)
        ("viewer", 200, 403),
    ],
)
def test_gate_exception_api_permissions(request, api_as, consulting, who, read, write):
    user = request.getfixturevalue(who)
    client = api_as(user)
    r = client.get(f"/api/v1/gate-exceptions/?project={consulting.pk}")
    assert r.status_code == read
    r = client.post(
        "/api/v1/gate-exceptions/",
        {"project": consulting.pk, "gate": "door_to_door", "reason": "整体搬迁"},
        format="json",
    )
    assert r.status_code == write, r.data


def test_gate_exception_list_runs_constant_queries(
    api_as, district_admin, world, street_user, django_assert_max_num_queries
):
    client = api_as(district_admin)

    def make(n):
        for _ in range(n):
            project = pf.ProjectFactory(division=world.street_a, compounds=[world.compound_a])
            services.record_gate_exception(project, "door_to_door", district_admin, reason="整体搬迁过渡")

    make(1)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/api/v1/gate-exceptions/").data["count"] == 1
    make(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/gate-exceptions/").data["count"] == 6


def test_elevator_item_names_its_unit_through_the_page_and_the_api(client, api_as, street_user, world):
    from tests.ballots.factories import make_households

    project = pf.ProjectFactory(division=world.street_a, compounds=[world.compound_a])
    building = make_households(world.compound_a, unit="2")[0].building
    elsewhere = f.BuildingFactory(compound=world.compound_b, name="9栋")
    item = pf.WorkItemFactory(project=project, name="3号楼加装电梯", unit="台")
    r = api_as(street_user).patch(f"/api/v1/work-items/{item.pk}/", {"building": elsewhere.pk}, format="json")
    assert r.status_code == 400 and "building" in r.data["errors"]
    client.force_login(street_user)
    url = reverse("projects:project_child_edit", args=[project.pk, "work-items", item.pk])
    r = client.post(
        url,
        {
            "name": item.name,
            "quantity": "1",
            "unit": "台",
            "budget": "400000",
            "progress": "0",
            "building": building.pk,
            "stairwell_unit": "2",
        },
    )
    assert r.status_code == 302
    item.refresh_from_db()
    assert (item.building, item.stairwell_unit, item.unit, item.place) == (building, "2", "台", "1栋2单元")


def test_refused_step_is_not_offered_as_a_live_button(client, consulting, street_user):
    """A step the gate refuses is shown disabled with its reason, not as a button that fails."""
    import re

    client.force_login(street_user)
    body = client.get(consulting.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    buttons = re.findall(r"<button[^>]*>→[^<]*</button>", body, flags=re.S)
    assert buttons
    refused = [b for b in buttons if "title=" in b]
    assert refused and all("disabled" in b for b in refused)
