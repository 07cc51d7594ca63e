"""The cast every test can use: a division tree with two streets and three communities, and one user
per role (healthchecks' alice/bob/charlie idea)."""

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from communities.choices import DivisionLevel, Role
from tests import factories as f


def pytest_configure(config):
    # Tests serve static files unhashed: no collectstatic needed (see STACK.md).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # private files of the test run go to a scratch folder, never the checkout's .local/private
    import tempfile

    settings.PRIVATE_ROOT = tempfile.mkdtemp(prefix="reno-test-private-")
    # WhiteNoise warns when STATIC_ROOT does not exist (nothing is collected in tests)
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


def pytest_unconfigure(config):
    import shutil

    root = getattr(settings, "PRIVATE_ROOT", "")
    if "reno-test-private-" in str(root):
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with every table out of autovacuum's reach: the statistics the tests plan
    against change only when a test runs ANALYZE itself (in pg_class that outlives its rollback: see
    tests/communities/test_paging.py), never because autovacuum happened to pass while a live-server
    test's committed rows were there. The CI machine's server has autovacuum off; the embedded one
    (pgserver) has it on, and there the overview's tests took minutes on what it left behind."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            """
            DO $$
            DECLARE t record;
            BEGIN
              FOR t IN SELECT oid::regclass AS name, relkind FROM pg_class
                       WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'm')
              LOOP
                EXECUTE format('ALTER %s %s SET (autovacuum_enabled = false)',
                               CASE t.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, t.name);
              END LOOP;
            END $$
            """
        )


@pytest.fixture(autouse=True)
def _dependencies_start_up():
    """Each test starts with Redis and PostgreSQL taken as up, and no guess counts kept from an
    earlier test's Redis outage (config.dependencies and the throttle's fallback are per process)."""
    from communities.throttling import forget_local_counts
    from config.dependencies import DATABASE, REDIS

    REDIS.reset()
    DATABASE.reset()
    forget_local_counts()


@pytest.fixture
def redis_down(settings):
    """Call it to take Redis down for the rest of the test: the cache points at a port where nothing
    listens, configured as in production (errors ignored, the client reporting to
    config.dependencies.REDIS). Taken up again after the test."""
    from communities.throttling import forget_local_counts
    from config.dependencies import REDIS

    def down() -> None:
        settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": "redis://127.0.0.1:6390/0",
                "OPTIONS": {
                    "IGNORE_EXCEPTIONS": True,
                    "REDIS_CLIENT_CLASS": "config.redis_client.GuardedRedis",
                },
            }
        }
        REDIS.reset()
        forget_local_counts()

    yield down
    REDIS.reset()
    forget_local_counts()


@dataclass
class World:
    province: object
    city: object
    district: object
    street_a: object
    street_b: object
    community_a: object
    community_b: object
    community_c: object
    compound_a: object
    compound_b: object
    compound_c: object


@pytest.fixture
def world(db) -> World:
    province = f.DivisionFactory(name="江西省", level=DivisionLevel.PROVINCE, code="360000000000")
    city = f.DivisionFactory(name="九江市", level=DivisionLevel.CITY, parent=province)
    district = f.DivisionFactory(name="武宁县", level=DivisionLevel.DISTRICT, parent=city)
    street_a = f.DivisionFactory(name="新宁镇", level=DivisionLevel.STREET, parent=district)
    street_b = f.DivisionFactory(name="宋溪镇", level=DivisionLevel.STREET, parent=district)
    community_a = f.DivisionFactory(name="竹岭社区", level=DivisionLevel.COMMUNITY, parent=street_a)
    community_b = f.DivisionFactory(name="白石岭社区", level=DivisionLevel.COMMUNITY, parent=street_a)
    community_c = f.DivisionFactory(name="宋溪社区", level=DivisionLevel.COMMUNITY, parent=street_b)
    return World(
        province,
        city,
        district,
        street_a,
        street_b,
        community_a,
        community_b,
        community_c,
        compound_a=f.CompoundFactory(division=community_a, name="民居巷血防站"),
        compound_b=f.CompoundFactory(division=community_b, name="老城建宿舍楼"),
        compound_c=f.CompoundFactory(division=community_c, name="宋溪小区"),
    )


def _user(username: str, role: str, division, **kwargs):
    user = f.UserFactory(username=username)
    f.RoleAssignmentFactory(user=user, role=role, division=division, **kwargs)
    return user


@pytest.fixture
def district_admin(world):
    return _user("district_admin", Role.DISTRICT_ADMIN, world.district)


@pytest.fixture
def street_user(world):
    return _user("street_a", Role.STREET_STAFF, world.street_a)


@pytest.fixture
def secretary_a(world):
    return _user("secretary_a", Role.COMMUNITY_SECRETARY, world.community_a)


@pytest.fixture
def secretary_b(world):
    return _user("secretary_b", Role.COMMUNITY_SECRETARY, world.community_b)


@pytest.fixture
def grid_worker_a(world):
    return _user("grid_a", Role.GRID_WORKER, world.community_a)


@pytest.fixture
def contractor(world):
    return _user("contractor", Role.CONTRACTOR, world.street_a, organization="江西建工")


@pytest.fixture
def viewer(world):
    return _user("viewer", Role.VIEWER, world.district)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def api_as():
    """api_as(user) -> an APIClient logged in as that user (None: anonymous)."""

    def make(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


# --- browser ------------------------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = settings.BASE_DIR / "test-artifacts"


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium, live_server):
    """browser_page(width=1280, height=900) -> a fresh Playwright page; `page.base` is the live server."""
    contexts = []

    def make(width: int = 1280, height: int = 900, locale: str = "zh-CN", **kwargs):
        context = chromium.new_context(viewport={"width": width, "height": height}, locale=locale, **kwargs)
        contexts.append(context)
        page = context.new_page()
        page.base = live_server.url
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


def login(page, username: str, password: str = "pass-Renovation-2026") -> None:
    page.goto(page.base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def screenshot(page, name: str) -> str:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return str(path)
