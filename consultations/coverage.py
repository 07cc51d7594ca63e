"""Coverage figures of the knock-on-every-door drive (敲门行动), in a few aggregate queries.

Definitions (shown on the page too):
- base: the households of the place that are NOT vacant (vacant flats have nobody to visit);
- visited: at least one visit of any kind, including "not at home";
- reached: at least one visit where somebody answered (attitude other than "not at home");
- attitude: the latest answered visit of each household ("not at home" never hides an earlier answer);
  households never reached count as "no answer yet";
- visits and opinions: every visit / opinion in the place (vacant households included, if any).
- per member: the households currently assigned to the member (projects.HouseholdAssignment); a
  household counts as visited whoever visited it, so a reassigned household keeps its visits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from communities.errors import DomainError
from communities.models import Household
from communities.paging import bounded_count

from . import choices
from .models import Opinion, Visit
from .querysets import household_visit_annotations

# one pass over a place's households (and their visits) answers quickly up to about a district; a city
# or a province is the overview's (precounted rollups), not this page's
MAX_HOUSEHOLDS = 30_000


class PlaceTooLarge(DomainError):
    code = "too_large"


def check_size(households) -> None:
    """Refuse a place of more than MAX_HOUSEHOLDS households (one bounded count): choose a project,
    a compound or a smaller division."""
    _count, exact = bounded_count(households, MAX_HOUSEHOLDS)
    if not exact:
        raise PlaceTooLarge(
            _(
                "This place holds more than %(max)s households: choose a project, a compound or a "
                "smaller area (the overview has the figures of districts and cities)."
            )
            % {"max": f"{MAX_HOUSEHOLDS:,}"}
        )


@dataclass
class Figures:
    total: int = 0
    visited: int = 0
    reached: int = 0
    support: int = 0
    neutral: int = 0
    oppose: int = 0
    vacant: int = 0
    visits: int = 0
    opinions: int = 0

    @property
    def unvisited(self) -> int:
        return self.total - self.visited

    @property
    def no_answer(self) -> int:
        return self.total - self.reached

    def pct(self, part: int) -> int:
        return round(part * 100 / self.total) if self.total else 0

    @property
    def visited_pct(self) -> int:
        return self.pct(self.visited)

    @property
    def reached_pct(self) -> int:
        return self.pct(self.reached)

    @property
    def support_pct(self) -> int:
        return self.pct(self.support)

    def as_dict(self) -> dict:
        return {
            "households": self.total,
            "vacant_excluded": self.vacant,
            "visited": self.visited,
            "visited_pct": self.visited_pct,
            "reached": self.reached,
            "unvisited": self.unvisited,
            "attitudes": {
                "support": self.support,
                "neutral": self.neutral,
                "oppose": self.oppose,
                "no_answer_yet": self.no_answer,
            },
            "visits": self.visits,
            "opinions": self.opinions,
        }


@dataclass
class Coverage:
    figures: Figures
    by_building: list[dict] = field(default_factory=list)
    by_community: list[dict] = field(default_factory=list)
    by_member: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            **self.figures.as_dict(),
            "by_building": self.by_building,
            "by_community": self.by_community,
            "by_member": self.by_member,
        }


def _blank(**keys) -> dict:
    return {
        **keys,
        "total": 0,
        "vacant": 0,
        "visited": 0,
        "reached": 0,
        "support": 0,
        "neutral": 0,
        "oppose": 0,
    }


def _add(row: dict, vacant: bool, status) -> None:
    if vacant:
        row["vacant"] += 1
        return
    row["total"] += 1
    if status is None:
        return
    row["visited"] += 1
    latest = status[1]
    if latest:
        row["reached"] += 1
        row[latest] += 1


def _pct(row: dict) -> dict:
    row["visited_pct"] = round(row["visited"] * 100 / row["total"]) if row["total"] else 0
    return row


def _household_status(households) -> dict[int, tuple[int, str | None]]:
    """household id -> (visit count, latest answered attitude or None), in one grouped query: each
    household's visits are read once (correlated subqueries per household and per figure took
    seconds at district scale)."""
    from django.contrib.postgres.aggregates import ArrayAgg

    rows = (
        Visit.objects.filter(household__in=households.values("pk"))
        .order_by()
        .values("household_id")
        .annotate(
            n=Count("pk"),
            answered=ArrayAgg(
                "attitude",
                filter=Q(attitude__in=choices.ANSWERED_ATTITUDES),
                order_by=("-visited_at", "-pk"),
                default=None,
            ),
        )
        .values_list("household_id", "n", "answered")
    )
    return {hid: (n, answered[0] if answered else None) for hid, n, answered in rows}


def coverage(
    households,
    *,
    visits=None,
    opinions=None,
    assignments=None,
    breakdown: bool = True,
) -> Coverage:
    """Figures over a Household queryset (already scoped). `visits`/`opinions` default to those of
    these households' compounds; `assignments` (HouseholdAssignment queryset) gives the per-member
    rows. Five queries whatever the size: the households once (with their building and community),
    their visits grouped per household once, then the visit/opinion counts and the member rows; the
    breakdowns are summed in Python from those two passes. With the breakdowns (the coverage page
    and API), a place of more than MAX_HOUSEHOLDS households is refused (PlaceTooLarge); a gate's
    figures (`breakdown=False`, a project's households) are always counted."""
    if breakdown:
        check_size(households)
    status = _household_status(households)
    compound_ids = households.values("building__compound_id")
    if visits is None:
        visits = Visit.objects.filter(household__in=households.values("pk"))
    if opinions is None:
        opinions = Opinion.objects.filter(compound_id__in=compound_ids)
    overall = _blank()
    buildings: dict[int, dict] = {}
    communities: dict[int, dict] = {}
    rows = households.order_by().values_list(
        "pk",
        "is_vacant",
        "building_id",
        "building__name",
        "building__compound__name",
        "building__compound__division_id",
        "building__compound__division__name",
    )
    for pk, vacant, building_id, building_name, compound_name, division_id, division_name in rows:
        st = status.get(pk)
        _add(overall, vacant, st)
        if breakdown:
            b = buildings.get(building_id)
            if b is None:
                b = buildings[building_id] = _blank(
                    building_id=building_id,
                    building__name=building_name,
                    building__compound__name=compound_name,
                )
            _add(b, vacant, st)
            c = communities.get(division_id)
            if c is None:
                c = communities[division_id] = _blank(
                    building__compound__division_id=division_id,
                    building__compound__division__name=division_name,
                )
            _add(c, vacant, st)
    figures = Figures(
        total=overall["total"],
        vacant=overall["vacant"],
        visited=overall["visited"],
        reached=overall["reached"],
        support=overall["support"],
        neutral=overall["neutral"],
        oppose=overall["oppose"],
        visits=visits.count(),
        opinions=opinions.count(),
    )
    result = Coverage(figures=figures)
    if not breakdown:
        return result
    result.by_building = [
        _pct(r)
        for r in sorted(
            buildings.values(), key=lambda r: (r["building__compound__name"], r["building__name"])
        )
    ]
    result.by_community = [
        _pct(r) for r in sorted(communities.values(), key=lambda r: r["building__compound__division__name"])
    ]
    if assignments is not None:
        visited = Exists(Visit.objects.filter(household_id=OuterRef("household_id")))
        rows = (
            assignments.filter(household__in=households.values("pk"))
            .annotate(hh_visited=visited)
            .order_by()
            .values("member_id", "member__name")
            .annotate(
                total=Count("pk", filter=Q(household__is_vacant=False)),
                visited_n=Count("pk", filter=Q(household__is_vacant=False, hh_visited=True)),
            )
            .order_by("member__name")
        )
        made = dict(
            visits.order_by()
            .filter(member__isnull=False)
            .values("member_id")
            .annotate(n=Count("pk"))
            .values_list("member_id", "n")
        )
        result.by_member = [
            {
                "member_id": r["member_id"],
                "member__name": r["member__name"],
                "total": r["total"],
                "visited": r["visited_n"],
                "visited_pct": round(r["visited_n"] * 100 / r["total"]) if r["total"] else 0,
                "visits_made": made.get(r["member_id"], 0),
            }
            for r in rows
        ]
    return result


def households_for(user, *, project=None, compound=None, building=None, division=None):
    """The scoped household base for a coverage view (one of the targets, or all in scope)."""
    qs = Household.objects.for_user(user)
    if project is not None:
        qs = qs.filter(building__compound__in=project.compounds.all())
    if compound is not None:
        qs = qs.filter(building__compound=compound)
    if building is not None:
        qs = qs.filter(building=building)
    if division is not None:
        qs = qs.filter(building__compound__division__path__startswith=division.path)
    return qs


def building_grid(building, user):
    """unit × floor × room layout of a building with each household's visit status and attitude."""
    households = list(
        Household.objects.for_user(user)
        .filter(building=building)
        .annotate(**household_visit_annotations(Visit))
        .order_by("unit", "-floor", "room")
    )
    units: dict[str, dict[int, list]] = {}
    floors: set[int] = set()
    for h in households:
        units.setdefault(h.unit, {}).setdefault(h.floor, []).append(h)
        floors.add(h.floor)
    unit_names = sorted(units, key=lambda u: (len(u), u))
    width = {u: max((len(v) for v in units[u].values()), default=1) for u in unit_names}
    rows = []
    for floor in sorted(floors, reverse=True):
        cells = []
        for u in unit_names:
            rooms = units[u].get(floor, [])
            for i in range(width[u]):
                h = rooms[i] if i < len(rooms) else None
                cells.append({"household": h, "unit_start": i == 0, "css": _cell_class(h)})
        rows.append((floor, cells))
    return {
        "building": building,
        "units": [{"name": u, "width": width[u]} for u in unit_names],
        "rows": rows,
        "households": households,
    }


def _cell_class(h) -> str:
    if h is None:
        return "cv-empty"
    if h.is_vacant:
        return "cv-vacant"
    if not h.visited:
        return "cv-unvisited"
    if not h.reached:
        return "cv-notathome"
    return f"cv-{h.latest_attitude}"
