"""Supervision of the works: resident supervision teams, inspections, progress reports, rectification
orders (整改), acceptance rounds (验收) until residents are satisfied, disputes and photos.

Every row hangs off a project (`project` FK), so every row inherits the project's scope
(see supervision.querysets). Rules live in supervision.services.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from communities.files import private_storage, random_name
from communities.models import history

from . import choices
from .querysets import (
    AcceptanceRoundQuerySet,
    DisputeQuerySet,
    PhotoQuerySet,
    ProjectChildQuerySet,
    RectificationQuerySet,
    ReminderQuerySet,
    RoundChildQuerySet,
    TeamChildQuerySet,
)


class SupervisionTeam(models.Model):
    """The resident supervision team (居民监督队) of one project."""

    project = models.OneToOneField(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="supervision_team",
    )
    name = models.CharField(_("name"), max_length=200)
    established_on = models.DateField(_("established on"), default=timezone.localdate)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision team")
        verbose_name_plural = _("supervision teams")
        ordering = ["project", "pk"]

    def __str__(self) -> str:
        return self.name


class SupervisionTeamMember(models.Model):
    """A supervisor: a resident (communities.Person) or a Party member of the project's branch."""

    team = models.ForeignKey(
        SupervisionTeam, verbose_name=_("team"), on_delete=models.CASCADE, related_name="members"
    )
    person = models.ForeignKey(
        "communities.Person",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="supervision_memberships",
    )
    branch_member = models.ForeignKey(
        "projects.BranchMember",
        verbose_name=_("Party member"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="supervision_memberships",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervision_memberships",
        help_text=_("The account the supervisor records inspections with, if any."),
    )
    role = models.CharField(
        _("role"),
        max_length=10,
        choices=choices.TeamMemberRole.choices,
        default=choices.TeamMemberRole.MEMBER,
    )
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)

    objects = TeamChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervisor")
        verbose_name_plural = _("supervisors")
        ordering = ["team", "role", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(branch_member__isnull=True))
                | (Q(person__isnull=True) & Q(branch_member__isnull=False)),
                name="team_member_is_resident_or_party_member",
            ),
            models.UniqueConstraint(
                fields=["team", "person"], condition=Q(person__isnull=False), name="team_member_person_once"
            ),
            models.UniqueConstraint(
                fields=["team", "branch_member"],
                condition=Q(branch_member__isnull=False),
                name="team_member_branch_member_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.person_id:
            return self.person.name
        return self.branch_member.name if self.branch_member_id else ""

    @property
    def is_party_member(self) -> bool:
        return bool(self.branch_member_id) or bool(self.person_id and self.person.is_party_member)


class Inspection(models.Model):
    """A supervision check (巡查) on site, recorded from a phone."""

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="inspections"
    )
    work_item = models.ForeignKey(
        "projects.WorkItem",
        verbose_name=_("work item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspections",
    )
    inspector_kind = models.CharField(_("inspected by"), max_length=20, choices=choices.InspectorKind.choices)
    team_member = models.ForeignKey(
        SupervisionTeamMember,
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspections",
    )
    inspected_on = models.DateField(_("date"), default=timezone.localdate)
    findings = models.TextField(_("findings"), max_length=5000)
    result = models.CharField(_("result"), max_length=10, choices=choices.InspectionResult.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_on", "-pk"]
        indexes = [models.Index(fields=["project", "-inspected_on"])]

    def __str__(self) -> str:
        return f"{self.project} {self.inspected_on} {self.get_result_display()}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:inspection_detail", args=[self.pk])


class ProgressReport(models.Model):
    """A contractor's report of progress on one work item (序时进度)."""

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="progress_reports",
    )
    work_item = models.ForeignKey(
        "projects.WorkItem",
        verbose_name=_("work item"),
        on_delete=models.CASCADE,
        related_name="progress_reports",
    )
    party = models.ForeignKey(
        "projects.ProjectParty",
        verbose_name=_("reported for"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="progress_reports",
    )
    reported_on = models.DateField(_("date"), default=timezone.localdate)
    percent = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    reason = models.CharField(
        _("reason"),
        max_length=500,
        blank=True,
        help_text=_("Why the progress is lower than the last report, or complete before the planned start."),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-reported_on", "-pk"]
        indexes = [models.Index(fields=["work_item", "-reported_on", "-id"])]
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="progress_report_percent_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.work_item} {self.reported_on} {self.percent}%"


@pghistory.track(*history())
class AcceptanceRound(models.Model):
    """One acceptance round (验收): the technical panel's verdict, then the residents' satisfaction
    survey. Rounds are numbered per project and never overwritten; a failed round's unsatisfied points
    become rectification orders, and the next round waits until they are all verified."""

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="acceptance_rounds",
    )
    number = models.PositiveSmallIntegerField(_("round"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=choices.RoundStatus.choices,
        default=choices.RoundStatus.SCHEDULED,
        editable=False,
    )
    scheduled_on = models.DateField(_("scheduled on"))
    # the technical panel
    panel_verdict = models.CharField(
        _("panel verdict"), max_length=10, choices=choices.Verdict.choices, blank=True, editable=False
    )
    panel_notes = models.TextField(_("panel notes"), max_length=20000, blank=True)
    panel_recorded_at = models.DateTimeField(_("panel verdict recorded"), null=True, blank=True)
    # the satisfaction survey
    ballot = models.OneToOneField(
        "ballots.Ballot",
        verbose_name=_("satisfaction ballot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="acceptance_round",
    )
    threshold_percent = models.DecimalField(
        _("threshold (%)"), max_digits=5, decimal_places=2, null=True, blank=True, editable=False
    )
    satisfied_count = models.PositiveIntegerField(_("satisfied"), null=True, blank=True, editable=False)
    valid_count = models.PositiveIntegerField(_("counted"), null=True, blank=True, editable=False)
    eligible_count = models.PositiveIntegerField(_("households asked"), null=True, blank=True, editable=False)
    answered_count = models.PositiveIntegerField(
        _("households answered"), null=True, blank=True, editable=False
    )
    outcome = models.TextField(
        _("why the round passed or failed"),
        blank=True,
        editable=False,
        help_text=_("The survey's conditions as counted, each with its numbers."),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    # after passing
    filing_deadline = models.DateField(_("filing deadline"), null=True, blank=True, editable=False)
    filed_on = models.DateField(_("filed on"), null=True, blank=True, editable=False)
    filing_reference = models.CharField(_("filing reference"), max_length=100, blank=True)
    handed_over_on = models.DateField(_("handed over on"), null=True, blank=True, editable=False)
    handover_to = models.CharField(
        _("handed over to"), max_length=20, choices=choices.HandoverTo.choices, blank=True
    )
    handover_recipient = models.CharField(_("recipient"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AcceptanceRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("acceptance round")
        verbose_name_plural = _("acceptance rounds")
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="acceptance_round_number_unique"),
            models.CheckConstraint(
                condition=Q(satisfied_count__isnull=True)
                | Q(valid_count__isnull=True)
                | Q(satisfied_count__lte=models.F("valid_count")),
                name="acceptance_round_satisfied_le_counted",
            ),
            # at most one round in progress per project
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status__in=["scheduled", "voting"]),
                name="acceptance_round_one_open",
            ),
        ]

    def __str__(self) -> str:
        return _("%(project)s, acceptance round %(number)s") % {
            "project": self.project,
            "number": self.number,
        }

    def get_absolute_url(self) -> str:
        return reverse("supervision:acceptance_detail", args=[self.pk])

    @property
    def satisfaction_percent(self) -> Decimal | None:
        if self.valid_count is None or self.satisfied_count is None or not self.valid_count:
            return None
        return (Decimal(self.satisfied_count) * 100 / Decimal(self.valid_count)).quantize(Decimal("0.01"))

    @property
    def is_open(self) -> bool:
        return self.status in (choices.RoundStatus.SCHEDULED, choices.RoundStatus.VOTING)

    @property
    def filing_late(self) -> bool:
        """Filed after the deadline, or still not filed and the deadline has passed."""
        if self.filing_deadline is None:
            return False
        if self.filed_on is not None:
            return self.filed_on > self.filing_deadline
        return timezone.localdate() > self.filing_deadline


class PanelMember(models.Model):
    """A seat on the technical acceptance panel and that member's own opinion."""

    round = models.ForeignKey(
        AcceptanceRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="panel"
    )
    role = models.CharField(_("represents"), max_length=12, choices=choices.PanelRole.choices)
    name = models.CharField(_("name"), max_length=100)
    organization = models.CharField(pgettext_lazy("panel", "unit"), max_length=200, blank=True)
    verdict = models.CharField(_("opinion"), max_length=10, choices=choices.Verdict.choices, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    signed = models.BooleanField(_("signed the verdict"), default=False)

    objects = RoundChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
        ordering = ["round", "role", "pk"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"


@pghistory.track(*history())
class Rectification(models.Model):
    """A rectification order (整改) to one responsible party, from an inspection or a failed acceptance."""

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="rectifications",
    )
    source = models.CharField(
        pgettext_lazy("rectification", "source"), max_length=12, choices=choices.RectificationSource.choices
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    acceptance_round = models.ForeignKey(
        AcceptanceRound,
        verbose_name=_("acceptance round"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    work_item = models.ForeignKey(
        "projects.WorkItem",
        verbose_name=_("work item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rectifications",
    )
    responsible_party = models.ForeignKey(
        "projects.ProjectParty",
        verbose_name=_("responsible party"),
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    description = models.TextField(_("what must be fixed"), max_length=5000)
    severity = models.CharField(
        _("severity"), max_length=10, choices=choices.Severity.choices, default=choices.Severity.MAJOR
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=choices.RectificationStatus.choices,
        default=choices.RectificationStatus.OPEN,
        editable=False,
    )
    response = models.TextField(_("what was done"), max_length=5000, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), max_length=2000, blank=True)
    rejection_count = models.PositiveSmallIntegerField(_("times rejected"), default=0, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["project", "status"]),
            models.Index(fields=["deadline", "id"], name="rectification_keyset"),
            # the API's ?ordering=created_at / severity (issue 15)
            models.Index(fields=["created_at", "id"], name="rectification_created"),
            models.Index(fields=["severity", "id"], name="rectification_severity"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(source="inspection", acceptance_round__isnull=True)
                | Q(source="acceptance", inspection__isnull=True, acceptance_round__isnull=False),
                name="rectification_source_matches",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.description[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:rectification_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in choices.OPEN_RECTIFICATION_STATUSES

    def is_overdue(self, today: date | None = None) -> bool:
        return self.is_open and self.deadline < (today or timezone.localdate())

    @property
    def overdue(self) -> bool:
        return self.is_overdue()


class Reminder(models.Model):
    """An overdue reminder sent to the responsible party: at most one per order per day."""

    rectification = models.ForeignKey(
        Rectification,
        verbose_name=_("rectification order"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    party = models.ForeignKey(
        "projects.ProjectParty", verbose_name=_("sent to"), on_delete=models.CASCADE, related_name="+"
    )
    sent_on = models.DateField(_("date"))
    days_overdue = models.PositiveIntegerField(_("days overdue"))
    message = models.CharField(_("message"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["rectification", "sent_on"], name="reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return self.message


class Dispute(models.Model):
    """A dispute among residents or with the works (矛盾纠纷) and its mediation."""

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="disputes"
    )
    compound = models.ForeignKey(
        "communities.Compound",
        verbose_name=_("compound"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="disputes",
    )
    parties = models.CharField(_("parties"), max_length=300, help_text=_("Who disagrees with whom."))
    issue = models.TextField(_("issue"), max_length=5000)
    mediator = models.ForeignKey(
        "projects.BranchMember",
        verbose_name=_("mediating Party member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediated_disputes",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=choices.DisputeStatus.choices, default=choices.DisputeStatus.OPEN
    )
    resolution = models.TextField(_("resolution"), max_length=5000, blank=True)
    raised_on = models.DateField(_("raised on"), default=timezone.localdate)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-raised_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="resolved") | ~Q(resolution=""),
                name="dispute_resolved_has_resolution",
            ),
        ]

    def __str__(self) -> str:
        return self.issue[:50]


def photo_path(instance: Photo, filename: str) -> str:
    return random_name(f"supervision/photos/{instance.project_id}", filename)


class Photo(models.Model):
    """A photo of the works: before / during / after on the project, or attached to an inspection, a
    progress report or a rectification order (evidence). Stored resized (communities.photos)."""

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="photos"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=choices.PhotoKind.choices)
    image = models.ImageField(
        _("photo"), upload_to=photo_path, storage=private_storage, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    progress_report = models.ForeignKey(
        ProgressReport, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    rectification = models.ForeignKey(
        Rectification, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    is_public = models.BooleanField(
        _("show on the public page"),
        default=False,
        help_text=_("Before / during / after photos of the works, with no people's faces or papers."),
    )
    taken_on = models.DateField(_("taken on"), default=timezone.localdate)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["taken_on", "pk"]
        indexes = [models.Index(fields=["project", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="evidence") | Q(rectification__isnull=False),
                name="photo_evidence_has_order",
            ),
        ]

    def __str__(self) -> str:
        return self.caption or self.image.name

    def get_absolute_url(self) -> str:
        return reverse("supervision:photo_file", args=[self.pk])

    def get_public_url(self) -> str:
        return reverse("supervision:photo_public", args=[self.pk])


class SurveyBallot(models.Model):
    """The satisfaction ballot of an acceptance round (the link; one row per round today). A ballot
    covers all the compounds of a block project (Ballot.extra_compounds). Rounds opened before that have
    one row per compound, opened and closed together and counted pooled (ballot_link.close_and_tally)."""

    round = models.ForeignKey(
        AcceptanceRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="survey_ballots"
    )
    ballot = models.OneToOneField(
        "ballots.Ballot",
        verbose_name=_("satisfaction ballot"),
        on_delete=models.PROTECT,
        related_name="acceptance_survey",
    )

    objects = RoundChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("satisfaction ballot of a compound")
        verbose_name_plural = _("satisfaction ballots of compounds")
        ordering = ["round", "pk"]

    def __str__(self) -> str:
        return str(self.ballot)
