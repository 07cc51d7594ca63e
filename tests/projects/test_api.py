import datetime

import pytest

from projects.choices import MemberRole, PartyRole
from projects.models import HouseholdAssignment, Project

from . import factories as pf

RESOURCES = [
    "projects",
    "work-items",
    "funding-lines",
    "project-parties",
    "milestones",
    "utility-works",
    "branches",
    "branch-members",
    "party-groups",
    "commando-teams",
    "branch-activities",
    "household-assignments",
]


@pytest.fixture
def everything(world, project_a, project_b, project_c, buildings_a):
    """Each project gets one row of every kind."""
    rows = {}
    for p in (project_a, project_b, project_c):
        branch = pf.PartyBranchFactory(project=p)
        member = pf.BranchMemberFactory(branch=branch)
        hh = buildings_a[2][0] if p is project_a else None
        rows[p.pk] = {
            "projects": p,
            "work-items": pf.WorkItemFactory(project=p),
            "funding-lines": pf.FundingLineFactory(project=p),
            "project-parties": pf.ProjectPartyFactory(project=p, role=PartyRole.DESIGN),
            "milestones": pf.MilestoneFactory(project=p),
            "utility-works": pf.UtilityWorkFactory(project=p),
            "branches": branch,
            "branch-members": member,
            "party-groups": pf.PartyGroupFactory(branch=branch),
            "commando-teams": pf.CommandoTeamFactory(branch=branch),
            "branch-activities": pf.BranchActivityFactory(branch=branch),
        }
        if hh is not None:
            rows[p.pk]["household-assignments"] = HouseholdAssignment.objects.create(
                branch=branch, household=hh, member=member
            )
    return rows


# who sees which projects' rows (a: street-A project on compound A, b: community B, c: street B)
VISIBLE = {
    "district_admin": {"a", "b", "c"},
    "street_user": {"a", "b"},
    "secretary_a": {"a"},  # the street's project on her compound
    "secretary_b": {"b"},
    "grid_worker_a": {"a"},
    "contractor": {"a"},  # only where it acts for a party
    "viewer": {"a", "b", "c"},
}


@pytest.mark.parametrize("who", list(VISIBLE))
@pytest.mark.parametrize("resource", RESOURCES)
def test_scoping_matrix(api_as, request, everything, project_a, project_b, project_c, who, resource):
    user = request.getfixturevalue(who)
    client = api_as(user)
    names = {project_a.pk: "a", project_b.pk: "b", project_c.pk: "c"}
    expected = set(VISIBLE[who])
    if resource == "household-assignments":
        expected &= {"a"}
        if who == "contractor":
            expected = set()  # contractors never see residents' households
    r = client.get(f"/api/v1/{resource}/?page_size=100")
    assert r.status_code == 200, r.data
    ids = {row["id"] for row in r.data["results"]}
    for pk, letter in names.items():
        obj = everything[pk].get(resource)
        if obj is None:
            continue
        assert (obj.pk in ids) == (letter in expected), (resource, who, letter)
        detail = client.get(f"/api/v1/{resource}/{obj.pk}/")
        assert detail.status_code == (200 if letter in expected else 404)


def test_anonymous_gets_401(api_as, everything):
    for resource in [*RESOURCES, "programmes", "catalog-items"]:
        assert api_as(None).get(f"/api/v1/{resource}/").status_code in (401, 403)


@pytest.mark.parametrize(
    "who,status", [("street_user", 201), ("secretary_b", 400), ("viewer", 403), ("contractor", 403)]
)
def test_create_project_permissions(api_as, request, world, who, status):
    r = api_as(request.getfixturevalue(who)).post(
        "/api/v1/projects/",
        {"name": "新项目", "division": world.street_a.pk, "compounds": [world.compound_a.pk], "year": 2024},
        format="json",
    )
    assert r.status_code == status, r.data
    if status == 201:
        assert r.data["status"] == "planning" and r.data["progress"] == "0.0"


def test_edit_visible_but_not_editable_is_403(api_as, secretary_a, project_a, viewer):
    # secretary A sees the street's project on her compound but the street runs it
    r = api_as(secretary_a).patch(f"/api/v1/projects/{project_a.pk}/", {"name": "x"}, format="json")
    assert r.status_code == 403
    r = api_as(viewer).post(
        f"/api/v1/projects/{project_a.pk}/transition/", {"to": "consulting"}, format="json"
    )
    assert r.status_code == 403


def test_transition_action(api_as, street_user, project_a):
    client = api_as(street_user)
    r = client.post(
        f"/api/v1/projects/{project_a.pk}/transition/", {"to": "under_construction"}, format="json"
    )
    assert r.status_code == 409
    assert "方案尚未批复" in r.data["detail"]  # the refusal says why, in Chinese by default
    r = client.post(
        f"/api/v1/projects/{project_a.pk}/transition/",
        {"to": "consulting", "note": "开始征求意见"},
        format="json",
    )
    assert r.status_code == 200 and r.data["status"] == "consulting"
    assert r.data["allowed_next"] == ["approved", "planning"]


def test_work_item_from_catalog_and_derived_totals(api_as, street_user, project_a):
    item = pf.CatalogItemFactory(name="加装电梯", unit="台", category="improvement")
    client = api_as(street_user)
    r = client.post(
        "/api/v1/work-items/",
        {
            "project": project_a.pk,
            "catalog_item": item.pk,
            "quantity": "1",
            "budget": "600000",
            "progress": 50,
        },
        format="json",
    )
    assert r.status_code == 201, r.data
    assert (r.data["name"], r.data["unit"]) == ("加装电梯", "台")
    client.post(
        "/api/v1/work-items/",
        {"project": project_a.pk, "name": "屋面", "budget": "400000", "progress": 100},
        format="json",
    )
    p = client.get(f"/api/v1/projects/{project_a.pk}/").data
    assert p["budget_total"] == "1000000.00" and p["progress"] == "70.0"


def test_contractor_reports_progress_over_api(api_as, contractor, project_a):
    item = pf.WorkItemFactory(project=project_a)
    r = api_as(contractor).post(f"/api/v1/work-items/{item.pk}/progress/", {"progress": 80}, format="json")
    assert r.status_code == 200 and r.data["progress"] == 80
    r = api_as(contractor).patch(f"/api/v1/work-items/{item.pk}/", {"budget": "1"}, format="json")
    assert r.status_code == 403


def test_dig_once_endpoint(api_as, street_user, project_a):
    d = datetime.date
    pf.UtilityWorkFactory(
        project=project_a, zone="主路", window_start=d(2024, 5, 1), window_end=d(2024, 5, 3)
    )
    pf.UtilityWorkFactory(
        project=project_a, zone="主路", kind="gas", window_start=d(2024, 6, 1), window_end=d(2024, 6, 3)
    )
    r = api_as(street_user).get(f"/api/v1/projects/{project_a.pk}/dig-once/")
    assert r.data["conflict_count"] == 1 and r.data["zones"][0]["conflicts"][0]["gap_days"] == 29


def test_bulk_assign_and_coverage_api(api_as, street_user, secretary_a, secretary_b, project_a, buildings_a):
    branch = pf.PartyBranchFactory(project=project_a)
    m = pf.BranchMemberFactory(branch=branch)
    body = {"branch": branch.pk, "member": m.pk, "building": buildings_a[0].pk}
    assert (
        api_as(secretary_b).post("/api/v1/household-assignments/bulk/", body, format="json").status_code
        == 400
    )
    # the community secretary may run the branch on a street project over her compound
    r = api_as(secretary_a).post("/api/v1/household-assignments/bulk/", body, format="json")
    assert r.status_code == 200 and r.data["assigned"] == 8
    cov = api_as(street_user).get(f"/api/v1/branches/{branch.pk}/coverage/").data
    assert (cov["total"], cov["assigned"], cov["unassigned"]) == (11, 8, 3)
    assert len(cov["unassigned_households"]) == 3


def test_duplicate_assignment_is_refused(api_as, street_user, project_a, buildings_a):
    branch = pf.PartyBranchFactory(project=project_a)
    m = pf.BranchMemberFactory(branch=branch)
    hh = buildings_a[2][0]
    client = api_as(street_user)
    body = {"branch": branch.pk, "member": m.pk, "household": hh.pk}
    assert client.post("/api/v1/household-assignments/", body, format="json").status_code == 201
    r = client.post("/api/v1/household-assignments/", body, format="json")
    assert r.status_code == 400 and m.name in r.data["detail"]


def test_branch_member_phone_masked_and_one_secretary(api_as, street_user, project_a):
    branch = pf.PartyBranchFactory(project=project_a)
    client = api_as(street_user)
    r = client.post(
        "/api/v1/branch-members/",
        {
            "branch": branch.pk,
            "name": "李书记",
            "role": "secretary",
            "phone": "13912345678",
            "organization": "竹岭社区",
        },
        format="json",
    )
    assert r.status_code == 201, r.data
    r = client.post(
        "/api/v1/branch-members/", {"branch": branch.pk, "name": "王", "role": "secretary"}, format="json"
    )
    assert r.status_code in (400, 409)


def test_contact_phones_in_full_for_unmasked_roles_and_logged(
    api_as, street_user, grid_worker_a, viewer, project_a
):
    from communities.models import AccessLog

    branch = pf.PartyBranchFactory(project=project_a)
    m = pf.BranchMemberFactory(branch=branch, phone="13912345678")
    party = project_a.parties.get()
    party.phone = "13800002222"
    party.save()
    r = api_as(street_user).get(f"/api/v1/branch-members/?branch={branch.pk}")
    assert [row["phone"] for row in r.data["results"]] == ["13912345678"]
    log = AccessLog.objects.get(object_type="projects.branchmember")
    assert (log.user, log.object_id, log.fields, log.action) == (street_user, str(m.pk), "phone", "reveal")
    r = api_as(street_user).get(f"/api/v1/project-parties/{party.pk}/")
    assert r.data["phone"] == "13800002222"
    assert AccessLog.objects.filter(object_type="projects.projectparty", user=street_user).count() == 1
    for user in (grid_worker_a, viewer):  # roles outside UNMASKED_ROLES: masked, nothing to log
        r = api_as(user).get(f"/api/v1/branch-members/?branch={branch.pk}")
        assert [row["phone"] for row in r.data["results"]] == ["139****5678"]
        assert not AccessLog.objects.filter(user=user).exists()


def test_programmes_scoping_and_funding(
    api_as, world, district_admin, street_user, secretary_a, project_a, contractor
):
    prog = pf.ProgrammeFactory(district=world.district, name="2022年老旧小区改造计划", target_households=4032)
    project_a.programme = prog
    project_a.save()
    pf.FundingLineFactory(project=project_a, planned=100)
    for user in (district_admin, street_user, secretary_a):
        r = api_as(user).get("/api/v1/programmes/")
        assert [row["id"] for row in r.data["results"]] == [prog.pk]
    assert api_as(contractor).get("/api/v1/programmes/").data["results"] == []
    assert (
        api_as(street_user).patch(f"/api/v1/programmes/{prog.pk}/", {"name": "x"}, format="json").status_code
        == 403
    )
    r = api_as(district_admin).get(f"/api/v1/programmes/{prog.pk}/funding/")
    assert r.data["planned"] == "100.00"


def test_catalog_items_shipped(api_as, viewer, db):
    from projects.catalog_data import load
    from projects.models import CatalogGroup, CatalogItem, CatalogScheme

    load(CatalogItem, CatalogScheme, CatalogGroup)
    r = api_as(viewer).get("/api/v1/catalog-items/?category=improvement&page_size=100")
    names = [row["name"] for row in r.data["results"]]
    assert "加装电梯" in names
    r = api_as(viewer).get("/api/v1/catalog-items/?search=清违建")
    assert r.status_code == 200


@pytest.mark.parametrize("resource", [*RESOURCES, "programmes", "catalog-items"])
def test_lists_constant_queries(
    api_as, district_admin, world, buildings_a, resource, django_assert_max_num_queries
):
    def add(n):
        for _i in range(n):
            p = pf.ProjectFactory(division=world.street_a, compounds=[world.compound_a])
            branch = pf.PartyBranchFactory(project=p)
            member = pf.BranchMemberFactory(branch=branch, role=MemberRole.MEMBER)
            pf.WorkItemFactory(project=p)
            pf.FundingLineFactory(project=p)
            pf.ProjectPartyFactory(project=p).users.add(district_admin)
            pf.MilestoneFactory(project=p)
            pf.UtilityWorkFactory(project=p)
            pf.PartyGroupFactory(branch=branch).members.add(member)
            pf.CommandoTeamFactory(branch=branch).members.add(member)
            pf.BranchActivityFactory(branch=branch).attendees.add(member)
            HouseholdAssignment.objects.create(branch=branch, household=buildings_a[2][_i], member=member)
            pf.ProgrammeFactory(district=world.district).compounds.add(world.compound_a)

    client = api_as(district_admin)
    add(2)
    with django_assert_max_num_queries(12) as small:
        assert client.get(f"/api/v1/{resource}/").status_code == 200
    add(6)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(f"/api/v1/{resource}/").status_code == 200
    assert Project.objects.count() == 8
