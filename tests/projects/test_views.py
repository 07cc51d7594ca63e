import datetime

import pytest
from django.urls import reverse

from projects.choices import FundingSource, MemberRole, ProjectStatus, UtilityKind
from projects.models import BranchMember, HouseholdAssignment, Project, WorkItem
from tests import factories as f

from . import factories as pf


@pytest.fixture
def full_project(project_a, buildings_a, world):
    """project_a with everything on it: items, funding, milestone, dig-once conflict, branch with members."""
    pf.WorkItemFactory(project=project_a, name="屋面防水", budget=200000, progress=50)
    pf.FundingLineFactory(project=project_a, planned=500000, received=100000)
    pf.MilestoneFactory(project=project_a, name="方案公示", planned_date=datetime.date(2020, 1, 1))
    pf.UtilityWorkFactory(project=project_a, kind=UtilityKind.WATER, zone="主路")
    pf.UtilityWorkFactory(
        project=project_a,
        kind=UtilityKind.GAS,
        zone="主路",
        window_start=datetime.date(2024, 7, 1),
        window_end=datetime.date(2024, 7, 3),
    )
    branch = pf.PartyBranchFactory(project=project_a, name="民居巷临时党支部")
    person = f.PersonFactory(division=world.community_a, name="居民甲", phone="13800001111", id_number="")
    sec = pf.BranchMemberFactory(
        branch=branch,
        name="李书记",
        role=MemberRole.SECRETARY,
        phone="13999998888",
        public_contact="0792-2812345",
        person=person,
    )
    owner = f.PersonFactory(division=world.community_a, name="业主王大爷", phone="13711112222")
    f.OwnershipFactory(person=owner, household=buildings_a[2][0])
    HouseholdAssignment.objects.create(branch=branch, household=buildings_a[2][0], member=sec)
    return project_a


def test_project_pages_render_for_street_user(client, street_user, full_project):
    client.force_login(street_user)
    r = client.get(reverse("projects:project_list"))
    assert r.status_code == 200
    assert "民居巷血防站改造" in r.content.decode()
    r = client.get(full_project.get_absolute_url())
    body = r.content.decode()
    assert r.status_code == 200
    assert "dig-once-warning" in body
    assert "李书记" in body
    assert "1 / 11" in body  # coverage summary
    assert "overdue" in body or "逾期" in body


def test_project_pages_show_chinese_by_default(client, street_user, full_project):
    client.force_login(street_user)
    body = client.get(full_project.get_absolute_url()).content.decode()
    assert "工作事项" in body or "改造内容" in body


@pytest.mark.parametrize(
    "who,status",
    [("street_user", 200), ("secretary_a", 200), ("secretary_b", 404), ("contractor", 200), ("viewer", 200)],
)
def test_project_detail_scoping(client, request, full_project, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(full_project.get_absolute_url()).status_code == status


def test_contractor_sees_only_its_projects_in_list(client, contractor, project_a, project_b):
    client.force_login(contractor)
    body = client.get(reverse("projects:project_list")).content.decode()
    assert project_a.name in body and project_b.name not in body
    assert client.get(project_b.get_absolute_url()).status_code == 404
    # visible but not editable: 403
    assert client.get(reverse("projects:project_edit", args=[project_a.pk])).status_code == 403


def test_branch_pages_and_scoping(client, street_user, secretary_b, contractor, full_project):
    branch = full_project.branches.get()
    client.force_login(street_user)
    for name in ("branch_detail", "branch_assign", "branch_unassigned"):
        assert client.get(reverse(f"projects:{name}", args=[branch.pk])).status_code == 200
    client.force_login(secretary_b)
    assert client.get(branch.get_absolute_url()).status_code == 404
    client.force_login(contractor)
    assert client.get(branch.get_absolute_url()).status_code == 200
    assert client.get(reverse("projects:branch_unassigned", args=[branch.pk])).status_code == 403


def test_create_project_and_transition_via_pages(client, street_user, world):
    client.force_login(street_user)
    r = client.post(
        reverse("projects:project_create"),
        {
            "name": "竹岭片区改造",
            "division": world.street_a.pk,
            "compounds": [world.compound_a.pk, world.compound_b.pk],
            "year": 2024,
            "category": "basic",
            "responsible_leader": "张县长",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    project = Project.objects.get(name="竹岭片区改造")
    assert project.created_by == street_user
    r = client.post(reverse("projects:project_transition", args=[project.pk]), {"to": "under_construction"})
    # refused: the project page again with the reason (and what was typed), not a redirect
    assert r.status_code == 200 and [str(m) for m in r.context["messages"]]
    project.refresh_from_db()
    assert project.status == ProjectStatus.PLANNING
    r = client.post(reverse("projects:project_transition", args=[project.pk]), {"to": "consulting"})
    project.refresh_from_db()
    assert project.status == ProjectStatus.CONSULTING


def test_work_items_from_catalog_and_bulk_assign_pages(client, street_user, project_a, buildings_a):
    from projects.models import CatalogItem

    items = pf.CatalogItemFactory.create_batch(2)
    client.force_login(street_user)
    r = client.post(
        reverse("projects:work_items_from_catalog", args=[project_a.pk]),
        {"catalog_items": [i.pk for i in items]},
    )
    assert r.status_code == 302
    assert set(WorkItem.objects.filter(project=project_a).values_list("catalog_item", flat=True)) == {
        i.pk for i in items
    }
    assert CatalogItem.objects.count() >= 2
    branch = pf.PartyBranchFactory(project=project_a)
    m = pf.BranchMemberFactory(branch=branch)
    r = client.post(
        reverse("projects:branch_assign", args=[branch.pk]),
        {"member": m.pk, "building": buildings_a[0].pk, "unit": "2"},
    )
    assert r.status_code == 302
    assert HouseholdAssignment.objects.filter(branch=branch, member=m).count() == 4


def test_public_page_leaks_no_personal_data(client, full_project):
    r = client.get(full_project.get_public_url())
    assert r.status_code == 200
    body = r.content.decode()
    assert "民居巷血防站改造" in body
    assert "李书记" in body and "0792-2812345" in body  # branch contact: name, role, public contact
    for secret in (
        "13999998888",
        "13800001111",
        "13711112222",
        "13912345678",
        "居民甲",
        "业主王大爷",
        "王工",
    ):
        assert secret not in body
    for fmt, ctype in (("svg", "image/svg+xml"), ("png", "image/png")):
        r = client.get(reverse("projects:project_qr", args=[full_project.pk, fmt]))
        assert r.status_code == 200 and r["Content-Type"] == ctype


def test_list_pages_constant_queries(client, street_user, world, django_assert_max_num_queries):
    for _i in range(12):
        p = pf.ProjectFactory(division=world.street_a, compounds=[world.compound_a, world.compound_b])
        pf.WorkItemFactory(project=p)
        b = pf.PartyBranchFactory(project=p)
        pf.BranchMemberFactory(branch=b, role=MemberRole.SECRETARY)
    client.force_login(street_user)
    client.get(reverse("projects:project_list"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("projects:project_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("projects:branch_list")).status_code == 200


def test_ledger_export_job(client, street_user, full_project, project_c, django_capture_on_commit_callbacks):
    from communities.models import BackgroundJob

    client.force_login(street_user)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("projects:ledger_export"))
    assert r.status_code == 302
    job = BackgroundJob.objects.get(kind="project_ledger")
    assert job.status == "succeeded", job.message
    from openpyxl import load_workbook

    wb = load_workbook(job.result_file.open("rb"))
    rows = list(wb.active.iter_rows(values_only=True))
    names = [row[1] for row in rows[1:]]
    assert names == ["民居巷血防站改造"]  # project_c is outside street A
    assert BranchMember.objects.count() == 1


def test_branch_page_shows_member_phones_to_unmasked_roles_only(client, street_user, viewer, full_project):
    from communities.models import AccessLog

    branch = full_project.branches.get()
    client.force_login(street_user)
    body = client.get(branch.get_absolute_url()).content.decode()
    assert 'href="tel:13999998888"' in body
    assert AccessLog.objects.filter(user=street_user, object_type="projects.branchmember").count() == 1
    client.force_login(viewer)
    body = client.get(branch.get_absolute_url()).content.decode()
    assert "13999998888" not in body and "139****8888" in body
    assert not AccessLog.objects.filter(user=viewer).exists()


def test_unassigned_page_groups_by_stairwell_and_prefills_assign(
    client, street_user, full_project, buildings_a
):
    branch = full_project.branches.get()
    b1 = buildings_a[0]
    client.force_login(street_user)
    body = client.get(reverse("projects:branch_unassigned", args=[branch.pk])).content.decode()
    assert f"?building={b1.pk}&amp;unit=2" in body
    r = client.get(reverse("projects:branch_assign", args=[branch.pk]) + f"?building={b1.pk}&unit=2")
    assert r.context["form"].initial == {"building": str(b1.pk), "unit": "2"}
    r = client.post(reverse("projects:branch_groups_per_building", args=[branch.pk]))
    assert r.status_code == 302 and branch.groups.count() == 2


def test_project_detail_constant_queries_with_many_work_items(
    client, street_user, full_project, buildings_a, world, django_assert_max_num_queries
):
    """The page (with consultations' demands per work item and supervision's history) runs the same
    number of queries for 2 work items as for 14, each with demands, parties and inspections."""
    from tests.consultations.factories import OpinionFactory
    from tests.supervision.factories import InspectionFactory, RectificationFactory

    households = buildings_a[2]

    def add(n):
        for i in range(n):
            item = pf.WorkItemFactory(project=full_project, budget=1000 + i)
            for h in households[i % 5 : i % 5 + 2]:
                OpinionFactory(
                    compound=world.compound_a,
                    household=h,
                    project=full_project,
                    work_item=item,
                    status="planned",
                )
            party = pf.ProjectPartyFactory(project=full_project, phone="13800000000")
            RectificationFactory(responsible_party=party)
            InspectionFactory(project=full_project)
            # one line per source (a constraint): the next unused source, while there is one
            used = set(full_project.funding_lines.values_list("source", flat=True))
            unused = [s for s in FundingSource.values if s not in used]
            if unused:
                pf.FundingLineFactory(project=full_project, source=unused[0])
            pf.MilestoneFactory(project=full_project)

    client.force_login(street_user)
    add(1)
    url = full_project.get_absolute_url()
    client.get(url)
    # ~40 for the page itself, ~12 for the residents' decisions checklist (one query per gate's
    # evidence, whatever the number of work items)
    with django_assert_max_num_queries(55) as few:
        assert client.get(url).status_code == 200
    add(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get(url)
    assert r.status_code == 200 and full_project.work_items.count() == 14
