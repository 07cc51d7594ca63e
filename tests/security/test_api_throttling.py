"""Guessing limits on voting codes can't be bypassed or turned into a lock-out (issue 11, issue 13).

Client address from the configured proxy hops; wrong codes count against the ballot whatever the
request says; one resident's typos pause that resident, not their office; a distributed guess slows the
ballot down without refusing anyone who made no mistake; the resident is told how many tries remain;
staff lift a pause."""

import uuid

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from communities.throttling import GuessLimit, client_address
from consultations.ballots import throttling
from tests.ballots.factories import codes_for, make_ballot, make_households, option

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_cache(settings):
    """A private in-memory cache: counters start fresh, and CI's shared Redis is never flushed."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"security-{uuid.uuid4().hex}",
        }
    }
    yield cache


@pytest.fixture
def ballot(world, street_user):
    make_households(world.compound_a)
    return make_ballot(street_user, world.compound_a)


@pytest.fixture
def codes(ballot):
    return list(codes_for(ballot).values())


def wrong(i: int, prefix: str | None = None) -> str:
    """A well-formed code that is not on any slip (digits 0/1 are not in the alphabet)."""
    return f"{prefix}{i:04d}" if prefix else f"Z{i:03d}ZZZZ"


def start(client, code, ip, ballot_id=None, **extra):
    data = {"code": code} if ballot_id is None else {"b": ballot_id, "code": code}
    return client.post("/ballots/vote/", data, REMOTE_ADDR=ip, **extra)


# --- the client address -------------------------------------------------------------------------------------


def test_client_address_trusts_only_the_configured_hops(settings):
    rf = RequestFactory()
    spoofed = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    settings.TRUSTED_PROXY_HOPS = 0
    assert client_address(spoofed) == "10.0.0.1"  # no proxy: a client-sent header is ignored
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_address(spoofed) == "203.0.113.7"  # the address our proxy appended, not "1.2.3.4"
    settings.TRUSTED_PROXY_HOPS = 2
    assert client_address(spoofed) == "1.2.3.4"
    garbage = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="<script>")
    assert client_address(garbage) == "10.0.0.1"


def test_rotating_x_forwarded_for_does_not_reset_the_count(client, ballot):
    """Without a configured proxy, a guesser changing X-Forwarded-For is still one address."""
    statuses = [
        start(client, wrong(i), "198.51.100.20", ballot.pk, HTTP_X_FORWARDED_FOR=f"10.9.{i}.1").status_code
        for i in range(throttling.CODES.per_address + 1)
    ]
    assert statuses[-1] == 429


def test_behind_a_proxy_residents_are_told_apart(client, ballot, codes, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    proxy = "10.0.0.2"  # every request arrives from the proxy
    for i in range(throttling.CODES.per_address):  # whatever the client writes to the left
        start(client, wrong(i), proxy, ballot.pk, HTTP_X_FORWARDED_FOR=f"6.6.{i}.6, 203.0.113.1")
    assert start(client, wrong(99), proxy, ballot.pk, HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429
    # another resident behind the same proxy votes
    other = start(client, codes[0], proxy, ballot.pk, HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert other.status_code == 200


# --- counted per ballot whatever the request says -----------------------------------------------------------


def test_wrong_codes_without_b_count_against_open_ballots(client, ballot, monkeypatch):
    """Today 210 wrong codes from 21 addresses without `b=` never reached the ballot's counter."""
    monkeypatch.setattr(throttling.CODES, "per_scope", 5)
    for i in range(6):
        assert start(client, wrong(i), f"198.51.100.{100 + i}").status_code == 400
    # the ballot has seen too many wrong codes: every guesser now gets strict_prefix tries
    late = [start(client, wrong(0, "YYYY"), "198.51.100.200").status_code for _ in range(3)]
    assert late == [400, 429, 429]


def test_public_api_counts_per_ballot_of_the_option(api_client, ballot, monkeypatch):
    monkeypatch.setattr(throttling.CODES, "per_scope", 5)
    yes = option(ballot, "同意").pk
    for i in range(6):
        response = api_client.post(
            "/api/v1/vote/", {"code": wrong(i), "option": yes}, format="json", REMOTE_ADDR=f"198.51.100.{i}"
        )
        assert response.status_code == 400
    statuses = [
        api_client.post(
            "/api/v1/vote/",
            {"code": wrong(0, "YYYY"), "option": yes},
            format="json",
            REMOTE_ADDR="198.51.100.99",
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [400, 429, 429]


# --- slow down, never lock everyone out ---------------------------------------------------------------------


def test_many_wrong_codes_do_not_lock_the_ballot(client, ballot, codes):
    """Today 210 wrong codes from 21 addresses locked online voting for 10 minutes."""
    for a in range(21):
        for i in range(10):
            start(client, wrong(i + 10 * a), f"192.0.2.{a}", ballot.pk)
    response = start(client, codes[0], "198.51.100.77", ballot.pk)  # a resident who made no mistake
    assert response.status_code == 200 and "同意" in response.content.decode()


def test_one_residents_typos_do_not_lock_out_their_office(client, ballot, codes):
    office = "198.51.100.30"
    mistyped = codes[0][:4] + "ZZZZ"  # the same slip, misread
    statuses = [start(client, mistyped, office, ballot.pk).status_code for _ in range(12)]
    per_prefix = throttling.CODES.per_prefix
    assert statuses[: per_prefix - 1] == [400] * (per_prefix - 1) and set(statuses[per_prefix - 1 :]) == {429}
    other = next(c for c in codes if c[:4] != codes[0][:4])
    assert start(client, other, office, ballot.pk).status_code == 200  # a neighbour at the same desk votes
    assert start(client, codes[0], office, ballot.pk).status_code == 429  # the typist waits


def test_a_guesser_varying_prefixes_meets_the_address_ceiling(client, ballot, codes):
    ceiling = throttling.CODES.per_address
    statuses = [start(client, wrong(i), "198.51.100.40", ballot.pk).status_code for i in range(ceiling + 1)]
    assert statuses[: ceiling - 1] == [400] * (ceiling - 1) and statuses[ceiling - 1 :] == [429, 429]
    assert start(client, codes[0], "198.51.100.40", ballot.pk).status_code == 429
    assert start(client, codes[0], "198.51.100.41", ballot.pk).status_code == 200


def test_a_repeat_pause_is_longer():
    limit = GuessLimit("t", per_prefix=2, per_address=10, pause=60, max_pause=3600)
    first = [limit.fail("a", [1], "ABCD1234") for _ in range(2)][-1]
    assert first.paused and first.retry_after == 60
    second = [limit.fail("a", [1], "ABCE1234") for _ in range(2)][-1]
    assert second.paused and second.retry_after == 120


# --- the resident is told how many tries remain -------------------------------------------------------------


def test_page_and_api_say_how_many_tries_remain(client, api_client, ballot):
    page = start(client, wrong(1), "198.51.100.50", ballot.pk)
    assert page.status_code == 400
    assert f"还可以再试 {throttling.CODES.per_prefix - 1} 次" in page.content.decode()
    response = api_client.post(
        "/api/v1/vote/",
        {"code": wrong(1), "option": option(ballot, "同意").pk},
        format="json",
        REMOTE_ADDR="198.51.100.51",
    )
    assert (
        response.status_code == 400 and response.json()["remaining_tries"] == throttling.CODES.per_prefix - 1
    )
    for _ in range(throttling.CODES.per_prefix):
        last = start(client, wrong(1), "198.51.100.50", ballot.pk)
    assert last.status_code == 429 and "分钟" in last.content.decode()
    assert int(last["Retry-After"]) > 0


# --- staff lift a pause -------------------------------------------------------------------------------------


def _pause(client, ballot, ip):
    for i in range(throttling.CODES.per_address):
        start(client, wrong(i), ip, ballot.pk)
    assert start(client, wrong(0), ip, ballot.pk).status_code == 429


def test_staff_lift_a_pause_on_the_page(client, ballot, codes, street_user, secretary_b, grid_worker_a):
    _pause(client, ballot, "198.51.100.60")
    lift, body = f"/ballots/{ballot.pk}/code-pauses/lift/", {"address": "198.51.100.60"}
    client.force_login(grid_worker_a)
    assert "198.51.100.60" not in client.get(f"/ballots/{ballot.pk}/").content.decode()
    assert client.post(lift, body).status_code == 403
    client.force_login(secretary_b)
    assert client.post(lift, body).status_code == 404
    client.force_login(street_user)
    page = client.get(f"/ballots/{ballot.pk}/").content.decode()
    assert "因错误表决码暂停的地址" in page and "198.51.100.60" in page
    response = client.post(
        f"/ballots/{ballot.pk}/code-pauses/lift/", {"address": "198.51.100.60"}, follow=True
    )
    assert "198.51.100.60 的暂停已解除" in response.content.decode()
    client.logout()
    assert start(client, codes[0], "198.51.100.60", ballot.pk).status_code == 200


def test_staff_lift_a_pause_in_the_api(
    api_as, client, ballot, codes, street_user, secretary_a, grid_worker_a
):
    _pause(client, ballot, "198.51.100.61")
    url = f"/api/v1/ballots/{ballot.pk}/"
    assert api_as(grid_worker_a).get(url + "code-pauses/").status_code == 403
    listed = api_as(secretary_a).get(url + "code-pauses/")
    assert listed.status_code == 200
    assert [p["address"] for p in listed.json()] == ["198.51.100.61"] and listed.json()[0]["whole_address"]
    assert (
        api_as(grid_worker_a).post(url + "lift-code-pause/", {"address": "198.51.100.61"}).status_code == 403
    )
    lifted = api_as(street_user).post(url + "lift-code-pause/", {"address": "198.51.100.61"})
    assert lifted.status_code == 200 and lifted.json() == {"lifted": True}
    assert api_as(street_user).get(url + "code-pauses/").json() == []
    assert start(client, codes[0], "198.51.100.61", ballot.pk).status_code == 200


# --- Redis down ---------------------------------------------------------------------------------------------


def test_with_redis_down_a_guesser_is_still_paused(client, ballot, codes, redis_down):
    """The counters cannot be shared while Redis is down: each web process counts in its own memory,
    so a guesser is still paused (per process), and a resident with a right code still votes."""
    redis_down()
    statuses = [
        start(client, wrong(i), "198.51.100.30", ballot.pk).status_code
        for i in range(throttling.CODES.per_address + 1)
    ]
    assert statuses[-1] == 429, statuses
    assert start(client, codes[0], "198.51.100.31", ballot.pk).status_code == 200


def test_with_redis_down_staff_see_and_lift_the_pause(ballot, redis_down):
    redis_down()
    limit = GuessLimit("down-test", per_prefix=2, per_address=3)
    for i in range(3):
        limit.fail("198.51.100.40", [ballot.pk], wrong(i))
    assert limit.check("198.51.100.40", [ballot.pk], wrong(9)).paused
    assert [p.address for p in limit.paused(ballot.pk)] == ["198.51.100.40"]
    assert limit.lift("198.51.100.40", ballot.pk)
    assert not limit.check("198.51.100.40", [ballot.pk], wrong(9)).paused
