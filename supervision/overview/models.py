"""Rollups: the overview's figures per division (and per compound) and year, kept by `services.refresh`.

A rollup holds raw counts and sums only (see `figures.KEYS`); every rate on the page is derived from
them when read (`figures.rates`), so a stored rate can never disagree with its own numbers.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DivisionRollup(models.Model):
    division = models.ForeignKey(
        "communities.Division", verbose_name=_("division"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    figures = models.JSONField(default=dict)
    # md5 of the figures: a refresh compares these, not the whole JSON, to find what changed
    digest = models.CharField(max_length=32, default="")
    changed_at = models.DateTimeField(_("figures last changed"))

    class Meta:
        verbose_name = _("division rollup")
        verbose_name_plural = _("division rollups")
        constraints = [models.UniqueConstraint(fields=["division", "year"], name="division_rollup_unique")]

    def __str__(self) -> str:
        return f"{self.division_id} {self.year}"


class CompoundRollup(models.Model):
    """The leaves: a community's overview lists its compounds with these."""

    compound = models.ForeignKey(
        "communities.Compound", verbose_name=_("compound"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    figures = models.JSONField(default=dict)
    # md5 of the figures: a refresh compares these, not the whole JSON, to find what changed
    digest = models.CharField(max_length=32, default="")
    changed_at = models.DateTimeField(_("figures last changed"))

    class Meta:
        verbose_name = _("compound rollup")
        verbose_name_plural = _("compound rollups")
        constraints = [models.UniqueConstraint(fields=["compound", "year"], name="compound_rollup_unique")]

    def __str__(self) -> str:
        return f"{self.compound_id} {self.year}"


class CompoundFacts(models.Model):
    """A compound's household facts (figures.FACT_KEYS: households, coverage, attitudes, opinions,
    ratings): the heavy counts, kept per compound and recounted only when the compound changes; every
    year's rollups are built from them."""

    compound = models.OneToOneField(
        "communities.Compound", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    facts = models.JSONField(default=dict)
    counted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("compound facts")
        verbose_name_plural = _("compound facts")

    def __str__(self) -> str:
        return str(self.compound_id)


class RefreshState(models.Model):
    """When the rollups of a year were last brought up to date ("as of" on the page)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    refreshed_at = models.DateTimeField(_("as of"), null=True, blank=True)
    requested_at = models.DateTimeField(_("refresh asked for"), null=True, blank=True)
    full_refreshed_at = models.DateTimeField(_("last full recount"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    compounds_recounted = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rollup refresh")
        verbose_name_plural = _("rollup refreshes")

    def __str__(self) -> str:
        return f"{self.year} @ {self.refreshed_at}"


class PendingCompound(models.Model):
    """A compound whose household-level figures changed since the last refresh. Written after the
    change commits; drained by `services.refresh`. No foreign key and no unique key: marking never
    waits on a lock, duplicates are harmless, a deleted compound's mark is dropped."""

    compound_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("compound awaiting refresh")
        verbose_name_plural = _("compounds awaiting refresh")

    def __str__(self) -> str:
        return str(self.compound_id)
