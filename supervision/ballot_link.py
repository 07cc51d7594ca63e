"""The acceptance round's satisfaction survey, run through the ballots services (kind acceptance
satisfaction; options 满意 / 基本满意 / 不满意, the first two counting as satisfied; the threshold and
its base copied from the rule policy in force, default 90%)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from communities.errors import DomainError

SURVEY_DAYS = 7


def create_and_open(*, acceptance, user, closes_at=None):
    from consultations.ballots import services as ballots
    from consultations.ballots.choices import BallotKind

    project = acceptance.project
    compound = project.compounds.select_related("division").order_by("pk").first()
    if compound is None:
        raise DomainError(_("The project covers no compound: there is nobody to ask."))
    now = timezone.now()
    ballot = ballots.create_ballot(
        user=user,
        kind=BallotKind.ACCEPTANCE_SATISFACTION,
        title=_("%(project)s: acceptance satisfaction survey, round %(n)s")
        % {"project": project.name, "n": acceptance.number},
        question=_("Are you satisfied with the renovation works?"),
        compound=compound,
        project=project,
        opens_at=now,
        closes_at=closes_at or now + timedelta(days=SURVEY_DAYS),
    )
    ballot = ballots.open_ballot(ballot, user)
    return ballot, threshold_percent(ballot)


def threshold_percent(ballot) -> Decimal:
    value = ballot.threshold  # a Fraction
    return (Decimal(value.numerator) * 100 / Decimal(value.denominator)).quantize(Decimal("0.01"))


def close_and_tally(*, acceptance, user):
    from consultations.ballots import services as ballots
    from consultations.ballots.choices import BallotStatus

    from .services import SurveyFigures

    ballot = acceptance.ballot
    if ballot.status == BallotStatus.OPEN:
        early = timezone.now() < ballot.closes_at
        ballot = ballots.close_ballot(
            ballot,
            user,
            reason=_("Acceptance round %(n)s concluded by the street") % {"n": acceptance.number}
            if early
            else "",
        )
    result = ballots.tally(ballot)
    condition = result.conditions[0] if result.conditions else None
    satisfied = int(condition.numerator) if condition else result.yes_count
    counted = int(condition.denominator) if condition else result.participated_count
    return SurveyFigures(
        satisfied=satisfied, counted=counted, threshold=threshold_percent(ballot), passed=bool(result.passed)
    )
