"""Statuses, kinds and categories of the consultations app."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    DOOR = "door", _("Door to door")
    PHONE = "phone", _("Phone")
    WECHAT = "wechat", _("WeChat")
    MEETING = "meeting", _("At a meeting")


class Attitude(models.TextChoices):
    SUPPORT = "support", _("Supports")
    NEUTRAL = "neutral", _("Neutral")
    OPPOSE = "oppose", _("Opposes")
    NOT_AT_HOME = "not_at_home", _("Not at home")


# attitudes that mean somebody answered the door
ANSWERED_ATTITUDES = (Attitude.SUPPORT, Attitude.NEUTRAL, Attitude.OPPOSE)


class OpinionSource(models.TextChoices):
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")
    SUGGESTION_BOX = "suggestion_box", _("Suggestion box")
    WECHAT_GROUP = "wechat_group", _("WeChat group")
    HOTLINE = "hotline", _("Hotline")
    HOUSEHOLD_PAGE = "household_page", _("Household page (reported by the resident)")


class OpinionCategory(models.TextChoices):
    PARKING = "parking", _("Parking")
    ELEVATOR = "elevator", _("Elevator")
    DRAINAGE = "drainage", _("Drainage")
    ROADS = "roads", _("Roads")
    GREENING = "greening", _("Greening")
    LIGHTING = "lighting", _("Lighting")
    LEAKS_ROOFS = "leaks_roofs", _("Leaks and roofs")
    PIPELINES = "pipelines", _("Pipelines")
    SAFETY = "safety", _("Safety")
    PROPERTY_SERVICE = "property_service", _("Property service")
    ELDERLY_CARE = "elderly_care", _("Elderly care")
    OTHER = "other", _("Other")


class OpinionStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("opinion status", "Received")
    ACCEPTED = "accepted", pgettext_lazy("opinion status", "Accepted into the demand list")
    PLANNED = "planned", pgettext_lazy("opinion status", "Planned (in a work item)")
    RESOLVED = "resolved", pgettext_lazy("opinion status", "Resolved")
    DECLINED = "declined", pgettext_lazy("opinion status", "Declined")
    MERGED = "merged", pgettext_lazy("opinion status", "Merged into another")


# from -> allowed next statuses. Declined, merged and resolved are final.
OPINION_TRANSITIONS: dict[str, tuple[str, ...]] = {
    OpinionStatus.RECEIVED: (OpinionStatus.ACCEPTED, OpinionStatus.DECLINED, OpinionStatus.MERGED),
    OpinionStatus.ACCEPTED: (
        OpinionStatus.PLANNED,
        OpinionStatus.RESOLVED,
        OpinionStatus.DECLINED,
        OpinionStatus.MERGED,
    ),
    OpinionStatus.PLANNED: (OpinionStatus.RESOLVED, OpinionStatus.ACCEPTED),
    OpinionStatus.RESOLVED: (),
    OpinionStatus.DECLINED: (),
    OpinionStatus.MERGED: (),
}

# the demand list (需求清单): accepted opinions and what became of them
DEMAND_STATUSES = (OpinionStatus.ACCEPTED, OpinionStatus.PLANNED, OpinionStatus.RESOLVED)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class MeetingKind(models.TextChoices):
    BENCH = "bench", _("Bench meeting")
    COURTYARD = "courtyard", _("Courtyard meeting")
    RESIDENTS_COUNCIL = "residents_council", _("Residents' council")
    CONSULTATION = "consultation", _("Consultation meeting")
    OWNERS_ASSEMBLY = "owners_assembly", _("Owners' assembly")
    HEARING = "hearing", _("Hearing")


class StepKind(models.TextChoices):
    """What completes a deliberation step."""

    MEETING = "meeting", _("A meeting")
    NOTICE = "notice", _("A public notice")
    ANY = "any", _("A meeting, a notice or a note")


class DeliberationStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    DONE = "done", _("Completed")
    ABANDONED = "abandoned", _("Abandoned")


class NoticeStatus(models.TextChoices):
    PUBLISHED = "published", pgettext_lazy("notice status", "Published")
    CLOSED = "closed", pgettext_lazy("notice status", "Closed")


class NoticeKind(models.TextChoices):
    PLAN = "plan", _("Plan")
    DECISION = "decision", _("Decision")
    RESULT = "result", _("Result")
    PARTIES = "parties", _("Project parties")
    PROGRESS = "progress", _("Progress")
    OTHER = "other", _("Other")


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for handling")
    UPHELD = "upheld", _("Upheld: the matter is changed")
    EXPLAINED = "explained", _("Answered and explained")
    REJECTED = "rejected", _("Not upheld")


HANDLED_OBJECTION_STATUSES = (ObjectionStatus.UPHELD, ObjectionStatus.EXPLAINED, ObjectionStatus.REJECTED)

# Fallback notice period when no NoticePolicy applies (days).
DEFAULT_NOTICE_DAYS = 7
