"""Big ballots stay usable: the page never lists the whole electorate (a search box finds the household
instead), and codes are issued by a background job that reports progress and does not hold up votes.
Timings of a 20,000-elector ballot are printed by `python -m benchmarks big_ballot`."""

import csv
import io
import re
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from communities.choices import JobStatus
from communities.jobs import Progress
from communities.models import BackgroundJob, Household
from consultations.ballots import services
from consultations.ballots.api import views as api_views
from consultations.ballots.forms import StaffVoteForm
from consultations.ballots.models import Elector, Vote
from consultations.ballots.slips import render_slips
from tests import factories as f
from tests.ballots.factories import make_ballot, option

MANY = StaffVoteForm.CHOICES_MAX + 40


@pytest.fixture
def big_ballot(world, street_user):
    for n in range(0, MANY, 60):  # 60 households a building: 6 units of 10 floors
        building = f.BuildingFactory(
            compound=world.compound_a, name=f"{n // 60 + 1}栋", unit_count=6, floor_count=10
        )
        Household.objects.bulk_create(
            Household(
                building=building,
                unit=str(1 + k // 10),
                floor=1 + k % 10,
                room=f"{1 + k % 10}0{1 + k // 10}",
                exclusive_area=Decimal("60.00"),
                area_source="register",
            )
            for k in range(min(60, MANY - n))
        )
    return make_ballot(street_user, world.compound_a, title="大表决")


def elector_options(html: str) -> list[str]:
    select = re.search(r'<select name="elector".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="(\d+)"', select)


@pytest.mark.django_db
def test_the_page_of_a_big_ballot_does_not_list_every_elector(client, big_ballot, street_user):
    client.force_login(street_user)
    html = client.get(big_ballot.get_absolute_url()).content.decode()
    assert big_ballot.electors.count() == MANY
    assert len(elector_options(html)) == StaffVoteForm.CHOICES_MAX  # not all of them
    assert 'id="elector-search"' in html

    # searching narrows the list, without JavaScript (?q=) and through htmx (the options endpoint)
    wanted = big_ballot.electors.natural_order().last()
    room = wanted.room
    html = client.get(big_ballot.get_absolute_url() + f"?q={room}").content.decode()
    assert str(wanted.pk) in elector_options(html)
    fragment = client.get(f"/ballots/{big_ballot.pk}/electors/options/?q={room}", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and f'value="{wanted.pk}"' in fragment.content.decode()

    # an elector the list did not show is still a valid choice
    assert str(wanted.pk) not in elector_options(client.get(big_ballot.get_absolute_url()).content.decode())
    r = client.post(
        f"/ballots/{big_ballot.pk}/votes/",
        {
            "elector": wanted.pk,
            "option": option(big_ballot, "同意").pk,
            "channel": "paper",
            "paper_serial": "P-1",
        },
    )
    assert r.status_code == 302
    assert Vote.objects.filter(elector=wanted).exists()


@pytest.mark.django_db
def test_the_options_endpoint_is_scoped(client, big_ballot, secretary_b):
    client.force_login(secretary_b)
    assert client.get(f"/ballots/{big_ballot.pk}/electors/options/?q=1").status_code == 404


@pytest.mark.django_db
def test_issuing_codes_reports_progress(big_ballot, street_user, monkeypatch):
    monkeypatch.setattr(services, "CODES_BATCH", 50)
    job = BackgroundJob.objects.create(
        kind="ballot_slips",
        handler="consultations.ballots.slips.render_slips",
        created_by=street_user,
        params={"ballot_id": big_ballot.pk},
    )
    reports = []

    class Recording(Progress):
        def __call__(self, done, total=None, *, force=False):
            reports.append((done, total))

    render_slips(job, Recording(job))
    total = reports[0][1]
    assert total == 2 * MANY  # issuing is the first half of the bar, the slips the second
    issuing = [done for done, _t in reports if 0 < done <= MANY]
    assert len(issuing) >= MANY // 50  # one report per batch written
    assert [d for d, _t in reports] == sorted(d for d, _t in reports)
    assert reports[-1] == (total, total)
    assert not big_ballot.electors.filter(code_hash="").exists()


@pytest.mark.django_db
def test_the_api_issues_many_codes_as_a_job_with_a_csv(
    api_as, big_ballot, street_user, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(api_views, "CODES_SYNC_MAX", 10)
    client = api_as(street_user)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/api/v1/ballots/{big_ballot.pk}/issue-codes/", {}, format="json")
    assert r.status_code == 202
    job = client.get(f"/api/v1/jobs/{r.json()['id']}/").json()
    assert job["status"] == JobStatus.SUCCEEDED and job["percent"] == 100
    download = client.get(job["download_url"])
    rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == MANY
    # a code from the file votes
    outcome = services.cast_online_vote(code=rows[0]["code"], option_id=option(big_ballot, "同意").pk)
    assert Vote.objects.get(pk=outcome.vote_id).elector_id == int(rows[0]["elector"])


@pytest.mark.django_db(transaction=True)
def test_a_paper_vote_is_not_blocked_while_codes_are_issued(big_ballot, street_user):
    """Issuing locks the electors FOR NO KEY UPDATE: a vote (its foreign key takes KEY SHARE on the
    elector) goes through while the issue is still writing; a lock_timeout would cancel it otherwise."""
    writing, release = threading.Event(), threading.Event()
    errors = []

    def progress(done, total):
        if not writing.is_set():
            writing.set()
            release.wait(60)

    def issue():
        try:
            services.issue_codes(big_ballot, street_user, progress=progress)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    services.CODES_BATCH, batch = 100, services.CODES_BATCH
    thread = threading.Thread(target=issue, daemon=True)
    thread.start()
    try:
        assert writing.wait(60), errors
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '1s'")
        elector = Elector.objects.filter(ballot=big_ballot).natural_order().first()
        services.record_staff_vote(
            user=street_user, elector=elector, option=option(big_ballot, "同意"), paper_serial="P-9"
        )
        assert thread.is_alive()
    finally:
        services.CODES_BATCH = batch
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
        release.set()
        thread.join(60)
    assert not errors
    assert Vote.objects.filter(elector=elector).exists()
    assert not big_ballot.electors.filter(code_hash="").exists()
