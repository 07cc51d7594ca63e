"""The same figures as the rollups, counted live from the rows with each app's own aggregate queries
(ORM, one place at a time). Never used by the page: the tests compare it with the rollups, and the
benchmarks time it beside them."""

from __future__ import annotations

import datetime

from django.utils import timezone

from communities.aggregates import registry_figures
from communities.models import Compound, Division, Household
from consultations.aggregates import opinion_figures, visit_figures
from consultations.ballots import aggregates as ballot_aggregates
from consultations.ballots.models import Ballot
from consultations.models import Opinion
from projects import aggregates as project_aggregates
from projects.models import Programme, Project
from supervision import aggregates as supervision_aggregates

from . import figures as F


def live_figures(place: Division | Compound, year: int, now: datetime.datetime | None = None) -> dict:
    """Every figure (figures.KEYS) of a division or a compound for a year, counted now."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if isinstance(place, Division):
        compounds = Compound.objects.filter(division__path__startswith=place.path)
    else:
        compounds = Compound.objects.filter(pk=place.pk)
    plan = compounds.filter(pk__in=project_aggregates.plan_compounds(year).values("pk"))
    out = F.empty()
    out["plan_compounds"] = plan.count()
    out.update(registry_figures(plan))
    out.update(visit_figures(Household.objects.filter(building__compound__in=plan.values("pk"))))
    out.update(opinion_figures(Opinion.objects.filter(compound__in=plan.values("pk")), now))
    out.update(project_aggregates.compound_progress(plan, year))
    projects = Project.objects.filter(
        year=year,
        pk__in=Project.compounds.through.objects.filter(compound__in=compounds.values("pk")).values(
            "project_id"
        ),
    )
    out.update(project_aggregates.project_figures(projects, today))
    out.update(supervision_aggregates.acceptance_figures(projects))
    out.update(supervision_aggregates.rectification_figures(projects, today))
    out.update(supervision_aggregates.dispute_figures(projects))
    ballots = ballot_aggregates.of_year(Ballot.objects.filter(ballot_aggregates.touching(compounds)), year)
    out.update(ballot_aggregates.open_ballot_figures(ballots, now, F.CLOSING_SOON_DAYS))
    out["consent_compounds"] = ballot_aggregates.consent_reached(plan, ballots)
    if isinstance(place, Division):
        district_ids = Division.objects.filter(path__startswith=place.path).values("pk")
        out.update(
            project_aggregates.programme_targets(
                Programme.objects.filter(year=year, district__in=district_ids)
            )
        )
    return F.normalise(out)
