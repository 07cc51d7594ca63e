"""The rule arithmetic on its edges (pure: no database)."""

from decimal import Decimal
from fractions import Fraction

from consultations.ballots.choices import Rule, ThresholdBase
from consultations.ballots.tally import evaluate


def art278(rule, *, eligible=(9, "900.00"), took_part=(6, "600.00"), yes=(4, "400.00"), vetoes=None):
    inclusive = rule == Rule.ART278_MAJOR
    return evaluate(
        rule=rule,
        eligible_count=eligible[0],
        eligible_area=Decimal(eligible[1]),
        participated_count=took_part[0],
        participated_area=Decimal(took_part[1]),
        yes_count=yes[0],
        yes_area=Decimal(yes[1]),
        participation=Fraction(2, 3),
        pass_share=Fraction(3, 4) if inclusive else Fraction(1, 2),
        pass_inclusive=inclusive,
        vetoes=vetoes,
    )


def by_key(conditions):
    return {c.key: c for c in conditions}


def test_participation_exactly_two_thirds_passes():
    conditions, passed = art278(Rule.ART278_ORDINARY, took_part=(6, "600.00"), yes=(4, "400.00"))
    c = by_key(conditions)
    assert c["participation_area"].value == Fraction(2, 3) and c["participation_area"].passed
    assert c["participation_headcount"].value == Fraction(2, 3) and c["participation_headcount"].passed
    assert passed


def test_participation_just_under_two_thirds_fails():
    conditions, passed = art278(Rule.ART278_ORDINARY, took_part=(6, "599.99"), yes=(4, "400.00"))
    c = by_key(conditions)
    assert not c["participation_area"].passed
    assert c["participation_headcount"].passed
    assert not passed
    assert "599.99 / 900.00" in c["participation_area"].explain()


def test_major_pass_at_exactly_three_quarters_passes():
    conditions, passed = art278(
        Rule.ART278_MAJOR, eligible=(8, "800.00"), took_part=(8, "800.00"), yes=(6, "600.00")
    )
    c = by_key(conditions)
    assert c["pass_area"].value == Fraction(3, 4) and c["pass_area"].passed
    assert c["pass_headcount"].value == Fraction(3, 4) and c["pass_headcount"].passed
    assert passed


def test_major_pass_just_under_three_quarters_fails():
    _, passed = art278(Rule.ART278_MAJOR, eligible=(8, "800.00"), took_part=(8, "800.00"), yes=(6, "599.99"))
    assert not passed


def test_ordinary_pass_at_exactly_half_fails():
    conditions, passed = art278(
        Rule.ART278_ORDINARY, eligible=(6, "600.00"), took_part=(6, "600.00"), yes=(3, "300.00")
    )
    c = by_key(conditions)
    assert c["pass_area"].value == Fraction(1, 2) and not c["pass_area"].passed
    assert c["pass_headcount"].value == Fraction(1, 2) and not c["pass_headcount"].passed
    assert c["pass_area"].comparison == ">"
    assert not passed


def test_ordinary_pass_just_over_half_passes():
    _, passed = art278(
        Rule.ART278_ORDINARY, eligible=(7, "600.00"), took_part=(7, "600.00"), yes=(4, "300.01")
    )
    assert passed


def test_fails_by_area_but_passes_by_headcount():
    # 4 of 6 owners agree (more than half) but they hold only 200 of 600 m²
    conditions, passed = art278(
        Rule.ART278_ORDINARY, eligible=(6, "600.00"), took_part=(6, "600.00"), yes=(4, "200.00")
    )
    c = by_key(conditions)
    assert c["pass_headcount"].passed and not c["pass_area"].passed
    assert not passed


def test_fails_by_headcount_but_passes_by_area():
    # 2 of 6 owners agree but they hold 400 of 600 m²
    conditions, passed = art278(
        Rule.ART278_ORDINARY, eligible=(6, "600.00"), took_part=(6, "600.00"), yes=(2, "400.00")
    )
    c = by_key(conditions)
    assert c["pass_area"].passed and not c["pass_headcount"].passed
    assert not passed


def test_abstentions_count_toward_participation_not_agreement():
    # 6 took part (2 abstained), 4 agree: participation 6/9, agreement 4/6 (abstainers in the base)
    conditions, passed = art278(Rule.ART278_ORDINARY, took_part=(6, "600.00"), yes=(4, "400.00"))
    c = by_key(conditions)
    assert c["pass_headcount"].denominator == 6 and c["pass_headcount"].value == Fraction(2, 3)
    assert passed


def test_threshold_base_eligible_vs_answered():
    kwargs = dict(
        rule=Rule.THRESHOLD,
        eligible_count=100,
        eligible_area=Decimal("0"),
        participated_count=96,
        participated_area=Decimal("0"),
        yes_count=94,
        yes_area=None,
        threshold=Fraction(95, 100),
    )
    _, eligible_passed = evaluate(**kwargs, threshold_base=ThresholdBase.ELIGIBLE)
    _, answered_passed = evaluate(**kwargs, threshold_base=ThresholdBase.ANSWERED)
    assert not eligible_passed  # 94/100 < 95%
    assert answered_passed  # 94/96 ≥ 95%


def test_threshold_exactly_reached_passes():
    conditions, passed = evaluate(
        rule=Rule.THRESHOLD,
        eligible_count=20,
        eligible_area=Decimal("0"),
        participated_count=20,
        participated_area=Decimal("0"),
        yes_count=19,
        yes_area=None,
        threshold=Fraction(95, 100),
    )
    assert passed and conditions[0].value == Fraction(19, 20)


def test_elevator_veto_fails_an_otherwise_passing_ballot():
    vetoes = [{"label": "1栋 2单元 101", "agreed": False}]
    conditions, passed = art278(
        Rule.ART278_MAJOR, eligible=(8, "800.00"), took_part=(8, "800.00"), yes=(7, "700.00"), vetoes=vetoes
    )
    c = by_key(conditions)
    assert c["pass_area"].passed and c["pass_headcount"].passed
    assert not c["elevator_veto"].passed
    assert not passed


def test_nothing_to_count_fails_not_divides_by_zero():
    conditions, passed = art278(
        Rule.ART278_ORDINARY, eligible=(0, "0.00"), took_part=(0, "0.00"), yes=(0, "0.00")
    )
    assert not passed
    assert all(c.value is None for c in conditions)
