"""Problems reported from the household's page (报事): each becomes an opinion (source: household page)
routed like every other opinion; the household sees its status and answer and rates it once resolved."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.errors import Conflict, DomainError
from communities.models import Household
from communities.photos import validate_and_resize
from consultations.choices import OpinionCategory, OpinionSource
from consultations.models import Opinion

from .choices import MAX_REPORT_PHOTOS
from .models import ReportPhoto

REPORTS_PER_DAY = 10  # per household: a card is not a megaphone
RESEND_MINUTES = 10


def _project_for(household: Household):
    from projects.models import Project

    return Project.objects.filter(compounds=household.building.compound_id).order_by("-year", "-pk").first()


def report_problem(household: Household, *, category: str, content: str, photos: Sequence = ()) -> Opinion:
    """A resident's report: an opinion of the household's compound (and its latest project), with up to
    MAX_REPORT_PHOTOS photos checked by content, resized and stripped of EXIF. All or nothing."""
    content = (content or "").strip()
    if category not in OpinionCategory.values:
        raise DomainError(_("Choose what the problem is about."), field="category")
    if not content:
        raise DomainError(_("Describe the problem."), field="content")
    if len(content) > 2000:
        raise DomainError(_("Keep the description under 2,000 characters."), field="content")
    photos = [p for p in photos if p]
    if len(photos) > MAX_REPORT_PHOTOS:
        raise DomainError(_("At most %(n)s photos per report.") % {"n": MAX_REPORT_PHOTOS}, field="photos")
    # a phone on a flaky network sends the form again: the same report within minutes is the first one
    same = (
        Opinion.objects.filter(
            household=household,
            source=OpinionSource.HOUSEHOLD_PAGE,
            category=category,
            content=content,
            created_at__gte=timezone.now() - timedelta(minutes=RESEND_MINUTES),
        )
        .order_by("-created_at")
        .first()
    )
    if same is not None:
        return same
    recent = Opinion.objects.filter(
        household=household,
        source=OpinionSource.HOUSEHOLD_PAGE,
        created_at__gte=timezone.now() - timedelta(days=1),
    ).count()
    if recent >= REPORTS_PER_DAY:
        raise Conflict(_("Your household has sent many reports today: please call the community instead."))
    images = []
    for upload in photos:
        try:
            images.append(validate_and_resize(upload))
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field="photos") from exc
    with transaction.atomic():
        opinion = Opinion.objects.create(
            compound_id=household.building.compound_id,
            household=household,
            project=_project_for(household),
            source=OpinionSource.HOUSEHOLD_PAGE,
            category=category,
            content=content,
        )
        for image in images:
            ReportPhoto.objects.create(opinion=opinion, image=image)
    return opinion


def household_reports(household: Household) -> list[Opinion]:
    """The household's own reports (newest first), with their photos."""
    return list(
        Opinion.objects.filter(household=household, source=OpinionSource.HOUSEHOLD_PAGE)
        .prefetch_related("report_photos")
        .order_by("-created_at")[:50]
    )


def rate_report(opinion: Opinion, household: Household, rating: str) -> Opinion:
    from consultations.services import rate_opinion

    return rate_opinion(opinion, user=None, rating=rating, household=household)
