"""Ballots and votes (DESIGN.md §4).

Rule numbers live in RulePolicy rows (per division and effective date) and are copied onto each Ballot
when it is created, so later policy edits never change a ballot. Thresholds are numerator/denominator
integers: the tally uses fractions.Fraction, never floats.

Secret ballots: why a choice cannot be joined back to its household (re-checked by QA).
- Two tables: `Vote` says THAT an elector voted (option NULL, enforced by a CHECK constraint), and
  `BallotBoxEntry` holds a choice with no elector, no timestamp and a random UUID key, so no column
  or key order links the two. The box is not tracked by pghistory (events carry time and request
  context), not in the admin, not in any API or page; staff see counts per option only after close.
- What a query could still use are system columns: rows written by one vote share its transaction
  id (xmin) and sit next to each other on disk (ctid, following `Vote.cast_at`). `mix_ballot_box`
  rewrites a ballot's whole box in one statement (new UUIDs, random physical order, one xmin for all);
  beat runs it every minute while the ballot is open and `close_ballot` runs it before tallying. So the
  link exists for at most a minute after a vote, and never once the ballot is closed.
- A receipt shows that a vote of a secret ballot was counted, never its choice. A secret ballot
  cannot allow changes or real-time results, and art. 278 / elevator-veto ballots are never secret
  (CHECK constraints and services), since their arithmetic needs each choice with its owner.
- Outside the schema (not joinable by a query, but worth knowing): a paper vote of a secret ballot is
  entered by staff who hold the signed form anyway; statement logging (log_statement=all) or WAL
  archives would record the option with the code's hash; keep them off / access-controlled.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from fractions import Fraction

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import GreaterThanOrEqual
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from communities.files import RandomName, private_storage
from communities.models import Building, Compound, Division, Household, Person, bulk_history, history

from . import choices
from .querysets import BallotQuerySet, ElectorQuerySet, RulePolicyQuerySet, VoteQuerySet


def _fraction_constraints(prefix: str, num: str, den: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(**{f"{num}__gte": 0}) & Q(**{f"{den}__gte": 1}) & Q(**{f"{num}__lte": F(den)}),
            name=f"{prefix}_{num}_is_a_share",
        )
    ]


# Civil Code art. 278: the law's numbers are floors. A policy may raise them, never lower them.
# (numerator field, denominator field, the floor, the largest share that still makes sense)
ART278_FLOORS = (
    ("participation_num", "participation_den", Fraction(2, 3)),
    ("ordinary_pass_num", "ordinary_pass_den", Fraction(1, 2)),
    ("major_pass_num", "major_pass_den", Fraction(3, 4)),
)
# Thresholds the policy sets freely, within (0, 1].
FREE_SHARES = (
    ("consent_threshold_num", "consent_threshold_den"),
    ("satisfaction_threshold_num", "satisfaction_threshold_den"),
    ("satisfaction_participation_num", "satisfaction_participation_den"),
    ("choice_threshold_num", "choice_threshold_den"),
    # the gates (DESIGN.md §7): the share of households visited before plan approval
    ("door_to_door_num", "door_to_door_den"),
)


def _floor_message(num: str, floor: Fraction, value: Fraction) -> str:
    if num == "participation_num":
        text = _(
            "Civil Code art. 278: owners holding at least 2/3 of the exclusive area and at least 2/3 of "
            "the owners must take part. A policy may raise this, never lower it (here %(value)s)."
        )
    elif num == "ordinary_pass_num":
        text = _(
            "Civil Code art. 278: an ordinary matter passes with more than 1/2 of the participating area "
            "and owners. A policy may raise this share (below 1), never lower it (here %(value)s)."
        )
    else:
        text = _(
            "Civil Code art. 278: a major matter passes with at least 3/4 of the participating area and "
            "owners. A policy may raise this, never lower it (here %(value)s)."
        )
    return text % {"value": value}


def policy_errors(values) -> dict[str, str]:
    """{field: reason} for the numbers of a rule policy (`values`: a mapping of its field values):
    art. 278's floors, thresholds within (0, 1], satisfaction over those who answered. The one place the
    page (model validation), the API (serializer) and the tests read; the database repeats the floors
    as CHECK constraints."""
    errors: dict[str, str] = {}

    def fraction(num: str, den: str) -> Fraction | None:
        n, d = values.get(num), values.get(den)
        if n is None or d is None:
            return None
        if d < 1 or n < 0 or n > d:
            errors[num] = _("A share is a numerator no larger than its denominator (>= 1).")
            return None
        return Fraction(n, d)

    for num, den, floor in ART278_FLOORS:
        value = fraction(num, den)
        if value is None:
            continue
        too_high = num == "ordinary_pass_num" and value >= 1  # "more than all of them" never passes
        if value < floor or too_high:
            errors[num] = _floor_message(num, floor, value)
    for num, den in FREE_SHARES:
        value = fraction(num, den)
        if value is not None and value <= 0:
            errors[num] = _("A threshold is a share above 0 and at most 1 (here %(value)s).") % {
                "value": value
            }
    if values.get("satisfaction_base") not in (None, choices.ThresholdBase.ANSWERED):
        errors["satisfaction_base"] = _(
            "Satisfaction is measured over those who answered; how many must answer is the "
            "satisfaction participation share."
        )
    return errors


def _policy_floor_constraints() -> list[models.CheckConstraint]:
    """The floors of ART278_FLOORS and FREE_SHARES, held by the database too."""
    return [
        models.CheckConstraint(
            condition=GreaterThanOrEqual(F("participation_num") * 3, F("participation_den") * 2),
            name="rule_policy_participation_floor",
        ),
        models.CheckConstraint(
            condition=GreaterThanOrEqual(F("ordinary_pass_num") * 2, F("ordinary_pass_den"))
            & Q(ordinary_pass_num__lt=F("ordinary_pass_den")),
            name="rule_policy_ordinary_pass_floor",
        ),
        models.CheckConstraint(
            condition=GreaterThanOrEqual(F("major_pass_num") * 4, F("major_pass_den") * 3),
            name="rule_policy_major_pass_floor",
        ),
        models.CheckConstraint(
            condition=Q(
                consent_threshold_num__gte=1,
                satisfaction_threshold_num__gte=1,
                satisfaction_participation_num__gte=1,
                choice_threshold_num__gte=1,
            ),
            name="rule_policy_thresholds_above_zero",
        ),
        models.CheckConstraint(
            condition=Q(satisfaction_base=choices.ThresholdBase.ANSWERED),
            name="rule_policy_satisfaction_over_answers",
        ),
    ]


@pghistory.track(*history())
class RulePolicy(models.Model):
    """The rule numbers of one division from a date on (district admins edit them). The policy that
    applies to a compound is the most specific division's latest one in force (see querysets)."""

    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="rule_policies"
    )
    name = models.CharField(_("name"), max_length=100)
    effective_from = models.DateField(_("effective from"))
    consent_threshold_num = models.PositiveIntegerField(_("consent threshold numerator"), default=95)
    consent_threshold_den = models.PositiveIntegerField(_("consent threshold denominator"), default=100)
    consent_base = models.CharField(
        _("consent base"),
        max_length=10,
        choices=choices.ThresholdBase.choices,
        default=choices.ThresholdBase.ELIGIBLE,
    )
    satisfaction_threshold_num = models.PositiveIntegerField(
        _("satisfaction threshold numerator"), default=90
    )
    satisfaction_threshold_den = models.PositiveIntegerField(
        _("satisfaction threshold denominator"), default=100
    )
    satisfaction_base = models.CharField(
        _("satisfaction base"),
        max_length=10,
        choices=choices.ThresholdBase.choices,
        default=choices.ThresholdBase.ANSWERED,
        help_text=_("Satisfaction is always measured over those who answered."),
    )
    # DESIGN.md §7: a satisfaction survey counts only when enough households answered
    satisfaction_participation_num = models.PositiveIntegerField(
        _("satisfaction participation numerator"),
        default=2,
        help_text=_("Share of all eligible households that must answer for the survey to be valid."),
    )
    satisfaction_participation_den = models.PositiveIntegerField(
        _("satisfaction participation denominator"), default=3
    )
    choice_threshold_num = models.PositiveIntegerField(
        _("plan choice / other threshold numerator"), default=1
    )
    choice_threshold_den = models.PositiveIntegerField(
        _("plan choice / other threshold denominator"), default=2
    )
    choice_base = models.CharField(
        _("plan choice / other base"),
        max_length=10,
        choices=choices.ThresholdBase.choices,
        default=choices.ThresholdBase.ANSWERED,
    )
    # Civil Code art. 278
    participation_num = models.PositiveIntegerField(_("art. 278 participation numerator"), default=2)
    participation_den = models.PositiveIntegerField(_("art. 278 participation denominator"), default=3)
    ordinary_pass_num = models.PositiveIntegerField(_("art. 278 ordinary pass numerator"), default=1)
    ordinary_pass_den = models.PositiveIntegerField(_("art. 278 ordinary pass denominator"), default=2)
    major_pass_num = models.PositiveIntegerField(_("art. 278 major pass numerator"), default=3)
    major_pass_den = models.PositiveIntegerField(_("art. 278 major pass denominator"), default=4)
    notice_days = models.PositiveSmallIntegerField(
        _("notice period (days)"), default=7, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    # the gates of DESIGN.md §7: what plan approval and acceptance ask for (read by the gate functions
    # of consultations, ballots and supervision through `services.project_policy`)
    plan_notice_days = models.PositiveSmallIntegerField(
        _("plan notice period (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("The plan notice (方案公示) runs at least this long before the plan is approved."),
    )
    deliberation_procedure = models.ForeignKey(
        "consultations.DeliberationProcedure",
        verbose_name=_("deliberation procedure before plan approval"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("e.g. 一征三议两公开; leave empty when plan approval needs none."),
    )
    door_to_door_required = models.BooleanField(
        _("door-to-door visits required before plan approval"), default=True
    )
    door_to_door_num = models.PositiveIntegerField(_("door-to-door coverage numerator"), default=9)
    door_to_door_den = models.PositiveIntegerField(_("door-to-door coverage denominator"), default=10)
    panel_residents = models.PositiveSmallIntegerField(
        _("resident representatives on the acceptance panel"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RulePolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("rule policy")
        verbose_name_plural = _("rule policies")
        ordering = ["division__path", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["division", "effective_from"], name="rule_policy_unique_date"),
            *_fraction_constraints("rule_policy", "consent_threshold_num", "consent_threshold_den"),
            *_fraction_constraints("rule_policy", "satisfaction_threshold_num", "satisfaction_threshold_den"),
            *_fraction_constraints("rule_policy", "choice_threshold_num", "choice_threshold_den"),
            *_fraction_constraints("rule_policy", "participation_num", "participation_den"),
            *_fraction_constraints("rule_policy", "ordinary_pass_num", "ordinary_pass_den"),
            *_fraction_constraints("rule_policy", "major_pass_num", "major_pass_den"),
            *_fraction_constraints("rule_policy", "door_to_door_num", "door_to_door_den"),
            models.CheckConstraint(
                condition=Q(plan_notice_days__gte=1, panel_residents__gte=1),
                name="rule_policy_gate_numbers_positive",
            ),
            *_fraction_constraints(
                "rule_policy", "satisfaction_participation_num", "satisfaction_participation_den"
            ),
            *_policy_floor_constraints(),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.division} · {self.effective_from:%Y-%m-%d})"

    @property
    def door_to_door_share(self) -> Fraction:
        return Fraction(self.door_to_door_num, self.door_to_door_den)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = policy_errors({f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields})
        if errors:
            raise ValidationError(errors)

    def threshold_for(self, kind: str) -> tuple[int, int, str]:
        """(numerator, denominator, base) of the threshold rule this policy gives a ballot kind."""
        if kind == choices.BallotKind.RENOVATION_CONSENT:
            return self.consent_threshold_num, self.consent_threshold_den, self.consent_base
        if kind == choices.BallotKind.ACCEPTANCE_SATISFACTION:
            return self.satisfaction_threshold_num, self.satisfaction_threshold_den, self.satisfaction_base
        return self.choice_threshold_num, self.choice_threshold_den, self.choice_base


@pghistory.track(*history())
class Ballot(models.Model):
    kind = models.CharField(_("kind"), max_length=32, choices=choices.BallotKind.choices)
    title = models.CharField(_("title"), max_length=200)
    question = models.TextField(
        _("question"), max_length=20000, blank=True, help_text=_("What residents are asked.")
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ballots",
    )
    compound = models.ForeignKey(
        Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="ballots"
    )
    # A block project's ballot may ask the households of several compounds (DESIGN.md §3): `compound` is
    # the primary one (scope, rule policy and result notice follow it), these are the others.
    extra_compounds = models.ManyToManyField(
        Compound,
        verbose_name=_("other compounds"),
        blank=True,
        related_name="extra_ballots",
        help_text=_("A block project's ballot may also ask the households of these compounds."),
    )
    scope_kind = models.CharField(
        _("scope"), max_length=10, choices=choices.ScopeKind.choices, default=choices.ScopeKind.COMPOUND
    )
    scope_buildings = models.ManyToManyField(
        Building, verbose_name=_("buildings"), blank=True, related_name="+"
    )
    scope_units = models.JSONField(
        _("stairwell units"),
        default=list,
        blank=True,
        help_text='[{"building": <id>, "unit": "2"}, ...]',
    )
    occupied_households = models.ManyToManyField(
        Household,
        verbose_name=_("households whose part the elevator occupies"),
        blank=True,
        related_name="+",
        help_text=_("Their owners must consent in any case (a veto)."),
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    secret = models.BooleanField(
        _("secret ballot"),
        default=False,
        help_text=_("Record that a household voted, but never which choice it made."),
    )
    realtime_results = models.BooleanField(_("show results while open"), default=False)
    allow_change = models.BooleanField(_("online choice may be changed until close"), default=False)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=choices.BallotStatus.choices,
        default=choices.BallotStatus.DRAFT,
        editable=False,
    )
    # the rule, copied from the policy when the ballot is created
    rule_policy = models.ForeignKey(
        RulePolicy,
        verbose_name=_("rule policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ballots",
    )
    rule_policy_label = models.CharField(_("rule policy"), max_length=200, blank=True)
    rule = models.CharField(_("rule"), max_length=20, choices=choices.Rule.choices)
    threshold_num = models.PositiveIntegerField(default=0)
    threshold_den = models.PositiveIntegerField(default=1)
    threshold_base = models.CharField(
        max_length=10, choices=choices.ThresholdBase.choices, default=choices.ThresholdBase.ELIGIBLE
    )
    participation_num = models.PositiveIntegerField(default=2)
    participation_den = models.PositiveIntegerField(default=3)
    pass_num = models.PositiveIntegerField(default=1)
    pass_den = models.PositiveIntegerField(default=2)
    pass_inclusive = models.BooleanField(
        default=False, help_text="at least (以上, boundary passes) vs more than (过半数, boundary fails)"
    )
    notice_days = models.PositiveSmallIntegerField(default=7)
    # lifecycle
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_early = models.BooleanField(_("closed early"), default=False, editable=False)
    close_reason = models.CharField(_("reason for closing early"), max_length=500, blank=True)
    # counting choices (owners' decisions), frozen at opening; a missing area accepted with a reason
    counting_notes = models.JSONField(_("counting notes"), default=list, blank=True, editable=False)
    missing_area_reason = models.TextField(
        _("why parts without an area on record were accepted"), max_length=2000, blank=True, editable=False
    )
    missing_area_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    missing_area_accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True, editable=False)
    electorate_size = models.PositiveIntegerField(_("electors"), default=0, editable=False)
    eligible_area = models.DecimalField(
        _("eligible area (m²)"), max_digits=14, decimal_places=2, default=Decimal("0"), editable=False
    )
    result = models.JSONField(_("result"), null=True, blank=True, editable=False)
    passed = models.BooleanField(_("passed"), null=True, blank=True, editable=False)
    result_notice = models.ForeignKey(
        "consultations.Notice",
        verbose_name=_("result notice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = BallotQuerySet.as_manager()

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["-opens_at", "-pk"]
        indexes = [models.Index(fields=["status", "opens_at"]), models.Index(fields=["status", "closes_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="ballot_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=~Q(secret=True, realtime_results=True), name="ballot_secret_no_realtime_results"
            ),
            models.CheckConstraint(
                condition=~Q(secret=True, allow_change=True), name="ballot_secret_no_change"
            ),
            models.CheckConstraint(
                condition=Q(threshold_num__lte=F("threshold_den"))
                & Q(participation_num__lte=F("participation_den"))
                & Q(pass_num__lte=F("pass_den"))
                & Q(threshold_den__gte=1, participation_den__gte=1, pass_den__gte=1),
                name="ballot_rule_shares",
            ),
            models.CheckConstraint(
                condition=~Q(secret=True, rule__in=list(choices.ART278_RULES)),
                name="ballot_owners_decisions_recorded",
            ),
            # a ballot that may still be voted on runs within the law's floors (closed ones are records)
            models.CheckConstraint(
                condition=Q(status=choices.BallotStatus.CLOSED)
                | Q(rule=choices.Rule.THRESHOLD, threshold_num__gte=1)
                | (
                    Q(GreaterThanOrEqual(F("participation_num") * 3, F("participation_den") * 2))
                    & (
                        Q(
                            GreaterThanOrEqual(F("pass_num") * 2, F("pass_den")),
                            rule=choices.Rule.ART278_ORDINARY,
                            pass_inclusive=False,
                            pass_num__lt=F("pass_den"),
                        )
                        | Q(
                            GreaterThanOrEqual(F("pass_num") * 4, F("pass_den") * 3),
                            rule=choices.Rule.ART278_MAJOR,
                            pass_inclusive=True,
                        )
                    )
                ),
                name="ballot_within_legal_floors",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("ballots:ballot_detail", args=[self.pk])

    def compound_ids(self) -> list[int]:
        """The primary compound's id first, then the other compounds' (a block project's ballot)."""
        return [self.compound_id, *(c.pk for c in self.extra_compounds.all() if c.pk != self.compound_id)]

    def all_compounds(self) -> list[Compound]:
        """The compounds whose households this ballot asks, the primary one first."""
        return [self.compound, *(c for c in self.extra_compounds.all() if c.pk != self.compound_id)]

    @property
    def is_owners_decision(self) -> bool:
        return self.rule in choices.ART278_RULES

    @property
    def uses_yes_options(self) -> bool:
        """Every kind but a plan choice says which options count as yes (a plan choice: its leader)."""
        return self.kind != choices.BallotKind.PLAN_CHOICE

    @property
    def answer_participation(self) -> Fraction | None:
        """A satisfaction survey is valid only when this share of the eligible households answered."""
        if self.kind == choices.BallotKind.ACCEPTANCE_SATISFACTION and self.rule == choices.Rule.THRESHOLD:
            return Fraction(self.participation_num, self.participation_den)
        return None

    @property
    def is_open(self) -> bool:
        return self.status == choices.BallotStatus.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == choices.BallotStatus.CLOSED

    @property
    def threshold(self) -> Fraction:
        return Fraction(self.threshold_num, self.threshold_den)

    @property
    def participation_share(self) -> Fraction:
        return Fraction(self.participation_num, self.participation_den)

    @property
    def pass_share(self) -> Fraction:
        return Fraction(self.pass_num, self.pass_den)

    @property
    def choices_visible(self) -> bool:
        """Interim choices stay hidden until close unless the ballot was created with real-time results."""
        return self.is_closed or (self.realtime_results and not self.secret)

    def voting_url(self, code: str = "") -> str:
        url = settings.SITE_URL + reverse("ballots:vote_start") + f"?b={self.pk}"
        return url + (f"&code={code}" if code else "")


@pghistory.track(*history())
class BallotOption(models.Model):
    ballot = models.ForeignKey(
        Ballot, verbose_name=_("ballot"), on_delete=models.CASCADE, related_name="options"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label = models.CharField(_("option"), max_length=200)
    counts_as_yes = models.BooleanField(
        _("counts as yes"), default=False, help_text=_("e.g. agree; satisfied and basically satisfied")
    )
    is_abstention = models.BooleanField(
        _("abstention"), default=False, help_text=_("Counts toward participation, not agreement.")
    )

    class Meta:
        verbose_name = _("ballot option")
        verbose_name_plural = _("ballot options")
        ordering = ["ballot", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "position"], name="ballot_option_position_unique"),
            models.CheckConstraint(
                condition=~Q(counts_as_yes=True, is_abstention=True), name="ballot_option_yes_or_abstain"
            ),
        ]

    def __str__(self) -> str:
        return self.label


# statement-level history: opening writes the whole electorate (20,000 rows) by COPY in one statement
@pghistory.track(*bulk_history(), exclude=["code_hash"])
class Elector(models.Model):
    """One vote in a frozen electorate: a household, or (art. 278) an owner with all their parts in scope.
    Household data are copied here at opening, so later registry edits do not change an open ballot."""

    # no index of its own: elector_keyset (ballot, building_name, unit, room, id) starts with it
    ballot = models.ForeignKey(
        Ballot, verbose_name=_("ballot"), on_delete=models.CASCADE, related_name="electors", db_index=False
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    household_ids = ArrayField(models.BigIntegerField(), verbose_name=_("households"), default=list)
    label = models.CharField(_("households"), max_length=500)
    building_name = models.CharField(_("building"), max_length=50)
    unit = models.CharField(_("unit"), max_length=10)
    room = models.CharField(_("room"), max_length=100)
    part_count = models.PositiveIntegerField(_("exclusive parts"), default=1)
    area = models.DecimalField(
        _("exclusive area (m²)"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    area_source = models.CharField(
        _("area source"), max_length=40, blank=True, help_text=_("register, survey or contract (per part)")
    )
    is_developer = models.BooleanField(_("developer's unsold parts"), default=False)
    has_veto = models.BooleanField(
        _("elevator occupies this owner's part"), default=False, help_text=_("Must consent in any case.")
    )
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    code_issued_at = models.DateTimeField(_("code issued at"), null=True, blank=True, editable=False)
    code_version = models.PositiveSmallIntegerField(_("code version"), default=0, editable=False)

    objects = ElectorQuerySet.as_manager()

    class Meta:
        verbose_name = _("elector")
        verbose_name_plural = _("electors")
        ordering = ["ballot", "building_name", "unit", "room", "pk"]
        indexes = [
            models.Index(fields=["ballot", "building_name", "unit", "room", "id"], name="elector_keyset"),
            # the API's ?ordering=area (77 ms sorted on the province; issue 15)
            models.Index(fields=["area", "id"], name="elector_area"),
            # a household's electors (its page's votes, a resident's open ballots): household_ids @> {id}
            GinIndex(fields=["household_ids"], name="elector_household_ids"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["code_hash", "ballot"], condition=~Q(code_hash=""), name="elector_code_unique"
            ),
            models.CheckConstraint(condition=Q(area__gte=0), name="elector_area_not_negative"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def area_source_display(self) -> str:
        """'产权登记、测绘' for the stored 'register,survey' (a part without an area says so)."""
        from communities.choices import AreaSource

        labels = {**dict(AreaSource.choices), "missing": _("no area on record")}
        return "、".join(str(labels.get(s, s)) for s in self.area_source.split(",") if s)


@pghistory.track(*history())
class Vote(models.Model):
    """That an elector voted: one row per elector, enforced by the database (OneToOne = UNIQUE).
    For recorded ballots it also holds the choice; for secret ballots `option` is NULL and the choice
    sits unlinked in BallotBoxEntry."""

    # no index of its own: vote_keyset (ballot, id) starts with it
    ballot = models.ForeignKey(
        Ballot, verbose_name=_("ballot"), on_delete=models.CASCADE, related_name="votes", db_index=False
    )
    elector = models.OneToOneField(
        Elector, verbose_name=_("elector"), on_delete=models.CASCADE, related_name="vote"
    )
    option = models.ForeignKey(
        BallotOption,
        verbose_name=_("choice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    secret = models.BooleanField(default=False, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=choices.VoteChannel.choices)
    cast_at = models.DateTimeField(_("cast at"))
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True)
    change_count = models.PositiveSmallIntegerField(_("changes"), default=0)
    paper_serial = models.CharField(_("paper serial"), max_length=40, blank=True)
    photo = models.FileField(
        _("photo of the signed form"),
        upload_to=RandomName("ballots/paper"),
        storage=private_storage,
        blank=True,
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    receipt = models.CharField(_("receipt code"), max_length=16, unique=True)

    objects = VoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["ballot", "elector"]
        indexes = [
            models.Index(fields=["ballot", "id"], name="vote_keyset"),
            # the API's ?ordering=cast_at (96 ms sorted on the province; issue 15)
            models.Index(fields=["cast_at", "id"], name="vote_cast_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(secret=True, option__isnull=True) | Q(secret=False, option__isnull=False),
                name="vote_choice_only_on_recorded_ballots",
            ),
            models.CheckConstraint(
                condition=~Q(channel=choices.VoteChannel.PAPER) | ~Q(paper_serial=""),
                name="vote_paper_has_serial",
            ),
            models.UniqueConstraint(
                fields=["ballot", "paper_serial"],
                condition=~Q(paper_serial=""),
                name="vote_paper_serial_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.elector} · {self.get_channel_display()}"

    @property
    def is_final(self) -> bool:
        return self.channel != choices.VoteChannel.ONLINE


class BallotBoxEntry(models.Model):
    """A secret ballot's choice: no elector, no time, a random key (no serial order to join on).
    Deliberately NOT tracked by pghistory (its events would carry the time and the request context)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="box_entries")
    option = models.ForeignKey(BallotOption, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("ballot box entry")
        verbose_name_plural = _("ballot box entries")
        default_permissions = ()

    def __str__(self) -> str:
        return str(self.id)
