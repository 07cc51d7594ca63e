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


def close_and_tally(*, acceptance, user, reason: str = ""):
    """Close every ballot of the round and count them. Closing before a ballot's closing time needs
    `reason` (the ballots service refuses without one, as for any ballot).

    One ballot (today's rounds, whatever the number of compounds): the ballot's own verdict
    (`Ballot.passed`, which the ballots app decides: validity of the survey and its threshold) and its
    conditions, each with its numbers. Several (older rounds, one ballot per compound): pooled,
    satisfied over counted across all compounds against the first ballot's threshold, so each household
    weighs the same whichever compound it is in; every ballot must also be valid on its own."""
    from consultations.ballots import services as ballots
    from consultations.ballots.choices import BallotStatus

    from .services import SurveyFigures

    satisfied = counted = eligible = answered = 0
    results = []
    for ballot in round_ballots(acceptance):
        if ballot.status == BallotStatus.OPEN:
            ballot = ballots.close_ballot(ballot, user, reason=reason)
        result = ballots.tally(ballot)
        condition = result.condition("threshold")  # satisfied over counted (the validity rule comes first)
        satisfied += int(condition.numerator) if condition else result.yes_count
        counted += int(condition.denominator) if condition else result.participated_count
        eligible += result.eligible_count
        answered += result.participated_count
        results.append((ballot, result))
    threshold = threshold_percent(results[0][0])
    outcome = "\n".join(c.explain() for _b, r in results for c in r.conditions)
    if len(results) == 1:
        passed = bool(results[0][0].passed)
    else:
        pooled = counted > 0 and Decimal(satisfied) * 100 >= threshold * counted
        valid = all(all(c.passed for c in r.conditions if c.key != "threshold") for _b, r in results)
        passed = pooled and valid
    return SurveyFigures(
        satisfied=satisfied,
        counted=counted,
        threshold=threshold,
        passed=passed,
        eligible=eligible,
        answered=answered,
        outcome=outcome,
    )


def survey_results(acceptance) -> list:
    """The round's closed surveys as counted (read again in the page's language): each TallyResult
    carries its verdict ("not valid" with the answers missing, passed, not passed) and its conditions
    with their numbers, so the page says why a round did not pass."""
    from consultations.ballots import services as ballots

    return [ballots.tally(ballot) for ballot in round_ballots(acceptance) if ballot.is_closed]


def survey_conditions(acceptance) -> list:
    return [c for result in survey_results(acceptance) for c in result.conditions]
