"""Searching people by one or two characters (issue 15): the start of a name (a surname, a two-character
name), case-insensitive, the same in the header search, the people page and the API (numbered and
cursor pages); each role finds only the people of its scope, and masked roles match a phone only by the
last digits they are shown. At province scale a one-character search walked every name in order (0.3-1.4
s); it now reads one range of the `person_name_key` index (migration 0010)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.models import Person
from supervision.workday import search
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world):
    a, b = world.community_a, world.community_b
    made = {
        name: f.PersonFactory(name=name, phone=phone, division=division)
        for name, phone, division in [
            ("王伟", "13800001278", a),
            ("王芳", "13900002222", a),
            ("王", "13700003333", a),
            ("汪洋", "13600004444", a),
            ("李王", "13500005555", a),  # 王 inside the name, not at its start
            ("Wang Lei", "13400006666", a),
            ("wANG Mei", "13300007777", a),
            ("王明", "13200008888", b),  # another community
            ("50%折扣店", "13100009999", a),  # a name holding the LIKE wildcards
            ("a_b", "13000001111", a),
        ]
    }
    return made


def _header(user, q):
    return sorted(h.title for g in search.search(user, q) if g.kind == "people" for h in g.hits)


def _page(client, user, q):
    client.force_login(user)
    response = client.get(reverse("communities:person_list"), {"q": q})
    assert response.status_code == 200
    return sorted(p.name for p in response.context["page_obj"])


def _api(api_as, user, q, **params):
    body = api_as(user).get("/api/v1/people/", {"search": q, **params}).json()
    return sorted(r["name"] for r in body["results"])


def _api_walk(api_as, user, q):
    """Every name of a cursor walk, two at a time, in the order given."""
    client = api_as(user)
    names, token = [], ""
    while True:
        body = client.get("/api/v1/people/", {"search": q, "cursor": token, "page_size": 2}).json()
        names += [r["name"] for r in body["results"]]
        if not body["next"]:
            return names
        token = parse_qs(urlparse(body["next"]).query)["cursor"][0]


def _everywhere(client, api_as, user, q):
    found = {
        "header": _header(user, q),
        "page": _page(client, user, q),
        "api": _api(api_as, user, q),
        "cursor": sorted(_api_walk(api_as, user, q)),
    }
    assert len({tuple(v) for v in found.values()}) == 1, found
    return found["page"]


@pytest.mark.parametrize("who", ["district_admin", "secretary_a", "grid_worker_a", "viewer"])
def test_one_character_finds_names_starting_with_it_in_scope(world, people, client, api_as, who, request):
    user = request.getfixturevalue(who)
    found = _everywhere(client, api_as, user, "王")
    expected = ["王", "王伟", "王芳"] + (["王明"] if who in ("district_admin", "viewer") else [])
    assert found == sorted(expected)  # not 李王 (inside the name), not 汪洋


def test_two_characters_and_case(world, people, client, api_as, secretary_a):
    assert _everywhere(client, api_as, secretary_a, "王伟") == ["王伟"]
    assert _everywhere(client, api_as, secretary_a, "wa") == ["Wang Lei", "wANG Mei"]
    assert _everywhere(client, api_as, secretary_a, "WA") == ["Wang Lei", "wANG Mei"]


def test_wildcards_are_plain_characters(world, people, client, api_as, secretary_a):
    assert _everywhere(client, api_as, secretary_a, "%") == []
    assert _everywhere(client, api_as, secretary_a, "_") == []
    assert _everywhere(client, api_as, secretary_a, "a_") == ["a_b"]
    assert _everywhere(client, api_as, secretary_a, "50") == ["50%折扣店"]


def test_three_characters_match_anywhere(world, people, client, api_as, secretary_a):
    assert _everywhere(client, api_as, secretary_a, "ang") == ["Wang Lei", "wANG Mei"]


def test_short_digits_match_the_last_digits_shown(world, people, client, api_as, grid_worker_a, secretary_a):
    """Masked roles see 138****1278: two digits match the end of a phone, never its start."""
    assert _everywhere(client, api_as, grid_worker_a, "78") == ["王伟"]
    assert _everywhere(client, api_as, grid_worker_a, "13") == []
    assert _everywhere(client, api_as, secretary_a, "78") == ["王伟"]


def test_short_search_walks_in_name_order_without_repeats(world, people, api_as, district_admin):
    for i in range(7):
        f.PersonFactory(name=f"王{chr(0x4E00 + i)}", division=world.community_a)
    names = _api_walk(api_as, district_admin, "王")
    assert len(names) == len(set(names)) == 11
    assert names == sorted(names, key=lambda n: (n.upper(), n))  # the start of a name, then the rest


def test_short_search_is_served_by_the_name_key_index(world, people, district_admin, django_user_model):
    """One range of person_name_key gives the first rows in order (no walk of every name, no sort)."""
    superuser = django_user_model.objects.create(username="root", is_superuser=True)
    with CaptureQueriesContext(connection) as ctx:
        search.search(superuser, "王")
        list(Person.objects.by_name("王").matching("王", superuser)[:51])
    sqls = [q["sql"] for q in ctx.captured_queries if "communities_person" in q["sql"]]
    assert sqls
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        for sql in sqls:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0][0]["Plan"]
            nodes = list(_nodes(plan))
            scans = [n for n in nodes if n.get("Relation Name") == "communities_person"]
            assert any(n.get("Index Name") == "person_name_key" and "Index Cond" in n for n in scans), (
                sql,
                plan,
            )
            assert not any(n["Node Type"] == "Sort" for n in nodes), sql


def _nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)
