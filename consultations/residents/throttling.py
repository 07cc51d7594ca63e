"""Limits on guessing household codes (the rules live in communities.throttling).

A household code does not say which compound it belongs to until it is right, so wrong codes count in one
scope over all cards. A right code never counts. A resident mistyping their own code pauses only that
code prefix from their address; a guesser varying prefixes pauses the address; many addresses guessing
tighten every address's allowance (they slow down, never lock residents out).
Odds for a guesser: 31^16 ≈ 7e23 codes; even 1,000 addresses at 20 wrong codes per 10 minutes each
(~2.9 million a day) against 1,000,000 cards find one with probability ~4e-12 a day.
"""

from __future__ import annotations

from django.conf import settings

from communities.throttling import GuessLimit, Verdict, client_address

__all__ = ["CODES", "SCOPE", "Verdict", "check", "client_address", "fail"]

CODES = GuessLimit(
    "household-code",
    per_prefix=getattr(settings, "HOUSEHOLD_CODE_FAILURES_PER_PREFIX", 5),
    per_address=getattr(settings, "HOUSEHOLD_CODE_FAILURES_PER_ADDRESS", 20),
    per_scope=getattr(settings, "HOUSEHOLD_CODE_FAILURES_ALL", 1000),
    window=settings.HOUSEHOLD_CODE_WINDOW_SECONDS,
    pause=settings.HOUSEHOLD_CODE_PAUSE_SECONDS,
)
SCOPE = "all"


def check(request, code: str) -> Verdict:
    """Is this address paused (for this code's prefix)? Ask before testing a code."""
    return CODES.check(client_address(request), [SCOPE], code)


def fail(request, code: str) -> Verdict:
    """Count one wrong code (after testing it)."""
    return CODES.fail(client_address(request), [SCOPE], code)
