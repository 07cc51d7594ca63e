"""The registry API: authentication, filters, search, ordering, pagination, errors, masking,
idempotent writes, login lockout, constant query counts."""

import threading
from datetime import timedelta

import pytest
from django.db import ProgrammingError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from communities import models
from tests import factories as f
from tests.communities.api_world import local_cache, make_places  # noqa: F401  (fixture)

PASSWORD = "pass-Renovation-2026"
pytestmark = pytest.mark.usefixtures("local_cache")  # throttles start fresh in every test


def obtain_token(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


# --- authentication -----------------------------------------------------------------------------------


def test_token_obtain_use_and_revoke(street_user):
    client = APIClient()
    response = obtain_token(client, "street_a")
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert response.json()["username"] == "street_a"
    assert response.json()["expiry"]
    # hashed at rest: the key itself is stored nowhere
    stored = AuthToken.objects.get(user=street_user)
    assert token not in (stored.digest, stored.token_key)

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/compounds/").status_code == 200
    assert client.post("/api/v1/auth/token/revoke/").status_code == 204
    response = client.get("/api/v1/compounds/")
    assert response.status_code == 401
    assert response.json()["detail"]
    assert not AuthToken.objects.filter(user=street_user).exists()


def test_expired_token_is_401(street_user):
    client = APIClient()
    token = obtain_token(client, "street_a").json()["token"]
    AuthToken.objects.filter(user=street_user).update(expiry=timezone.now() - timedelta(seconds=1))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/compounds/")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_garbage_token_is_401(street_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token-0123456789")
    assert client.get("/api/v1/compounds/").status_code == 401


def test_wrong_password_is_a_readable_400(street_user):
    response = obtain_token(APIClient(), "street_a", "wrong")
    assert response.status_code == 400
    assert response.json()["detail"]
    response = APIClient().post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert "username" in response.json()["detail"]


def test_session_auth_reads_and_needs_csrf_for_writes(world, street_user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(street_user)
    assert client.get("/api/v1/compounds/").status_code == 200
    response = client.post(
        "/api/v1/compounds/", {"division": world.community_a.pk, "name": "新小区"}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not models.Compound.objects.filter(name="新小区").exists()


ENDPOINTS = ["divisions", "compounds", "buildings", "households", "people", "ownerships", "jobs"]


@pytest.mark.parametrize("resource", ENDPOINTS)
def test_anonymous_is_401_everywhere(db, resource):
    response = APIClient().get(f"/api/v1/{resource}/")
    assert response.status_code == 401
    assert response.json()["detail"]
    assert APIClient().post("/api/v1/auth/token/revoke/").status_code == 401


def test_schema_and_docs_are_public(db):
    """Decision: the API's shape is not a secret; the data behind it is."""
    assert APIClient().get("/api/schema/").status_code == 200
    assert APIClient().get("/api/docs/").status_code == 200


# --- login lockout (django-axes on the database: works with Redis down) ---------------------------------


def test_token_endpoint_locks_after_five_failures(street_user, settings):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert obtain_token(client, "street_a", "wrong").status_code == 400
    response = obtain_token(client, "street_a", "wrong")
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    # the right password no longer helps
    response = obtain_token(client, "street_a")
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out" and "15" in response.json()["detail"]
    assert not AuthToken.objects.filter(user=street_user).exists()
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.filter(username="street_a").exists()


def test_login_page_locks_after_five_failures(street_user, client, settings):
    assert "LocMemCache" in settings.CACHES["default"]["BACKEND"] or settings.REDIS_URL
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/accounts/login/", {"username": "street_a", "password": "wrong"})
        assert response.status_code in (200, 429)
    response = client.post("/accounts/login/", {"username": "street_a", "password": PASSWORD})
    assert response.status_code == 429
    assert "text/html" in response["Content-Type"]
    assert "_auth_user_id" not in client.session


def test_login_page_works_before_lockout(street_user, client):
    response = client.post("/accounts/login/", {"username": "street_a", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(street_user.pk)


# --- filters, search, ordering, pagination, errors ---------------------------------------------------


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_division_subtree_filter(world, district_admin, api_as):
    places = make_places(world)
    client = api_as(district_admin)
    a, b, c = places["a"], places["b"], places["c"]
    assert ids(client.get(f"/api/v1/compounds/?division={world.street_a.pk}")) == {
        a.compound.pk,
        b.compound.pk,
    }
    assert ids(client.get(f"/api/v1/compounds/?division={world.community_c.pk}")) == {c.compound.pk}
    assert ids(client.get(f"/api/v1/buildings/?division={world.street_a.pk}")) == {
        a.building.pk,
        b.building.pk,
    }
    assert ids(client.get(f"/api/v1/households/?division={world.community_a.pk}")) == {
        a.household.pk,
        a.household2.pk,
    }
    assert ids(client.get(f"/api/v1/people/?division={world.street_b.pk}")) == {c.person.pk}
    assert ids(client.get(f"/api/v1/ownerships/?division={world.community_b.pk}")) == {b.ownership.pk}
    assert ids(client.get(f"/api/v1/divisions/?division={world.street_a.pk}")) == {
        world.street_a.pk,
        world.community_a.pk,
        world.community_b.pk,
    }
    # a division outside the caller's scope filters to nothing (and reveals nothing)
    assert ids(client.get(f"/api/v1/compounds/?division={places['x'].division.pk}")) == set()
    assert ids(client.get("/api/v1/compounds/?division=999999")) == set()


def test_subtree_filter_is_still_scoped(world, secretary_a, api_as):
    places = make_places(world)
    # the street holds two communities; the secretary sees only their own below it
    assert ids(api_as(secretary_a).get(f"/api/v1/compounds/?division={world.street_a.pk}")) == {
        places["a"].compound.pk
    }


def test_bad_filter_value_is_readable_400(world, district_admin, api_as):
    response = api_as(district_admin).get("/api/v1/compounds/?division=abc")
    assert response.status_code == 400
    assert "division" in response.json()["detail"]


def test_search_and_ordering(world, district_admin, api_as):
    client = api_as(district_admin)
    response = client.get("/api/v1/compounds/?search=血防")
    assert ids(response) == {world.compound_a.pk}
    names = [r["name"] for r in client.get("/api/v1/compounds/?ordering=-name").json()["results"]]
    assert names == sorted(names, reverse=True) and len(names) == 3
    names = [r["name"] for r in client.get("/api/v1/compounds/?ordering=name").json()["results"]]
    assert names == sorted(names)
    f.PersonFactory(division=world.community_a, name="张三")
    f.PersonFactory(division=world.community_a, name="李四")
    assert [r["name"] for r in client.get("/api/v1/people/?search=张").json()["results"]] == ["张三"]
    # ordering by a field not offered is ignored, not an error
    assert client.get("/api/v1/compounds/?ordering=note").status_code == 200


def test_compound_filters(world, district_admin, api_as):
    world.compound_a.year_built = 1985
    world.compound_a.management_mode = "none"
    world.compound_a.save()
    world.compound_b.year_built = 2005
    world.compound_b.management_mode = "property_company"
    world.compound_b.save()
    client = api_as(district_admin)
    assert world.compound_a.pk in ids(client.get("/api/v1/compounds/?year_built_max=1990"))
    assert world.compound_b.pk not in ids(client.get("/api/v1/compounds/?year_built_max=1990"))
    assert ids(client.get("/api/v1/compounds/?management_mode=property_company")) == {world.compound_b.pk}
    assert ids(client.get(f"/api/v1/compounds/?community={world.community_b.pk}")) == {world.compound_b.pk}


def test_pagination_has_a_maximum_page_size(world, district_admin, api_as):
    building = f.BuildingFactory(compound=world.compound_a)
    models.Household.objects.bulk_create(
        models.Household(building=building, unit="1", floor=1 + i % 6, room=f"R{i}") for i in range(505)
    )
    client = api_as(district_admin)
    body = client.get("/api/v1/households/?page_size=2").json()
    assert body["count"] == 505 and len(body["results"]) == 2 and body["next"]
    assert len(client.get("/api/v1/households/").json()["results"]) == 50
    assert len(client.get("/api/v1/households/?page_size=100000").json()["results"]) == 500
    response = client.get("/api/v1/households/?page=999")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_validation_errors_are_readable(world, street_user, api_as):
    client = api_as(street_user)
    building = f.BuildingFactory(compound=world.compound_a)
    response = client.post(
        "/api/v1/households/",
        {"building": building.pk, "unit": "1", "floor": 999, "room": "", "exclusive_area": "88.5"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert {"floor", "room"} <= set(body["errors"])
    assert "floor" in body["detail"] and "room" in body["detail"]
    # a duplicate room: refused by the serializer (from the database constraint), not a 500
    payload = {"building": building.pk, "unit": "1", "floor": 1, "room": "101"}
    assert client.post("/api/v1/households/", payload, format="json").status_code == 201
    response = client.post("/api/v1/households/", payload, format="json")
    assert response.status_code in (400, 409)
    assert response.json()["detail"]
    assert models.Household.objects.filter(building=building, room="101").count() == 1


def test_area_needs_its_source(world, street_user, api_as):
    building = f.BuildingFactory(compound=world.compound_a)
    response = api_as(street_user).post(
        "/api/v1/households/",
        {"building": building.pk, "floor": 1, "room": "101", "exclusive_area": "88.50"},
        format="json",
    )
    assert response.status_code == 400
    assert "area_source" in response.json()["errors"]


def test_bad_id_number_is_refused(world, street_user, api_as):
    response = api_as(street_user).post(
        "/api/v1/people/",
        {"name": "王五", "division": world.community_a.pk, "id_number": "110101199001011230"},
        format="json",
    )
    assert response.status_code == 400
    assert "id_number" in response.json()["errors"]


# --- masking and the access log ---------------------------------------------------------------------


@pytest.fixture
def resident(world):
    return f.PersonFactory(division=world.community_a, name="赵六", phone="13812345678")


def person_row(client, person, query=""):
    response = client.get(f"/api/v1/people/{person.pk}/{query}")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("role", ["district_admin", "street_user", "secretary_a", "grid_worker_a", "viewer"])
def test_masked_by_default_for_everyone(request, resident, role, api_as):
    client = api_as(request.getfixturevalue(role))
    row = person_row(client, resident)
    assert row["phone"] == "138****5678"
    assert row["id_number"].startswith("110") and "*" in row["id_number"]
    listed = {r["id"]: r for r in client.get("/api/v1/people/").json()["results"]}
    assert listed[resident.pk]["phone"] == "138****5678"
    assert not models.AccessLog.objects.exists()


@pytest.mark.parametrize("role", ["district_admin", "street_user", "secretary_a"])
def test_unmask_for_allowed_roles_is_logged(request, resident, role, api_as, settings):
    user = request.getfixturevalue(role)
    assert any(r.role in settings.UNMASKED_ROLES for r in user.roles.all())
    row = person_row(api_as(user), resident, "?unmask=true")
    assert row["phone"] == "13812345678"
    assert row["id_number"] == resident.id_number
    log = models.AccessLog.objects.get()
    assert log.user == user and log.action == "reveal" and log.object_type == "person"
    assert log.object_id == str(resident.pk)
    # the list unmasks too, and logs the ids it showed
    response = api_as(user).get("/api/v1/people/?unmask=1")
    assert response.json()["results"][0]["phone"].isdigit()
    assert models.AccessLog.objects.count() == 2


@pytest.mark.parametrize("role", ["grid_worker_a", "viewer"])
def test_unmask_refused_silently_for_other_roles(request, resident, role, api_as):
    row = person_row(api_as(request.getfixturevalue(role)), resident, "?unmask=true")
    assert row["phone"] == "138****5678"
    assert "*" in row["id_number"]
    assert not models.AccessLog.objects.exists()


def test_unmask_roles_come_from_settings(resident, grid_worker_a, api_as, settings):
    settings.UNMASKED_ROLES = ["grid_worker"]
    assert person_row(api_as(grid_worker_a), resident, "?unmask=true")["phone"] == "13812345678"
    assert models.AccessLog.objects.count() == 1


APPEND_ONLY = "Cannot update or delete rows from communities_accesslog"


def test_access_log_is_append_only(resident, district_admin, api_as):
    person_row(api_as(district_admin), resident, "?unmask=true")
    log = models.AccessLog.objects.get()
    with pytest.raises(ProgrammingError, match=APPEND_ONLY), transaction.atomic():
        models.AccessLog.objects.filter(pk=log.pk).update(reason="tampered")
    with pytest.raises(ProgrammingError, match=APPEND_ONLY), transaction.atomic():
        models.AccessLog.objects.filter(pk=log.pk).delete()
    with pytest.raises(ProgrammingError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM communities_accesslog")
    log.refresh_from_db()
    assert log.reason == "api unmask"


# --- idempotent creates ----------------------------------------------------------------------------


@pytest.mark.parametrize("resource", ["households", "people"])
def test_idempotency_key_makes_retries_safe(world, street_user, api_as, resource):
    building = f.BuildingFactory(compound=world.compound_a)
    payload = {
        "households": {"building": building.pk, "unit": "1", "floor": 2, "room": "201"},
        "people": {"name": "钱七", "division": world.community_a.pk, "phone": "13900001111"},
    }[resource]
    model = models.Household if resource == "households" else models.Person
    before = model.objects.count()
    client = api_as(street_user)
    first = client.post(f"/api/v1/{resource}/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    retry = client.post(f"/api/v1/{resource}/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replay"] == "true"
    assert model.objects.count() == before + 1
    # without the key a resend is a new request (here: refused as a duplicate room, or a second person)
    other = client.post(f"/api/v1/{resource}/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code in (201, 400)


def test_failed_write_is_not_remembered(world, street_user, api_as):
    building = f.BuildingFactory(compound=world.compound_a)
    client = api_as(street_user)
    bad = client.post(
        "/api/v1/households/",
        {"building": building.pk, "floor": 1},
        format="json",
        HTTP_IDEMPOTENCY_KEY="fix-me",
    )
    assert bad.status_code == 400
    good = client.post(
        "/api/v1/households/",
        {"building": building.pk, "floor": 1, "room": "101"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="fix-me",
    )
    assert good.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_once(world, street_user):
    building = f.BuildingFactory(compound=world.compound_a)
    payload = {"building": building.pk, "unit": "1", "floor": 3, "room": "301"}
    barrier = threading.Barrier(4)
    results = []

    def post():
        from django.db import connections

        client = APIClient()
        client.force_authenticate(street_user)
        barrier.wait()
        try:
            response = client.post(
                "/api/v1/households/", payload, format="json", HTTP_IDEMPOTENCY_KEY="same-key"
            )
            results.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [code for code, _ in results] == [201] * 4, results
    assert len({body["id"] for _, body in results}) == 1
    assert models.Household.objects.filter(building=building).count() == 1


# --- constant query counts on every list ------------------------------------------------------------


def grow(resource, n, world, user):
    community = world.community_a
    if resource == "divisions":
        for _ in range(n):
            f.DivisionFactory(level="community", parent=world.street_a)
    elif resource == "compounds":
        for _ in range(n):
            building = f.BuildingFactory(compound=f.CompoundFactory(division=community))
            f.HouseholdFactory(building=building)
    elif resource == "buildings":
        f.BuildingFactory.create_batch(n, compound=world.compound_a)
    elif resource == "households":
        building = f.BuildingFactory(compound=world.compound_a)
        for _ in range(n):
            f.OwnershipFactory(household=f.HouseholdFactory(building=building), person__division=community)
    elif resource in ("people", "ownerships"):
        building = f.BuildingFactory(compound=world.compound_a)
        for _ in range(n):
            person = f.PersonFactory(division=community)
            f.OwnershipFactory(person=person, household=f.HouseholdFactory(building=building))
            f.OwnershipFactory(person=person, household=f.HouseholdFactory(building=building), kind="tenant")
    elif resource == "jobs":
        for _ in range(n):
            models.BackgroundJob.objects.create(
                kind="ping", handler="communities.jobs.ping_handler", created_by=user
            )


QUERY_BOUND = 6
MEASURED: dict[str, tuple[int, int]] = {}


@pytest.mark.parametrize("resource", ENDPOINTS)
@pytest.mark.parametrize("query", ["", "?unmask=true&page_size=100"])
def test_list_query_count_is_constant(
    world, district_admin, api_as, resource, query, django_assert_max_num_queries
):
    client = api_as(district_admin)
    counts = []
    for n in (5, 55):  # 5 rows, then 60
        grow(resource, n, world, district_admin)
        district_admin._renovation_scope = None  # new request: the scope is looked up again
        with django_assert_max_num_queries(QUERY_BOUND), CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/v1/{resource}/{query}")
        assert response.status_code == 200
        assert response.json()["count"] >= (5 if n == 5 else 60)
        counts.append(len(ctx.captured_queries))
    MEASURED[resource + query] = tuple(counts)
    print(f"\nqueries {resource}{query}: 5 rows -> {counts[0]}, 60 rows -> {counts[1]}")
    assert counts[0] == counts[1], f"{resource}: {counts}"


# --- permission defaults ------------------------------------------------------------------------------

# Views that are public on purpose; anything else letting anonymous callers in is a mistake.
PUBLIC_API_VIEWS = {
    "communities.api.auth.ObtainTokenView",  # exchanging a password for a token
    "consultations.ballots.api.views.PublicVoteView",  # residents vote with a code, no account
    # the household's own page: the household code (X-Household-Code) is the credential, throttled
    "consultations.residents.api.views.HouseholdPageView",
    "consultations.residents.api.views.HouseholdMenuView",
    "consultations.residents.api.views.HouseholdReportsView",
    "consultations.residents.api.views.HouseholdReportRateView",
    "consultations.residents.api.views.HouseholdVisitsView",
    "consultations.residents.api.views.HouseholdVisitCancelView",
}


def _api_views(patterns=None, prefix=""):
    from django.urls import URLPattern, URLResolver, get_resolver

    for p in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _api_views(p.url_patterns, route)
        elif isinstance(p, URLPattern) and route.startswith("api/v1/"):
            cls = getattr(p.callback, "cls", None)
            if cls is not None:
                yield route, cls


def test_api_is_authenticated_by_default(settings):
    from rest_framework.permissions import AllowAny

    assert settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] == [
        "rest_framework.permissions.IsAuthenticated"
    ]
    assert settings.REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]
    public = set()
    for route, cls in _api_views():
        perms = list(cls.permission_classes)
        assert perms, f"{route}: no permission classes"
        if any(p is AllowAny for p in perms):
            public.add(f"{cls.__module__}.{cls.__qualname__}")
    assert public <= PUBLIC_API_VIEWS, f"unexpected public API views: {public - PUBLIC_API_VIEWS}"
    assert "communities.api.auth.ObtainTokenView" in public


def test_production_renders_json_only():
    import subprocess
    import sys

    from django.conf import settings as dj

    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES']))"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("TESTING", "DEBUG")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=dj.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == '["rest_framework.renderers.JSONRenderer"]'


def test_errors_speak_chinese_by_default_and_english_on_request(world, street_user, api_as):
    client = api_as(street_user)
    assert client.get("/api/v1/compounds/999999/").json()["detail"] == "未找到。"
    english = client.get("/api/v1/compounds/999999/", HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert english == "Not found."
    response = client.delete(f"/api/v1/divisions/{world.community_a.pk}/")
    assert response.status_code == 409
    assert "不能删除" in response.json()["detail"]
