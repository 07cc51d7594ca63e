"""Home per role (issue 13): each number equals the rows of the list it links to, scoped by role."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultations import choices as cchoices
from consultations.models import Notice, NoticeObjection, Opinion
from projects.choices import PartyRole, ProjectStatus
from projects.models import GateException, Milestone, Project
from supervision.workday import todo
from tests import factories as f
from tests.ballots.factories import make_ballot, make_households
from tests.consultations.factories import OpinionFactory, VisitFactory, assign, branch_for, member
from tests.projects import factories as pf
from tests.supervision.factories import InspectionFactory, RectificationFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _project(world, compound, division, status, name):
    p = pf.ProjectFactory(name=name, division=division, compounds=[compound])
    Project.objects.filter(pk=p.pk).update(status=status)
    p.refresh_from_db()
    return p


def _build(world, users, n: int = 1):
    """`n` rows of each to-do in community A (street A) and the same in community C (street B)."""
    grid, _secretary, _street, contractor, district = users
    today = timezone.localdate()
    now = timezone.now()
    made = {}
    for compound, division in ((world.compound_a, world.street_a), (world.compound_c, world.street_b)):
        consulting = _project(world, compound, division, ProjectStatus.CONSULTING, f"{compound.name}改造{n}")
        building = f.BuildingFactory(compound=compound, name=f"{n}栋")
        households = [
            f.HouseholdFactory(building=building, unit="1", room=f"{i + 1}01") for i in range(2 * n)
        ]
        branch = branch_for(compound, consulting)
        mine = member(branch, user=grid if compound == world.compound_a else None)
        for h in households:
            assign(branch, h, mine)
        for h in households[:n]:  # half visited
            VisitFactory(household=h)
        for _i in range(n):
            OpinionFactory(compound=compound, created_by=grid)  # open, mine in A
            OpinionFactory(compound=compound, status=cchoices.OpinionStatus.RESOLVED, created_by=grid)
            old = OpinionFactory(compound=compound)
            Opinion.objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(days=40))
            notice = Notice.objects.create(
                title="公示", body="…", division=compound.division, compound=compound, period_days=5
            )
            Notice.objects.create(
                title="长公示", body="…", division=compound.division, compound=compound, period_days=30
            )
            NoticeObjection.objects.create(notice=notice, text="我反对")
            Milestone.objects.create(
                project=consulting, name="开工", planned_date=today - datetime.timedelta(days=3)
            )
            Milestone.objects.create(
                project=consulting, name="完工", planned_date=today + datetime.timedelta(days=30)
            )
            GateException.objects.create(
                project=consulting, gate=f"item-{_i}", reason="试点", granted_by=district
            )
        building_project = _project(
            world, compound, division, ProjectStatus.UNDER_CONSTRUCTION, f"{compound.name}施工{n}"
        )
        party = pf.ProjectPartyFactory(project=building_project, role=PartyRole.CONSTRUCTION, name="江西建工")
        if compound == world.compound_a:
            party.users.add(contractor)
        for _i in range(n):
            RectificationFactory(responsible_party=party, deadline=today - datetime.timedelta(days=1))
            RectificationFactory(responsible_party=party, deadline=today + datetime.timedelta(days=3))
            RectificationFactory(responsible_party=party, deadline=today + datetime.timedelta(days=30))
            pf.WorkItemFactory(project=building_project, name="屋面防水")
            InspectionFactory(project=building_project)
        _project(world, compound, division, ProjectStatus.ACCEPTANCE, f"{compound.name}验收{n}")
        made[compound.pk] = consulting
    return made


@pytest.fixture
def cast(world, grid_worker_a, secretary_a, street_user, contractor, district_admin):
    return (grid_worker_a, secretary_a, street_user, contractor, district_admin)


EXPECTED = {
    # per n: what each role must see (community A / street A only; district: both streets)
    "grid_worker": {"my-unvisited": 1, "my-open-opinions": 1},
    "community_secretary": {
        "unvisited": 1,
        "open-opinions": 2,
        "notices-ending": 1,
        "objections": 1,
        "orders-due": 2,
    },
    "street_staff": {
        "gates": 1,
        "milestones-overdue": 1,
        "orders-overdue": 1,
        "opinions-unanswered": 1,
        "rounds-to-schedule": 1,
    },
    "contractor": {"my-orders": 3, "my-orders-overdue": 1, "progress-due": 1, "inspections": 4},
    "district_admin": {"exceptions": 2},
}


def _counts(user) -> dict:
    return {i.key: i.count for s in todo.todo_for(user) for i in s.items}


def test_each_role_gets_its_items_scoped(world, cast):
    _build(world, cast)
    for user, role in zip(cast, EXPECTED, strict=True):
        counts = _counts(user)
        for key, n in EXPECTED[role].items():
            assert counts[key] == n, (role, key, counts)
        assert {s.role for s in todo.todo_for(user)} == {role}
    # the secretary of community B sees none of A's
    b = f.UserFactory(username="sec_b")
    f.RoleAssignmentFactory(user=b, role="community_secretary", division=world.community_b)
    assert all(v == 0 for v in _counts(b).values())


def test_counts_equal_the_linked_lists(world, cast):
    _build(world, cast)
    for user in cast:
        client = _client(user)
        home = client.get(reverse("home"))
        assert home.status_code == 200
        html = home.content.decode()
        items = [i for s in todo.todo_for(user) for i in s.items]
        assert items
        for item in items:
            assert f'href="{item.url}" data-todo="{item.key}"' in html
            page = client.get(item.url)
            assert page.status_code == 200
            body = page.content.decode()
            assert f'data-total="{item.count}"' in body, item.key
            rows = body.count('<li class="list-group-item')
            assert rows == (item.count or 1), (item.key, rows, item.count)  # "nothing to do" row when 0


def test_a_list_of_another_role_is_not_found(world, cast):
    grid, secretary, *_ = cast
    assert _client(grid).get(reverse("todo_list", args=["objections"])).status_code == 404
    assert _client(secretary).get(reverse("todo_list", args=["no-such-thing"])).status_code == 404


def test_open_ballots_show_turnout(world, secretary_a):
    make_households(world.compound_a)
    ballot = make_ballot(secretary_a, world.compound_a, closes_at=timezone.now() + datetime.timedelta(days=2))
    counts = _counts(secretary_a)
    assert counts["open-ballots"] == 1 and counts["ballots-closing"] == 1
    body = _client(secretary_a).get(reverse("todo_list", args=["open-ballots"])).content.decode()
    assert ballot.title in body and "0 / 4" in body


def test_gate_list_names_what_is_missing(world, cast):
    _build(world, cast)
    street = cast[2]
    body = _client(street).get(reverse("todo_list", args=["gates"])).content.decode()
    assert "border-danger" in body or "next step" in body or "下一步" in body


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_home_and_lists_cost_constant_queries(world, cast):
    _build(world, cast, n=1)
    clients = [(_client(u), u) for u in cast]
    urls = [(c, reverse("home")) for c, _u in clients] + [
        (c, i.url) for c, u in clients for s in todo.todo_for(u) for i in s.items if i.key != "gates"
    ]
    before = [_queries(c, url) for c, url in urls]
    _build(world, cast, n=3)
    after = [_queries(c, url) for c, url in urls]
    assert before == after, [(u, b, a) for (_c, u), b, a in zip(urls, before, after, strict=True) if b != a]
    assert max(before) <= 30


def test_home_is_chinese_and_links_the_overview_for_the_district(world, cast):
    body = _client(cast[4]).get(reverse("home")).content.decode()
    assert reverse("overview:landing") in body
    assert "待办" in body
    assert re.search("Gate exceptions", body) is None


def test_api_gives_the_same_counts(world, cast, api_client):
    _build(world, cast)
    for user in cast:
        api_client.force_authenticate(user)
        data = api_client.get("/api/v1/me/todo/").json()
        assert {i["key"]: i["count"] for s in data for i in s["items"]} == _counts(user)
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/me/todo/").status_code in (401, 403)


def test_answer_time_is_the_divisions(world, street_user):
    from consultations.models import NoticePolicy

    street_b = f.UserFactory(username="street_b")
    f.RoleAssignmentFactory(user=street_b, role="street_staff", division=world.street_b)
    NoticePolicy.objects.create(division=world.street_a, opinion_answer_days=30)
    now = timezone.now()
    for compound, days in ((world.compound_a, 20), (world.compound_a, 40), (world.compound_c, 20)):
        o = OpinionFactory(compound=compound)
        Opinion.objects.filter(pk=o.pk).update(created_at=now - datetime.timedelta(days=days))
    assert _counts(street_user)["opinions-unanswered"] == 1  # street A answers within 30 days
    assert _counts(street_b)["opinions-unanswered"] == 1  # street B: the default 15 days
    NoticePolicy.objects.create(division=world.community_a, opinion_answer_days=10)  # nearest wins
    assert _counts(street_user)["opinions-unanswered"] == 2
