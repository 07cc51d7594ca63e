"""Numbered HTML list pages whose Next / Previous links carry a cursor (issue 15, "province scale").

A page deep in a list by OFFSET reads and throws away every row before it (the district visit ledger's
page 180: ~650 ms on province data); a page reached by a link carrying the cursor of the row before it
is one index range (`WHERE (visited_at, id) < (...) ORDER BY visited_at DESC, id DESC LIMIT 51`),
whatever its number. A typed `?page=N` is still an OFFSET page; a list whose order a row comparison
cannot page exactly (an expression, mixed directions, a NULL-able column) keeps OFFSET pages."""

from __future__ import annotations

import datetime
import html
import re
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.db.models import Count, F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import Household, Person
from communities.paging import encode_cursor, keyset_of
from consultations.ballots.models import Elector
from consultations.models import Meeting, Visit
from tests import factories as f
from tests.communities.test_paging import _nodes, _plans

pytestmark = pytest.mark.django_db

LEDGER = "/consultations/visits/"
FIRST_PAGE_NOTICE = "这个翻页链接已与列表对不上（列表有变化），现显示第一页。"


@pytest.fixture
def small_pages(monkeypatch):
    import consultations.views

    monkeypatch.setattr(consultations.views, "PAGE_SIZE", 3)


@pytest.fixture
def visits(world):
    """17 visits, several at the same second (the id breaks the tie)."""
    household = f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_a))
    at = timezone.now().replace(microsecond=0)
    made = [
        Visit.objects.create(
            household=household,
            compound=world.compound_a,
            attitude="support",
            visited_at=at - datetime.timedelta(minutes=i // 4),
        )
        for i in range(17)
    ]
    return sorted(made, key=lambda v: (v.visited_at, v.pk), reverse=True)  # the ledger's order


def _link(response, rel):
    m = re.search(rf'rel="{rel}" href="\?([^"]*)"', response.content.decode())
    return html.unescape(m.group(1)) if m else None


def _ids(response):
    return [row.pk for row in response.context["page_obj"]]


def _follow(client, response, rel, path=LEDGER):
    query = _link(response, rel)
    assert query is not None, f"no {rel} link"
    return client.get(f"{path}?{query}")


# --- which orderings page by keyset ------------------------------------------------------------------


def test_keyset_of_plain_orderings():
    ks = keyset_of(Visit.objects.all())  # Meta ordering
    assert ks.ordering == ("-visited_at", "-pk") and ks.paths == ("visited_at", "id") and ks.descending
    ks = keyset_of(Household.objects.order_by("building_id", "unit", "floor", "room", "pk"))
    assert ks.paths == ("building_id", "unit", "floor", "room", "id") and not ks.descending
    # a relation followed through NOT NULL keys
    ks = keyset_of(Household.objects.order_by("building__compound__name", "building_id", "pk"))
    assert ks.paths == ("building__compound__name", "building_id", "id")
    # annotated with an aggregate, the explicit order holds
    ks = keyset_of(Meeting.objects.annotate(n=Count("photos")).order_by("-held_at", "-pk"))
    assert ks.ordering == ("-held_at", "-pk")


def test_keyset_of_adds_the_primary_key_as_tie_breaker():
    ks = keyset_of(Household.objects.order_by("-floor"))
    assert ks.ordering == ("-floor", "-pk") and ks.paths == ("floor", "id")


@pytest.mark.parametrize(
    "qs",
    [
        pytest.param(lambda: Visit.objects.order_by("visited_at", "-pk"), id="mixed directions"),
        pytest.param(lambda: Visit.objects.order_by("-project_id", "-pk"), id="nullable column"),
        pytest.param(lambda: Visit.objects.order_by("-visitor__username", "-pk"), id="nullable relation"),
        pytest.param(lambda: Visit.objects.order_by(F("visited_at").desc(), "-pk"), id="expression"),
        pytest.param(lambda: Person.objects.by_name("王"), id="annotation (name key)"),
        pytest.param(lambda: Elector.objects.natural_order(), id="natural order (expressions)"),
        pytest.param(lambda: Visit.objects.order_by(), id="no order"),
        pytest.param(lambda: Meeting.objects.annotate(n=Count("photos")), id="GROUP BY drops Meta.ordering"),
        pytest.param(lambda: Household.objects.order_by("?"), id="random"),
        pytest.param(lambda: Household.objects.order_by("building", "pk"), id="by Building's own ordering"),
        pytest.param(lambda: Visit.objects.values("pk").order_by("-pk"), id="values"),
        pytest.param(lambda: Household.objects.order_by("ownerships__since", "pk"), id="reverse relation"),
    ],
)
def test_keyset_of_refuses_what_a_row_comparison_cannot_page(qs):
    assert keyset_of(qs()) is None


# --- the pages ------------------------------------------------------------------------------------------


def test_a_deep_page_by_cursor_shows_the_rows_offset_would(client, district_admin, visits, small_pages):
    client.force_login(district_admin)
    response = client.get(LEDGER)
    assert _link(response, "next") == f"after={encode_cursor([visits[2].visited_at, visits[2].pk])}&page=2"
    for number in range(2, 7):
        response = _follow(client, response, "next")
        assert response.status_code == 200
        assert response.context["page_obj"].number == number
        assert _ids(response) == _ids(client.get(LEDGER, {"page": number})), number
    # the last page (17 rows, 3 a page): no Next
    assert _ids(response) == [v.pk for v in visits[15:]]
    assert _link(response, "next") is None


def test_previous_by_cursor(client, district_admin, visits, small_pages):
    client.force_login(district_admin)
    page4 = client.get(LEDGER, {"page": 4})  # typed: an OFFSET page, whose links carry cursors
    assert parse_qs(_link(page4, "prev"))["page"] == ["3"]
    page3 = _follow(client, page4, "prev")
    assert "before" in _link(page4, "prev")
    assert page3.context["page_obj"].number == 3
    assert _ids(page3) == _ids(client.get(LEDGER, {"page": 3}))
    page2 = _follow(client, page3, "prev")
    assert _ids(page2) == _ids(client.get(LEDGER, {"page": 2}))
    # back to page 1: no cursor, the first page itself
    assert _link(page2, "prev") == "page=1"
    assert _ids(_follow(client, page2, "prev")) == [v.pk for v in visits[:3]]
    # and forward again from a page reached backwards
    assert _ids(_follow(client, page3, "next")) == _ids(page4)


def test_no_row_skipped_or_repeated_while_rows_are_added(client, district_admin, visits, small_pages, world):
    client.force_login(district_admin)
    household = visits[0].household
    oldest = visits[-1].visited_at
    seen: list[int] = []
    added_behind: list[int] = []
    response = client.get(LEDGER)
    while True:
        seen += _ids(response)
        if _link(response, "next") is None or len(seen) > 60:
            break
        # a newer visit (before the cursor, above page 1) and an older one (after it: still to come)
        Visit.objects.create(
            household=household, compound=world.compound_a, attitude="oppose", visited_at=timezone.now()
        )
        added_behind.append(
            Visit.objects.create(
                household=household,
                compound=world.compound_a,
                attitude="oppose",
                visited_at=oldest - datetime.timedelta(days=len(added_behind) + 1),
            ).pk
        )
        response = _follow(client, response, "next")
    assert len(seen) == len(set(seen)), "a row was repeated"
    assert {v.pk for v in visits} <= set(seen), "a row was skipped"
    assert set(added_behind) <= set(seen)
    # in the ledger's order
    assert seen == list(
        Visit.objects.filter(pk__in=seen).order_by("-visited_at", "-pk").values_list("pk", flat=True)
    )


def test_filters_are_kept_in_the_links(client, district_admin, visits, small_pages):
    client.force_login(district_admin)
    response = client.get(LEDGER, {"attitude": "support"})
    link = parse_qs(_link(response, "next"))
    assert link["attitude"] == ["support"] and "after" in link
    response = _follow(client, response, "next")
    assert parse_qs(_link(response, "prev")) == {"attitude": ["support"], "page": ["1"]}
    assert parse_qs(_link(response, "next"))["attitude"] == ["support"]


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "%%%",
        encode_cursor([1]),  # wrong width
        encode_cursor(["yesterday", 5]),  # not a time
        encode_cursor([{"t": "2026-01-01T00:00:00+08:00"}, "five"]),  # not an id
        encode_cursor([{"t": "2026-01-01T00:00:00+08:00"}, 10**30]),  # out of range
        encode_cursor([None, 1]),
        encode_cursor([[1, 2], {"x": 1}]),
        encode_cursor(["\x00", 1]),
    ],
)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_a_bad_cursor_gives_the_first_page(client, district_admin, visits, small_pages, cursor, direction):
    client.force_login(district_admin)
    response = client.get(LEDGER, {direction: cursor, "page": 5})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1
    assert _ids(response) == [v.pk for v in visits[:3]]
    # and the page says why it shows the start of the list, not where the link pointed
    assert FIRST_PAGE_NOTICE in _messages(response)


def test_a_cursor_past_the_last_row_gives_the_first_page(client, district_admin, visits, small_pages):
    client.force_login(district_admin)
    last = visits[-1]
    response = client.get(LEDGER, {"after": encode_cursor([last.visited_at, last.pk]), "page": 7})
    assert response.status_code == 200 and _ids(response) == [v.pk for v in visits[:3]]
    assert FIRST_PAGE_NOTICE in _messages(response)


def test_a_good_cursor_and_a_plain_first_page_say_nothing(client, district_admin, visits, small_pages):
    client.force_login(district_admin)
    first = client.get(LEDGER)
    assert _messages(first) == []
    second = client.get(LEDGER + "?" + _link(first, "next"))
    assert second.context["page_obj"].number == 2 and _messages(second) == []


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_list_not_keyset_pageable_keeps_numbered_links(client, world, secretary_a, monkeypatch):
    """The elector list walks buildings in their natural order (2号楼 before 10号楼: expressions), so
    its links stay page numbers, and a cursor given to it is ignored."""
    import consultations.ballots.views
    from tests.ballots.factories import make_ballot, make_households

    make_households(world.compound_a, building_name="1栋", areas=(Decimal("80.00"),) * 7)
    ballot = make_ballot(secretary_a, world.compound_a, title="改造意愿征询")
    monkeypatch.setattr(consultations.ballots.views, "ELECTOR_PAGE_SIZE", 3)
    client.force_login(secretary_a)
    path = f"/ballots/{ballot.pk}/electors/"
    response = client.get(path, {"q": "1"})
    assert _link(response, "next") == "q=1&page=2"
    page2 = client.get(path, {"q": "1", "page": 2})
    assert _link(page2, "prev") == "q=1&page=1"
    first = client.get(path, {"q": "1"})
    assert _ids(client.get(path, {"q": "1", "after": encode_cursor([1, 1]), "page": 2})) == _ids(first)


def test_cursor_pages_run_as_many_queries_as_the_first(
    client, district_admin, visits, small_pages, django_assert_max_num_queries
):
    client.force_login(district_admin)
    with CaptureQueriesContext(connection) as first:
        response = client.get(LEDGER)
    n = len(first.captured_queries)  # read now: each request resets connection.queries
    deep = _follow(client, _follow(client, response, "next"), "next")
    with django_assert_max_num_queries(n):
        client.get(f"{LEDGER}?{_link(deep, 'next')}")
    with django_assert_max_num_queries(n):
        client.get(f"{LEDGER}?{_link(deep, 'prev')}")


def test_a_cursor_page_is_one_index_range(client, visits, small_pages, django_user_model):
    """EXPLAIN of the page read by a cursor: no OFFSET, no Sort, the visits reached by an index
    condition on (visited_at, id) (sequential scans and sorts priced out, as in test_paging)."""
    superuser = django_user_model.objects.create(username="root", is_superuser=True)
    client.force_login(superuser)
    response = _follow(client, _follow(client, client.get(LEDGER), "next"), "next")  # page 3
    with CaptureQueriesContext(connection) as ctx:
        for rel in ("next", "prev"):
            assert client.get(f"{LEDGER}?{_link(response, rel)}").status_code == 200
    pages = [
        q["sql"] for q in ctx.captured_queries if "consultations_visit" in q["sql"] and " LIMIT " in q["sql"]
    ]
    pages = [sql for sql in pages if not sql.startswith("SELECT COUNT(*)")]
    assert len(pages) == 2, pages
    for sql, plan in _plans(pages):
        assert " OFFSET " not in sql, sql
        nodes = list(_nodes(plan))
        assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")], sql
        visit_scans = [n for n in nodes if n.get("Relation Name") == "consultations_visit"]
        assert visit_scans and all("visited_at" in n.get("Index Cond", "") for n in visit_scans), sql


def test_notice_list_pages_in_its_order(client, world, district_admin, monkeypatch):
    """The notice list counts objections (GROUP BY, where Django drops Meta.ordering): its explicit
    newest-first order pages by cursor all the same, ties on the start time broken by the id."""
    import consultations.views
    from consultations.models import Notice

    monkeypatch.setattr(consultations.views, "PAGE_SIZE", 2)
    now = timezone.now()
    for i in range(5):
        Notice.objects.create(
            title=f"公示{i}",
            body="…",
            division=world.community_a,
            period_days=7,
            starts_at=now - datetime.timedelta(days=i % 3),
        )
    expected = list(Notice.objects.order_by("-starts_at", "-pk").values_list("pk", flat=True))
    client.force_login(district_admin)
    response = client.get("/consultations/notices/")
    seen = _ids(response)
    while _link(response, "next"):
        assert "after=" in _link(response, "next")
        response = _follow(client, response, "next", path="/consultations/notices/")
        seen += _ids(response)
    assert seen == expected


def _walk_page_for(qs, per_page):
    """Every page of `qs` through page_for, following the Next links; and the same by OFFSET."""
    from urllib.parse import parse_qsl

    from django.test import RequestFactory

    from communities.paging import page_for

    factory = RequestFactory()
    by_cursor, by_offset, params, number = [], [], {}, 1
    while True:
        page, _query = page_for(factory.get("/", params), qs, per_page)
        by_cursor.append([row.pk for row in page])
        offset, _ = page_for(factory.get("/", {"page": number}), qs, per_page)
        by_offset.append([row.pk for row in offset])
        if not page.has_next():
            return by_cursor, by_offset
        params = dict(parse_qsl(page.next_params))
        assert "after" in params
        number += 1


def test_cursor_pages_across_joins_and_aggregates(world):
    """The unassigned households of a branch order by compound and building names (joined) without
    the id (appended as the tie-breaker); lists counting a relation group by the row. By cursor, the
    same pages as by OFFSET."""
    for name in ("2栋", "1栋"):
        building = f.BuildingFactory(compound=world.compound_a, name=name)
        for floor in (2, 1):
            for room in ("02", "01"):
                f.HouseholdFactory(building=building, unit="1", floor=floor, room=f"{floor}{room}")
    joined = Household.objects.select_related("building__compound").order_by(
        "building__compound__name", "building__name", "unit", "floor", "room"
    )
    assert keyset_of(joined).ordering[-1] == "pk"
    by_cursor, by_offset = _walk_page_for(joined, 3)
    assert by_cursor == by_offset and len(by_cursor) == 3
    counted = Household.objects.annotate(n=Count("ownerships")).order_by("-floor", "-room", "-pk")
    by_cursor, by_offset = _walk_page_for(counted, 3)
    assert by_cursor == by_offset and sum(map(len, by_cursor)) == 8


BIG_HTML_LISTS = [
    ("/consultations/visits/", [{"t": "2026-01-01T00:00:00+08:00"}, 1]),
    ("/consultations/opinions/", [{"t": "2026-01-01T00:00:00+08:00"}, 1]),
    ("/people/", ["王", 1]),
    ("/supervision/rectifications/", [{"t": "2026-01-01"}, 1]),
]


@pytest.mark.parametrize("path,values", BIG_HTML_LISTS)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_cursor_pages_of_big_lists_are_index_ranges(
    client, world, django_user_model, path, values, direction
):
    """The page a cursor asks for (read even when it finds nothing) is served by an index in the
    list's order: no Sort, no Seq Scan of the big table, no OFFSET (sequential scans and sorts priced
    out, as in test_paging: the planner then shows whether an index can serve the page)."""
    from communities.paging import _from_json
    from tests.communities.test_paging import BIG_TABLES

    superuser = django_user_model.objects.create(username="root", is_superuser=True)
    client.force_login(superuser)
    cursor = encode_cursor([_from_json(v) for v in values])
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path, {direction: cursor, "page": 180}).status_code == 200
    pages = [
        q["sql"]
        for q in ctx.captured_queries
        if " LIMIT " in q["sql"]
        and not q["sql"].startswith("SELECT COUNT(*)")
        and (") < (" in q["sql"] or ") > (" in q["sql"])
    ]
    assert len(pages) == 1, [q["sql"] for q in ctx.captured_queries]
    for sql, plan in _plans(pages):
        assert " OFFSET " not in sql
        for node in _nodes(plan):
            assert node["Node Type"] not in ("Sort", "Incremental Sort"), sql
            assert not (node["Node Type"] == "Seq Scan" and node["Relation Name"] in BIG_TABLES), sql


def test_the_export_form_does_not_carry_the_cursor(client, district_admin, visits, small_pages):
    client.force_login(district_admin)
    page2 = _follow(client, client.get(LEDGER, {"attitude": "support"}), "next")
    content = page2.content.decode()
    assert 'name="attitude" value="support"' in content  # the filter goes to the export
    assert 'type="hidden" name="after"' not in content and 'type="hidden" name="page"' not in content
