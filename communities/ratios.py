"""Ratios shown to people never contradict the verdict beside them (DESIGN.md §7).

A ratio next to a pass/fail is shown against its requirement with as many decimals as it takes for the
two shown percents to compare the way the exact fractions do: 33333/50000 against 2/3 reads
"66.666% ≥ 66.667%: failed", never "66.67% ≥ 66.67%". A failed one also says how much was missing
(`shortfall`: "差 1 户", "差 0.01 m²"). A ratio with no requirement beside it is rounded down, so it never
shows a line it has not reached (1333/2000 is 66.65%, never 67%; 99,999 of 100,000 is never 100%).

Exact arithmetic only (fractions.Fraction; Decimal areas convert exactly). Any app may import this
(ballots, supervision, the overview): it knows nothing of their models.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

Number = int | Decimal | Fraction

MIN_PLACES = 2
MAX_PLACES = 14  # counts up to 10^7 and areas to 10^10 m² (in cents) differ from any line before this


def as_fraction(value: Number) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def share(numerator: Number, denominator: Number) -> Fraction | None:
    """numerator/denominator exactly, or None when there is nothing to count."""
    den = as_fraction(denominator)
    return None if den == 0 else as_fraction(numerator) / den


def meets(value: Fraction | None, required: Fraction, inclusive: bool) -> bool:
    """ "At least" (以上, inclusive: the boundary passes) or "more than" (过半数: it fails)."""
    if value is None:
        return False
    return value >= required if inclusive else value > required


def _scaled(value: Fraction, places: int, mode: str) -> int:
    x = value * 100 * 10**places
    if mode == "floor":
        return math.floor(x)
    if mode == "ceil":
        return math.ceil(x)
    return math.floor(x + Fraction(1, 2))  # half up


def _text(scaled: int, places: int) -> str:
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}%" if places else f"{sign}{digits}%"


def percent(value: Fraction | None, places: int = MIN_PLACES) -> str:
    """Half-up, for a figure shown on its own (a requirement, a threshold)."""
    return "—" if value is None else _text(_scaled(value, places, "half"), places)


def percent_floor(value: Fraction | None, places: int = MIN_PLACES) -> str:
    """Rounded down: for a figure with no line beside it, so it never shows a line it has not reached."""
    return "—" if value is None else _text(_scaled(value, places, "floor"), places)


def shown_against(value: Fraction | None, required: Fraction) -> tuple[str, str]:
    """(value, required) as percents that compare exactly as the fractions do: equal when they are
    equal, otherwise with as many decimals as it takes to tell them apart (each an honest half-up
    rounding). Past MAX_PLACES, each is rounded away from the other."""
    if value is None:
        return "—", percent(required)
    if value == required:
        return percent(value), percent(required)
    for places in range(MIN_PLACES, MAX_PLACES + 1):
        v, r = _scaled(value, places, "half"), _scaled(required, places, "half")
        if v != r:
            return _text(v, places), _text(r, places)
    low, high = ("floor", "ceil") if value < required else ("ceil", "floor")
    return _text(_scaled(value, MAX_PLACES, low), MAX_PLACES), _text(
        _scaled(required, MAX_PLACES, high), MAX_PLACES
    )


def shortfall(
    numerator: Number, denominator: Number, required: Fraction, inclusive: bool, step: Fraction = Fraction(1)
) -> Fraction | None:
    """How much more numerator (in whole `step`s: 1 household, 0.01 m²) the same denominator needed to
    meet `required`; 0 when it is met; None when there is nothing to count."""
    den = as_fraction(denominator)
    if den == 0:
        return None
    line = required * den / step  # the requirement, in steps
    needed = math.ceil(line) if inclusive else math.floor(line) + 1
    return max(Fraction(0), needed * step - as_fraction(numerator))


def amount(value: Fraction | None, step: Fraction = Fraction(1)) -> str:
    """A shortfall as people write it: "3" households, "0.01" m²."""
    if value is None:
        return ""
    if step == 1:
        return str(int(value))
    places = len(str(step.denominator)) - 1  # steps are 1/10^k: 0.01 m²
    return f"{Decimal(value.numerator) / Decimal(value.denominator):.{places}f}"


def percent_short(value: Fraction | None) -> str:
    """A requirement as people write it: 90%, 95%, 66.67% (trailing zeros dropped)."""
    text = percent(value)
    if "." in text:
        text = text.rstrip("%").rstrip("0").rstrip(".") + "%"
    return text
