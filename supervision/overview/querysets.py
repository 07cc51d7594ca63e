"""Reads of the overview: which divisions a user may open, and their figures from the rollups.

Scope: the overview of a division is open to every role that reads the division's projects and
households (communities.scoping; every role but contractors, who see only their own projects): a user
opens the divisions in their subtrees and nothing else (404). The figures of a division cover only its
subtree, so a street user never reads a number that includes another street.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from communities.choices import DivisionLevel, Role
from communities.models import Compound, Division
from communities.scoping import get_scope

from . import figures as F
from .models import CompoundRollup, DivisionRollup, RefreshState

OVERVIEW_ROLES = tuple(r for r in Role.values if r != Role.CONTRACTOR)


def divisions_for(user) -> QuerySet[Division]:
    return Division.objects.filter(get_scope(user).q("path", OVERVIEW_ROLES))


def may_open(user) -> bool:
    scope = get_scope(user)
    return scope.is_superuser or scope.has_role(*OVERVIEW_ROLES)


def roots_for(user) -> QuerySet[Division]:
    """The top divisions a user may open: their grants' divisions (or, for a superuser, the provinces)."""
    scope = get_scope(user)
    if scope.is_superuser:
        return Division.objects.filter(parent__isnull=True).order_by("path")
    return Division.objects.filter(path__in=scope.paths(OVERVIEW_ROLES)).order_by("path")


def this_year() -> int:
    return timezone.localdate().year


def refresh_states() -> dict[int, RefreshState]:
    """Every year's refresh state (a row per year: a handful), read once per page."""
    return {s.year: s for s in RefreshState.objects.all()}


def year_choices(states: dict[int, RefreshState] | None = None) -> list[int]:
    """The years that have rollups, and this year."""
    years = set(states if states is not None else refresh_states()) | {this_year()}
    return sorted(years, reverse=True)


@dataclass
class Figures:
    """A place's figures of a year: the stored counts and what is derived from them."""

    counts: dict
    rates: dict = field(init=False)
    derived: dict = field(init=False)

    def __post_init__(self) -> None:
        self.rates = F.rates(self.counts)
        self.derived = F.derived(self.counts)

    @classmethod
    def of(cls, data: dict | None) -> Figures:
        return cls(F.from_json(data))

    def value(self, column: F.Column):
        return F.column_value(self.counts, column)


def division_figures(division: Division, year: int) -> Figures:
    data = (
        DivisionRollup.objects.filter(division=division, year=year).values_list("figures", flat=True).first()
    )
    return Figures.of(data)


def as_of(year: int) -> datetime.datetime | None:
    return RefreshState.objects.filter(year=year).values_list("refreshed_at", flat=True).first()


@dataclass
class Row:
    """A row of the child table: a child division (linking to its overview) or, below a community, a
    compound (linking to its page)."""

    kind: str  # "division" or "compound"
    id: int
    name: str
    level: str
    url: str
    figures: Figures


def child_rows(division: Division, year: int) -> list[Row]:
    """The division's children with their figures, in one query (a community's are its compounds)."""
    if division.level == DivisionLevel.COMMUNITY:
        qs = (
            Compound.objects.filter(division=division)
            .annotate(
                rollup=Subquery(
                    CompoundRollup.objects.filter(compound=OuterRef("pk"), year=year).values("figures")[:1]
                )
            )
            .order_by("name", "pk")
        )
        return [
            Row("compound", c.pk, c.name, "compound", c.get_absolute_url(), Figures.of(c.rollup)) for c in qs
        ]
    qs = (
        Division.objects.filter(parent=division)
        .annotate(
            rollup=Subquery(
                DivisionRollup.objects.filter(division=OuterRef("pk"), year=year).values("figures")[:1]
            )
        )
        .order_by("path")
    )
    return [
        Row(
            "division",
            d.pk,
            d.name,
            d.level,
            reverse("overview:division", args=[d.pk]) + f"?year={year}",
            Figures.of(d.rollup),
        )
        for d in qs
    ]


def sort_rows(rows: list[Row], key: str | None) -> tuple[list[Row], F.Column | None]:
    """Worst first for the chosen column (see figures.COLUMNS); unknown or no key: as they come."""
    column = next((c for c in F.COLUMNS if c.key == key), None)
    if column is None:
        return rows, None
    return F.worst_first(rows, column, lambda r: r.figures.value(column)), column
