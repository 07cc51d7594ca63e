"""Menu-style surveys (菜单式): staff open a survey of catalog items on a project's compound, each
household marks each improvement/upgrade item want / don't want / no opinion (changeable until it
closes; one answer sheet per household, by the database), staff enter paper sheets, and the items that
reached the division's threshold become work items of the project in one step, linked back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from communities import ratios
from communities.choices import EDITOR_ROLES
from communities.errors import Conflict, DomainError
from communities.models import Compound, Division, Household
from communities.scoping import get_scope
from consultations.querysets import FIELD_ROLES
from projects.choices import CatalogCategory
from projects.models import CatalogItem, Project, WorkItem

from . import choices
from .choices import MenuChoice, SurveyStatus, ThresholdBasis
from .models import MenuAnswer, MenuItem, MenuPolicy, MenuResponse, MenuSurvey


def _require(user, compound: Compound, roles, message: str) -> None:
    if user is None:
        return  # the system (demo data, tasks)
    if not get_scope(user).covers(compound.division.path, roles):
        raise PermissionDenied(message)


def menu_threshold(division: Division) -> tuple[Decimal, str]:
    """(percent, basis) of the nearest MenuPolicy up the division's ancestry, else the default."""
    ids = [int(p) for p in division.path.strip("/").split("/") if p]
    policies = {p.division_id: p for p in MenuPolicy.objects.filter(division_id__in=ids)}
    for pk in reversed(ids):
        if pk in policies:
            return policies[pk].threshold_percent, policies[pk].basis
    return Decimal(choices.DEFAULT_THRESHOLD_PERCENT), choices.DEFAULT_THRESHOLD_BASIS


def create_survey(
    *,
    user,
    project: Project,
    compound: Compound,
    title: str,
    closes_at: datetime,
    items: Iterable[Mapping],
    intro: str = "",
) -> MenuSurvey:
    """A draft survey. `items`: [{"catalog_item": CatalogItem|id, "explanation": str, "resident_share":
    Decimal|None}], in the order shown."""
    _require(user, compound, EDITOR_ROLES, _("You may not run menu surveys for this compound."))
    if not title.strip():
        raise DomainError(_("Give the survey a title."), field="title")
    if not project.compounds.filter(pk=compound.pk).exists():
        raise DomainError(_("The project does not cover this compound."), field="compound")
    if closes_at <= timezone.now():
        raise DomainError(_("The closing time must be in the future."), field="closes_at")
    rows = list(items)
    ids = [
        r["catalog_item"].pk if isinstance(r["catalog_item"], CatalogItem) else int(r["catalog_item"])
        for r in rows
    ]
    if len(set(ids)) != len(ids):
        raise DomainError(_("Each catalog item appears once on a survey."), field="items")
    catalog = CatalogItem.objects.in_bulk(ids)
    if len(catalog) != len(ids):
        raise DomainError(_("Choose items of the catalog."), field="items")
    if not any(catalog[i].category != CatalogCategory.BASIC for i in ids):
        raise DomainError(
            _("Put at least one improvement or upgrade item on the survey: basic items are not asked about."),
            field="items",
        )
    percent, basis = menu_threshold(compound.division)
    with transaction.atomic():
        survey = MenuSurvey.objects.create(
            project=project,
            compound=compound,
            title=title.strip(),
            intro=intro.strip(),
            closes_at=closes_at,
            threshold_percent=percent,
            threshold_basis=basis,
            created_by=user,
        )
        objs = []
        for position, (row, pk) in enumerate(zip(rows, ids, strict=True)):
            share = row.get("resident_share")
            if share not in (None, "") and Decimal(share) < 0:
                raise DomainError(_("The residents' share cannot be negative."), field="items")
            objs.append(
                MenuItem(
                    survey=survey,
                    catalog_item=catalog[pk],
                    position=position,
                    explanation=(row.get("explanation") or catalog[pk].description or "")[:300],
                    resident_share=Decimal(share) if share not in (None, "") else None,
                )
            )
        MenuItem.objects.bulk_create(objs)
    return survey


def _locked(survey: MenuSurvey) -> MenuSurvey:
    return MenuSurvey.objects.select_for_update().select_related("compound__division").get(pk=survey.pk)


def open_survey(survey: MenuSurvey, user) -> MenuSurvey:
    with transaction.atomic():
        survey = _locked(survey)
        _require(user, survey.compound, EDITOR_ROLES, _("You may not run menu surveys for this compound."))
        if survey.status != SurveyStatus.DRAFT:
            raise Conflict(_("Only a draft survey can be opened."))
        if survey.closes_at <= timezone.now():
            raise Conflict(_("The closing time has passed: set a later one first."))
        survey.status = SurveyStatus.OPEN
        survey.opened_at = timezone.now()
        survey.save(update_fields=["status", "opened_at"])
    return survey


def close_survey(survey: MenuSurvey, user) -> MenuSurvey:
    with transaction.atomic():
        survey = _locked(survey)
        _require(user, survey.compound, EDITOR_ROLES, _("You may not run menu surveys for this compound."))
        if survey.status != SurveyStatus.OPEN:
            raise Conflict(_("Only an open survey can be closed."))
        survey.status = SurveyStatus.CLOSED
        survey.closed_at = timezone.now()
        survey.save(update_fields=["status", "closed_at"])
    return survey


def close_due(now: datetime | None = None) -> int:
    """Close the open surveys whose closing time has passed (beat)."""
    now = now or timezone.now()
    return MenuSurvey.objects.filter(status=SurveyStatus.OPEN, closes_at__lte=now).update(
        status=SurveyStatus.CLOSED, closed_at=now
    )


def choice_items(survey: MenuSurvey) -> list[MenuItem]:
    return [i for i in survey.items.select_related("catalog_item") if not i.is_included]


def submit_answers(
    survey: MenuSurvey,
    household: Household,
    answers: Mapping[int, str],
    *,
    channel: str = choices.AnswerChannel.ONLINE,
    user=None,
) -> MenuResponse:
    """Save a household's sheet: every choice item answered. A second sheet replaces the first (the
    database keeps one per household: concurrent submits race on its unique key, and the loser updates
    the winner's row). Online by the household (no user), on paper by field staff."""
    if channel == choices.AnswerChannel.PAPER:
        if user is None:
            raise PermissionDenied(_("Paper answers are entered by staff."))
        _require(user, survey.compound, FIELD_ROLES, _("You may not enter answers for this compound."))
    if household.building.compound_id != survey.compound_id:
        raise DomainError(_("This household is not in the survey's compound."), field="household")
    if not survey.is_open:
        raise Conflict(_("This survey is not open for answers."))
    items = {i.pk: i for i in choice_items(survey)}
    cleaned: dict[int, str] = {}
    for key, value in answers.items():
        try:
            item_id = int(key)
        except (TypeError, ValueError):
            raise DomainError(_("Unknown item."), field="answers") from None
        if item_id not in items:
            raise DomainError(_("Unknown item."), field="answers")
        if value not in MenuChoice.values:
            raise DomainError(_("Choose want, don't want or no opinion for each item."), field="answers")
        cleaned[item_id] = value
    missing = [items[i].catalog_item.name for i in items if i not in cleaned]
    if missing:
        raise DomainError(
            _("Answer every item (missing: %(items)s).") % {"items": "、".join(missing)}, field="answers"
        )
    with transaction.atomic():
        # lock the survey row shared: a close waits for the sheets being saved, and a sheet saved
        # after the close sees it
        current = (
            MenuSurvey.objects.select_for_update(no_key=True)
            .filter(pk=survey.pk)
            .values("status", "closes_at")
            .first()
        )
        if (
            current is None
            or current["status"] != SurveyStatus.OPEN
            or current["closes_at"] <= timezone.now()
        ):
            raise Conflict(_("This survey is not open for answers."))
        try:
            with transaction.atomic():
                response = MenuResponse.objects.create(
                    survey=survey, household=household, channel=channel, entered_by=user
                )
        except IntegrityError:
            response = MenuResponse.objects.select_for_update().get(survey=survey, household=household)
            response.channel = channel
            response.entered_by = user
            response.save(update_fields=["channel", "entered_by", "updated_at"])
        MenuAnswer.objects.bulk_create(
            [MenuAnswer(response=response, item_id=i, choice=c) for i, c in cleaned.items()],
            update_conflicts=True,
            unique_fields=["response", "item"],
            update_fields=["choice"],
        )
    return response


def household_answers(survey: MenuSurvey, household: Household) -> dict[int, str]:
    return dict(
        MenuAnswer.objects.filter(response__survey=survey, response__household=household).values_list(
            "item_id", "choice"
        )
    )


# --- results ------------------------------------------------------------------------------------------


@dataclass
class ItemResult:
    item: MenuItem
    want: int = 0
    dont_want: int = 0
    no_opinion: int = 0
    answered: int = 0  # sheets of the survey (every sheet answers every item)
    households: int = 0
    required: Fraction = Fraction(1, 2)
    basis: str = ThresholdBasis.ANSWERED

    @property
    def share_answered(self) -> Fraction | None:
        return ratios.share(self.want, self.answered)

    @property
    def share_all(self) -> Fraction | None:
        return ratios.share(self.want, self.households)

    @property
    def basis_share(self) -> Fraction | None:
        return self.share_all if self.basis == ThresholdBasis.ALL else self.share_answered

    @property
    def reached(self) -> bool:
        return ratios.meets(self.basis_share, self.required, inclusive=True)

    @property
    def shown(self) -> dict[str, str]:
        """The shares as shown: the one the threshold is read on, against it (never contradicting the
        verdict); the other rounded down."""
        value, required = ratios.shown_against(self.basis_share, self.required)
        other = self.share_answered if self.basis == ThresholdBasis.ALL else self.share_all
        answered, everyone = (
            (ratios.percent_floor(other), value)
            if self.basis == ThresholdBasis.ALL
            else (value, ratios.percent_floor(other))
        )
        return {"answered": answered, "all": everyone, "required": required}

    @property
    def shortfall(self) -> str:
        den = self.households if self.basis == ThresholdBasis.ALL else self.answered
        return ratios.amount(ratios.shortfall(self.want, den, self.required, True))

    def to_dict(self) -> dict:
        shown = self.shown
        return {
            "item": self.item.pk,
            "catalog_item": self.item.catalog_item_id,
            "name": self.item.catalog_item.name,
            "want": self.want,
            "dont_want": self.dont_want,
            "no_opinion": self.no_opinion,
            "answered": self.answered,
            "households": self.households,
            "share_answered": shown["answered"],
            "share_all": shown["all"],
            "threshold": shown["required"],
            "threshold_basis": self.basis,
            "reached": self.reached,
            "shortfall": self.shortfall,
            "work_item": self.item.work_item_id,
        }


@dataclass
class PlaceResult:
    building: str
    unit: str | None  # None: the whole building
    households: int
    answered: int
    want: dict[int, int] = field(default_factory=dict)  # item id -> households wanting it
    cells: list = field(default_factory=list)  # (want, share answered, share all) per item, for pages

    def shares(self, item_ids: list[int]) -> list[tuple[int, str, str]]:
        return [
            (
                self.want.get(i, 0),
                ratios.percent_floor(ratios.share(self.want.get(i, 0), self.answered)),
                ratios.percent_floor(ratios.share(self.want.get(i, 0), self.households)),
            )
            for i in item_ids
        ]


@dataclass
class SurveyResults:
    survey: MenuSurvey
    households: int
    answered: int
    items: list[ItemResult]
    buildings: list[PlaceResult]
    units: list[PlaceResult]

    @property
    def item_ids(self) -> list[int]:
        return [r.item.pk for r in self.items]

    def to_dict(self) -> dict:
        def place(p: PlaceResult) -> dict:
            return {
                "building": p.building,
                "unit": p.unit,
                "households": p.households,
                "answered": p.answered,
                "want": {str(k): v for k, v in p.want.items()},
            }

        return {
            "survey": self.survey.pk,
            "households": self.households,
            "answered": self.answered,
            "threshold_percent": str(self.survey.threshold_percent),
            "threshold_basis": self.survey.threshold_basis,
            "items": [r.to_dict() for r in self.items],
            "buildings": [place(p) for p in self.buildings],
            "units": [place(p) for p in self.units],
        }


def results(survey: MenuSurvey) -> SurveyResults:
    """Counts per item over the compound, per building and per stairwell unit: four queries whatever
    the number of households."""
    items = choice_items(survey)
    required = Fraction(survey.threshold_percent) / 100
    households = (
        Household.objects.filter(building__compound_id=survey.compound_id)
        .values("building__name", "unit")
        .annotate(n=Count("pk"))
        .order_by()
    )
    answered = (
        MenuResponse.objects.filter(survey=survey)
        .values("household__building__name", "household__unit")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = (
        MenuAnswer.objects.filter(response__survey=survey)
        .values("item_id", "choice", "response__household__building__name", "response__household__unit")
        .annotate(n=Count("pk"))
        .order_by()
    )
    units: dict[tuple[str, str], PlaceResult] = {}
    for row in households:
        key = (row["building__name"], row["unit"])
        units[key] = PlaceResult(key[0], key[1], row["n"], 0)
    for row in answered:
        key = (row["household__building__name"], row["household__unit"])
        units.setdefault(key, PlaceResult(key[0], key[1], 0, 0)).answered = row["n"]
    by_item: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in counts:
        by_item[row["item_id"]][row["choice"]] += row["n"]
        if row["choice"] == MenuChoice.WANT:
            key = (row["response__household__building__name"], row["response__household__unit"])
            place = units.setdefault(key, PlaceResult(key[0], key[1], 0, 0))
            place.want[row["item_id"]] = place.want.get(row["item_id"], 0) + row["n"]
    total_households = sum(p.households for p in units.values())
    total_answered = sum(p.answered for p in units.values())
    item_results = [
        ItemResult(
            item=i,
            want=by_item[i.pk][MenuChoice.WANT],
            dont_want=by_item[i.pk][MenuChoice.DONT_WANT],
            no_opinion=by_item[i.pk][MenuChoice.NO_OPINION],
            answered=total_answered,
            households=total_households,
            required=required,
            basis=survey.threshold_basis,
        )
        for i in items
    ]
    buildings: dict[str, PlaceResult] = {}
    for (b, _u), p in units.items():
        agg = buildings.setdefault(b, PlaceResult(b, None, 0, 0))
        agg.households += p.households
        agg.answered += p.answered
        for k, v in p.want.items():
            agg.want[k] = agg.want.get(k, 0) + v

    def natural(name: str):
        import re

        return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name or "")]

    ids = [i.pk for i in items]
    for place in [*units.values(), *buildings.values()]:
        place.cells = place.shares(ids)
    return SurveyResults(
        survey=survey,
        households=total_households,
        answered=total_answered,
        items=item_results,
        buildings=sorted(buildings.values(), key=lambda p: natural(p.building)),
        units=sorted(units.values(), key=lambda p: (natural(p.building), natural(p.unit or ""))),
    )


def to_work_items(survey: MenuSurvey, user) -> list[WorkItem]:
    """In one step: every item that reached the threshold and has no work item yet becomes a work item
    of the project (or is linked to the project's existing work item for that catalog item)."""
    from projects.services import add_work_items

    with transaction.atomic():
        survey = _locked(survey)
        _require(user, survey.compound, EDITOR_ROLES, _("You may not run menu surveys for this compound."))
        if survey.status != SurveyStatus.CLOSED:
            raise Conflict(_("Close the survey first: its answers may still change."))
        reached = [r.item for r in results(survey).items if r.reached and r.item.work_item_id is None]
        if not reached:
            raise Conflict(_("No item without a work item reached the threshold."))
        project = survey.project
        add_work_items(project, user, [i.catalog_item for i in reached])
        existing = {
            w.catalog_item_id: w
            for w in WorkItem.objects.filter(
                project=project, catalog_item_id__in=[i.catalog_item_id for i in reached]
            ).order_by("pk")
        }
        linked = []
        for item in reached:
            work_item = existing[item.catalog_item_id]
            MenuItem.objects.filter(pk=item.pk).update(work_item=work_item)
            if not work_item.note:
                WorkItem.objects.filter(pk=work_item.pk).update(
                    note=(_("From the menu survey “%(title)s”") % {"title": survey.title})[:500]
                )
            linked.append(work_item)
    return linked
