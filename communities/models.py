"""The registry every other app builds on: divisions, compounds, buildings, households, people,
ownership, staff roles; plus the small infrastructure tables shared by all apps (background jobs,
the task outbox, the access log and idempotency records)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import choices
from .files import RandomFolder, RandomName, private_storage
from .querysets import (
    BuildingQuerySet,
    CompoundQuerySet,
    DivisionQuerySet,
    HouseholdQuerySet,
    OwnershipQuerySet,
    PersonQuerySet,
)
from .validators import validate_id_number, validate_phone


def history(level=None):
    """Fresh trackers per model (pghistory binds them to the model's fields).

    `bulk_history()` (statement level) for the tables a roster import writes by the tens of thousands:
    one INSERT ... SELECT from the statement's transition table per statement instead of a PL/pgSQL
    call, a context upsert and an insert per row. The events are the same rows either way."""
    kwargs = {"level": level} if level is not None else {}
    return pghistory.InsertEvent(**kwargs), pghistory.UpdateEvent(**kwargs), pghistory.DeleteEvent(**kwargs)


def bulk_history():
    return history(level=pghistory.Statement)


@pghistory.track(*history())
class Division(models.Model):
    """A node of the administrative tree. `path` is a materialised path of primary keys
    ("1/4/17/"), so a whole subtree is one indexed prefix query."""

    code = models.CharField(
        _("statistical code"),
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^\d{12}$", _("The statistical code has 12 digits."))],
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=choices.DivisionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, default="", db_index=False)

    objects = DivisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="division_path_like", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="division_code_unique"),
            models.UniqueConstraint(fields=["parent", "name"], name="division_name_unique_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:division_detail", args=[self.pk])

    @property
    def depth(self) -> int:
        return choices.LEVEL_DEPTH[self.level]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.parent_id:
            if self.parent.depth >= self.depth:
                raise ValidationError({"parent": _("A division must sit below a higher level.")})
            if self.pk and self.parent.path.startswith(self.path or "\0"):
                raise ValidationError({"parent": _("A division cannot be moved under itself.")})

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            if self.pk is None:
                super().save(*args, **kwargs)
                kwargs = {}
            kwargs.pop("force_insert", None)
            old_path = self.path
            self.path = (self.parent.path if self.parent_id else "") + f"{self.pk}/"
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                # moved: re-root every descendant in one statement
                Division.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(Value(self.path), Substr(F("path"), len(old_path) + 1))
                )

    def ancestors(self) -> models.QuerySet[Division]:
        ids = [int(p) for p in self.path.strip("/").split("/") if p]
        return Division.objects.filter(pk__in=ids).order_by("path")


@pghistory.track(*history())
class Compound(models.Model):
    division = models.ForeignKey(
        Division,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="compounds",
        limit_choices_to={"level": choices.DivisionLevel.COMMUNITY},
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    year_built = models.PositiveSmallIntegerField(
        _("year built"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    renovation_need = models.CharField(
        _("renovation need"),
        max_length=16,
        choices=choices.RenovationNeed.choices,
        default=choices.RenovationNeed.BASIC,
    )
    management_mode = models.CharField(
        _("property management"),
        max_length=20,
        choices=choices.ManagementMode.choices,
        default=choices.ManagementMode.NONE,
    )
    has_owners_committee = models.BooleanField(_("owners' committee"), default=False)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CompoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="compound_name_unique_in_community"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="compound_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="compound_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:compound_detail", args=[self.pk])


@pghistory.track(*bulk_history())
class Building(models.Model):
    # no index of its own: building_name_unique_in_compound (compound, name) starts with it
    compound = models.ForeignKey(
        Compound,
        verbose_name=_("compound"),
        on_delete=models.CASCADE,
        related_name="buildings",
        db_index=False,
    )
    name = models.CharField(_("building"), max_length=50, help_text=_("e.g. 1栋 or 3号楼"))
    unit_count = models.PositiveSmallIntegerField(
        _("stairwell units"), default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    floor_count = models.PositiveSmallIntegerField(
        _("floors"), default=6, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    year_built = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    has_elevator = models.BooleanField(_("has elevator"), default=False)

    objects = BuildingQuerySet.as_manager()

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["compound", "name"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "name"], name="building_name_unique_in_compound"),
            models.CheckConstraint(condition=Q(unit_count__gte=1), name="building_unit_count_positive"),
            models.CheckConstraint(condition=Q(floor_count__gte=1), name="building_floor_count_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:building_detail", args=[self.pk])


@pghistory.track(*bulk_history())
class Household(models.Model):
    """One flat: the exclusive part (专有部分) that owners' votes count by area."""

    # no index of its own: household_room_unique_in_unit (building, unit, room) starts with it
    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        on_delete=models.CASCADE,
        related_name="households",
        db_index=False,
    )
    unit = models.CharField(_("unit"), max_length=10, default="1")
    floor = models.SmallIntegerField(_("floor"), validators=[MinValueValidator(-5), MaxValueValidator(200)])
    room = models.CharField(_("room"), max_length=20)
    exclusive_area = models.DecimalField(
        _("exclusive area (m²)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    area_source = models.CharField(
        _("area source"), max_length=10, choices=choices.AreaSource.choices, blank=True
    )
    is_vacant = models.BooleanField(_("vacant"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["building", "unit", "floor", "room"]
        indexes = [
            # the API list's order (keyset pages): communities.api.views.HouseholdViewSet
            models.Index(fields=["building", "unit", "floor", "room", "id"], name="household_keyset"),
            # the API's ?ordering=exclusive_area (189 ms sorted on the province): the one other order
            # offered; each index here slows the roster import, so no more of them (issue 15)
            models.Index(fields=["exclusive_area", "id"], name="household_area"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "unit", "room"], name="household_room_unique_in_unit"
            ),
            models.CheckConstraint(
                condition=Q(exclusive_area__isnull=True) | Q(exclusive_area__gt=0),
                name="household_area_positive",
            ),
            models.CheckConstraint(
                condition=Q(exclusive_area__isnull=True) | ~Q(area_source=""),
                name="household_area_has_source",
            ),
            models.CheckConstraint(condition=Q(floor__gte=-5, floor__lte=200), name="household_floor_range"),
        ]

    def __str__(self) -> str:
        return f"{self.unit}单元 {self.room}"

    @property
    def label(self) -> str:
        return f"{self.building.name} {self.unit}单元 {self.room}"

    def get_absolute_url(self) -> str:
        return reverse("communities:household_detail", args=[self.pk])


@pghistory.track(*bulk_history())
class Person(models.Model):
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    id_number = models.CharField(_("ID number"), max_length=18, blank=True, validators=[validate_id_number])
    division = models.ForeignKey(
        Division,
        verbose_name=_("registered in"),
        on_delete=models.PROTECT,
        related_name="people",
        help_text=_("The community (or street) whose registry holds this person."),
        db_index=False,  # person_division_name (division, name, id) starts with it
    )
    is_party_member = models.BooleanField(_("Party member"), default=False)
    party_organization = models.CharField(
        _("original Party organisation"),
        max_length=200,
        blank=True,
        help_text=_("Where the member's Party membership is registered; kept when joining a branch."),
    )
    employer = models.CharField(_("work unit"), max_length=200, blank=True)
    is_organization = models.BooleanField(_("organisation"), default=False)
    is_developer = models.BooleanField(
        _("developer"),
        default=False,
        help_text=_("The developer holding unsold parts; all its parts count as one owner."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    households = models.ManyToManyField(Household, through="Ownership", related_name="people")

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["name", "id"], name="person_name_keyset"),
            # a scope's people in name order from the index alone (a district's ?page=200: 104 ms)
            models.Index(fields=["division", "name", "id"], name="person_division_name"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"], condition=~Q(id_number=""), name="person_id_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(is_developer=False) | Q(is_organization=True),
                name="person_developer_is_organization",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:person_detail", args=[self.pk])


@pghistory.track(*bulk_history())
class Ownership(models.Model):
    # neither key has an index of its own: ownership_unique (person, household) starts with the person,
    # ownership_household_keyset (household, id) with the household; a third and fourth index on the
    # same columns only cost every write (a roster import writes tens of thousands of ownerships)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="ownerships", db_index=False
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="ownerships",
        db_index=False,
    )
    kind = models.CharField(
        _("relation"),
        max_length=10,
        choices=choices.OwnershipKind.choices,
        default=choices.OwnershipKind.OWNER,
    )
    since = models.DateField(_("since"), null=True, blank=True)

    objects = OwnershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        ordering = ["household", "kind", "person"]
        indexes = [models.Index(fields=["household", "id"], name="ownership_household_keyset")]
        constraints = [
            models.UniqueConstraint(fields=["person", "household"], name="ownership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.household} ({self.get_kind_display()})"

    @property
    def is_owner(self) -> bool:
        return self.kind in choices.OWNER_KINDS


class RoleAssignment(models.Model):
    """A user's role on one division subtree. Scoping (communities.scoping) reads only these."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=24, choices=choices.Role.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    organization = models.CharField(
        _("organisation"),
        max_length=200,
        blank=True,
        help_text=_("For contractors: the unit they work for."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "division"], name="role_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.division}"


# --- shared infrastructure ---------------------------------------------------------------------------


# Names of the kinds of background job, for pages (the handlers live in their own apps).
JOB_KIND_LABELS = {
    "roster_import": _("Roster import"),
    "roster_export": _("Roster export"),
    "project_ledger": _("Project ledger export"),
    "visit_ledger": _("Visit ledger export"),
    "demand_list": _("Demand list export"),
    "ballot_slips": _("Voting slips"),
    "ballot_codes": _("Voting codes"),
    "household_cards": _("Household cards"),
    "rectification_ledger": _("Rectification ledger export"),
    "overview_ledger": _("Overview ledger export"),
    "household_ledger": _("Household ledger export"),
    "ping": _("Test job"),
}


class BackgroundJob(models.Model):
    """A long piece of work (import, export, printing) run by Celery, with progress for the page."""

    kind = models.CharField(_("kind"), max_length=50)
    handler = models.CharField(max_length=200, help_text="dotted path of the function doing the work")
    status = models.CharField(
        _("status"), max_length=10, choices=choices.JobStatus.choices, default=choices.JobStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="background_jobs"
    )
    params = models.JSONField(default=dict, blank=True)
    input_file = models.FileField(upload_to=RandomName("jobs/in"), storage=private_storage, blank=True)
    result_file = models.FileField(upload_to=RandomFolder("jobs/out"), storage=private_storage, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    errors = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # written every few seconds by the runner (communities.jobs.JobGuard); a stale one means the
    # worker died, and the beat task requeues the job or fails it (communities.jobs.reap_stalled)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="how many times a worker started it")
    worker = models.CharField(max_length=200, blank=True, help_text="host and process running it")
    # set by jobs.cancel_job on a running job; the runner stops at its next progress report
    cancel_requested_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["created_by", "created_at", "id"], name="job_owner_keyset"),
            models.Index(fields=["created_at", "id"], name="job_keyset"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def kind_label(self) -> str:
        return str(JOB_KIND_LABELS.get(self.kind, self.kind))

    @property
    def percent(self) -> int:
        if self.status == choices.JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in (
            choices.JobStatus.SUCCEEDED,
            choices.JobStatus.FAILED,
            choices.JobStatus.CANCELLED,
        )

    @property
    def is_stalled(self) -> bool:
        """Running, but no heartbeat within the window: its worker has probably died."""
        if self.status != choices.JobStatus.RUNNING:
            return False
        last = self.heartbeat_at or self.started_at
        return last is None or last < timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS)

    def get_absolute_url(self) -> str:
        return reverse("communities:job_detail", args=[self.pk])


class OutboxMessage(models.Model):
    """A task to send to the broker. Written in the same transaction as the change that needs it and
    deleted once a worker has started the task, so work queued while Redis is down -- or lost by a
    Redis that restarted without its data -- is sent again."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # when the broker last accepted it; the row stays until a worker starts the task (deleted by the
    # task_prerun signal), and drain() sends it again when it has waited too long (Redis lost it)
    sent_at = models.DateTimeField(null=True, blank=True)
    sends = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"


class AccessLog(models.Model):
    """Append-only record of reads that matter: unmasked personal data and exports."""

    class Action(models.TextChoices):
        REVEAL = "reveal", _("Revealed personal data")
        EXPORT = "export", _("Exported data")
        DOWNLOAD = "download", _("Downloaded a file")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=100, blank=True)
    fields = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at"]
        triggers = [
            pgtrigger.Protect(name="access_log_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.object_type}:{self.object_id}"


class IdempotencyRecord(models.Model):
    """The first answer to a write sent with an Idempotency-Key, replayed on retries."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE)
    key = models.CharField(max_length=100)
    scope = models.CharField(max_length=200, help_text="method and path the key was used on")
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope", "key"], name="idempotency_unique", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return self.key


class Notification(models.Model):
    """A message the product sends a resident or a contractor (reminders, confirmations, answers): a row
    with its channel and state, written in the transaction of the change that causes it and sent by a
    background task through the configured backend (communities.notifications). The row is kept after
    sending (the household's page shows its messages), so nothing is lost when the sender is down: a
    failed send is tried again later, until NOTIFY_MAX_ATTEMPTS."""

    class Channel(models.TextChoices):
        LOG = "log", _("Log and page")
        SMS = "sms", _("SMS")

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("notification", "Waiting to be sent")
        SENT = "sent", pgettext_lazy("notification", "Sent")
        FAILED = "failed", pgettext_lazy("notification", "Failed")

    kind = models.CharField(_("kind"), max_length=40)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.CharField(_("to"), max_length=100, help_text=_("Who it is for, in words."))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    text = models.CharField(_("text"), max_length=500)
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    division_path = models.CharField(max_length=255, blank=True, db_index=True)  # for staff scoping
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notification_due")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.text[:40]}"
