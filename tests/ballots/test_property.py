"""Property test: random registries (areas, owners, co-owners, the developer), random rule policies and
random votes, tallied by the product (services, on PostgreSQL) and by a simple reference written here
with exact fractions; both must agree on every verdict, boundaries included."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from communities.choices import OwnershipKind
from consultations.ballots import services
from consultations.ballots.models import RulePolicy
from tests import factories as f
from tests.ballots.factories import abstain, make_ballot, yes

OPTIONS = {
    "renovation_consent": [yes("同意"), "不同意", abstain()],
    "acceptance_satisfaction": [yes("满意"), yes("基本满意"), "不满意"],
    "owners_ordinary": [yes("同意"), "不同意", abstain()],
    "owners_major": [yes("同意"), "不同意", abstain()],
    "plan_choice": ["甲", "乙", "丙", abstain()],
}
OWNERS = ("owners_ordinary", "owners_major")
# areas that make exact boundaries likely (thirds, halves, quarters of round numbers), a tiny one, none
AREAS = [Decimal("60.00"), Decimal("60.00"), Decimal("90.00"), Decimal("30.00"), Decimal("0.01"), None]


@dataclass
class Part:
    area: Decimal | None
    owners: tuple[int, ...]  # person indexes; 9 = the developer


part = st.builds(
    Part,
    area=st.sampled_from(AREAS),
    owners=st.one_of(
        st.just(()),
        st.tuples(st.integers(0, 3)),
        st.tuples(st.integers(0, 3), st.integers(0, 3)).map(lambda t: tuple(sorted(set(t)))),
        st.just((9,)),
    ),
)
policy = st.fixed_dictionaries(
    {
        "consent": st.sampled_from([(95, 100), (2, 3), (1, 1), (1, 2)]),
        "consent_base": st.sampled_from(["eligible", "answered"]),
        "satisfaction": st.sampled_from([(9, 10), (1, 2), (2, 3)]),
        "satisfaction_participation": st.sampled_from([(2, 3), (1, 2), (1, 1)]),
        "choice": st.sampled_from([(1, 2), (1, 3), (2, 3)]),
        "choice_base": st.sampled_from(["eligible", "answered"]),
        "participation": st.sampled_from([(2, 3), (3, 4)]),
        "ordinary": st.sampled_from([(1, 2), (2, 3)]),
        "major": st.sampled_from([(3, 4), (4, 5)]),
    }
)


DEFAULTS = {
    "consent": (95, 100),
    "consent_base": "eligible",
    "satisfaction": (9, 10),
    "satisfaction_participation": (2, 3),
    "choice": (1, 2),
    "choice_base": "answered",
    "participation": (2, 3),
    "ordinary": (1, 2),
    "major": (3, 4),
}


def reference_electors(kind: str, parts: list) -> list[tuple[frozenset, Fraction]]:
    """(household ids, area) per elector: per household, or (owners' decisions) per owner set, the
    developer's parts together, a part without owner on its own (SPC interpretation arts. 8-9)."""
    if kind not in OWNERS:
        return [(frozenset([hid]), Fraction(p.area or 0)) for hid, p in parts]
    groups: dict = {}
    for hid, p in parts:
        key = "developer" if 9 in p.owners else (frozenset(p.owners) if p.owners else ("alone", hid))
        groups.setdefault(key, []).append((hid, p))
    return [
        (frozenset(h for h, _ in members), sum((Fraction(p.area or 0) for _, p in members), Fraction(0)))
        for members in groups.values()
    ]


def reference_verdict(kind: str, pol: dict, electors: list, votes: dict) -> tuple[bool, bool, int]:
    """(passed, valid, yes count) from first principles."""
    options = [o if isinstance(o, dict) else {"label": o} for o in OPTIONS[kind]]
    voted = [(hids, area, options[votes[hids]]) for hids, area in electors if votes.get(hids) is not None]
    n, area = len(electors), sum((a for _, a in electors), Fraction(0))
    took, took_area = len(voted), sum((a for _, a, _o in voted), Fraction(0))

    def share(x, y):
        return None if y == 0 else Fraction(x) / Fraction(y)

    def at_least(x, y, need):
        s = share(x, y)
        return s is not None and s >= need

    def more_than(x, y, need):
        s = share(x, y)
        return s is not None and s > need

    if kind in OWNERS:
        ayes = [(a) for _, a, o in voted if o.get("counts_as_yes")]
        p = Fraction(*pol["participation"])
        if kind == "owners_major":
            need, check = Fraction(*pol["major"]), at_least
        else:
            need, check = Fraction(*pol["ordinary"]), more_than
        passed = (
            at_least(took_area, area, p)
            and at_least(took, n, p)
            and check(sum(ayes, Fraction(0)), took_area, need)
            and check(len(ayes), took, need)
        )
        return passed, True, len(ayes)
    if kind == "plan_choice":
        counts = {}
        for _, _a, o in voted:
            if not o.get("is_abstention"):
                counts[o["label"]] = counts.get(o["label"], 0) + 1
        top = max([counts.get(o["label"], 0) for o in options if not o.get("is_abstention")])
        leaders = [label for label, c in counts.items() if c == top]
        ayes = top if top > 0 and len(leaders) == 1 else 0
        base = n if pol["choice_base"] == "eligible" else took
        return at_least(ayes, base, Fraction(*pol["choice"])), True, ayes
    ayes = sum(1 for _, _a, o in voted if o.get("counts_as_yes"))
    if kind == "acceptance_satisfaction":
        valid = at_least(took, n, Fraction(*pol["satisfaction_participation"]))
        return valid and at_least(ayes, took, Fraction(*pol["satisfaction"])), valid, ayes
    base = n if pol["consent_base"] == "eligible" else took
    return at_least(ayes, base, Fraction(*pol["consent"])), True, ayes


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(list(OPTIONS)),
    parts=st.lists(part, min_size=1, max_size=9),
    pol=policy,
    choices=st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=9, max_size=9),
)
@example(  # participation at exactly 2/3 of owners and of area: passes
    kind="owners_ordinary",
    parts=[Part(Decimal("60.00"), (0,)), Part(Decimal("60.00"), (1,)), Part(Decimal("60.00"), (2,))],
    pol=DEFAULTS,
    choices=[0, 0, None, None, None, None, None, None, None],
)
@example(  # agreement at exactly 1/2 of the participating owners: "more than half" fails
    kind="owners_ordinary",
    parts=[Part(Decimal("60.00"), (0,)), Part(Decimal("60.00"), (1,))],
    pol=DEFAULTS,
    choices=[0, 1, None, None, None, None, None, None, None],
)
@example(  # exactly 2/3 of households answered a satisfaction survey: valid
    kind="acceptance_satisfaction",
    parts=[Part(Decimal("60.00"), ()), Part(Decimal("60.00"), ()), Part(None, ())],
    pol=DEFAULTS,
    choices=[0, 1, None, None, None, None, None, None, None],
)
def test_tally_agrees_with_a_reference_implementation(world, street_user, kind, parts, pol, choices):
    with transaction.atomic():
        RulePolicy.objects.create(
            division=world.district,
            name="随机规则",
            effective_from=date(2020, 1, 1),
            consent_threshold_num=pol["consent"][0],
            consent_threshold_den=pol["consent"][1],
            consent_base=pol["consent_base"],
            satisfaction_threshold_num=pol["satisfaction"][0],
            satisfaction_threshold_den=pol["satisfaction"][1],
            satisfaction_participation_num=pol["satisfaction_participation"][0],
            satisfaction_participation_den=pol["satisfaction_participation"][1],
            choice_threshold_num=pol["choice"][0],
            choice_threshold_den=pol["choice"][1],
            choice_base=pol["choice_base"],
            participation_num=pol["participation"][0],
            participation_den=pol["participation"][1],
            ordinary_pass_num=pol["ordinary"][0],
            ordinary_pass_den=pol["ordinary"][1],
            major_pass_num=pol["major"][0],
            major_pass_den=pol["major"][1],
        )
        building = f.BuildingFactory(compound=world.compound_a, name="9栋")
        people = [f.PersonFactory(division=world.community_a, name=f"业主{i}") for i in range(4)]
        developer = f.PersonFactory(
            division=world.community_a, name="开发商", is_developer=True, is_organization=True
        )
        registry = []
        for i, p in enumerate(parts):
            h = f.HouseholdFactory(
                building=building, unit="1", floor=i + 1, room=f"{i + 1}01", exclusive_area=p.area
            )
            for k, who in enumerate(p.owners):
                person = developer if who == 9 else people[who]
                f.OwnershipFactory(
                    person=person, household=h, kind=OwnershipKind.OWNER if k == 0 else OwnershipKind.CO_OWNER
                )
            registry.append((h.pk, p))
        ballot = make_ballot(street_user, world.compound_a, kind=kind, opened=False, options=OPTIONS[kind])
        services.open_ballot(ballot, street_user, missing_area_reason="测试：面积待核实")
        electors = reference_electors(kind, registry)
        assert sorted(sorted(e.household_ids) for e in ballot.electors.all()) == sorted(
            sorted(h) for h, _a in electors
        )
        n_options = len(OPTIONS[kind])
        votes = {
            hids: (None if c is None else c % n_options)
            for (hids, _a), c in zip(electors, choices, strict=False)
        }
        by_households = {frozenset(e.household_ids): e for e in ballot.electors.all()}
        options = list(ballot.options.all())
        for i, (hids, choice) in enumerate(votes.items()):
            if choice is not None:
                services.record_staff_vote(
                    user=street_user,
                    elector=by_households[hids],
                    option=options[choice],
                    paper_serial=f"P{i}",
                )
        result = services.tally(ballot)
        passed, valid, ayes = reference_verdict(kind, pol, electors, votes)
        assert (result.passed, result.valid, result.yes_count) == (passed, valid, ayes), result.as_text()
        assert result.eligible_area == sum((Decimal(p.area or 0) for _h, p in registry), Decimal("0"))
        transaction.set_rollback(True)
