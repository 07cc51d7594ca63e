from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TeamMemberRole(models.TextChoices):
    LEADER = "leader", _("Team leader")
    MEMBER = "member", _("Supervisor")


class InspectorKind(models.TextChoices):
    TEAM = "team", _("Resident supervision team")
    SUPERVISION_COMPANY = "supervision_company", _("Supervision company")
    BRANCH = "branch", _("Party branch")
    GOVERNMENT = "government", _("Government staff")


class InspectionResult(models.TextChoices):
    PASS = "pass", _("Passed")
    PROBLEMS = "problems", _("Problems found")


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("Before")
    DURING = "during", _("During")
    AFTER = "after", _("After")
    EVIDENCE = "evidence", _("Rectification evidence")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class RectificationSource(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    ACCEPTANCE = "acceptance", _("Failed acceptance")


class RectificationStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("rectification", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("rectification", "In progress")
    SUBMITTED = "submitted", pgettext_lazy("rectification", "Submitted for verification")
    VERIFIED = "verified", pgettext_lazy("rectification", "Verified")


# from -> allowed next statuses; "rejected" is submitted -> in_progress with a reason.
RECTIFICATION_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RectificationStatus.OPEN: (RectificationStatus.IN_PROGRESS,),
    RectificationStatus.IN_PROGRESS: (RectificationStatus.SUBMITTED,),
    RectificationStatus.SUBMITTED: (RectificationStatus.VERIFIED, RectificationStatus.IN_PROGRESS),
    RectificationStatus.VERIFIED: (),
}
OPEN_RECTIFICATION_STATUSES = (
    RectificationStatus.OPEN,
    RectificationStatus.IN_PROGRESS,
    RectificationStatus.SUBMITTED,
)


class RoundStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("acceptance round", "Scheduled")
    VOTING = "voting", pgettext_lazy("acceptance round", "Satisfaction survey running")
    PASSED = "passed", pgettext_lazy("acceptance round", "Passed")
    FAILED = "failed", pgettext_lazy("acceptance round", "Failed")


class PanelRole(models.TextChoices):
    LEAD = "lead", _("Lead unit")
    DESIGN = "design", _("Design unit")
    CONSTRUCTION = "construction", _("Construction unit")
    SUPERVISION = "supervision", _("Supervision unit")
    STREET = "street", _("Street / community")
    RESIDENT = "resident", _("Resident representative")


class Verdict(models.TextChoices):
    PASS = "pass", _("Technically acceptable")
    FAIL = "fail", _("Not acceptable")


class HandoverTo(models.TextChoices):
    PROPERTY_COMPANY = "property_company", _("Property company")
    SELF_MANAGEMENT = "self_management", _("Self-management committee")
    RED_PROPERTY = "red_property", _("Red property service")


class DisputeStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("dispute", "Open")
    MEDIATING = "mediating", pgettext_lazy("dispute", "Being mediated")
    RESOLVED = "resolved", pgettext_lazy("dispute", "Resolved")
    UNRESOLVED = "unresolved", pgettext_lazy("dispute", "Not resolved")
