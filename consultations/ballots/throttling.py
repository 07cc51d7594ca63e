"""Limits on guessing voting codes and receipt codes (the rules live in communities.throttling).

A wrong code counts against the ballot it was tried on whatever the request says: with `b=` that
ballot, without it every open ballot (the code was looked up among all of them). A right code never
counts, so a household voting (or retrying) never adds to a counter. Paper and meeting entry by the
secretary is never throttled, and staff can lift a pause for an address from the ballot's page.
Odds for a guesser: 31^8 ≈ 8.5e11 codes; even 30 wrong codes per address per 10 minutes from 1,000
addresses (the ballot slows to 5 each once it sees 200 in a window) finds one of 2,000 codes with
probability ~1e-2 a year of non-stop guessing.
"""

from __future__ import annotations

from django.conf import settings

from communities.throttling import GuessLimit, Verdict, client_address

from . import choices
from .models import Ballot

__all__ = ["CODES", "RECEIPTS", "Verdict", "client_address", "scopes"]

CODES = GuessLimit(
    "ballot-code",
    per_prefix=settings.BALLOT_CODE_FAILURES_PER_PREFIX,
    per_address=settings.BALLOT_CODE_FAILURES_PER_ADDRESS,
    per_scope=settings.BALLOT_CODE_FAILURES_PER_BALLOT,
    window=settings.BALLOT_CODE_WINDOW_SECONDS,
    pause=settings.BALLOT_CODE_PAUSE_SECONDS,
)
# Receipt codes are 10 characters and reveal only whether (and, on an open ballot, how) one vote was
# cast; one global scope, the same allowances.
RECEIPTS = GuessLimit(
    "receipt",
    per_prefix=settings.BALLOT_CODE_FAILURES_PER_PREFIX,
    per_address=settings.BALLOT_CODE_FAILURES_PER_ADDRESS,
    per_scope=settings.BALLOT_CODE_FAILURES_PER_BALLOT,
    window=settings.BALLOT_CODE_WINDOW_SECONDS,
    pause=settings.BALLOT_CODE_PAUSE_SECONDS,
)
RECEIPT_SCOPE = "all"


def scopes(ballot_id: int | None) -> list[int]:
    """The ballots a code is tried on: the one named, or (none named) every open ballot."""
    if ballot_id:
        return [ballot_id]
    open_ids = list(Ballot.objects.filter(status=choices.BallotStatus.OPEN).values_list("pk", flat=True))
    return open_ids or [0]  # no open ballot: still count the address
