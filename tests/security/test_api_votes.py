"""Secret stays secret in the votes API (issue 11): for a secret ballot, `GET /api/v1/votes/` and
`/votes/<id>/` show participation only -- no elector or household link, no choice, no photo, no paper
serial or who entered it -- to every role, before and after close."""

import pytest

from consultations.ballots import services
from consultations.ballots.models import Vote
from tests.ballots.factories import codes_for, make_ballot, make_households, option

pytestmark = pytest.mark.django_db

ROLES = ["district_admin", "street_user", "secretary_a", "grid_worker_a", "viewer"]
HIDDEN = ["elector", "elector_label", "option", "paper_serial", "photo", "entered_by", "changed_at"]


@pytest.fixture
def secret_ballot(world, street_user, secretary_a):
    make_households(world.compound_a)
    ballot = make_ballot(street_user, world.compound_a, secret=True)
    codes = list(codes_for(ballot).values())
    services.cast_online_vote(code=codes[0], option_id=option(ballot, "同意").pk)
    elector = ballot.electors.exclude(vote__isnull=False).first()
    services.record_staff_vote(
        user=secretary_a, elector=elector, option=option(ballot, "不同意"), paper_serial="纸-001"
    )
    # a photo kept from before (issue 11a stops taking them on secret ballots)
    Vote.objects.filter(ballot=ballot, channel="paper").update(photo="ballots/paper/2026/12/form.jpg")
    return ballot


def _assert_participation_only(rows):
    assert len(rows) == 2
    for row in rows:
        assert row["secret"] is True and row["channel"] in ("online", "paper") and row["cast_at"]
        for field in HIDDEN:
            assert row.get(field) in (None, ""), (field, row)
    assert "纸-001" not in str(rows) and "form.jpg" not in str(rows)


@pytest.mark.parametrize("role", ROLES)
def test_votes_of_a_secret_ballot_show_participation_only(request, api_as, secret_ballot, street_user, role):
    client = api_as(request.getfixturevalue(role))
    for closed in (False, True):
        if closed:
            services.close_ballot(secret_ballot, street_user, reason="测试")
        listed = client.get(f"/api/v1/votes/?ballot={secret_ballot.pk}")
        assert listed.status_code == 200
        rows = listed.json()["results"]
        _assert_participation_only(rows)
        detail = [client.get(f"/api/v1/votes/{row['id']}/").json() for row in rows]
        _assert_participation_only(detail)


def test_open_ballot_votes_still_show_the_household(api_as, world, street_user):
    make_households(world.compound_a)
    ballot = make_ballot(street_user, world.compound_a)
    code = next(iter(codes_for(ballot).values()))
    services.cast_online_vote(code=code, option_id=option(ballot, "同意").pk)
    row = api_as(street_user).get(f"/api/v1/votes/?ballot={ballot.pk}").json()["results"][0]
    assert row["secret"] is False and row["elector"] and row["elector_label"]
