"""Aggregate queries over the projects' own tables, for the overview's live counts (and the tests and
benchmarks that compare them with its rollups). Each takes already filtered querysets."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from communities.models import Compound

from .choices import FundingSource, ProjectStatus
from .models import FundingLine, Milestone, Programme, Project, WorkItem

STARTED = [
    ProjectStatus.UNDER_CONSTRUCTION,
    ProjectStatus.ACCEPTANCE,
    ProjectStatus.REWORK,
    ProjectStatus.ACCEPTED,
    ProjectStatus.MAINTENANCE,
]
COMPLETED = [ProjectStatus.ACCEPTED, ProjectStatus.MAINTENANCE]


def plan_compounds(year: int) -> QuerySet[Compound]:
    """The compounds in the plan of a year: listed by one of its programmes or covered by one of its
    projects."""
    return Compound.objects.filter(
        Q(pk__in=Programme.compounds.through.objects.filter(programme__year=year).values("compound_id"))
        | Q(pk__in=Project.compounds.through.objects.filter(project__year=year).values("compound_id"))
    )


def compound_progress(compounds: QuerySet[Compound], year: int) -> dict[str, int]:
    """Of these compounds: how many a project of the year has started building (开工) and completed
    (完工), and the households of those the year's projects cover."""
    from communities.models import Household

    covering = Project.objects.filter(year=year, compounds=OuterRef("pk"))
    rows = compounds.annotate(
        has_project=Exists(covering),
        started=Exists(covering.filter(status__in=STARTED)),
        completed=Exists(covering.filter(status__in=COMPLETED)),
    )
    covered = rows.filter(has_project=True).values("pk")
    return {
        "started_compounds": rows.filter(started=True).count(),
        "completed_compounds": rows.filter(completed=True).count(),
        "project_households": Household.objects.filter(building__compound__in=covered).count(),
    }


def project_figures(projects: QuerySet[Project], today: datetime.date) -> dict:
    """Projects by status; budget and budget-weighted progress of their work items; behind schedule
    (not completed and past the planned completion, or with a work item past its planned end below
    100%); overdue milestones; funding planned and received by source."""
    ids = projects.values("pk")
    by_status = dict(projects.order_by().values_list("status").annotate(n=Count("pk")))
    out: dict = {"projects": sum(by_status.values())}
    out.update({f"projects_{s}": by_status.get(s, 0) for s in ProjectStatus.values})
    items = WorkItem.objects.filter(project__in=ids).aggregate(
        budget_sum=Sum("budget"), weighted=Sum(F("budget") * F("progress"))
    )
    out["budget_total"] = items["budget_sum"] or Decimal("0")
    out["budget_progress_sum"] = items["weighted"] or Decimal("0")
    late_item = WorkItem.objects.filter(project=OuterRef("pk"), planned_end__lt=today, progress__lt=100)
    out["projects_behind"] = (
        projects.exclude(status__in=COMPLETED).filter(Q(planned_end__lt=today) | Q(Exists(late_item))).count()
    )
    out["milestones_overdue"] = Milestone.objects.filter(
        project__in=ids, actual_date__isnull=True, planned_date__lt=today
    ).count()
    funding = {
        r["source"]: r
        for r in FundingLine.objects.filter(project__in=ids)
        .order_by()
        .values("source")
        .annotate(planned=Sum("planned"), received=Sum("received"))
    }
    for s in FundingSource.values:
        out[f"funding_planned_{s}"] = funding.get(s, {}).get("planned") or Decimal("0")
        out[f"funding_received_{s}"] = funding.get(s, {}).get("received") or Decimal("0")
    return out


def programme_targets(programmes: QuerySet[Programme]) -> dict:
    """The programmes' targets summed; None where none of them sets one."""
    agg = programmes.aggregate(
        target_compounds=Sum("target_compounds"),
        target_buildings=Sum("target_buildings"),
        target_households=Sum("target_households"),
        target_investment=Sum("target_investment"),
    )
    return agg
