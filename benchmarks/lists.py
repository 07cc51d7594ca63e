"""Big lists on province data: the first page, page 1,000 by number and by keyset (`?cursor=`) of each
big API list as a superuser, a district admin and a community secretary; then searches (a one-character
name, digits) and filters (a compound, a community, old visits by date) on the API and the pages.
Server time (median of GETs through Django's handler) and SQL queries per request.

    python -m benchmarks lists                   # on a tenth of a province (made once, kept)
    python -m benchmarks lists -- --full         # on the whole province (BENCH_SCALE=full too)

The scale database is the overview benchmark's (benchmarks/scale.py); BENCH_SCALE_DATABASE_URL points
at another one (e.g. one already filled by `manage.py generate_scale`).
"""

from __future__ import annotations

import statistics
import sys
import time

RUNS = 5
TARGET_MS = 100.0

# (name, API path, keyset fields of the list, model path for the cursor of row 50,000)
API_LISTS = [
    ("households", "/api/v1/households/", "communities.Household"),
    ("people", "/api/v1/people/", "communities.Person"),
    ("ownerships", "/api/v1/ownerships/", "communities.Ownership"),
    ("visits", "/api/v1/visits/", "consultations.Visit"),
    ("opinions", "/api/v1/opinions/", "consultations.Opinion"),
    ("electors", "/api/v1/electors/", "ballots.Elector"),
    ("votes", "/api/v1/votes/", "ballots.Vote"),
    ("rectifications", "/api/v1/rectifications/", "supervision.Rectification"),
    ("household-assignments", "/api/v1/household-assignments/", "projects.HouseholdAssignment"),
    ("compounds", "/api/v1/compounds/", "communities.Compound"),
]


def run() -> None:
    import os

    from . import scale

    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (figures drift with it)", flush=True
    )
    scale.ensure(full=scale.wants_full(sys.argv[1:]))
    scale.run_child("benchmarks.lists", "--measure")


def _median_ms(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def _cursor_at(view_cls, model, offset: int) -> str | None:
    from communities.paging import encode_cursor, keyset_fields

    ordering = view_cls.keyset_ordering or ("-id",)
    fields, _desc = keyset_fields(tuple(ordering))
    row = model.objects.order_by(*ordering).values_list(*fields)[offset : offset + 1]
    row = list(row)
    return encode_cursor(list(row[0])) if row else None


def measure() -> None:
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import resolve

    from communities.choices import Role
    from communities.models import Division, Household, RoleAssignment

    from .scale import MARK

    province = Division.objects.get(name=MARK, parent__isnull=True)
    districts = list(Division.objects.filter(path__startswith=province.path, level="district"))
    district = max(
        districts[:20],
        key=lambda d: Household.objects.filter(building__compound__division__path__startswith=d.path).count(),
    )
    User = get_user_model()
    admin, _ = User.objects.get_or_create(username="bench_lists_admin", defaults={"is_superuser": True})
    admin.is_superuser = True
    admin.save()
    staff, _ = User.objects.get_or_create(username="bench_lists_district")
    RoleAssignment.objects.get_or_create(user=staff, role=Role.DISTRICT_ADMIN, division=district)
    community = (
        Division.objects.filter(path__startswith=district.path, level="community").order_by("path").first()
    )
    secretary, _ = User.objects.get_or_create(username="bench_lists_community")
    RoleAssignment.objects.get_or_create(user=secretary, role=Role.COMMUNITY_SECRETARY, division=community)

    print(f"households: {Household.objects.count():,}; district {district.name}")
    header = (
        f"{'list':<22} {'who':<9} {'first ms':>8} {'p1000 ms':>9} {'cursor1000 ms':>13} "
        f"{'queries':>7} {'count':>8} {'≤100 ms':>7}"
    )
    print(header)
    print("-" * len(header))
    for who, user in (("superuser", admin), ("district", staff), ("community", secretary)):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        for name, path, label in API_LISTS:
            model = apps.get_model(label)
            view_cls = resolve(path).func.cls
            first = client.get(path)
            assert first.status_code == 200, (path, first.status_code)
            first_ms = _median_ms(lambda path=path, client=client: client.get(path))
            with CaptureQueriesContext(connection) as ctx:
                client.get(path)
            queries = len(ctx.captured_queries)
            deep = client.get(path, {"page": 1000})
            deep_ms = (
                _median_ms(lambda path=path, client=client: client.get(path, {"page": 1000}), 3)
                if deep.status_code == 200
                else None
            )
            cursor = _cursor_at(view_cls, model, 49_950) if who == "superuser" else None
            if cursor is None and who != "superuser":
                # walk the district's list to its last reachable cursor page (at most 1,000 pages deep)
                cursor = _walk(client, path, 20)
            cursor_ms = (
                _median_ms(
                    lambda path=path, cursor=cursor, client=client: client.get(path, {"cursor": cursor})
                )
                if cursor
                else None
            )
            count = first.json().get("count")
            exact = first.json().get("count_exact", True)
            worst = max(x for x in (first_ms, cursor_ms or 0) if x is not None)
            print(
                f"{name:<22} {who:<9} {first_ms:>8.1f} {(f'{deep_ms:.1f}' if deep_ms else '-'):>9} "
                f"{(f'{cursor_ms:.1f}' if cursor_ms else '-'):>13} {queries:>7} "
                f"{(f'{count:,}' + ('' if exact else '+')):>8} {'yes' if worst <= TARGET_MS else 'NO':>7}",
                flush=True,
            )

    _cases(admin, staff, secretary, community)
    _pages(admin, staff, secretary)


def _cases(admin, staff, secretary, community) -> None:
    """Searches and filters: a one-character name, a narrow scope, old visits by date."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from communities.models import Compound

    compound = Compound.objects.filter(division__path__startswith=community.path).order_by("pk").first()
    cases = [
        ("people ?search=王", "/api/v1/people/", {"search": "王"}),
        ("people ?search=王 cursor", "/api/v1/people/", {"search": "王", "cursor": ""}),
        ("people ?search=12 (digits)", "/api/v1/people/", {"search": "12"}),
        ("people page ?q=王", "/people/", {"q": "王"}),
        ("header search 王", "/search/", {"q": "王"}),
        ("visits ?compound=", "/api/v1/visits/", {"compound": compound.pk, "cursor": ""}),
        ("visits ?division=community", "/api/v1/visits/", {"division": community.pk}),
        ("visits ?until=old day", "/api/v1/visits/", {"until": "2025-11-15"}),
        ("visit ledger ?until=old day", "/consultations/visits/", {"until": "2025-11-15"}),
    ]
    _header(f"{'search / filter':<30} {'who':<9} {'ms':>8} {'queries':>7} {'≤100 ms':>7}")
    for who, client in _clients(admin, staff, secretary):
        for name, path, params in cases:
            response = client.get(path, params)
            assert response.status_code == 200, (path, params, response.status_code)
            ms = _median_ms(lambda path=path, params=params, client=client: client.get(path, params))
            with CaptureQueriesContext(connection) as ctx:
                client.get(path, params)
            print(
                f"{name:<30} {who:<9} {ms:>8.1f} {len(ctx.captured_queries):>7} "
                f"{'yes' if ms <= TARGET_MS else 'NO':>7}",
                flush=True,
            )


PAGES = [
    "/compounds/",
    "/people/",
    "/access-log/",
    "/projects/",
    "/projects/branches/",
    "/consultations/visits/",
    "/consultations/opinions/",
    "/consultations/notices/",
    "/ballots/",
    "/supervision/inspections/",
    "/supervision/rectifications/",
    "/supervision/disputes/",
    "/jobs/",
]


def _pages(admin, staff, secretary) -> None:
    """The staff list pages: the first page, the page reached by following "Next" 20 times (a cursor
    link where the list has one) and a typed ?page=200 (by number), as each role sees them; "(n)"
    where the list ends after n pages."""
    import re
    from html import unescape

    _header(
        f"{'page':<30} {'who':<9} {'first ms':>8} {'next x20 ms':>11} {'?page=200 ms':>12} {'≤100 ms':>7}"
    )
    for who, client in _clients(admin, staff, secretary):
        for path in PAGES:
            response = client.get(path)
            if response.status_code != 200:
                print(f"{path:<30} {who:<9} {'(HTTP ' + str(response.status_code) + ')':>8}")
                continue
            first_ms = _median_ms(lambda path=path, client=client: client.get(path), 3)
            url, body, hops = path, response.content.decode(), 0
            for _ in range(20):
                link = re.search(r'rel="next" href="([^"]*)"', body)
                if not link:
                    break
                url = unescape(link.group(1))
                url = path + url if url.startswith("?") else url
                body = client.get(url).content.decode()
                hops += 1
            deep_ms = _median_ms(lambda url=url, client=client: client.get(url), 3) if hops else None
            numbered = client.get(path, {"page": 200})
            typed_ms = (
                _median_ms(lambda path=path, client=client: client.get(path, {"page": 200}), 3)
                # past its last page a list shows the last one: only a real page 200 is timed
                if numbered.status_code == 200
                and re.search(r'<span class="page-link">\D*200\D', numbered.content.decode())
                else None
            )
            worst = max(x for x in (first_ms, deep_ms or 0, typed_ms or 0))
            deep = "-" if deep_ms is None else f"{deep_ms:.1f}" + ("" if hops == 20 else f" ({hops})")
            typed = "-" if typed_ms is None else f"{typed_ms:.1f}"
            print(
                f"{path:<30} {who:<9} {first_ms:>8.1f} {deep:>11} {typed:>12} "
                f"{'yes' if worst <= TARGET_MS else 'NO':>7}",
                flush=True,
            )


def _header(header: str) -> None:
    print()
    print(header)
    print("-" * len(header))


def _clients(admin, staff, secretary):
    """(who, a test client logged in as that user) for each role measured."""
    from django.test import Client

    for who, user in (("superuser", admin), ("district", staff), ("community", secretary)):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        yield who, client


def _walk(client, path: str, pages: int) -> str | None:
    """The cursor of the page `pages` deep (or the last one) in this user's list."""
    from urllib.parse import parse_qs, urlparse

    token = ""
    for _ in range(pages):
        body = client.get(path, {"cursor": token}).json()
        if not body["next"]:
            break
        token = parse_qs(urlparse(body["next"]).query)["cursor"][0]
    return token or None


if __name__ == "__main__":
    from . import setup_django

    setup_django()
    if "--measure" in sys.argv:
        measure()
