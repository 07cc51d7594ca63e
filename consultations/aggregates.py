"""Aggregate queries over the consultations' own tables (visits, opinions), for the overview's live
counts and the tests and benchmarks that compare them with its rollups."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery

from . import choices
from .models import Visit


def visit_figures(households: QuerySet) -> dict[str, int]:
    """Coverage of these households (consultations.coverage's definitions): not-vacant households
    visited at all, reached (somebody answered), their latest answered attitude; and every visit to
    them (vacant ones included)."""
    visits = Visit.objects.filter(household_id=OuterRef("pk"))
    answered = visits.filter(attitude__in=choices.ANSWERED_ATTITUDES).order_by("-visited_at", "-pk")
    rows = (
        households.filter(is_vacant=False)
        .annotate(v=Exists(visits), latest=Subquery(answered.values("attitude")[:1]))
        .order_by()
        .values("v", "latest")
        .annotate(n=Count("pk"))
    )
    out = {"visited": 0, "reached": 0, "support": 0, "neutral": 0, "oppose": 0}
    for row in rows:
        if row["v"]:
            out["visited"] += row["n"]
        if row["latest"]:
            out["reached"] += row["n"]
            out[row["latest"]] += row["n"]
    out["visits"] = Visit.objects.filter(household__in=households.values("pk")).count()
    return out


def opinion_figures(opinions: QuerySet, now: datetime.datetime) -> dict[str, int]:
    """Opinions by status, answers (due: answered, or received longer ago than the area's answer time;
    on time: answered within it; merged duplicates left out) and residents' ratings. The answer time
    is each compound's division's (services.opinion_answer_days, as on the home page's to-dos), read
    for the opinions' divisions at once and applied per group of divisions sharing a number of days."""
    from .services import opinion_answer_days_of

    by_days: dict[int, list[int]] = {}
    for division_id, days in opinion_answer_days_of(opinions.values("compound__division_id")).items():
        by_days.setdefault(days, []).append(division_id)
    overdue, on_time = Q(pk__in=[]), Q(pk__in=[])
    for n, ids in by_days.items():
        days = datetime.timedelta(days=n)
        area = Q(compound__division_id__in=ids)
        overdue |= area & Q(created_at__lt=now - days)
        on_time |= area & Q(answered_at__lte=F("created_at") + days)
    live = ~Q(status=choices.OpinionStatus.MERGED)
    agg = {f"opinions_{s}": Count("pk", filter=Q(status=s)) for s in choices.OpinionStatus.values}
    agg.update(
        opinions_resolved_with_item=Count(
            "pk", filter=Q(status=choices.OpinionStatus.RESOLVED, work_item__isnull=False)
        ),
        answers_due=Count("pk", filter=live & (Q(answered_at__isnull=False) | overdue)),
        answered=Count("pk", filter=live & Q(answered_at__isnull=False)),
        answered_on_time=Count("pk", filter=live & on_time),
        rating_satisfied=Count("pk", filter=Q(rating=choices.Rating.SATISFIED)),
        rating_basically=Count("pk", filter=Q(rating=choices.Rating.BASICALLY)),
        rating_unsatisfied=Count("pk", filter=Q(rating=choices.Rating.UNSATISFIED)),
    )
    return opinions.aggregate(**agg)
