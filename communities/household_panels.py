"""The household page's panels from the apps above `communities` (it may not import them).

An app registers `provider(user, household) -> Panel | None` when Django starts (its `AppConfig.ready`),
and the household page shows every panel in `order`. `supervision.workday` registers visits, opinions,
votes cast and branch assignments; in-home works bookings register here the same way (key
"bookings", order 50), so the page needs no change when they arrive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PanelRow:
    title: str
    url: str = ""
    meta: list[str] = field(default_factory=list)


@dataclass
class Panel:
    key: str
    title: str
    rows: list[PanelRow]
    empty: str = ""  # shown when there are no rows
    more_url: str = ""  # the full list, filtered to this household
    total: int | None = None  # when the rows are cut to a page


Provider = Callable[[Any, Any], "Panel | None"]
_PROVIDERS: dict[str, tuple[int, Provider]] = {}


ROWS = 20


def first_rows(qs, limit: int = ROWS) -> tuple[list, int | None]:
    """At most `limit` rows in one query; the total (one COUNT) only when there are more."""
    rows = list(qs[: limit + 1])
    if len(rows) > limit:
        return rows[:limit], qs.count()
    return rows, None


def register(key: str, provider: Provider, *, order: int = 100) -> None:
    _PROVIDERS[key] = (order, provider)


def panels_for(user, household) -> list[Panel]:
    out = []
    for _order, provider in sorted(_PROVIDERS.values(), key=lambda p: p[0]):
        panel = provider(user, household)
        if panel is not None:
            out.append(panel)
    return out
