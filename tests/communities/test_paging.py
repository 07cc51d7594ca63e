"""Paging at province scale: keyset (cursor) pages that stay stable while rows are added, bounded counts
("10,000+"), and EXPLAIN checks that every big list is served by an index, never a sequential scan.

The EXPLAIN checks run on the suite's small tables with sequential scans and sorts priced out
(`enable_seqscan`/`enable_sort` off): the planner then takes an index wherever one serves the query, so
a Seq Scan left on a big table means no index can serve that filter or order (as it would pick at
province scale, where the table is too big to read for one page). The real timings on province data
are `make bench` (benchmarks/lists.py)."""

from __future__ import annotations

import datetime
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import Compound, Household
from communities.paging import BoundedPaginator, encode_cursor
from consultations.models import Visit
from tests import factories as f

pytestmark = pytest.mark.django_db

BIG_TABLES = {
    "communities_household",
    "communities_person",
    "communities_ownership",
    "communities_backgroundjob",
    "consultations_visit",
    "consultations_opinion",
    "ballots_elector",
    "ballots_vote",
    "projects_householdassignment",
    "supervision_rectification",
}


def _cursor_of(next_url: str | None) -> str | None:
    if not next_url:
        return None
    return parse_qs(urlparse(next_url).query)["cursor"][0]


def _walk(client, path, page_size, between=None):
    """Every row id of a cursor walk; `between(page_number)` runs between pages."""
    seen: list[int] = []
    token = ""
    n = 0
    while True:
        response = client.get(path, {"cursor": token, "page_size": page_size})
        assert response.status_code == 200, response.content
        body = response.json()
        assert "count" not in body  # no COUNT on cursor pages
        seen += [row["id"] for row in body["results"]]
        token = _cursor_of(body["next"])
        if token is None:
            return seen
        n += 1
        if between is not None:
            between(n)


def test_household_cursor_walk_is_stable_while_rows_are_added(world, api_as, district_admin):
    building = f.BuildingFactory(compound=world.compound_a, name="1栋")
    for floor in range(1, 7):
        for room in (1, 2, 3):
            f.HouseholdFactory(building=building, unit="1", floor=floor, room=f"{floor}0{room}")
    before = set(Household.objects.values_list("pk", flat=True))
    added: list[int] = []

    def add(n):
        # one room sorting before the walk's position (not seen: it is behind the cursor) and one after
        added.append(f.HouseholdFactory(building=building, unit="1", floor=1, room=f"10{n + 3}").pk)
        added.append(f.HouseholdFactory(building=building, unit="1", floor=9, room=f"90{n}").pk)

    seen = _walk(api_as(district_admin), "/api/v1/households/", 4, between=add)
    assert len(seen) == len(set(seen)), "a row was repeated"
    assert before <= set(seen), "a row was skipped"
    assert set(seen) - before <= set(added)
    # the rows added after the cursor's position were all reached
    late = set(Household.objects.filter(floor=9).values_list("pk", flat=True))
    assert late <= set(seen)
    # in the list's order: building, unit, floor, room, id
    rows = Household.objects.filter(pk__in=seen).order_by("building_id", "unit", "floor", "room", "id")
    assert [h.pk for h in rows] == seen


def test_visit_cursor_walk_newest_first_with_equal_times(world, api_as, district_admin):
    household = f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_a))
    at = timezone.now().replace(microsecond=0)
    # many visits at the same second: the id breaks the tie, none is lost between pages
    for i in range(9):
        Visit.objects.create(
            household=household,
            compound=world.compound_a,
            attitude="support",
            visited_at=at - datetime.timedelta(seconds=i // 3),
        )
    before = list(Visit.objects.order_by("-visited_at", "-id").values_list("pk", flat=True))

    def add(n):
        Visit.objects.create(household=household, compound=world.compound_a, attitude="oppose", visited_at=at)

    seen = _walk(api_as(district_admin), "/api/v1/visits/", 2, between=add)
    assert len(seen) == len(set(seen))
    assert seen == before  # newer visits arrive before the cursor: not shown, nothing shifts


def test_bad_cursor_and_ordering_with_cursor_are_refused(world, api_as, district_admin):
    client = api_as(district_admin)
    assert client.get("/api/v1/households/", {"cursor": "not-a-cursor"}).status_code == 400
    assert client.get("/api/v1/households/", {"cursor": encode_cursor([1])}).status_code == 400
    response = client.get("/api/v1/households/", {"cursor": "", "ordering": "room"})
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"] if "errors" in response.json() else response.json()


def test_numbered_pages_count_up_to_the_cap(world, api_as, district_admin, monkeypatch):
    building = f.BuildingFactory(compound=world.compound_a)
    for room in range(12):
        f.HouseholdFactory(building=building, room=str(100 + room))
    client = api_as(district_admin)
    body = client.get("/api/v1/households/", {"page_size": 5}).json()
    assert (body["count"], body["count_exact"]) == (12, True)

    monkeypatch.setattr(BoundedPaginator, "cap", 7)
    body = client.get("/api/v1/households/", {"page_size": 5}).json()
    assert (body["count"], body["count_exact"]) == (7, False)
    assert body["next"]
    # past the cap, pages go on while rows remain
    body = client.get("/api/v1/households/", {"page_size": 5, "page": 3}).json()
    assert len(body["results"]) == 2 and body["next"] is None

    paginator = BoundedPaginator(Household.objects.order_by("pk"), 5)
    assert paginator.count_label == "7+"
    page = paginator.get_page(2)
    assert page.has_next() and paginator.page(3).has_next() is False


def test_pages_say_10000_plus(world, client, district_admin, monkeypatch):
    household = f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_a))
    Visit.objects.bulk_create(
        Visit(household=household, compound=world.compound_a, attitude="support") for _ in range(4)
    )
    monkeypatch.setattr(BoundedPaginator, "cap", 2)
    client.force_login(district_admin)
    html = client.get("/consultations/visits/").content.decode()
    assert "2+" in html


# --- EXPLAIN ----------------------------------------------------------------------------------------------


def _forget_statistics(cursor) -> None:
    """Put the big tables' planner statistics back to those of a new database (never analysed), for
    the rest of the test's transaction. What an earlier test's ANALYZE (the roster import runs one), or
    autovacuum on the embedded server, left in pg_class outlives that test's rollback, and with the big
    tables known as a few rows the planner walks a whole index as readily as it looks rows up: the
    checks would then judge the statistics, not the SQL. Catalog rows need a superuser (the suite's
    PostgreSQL user, embedded or in CI); as another user the statistics are left as they are."""
    assert connection.in_atomic_block, "only inside the test's transaction: the rollback restores them"
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if not cursor.fetchone()[0]:
        return
    tables = sorted(BIG_TABLES)
    cursor.execute(
        "UPDATE pg_class SET reltuples = -1, relpages = 0, relallvisible = 0 WHERE oid = ANY(%s::regclass[])",
        [tables],
    )
    cursor.execute("DELETE FROM pg_statistic WHERE starelid = ANY(%s::regclass[])", [tables])


def _plans(sqls, *settings):
    with connection.cursor() as cursor:
        _forget_statistics(cursor)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting} = off")
        for sql in sqls:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            yield sql, cursor.fetchone()[0][0]["Plan"]


def _nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _groups_the_list(sql: str) -> bool:
    """A GROUP BY of the list's own rows (`GROUP BY 1` in a count, `GROUP BY "table"."id"` in a page),
    not one inside a subquery counted per row (`GROUP BY U0."project_id"`)."""
    return re.search(r'GROUP BY (1\b|"\w+"\."id")', sql) is not None


def _check(client, path, params=None, *, sorted_by_index=True):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params or {})
    assert response.status_code == 200, (path, response.status_code)
    sqls = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT") and any(t in q["sql"] for t in BIG_TABLES)
    ]
    assert sqls, path
    problems = []
    for sql, plan in _plans(sqls):
        if " LIMIT " in sql and _groups_the_list(sql) and not sql.startswith("SELECT COUNT(*) FROM ("):
            # an aggregate beside a page (COUNT(...) GROUP BY) is computed for every row before the page
            problems.append(f"GROUP BY over the whole list for {path} {params}:\n{sql}")
        for node in _nodes(plan):
            if node["Node Type"] == "Seq Scan" and node["Relation Name"] in BIG_TABLES:
                problems.append(f"Seq Scan on {node['Relation Name']} for {path} {params}:\n{sql}")
            if sorted_by_index and " LIMIT " in sql and node["Node Type"] == "Sort" and "COUNT(" not in sql:
                problems.append(f"Sort (no index serves the order) for {path} {params}:\n{sql}")
    return problems


API_LISTS = [
    ("/api/v1/households/", [1, "1", 1, "101", 1], {"building": 1}),
    ("/api/v1/people/", ["王", 1], {"household": 1}),
    ("/api/v1/ownerships/", [1, 1], {"household": 1}),
    ("/api/v1/visits/", [{"t": "2026-01-01T00:00:00+08:00"}, 1], {"household": 1}),
    ("/api/v1/opinions/", [{"t": "2026-01-01T00:00:00+08:00"}, 1], {"compound": 1}),
    ("/api/v1/electors/", [1, "1栋", "1", "101", 1], {"ballot": 1}),
    ("/api/v1/votes/", [1, 1], {"ballot": 1}),
    ("/api/v1/rectifications/", [{"t": "2026-01-01"}, 1], {"project": 1}),
    ("/api/v1/household-assignments/", [1, 1], {"branch": 1}),
    ("/api/v1/jobs/", [{"t": "2026-01-01T00:00:00+08:00"}, 1], {"kind": "roster_import"}),
]


def _token(values):
    from communities.paging import _from_json

    return encode_cursor([_from_json(v) for v in values])


def test_big_api_lists_are_served_by_indexes(world, api_as, district_admin, django_user_model):
    superuser = django_user_model.objects.create(username="root", is_superuser=True)
    problems = []
    for who, user in (("superuser", superuser), ("district", district_admin)):
        client = api_as(user)
        for path, after, filters in API_LISTS:
            # district scopes go through joins the planner may sort after; the order itself is checked
            # on the unscoped lists
            strict = who == "superuser"
            problems += _check(client, path, {"cursor": ""}, sorted_by_index=strict)
            problems += _check(client, path, {"cursor": _token(after)}, sorted_by_index=strict)
            problems += _check(client, path, sorted_by_index=strict)
            problems += _check(client, path, {"cursor": "", **filters}, sorted_by_index=False)
            # the numbered page itself (on the suite's empty tables the request reads only the count)
            problems += _check_page_sql(path, {}, user, sorted_by_index=strict)
            problems += _check_page_sql(path, filters, user, sorted_by_index=False)
    assert not problems, "\n\n".join(problems)


def _check_page_sql(path, params, user, *, sorted_by_index=True):
    sql, sql_params = _page_sql(path, params, user)
    problems = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, sql_params)
        plan = cursor.fetchone()[0][0]["Plan"]
    for node in _nodes(plan):
        if node["Node Type"] == "Seq Scan" and node["Relation Name"] in BIG_TABLES:
            problems.append(f"Seq Scan on {node['Relation Name']} for page {path} {params}:\n{sql}")
        if sorted_by_index and node["Node Type"] == "Sort":
            problems.append(f"Sort (no index serves the order) for page {path} {params}:\n{sql}")
    return problems


def test_big_pages_are_served_by_indexes(world, client, district_admin):
    household = f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_a))
    Visit.objects.create(household=household, compound=world.compound_a, attitude="support")
    f.OwnershipFactory(household=household)
    from projects.models import PartyBranch
    from tests.projects.factories import ProjectFactory

    PartyBranch.objects.create(name="临时党支部", division=world.street_a)
    ProjectFactory(division=world.street_a, compounds=[world.compound_a])
    client.force_login(district_admin)
    problems = []
    pages = (
        "/consultations/visits/",
        "/consultations/opinions/",
        "/people/",
        "/supervision/rectifications/",
        # counts beside each row (members, households assigned, buildings, flats): for the page's rows
        # only, never a GROUP BY over every branch's 351,283 assignments (1.0 s for the province)
        "/projects/branches/",
        "/compounds/",
        # each project's open and overdue orders and disputes: 1.6 s for the province's 2,000 projects
        # when grouped over the joins of all of them
        "/supervision/",
    )
    for path in pages:
        problems += _check(client, path, sorted_by_index=False)
    assert not problems, "\n\n".join(problems)


def test_search_is_served_by_indexes(world, district_admin, django_user_model):
    """Name, a phone's last digits, an address: no sequential read of people or households."""
    from supervision.workday import search

    superuser = django_user_model.objects.create(username="root", is_superuser=True)
    problems = []
    for user in (superuser, district_admin):
        for q in ("王伟", "王伟芳", "1234", "3栋2单元301", "301"):
            with CaptureQueriesContext(connection) as ctx:
                search.search(user, q)
            sqls = [
                c["sql"]
                for c in ctx.captured_queries
                if c["sql"].startswith("SELECT")
                and ("communities_person" in c["sql"] or "communities_household" in c["sql"])
            ]
            for sql, plan in _plans(sqls):
                for node in _nodes(plan):
                    if node["Node Type"] == "Seq Scan" and node["Relation Name"] in (
                        "communities_person",
                        "communities_household",
                    ):
                        problems.append(f"Seq Scan on {node['Relation Name']} searching {q!r}:\n{sql}")
    assert not problems, "\n\n".join(problems)


def _whole_table_reads(plan):
    """Scans of a big table with no index condition: they read every row (an index walked end to end
    is no better than a Seq Scan for a count)."""
    for node in _nodes(plan):
        if (
            node["Node Type"] in ("Seq Scan", "Index Scan", "Index Only Scan")
            and node.get("Relation Name") in BIG_TABLES
            and "Index Cond" not in node
        ):
            yield node["Relation Name"]


# lists scoped through a parent (a branch, a ballot) reached by the compound's division OR by a
# second relation (a branch's compounds, a block ballot's extra compounds)
SCOPED_THROUGH_A_PARENT = ["/api/v1/household-assignments/", "/api/v1/electors/", "/api/v1/votes/"]


@pytest.mark.parametrize("who", ["district_admin", "secretary_a"])
def test_scoped_bounded_counts_start_from_the_scope(world, api_as, who, request):
    """The bounded count of a small scope reads the scope's rows through the parent's key, never the
    whole table. `path LIKE ... OR parent_id IN (...)` hid from the planner how few parents the scope
    holds, so it read all 351,283 household assignments of the province to count one district's 4,893
    (85 ms; 3 ms with the parents' ids as one UNION, `communities.scoping.in_any`). The suite's tables
    are too small for the planner to show that choice, so the rule is checked on the SQL (no OR), and
    the plan with nested loops only must reach the big table by an index condition."""
    client = api_as(request.getfixturevalue(who))
    problems = []
    for path in SCOPED_THROUGH_A_PARENT:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        counts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT(*) FROM (")]
        assert counts, path
        problems += [f"{path}: an OR in the scope of the count:\n{sql}" for sql in counts if " OR " in sql]
        for sql, plan in _plans(counts, "enable_hashjoin", "enable_mergejoin"):
            problems += [
                f"{path}: whole {table} read for the count:\n{sql}" for table in _whole_table_reads(plan)
            ]
    assert not problems, "\n\n".join(problems)


def test_visit_dates_are_local_days_read_as_a_range_of_the_time_index(
    world, api_as, district_admin, django_user_model
):
    """`?since=` / `?until=` are local days, inclusive. As `(visited_at AT TIME ZONE ...)::date` they
    were no index condition: a list of old visits walked the newest-first index over the province's
    3 million visits (until=2025-11-15: 3.5-5.3 s); as a range of visited_at they are one (ms)."""
    household = f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_a))
    tz = timezone.get_current_timezone()

    def at(day, hour, minute):
        return datetime.datetime(2026, 3, day, hour, minute, tzinfo=tz)

    made = {
        label: Visit.objects.create(
            household=household, compound=world.compound_a, attitude="support", visited_at=when
        ).pk
        for label, when in [
            ("before", at(9, 23, 59)),
            ("first", at(10, 0, 0)),  # local midnight: 16:00 UTC the day before
            ("last", at(12, 23, 59)),
            ("after", at(13, 0, 0)),
        ]
    }
    client = api_as(district_admin)
    body = client.get("/api/v1/visits/", {"since": "2026-03-10", "until": "2026-03-12"}).json()
    assert {r["id"] for r in body["results"]} == {made["first"], made["last"]}
    body = client.get("/api/v1/visits/", {"until": "2026-03-09", "cursor": ""}).json()
    assert [r["id"] for r in body["results"]] == [made["before"]]

    superuser = django_user_model.objects.create(username="root", is_superuser=True)
    for params in ({"until": "2026-03-09"}, {"since": "2026-03-10", "cursor": ""}):
        with CaptureQueriesContext(connection) as ctx:
            assert api_as(superuser).get("/api/v1/visits/", params).status_code == 200
        sqls = [q["sql"] for q in ctx.captured_queries if "consultations_visit" in q["sql"]]
        for sql, plan in _plans(sqls):
            scans = [n for n in _nodes(plan) if n.get("Relation Name") == "consultations_visit"]
            conds = [n.get("Index Cond", "") + n.get("Recheck Cond", "") for n in scans]
            assert any("visited_at" in c for c in conds), (params, sql)


def test_a_small_scope_is_estimated_as_small(world):
    """Every scoped list filters `division.path LIKE '<subtree>/%'`. With the default 100-bucket
    histogram a community among 4,098 divisions was estimated at 41 (1 % of the province's visits), so
    the planner walked the newest-first index over 3 million visits to fill a community's first page
    (150-175 ms) instead of reading its two compounds' 1,352 visits (9 ms). The path's statistics keep
    up to 10,000 values (migration 0012): a community is estimated as what it is."""
    from communities.models import Division

    # the tree generate_scale writes: 9 cities, 88 districts, 1,000 streets, 3,000 communities, their
    # ids in that order (a community 3046 lies in street 1046, district 78, city 6)
    def city(district):
        return 2 + (district - 11) % 9

    def district(street):
        return 11 + (street - 99) % 88

    def street(community):
        return 99 + (community - 1099) % 1000

    paths = ["1/"] + [f"1/{c}/" for c in range(2, 11)]
    paths += [f"1/{city(d)}/{d}/" for d in range(11, 99)]
    paths += [f"1/{city(district(s))}/{district(s)}/{s}/" for s in range(99, 1099)]
    paths += [
        f"1/{city(district(street(c)))}/{district(street(c))}/{street(c)}/{c}/" for c in range(1099, 4099)
    ]
    Division.objects.bulk_create(
        Division(name=f"区划{i}", level="community", parent=world.street_a, path=f"9{path}")
        for i, path in enumerate(paths)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE communities_division")
        # the planner over-estimates a subtree whose own path is a bound of the histogram (its range
        # spans a bucket): with 100 buckets that is one bucket, 41 divisions; take such a community
        cursor.execute(
            "SELECT histogram_bounds::text::text[] FROM pg_stats "
            "WHERE tablename = 'communities_division' AND attname = 'path'"
        )
        bounds = cursor.fetchone()[0]
        community = next(b for b in bounds if b.startswith("91/") and b.count("/") == 5)
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT id FROM communities_division WHERE path LIKE %s", [community + "%"]
        )
        estimate = cursor.fetchone()[0][0]["Plan"]["Plan Rows"]
    assert estimate <= 2, (community, estimate)


def _page_sql(path, params, user):
    """The SQL and parameters of the numbered page a GET of `path` with `params` reads (built through
    the view: on the suite's empty tables the page itself is never queried, the count being 0)."""
    from django.urls import resolve
    from rest_framework.test import APIRequestFactory, force_authenticate

    match = resolve(path)
    request = APIRequestFactory().get(path, params)
    force_authenticate(request, user)
    view = match.func.cls(action="list", action_map={"get": "list"}, kwargs={}, args=(), format_kwarg=None)
    view.request = view.initialize_request(request)
    view.headers = {}
    queryset = view.filter_queryset(view.get_queryset())[:50]
    return queryset.query.sql_with_params()


def test_offered_orderings_of_big_lists_are_served_by_indexes(world, django_user_model):
    """`?ordering=<field>` of a big list reads an index in that order. Visits by `created_at` sorted all
    3 million visits for one page (1.7 s; the visit_recorded index since); households by room, ownerships
    by kind, votes by cast_at and the like sorted the province's rows for one page (95-190 ms): each
    offered order is now served by an index, or no longer offered (issue 15)."""
    from django.urls import resolve

    superuser = django_user_model.objects.create(username="root", is_superuser=True)
    problems = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        for path, _after, _filters in API_LISTS:
            for field in getattr(resolve(path).func.cls, "ordering_fields", None) or []:
                for ordering in (field, f"-{field}"):
                    sql, params = _page_sql(path, {"ordering": ordering}, superuser)
                    cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
                    plan = cursor.fetchone()[0][0]["Plan"]
                    if {n["Node Type"] for n in _nodes(plan)} & {"Sort", "Incremental Sort"}:
                        problems.append(f"{path}?ordering={ordering}: sorted, no index:\n{sql}")
    assert not problems, "\n\n".join(problems)


def test_orderings_no_longer_offered_are_ignored(world, api_as, district_admin):
    """Households by unit/floor/room alone, ownerships by kind/since, people by created_at are no longer
    offered (issue 15): as for any field not offered, `?ordering=` is ignored and the list keeps its
    own order."""
    building = f.BuildingFactory(compound=world.compound_a)
    for floor, room in ((2, "201"), (1, "102"), (1, "101")):
        f.HouseholdFactory(building=building, unit="1", floor=floor, room=room)
    client = api_as(district_admin)
    own = [r["id"] for r in client.get("/api/v1/households/").json()["results"]]
    for ordering in ("-room", "-floor", "unit"):
        response = client.get("/api/v1/households/", {"ordering": ordering})
        assert response.status_code == 200
        assert [r["id"] for r in response.json()["results"]] == own
    for path, ordering in (("/api/v1/ownerships/", "-since"), ("/api/v1/people/", "-created_at")):
        assert client.get(path, {"ordering": ordering}).status_code == 200
    by_area = client.get("/api/v1/households/", {"ordering": "-exclusive_area"})
    assert by_area.status_code == 200 and len(by_area.json()["results"]) == 3


def _statistics_as_if_analysed_small():
    """What an ANALYZE by an earlier test (or autovacuum on the embedded server) leaves behind: the big
    tables known to be one page of a few rows. Set by a plain UPDATE, so the test's rollback undoes it
    (ANALYZE's own update of pg_class is in place and outlives a rollback)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = 5, relpages = 1 WHERE oid = ANY(%s::regclass[])",
            [sorted(BIG_TABLES)],
        )


@pytest.mark.parametrize("who", ["district_admin", "secretary_a"])
def test_plan_checks_do_not_depend_on_statistics_left_by_earlier_tests(world, api_as, who, request):
    """The EXPLAIN checks judge the SQL, not the statistics a reused or shared test database happens to
    hold: with the big tables recorded as analysed while tiny, the same plan rules still hold."""
    _statistics_as_if_analysed_small()
    test_scoped_bounded_counts_start_from_the_scope(world, api_as, who, request)


def _buffers_of(plan, table: str) -> int:
    """Buffers read by the plan's scans of `table` (with their indexes)."""
    return sum(
        node.get("Shared Hit Blocks", 0) + node.get("Shared Read Blocks", 0)
        for node in _nodes(plan)
        if node.get("Relation Name") == table
    )


def test_a_scoped_cursor_page_reads_only_its_own_rows(world, api_as, secretary_a):
    """A community's cursor page reads its own rows, not the province's rows that lie between them.
    The keyset filter `(household_id, id) > (h, i)` beside the join's `household_id = x` made
    PostgreSQL read the index from each of the community's earlier households up to the cursor,
    through every other community's rows on the way: a community's last page of ownerships read
    514,242 buffers in 1.9 s on province data. With the leading column bounded on its own as well
    (`household_id >= h`) the lookup of an earlier household contradicts it and reads nothing."""
    from communities.models import Ownership

    compound = f.CompoundFactory(division=world.community_a)
    building = f.BuildingFactory(compound=compound)

    def own(n):
        for _ in range(n):
            f.OwnershipFactory(
                household=f.HouseholdFactory(building=building), person__division=world.community_a
            )

    other = f.BuildingFactory(compound=f.CompoundFactory(division=world.community_c))
    person = f.PersonFactory(division=world.community_c)

    def others(unit, n):
        households = Household.objects.bulk_create(
            Household(
                building=other, unit=unit, floor=1, room=str(i), exclusive_area=60, area_source="register"
            )
            for i in range(n)
        )
        Ownership.objects.bulk_create(Ownership(person=person, household=h, kind="owner") for h in households)

    # this community's flats among another community's, registered before, between and after them
    own(2)
    others("1", 10_000)
    own(4)
    others("2", 10_000)
    client = api_as(secretary_a)
    body = client.get("/api/v1/ownerships/", {"cursor": "", "page_size": 4}).json()
    token = _cursor_of(body["next"])  # the last page: after this community's fourth flat
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/ownerships/", {"cursor": token, "page_size": 4})
    assert [row["household"] for row in response.json()["results"]] == [
        h.pk for h in Household.objects.filter(building=building).order_by("pk")[4:]
    ]
    (sql,) = [q["sql"] for q in ctx.captured_queries if "ORDER BY" in q["sql"] and " LIMIT " in q["sql"]]
    with connection.cursor() as cursor:
        # planned from the tables' real statistics and with nested loops only, as at province scale:
        # a small scope is read through its own flats, a lookup in the keyset index for each (96
        # buffers of ownerships read before the fix, 11 after)
        for table in ("division", "compound", "building", "household", "person", "ownership"):
            cursor.execute(f"ANALYZE communities_{table}")
        for setting in ("enable_hashjoin", "enable_mergejoin"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0][0]["Plan"]
    read = _buffers_of(plan, "communities_ownership")
    assert read < 40, f"{read} buffers of ownerships read for a page of 2 rows:\n{sql}"


def _api_list_paths():
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and (p.name or "").endswith("-list") and "<" not in str(p.pattern):
                path = "/" + prefix + str(p.pattern).lstrip("^").rstrip("$")
                if path.startswith("/api/v1/") and "(?P" not in path and "\\." not in path:
                    yield path

    return sorted(set(walk(get_resolver().url_patterns, "")))


def test_api_lists_count_related_rows_for_their_page_only(world, api_as, django_user_model):
    """A count beside each row (`Count("assignments")`) joins and groups every row of the list before
    its page is cut, and its bounded count groups them all again: a branch member list grouped the
    province's 351,283 household assignments (214 ms; 16 ms with the counts as subqueries of the
    page's rows, `communities.querysets.count_of`)."""
    paths = _api_list_paths()
    assert "/api/v1/branch-members/" in paths and len(paths) > 30, paths
    client = api_as(django_user_model.objects.create(username="root", is_superuser=True))
    problems = []
    for path in paths:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        if response.status_code != 200:
            continue
        problems += [
            f"{path}: GROUP BY over the whole list:\n{q['sql']}"
            for q in ctx.captured_queries
            if _groups_the_list(q["sql"]) and " LIMIT " in q["sql"]
        ]
    assert not problems, "\n\n".join(problems)


def test_a_numbered_page_skips_rows_by_their_keys_only(world, client, street_user):
    """PostgreSQL computes every column of the rows an OFFSET skips: the compounds before page 200
    had their buildings and flats counted to be thrown away (410 ms on province data; 25 ms with the
    page's keys read first, `communities.paging.offset_rows`). The rows shown are the same."""
    for i in range(30):
        f.CompoundFactory(division=world.community_a, name=f"分页小区{i:02d}")
    client.force_login(street_user)
    first = client.get("/compounds/")
    with CaptureQueriesContext(connection) as ctx:
        second = client.get("/compounds/", {"page": 2})
    shown = [c.name for c in first.context["page_obj"]] + [c.name for c in second.context["page_obj"]]
    expected = list(
        Compound.objects.for_user(street_user).order_by("name", "pk").values_list("name", flat=True)
    )
    assert shown == expected
    assert [c.household_count for c in second.context["page_obj"]] == [
        Household.objects.filter(building__compound__name=name).count() for name in expected[25:]
    ]
    skipping = [q["sql"] for q in ctx.captured_queries if " OFFSET " in q["sql"]]
    assert skipping, "page 2 reads past the first page"
    # neither the counts beside each row nor the joins that only display (the community's street)
    assert not [sql for sql in skipping if "COUNT(" in sql or "LEFT OUTER JOIN" in sql], skipping


def test_a_households_electors_are_found_by_index(world):
    """A household's page lists its votes, and a resident's page its open ballots: both find the
    household's electors by `household_ids @> {id}`. Without an index on that array a household page
    read the province's 91,847 votes newest first, looking up each one's elector (95 ms)."""
    from consultations.ballots.models import Elector, Vote

    sqls = [
        str(Elector.objects.filter(household_ids__contains=[1]).order_by().values("pk").query),
        str(Vote.objects.filter(elector__household_ids__contains=[1]).order_by().values("pk").query),
    ]
    problems = []
    for sql, plan in _plans(
        [s.replace("ARRAY[1]", "'{1}'") for s in sqls], "enable_hashjoin", "enable_mergejoin"
    ):
        problems += [f"whole {table} read:\n{sql}" for table in _whole_table_reads(plan)]
        problems += [
            f"Seq Scan on {n['Relation Name']}:\n{sql}"
            for n in _nodes(plan)
            if n["Node Type"] == "Seq Scan" and n["Relation Name"] in BIG_TABLES
        ]
    assert not problems, "\n\n".join(problems)


def test_the_demand_list_reads_its_order_from_an_index(world, client, district_admin):
    """The demand list shows up to 1,000 demands by category, status and newest first: without an
    index in that order the province's 13,941 demands were joined and sorted for it (120 ms)."""
    client.force_login(district_admin)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/consultations/demands/").status_code == 200
    (sql,) = [q["sql"] for q in ctx.captured_queries if "LIMIT 1000" in q["sql"]]
    problems = [
        f"{node['Node Type']} for the demand list:\n{sql}"
        for _sql, plan in _plans([sql])
        for node in _nodes(plan)
        if node["Node Type"] in ("Sort", "Incremental Sort")
        or (node["Node Type"] == "Seq Scan" and node["Relation Name"] in BIG_TABLES)
    ]
    assert not problems, "\n\n".join(problems)


def test_a_scopes_people_in_name_order_come_from_one_index(world, district_admin):
    """A district's people by name, a page deep by number: the keys of the 5,000 before it came from
    the table itself (a read of all 1,081,728 people, then a sort: 104 ms for ?page=200; 10 ms read
    from an index holding the division and the name). Here: 60 people of the district among 3,000 of
    another, planned from the tables' statistics."""
    from communities.choices import DivisionLevel
    from communities.models import Person
    from communities.paging import offset_rows

    other_district = f.DivisionFactory(name="别区", level=DivisionLevel.DISTRICT, parent=world.city)
    for n in range(200):
        elsewhere = f.DivisionFactory(
            name=f"别区社区{n}", level=DivisionLevel.COMMUNITY, parent=other_district
        )
        Person.objects.bulk_create(
            Person(name=f"甲{n:03d}{i:02d}", division=elsewhere, id_number="") for i in range(15)
        )
    Person.objects.bulk_create(
        Person(name=f"乙{i:02d}", division=world.community_a, id_number="") for i in range(60)
    )
    with CaptureQueriesContext(connection) as ctx:
        offset_rows(Person.objects.for_user(district_admin).order_by("name", "pk"), 50, 75)
    sql = next(q["sql"] for q in ctx.captured_queries if " OFFSET " in q["sql"])
    with connection.cursor() as cursor:
        for table in ("communities_division", "communities_person"):
            cursor.execute(f"ANALYZE {table}")
        for setting in ("enable_seqscan", "enable_bitmapscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0][0]["Plan"]
    reads = [
        f"{node['Node Type']} {node.get('Index Name', '')}"
        for node in _nodes(plan)
        if node.get("Relation Name") == "communities_person"
    ]
    assert reads and all(r.startswith("Index Only Scan") for r in reads), (reads, sql)
