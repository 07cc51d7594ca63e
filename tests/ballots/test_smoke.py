import pytest

from consultations.ballots import services
from tests.ballots.factories import codes_for, make_ballot, make_households, option


@pytest.mark.django_db
def test_consent_ballot_round_trip(world, street_user):
    make_households(world.compound_a)
    ballot = make_ballot(street_user, world.compound_a)
    assert ballot.electorate_size == 4
    codes = codes_for(ballot, street_user)
    yes = option(ballot, "同意")
    for code in codes.values():
        services.cast_online_vote(code=code, option_id=yes.pk)
    closed = services.close_ballot(ballot, street_user, reason="提前完成")
    assert closed.passed is True
    result = services.tally(closed)
    assert result.passed
    print(result.as_text())
