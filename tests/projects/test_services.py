import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from communities.errors import Conflict, DomainError
from projects import services
from projects.choices import BranchKind, FundingSource, MemberRole, PartyRole, ProjectStatus, UtilityKind
from projects.models import HouseholdAssignment, Project, ProjectStatusChange
from tests import factories as f
from tests import gate_helpers

from . import factories as pf

D = datetime.date


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English here (the UI default is Chinese; see test_views)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def _ready_for_approval(project, user):
    """The five ones, a work item, and what residents decided (consent, plan notice, visits)."""
    project.responsible_leader = "县委常委 张三"
    project.lead_department = "县住建局"
    project.schedule = "5月进场，10月完工"
    project.implementation_plan.save("plan.pdf", ContentFile(b"%PDF-1.4"), save=True)
    pf.WorkItemFactory(project=project)
    gate_helpers.satisfy_plan_gates(project, user)


# --- creation ---------------------------------------------------------------------------------------


def test_create_project_in_scope(world, street_user):
    project = services.create_project(
        user=street_user,
        division=world.street_a,
        compounds=[world.compound_a, world.compound_b],
        name="新宁镇片区改造",
    )
    assert project.status == ProjectStatus.PLANNING
    assert set(project.compounds.all()) == {world.compound_a, world.compound_b}


def test_create_project_refuses_compound_outside_division(world, street_user):
    with pytest.raises(DomainError, match="宋溪小区"):
        services.create_project(
            user=street_user, division=world.street_a, compounds=[world.compound_c], name="x"
        )


def test_create_project_refuses_division_outside_scope(world, secretary_a):
    with pytest.raises(services.Forbidden):
        services.create_project(
            user=secretary_a, division=world.community_b, compounds=[world.compound_b], name="x"
        )


# --- transitions ------------------------------------------------------------------------------------


def test_full_lifecycle_with_rework(project_a, street_user):
    _ready_for_approval(project_a, street_user)
    services.transition_project(project_a, ProjectStatus.CONSULTING, street_user)
    services.transition_project(project_a, ProjectStatus.APPROVED, street_user)
    services.transition_project(project_a, ProjectStatus.UNDER_CONSTRUCTION, street_user)
    project_a.work_items.update(progress=100)
    services.transition_project(project_a, ProjectStatus.ACCEPTANCE, street_user)
    # acceptance results are recorded by supervision's acceptance rounds
    kw = {"by_acceptance": True}
    services.transition_project(project_a, ProjectStatus.REWORK, street_user, note="3栋外墙空鼓", **kw)
    services.transition_project(project_a, ProjectStatus.ACCEPTANCE, street_user, **kw)
    services.transition_project(project_a, ProjectStatus.ACCEPTED, street_user, **kw)
    services.transition_project(project_a, ProjectStatus.MAINTENANCE, street_user, **kw)
    project_a.refresh_from_db()
    assert project_a.status == ProjectStatus.MAINTENANCE
    changes = list(ProjectStatusChange.objects.filter(project=project_a).order_by("at", "pk"))
    assert [c.to_status for c in changes] == [
        "consulting",
        "approved",
        "under_construction",
        "acceptance",
        "rework",
        "acceptance",
        "accepted",
        "maintenance",
    ]
    assert all(c.by == street_user for c in changes)
    assert changes[4].note == "3栋外墙空鼓"


def test_cannot_start_construction_before_approval(project_a, street_user):
    services.transition_project(project_a, ProjectStatus.CONSULTING, street_user)
    with pytest.raises(Conflict, match="plan is not approved"):
        services.transition_project(project_a, ProjectStatus.UNDER_CONSTRUCTION, street_user)
    project_a.refresh_from_db()
    assert project_a.status == ProjectStatus.CONSULTING
    assert ProjectStatusChange.objects.filter(project=project_a).count() == 1


def test_approval_needs_the_five_ones(project_a, street_user):
    services.transition_project(project_a, ProjectStatus.CONSULTING, street_user)
    with pytest.raises(Conflict, match="five ones are incomplete") as exc:
        services.transition_project(project_a, ProjectStatus.APPROVED, street_user)
    assert "implementation plan" in exc.value.message


def test_construction_needs_a_construction_unit(world, street_user):
    project = pf.ProjectFactory(division=world.street_a, compounds=[world.compound_a])
    _ready_for_approval(project, street_user)
    services.transition_project(project, ProjectStatus.CONSULTING, street_user)
    services.transition_project(project, ProjectStatus.APPROVED, street_user)
    with pytest.raises(Conflict, match="no construction unit"):
        services.transition_project(project, ProjectStatus.UNDER_CONSTRUCTION, street_user)


def test_acceptance_needs_finished_work_items(project_a, street_user):
    _ready_for_approval(project_a, street_user)
    for s in (ProjectStatus.CONSULTING, ProjectStatus.APPROVED, ProjectStatus.UNDER_CONSTRUCTION):
        services.transition_project(project_a, s, street_user)
    with pytest.raises(Conflict, match="1 work items are not finished"):
        services.transition_project(project_a, ProjectStatus.ACCEPTANCE, street_user)


def test_rework_needs_a_note_and_skipping_is_refused(project_a, street_user):
    with pytest.raises(Conflict, match="not in acceptance"):
        services.transition_project(project_a, ProjectStatus.ACCEPTED, street_user)
    with pytest.raises(Conflict, match="already"):
        services.transition_project(project_a, ProjectStatus.PLANNING, street_user)


def test_transition_refused_for_non_editors(project_a, contractor, viewer, secretary_b):
    for user in (contractor, viewer, secretary_b):
        with pytest.raises(services.Forbidden):
            services.transition_project(project_a, ProjectStatus.CONSULTING, user)


def test_acceptance_results_only_through_acceptance_rounds(project_a, street_user):
    """Accepted / rework / maintenance (and acceptance again after rework) skip the panel, the
    satisfaction ballot, filing and handover when moved by hand: refused, and not offered."""
    for start, to in (
        (ProjectStatus.ACCEPTANCE, ProjectStatus.ACCEPTED),
        (ProjectStatus.ACCEPTANCE, ProjectStatus.REWORK),
        (ProjectStatus.REWORK, ProjectStatus.ACCEPTANCE),
        (ProjectStatus.ACCEPTED, ProjectStatus.MAINTENANCE),
    ):
        Project.objects.filter(pk=project_a.pk).update(status=start)
        project_a.refresh_from_db()
        with pytest.raises(Conflict, match="acceptance rounds"):
            services.transition_project(project_a, to, street_user, note="x")
        assert to not in [s for s, _label, _r in services.allowed_transitions(project_a)]
        project_a.refresh_from_db()
        assert project_a.status == start
    assert not ProjectStatusChange.objects.filter(project=project_a).exists()


def test_editing_a_stale_copy_keeps_a_transition_made_meanwhile(project_a, street_user):
    stale = Project.objects.get(pk=project_a.pk)  # e.g. the edit form's instance
    services.transition_project(project_a, ProjectStatus.CONSULTING, street_user)
    services.update_project(stale, user=street_user, name="新名字")
    project_a.refresh_from_db()
    assert (project_a.status, project_a.name) == (ProjectStatus.CONSULTING, "新名字")


def test_allowed_transitions_lists_refusals(project_a):
    project_a.status = ProjectStatus.CONSULTING
    steps = dict((s, r) for s, _label, r in services.allowed_transitions(project_a))
    assert set(steps) == {ProjectStatus.APPROVED, ProjectStatus.PLANNING}
    assert steps[ProjectStatus.PLANNING] is None
    assert "five ones" in steps[ProjectStatus.APPROVED]


# --- derived totals ---------------------------------------------------------------------------------


def test_progress_is_budget_weighted(project_a):
    pf.WorkItemFactory(project=project_a, budget=Decimal("900000"), progress=50)
    pf.WorkItemFactory(project=project_a, budget=Decimal("100000"), progress=100)
    totals = services.project_totals(project_a)
    assert totals.budget == Decimal("1000000")
    # (900000*50 + 100000*100) / 1000000 = 55.0, not the plain mean 75
    assert totals.progress == Decimal("55.0")
    from projects.models import Project

    annotated = Project.objects.with_totals().get(pk=project_a.pk)
    assert annotated.progress == Decimal("55.0")
    assert annotated.budget_total == Decimal("1000000")


def test_progress_without_budgets_is_plain_mean_and_empty_is_zero(project_a, project_b):
    pf.WorkItemFactory(project=project_a, budget=0, progress=30)
    pf.WorkItemFactory(project=project_a, budget=0, progress=61)
    assert services.project_totals(project_a).progress == Decimal("45.5")
    assert services.project_totals(project_b).progress == Decimal("0.0")


def test_funding_totals_per_project_programme_division(world, project_a, project_b, project_c):
    programme = pf.ProgrammeFactory(district=world.district)
    for p in (project_a, project_b, project_c):
        p.programme = programme
        p.save()
    pf.FundingLineFactory(project=project_a, source=FundingSource.CENTRAL_SUBSIDY, planned=100, received=40)
    pf.FundingLineFactory(project=project_a, source=FundingSource.RESIDENTS, planned=20, received=20)
    pf.FundingLineFactory(project=project_b, source=FundingSource.CENTRAL_SUBSIDY, planned=50, received=0)
    pf.FundingLineFactory(project=project_c, source=FundingSource.DISTRICT_MATCHING, planned=7, received=7)
    one = services.project_totals(project_a)
    assert (one.funding_planned, one.funding_received) == (Decimal("120"), Decimal("60"))
    prog = services.programme_funding(programme)
    assert prog["planned"] == Decimal("177")
    assert {r["source"]: r["planned"] for r in prog["by_source"]}["central_subsidy"] == Decimal("150")
    street = services.division_funding(world.street_a)
    assert street["planned"] == Decimal("170")  # project_c is in street B


# --- dig once ---------------------------------------------------------------------------------------


def test_dig_once_overlapping_windows_in_one_zone_are_fine(project_a):
    pf.UtilityWorkFactory(
        project=project_a,
        kind=UtilityKind.WATER,
        zone="主路",
        window_start=D(2024, 5, 1),
        window_end=D(2024, 5, 10),
    )
    pf.UtilityWorkFactory(
        project=project_a,
        kind=UtilityKind.GAS,
        zone="主路",
        window_start=D(2024, 5, 8),
        window_end=D(2024, 5, 20),
    )
    assert services.dig_conflicts(project_a) == []
    zone = services.dig_zones(project_a.utility_works.all())[0]
    assert zone.common_window == (D(2024, 5, 8), D(2024, 5, 10))


def test_dig_once_separate_windows_in_one_zone_conflict(project_a):
    water = pf.UtilityWorkFactory(
        project=project_a,
        kind=UtilityKind.WATER,
        zone="3栋 北侧",
        window_start=D(2024, 5, 1),
        window_end=D(2024, 5, 10),
    )
    gas = pf.UtilityWorkFactory(
        project=project_a,
        kind=UtilityKind.GAS,
        zone="3栋北侧",
        window_start=D(2024, 6, 1),
        window_end=D(2024, 6, 5),
    )
    power = pf.UtilityWorkFactory(
        project=project_a,
        kind=UtilityKind.POWER,
        zone="3栋北侧",
        window_start=D(2024, 6, 3),
        window_end=D(2024, 6, 9),
    )
    conflicts = services.dig_conflicts(project_a)
    pairs = {(c.first.pk, c.second.pk) for c in conflicts}
    assert pairs == {(water.pk, gas.pk), (water.pk, power.pk)}
    assert min(c.gap_days for c in conflicts) == 22
    zone = services.dig_zones(project_a.utility_works.all())[0]
    assert zone.common_window is None


def test_dig_once_different_zones_never_conflict(project_a):
    pf.UtilityWorkFactory(
        project=project_a, zone="东区", window_start=D(2024, 5, 1), window_end=D(2024, 5, 2)
    )
    pf.UtilityWorkFactory(
        project=project_a, zone="西区", window_start=D(2024, 9, 1), window_end=D(2024, 9, 2)
    )
    assert services.dig_conflicts(project_a) == []
    cal = services.dig_calendar(services.dig_zones(project_a.utility_works.all()))
    assert len(cal["rows"]) == 2
    assert cal["rows"][0]["left"] == 0
    assert [m["label"] for m in cal["months"]][:2] == ["2024-05", "2024-06"]


# --- branches and coverage --------------------------------------------------------------------------


def test_setup_branch_and_one_secretary(project_a, street_user):
    branch = services.setup_branch(user=street_user, project=project_a, name="民居巷血防站临时党支部")
    assert branch.division == project_a.division
    assert list(branch.compounds.all()) == list(project_a.compounds.all())
    services.add_member(
        branch, street_user, name="李书记", role=MemberRole.SECRETARY, organization="竹岭社区"
    )
    with pytest.raises(Conflict, match="李书记"):
        services.add_member(branch, street_user, name="王某", role=MemberRole.SECRETARY)


def test_changing_project_compounds_keeps_temporary_branch_in_step(
    project_a, street_user, world, buildings_a
):
    branch = services.setup_branch(user=street_user, project=project_a, name="临时党支部")
    joint = services.setup_branch(
        user=street_user,
        kind=BranchKind.JOINT,
        name="联合党支部",
        division=world.street_a,
        compounds=[world.compound_a],
        project=project_a,
    )
    m = pf.BranchMemberFactory(branch=branch)
    services.bulk_assign(branch, m, street_user, building=buildings_a[0])
    # a compound joins the project: the branch covers it too
    services.update_project(project_a, user=street_user, compounds=[world.compound_a, world.compound_b])
    assert set(branch.compounds.all()) == {world.compound_a, world.compound_b}
    assert services.coverage(branch).assigned == 8
    # compound A leaves: the branch drops it and its assignments; the joint branch keeps its own
    services.update_project(project_a, user=street_user, compounds=[world.compound_b])
    assert list(branch.compounds.all()) == [world.compound_b]
    assert HouseholdAssignment.objects.filter(branch=branch).count() == 0
    assert list(joint.compounds.all()) == [world.compound_a]
    # other fields alone leave the compounds as they are
    services.update_project(project_a, user=street_user, name="新名字")
    assert list(branch.compounds.all()) == [world.compound_b]


def test_joint_branch_over_compounds(world, street_user):
    branch = services.setup_branch(
        user=street_user,
        kind=BranchKind.JOINT,
        name="联合党支部",
        division=world.street_a,
        compounds=[world.compound_a, world.compound_b],
    )
    assert branch.compounds.count() == 2
    with pytest.raises(DomainError):
        services.setup_branch(
            user=street_user,
            kind=BranchKind.JOINT,
            name="x",
            division=world.street_a,
            compounds=[world.compound_c],
        )


def test_member_keeps_original_organisation(project_a, street_user, world):
    branch = pf.PartyBranchFactory(project=project_a)
    person = f.PersonFactory(
        division=world.community_a,
        name="赵党员",
        employer="县自来水公司",
        party_organization="自来水公司党支部",
    )
    m = services.add_member(branch, street_user, person=person)
    assert (m.name, m.organization, m.party_organization) == ("赵党员", "县自来水公司", "自来水公司党支部")


def test_bulk_assign_and_coverage_arithmetic(
    project_a, street_user, buildings_a, django_assert_max_num_queries
):
    b1, _b2, households = buildings_a
    branch = pf.PartyBranchFactory(project=project_a)
    m1 = pf.BranchMemberFactory(branch=branch)
    m2 = pf.BranchMemberFactory(branch=branch)
    with django_assert_max_num_queries(10):
        r = services.bulk_assign(branch, m1, street_user, building=b1, unit="1")
    assert r == {"assigned": 4, "moved": 0, "unchanged": 0, "total": 4}
    r = services.bulk_assign(branch, m2, street_user, building=b1)
    assert r == {"assigned": 4, "moved": 0, "unchanged": 4, "total": 8}
    r = services.bulk_assign(branch, m2, street_user, building=b1, unit="1", reassign=True)
    assert r == {"assigned": 0, "moved": 4, "unchanged": 0, "total": 4}
    services.bulk_assign(branch, m1, street_user, households=[households[8].pk])
    with django_assert_max_num_queries(3):
        cov = services.coverage(branch)
    assert (cov.total, cov.assigned, cov.unassigned) == (11, 9, 2)
    assert cov.percent == Decimal("81.8")
    rows = {r["building"]: r for r in cov.by_building}
    assert (rows["1栋"]["assigned"], rows["1栋"]["total"], rows["1栋"]["percent"]) == (8, 8, Decimal("100.0"))
    assert (rows["2栋"]["assigned"], rows["2栋"]["unassigned"]) == (1, 2)
    per_member = {r["member"].pk: r["households"] for r in cov.by_member}
    assert per_member == {m1.pk: 1, m2.pk: 8}
    assert set(services.unassigned_households(branch)) == {households[9], households[10]}


def test_bulk_assign_refuses_outside_households_and_foreign_members(
    project_a, project_b, street_user, buildings_a, world
):
    branch = pf.PartyBranchFactory(project=project_a)
    other = pf.PartyBranchFactory(project=project_b)
    m = pf.BranchMemberFactory(branch=branch)
    foreign = pf.BranchMemberFactory(branch=other)
    outside = f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_b))
    with pytest.raises(DomainError):
        services.bulk_assign(branch, m, street_user, households=[outside.pk])
    with pytest.raises(DomainError):
        services.bulk_assign(branch, foreign, street_user, building=buildings_a[0])
    assert HouseholdAssignment.objects.count() == 0


def test_contractor_reports_progress_only_on_its_project(project_a, project_b, contractor):
    item = pf.WorkItemFactory(project=project_a)
    services.set_work_item_progress(item, 40, contractor)
    item.refresh_from_db()
    assert item.progress == 40
    pf.ProjectPartyFactory(project=project_b, role=PartyRole.DESIGN).users.add(contractor)
    other = pf.WorkItemFactory(project=project_b)
    with pytest.raises(services.Forbidden):
        services.set_work_item_progress(other, 40, contractor)  # a design party does not report works


def test_catalog_items_are_not_added_twice(project_a, street_user):
    from projects.models import CatalogItem

    a = CatalogItem.objects.create(code="QA1", name="屋面防水", category="basic", unit="m²")
    b = CatalogItem.objects.create(code="QA2", name="加装电梯", category="improvement", unit="台")
    assert len(services.add_work_items(project_a, street_user, [a])) == 1
    # ticked under the national catalog and again under 三清四改五提升: one new item
    created = services.add_work_items(project_a, street_user, [a, b, b])
    assert [w.catalog_item for w in created] == [b]
    assert project_a.work_items.count() == 2


def test_groups_per_building_once_each(project_a, street_user, buildings_a, viewer):
    branch = pf.PartyBranchFactory(project=project_a)
    pf.PartyGroupFactory(branch=branch, building=buildings_a[0], name="1栋党小组")
    created = services.groups_per_building(branch, street_user)
    assert [(g.building, g.name) for g in created] == [(buildings_a[1], "2栋 Party group")]
    assert services.groups_per_building(branch, street_user) == []
    with pytest.raises(services.Forbidden):
        services.groups_per_building(branch, viewer)


def test_members_listed_secretary_first(project_a, street_user):
    branch = pf.PartyBranchFactory(project=project_a)
    for name, role in (("甲", MemberRole.MEMBER), ("乙", MemberRole.COMMITTEE), ("丙", MemberRole.SECRETARY)):
        pf.BranchMemberFactory(branch=branch, name=name, role=role)
    assert [r["member"].name for r in services.coverage(branch).by_member] == ["丙", "乙", "甲"]


def test_contractor_candidates_are_of_the_projects_district(world, project_a, contractor):
    from communities.choices import DivisionLevel, Role

    other = f.DivisionFactory(name="惠济区", level=DivisionLevel.DISTRICT, parent=world.district.parent)
    outsider = f.UserFactory(username="liuzhai_contractor")
    f.RoleAssignmentFactory(user=outsider, role=Role.CONTRACTOR, division=other)
    assert list(services.contractor_candidates(project_a)) == [contractor]


def test_update_branch_fixed_fields_and_temporary_compounds(project_a, street_user, world):
    branch = services.setup_branch(user=street_user, project=project_a, name="临时党支部")
    services.update_branch(branch, user=street_user, name="新名字", note="备注")
    assert branch.name == "新名字"
    with pytest.raises(DomainError, match="on the project"):
        services.update_branch(branch, user=street_user, compounds=[world.compound_b])
    with pytest.raises(DomainError):
        services.update_branch(branch, user=street_user, kind=BranchKind.JOINT)
    with pytest.raises(DomainError, match="dissolved"):
        services.update_branch(
            branch, user=street_user, dissolved_on=branch.established_on - datetime.timedelta(1)
        )
