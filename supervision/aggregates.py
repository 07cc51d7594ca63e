"""Aggregate queries over the supervision's own tables (acceptance rounds, rectification orders,
disputes), for the overview's live counts and the tests and benchmarks that compare them with its
rollups."""

from __future__ import annotations

import datetime

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum

from projects.choices import PartyRole

from . import choices
from .models import AcceptanceRound, Dispute, Rectification

DECIDED = [choices.RoundStatus.PASSED, choices.RoundStatus.FAILED]


def acceptance_figures(projects: QuerySet) -> dict[str, int]:
    """Of these projects: how many had their first round decided and passed; how many were accepted
    and in how many rounds in all; and their last decided round's satisfaction counts and verdict."""
    rows = projects.annotate(
        accepted_at=Subquery(
            AcceptanceRound.objects.filter(project=OuterRef("pk"), status=choices.RoundStatus.PASSED)
            .order_by("number")
            .values("number")[:1]
        ),
    )
    agg = rows.aggregate(accepted=Count("accepted_at"), rounds=Sum("accepted_at"))
    first = AcceptanceRound.objects.filter(project__in=projects.values("pk"), number=1)
    last = AcceptanceRound.objects.filter(
        project__in=projects.values("pk"),
        number=Subquery(
            AcceptanceRound.objects.filter(project=OuterRef("project"), status__in=DECIDED)
            .values("project")
            .annotate(m=Max("number"))
            .values("m")
        ),
    ).aggregate(
        valid=Sum("valid_count"),
        sat=Sum("satisfied_count"),
        passed=Count("pk", filter=Q(status=choices.RoundStatus.PASSED)),
        failed=Count("pk", filter=Q(status=choices.RoundStatus.FAILED)),
    )
    return {
        "acceptance_first_decided": first.filter(status__in=DECIDED).count(),
        "acceptance_first_passed": first.filter(status=choices.RoundStatus.PASSED).count(),
        "accepted_projects": agg["accepted"],
        "rounds_to_accept": agg["rounds"] or 0,
        "last_round_valid": last["valid"] or 0,
        "last_round_satisfied": last["sat"] or 0,
        "last_round_passed": last["passed"],
        "last_round_failed": last["failed"],
    }


def rectification_figures(projects: QuerySet, today: datetime.date) -> dict[str, int]:
    """Open and overdue rectification orders of these projects by the responsible party's role."""
    open_ = Rectification.objects.filter(
        project__in=projects.values("pk"), status__in=choices.OPEN_RECTIFICATION_STATUSES
    )
    agg = {}
    for role in PartyRole.values:
        agg[f"rect_open_{role}"] = Count("pk", filter=Q(responsible_party__role=role))
        agg[f"rect_overdue_{role}"] = Count("pk", filter=Q(responsible_party__role=role, deadline__lt=today))
    return open_.aggregate(**agg)


def dispute_figures(projects: QuerySet) -> dict[str, int]:
    return Dispute.objects.filter(project__in=projects.values("pk")).aggregate(
        disputes_open=Count(
            "pk", filter=Q(status__in=[choices.DisputeStatus.OPEN, choices.DisputeStatus.MEDIATING])
        ),
        disputes_resolved=Count("pk", filter=Q(status=choices.DisputeStatus.RESOLVED)),
        disputes_unresolved=Count("pk", filter=Q(status=choices.DisputeStatus.UNRESOLVED)),
    )
