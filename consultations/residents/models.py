"""The residents' own page (DESIGN.md §9): a card per household opening its page without an account,
menu-style surveys (菜单式) answered per household, and photos of problems reported from the page."""

from __future__ import annotations

from decimal import Decimal

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
from communities.scoping import get_scope

from . import choices


class HouseholdCard(models.Model):
    """The household's credential: only the HMAC of its code is kept (the code is printed once on the
    card). Reissuing writes a new hash, so the old card stops working at once."""

    household = models.OneToOneField(
        "communities.Household", verbose_name=_("household"), on_delete=models.CASCADE, related_name="card"
    )
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    version = models.PositiveIntegerField(_("card number"), default=1, editable=False)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("household card")
        verbose_name_plural = _("household cards")

    def __str__(self) -> str:
        return f"{self.household} #{self.version}"


class MenuPolicy(models.Model):
    """The share of households wanting an item at which it becomes a work item, for a division's subtree
    (nearest ancestor wins; none: choices.DEFAULT_THRESHOLD_PERCENT of the households that answered)."""

    division = models.OneToOneField(
        "communities.Division", verbose_name=_("division"), on_delete=models.CASCADE, related_name="+"
    )
    threshold_percent = models.DecimalField(
        _("threshold (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    basis = models.CharField(
        _("share of"),
        max_length=10,
        choices=choices.ThresholdBasis.choices,
        default=choices.ThresholdBasis.ANSWERED,
    )

    class Meta:
        verbose_name = _("menu threshold")
        verbose_name_plural = _("menu thresholds")
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_percent__gt=0) & Q(threshold_percent__lte=100),
                name="menu_policy_threshold_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.division} {self.threshold_percent}%"


class MenuSurveyQuerySet(models.QuerySet):
    def for_user(self, user) -> MenuSurveyQuerySet:
        from communities.choices import RESIDENT_DATA_ROLES

        return self.filter(get_scope(user).q("compound__division__path", RESIDENT_DATA_ROLES))

    def editable_by(self, user) -> MenuSurveyQuerySet:
        from consultations.querysets import FIELD_ROLES

        return self.filter(get_scope(user).q("compound__division__path", FIELD_ROLES))

    def managed_by(self, user) -> MenuSurveyQuerySet:
        from communities.choices import EDITOR_ROLES

        return self.filter(get_scope(user).q("compound__division__path", EDITOR_ROLES))


@pghistory.track(*history())
class MenuSurvey(models.Model):
    """A menu-style survey (菜单式): households of a project's compound(s) mark catalog items."""

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="menu_surveys"
    )
    compound = models.ForeignKey(
        "communities.Compound",
        verbose_name=_("compound"),
        on_delete=models.CASCADE,
        related_name="menu_surveys",
    )
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), max_length=20000, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=choices.SurveyStatus.choices,
        default=choices.SurveyStatus.DRAFT,
        editable=False,
    )
    closes_at = models.DateTimeField(_("closes at"))
    threshold_percent = models.DecimalField(
        _("threshold (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    threshold_basis = models.CharField(
        _("threshold over"), max_length=10, choices=choices.ThresholdBasis.choices
    )
    opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MenuSurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("menu survey")
        verbose_name_plural = _("menu surveys")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_percent__gt=0) & Q(threshold_percent__lte=100),
                name="menu_survey_threshold_range",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("residents:survey_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == choices.SurveyStatus.OPEN and timezone.now() < self.closes_at


class MenuItem(models.Model):
    """One catalog item on a survey. Basic items (基础类) are shown as included and not asked about."""

    survey = models.ForeignKey(MenuSurvey, on_delete=models.CASCADE, related_name="items")
    catalog_item = models.ForeignKey(
        "projects.CatalogItem", verbose_name=_("catalog item"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    explanation = models.CharField(_("explanation"), max_length=300, blank=True)
    resident_share = models.DecimalField(
        _("residents' share (yuan per household)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    work_item = models.ForeignKey(
        "projects.WorkItem",
        verbose_name=_("work item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="menu_items",
        editable=False,
    )

    class Meta:
        verbose_name = _("menu item")
        verbose_name_plural = _("menu items")
        ordering = ["survey", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "catalog_item"], name="menu_item_once_per_survey"),
            models.CheckConstraint(
                condition=Q(resident_share__isnull=True) | Q(resident_share__gte=0),
                name="menu_item_share_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.catalog_item.name

    @property
    def is_included(self) -> bool:
        from projects.choices import CatalogCategory

        return self.catalog_item.category == CatalogCategory.BASIC


class MenuResponse(models.Model):
    """One household's answer sheet for a survey: one per household, by the database."""

    survey = models.ForeignKey(MenuSurvey, on_delete=models.CASCADE, related_name="responses")
    household = models.ForeignKey("communities.Household", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=choices.AnswerChannel.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("menu answer sheet")
        verbose_name_plural = _("menu answer sheets")
        constraints = [
            models.UniqueConstraint(fields=["survey", "household"], name="menu_response_one_per_household")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.household_id}"


class MenuAnswer(models.Model):
    response = models.ForeignKey(MenuResponse, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(MenuItem, on_delete=models.CASCADE, related_name="answers")
    choice = models.CharField(max_length=10, choices=choices.MenuChoice.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "item"], name="menu_answer_one_per_item")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.choice}"


class ReportPhoto(models.Model):
    """A photo of a problem a resident reported from the household page (at most
    choices.MAX_REPORT_PHOTOS per report). Private: served only to the household and to staff who see
    the opinion (communities.files)."""

    opinion = models.ForeignKey(
        "consultations.Opinion", on_delete=models.CASCADE, related_name="report_photos"
    )
    image = models.ImageField(
        _("photo"), upload_to=RandomName("reports"), storage=private_storage, validators=[validate_photo]
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report photo")
        verbose_name_plural = _("report photos")
        ordering = ["opinion", "pk"]

    def __str__(self) -> str:
        return self.image.name
