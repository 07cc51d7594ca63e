"""Aggregate queries over the ballots' own tables, for the overview's live counts (and the tests and
benchmarks that compare them with its rollups)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractYear

from . import choices
from .models import Ballot, Vote


def of_year(ballots: QuerySet[Ballot], year: int) -> QuerySet[Ballot]:
    """A ballot belongs to its project's year; with no project, to the year it opens (Asia/Shanghai)."""
    return ballots.annotate(ballot_year=Coalesce("project__year", ExtractYear("opens_at"))).filter(
        ballot_year=year
    )


def touching(compounds: QuerySet) -> Q:
    """Ballots asking the households of one of these compounds (the primary one or another)."""
    ids = compounds.values("pk")
    return Q(compound__in=ids) | Q(
        pk__in=Ballot.extra_compounds.through.objects.filter(compound__in=ids).values("ballot_id")
    )


def open_ballot_figures(ballots: QuerySet[Ballot], now: datetime.datetime, soon_days: int) -> dict[str, int]:
    """Open ballots, those closing within `soon_days`, their electors and the votes cast so far."""
    open_ = ballots.filter(status=choices.BallotStatus.OPEN)
    agg = open_.aggregate(
        n=Count("pk"),
        soon=Count("pk", filter=Q(closes_at__lte=now + datetime.timedelta(days=soon_days))),
        electors=Sum("electorate_size"),
    )
    return {
        "ballots_open": agg["n"],
        "ballots_closing_soon": agg["soon"],
        "open_electors": agg["electors"] or 0,
        "open_votes": Vote.objects.filter(ballot__in=open_.values("pk")).count(),
    }


def consent_reached(compounds: QuerySet, ballots: QuerySet[Ballot]) -> int:
    """How many of these compounds a passed renovation-consent ballot (among `ballots`) asked."""
    passed = ballots.filter(
        kind=choices.BallotKind.RENOVATION_CONSENT, status=choices.BallotStatus.CLOSED, passed=True
    )
    ids = passed.values("pk")
    return (
        compounds.filter(
            Q(pk__in=passed.values("compound_id"))
            | Q(pk__in=Ballot.extra_compounds.through.objects.filter(ballot__in=ids).values("compound_id"))
        )
        .distinct()
        .count()
    )
