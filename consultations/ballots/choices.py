from django.db import models
from django.utils.translation import gettext_lazy as _


class BallotKind(models.TextChoices):
    RENOVATION_CONSENT = "renovation_consent", _("Renovation consent")
    PLAN_CHOICE = "plan_choice", _("Plan choice")
    ELEVATOR_RETROFIT = "elevator_retrofit", _("Elevator retrofit")
    OWNERS_ORDINARY = "owners_ordinary", _("Owners' decision (ordinary)")
    OWNERS_MAJOR = "owners_major", _("Owners' decision (major)")
    ACCEPTANCE_SATISFACTION = "acceptance_satisfaction", _("Acceptance satisfaction")
    OTHER = "other", _("Other")


class Rule(models.TextChoices):
    """How a ballot is decided. The numbers come from the rule policy, copied onto the ballot."""

    THRESHOLD = "threshold", _("Threshold (share of yes votes)")
    ART278_ORDINARY = "art278_ordinary", _("Civil Code art. 278, ordinary matter")
    ART278_MAJOR = "art278_major", _("Civil Code art. 278, major matter")


ART278_RULES = (Rule.ART278_ORDINARY, Rule.ART278_MAJOR)


class ThresholdBase(models.TextChoices):
    ELIGIBLE = "eligible", _("All eligible households")
    ANSWERED = "answered", _("Those who answered")


class BallotStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class VoteChannel(models.TextChoices):
    ONLINE = "online", _("Online with a code")
    PAPER = "paper", _("Paper ballot")
    MEETING = "meeting", _("At a meeting")


class ScopeKind(models.TextChoices):
    COMPOUND = "compound", _("The whole compound")
    BUILDINGS = "buildings", _("Some buildings")
    UNITS = "units", _("Some stairwell units")


# The rule each kind uses unless the creator chooses another.
DEFAULT_RULE = {
    BallotKind.RENOVATION_CONSENT: Rule.THRESHOLD,
    BallotKind.PLAN_CHOICE: Rule.THRESHOLD,
    BallotKind.ELEVATOR_RETROFIT: Rule.ART278_MAJOR,  # adding an elevator alters the building
    BallotKind.OWNERS_ORDINARY: Rule.ART278_ORDINARY,
    BallotKind.OWNERS_MAJOR: Rule.ART278_MAJOR,
    BallotKind.ACCEPTANCE_SATISFACTION: Rule.THRESHOLD,
    BallotKind.OTHER: Rule.THRESHOLD,
}


# The rules each kind may use (DESIGN.md §7: a ballot's kind fixes its rules). An owners' major matter
# only under the major rule; an ordinary one under the ordinary (or the stricter major) rule; an elevator
# is a major alteration of the building, decided by its owners, with the veto of those whose part it
# occupies; consent, satisfaction and plan choices are thresholds.
ALLOWED_RULES = {
    BallotKind.RENOVATION_CONSENT: (Rule.THRESHOLD,),
    BallotKind.PLAN_CHOICE: (Rule.THRESHOLD,),
    BallotKind.ELEVATOR_RETROFIT: (Rule.ART278_MAJOR,),
    BallotKind.OWNERS_ORDINARY: (Rule.ART278_ORDINARY, Rule.ART278_MAJOR),
    BallotKind.OWNERS_MAJOR: (Rule.ART278_MAJOR,),
    BallotKind.ACCEPTANCE_SATISFACTION: (Rule.THRESHOLD,),
    BallotKind.OTHER: (Rule.THRESHOLD, Rule.ART278_ORDINARY, Rule.ART278_MAJOR),
}

# Satisfaction is measured over those who answered; how many must answer is the policy's participation.
REQUIRED_BASE = {BallotKind.ACCEPTANCE_SATISFACTION: ThresholdBase.ANSWERED}

# Wording that usually means agreement: only ever OFFERED (ticked in the kind's default options, named
# in a refusal), never read into an option by itself -- an option counts as yes because a person said so.
STANDARD_YES_WORDING = (
    "同意",
    "赞成",
    "支持",
    "满意",
    "基本满意",
    "非常满意",
    "比较满意",
    "agree",
    "yes",
    "support",
    "satisfied",
    "basically satisfied",
)
