"""Limits on guessing household codes, behind two small functions so the mechanism can be swapped.

Today it counts WRONG codes per client address with the ballots' counters (one guesser is stopped after a
few tries, whichever resident page it tries), plus one counter over all household codes that stops a
distributed guesser. A right code never counts. Odds for a guesser: 31^16 ≈ 7e23 codes; even at the
global limit (HOUSEHOLD_CODE_FAILURES_ALL per window, ~144,000 a day), against 100,000 cards a code is
found with probability ~2e-14 a day.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from consultations.ballots import throttling as ballot_throttling

WINDOW_SECONDS = ballot_throttling.WINDOW_SECONDS
FAILURES_ALL = getattr(settings, "HOUSEHOLD_CODE_FAILURES_ALL", 1000)
ALL_KEY = "residents:badcode:all"


def client_address(request) -> str:
    return ballot_throttling.client_address(request)


def is_throttled(request) -> bool:
    if ballot_throttling.is_throttled(client_address(request)):
        return True
    return (cache.get(ALL_KEY) or 0) >= FAILURES_ALL


def record_failure(request) -> None:
    ballot_throttling.record_failure(client_address(request))
    if not cache.add(ALL_KEY, 1, WINDOW_SECONDS):
        try:
            cache.incr(ALL_KEY)
        except ValueError:
            cache.add(ALL_KEY, 1, WINDOW_SECONDS)
