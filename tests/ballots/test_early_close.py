"""After an early close, a refused vote says when voting actually closed, not the scheduled end."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.errors import Conflict
from consultations.ballots import services
from tests.ballots.factories import codes_for, make_ballot, make_households, option


def _when(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


@pytest.mark.django_db
def test_a_vote_after_an_early_close_names_the_actual_closing_time(world, street_user, client):
    make_households(world.compound_a)
    ballot = make_ballot(street_user, world.compound_a)
    ballot.closes_at = timezone.now() + timedelta(days=3)
    ballot.save(update_fields=["closes_at"])
    code = next(iter(codes_for(ballot, street_user).values()))
    closed_at = timezone.now() - timedelta(hours=2)
    services.close_ballot(ballot, street_user, reason="业主大会决定提前结束", now=closed_at)
    ballot.refresh_from_db()
    assert ballot.closed_early

    with pytest.raises(Conflict) as refused:
        services.cast_online_vote(code=code, option_id=option(ballot, "同意").pk)
    assert _when(closed_at) in refused.value.message
    assert _when(ballot.closes_at) not in refused.value.message

    # the residents' page says the same (guessing limits from other tests' posts forgotten first)
    from django.core.cache import cache

    cache.clear()
    page = client.post(
        "/ballots/vote/cast/", {"b": ballot.pk, "code": code, "option": option(ballot, "同意").pk}
    )
    assert page.status_code == 409
    text = page.content.decode()
    assert _when(closed_at) in text and _when(ballot.closes_at) not in text
