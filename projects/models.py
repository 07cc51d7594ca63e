"""Programmes, renovation projects and what hangs off them (work items, funding, parties, schedule,
utility works), the renovation catalog, and the temporary Party branches that mobilise households."""

from __future__ import annotations

from decimal import Decimal

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from communities.choices import DivisionLevel
from communities.files import RandomName, private_storage
from communities.models import history

from . import choices
from .querysets import (
    BranchActivityQuerySet,
    BranchMemberQuerySet,
    CatalogQuerySet,
    CommandoTeamQuerySet,
    FundingLineQuerySet,
    GateExceptionQuerySet,
    HouseholdAssignmentQuerySet,
    MilestoneQuerySet,
    PartyBranchQuerySet,
    PartyGroupQuerySet,
    ProgrammeQuerySet,
    ProjectPartyQuerySet,
    ProjectQuerySet,
    ProjectStatusChangeQuerySet,
    UtilityWorkQuerySet,
    WorkItemQuerySet,
)

MONEY = {"max_digits": 14, "decimal_places": 2}


# --- catalog -----------------------------------------------------------------------------------------


class CatalogItem(models.Model):
    """One item of the national renovation catalog (basic / improvement / upgrade)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=16, choices=choices.CatalogCategory.choices)
    unit = models.CharField(
        pgettext_lazy("unit of measure", "unit"), max_length=20, blank=True, help_text=_("e.g. m², m, 台, 处")
    )
    description = models.TextField(_("description"), max_length=5000, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = CatalogQuerySet.as_manager()

    class Meta:
        verbose_name = _("catalog item")
        verbose_name_plural = _("catalog items")
        ordering = ["category", "order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CatalogScheme(models.Model):
    """A local way of grouping catalog items, e.g. Wuning's 三清四改五提升."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    division = models.ForeignKey(
        "communities.Division",
        verbose_name=_("used in"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="catalog_schemes",
    )
    description = models.TextField(_("description"), max_length=5000, blank=True)

    objects = CatalogQuerySet.as_manager()

    class Meta:
        verbose_name = _("catalog scheme")
        verbose_name_plural = _("catalog schemes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CatalogGroup(models.Model):
    scheme = models.ForeignKey(
        CatalogScheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="groups"
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    items = models.ManyToManyField(CatalogItem, verbose_name=_("items"), related_name="groups", blank=True)

    objects = CatalogQuerySet.as_manager()

    class Meta:
        verbose_name = _("catalog group")
        verbose_name_plural = _("catalog groups")
        ordering = ["scheme", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="catalog_group_code_unique")]

    def __str__(self) -> str:
        return f"{self.scheme}: {self.name}"


# --- programmes and projects -------------------------------------------------------------------------


class Programme(models.Model):
    """A district's renovation plan for a year (年度改造计划 / 批次)."""

    district = models.ForeignKey(
        "communities.Division",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="programmes",
        limit_choices_to={"level": DivisionLevel.DISTRICT},
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    name = models.CharField(_("name"), max_length=200)
    compounds = models.ManyToManyField(
        "communities.Compound", verbose_name=_("compounds"), related_name="programmes", blank=True
    )
    target_compounds = models.PositiveIntegerField(_("target compounds"), null=True, blank=True)
    target_households = models.PositiveIntegerField(_("target households"), null=True, blank=True)
    target_buildings = models.PositiveIntegerField(_("target buildings"), null=True, blank=True)
    target_investment = models.DecimalField(
        _("target investment (yuan)"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "year", "name"], name="programme_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("projects:programme_detail", args=[self.pk])


@pghistory.track(*history())
class Project(models.Model):
    """One renovation plan (一小区一方案); a block project may cover several compounds."""

    name = models.CharField(_("name"), max_length=200)
    division = models.ForeignKey(
        "communities.Division",
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        related_name="projects",
        help_text=_("The street or community that runs the project."),
    )
    compounds = models.ManyToManyField(
        "communities.Compound", verbose_name=_("compounds"), related_name="projects"
    )
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    category = models.CharField(
        _("category"),
        max_length=16,
        choices=choices.ProjectCategory.choices,
        default=choices.ProjectCategory.BASIC,
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=choices.ProjectStatus.choices,
        default=choices.ProjectStatus.PLANNING,
        editable=False,
    )
    description = models.TextField(_("description"), max_length=5000, blank=True)
    # the five ones (五个一)
    is_key_project = models.BooleanField(_("key project"), default=False)
    responsible_leader = models.CharField(_("responsible leader"), max_length=100, blank=True)
    lead_department = models.CharField(_("lead department"), max_length=200, blank=True)
    implementation_plan = models.FileField(
        _("implementation plan"), upload_to=RandomName("projects/plans"), storage=private_storage, blank=True
    )
    schedule = models.TextField(
        _("schedule"), max_length=20000, blank=True, help_text=_("The timetable in words.")
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned completion"), null=True, blank=True)
    # what the plan touches decides which owners' decision it needs (Civil Code art. 278)
    uses_maintenance_fund = models.BooleanField(
        _("uses the maintenance fund"),
        default=False,
        help_text=_("The plan is paid partly from the housing maintenance fund: owners must decide it."),
    )
    changes_common_parts = models.BooleanField(
        _("changes common parts"),
        default=False,
        help_text=_(
            "The plan alters buildings or changes the use of common parts: a major owners' decision."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-year", "name", "pk"]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["year"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="project_planned_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:project_detail", args=[self.pk])

    def get_public_url(self) -> str:
        return reverse("projects:project_public", args=[self.pk])

    @property
    def allowed_next(self) -> tuple[str, ...]:
        return choices.TRANSITIONS.get(self.status, ())

    @property
    def progress(self) -> Decimal:
        """Derived from the work items (see services.derive_progress); uses `with_totals()`
        annotations when present, else asks the database."""
        from .services import derive_progress, project_totals

        if hasattr(self, "work_item_count"):
            return derive_progress(
                self.budget_total, self.progress_weighted, self.progress_mean, self.work_item_count
            )
        return project_totals(self).progress


class ProjectStatusChange(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=choices.ProjectStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=choices.ProjectStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ProjectStatusChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project}: {self.from_status} → {self.to_status}"


@pghistory.track(*history())
class WorkItem(models.Model):
    """One item of the plan (改造内容), picked from the catalog."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="work_items"
    )
    catalog_item = models.ForeignKey(
        CatalogItem,
        verbose_name=_("catalog item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_items",
    )
    name = models.CharField(_("name"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    unit = models.CharField(pgettext_lazy("unit of measure", "unit"), max_length=20, blank=True)
    budget = models.DecimalField(
        _("budget (yuan)"), **MONEY, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    # where the work is, when it is in one place: an elevator retrofit names the building and the
    # stairwell unit it serves (its construction waits for that unit's elevator ballot)
    building = models.ForeignKey(
        "communities.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="work_items",
    )
    stairwell_unit = models.CharField(_("stairwell unit"), max_length=10, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    # in-home works (入户施工): windows, indoor pipes, gas, wiring -- households book a visit
    needs_home_entry = models.BooleanField(
        _("needs entry into flats"),
        default=False,
        help_text=_("Windows, indoor pipes, gas, wiring: households book a time for the workers' visit."),
    )
    booking_deadline = models.DateField(
        _("book by"),
        null=True,
        blank=True,
        help_text=_("Households without a booking by this date are listed for the grid worker to call."),
    )

    objects = WorkItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        ordering = ["project", "planned_start", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="work_item_progress_max_100"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="work_item_budget_non_negative"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="work_item_quantity_non_negative"),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="work_item_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_elevator_retrofit(self) -> bool:
        """An elevator added to an existing building (加装电梯): from the catalog's elevator item, or a
        free item named so. Its construction waits for the unit's elevator ballot."""
        if self.catalog_item_id and self.catalog_item.code in choices.ELEVATOR_CATALOG_CODES:
            return True
        return any(word in self.name for word in choices.ELEVATOR_WORDS)

    @property
    def place(self) -> str:
        if self.building_id is None:
            return ""
        if self.stairwell_unit:
            return f"{self.building.name}{self.stairwell_unit}单元"
        return self.building.name


@pghistory.track(*history())
class FundingLine(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="funding_lines"
    )
    source = models.CharField(_("source"), max_length=24, choices=choices.FundingSource.choices)
    planned = models.DecimalField(
        _("planned (yuan)"), **MONEY, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    received = models.DecimalField(
        _("received (yuan)"), **MONEY, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = FundingLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("funding line")
        verbose_name_plural = _("funding lines")
        ordering = ["project", "source", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(planned__gte=0), name="funding_planned_non_negative"),
            models.CheckConstraint(condition=Q(received__gte=0), name="funding_received_non_negative"),
            # one line per source: a second tranche is added to the line, not booked twice
            models.UniqueConstraint(fields=["project", "source"], name="funding_one_line_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.planned}"


class ProjectParty(models.Model):
    """A unit taking part in the project (参建单位) and the users who act for it."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="parties"
    )
    role = models.CharField(_("role"), max_length=16, choices=choices.PartyRole.choices)
    name = models.CharField(_("unit"), max_length=200)
    contact_person = models.CharField(_("responsible person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    public_phone = models.CharField(
        _("public hotline"),
        max_length=30,
        blank=True,
        help_text=_("Shown on the public project page; leave empty to show none."),
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contractor accounts"),
        related_name="project_parties",
        blank=True,
    )

    objects = ProjectPartyQuerySet.as_manager()

    class Meta:
        verbose_name = _("project party")
        verbose_name_plural = _("project parties")
        ordering = ["project", "role", "pk"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"


class Milestone(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="milestones"
    )
    name = models.CharField(_("name"), max_length=200)
    planned_date = models.DateField(_("planned date"))
    actual_date = models.DateField(_("actual date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project", "planned_date", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_overdue(self) -> bool:
        return self.actual_date is None and self.planned_date < timezone.localdate()


class UtilityWork(models.Model):
    """A utility's digging in one zone during one window ("最多改一次": dig each zone once)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="utility_works"
    )
    kind = models.CharField(_("utility"), max_length=16, choices=choices.UtilityKind.choices)
    zone = models.CharField(_("zone"), max_length=100, help_text=_("e.g. 东区主路, 3栋北侧"))
    window_start = models.DateField(_("window start"))
    window_end = models.DateField(_("window end"))
    party = models.ForeignKey(
        ProjectParty,
        verbose_name=_("carried out by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="utility_works",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = UtilityWorkQuerySet.as_manager()

    class Meta:
        verbose_name = _("utility work")
        verbose_name_plural = _("utility works")
        ordering = ["project", "zone", "window_start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__gte=F("window_start")), name="utility_work_window_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.zone}"


# --- Party branches ----------------------------------------------------------------------------------


class PartyBranch(models.Model):
    """A temporary Party branch on a project (临时党支部) or a joint branch over compounds (联合党支部)."""

    kind = models.CharField(
        _("kind"), max_length=10, choices=choices.BranchKind.choices, default=choices.BranchKind.TEMPORARY
    )
    name = models.CharField(_("name"), max_length=200)
    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="branches",
    )
    division = models.ForeignKey(
        "communities.Division",
        verbose_name=_("set up by"),
        on_delete=models.PROTECT,
        related_name="party_branches",
        help_text=_("The street or community the branch belongs to (the project's, for a project branch)."),
    )
    compounds = models.ManyToManyField(
        "communities.Compound", verbose_name=_("compounds"), related_name="party_branches", blank=True
    )
    established_on = models.DateField(_("established on"), default=timezone.localdate)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)

    objects = PartyBranchQuerySet.as_manager()

    class Meta:
        verbose_name = _("Party branch")
        verbose_name_plural = _("Party branches")
        ordering = ["-established_on", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:branch_detail", args=[self.pk])

    def _member(self, role):
        for m in self.members.all():  # uses a prefetch when there is one
            if m.role == role:
                return m
        return None

    @property
    def secretary(self):
        return self._member(choices.MemberRole.SECRETARY)

    @property
    def first_secretary(self):
        return self._member(choices.MemberRole.FIRST_SECRETARY)


class BranchMember(models.Model):
    """A member of a branch; keeps their original unit and Party organisation (组织关系不转)."""

    branch = models.ForeignKey(
        PartyBranch, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="members"
    )
    person = models.ForeignKey(
        "communities.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="branch_memberships",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="branch_memberships",
    )
    name = models.CharField(_("name"), max_length=100)
    organization = models.CharField(_("original unit"), max_length=200, blank=True)
    party_organization = models.CharField(_("original Party organisation"), max_length=200, blank=True)
    role = models.CharField(
        _("role"), max_length=16, choices=choices.MemberRole.choices, default=choices.MemberRole.MEMBER
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    public_contact = models.CharField(
        _("public contact"),
        max_length=50,
        blank=True,
        help_text=_("An office phone or hotline residents may call; shown on the public page."),
    )
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)

    objects = BranchMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("branch member")
        verbose_name_plural = _("branch members")
        ordering = ["branch", "role", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "role"],
                condition=Q(role__in=["secretary", "first_secretary"]),
                name="branch_one_secretary_each",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PartyGroup(models.Model):
    """A Party group per building (楼栋党小组)."""

    branch = models.ForeignKey(
        PartyBranch, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="groups"
    )
    building = models.ForeignKey(
        "communities.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_groups",
    )
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(
        BranchMember,
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_groups",
    )
    members = models.ManyToManyField(
        BranchMember, verbose_name=_("members"), related_name="party_groups", blank=True
    )

    objects = PartyGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("Party group")
        verbose_name_plural = _("Party groups")
        ordering = ["branch", "name"]

    def __str__(self) -> str:
        return self.name


class CommandoTeam(models.Model):
    """A Party members' commando team (党员突击队) or model post (党员示范岗)."""

    branch = models.ForeignKey(
        PartyBranch, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="teams"
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=choices.TeamKind.choices, default=choices.TeamKind.COMMANDO
    )
    name = models.CharField(_("name"), max_length=100)
    task = models.CharField(_("task"), max_length=300, blank=True)
    members = models.ManyToManyField(
        BranchMember, verbose_name=_("members"), related_name="teams", blank=True
    )

    objects = CommandoTeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("commando team")
        verbose_name_plural = _("commando teams")
        ordering = ["branch", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class HouseholdAssignment(models.Model):
    """One household assigned to one branch member (分户包干 / 一对一联系)."""

    branch = models.ForeignKey(
        PartyBranch, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="assignments"
    )
    household = models.ForeignKey(
        "communities.Household",
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="branch_assignments",
    )
    member = models.ForeignKey(
        BranchMember, verbose_name=_("member"), on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    objects = HouseholdAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("household assignment")
        verbose_name_plural = _("household assignments")
        ordering = ["branch", "household"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "household"], name="assignment_one_member_per_household"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} → {self.member}"


class BranchActivity(models.Model):
    branch = models.ForeignKey(
        PartyBranch, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="activities"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=choices.ActivityKind.choices)
    theme_day_kind = models.CharField(
        _("theme day"), max_length=20, choices=choices.ThemeDayKind.choices, blank=True
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    topic = models.CharField(_("topic"), max_length=200)
    location = models.CharField(_("location"), max_length=200, blank=True)
    attendees = models.ManyToManyField(
        BranchMember, verbose_name=_("attendees"), related_name="activities", blank=True
    )
    attendance_count = models.PositiveIntegerField(
        _("attendance"), default=0, help_text=_("Everyone present, including non-members.")
    )
    minutes = models.TextField(_("minutes"), max_length=20000, blank=True)

    objects = BranchActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("branch activity")
        verbose_name_plural = _("branch activities")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(theme_day_kind="") | Q(kind="theme_party_day"),
                name="activity_theme_day_only_on_theme_days",
            ),
        ]

    def __str__(self) -> str:
        return self.topic


# --- gates ---------------------------------------------------------------------------------------------


@pghistory.track(*history())
class GateException(models.Model):
    """A district's exception to one gate of one project (DESIGN.md §7): who, when, why. The gate reads
    this row (it never skips the check: the checklist still shows what is missing, and that it was
    excepted); withdrawing it keeps the row. Shown on the project page and its public page."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="gate_exceptions"
    )
    gate = models.CharField(_("gate item"), max_length=40)
    reason = models.TextField(_("reason"), max_length=2000)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_by_name = models.CharField(_("recorded by"), max_length=150, blank=True)
    granted_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdraw_reason = models.CharField(_("reason for withdrawing"), max_length=500, blank=True)

    objects = GateExceptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("gate exception")
        verbose_name_plural = _("gate exceptions")
        ordering = ["project", "-granted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "gate"],
                condition=Q(withdrawn_at__isnull=True),
                name="gate_exception_one_in_force",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="gate_exception_has_reason"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdraw_reason=""),
                name="gate_exception_withdrawal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.gate}"

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None


# --- in-home works booking (入户施工预约) -----------------------------------------------------------------


class VisitSlot(models.Model):
    """A time the contractor's workers can come into flats for a work item, with a number of places.
    `booked` counts the places taken; it only changes by a conditional UPDATE (projects.bookings), so it
    never passes `capacity` (a CHECK constraint too)."""

    work_item = models.ForeignKey(
        WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="visit_slots"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))
    capacity = models.PositiveSmallIntegerField(_("places"), validators=[MinValueValidator(1)])
    booked = models.PositiveSmallIntegerField(_("booked"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit slot")
        verbose_name_plural = _("visit slots")
        ordering = ["work_item", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="visit_slot_capacity_positive"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="visit_slot_not_overbooked"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="visit_slot_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_item} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


class VisitBooking(models.Model):
    """A household's booked visit for a work item. One active booking (booked or done) per household and
    work item, by the database; a visit marked nobody home or refused, or a cancelled booking, stays as
    history and the household may book again."""

    class Status(models.TextChoices):
        BOOKED = "booked", pgettext_lazy("visit booking", "Booked")
        DONE = "done", pgettext_lazy("visit booking", "Done")
        NOBODY_HOME = "nobody_home", pgettext_lazy("visit booking", "Nobody home")
        REFUSED = "refused", pgettext_lazy("visit booking", "Refused")
        CANCELLED = "cancelled", pgettext_lazy("visit booking", "Cancelled")

    ACTIVE = ("booked", "done")

    work_item = models.ForeignKey(
        WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="visit_bookings"
    )
    slot = models.ForeignKey(
        VisitSlot, verbose_name=_("time"), on_delete=models.PROTECT, related_name="bookings"
    )
    household = models.ForeignKey(
        "communities.Household", verbose_name=_("household"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("visit booking")
        verbose_name_plural = _("visit bookings")
        ordering = ["slot__starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_item", "household"],
                condition=Q(status__in=["booked", "done"]),
                name="visit_booking_one_active_per_household",
            )
        ]
        indexes = [models.Index(fields=["slot", "status"], name="visit_booking_slot_status")]

    def __str__(self) -> str:
        return f"{self.household_id} @ {self.slot_id} ({self.status})"
