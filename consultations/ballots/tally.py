"""The exact, explained tally (DESIGN.md §4). Integers and fractions.Fraction only: areas are Decimals
with two places, and Fraction(Decimal) is exact. Every condition keeps its numerator, denominator,
required share and whether the boundary counts, so anyone can check the result by hand.

`evaluate()` is the pure arithmetic (tested on its edges without a database); `compute_tally()` reads
a ballot's counts and calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from communities import ratios

from . import choices

AREA_STEP = Fraction(1, 100)  # areas are counted to the 0.01 m²


def _as_fraction(value) -> Fraction:
    return Fraction(value) if not isinstance(value, Fraction) else value


def _show(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, Fraction):
        return str(value)
    return str(value)


percent = ratios.percent  # kept for callers of the former helper


def _shortfall_text(amount: str, unit: str) -> str:
    if unit == "m2":
        return _("%(n)s m² short") % {"n": amount}
    if unit == "owners":
        return _("%(n)s owners short") % {"n": amount}
    return _("%(n)s households short") % {"n": amount}


@dataclass
class Condition:
    key: str
    label: str
    numerator: int | Decimal
    denominator: int | Decimal
    required: Fraction
    inclusive: bool  # True: "at least" (boundary passes); False: "more than" (boundary fails)
    unit: str = "households"  # what the numerator counts: households, owners or m2 (for "差 N 户 / N m²")
    passed: bool = False
    value: Fraction | None = None

    def __post_init__(self) -> None:
        self.value = ratios.share(self.numerator, self.denominator)
        self.passed = ratios.meets(self.value, self.required, self.inclusive)

    @property
    def comparison(self) -> str:
        return "≥" if self.inclusive else ">"

    @property
    def step(self) -> Fraction:
        return AREA_STEP if self.unit == "m2" else Fraction(1)

    @property
    def shown(self) -> tuple[str, str]:
        """(value, required) as percents that read the same way as the verdict (communities.ratios)."""
        return ratios.shown_against(self.value, self.required)

    @property
    def shortfall(self) -> Fraction | None:
        """How much more of the numerator (same denominator) it needed; None when it passed."""
        if self.passed:
            return None
        return ratios.shortfall(self.numerator, self.denominator, self.required, self.inclusive, self.step)

    @property
    def shortfall_text(self) -> str:
        missing = self.shortfall
        if not missing:
            return ""
        return _shortfall_text(ratios.amount(missing, self.step), self.unit)

    def explain(self) -> str:
        verdict = _("passed") if self.passed else _("failed")
        if self.value is None:
            return _("%(label)s: %(num)s / 0 — nothing to count — %(verdict)s") % {
                "label": self.label,
                "num": _show(self.numerator),
                "verdict": verdict,
            }
        value, required = self.shown
        text = _(
            "%(label)s: %(num)s / %(den)s (%(value)s), required %(cmp)s %(required)s "
            "(%(required_percent)s) — %(verdict)s"
        ) % {
            "label": self.label,
            "num": _show(self.numerator),
            "den": _show(self.denominator),
            "value": value,
            "cmp": self.comparison,
            "required": self.required,
            "required_percent": required,
            "verdict": verdict,
        }
        if self.shortfall_text:
            text += _(" (%(shortfall)s)") % {"shortfall": self.shortfall_text}
        return text

    def to_dict(self) -> dict:
        value, required = self.shown
        missing = self.shortfall
        return {
            "key": self.key,
            "label": self.label,
            "numerator": _show(self.numerator),
            "denominator": _show(self.denominator),
            "value": str(self.value) if self.value is not None else None,
            "percent": value,
            "required": str(self.required),
            "required_percent": required,
            "comparison": self.comparison,
            "inclusive": self.inclusive,
            "passed": self.passed,
            "unit": self.unit,
            "shortfall": ratios.amount(missing, self.step) if missing else None,
            "shortfall_text": self.shortfall_text,
            "explanation": self.explain(),
        }


VERDICTS = ("passed", "not_passed", "not_valid")


def verdict_label(verdict: str) -> str:
    return {
        "passed": _("passed"),
        "not_passed": _("not passed"),
        "not_valid": _("not valid (too few answers)"),
    }[verdict]


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
    counting_notes: list[dict] = field(default_factory=list)
    passed: bool = False
    kind: str = ""

    @property
    def failed_conditions(self) -> list[Condition]:
        return [c for c in self.conditions if not c.passed]

    def condition(self, key: str) -> Condition | None:
        return next((c for c in self.conditions if c.key == key), None)

    @property
    def validity(self) -> Condition | None:
        """The answer participation a satisfaction survey needs to count at all (None: no such rule)."""
        return self.condition("answer_participation")

    @property
    def valid(self) -> bool:
        return self.validity is None or self.validity.passed

    @property
    def verdict(self) -> str:
        if not self.valid:
            return "not_valid"
        return "passed" if self.passed else "not_passed"

    def verdict_text(self) -> str:
        if self.verdict == "not_valid":
            return _("Result: not valid (too few answers: %(shortfall)s)") % {
                "shortfall": self.validity.shortfall_text
            }
        return _("Result: passed") if self.passed else _("Result: not passed")

    def as_text(self) -> str:
        lines = [
            _("Rule: %(rule)s") % {"rule": choices.Rule(self.rule).label},
            _("Electors: %(n)s; exclusive area %(area)s m²")
            % {"n": self.eligible_count, "area": _show(self.eligible_area)},
            _("Took part: %(n)s; area %(area)s m²")
            % {"n": self.participated_count, "area": _show(self.participated_area)},
        ]
        for option in self.options:
            area = _(", %(area)s m²") % {"area": option["area"]} if option.get("area") is not None else ""
            label = option["label"]
            if option.get("counted_as_yes"):
                label = _("%(label)s (counted as yes)") % {"label": label}
            elif option.get("is_abstention"):
                label = _("%(label)s (abstention)") % {"label": label}
            lines.append(
                _("  %(label)s: %(count)s%(area)s") % {"label": label, "count": option["count"], "area": area}
            )
        lines += [c.explain() for c in self.conditions]
        for veto in self.vetoes:
            lines.append(
                _("Owner whose part the elevator occupies (%(who)s): %(state)s")
                % {"who": veto["label"], "state": veto["state"]}
            )
        lines += self.notes
        lines += [counting_note_text(n) for n in self.counting_notes]
        lines.append(self.verdict_text())
        return "\n".join(lines)

    def to_dict(self) -> dict:
        validity = self.validity
        return {
            "ballot": self.ballot_id,
            "kind": self.kind,
            "rule": self.rule,
            "passed": self.passed,
            "valid": self.valid,
            "verdict": self.verdict,
            "verdict_display": verdict_label(self.verdict),
            "validity": validity.to_dict() if validity is not None else None,
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
            "counting_notes": self.counting_notes,
            "explanation": self.as_text(),
        }


COUNTING_NOTE_ITEMS = 20  # items named in a notice line; the page and the API keep all of them


def counting_note_text(note: dict) -> str:
    """One line of a notice for a counting choice: its sentence, then the parts concerned."""
    items = note.get("items") or []
    text = note["text"]
    if items:
        named = "、".join(items[:COUNTING_NOTE_ITEMS])
        more = len(items) - COUNTING_NOTE_ITEMS
        if more > 0:
            named += _(" and %(n)s more") % {"n": more}
        text = _("%(text)s: %(items)s") % {"text": text, "items": named}
    if note.get("accepted"):
        text = _("%(text)s; %(accepted)s") % {"text": text, "accepted": note["accepted"]}
    return text


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
    answer_participation: Fraction | None = None,
) -> tuple[list[Condition], bool]:
    """The conditions of a rule and whether all pass. Abstentions are in `participated_*` but not in
    `yes_*`: they count toward participation, not agreement. `answer_participation` (a satisfaction
    survey): the share of eligible households that must answer for the ballot to be valid at all."""
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
                unit="m2",
            ),
            Condition(
                "participation_headcount",
                _("Participation by number of owners"),
                participated_count,
                eligible_count,
                participation,
                True,
                unit="owners",
            ),
            Condition(
                "pass_area",
                _("Agreement by participating area"),
                yes_area if yes_area is not None else Decimal("0"),
                participated_area,
                pass_share,
                pass_inclusive,
                unit="m2",
            ),
            Condition(
                "pass_headcount",
                _("Agreement by participating owners"),
                yes_count,
                participated_count,
                pass_share,
                pass_inclusive,
                unit="owners",
            ),
        ]
    else:
        if answer_participation is not None:
            conditions.append(
                Condition(
                    "answer_participation",
                    _("Answers among all eligible households"),
                    participated_count,
                    eligible_count,
                    answer_participation,
                    True,
                )
            )
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
                unit="owners",
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
                "counted_as_yes": False,
                "_area": area,
            }
        )
    if ballot.kind == choices.BallotKind.PLAN_CHOICE:
        # the leading PLAN is measured against the threshold (a tie has no leader); an abstention is
        # never a plan, however many chose it. Only a plan choice is read this way.
        yes_rows = []
        plans = [r for r in option_rows if not r["is_abstention"]]
        top = max((r["count"] for r in plans), default=0)
        leaders = [r for r in plans if r["count"] == top]
        if len(leaders) == 1 and top > 0:
            yes_rows = leaders
            notes.append(_("Leading option: %(label)s") % {"label": leaders[0]["label"]})
        else:
            notes.append(_("No single leading option."))
    else:
        # an option counts as yes only because the ballot's creator said so -- never by its wording
        # or because it leads
        yes_rows = [r for r in option_rows if r["counts_as_yes"]]
        if not yes_rows:
            notes.append(_("No option counts as yes on this ballot, so nothing counts as agreement."))
    for r in yes_rows:
        r["counted_as_yes"] = True
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
        answer_participation=ballot.answer_participation,
    )
    return TallyResult(
        ballot_id=ballot.pk,
        rule=ballot.rule,
        kind=ballot.kind,
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
        counting_notes=list(ballot.counting_notes or []),
        passed=passed,
    )
