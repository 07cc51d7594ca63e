"""Shown figures never contradict the verdict: every ratio shown beside a pass/fail (page, API, notice,
live turnout) reads the same way as the verdict, with enough digits, and a failed condition says how
much was missing ("差 N 户 / N m²")."""

import re
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import timezone, translation
from hypothesis import example, given, settings
from hypothesis import strategies as st

from communities import ratios
from communities.models import Building, Household
from consultations.ballots import services
from consultations.ballots.models import Vote
from consultations.ballots.tally import Condition
from consultations.models import Notice
from tests.ballots.factories import make_ballot, make_households, vote_each

PERCENT = re.compile(r"(-?\d+(?:\.\d+)?)%")


def agrees(shown_value: str, shown_required: str, inclusive: bool, passed: bool) -> bool:
    """Would a reader, comparing the two shown percents, reach the shown verdict?"""
    v, r = Decimal(shown_value.rstrip("%")), Decimal(shown_required.rstrip("%"))
    return (v >= r if inclusive else v > r) == passed


# --- the cases of the issue ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "num,den,required,inclusive,passed,shortfall",
    [
        (33333, 50000, Fraction(2, 3), True, False, "1"),  # was "66.67% ≥ 66.67% 未通过"
        (749999, 1000000, Fraction(3, 4), True, False, "1"),  # was "75.00% ≥ 75.00% 未通过"
        (500001, 1000000, Fraction(1, 2), False, True, None),  # was "50.00% > 1/2 (50.00%) 通过"
        (500000, 1000000, Fraction(1, 2), False, False, "1"),
        (2, 3, Fraction(2, 3), True, True, None),
        (1333, 2000, Fraction(2, 3), True, False, "1"),
    ],
)
def test_issue_cases_read_like_their_verdict(num, den, required, inclusive, passed, shortfall):
    condition = Condition("c", "条件", num, den, required, inclusive, unit="households")
    data = condition.to_dict()
    assert condition.passed is passed
    assert agrees(data["percent"], data["required_percent"], inclusive, passed), data
    assert data["shortfall"] == shortfall
    if shortfall:
        with translation.override("zh-hans"):
            assert (
                f"差 {shortfall} 户"
                in Condition("c", "条件", num, den, required, inclusive, unit="households").explain()
            )


def test_area_shortfall_in_square_metres():
    condition = Condition("a", "面积", Decimal("599.99"), Decimal("900.00"), Fraction(2, 3), True, unit="m2")
    assert not condition.passed and condition.to_dict()["shortfall"] == "0.01"
    with translation.override("zh-hans"):
        assert "差 0.01 m²" in condition.explain()


def test_ratio_helpers():
    assert ratios.percent(Fraction(1, 3)) == "33.33%"
    assert ratios.percent(Fraction(2, 3)) == "66.67%"
    assert ratios.percent_floor(Fraction(1333, 2000)) == "66.65%"
    assert ratios.percent_floor(Fraction(99999, 100000)) == "99.99%"  # never shows 100% before all
    assert ratios.shown_against(Fraction(33333, 50000), Fraction(2, 3)) == ("66.666%", "66.667%")
    assert ratios.shown_against(Fraction(2, 3), Fraction(2, 3)) == ("66.67%", "66.67%")
    assert ratios.shortfall(3, 4, Fraction(3, 4), inclusive=True) == 0
    assert ratios.shortfall(4, 8, Fraction(1, 2), inclusive=False) == 1
    assert (
        ratios.shortfall(Decimal("10.00"), Decimal("30.00"), Fraction(1, 2), True, step=Fraction(1, 100)) == 5
    )
    assert ratios.shortfall(0, 0, Fraction(1, 2), True) is None


# --- the property: for any counts and any requirement -----------------------------------------------------


shares = st.builds(Fraction, st.integers(1, 1000), st.integers(1, 1000)).filter(lambda f: 0 < f <= 1)


@settings(max_examples=400, deadline=None)
@given(
    den=st.integers(1, 10**7),
    near=st.booleans(),
    offset=st.integers(-3, 3),
    anywhere=st.integers(0, 10**7),
    required=shares,
    inclusive=st.booleans(),
)
@example(den=50000, near=False, offset=0, anywhere=33333, required=Fraction(2, 3), inclusive=True)
@example(den=1000000, near=False, offset=0, anywhere=749999, required=Fraction(3, 4), inclusive=True)
@example(den=1000000, near=False, offset=0, anywhere=500001, required=Fraction(1, 2), inclusive=False)
def test_every_shown_ratio_agrees_with_its_verdict(den, near, offset, anywhere, required, inclusive):
    # near the line half of the time: that is where rounding lies
    num = min(den, max(0, int(required * den) + offset)) if near else anywhere % (den + 1)
    condition = Condition("c", "c", num, den, required, inclusive)
    shown = condition.to_dict()
    assert agrees(shown["percent"], shown["required_percent"], inclusive, condition.passed), shown
    if not condition.passed:
        missing = int(shown["shortfall"])
        assert missing >= 1
        assert Condition("c", "c", num + missing, den, required, inclusive).passed or num + missing > den
        assert not Condition("c", "c", num + missing - 1, den, required, inclusive).passed


# --- everywhere the ratios are shown: page, notice, API, live turnout ---------------------------------------


def _page_rows(html: str) -> list[tuple[str, str, str, bool]]:
    table = html.split('id="conditions"', 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr class=\"condition\"[^>]*>(.*?)</tr>", table, re.S):
        percents = PERCENT.findall(row)
        comparison = "≥" if "≥" in row else ">"
        rows.append((percents[0], percents[1], comparison, "✔" in row))
    return rows


def _notice_rows(body: str) -> list[tuple[str, str, str, bool]]:
    rows = []
    for line in body.splitlines():
        m = re.search(r"（(\S+%)）.*?([≥>]) \S+（(\S+%)）.*— (通过|未通过)", line)
        if m:
            rows.append((m[1], m[3], m[2], m[4] == "通过"))
    return rows


@pytest.mark.django_db
def test_page_notice_and_api_agree_with_the_verdict_at_the_boundary(client, api_as, world, street_user):
    # 9 owners of 100 m² and one of 100.01: 6 take part -> 600.00 / 900.01 m² (just under 2/3)
    make_households(world.compound_a, areas=[Decimal("100.00")] * 8 + [Decimal("100.01")])
    ballot = make_ballot(street_user, world.compound_a, kind="owners_ordinary")
    vote_each(ballot, street_user, ["同意"] * 4 + ["不同意"] + ["弃权"])
    services.close_ballot(ballot, street_user, reason="测试")
    ballot.refresh_from_db()
    conditions = {c["key"]: c for c in ballot.result["conditions"]}
    assert not conditions["participation_area"]["passed"] and conditions["participation_headcount"]["passed"]
    assert conditions["participation_area"]["shortfall"] == "0.01"

    client.force_login(street_user)
    page = _page_rows(client.get(f"/ballots/{ballot.pk}/").content.decode())
    notice = _notice_rows(Notice.objects.get(pk=ballot.result_notice_id).body)
    api = [
        (c["percent"], c["required_percent"], c["comparison"], c["passed"])
        for c in api_as(street_user).get(f"/api/v1/ballots/{ballot.pk}/tally/").json()["conditions"]
    ]
    assert len(page) == len(notice) == len(api) == 4
    for value, required, comparison, passed in [*page, *notice, *api]:
        assert agrees(value, required, comparison == "≥", passed), (value, required, comparison, passed)
    assert "差 0.01 m²" in client.get(f"/ballots/{ballot.pk}/").content.decode()


@pytest.mark.django_db
def test_live_turnout_1333_of_2000_owners_is_not_shown_as_67_percent(client, api_as, world, street_user):
    building = Building.objects.create(compound=world.compound_a, name="1栋", unit_count=1)
    Household.objects.bulk_create(
        Household(
            building=building,
            unit="1",
            floor=1 + i // 100,
            room=f"{i:04d}",
            exclusive_area=Decimal("50.00"),
            area_source="register",
        )
        for i in range(2000)
    )
    ballot = make_ballot(street_user, world.compound_a, kind="owners_ordinary")
    electors = list(ballot.electors.order_by("pk")[:1333])
    yes = ballot.options.get(label="同意")
    now = timezone.now()
    Vote.objects.bulk_create(
        Vote(ballot=ballot, elector=e, option=yes, channel="meeting", cast_at=now, receipt=f"R{e.pk:09d}")
        for e in electors
    )
    turnout = services.turnout(ballot)
    total = turnout["total"]
    assert total["percent"] == "66.65%"
    requirement = turnout["requirement"]
    assert requirement["headcount"]["shortfall"] == "1" and not requirement["headcount"]["passed"]
    assert agrees(
        requirement["headcount"]["percent"], requirement["headcount"]["required_percent"], True, False
    )
    client.force_login(street_user)
    html = client.get(f"/ballots/{ballot.pk}/").content.decode()
    section = html.split('id="turnout"', 1)[1].split("</section>", 1)[0]
    assert not re.search(r"(?<![\d.])67%", section) and "66.65%" in section and "差 1 位业主" in section
    api = api_as(street_user).get(f"/api/v1/ballots/{ballot.pk}/turnout/").json()
    assert api["total"]["percent"] == "66.65%" and api["requirement"]["headcount"]["shortfall"] == "1"


@pytest.mark.django_db
def test_live_turnout_at_exactly_two_thirds_reads_as_reached(world, street_user):
    make_households(world.compound_a, areas=(Decimal("60.00"),) * 12)
    ballot = make_ballot(street_user, world.compound_a, kind="owners_ordinary")
    vote_each(ballot, street_user, ["同意"] * 8)
    turnout = services.turnout(ballot)
    headcount = turnout["requirement"]["headcount"]
    assert headcount["passed"] and turnout["total"]["percent"] == headcount["percent"] == "66.67%"
    assert agrees(turnout["total"]["percent"], headcount["required_percent"], True, True)
    assert turnout["rows"][0]["percent"] == "66.67%"  # rows are read against the same line
