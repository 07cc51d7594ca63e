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
    """Open the round's satisfaction ballot: ONE ballot asking the households of every compound of the
    project (the first compound is the ballot's primary one, the others its extra compounds), so each
    household has one voice. Returns (the ballot, its threshold, [the ballot])."""
    from consultations.ballots import services as ballots
    from consultations.ballots.choices import BallotKind

    project = acceptance.project
    compounds = list(project.compounds.select_related("division").order_by("pk"))
    if not compounds:
        raise DomainError(_("The project covers no compound: there is nobody to ask."))
    now = timezone.now()
    ballot = ballots.create_ballot(
        user=user,
        kind=BallotKind.ACCEPTANCE_SATISFACTION,
        title=_("%(project)s: acceptance satisfaction survey, round %(n)s")
        % {"project": project.name, "n": acceptance.number},
        question=_("Are you satisfied with the renovation works?"),
        compound=compounds[0],
        extra_compounds=compounds[1:],
        project=project,
        opens_at=now,
        closes_at=closes_at or now + timedelta(days=SURVEY_DAYS),
    )
    ballot = ballots.open_ballot(ballot, user)
    return ballot, threshold_percent(ballot), [ballot]


def threshold_percent(ballot) -> Decimal:
    value = ballot.threshold  # a Fraction
    return (Decimal(value.numerator) * 100 / Decimal(value.denominator)).quantize(Decimal("0.01"))


def round_ballots(acceptance) -> list:
    """The round's ballots: the one (over all the project's compounds); rounds opened before a ballot
    could cover several compounds have one per compound, and rounds older still only `acceptance.ballot`."""
    ballots = [sb.ballot for sb in acceptance.survey_ballots.select_related("ballot").order_by("pk")]
    if not ballots and acceptance.ballot_id:
        ballots = [acceptance.ballot]
    return ballots


def close_and_tally(*, acceptance, user):
    """Close every ballot of the round and count them. One ballot (today's rounds, whatever the number
    of compounds): the ballot's own result. Several (older rounds, one ballot per compound): pooled,
    satisfied over counted across all compounds against the first ballot's threshold, so each household
    weighs the same whichever compound it is in (a small compound cannot sink or carry the project)."""
    from consultations.ballots import services as ballots
    from consultations.ballots.choices import BallotStatus

    from .services import SurveyFigures

    satisfied = counted = 0
    results = []
    for ballot in round_ballots(acceptance):
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
        condition = result.condition("threshold")  # satisfied over counted (the validity rule comes first)
        satisfied += int(condition.numerator) if condition else result.yes_count
        counted += int(condition.denominator) if condition else result.participated_count
        results.append((ballot, result))
    threshold = threshold_percent(results[0][0])
    if len(results) == 1:
        passed = bool(results[0][1].passed)
    else:
        passed = counted > 0 and Decimal(satisfied) * 100 >= threshold * counted
    return SurveyFigures(satisfied=satisfied, counted=counted, threshold=threshold, passed=passed)
