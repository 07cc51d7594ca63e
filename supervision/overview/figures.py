"""The overview's figures: what is counted (raw keys), what is derived from the counts (rates), and how
the child table sorts them. Pure data and arithmetic: no queries here.

Definitions (the page and the API say the same):
- A division's figures cover the compounds in its subtree; a compound is *in the plan* of a year when a
  programme of that year lists it or a project of that year covers it.
- Project figures count the year's projects (`Project.year`) that cover at least one compound of the
  place. A block project over compounds in two communities counts once in each, and once in their
  street: child rows need not add up to their parent for project figures.
- Household figures (coverage, attitudes, opinions, ratings) count the households and opinions of the
  compounds in plan; they add up from compounds to the province.
- Ballots belong to the year of their project (or, with no project, the year they open) and to every
  compound they ask (the primary one and a block project's others).
- "Today" is the date in Asia/Shanghai when the rollup was refreshed (overdue, behind schedule).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from communities import ratios
from consultations.choices import OpinionStatus
from projects.choices import FundingSource, PartyRole, ProjectStatus

STATUSES: list[str] = list(ProjectStatus.values)
SOURCES: list[str] = list(FundingSource.values)
PARTY_ROLES: list[str] = list(PartyRole.values)
OPINION_STATUSES: list[str] = list(OpinionStatus.values)

# a project has started building once it reaches construction; it is completed once accepted
STARTED = [
    ProjectStatus.UNDER_CONSTRUCTION,
    ProjectStatus.ACCEPTANCE,
    ProjectStatus.REWORK,
    ProjectStatus.ACCEPTED,
    ProjectStatus.MAINTENANCE,
]
COMPLETED = [ProjectStatus.ACCEPTED, ProjectStatus.MAINTENANCE]

# Household facts of one compound, independent of the year (recounted when the compound changes).
FACT_KEYS: list[str] = [
    "plan_buildings",
    "plan_households",
    "plan_residents",
    "households_nonvacant",
    "visited",
    "reached",
    "support",
    "neutral",
    "oppose",
    "visits",
    *[f"opinions_{s}" for s in OPINION_STATUSES],
    "opinions_resolved_with_item",
    "answers_due",
    "answered",
    "answered_on_time",
    "rating_satisfied",
    "rating_basically",
    "rating_unsatisfied",
]
# Per compound and year from projects and ballots; add up like the facts.
COMPOUND_YEAR_KEYS: list[str] = [
    "plan_compounds",
    "started_compounds",
    "completed_compounds",
    "project_households",
    "consent_compounds",
]
# Counted over distinct projects / ballots per place (not additive across places).
PROJECT_KEYS: list[str] = [
    "projects",
    *[f"projects_{s}" for s in STATUSES],
    "budget_total",
    "budget_progress_sum",
    "projects_behind",
    "milestones_overdue",
    *[f"funding_planned_{s}" for s in SOURCES],
    *[f"funding_received_{s}" for s in SOURCES],
    "acceptance_first_decided",
    "acceptance_first_passed",
    "accepted_projects",
    "rounds_to_accept",
    "last_round_valid",
    "last_round_satisfied",
    "last_round_passed",
    "last_round_failed",
    *[f"rect_open_{r}" for r in PARTY_ROLES],
    *[f"rect_overdue_{r}" for r in PARTY_ROLES],
    "disputes_open",
    "disputes_resolved",
    "disputes_unresolved",
]
BALLOT_KEYS: list[str] = ["ballots_open", "ballots_closing_soon", "open_electors", "open_votes"]
# A district's programme targets, summed over the programmes of the year in the place; None where no
# programme sets one (below a district there are none).
TARGET_KEYS: list[str] = ["target_compounds", "target_buildings", "target_households", "target_investment"]

ADDITIVE_KEYS = FACT_KEYS + COMPOUND_YEAR_KEYS
KEYS: list[str] = ADDITIVE_KEYS + PROJECT_KEYS + BALLOT_KEYS + TARGET_KEYS
MONEY_KEYS = frozenset(
    ["budget_total", "budget_progress_sum", "target_investment"]
    + [f"funding_planned_{s}" for s in SOURCES]
    + [f"funding_received_{s}" for s in SOURCES]
)
NULLABLE_KEYS = frozenset(TARGET_KEYS)

CLOSING_SOON_DAYS = 3
# reference lines drawn on the page (the defaults of DESIGN.md §4/§7; a ballot's own policy decides it)
SATISFACTION_LINE = Fraction(90, 100)
PARTICIPATION_LINE = Fraction(2, 3)


def empty() -> dict:
    return {k: (None if k in NULLABLE_KEYS else (Decimal("0") if k in MONEY_KEYS else 0)) for k in KEYS}


def to_json(figures: dict) -> dict:
    """Decimals as strings (exact), everything else as is."""
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in figures.items()}


def from_json(data: dict | None) -> dict:
    out = empty()
    for k, v in (data or {}).items():
        if k not in out:
            continue
        if v is None:
            out[k] = None
        elif k in MONEY_KEYS:
            out[k] = Decimal(v)
        else:
            out[k] = int(v)
    return out


def normalise(figures: dict) -> dict:
    """Same types as `from_json` gives (Decimal money with its exact digits, int counts), for comparing."""
    return from_json(to_json(figures))


# --- rates ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    key: str
    numerator: int | Decimal
    denominator: int | Decimal
    line: Fraction | None = None  # a reference line the rate is compared with

    @property
    def value(self) -> Fraction | None:
        if not self.denominator:
            return None
        return Fraction(Decimal(self.numerator)) / Fraction(Decimal(self.denominator))

    @property
    def reaches_line(self) -> bool | None:
        v = self.value
        if v is None or self.line is None:
            return None
        return v >= self.line

    def percent(self, places: int = 1) -> Decimal | None:
        """Percent with `places` decimals, never contradicting a verdict: compared with a line, rounded
        toward the comparison (down below the line, up at or above it), so 89.96% never shows as 90.0%
        and 90.04% never as 90.0% below a 90.1% line; with no line, rounded down, so it never shows a
        mark it has not reached (99.96% coverage is 99.9%, not 100.0%). The same rule as the shared
        ratio formatter of the ballots (issue 9), which this can use once it is merged."""
        v = self.value
        if v is None:
            return None
        exact = Decimal(v.numerator * 100) / Decimal(v.denominator)
        quantum = Decimal(1).scaleb(-places)
        up = self.line is not None and v >= self.line
        return exact.quantize(quantum, rounding=ROUND_CEILING if up else ROUND_FLOOR)

    def display(self) -> str:
        """As the shared ratio formatter (communities/ratios.py) shows it: rounded down with no line;
        against a line, with as many decimals as it takes to compare the way the exact fractions do."""
        v = self.value
        if v is None:
            return "—"
        if self.line is None:
            return ratios.percent_floor(v, 1)
        return ratios.shown_against(v, self.line)[0]

    def line_display(self) -> str:
        if self.line is None:
            return ""
        v = self.value
        return ratios.percent_short(self.line) if v is None else ratios.shown_against(v, self.line)[1]

    def as_dict(self) -> dict:
        p = self.percent()
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "percent": p,
            "line_percent": None
            if self.line is None
            else Decimal(self.line.numerator * 100) / self.line.denominator,
            "reaches_line": self.reaches_line,
        }


def sum_keys(f: dict, prefix: str, names: list[str]) -> int | Decimal:
    return sum((f[f"{prefix}{n}"] for n in names), Decimal("0") if f"{prefix}{names[0]}" in MONEY_KEYS else 0)


def funnel(f: dict) -> dict[str, int]:
    """The demand funnel: received → accepted → planned → resolved (each stage counts what reached it;
    merged duplicates are not counted as received)."""
    total = sum(f[f"opinions_{s}"] for s in OPINION_STATUSES)
    return {
        "received": total - f["opinions_merged"],
        "accepted": f["opinions_accepted"] + f["opinions_planned"] + f["opinions_resolved"],
        "planned": f["opinions_planned"] + f["opinions_resolved_with_item"],
        "resolved": f["opinions_resolved"],
        "declined": f["opinions_declined"],
    }


def completion_base(f: dict) -> tuple[int, str]:
    """The denominator of 开工率 / 完工率: the year's target where the programmes set one, else the
    compounds in plan."""
    if f.get("target_compounds"):
        return f["target_compounds"], "target"
    return f["plan_compounds"], "plan"


def rates(f: dict) -> dict[str, Rate]:
    base, _kind = completion_base(f)
    planned = sum_keys(f, "funding_planned_", SOURCES)
    received = sum_keys(f, "funding_received_", SOURCES)
    rated = f["rating_satisfied"] + f["rating_basically"] + f["rating_unsatisfied"]
    return {
        "start_rate": Rate("start_rate", f["started_compounds"], base),
        "completion_rate": Rate("completion_rate", f["completed_compounds"], base),
        "compounds_vs_target": Rate("compounds_vs_target", f["plan_compounds"], f["target_compounds"] or 0),
        "buildings_vs_target": Rate("buildings_vs_target", f["plan_buildings"], f["target_buildings"] or 0),
        "households_vs_target": Rate(
            "households_vs_target", f["plan_households"], f["target_households"] or 0
        ),
        # Σ budget × progress% / Σ budget: already a percent, so the denominator carries the 100
        "progress": Rate("progress", f["budget_progress_sum"], f["budget_total"] * 100),
        "funding_received": Rate("funding_received", received, planned),
        "coverage": Rate("coverage", f["visited"], f["households_nonvacant"]),
        "reached": Rate("reached", f["reached"], f["households_nonvacant"]),
        "support": Rate("support", f["support"], f["reached"]),
        "answered_on_time": Rate("answered_on_time", f["answered_on_time"], f["answers_due"]),
        "rating": Rate("rating", f["rating_satisfied"] + f["rating_basically"], rated),
        "consent": Rate("consent", f["consent_compounds"], f["plan_compounds"]),
        "turnout": Rate("turnout", f["open_votes"], f["open_electors"], PARTICIPATION_LINE),
        "first_round_pass": Rate(
            "first_round_pass", f["acceptance_first_passed"], f["acceptance_first_decided"]
        ),
        "last_satisfaction": Rate(
            "last_satisfaction", f["last_round_satisfied"], f["last_round_valid"], SATISFACTION_LINE
        ),
    }


def derived(f: dict) -> dict:
    """Figures computed from the counts that are not rates."""
    planned = sum_keys(f, "funding_planned_", SOURCES)
    received = sum_keys(f, "funding_received_", SOURCES)
    per_household = (
        (planned / f["project_households"]).quantize(Decimal("0.01")) if f["project_households"] else None
    )
    mean_rounds = (
        (Decimal(f["rounds_to_accept"]) / f["accepted_projects"]).quantize(Decimal("0.1"))
        if f["accepted_projects"]
        else None
    )
    base, base_kind = completion_base(f)
    return {
        "funding_planned": planned,
        "funding_received": received,
        "planned_per_household": per_household,
        "mean_rounds_to_accept": mean_rounds,
        "no_answer_yet": f["households_nonvacant"] - f["reached"],
        "consent_pending": f["plan_compounds"] - f["consent_compounds"],
        "rect_open": sum(f[f"rect_open_{r}"] for r in PARTY_ROLES),
        "rect_overdue": sum(f[f"rect_overdue_{r}"] for r in PARTY_ROLES),
        "completion_base": base,
        "completion_base_kind": base_kind,
        "funnel": funnel(f),
    }


# --- labels --------------------------------------------------------------------------------------------

RATE_LABELS = {
    "start_rate": _("Started (开工率)"),
    "completion_rate": _("Completed (完工率)"),
    "compounds_vs_target": _("Compounds in plan / target"),
    "buildings_vs_target": _("Buildings in plan / target"),
    "households_vs_target": _("Households in plan / target"),
    "progress": _("Budget-weighted progress"),
    "funding_received": _("Funding received / planned"),
    "coverage": _("Visit coverage"),
    "reached": _("Households reached"),
    "support": _("Support among those reached"),
    "answered_on_time": _("Answered on time"),
    "rating": _("Residents satisfied (民评)"),
    "consent": _("Consent reached"),
    "turnout": _("Turnout of open ballots"),
    "first_round_pass": _("Acceptance passed in the first round"),
    "last_satisfaction": _("Satisfaction of the last round"),
}

COUNT_LABELS = {
    "plan_compounds": _("Compounds in plan"),
    "plan_buildings": _("Buildings in plan"),
    "plan_households": _("Households in plan"),
    "plan_residents": _("Residents on the rosters"),
    "projects": _("Projects"),
    "projects_behind": _("Projects behind schedule"),
    "milestones_overdue": _("Overdue milestones"),
    "ballots_open": _("Ballots open"),
    "ballots_closing_soon": _("Closing within 3 days"),
    "rect_open": _("Open rectification orders"),
    "rect_overdue": _("Overdue rectification orders"),
    "disputes_open": _("Disputes open"),
    "consent_pending": _("Compounds without consent"),
}

FUNNEL_LABELS = {
    "received": pgettext_lazy("demand funnel", "Received"),
    "accepted": pgettext_lazy("demand funnel", "Accepted"),
    "planned": pgettext_lazy("demand funnel", "Planned"),
    "resolved": pgettext_lazy("demand funnel", "Resolved"),
}


# --- the child table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    kind: str  # "rate" (from rates()), "count" (a figure or a derived count)
    worse: str  # "low": a low value is worse; "high": a high value is worse


COLUMNS: list[Column] = [
    Column("plan_compounds", _("Compounds in plan"), "count", "low"),
    Column("plan_households", _("Households"), "count", "low"),
    Column("start_rate", _("Started building"), "rate", "low"),
    Column("completion_rate", _("Completed"), "rate", "low"),
    Column("progress", _("Progress"), "rate", "low"),
    Column("projects_behind", _("Behind schedule"), "count", "high"),
    Column("funding_received", _("Funds received"), "rate", "low"),
    Column("coverage", _("Visit coverage"), "rate", "low"),
    Column("answered_on_time", _("Answered on time"), "rate", "low"),
    Column("consent_pending", _("Without consent"), "count", "high"),
    Column("first_round_pass", _("First-round pass"), "rate", "low"),
    Column("rect_overdue", _("Overdue orders"), "count", "high"),
    Column("disputes_open", _("Open disputes"), "count", "high"),
]
COLUMN_KEYS = [c.key for c in COLUMNS]


def column_value(figures: dict, column: Column):
    """The value shown and sorted on: a rate's exact fraction (None when it has no denominator), or a
    count."""
    if column.kind == "rate":
        return rates(figures)[column.key].value
    if column.key in figures:
        return figures[column.key]
    return derived(figures)[column.key]


def worst_first(rows: list, column: Column, value_of) -> list:
    """Rows sorted with the worst value first for `column`; rows without a value (no denominator)
    last, ties by name."""
    with_value = [r for r in rows if value_of(r) is not None]
    without = [r for r in rows if value_of(r) is None]
    with_value.sort(key=lambda r: value_of(r) if column.worse == "low" else -value_of(r))
    return with_value + without
