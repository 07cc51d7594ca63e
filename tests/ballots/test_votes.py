"""One vote per elector, channels, changes, codes, throttling, secret ballots, closing."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone, translation

from communities.errors import Conflict, DomainError
from consultations.ballots import services, throttling
from consultations.ballots.models import BallotBoxEntry, Vote
from tests.ballots.factories import codes_for, make_ballot, make_households, option


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (the Chinese catalog translates them on pages)."""
    with translation.override("en"):
        yield


@pytest.fixture
def ballot(world, street_user):
    make_households(world.compound_a)
    return make_ballot(street_user, world.compound_a, allow_change=True)


@pytest.mark.django_db
def test_second_online_vote_refused_with_when_and_how(world, street_user):
    make_households(world.compound_a)
    b = make_ballot(street_user, world.compound_a)
    code = next(iter(codes_for(b, street_user).values()))
    services.cast_online_vote(code=code, option_id=option(b, "同意").pk)
    with pytest.raises(Conflict, match="already voted") as exc:
        services.cast_online_vote(code=code, option_id=option(b, "不同意").pk)
    assert "Online" in exc.value.message or "在线" in exc.value.message
    assert Vote.objects.filter(ballot=b).count() == 1


@pytest.mark.django_db
def test_recorded_ballot_online_change_is_audited(ballot, street_user):
    code = next(iter(codes_for(ballot, street_user).values()))
    first = services.cast_online_vote(code=code, option_id=option(ballot, "同意").pk)
    second = services.cast_online_vote(code=code, option_id=option(ballot, "不同意").pk)
    assert second.changed and second.receipt == first.receipt
    vote = Vote.objects.get(pk=first.vote_id)
    assert vote.option.label == "不同意" and vote.change_count == 1
    events = list(vote.events.order_by("pgh_id").values_list("pgh_label", "option_id"))
    assert [e[0] for e in events] == ["insert", "update"]
    assert events[0][1] == option(ballot, "同意").pk


@pytest.mark.django_db
def test_paper_vote_is_final_and_locks_online(ballot, street_user, grid_worker_a):
    codes = codes_for(ballot, street_user)
    elector_id, code = next(iter(codes.items()))
    elector = ballot.electors.get(pk=elector_id)
    services.record_staff_vote(
        user=grid_worker_a, elector=elector, option=option(ballot, "同意"), paper_serial="No.0001"
    )
    with pytest.raises(Conflict, match="final"):
        services.cast_online_vote(code=code, option_id=option(ballot, "不同意").pk)
    with pytest.raises(Conflict, match=r"No\.0001"):
        services.record_staff_vote(
            user=street_user, elector=elector, option=option(ballot, "不同意"), paper_serial="X2"
        )


@pytest.mark.django_db
def test_paper_needs_serial_and_serial_is_unique(ballot, street_user):
    e1, e2 = list(ballot.electors.all())[:2]
    with pytest.raises(DomainError, match="serial"):
        services.record_staff_vote(
            user=street_user, elector=e1, option=option(ballot, "同意"), paper_serial=""
        )
    services.record_staff_vote(
        user=street_user, elector=e1, option=option(ballot, "同意"), paper_serial="P-1"
    )
    with pytest.raises(Conflict, match="P-1"):
        services.record_staff_vote(
            user=street_user, elector=e2, option=option(ballot, "同意"), paper_serial="P-1"
        )
    services.record_staff_vote(user=street_user, elector=e2, option=option(ballot, "同意"), channel="meeting")


@pytest.mark.django_db
def test_staff_outside_scope_cannot_enter_votes(ballot, secretary_b, contractor):
    from django.core.exceptions import PermissionDenied

    elector = ballot.electors.first()
    for user in (secretary_b, contractor):
        with pytest.raises(PermissionDenied):
            services.record_staff_vote(
                user=user, elector=elector, option=option(ballot, "同意"), paper_serial="1"
            )


@pytest.mark.django_db
def test_reissued_code_voids_the_old_one(ballot, street_user):
    elector_id, old = next(iter(codes_for(ballot, street_user).items()))
    new = services.reissue_code(ballot.electors.get(pk=elector_id), street_user)
    assert new.code != old
    with pytest.raises(services.InvalidCode):
        services.cast_online_vote(code=old, option_id=option(ballot, "同意").pk)
    services.cast_online_vote(
        code=new.display.lower(), option_id=option(ballot, "同意").pk
    )  # case/dash ignored
    assert ballot.electors.get(pk=elector_id).code_version == 2


@pytest.mark.django_db
def test_code_works_for_its_ballot_only(world, street_user, ballot):
    other = make_ballot(street_user, world.compound_a, title="另一个表决")
    code = next(iter(codes_for(ballot, street_user).values()))
    codes_for(other, street_user)
    with pytest.raises(services.InvalidCode):
        services.cast_online_vote(code=code, option_id=option(other, "同意").pk)
    assert services.find_elector(code).ballot_id == ballot.pk  # found among open ballots without ?b=


@pytest.mark.django_db
def test_only_hash_of_code_is_stored(ballot, street_user):
    codes = codes_for(ballot, street_user)
    for elector in ballot.electors.all():
        assert codes[elector.pk] not in elector.code_hash
        assert elector.code_hash == services.hash_code(ballot.pk, codes[elector.pk])
        assert len(elector.code_hash) == 64
    assert all(set(c) <= set(services.CODE_ALPHABET) and len(c) == 8 for c in codes.values())
    assert not set("0O1IL") & set(services.CODE_ALPHABET)


@pytest.mark.django_db
def test_closed_and_draft_ballots_refuse_votes(world, street_user):
    make_households(world.compound_a)
    draft = make_ballot(street_user, world.compound_a, opened=False)
    with pytest.raises(Conflict, match="not opened"):
        services.cast_online_vote(code="ABCDEFGH", option_id=option(draft, "同意").pk)
    b = make_ballot(street_user, world.compound_a, title="b2")
    code = next(iter(codes_for(b, street_user).values()))
    with pytest.raises(DomainError, match="Say why"):
        services.close_ballot(b, street_user)
    services.close_ballot(b, street_user, reason="会议决定提前结束")
    b.refresh_from_db()
    assert b.closed_early and b.close_reason == "会议决定提前结束" and b.result is not None
    with pytest.raises(Conflict, match="closed"):
        services.cast_online_vote(code=code, option_id=option(b, "同意").pk)


@pytest.mark.django_db
def test_beat_opens_and_closes_on_time(world, street_user):
    make_households(world.compound_a)
    now = timezone.now()
    b = make_ballot(
        street_user,
        world.compound_a,
        opened=False,
        opens_at=now - timedelta(seconds=5),
        closes_at=now + timedelta(hours=1),
    )
    from consultations.ballots.tasks import open_and_close_due

    assert open_and_close_due() == {"opened": 1, "closed": 0}
    b.refresh_from_db()
    assert b.status == "open" and b.electorate_size == 4
    assert services.open_and_close_due(now + timedelta(hours=2)) == {"opened": 0, "closed": 1}
    b.refresh_from_db()
    assert b.status == "closed" and not b.closed_early and b.passed is False
    assert b.closed_at == b.closes_at  # beat runs a minute late at most; voting stopped on time
    assert b.result_notice is not None and "19/20" in b.result_notice.body


@pytest.mark.django_db
def test_throttling_wrong_codes(ballot, settings):
    from django.core.cache import cache

    cache.clear()
    limit = throttling.CODES
    for i in range(limit.per_address):
        assert not limit.check("10.0.0.9", [ballot.pk], f"Z{i:03d}ZZZZ").paused
        limit.fail("10.0.0.9", [ballot.pk], f"Z{i:03d}ZZZZ")
    assert limit.check("10.0.0.9", [ballot.pk], "ABCDEFGH").paused
    assert not limit.check("10.0.0.10", [ballot.pk], "ABCDEFGH").paused  # another address is not blocked


@pytest.mark.django_db
def test_ballot_wide_throttle_slows_down_without_locking(ballot, monkeypatch):
    """More wrong codes than per_scope from many addresses: each guesser gets fewer tries, and an
    address that has made no mistake is never refused (tests/security/test_api_throttling.py)."""
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(throttling.CODES, "per_scope", 3)
    for i in range(4):
        throttling.CODES.fail(f"10.1.0.{i}", [ballot.pk], "ZZZZZZZZ")
    assert not throttling.CODES.check("10.9.9.9", [ballot.pk], "ABCDEFGH").paused
    assert throttling.CODES.fail("10.9.9.9", [ballot.pk], "ZZZZZZZZ").remaining == 1


# --- secret ballots -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_secret_ballot_choice_cannot_be_linked(world, street_user):
    make_households(world.compound_a, areas=[Decimal("70.00")] * 6)
    b = make_ballot(street_user, world.compound_a, secret=True)
    codes = codes_for(b, street_user)
    labels = ["同意", "同意", "不同意", "同意", "弃权", "同意"]
    for code, label in zip(codes.values(), labels, strict=True):
        services.cast_online_vote(code=code, option_id=option(b, label).pk)
    # the schema: the box has no elector, no vote, no time, and a random UUID key
    box_columns = {
        c.name
        for c in connection.introspection.get_table_description(connection.cursor(), "ballots_ballotboxentry")
    }
    assert box_columns == {"id", "ballot_id", "option_id"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kcu.column_name, ccu.table_name FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name "
            "JOIN information_schema.constraint_column_usage ccu ON tc.constraint_name = ccu.constraint_name "
            "WHERE tc.table_name = 'ballots_ballotboxentry' AND tc.constraint_type = 'FOREIGN KEY'"
        )
        assert {row[1] for row in cursor.fetchall()} == {"ballots_ballot", "ballots_ballotoption"}
    # participation rows hold no choice
    assert set(Vote.objects.filter(ballot=b).values_list("option_id", flat=True)) == {None}
    # the box is not tracked by pghistory
    assert not hasattr(BallotBoxEntry, "events")
    # after closing, the box is mixed: one transaction id for all rows, no order left to join on
    services.close_ballot(b, street_user, reason="测试")
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT xmin::text FROM ballots_ballotboxentry WHERE ballot_id = %s", [b.pk])
        assert len(cursor.fetchall()) == 1
    result = services.tally(b)
    assert {o["label"]: o["count"] for o in result.options} == {"同意": 4, "不同意": 1, "弃权": 1}
    assert result.participated_count == 6 and not result.notes


@pytest.mark.django_db
def test_secret_ballot_refuses_realtime_and_changes(world, street_user):
    make_households(world.compound_a)
    for kwargs in ({"realtime_results": True}, {"allow_change": True}):
        with pytest.raises(DomainError):
            make_ballot(street_user, world.compound_a, secret=True, opened=False, **kwargs)


# --- concurrency on real PostgreSQL -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_many_threads_voting_for_one_elector_make_exactly_one_vote(world, street_user):
    make_households(world.compound_a)
    b = make_ballot(street_user, world.compound_a)
    code = next(iter(codes_for(b, street_user).values()))
    options = [option(b, "同意").pk, option(b, "不同意").pk]
    barrier = threading.Barrier(12)
    outcomes: list[str] = []

    def vote(i: int) -> None:
        try:
            barrier.wait()
            services.cast_online_vote(code=code, option_id=options[i % 2])
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        except Exception as exc:  # pragma: no cover - shown on failure
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 11 + ["ok"]
    assert Vote.objects.filter(ballot=b).count() == 1


@pytest.mark.django_db(transaction=True)
def test_threads_mixing_paper_and_online_for_one_elector(world, street_user):
    make_households(world.compound_a)
    b = make_ballot(street_user, world.compound_a, allow_change=True)
    elector_id, code = next(iter(codes_for(b, street_user).items()))
    yes = option(b, "同意")
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def vote(i: int) -> None:
        try:
            barrier.wait()
            if i % 2:
                services.cast_online_vote(code=code, option_id=yes.pk)
            else:
                elector = b.electors.get(pk=elector_id)
                services.record_staff_vote(
                    user=street_user, elector=elector, option=yes, paper_serial=f"S{i}"
                )
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Vote.objects.filter(ballot=b).count() == 1
    assert len(outcomes) == 8


def test_plan_choice_leader_is_never_the_abstention(world, street_user, grid_worker_a):
    """Most households abstain: the leading PLAN is measured against the threshold, not "弃权"."""
    make_households(world.compound_a, areas=(Decimal("80.00"),) * 5)
    ballot = make_ballot(
        street_user, world.compound_a, kind="plan_choice", options=["方案一", "方案二", "弃权"]
    )
    choices_made = ["弃权", "弃权", "弃权", "方案一", "方案二"]
    for i, (elector, label) in enumerate(zip(ballot.electors.all(), choices_made, strict=True)):
        services.record_staff_vote(
            user=grid_worker_a, elector=elector, option=option(ballot, label), paper_serial=f"P{i}"
        )
    result = services.tally(ballot)
    assert result.abstain_count == 3
    assert result.yes_count == 0 and not result.passed
    assert "弃权" not in " ".join(result.notes)
