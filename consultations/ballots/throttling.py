"""Limits on guessing voting codes: cache counters of WRONG codes per client address and per ballot.

A right code never counts, so a household voting (or retrying) never adds to a counter; a guesser is
stopped after a few tries from one address. Past a limit the address (or, under a distributed attack,
the whole ballot's online voting) waits out the window -- right codes included, or the limit would
not limit guessing. The page says so and sends residents to the secretary, whose paper and meeting
entry is never throttled. Odds for a guesser: 31^8 ≈ 8.5e11 codes; 200 wrong codes per ballot per
10 minutes is ~29,000 a day, which against 2,000 electors finds a code with probability ~7e-5 a day.
With Redis the counters are shared by all web nodes; without it (a laptop) they are per process.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = getattr(settings, "BALLOT_CODE_WINDOW_SECONDS", 600)
FAILURES_PER_ADDRESS = getattr(settings, "BALLOT_CODE_FAILURES_PER_ADDRESS", 10)
FAILURES_PER_BALLOT = getattr(settings, "BALLOT_CODE_FAILURES_PER_BALLOT", 200)


def _keys(address: str | None, ballot_id: int | None) -> list[tuple[str, int]]:
    keys = []
    if address:
        keys.append((f"ballots:badcode:ip:{address}", FAILURES_PER_ADDRESS))
    if ballot_id:
        keys.append((f"ballots:badcode:ballot:{ballot_id}", FAILURES_PER_BALLOT))
    return keys


def is_throttled(address: str | None, ballot_id: int | None = None) -> bool:
    keys = _keys(address, ballot_id)
    if not keys:
        return False
    values = cache.get_many([k for k, _limit in keys])
    return any(values.get(k, 0) >= limit for k, limit in keys)


def record_failure(address: str | None, ballot_id: int | None = None) -> None:
    for key, _limit in _keys(address, ballot_id):
        if cache.add(key, 1, WINDOW_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, WINDOW_SECONDS)


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"
