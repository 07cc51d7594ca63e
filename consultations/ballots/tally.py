"""The exact, explained tally (DESIGN.md §4). Integers and fractions.Fraction only: areas are Decimals
with two places, and Fraction(Decimal) is exact. Every condition keeps its numerator, denominator,
required share and whether the boundary counts, so anyone can check the result by hand.

`evaluate()` is the pure arithmetic (tested on its edges without a database); `compute_tally()` reads
a ballot's counts and calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from . import choices


def _as_fraction(value) -> Fraction:
    return Fraction(value) if not isinstance(value, Fraction) else value


def _show(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, Fraction):
        return str(value)
    return str(value)


def percent(value: Fraction | None) -> str:
    if value is None:
        return "—"
    shown = (Decimal(value.numerator) * 100 / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return f"{shown}%"


@dataclass
class Condition:
    key: str
    label: str
    numerator: int | Decimal
    denominator: int | Decimal
    required: Fraction
    inclusive: bool  # True: "at least" (boundary passes); False: "more than" (boundary fails)
    passed: bool = False
    value: Fraction | None = None

    def __post_init__(self) -> None:
        den = _as_fraction(self.denominator)
        if den == 0:
            self.value, self.passed = None, False
            return
        self.value = _as_fraction(self.numerator) / den
        self.passed = self.value >= self.required if self.inclusive else self.value > self.required

    @property
    def comparison(self) -> str:
        return "≥" if self.inclusive else ">"

    def explain(self) -> str:
        verdict = _("passed") if self.passed else _("failed")
        if self.value is None:
            return f"{self.label}: {_show(self.numerator)} / 0 — {_('nothing to count')} — {verdict}"
        return (
            f"{self.label}: {_show(self.numerator)} / {_show(self.denominator)} = {self.value} "
            f"({percent(self.value)}), {_('required')} {self.comparison} {self.required} "
            f"({percent(self.required)}) — {verdict}"
        )

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "numerator": _show(self.numerator),
            "denominator": _show(self.denominator),
            "value": str(self.value) if self.value is not None else None,
            "percent": percent(self.value),
            "required": str(self.required),
            "required_percent": percent(self.required),
            "comparison": self.comparison,
            "inclusive": self.inclusive,
            "passed": self.passed,
            "explanation": self.explain(),
        }


@dataclass
class TallyResult:
    ballot_id: int | None
    rule: str
    eligible_count: int
    eligible_area: Decimal
    participated_count: int
    participated_area: Decimal
    yes_count: int
    yes_area: Decimal | None
    abstain_count: int
    options: list[dict] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    vetoes: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    passed: bool = False

    @property
    def failed_conditions(self) -> list[Condition]:
        return [c for c in self.conditions if not c.passed]

    def as_text(self) -> str:
        lines = [
            _("Rule: %(rule)s") % {"rule": choices.Rule(self.rule).label},
            _("Electors: %(n)s; exclusive area %(area)s m²")
            % {"n": self.eligible_count, "area": _show(self.eligible_area)},
            _("Took part: %(n)s; area %(area)s m²")
            % {"n": self.participated_count, "area": _show(self.participated_area)},
        ]
        for option in self.options:
            area = f", {option['area']} m²" if option.get("area") is not None else ""
            lines.append(f"  {option['label']}: {option['count']}{area}")
        lines += [c.explain() for c in self.conditions]
        for veto in self.vetoes:
            lines.append(
                _("Owner whose part the elevator occupies (%(who)s): %(state)s")
                % {"who": veto["label"], "state": veto["state"]}
            )
        lines += self.notes
        lines.append(_("Result: passed") if self.passed else _("Result: not passed"))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "ballot": self.ballot_id,
            "rule": self.rule,
            "passed": self.passed,
            "eligible_count": self.eligible_count,
            "eligible_area": _show(self.eligible_area),
            "participated_count": self.participated_count,
            "participated_area": _show(self.participated_area),
            "yes_count": self.yes_count,
            "yes_area": _show(self.yes_area) if self.yes_area is not None else None,
            "abstain_count": self.abstain_count,
            "options": self.options,
            "conditions": [c.to_dict() for c in self.conditions],
            "vetoes": self.vetoes,
            "notes": self.notes,
            "explanation": self.as_text(),
        }


def evaluate(
    *,
    rule: str,
    eligible_count: int,
    eligible_area: Decimal,
    participated_count: int,
    participated_area: Decimal,
    yes_count: int,
    yes_area: Decimal | None,
    threshold: Fraction = Fraction(0),
    threshold_base: str = choices.ThresholdBase.ELIGIBLE,
    participation: Fraction = Fraction(2, 3),
    pass_share: Fraction = Fraction(1, 2),
    pass_inclusive: bool = False,
    vetoes: list[dict] | None = None,
) -> tuple[list[Condition], bool]:
    """The conditions of a rule and whether all pass. Abstentions are in `participated_*` but not in
    `yes_*`: they count toward participation, not agreement."""
    conditions: list[Condition] = []
    if rule in choices.ART278_RULES:
        conditions += [
            Condition(
                "participation_area",
                _("Participation by exclusive area"),
                participated_area,
                eligible_area,
                participation,
                True,
            ),
            Condition(
                "participation_headcount",
                _("Participation by number of owners"),
                participated_count,
                eligible_count,
                participation,
                True,
            ),
            Condition(
                "pass_area",
                _("Agreement by participating area"),
                yes_area if yes_area is not None else Decimal("0"),
                participated_area,
                pass_share,
                pass_inclusive,
            ),
            Condition(
                "pass_headcount",
                _("Agreement by participating owners"),
                yes_count,
                participated_count,
                pass_share,
                pass_inclusive,
            ),
        ]
    else:
        base = eligible_count if threshold_base == choices.ThresholdBase.ELIGIBLE else participated_count
        label = (
            _("Yes among all eligible households")
            if threshold_base == choices.ThresholdBase.ELIGIBLE
            else _("Yes among those who answered")
        )
        conditions.append(Condition("threshold", label, yes_count, base, threshold, True))
    if vetoes:
        agreed = sum(1 for v in vetoes if v.get("agreed"))
        conditions.append(
            Condition(
                "elevator_veto",
                _("Consent of owners whose part the elevator occupies"),
                agreed,
                len(vetoes),
                Fraction(1),
                True,
            )
        )
    return conditions, all(c.passed for c in conditions)


def compute_tally(ballot) -> TallyResult:
    from .models import BallotBoxEntry, Elector, Vote

    options = list(ballot.options.all())
    electors = Elector.objects.filter(ballot=ballot).aggregate(n=Count("pk"), area=Sum("area"))
    eligible_count, eligible_area = electors["n"] or 0, electors["area"] or Decimal("0")
    part = Vote.objects.filter(ballot=ballot).aggregate(n=Count("pk"), area=Sum("elector__area"))
    participated_count, participated_area = part["n"] or 0, part["area"] or Decimal("0")
    notes: list[str] = []

    counts: dict[int, tuple[int, Decimal | None]] = {}
    if ballot.secret:
        for row in BallotBoxEntry.objects.filter(ballot=ballot).values("option_id").annotate(n=Count("pk")):
            counts[row["option_id"]] = (row["n"], None)
        box_total = sum(n for n, _a in counts.values())
        if box_total != participated_count:
            notes.append(
                _("Check: the ballot box holds %(box)s choices but %(n)s electors took part.")
                % {"box": box_total, "n": participated_count}
            )
    else:
        for row in (
            Vote.objects.filter(ballot=ballot)
            .values("option_id")
            .annotate(n=Count("pk"), area=Sum("elector__area"))
        ):
            counts[row["option_id"]] = (row["n"], row["area"] or Decimal("0"))

    option_rows = []
    for option in options:
        n, area = counts.get(option.pk, (0, None if ballot.secret else Decimal("0")))
        option_rows.append(
            {
                "id": option.pk,
                "label": option.label,
                "count": n,
                "area": _show(area) if area is not None else None,
                "counts_as_yes": option.counts_as_yes,
                "is_abstention": option.is_abstention,
                "_area": area,
            }
        )
    yes_rows = [r for r in option_rows if r["counts_as_yes"]]
    plans = [r for r in option_rows if not r["is_abstention"]]
    if not yes_rows and plans:
        # a plan choice: the leading option is measured against the threshold (a tie has no leader);
        # an abstention is never a plan, however many chose it
        top = max(r["count"] for r in plans)
        leaders = [r for r in plans if r["count"] == top]
        if len(leaders) == 1 and top > 0:
            yes_rows = leaders
            notes.append(_("Leading option: %(label)s") % {"label": leaders[0]["label"]})
        else:
            notes.append(_("No single leading option."))
    yes_count = sum(r["count"] for r in yes_rows)
    yes_area = None if ballot.secret else sum((r["_area"] or Decimal("0") for r in yes_rows), Decimal("0"))
    abstain_count = sum(r["count"] for r in option_rows if r["is_abstention"])
    for r in option_rows:
        r.pop("_area")

    vetoes = []
    if not ballot.secret:
        for elector in Elector.objects.filter(ballot=ballot, has_veto=True).select_related("vote__option"):
            vote = getattr(elector, "vote", None)
            agreed = bool(vote and vote.option and vote.option.counts_as_yes)
            state = _("consented") if agreed else (_("did not consent") if vote else _("has not voted"))
            vetoes.append({"elector": elector.pk, "label": elector.label, "agreed": agreed, "state": state})

    conditions, passed = evaluate(
        rule=ballot.rule,
        eligible_count=eligible_count,
        eligible_area=eligible_area,
        participated_count=participated_count,
        participated_area=participated_area,
        yes_count=yes_count,
        yes_area=yes_area,
        threshold=ballot.threshold,
        threshold_base=ballot.threshold_base,
        participation=ballot.participation_share,
        pass_share=ballot.pass_share,
        pass_inclusive=ballot.pass_inclusive,
        vetoes=vetoes,
    )
    return TallyResult(
        ballot_id=ballot.pk,
        rule=ballot.rule,
        eligible_count=eligible_count,
        eligible_area=eligible_area,
        participated_count=participated_count,
        participated_area=participated_area,
        yes_count=yes_count,
        yes_area=yes_area,
        abstain_count=abstain_count,
        options=option_rows,
        conditions=conditions,
        vetoes=vetoes,
        notes=notes,
        passed=passed,
    )
