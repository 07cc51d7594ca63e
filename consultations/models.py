"""Consultations: door-to-door visits, opinions and the demand list, meetings, deliberation procedures,
public notices and the objections they receive. Ballots live in `consultations.ballots`."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.files import RandomName, private_storage
from communities.models import history
from communities.photos import validate_photo

from . import choices
from .querysets import (
    DeliberationQuerySet,
    DeliberationStepQuerySet,
    MeetingQuerySet,
    NoticePolicyQuerySet,
    NoticeQuerySet,
    ObjectionQuerySet,
    OpinionQuerySet,
    ProcedureQuerySet,
    VisitQuerySet,
)


@pghistory.track(*history())
class Visit(models.Model):
    """One door-to-door visit (入户走访 / 敲门行动), logged from a phone in seconds."""

    # neither key has an index of its own: visit_household_latest (household, visited_at) and
    # visit_compound_time (compound, visited_at) start with them
    household = models.ForeignKey(
        "communities.Household",
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="visits",
        db_index=False,
    )
    # the household's compound, kept on the row so scoping and coverage need no join through buildings
    compound = models.ForeignKey(
        "communities.Compound",
        verbose_name=_("compound"),
        on_delete=models.CASCADE,
        related_name="visits",
        db_index=False,
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visitor"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="consultation_visits",
    )
    member = models.ForeignKey(
        "projects.BranchMember",
        verbose_name=_("branch member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    visited_at = models.DateTimeField(_("time"), default=timezone.now)
    channel = models.CharField(
        _("channel"), max_length=10, choices=choices.Channel.choices, default=choices.Channel.DOOR
    )
    attitude = models.CharField(_("attitude to the project"), max_length=12, choices=choices.Attitude.choices)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at", "-pk"]
        indexes = [
            models.Index(fields=["household", "-visited_at"], name="visit_household_latest"),
            models.Index(fields=["compound", "visited_at"], name="visit_compound_time"),
            models.Index(fields=["member"], name="visit_member"),
            models.Index(fields=["visited_at", "id"], name="visit_keyset"),
            # the API's ?ordering=created_at (when a visit was recorded, not made): 1.7 s sorted
            models.Index(fields=["created_at", "id"], name="visit_recorded"),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.visited_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("consultations:visit_detail", args=[self.pk])


@pghistory.track(*history())
class Meeting(models.Model):
    """A deliberation meeting (议事会): bench, courtyard, council, consultation, assembly, hearing."""

    kind = models.CharField(_("kind"), max_length=20, choices=choices.MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    division = models.ForeignKey(
        "communities.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="meetings"
    )
    compound = models.ForeignKey(
        "communities.Compound",
        verbose_name=_("compound"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
    )
    held_at = models.DateTimeField(_("time"), default=timezone.now)
    place = models.CharField(_("place"), max_length=200, blank=True)
    host = models.CharField(_("host"), max_length=100, blank=True)
    households_present = models.PositiveIntegerField(_("households present"), default=0)
    people_present = models.PositiveIntegerField(_("people present"), default=0)
    topics = models.TextField(_("topics"), max_length=20000, blank=True)
    minutes = models.TextField(_("minutes"), max_length=20000, blank=True)
    decisions = models.TextField(_("decisions"), max_length=20000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(people_present__gte=models.F("households_present")) | Q(people_present=0),
                name="meeting_people_cover_households",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("consultations:meeting_detail", args=[self.pk])


class MeetingPhoto(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        _("photo"), upload_to=RandomName("meetings"), storage=private_storage, validators=[validate_photo]
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting photo")
        verbose_name_plural = _("meeting photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.caption or self.image.name


@pghistory.track(*history())
class Opinion(models.Model):
    """What a resident raised (意见建议); the accepted ones form the demand list (需求清单)."""

    # compound and project have no index of their own: opinion_compound_status (compound, status) and
    # opinion_project_status (project, status) start with them
    compound = models.ForeignKey(
        "communities.Compound",
        verbose_name=_("compound"),
        on_delete=models.CASCADE,
        related_name="opinions",
        db_index=False,
    )
    household = models.ForeignKey(
        "communities.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opinions",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opinions",
        db_index=False,
    )
    source = models.CharField(_("source"), max_length=16, choices=choices.OpinionSource.choices)
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opinions",
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opinions",
    )
    category = models.CharField(_("category"), max_length=20, choices=choices.OpinionCategory.choices)
    content = models.TextField(_("content"), max_length=5000)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=choices.OpinionStatus.choices,
        default=choices.OpinionStatus.RECEIVED,
        editable=False,
    )
    decline_reason = models.CharField(_("reason for declining"), max_length=500, blank=True, editable=False)
    resolved_early_reason = models.CharField(
        _("why resolved before its work item is finished"), max_length=500, blank=True, editable=False
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
        editable=False,
    )
    work_item = models.ForeignKey(
        "projects.WorkItem",
        verbose_name=_("work item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demands",
        editable=False,
    )
    answer = models.TextField(_("official answer"), max_length=5000, blank=True, editable=False)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)
    rating = models.CharField(
        _("resident's rating"), max_length=12, choices=choices.Rating.choices, blank=True, editable=False
    )
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OpinionQuerySet.as_manager()

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["compound", "status"], name="opinion_compound_status"),
            models.Index(fields=["project", "status"], name="opinion_project_status"),
            models.Index(fields=["work_item"], name="opinion_work_item"),
            models.Index(fields=["created_at", "id"], name="opinion_keyset"),
            # the API's ?ordering=updated_at / status (issue 15)
            models.Index(fields=["updated_at", "id"], name="opinion_updated"),
            models.Index(fields=["status", "id"], name="opinion_status_order"),
            # the demand list (需求清单): by category, status, newest first
            models.Index(fields=["category", "status", "-created_at"], name="opinion_demand_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""), name="opinion_declined_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False), name="opinion_merged_has_target"
            ),
            models.CheckConstraint(
                condition=~Q(status="planned") | Q(work_item__isnull=False),
                name="opinion_planned_has_work_item",
            ),
            models.CheckConstraint(
                condition=Q(rating="") | Q(status="resolved"), name="opinion_rated_only_when_resolved"
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="opinion_not_merged_into_self"
            ),
        ]

    def __str__(self) -> str:
        return self.content[:40]

    def get_absolute_url(self) -> str:
        return reverse("consultations:opinion_detail", args=[self.pk])

    @property
    def allowed_next(self) -> tuple[str, ...]:
        return choices.OPINION_TRANSITIONS.get(self.status, ())

    @property
    def is_demand(self) -> bool:
        return self.status in choices.DEMAND_STATUSES


class NoticePolicy(models.Model):
    """The default publication period for notices in a division's subtree (nearest ancestor wins;
    none at all: choices.DEFAULT_NOTICE_DAYS). Kept here, apart from the ballots' rule policies, so
    consultations does not depend on ballots."""

    division = models.OneToOneField(
        "communities.Division",
        verbose_name=_("division"),
        on_delete=models.CASCADE,
        related_name="notice_policy",
    )
    default_days = models.PositiveSmallIntegerField(
        _("default notice period (days)"), default=7, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    opinion_answer_days = models.PositiveSmallIntegerField(
        _("days to answer an opinion"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
        help_text=_("Opinions unanswered after this many days are flagged to the street (empty: inherited)."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = NoticePolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice policy")
        verbose_name_plural = _("notice policies")
        constraints = [
            models.CheckConstraint(condition=Q(default_days__gte=1), name="notice_policy_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.division}: {self.default_days}"


def _notice_slug() -> str:
    return secrets.token_urlsafe(9)


@pghistory.track(*history())
class Notice(models.Model):
    """A public notice (公示) with its publication period and the objections received in it."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=20000)
    kind = models.CharField(
        _("kind"), max_length=10, choices=choices.NoticeKind.choices, default=choices.NoticeKind.OTHER
    )
    division = models.ForeignKey(
        "communities.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="notices"
    )
    compound = models.ForeignKey(
        "communities.Compound",
        verbose_name=_("compound"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notices",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notices",
    )
    slug = models.CharField(max_length=20, unique=True, default=_notice_slug, editable=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=choices.NoticeStatus.choices,
        default=choices.NoticeStatus.PUBLISHED,
        editable=False,
    )
    starts_at = models.DateTimeField(_("published from"), default=timezone.now)
    period_days = models.PositiveSmallIntegerField(
        _("notice period (days)"), validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(period_days__gte=1), name="notice_period_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("consultations:notice_detail", args=[self.pk])

    def get_public_url(self) -> str:
        return reverse("consultations:notice_public", args=[self.slug])

    @property
    def ends_at(self):
        return self.starts_at + timedelta(days=self.period_days)

    def is_open_for_objections(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == choices.NoticeStatus.PUBLISHED and self.starts_at <= now < self.ends_at


@pghistory.track(*history())
class NoticeObjection(models.Model):
    """An objection (异议) received during a notice's period, from its public page (no login)."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="objections"
    )
    name = models.CharField(_("name"), max_length=50, blank=True)
    contact = models.CharField(_("contact"), max_length=50, blank=True)
    text = models.TextField(_("objection"), max_length=5000)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=choices.ObjectionStatus.choices,
        default=choices.ObjectionStatus.PENDING,
        editable=False,
    )
    handling = models.TextField(_("handling"), max_length=5000, blank=True, editable=False)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["received_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending") | ~Q(handling=""), name="objection_handled_has_text"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:40]


class DeliberationProcedure(models.Model):
    """A configurable ordered procedure, e.g. 一征三议两公开 or 四议两公开. No division: available
    everywhere; with a division: that subtree's own variant."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    division = models.ForeignKey(
        "communities.Division",
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliberation_procedures",
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        verbose_name = _("deliberation procedure")
        verbose_name_plural = _("deliberation procedures")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(division__isnull=True), name="procedure_code_global"
            ),
            models.UniqueConstraint(fields=["division", "code"], name="procedure_code_in_division"),
        ]

    def __str__(self) -> str:
        return self.name


class DeliberationStepTemplate(models.Model):
    procedure = models.ForeignKey(DeliberationProcedure, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("done by"), max_length=10, choices=choices.StepKind.choices)

    class Meta:
        verbose_name = _("procedure step")
        verbose_name_plural = _("procedure steps")
        ordering = ["procedure", "order"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "order"], name="procedure_step_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


@pghistory.track(*history())
class Deliberation(models.Model):
    """A matter taken through a procedure's steps in order."""

    title = models.CharField(_("matter"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    procedure = models.ForeignKey(
        DeliberationProcedure,
        verbose_name=_("procedure"),
        on_delete=models.PROTECT,
        related_name="deliberations",
    )
    division = models.ForeignKey(
        "communities.Division",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="deliberations",
    )
    compound = models.ForeignKey(
        "communities.Compound",
        verbose_name=_("compound"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliberations",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliberations",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=choices.DeliberationStatus.choices,
        default=choices.DeliberationStatus.OPEN,
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = DeliberationQuerySet.as_manager()

    class Meta:
        verbose_name = _("deliberation")
        verbose_name_plural = _("deliberations")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("consultations:deliberation_detail", args=[self.pk])


@pghistory.track(*history())
class DeliberationStep(models.Model):
    """One step of a matter, copied from the procedure when the matter starts (later edits to the
    procedure do not change matters under way)."""

    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("done by"), max_length=10, choices=choices.StepKind.choices)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="deliberation_steps"
    )
    notice = models.ForeignKey(
        Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="deliberation_steps"
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)

    objects = DeliberationStepQuerySet.as_manager()

    class Meta:
        verbose_name = _("deliberation step")
        verbose_name_plural = _("deliberation steps")
        ordering = ["deliberation", "order"]
        constraints = [
            models.UniqueConstraint(fields=["deliberation", "order"], name="deliberation_step_order_unique"),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True)
                | Q(meeting__isnull=False)
                | Q(notice__isnull=False)
                | ~Q(note=""),
                name="deliberation_step_done_has_evidence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
