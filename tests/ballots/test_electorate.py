"""Who votes: counting rules (SPC interpretation arts. 8-9) and the frozen electorate."""

from decimal import Decimal

import pytest
from django.utils import translation

from communities.choices import OwnershipKind
from consultations.ballots import services
from consultations.ballots.models import Elector
from tests import factories as f
from tests.ballots.factories import make_ballot, make_households

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (the Chinese catalog translates them on pages)."""
    with translation.override("en"):
        yield


def test_household_ballot_one_elector_per_household(world, street_user):
    households = make_households(
        world.compound_a, areas=[Decimal("50.00"), Decimal("60.00"), Decimal("70.00")]
    )
    ballot = make_ballot(street_user, world.compound_a)
    electors = list(ballot.electors.order_by("room"))
    assert len(electors) == 3
    assert [e.household_ids for e in electors] == [[h.pk] for h in households]
    assert electors[0].area == Decimal("50.00") and electors[0].area_source == "register"


def test_owner_counting_rules(world, street_user):
    hs = make_households(
        world.compound_a,
        areas=[
            Decimal("50.00"),
            Decimal("60.00"),
            Decimal("70.00"),
            Decimal("80.00"),
            Decimal("90.00"),
            Decimal("45.50"),
        ],
    )
    hs[5].exclusive_area, hs[5].area_source = Decimal("45.50"), "survey"
    hs[5].save()
    alice = f.PersonFactory(division=world.community_a, name="甲")
    bob = f.PersonFactory(division=world.community_a, name="乙")
    carol = f.PersonFactory(division=world.community_a, name="丙")
    developer = f.PersonFactory(
        division=world.community_a, name="开发商", is_organization=True, is_developer=True
    )
    # alice owns two parts alone -> once, with 110 m²
    f.OwnershipFactory(person=alice, household=hs[0])
    f.OwnershipFactory(person=alice, household=hs[1])
    # bob and carol co-own one part -> once
    f.OwnershipFactory(person=bob, household=hs[2])
    f.OwnershipFactory(person=carol, household=hs[2], kind=OwnershipKind.CO_OWNER)
    # the developer's unsold parts -> one owner together
    f.OwnershipFactory(person=developer, household=hs[3])
    f.OwnershipFactory(person=developer, household=hs[4])
    # a tenant is not an owner: hs[5] has no owner on record -> counts as its own owner
    f.OwnershipFactory(person=carol, household=hs[5], kind=OwnershipKind.TENANT)

    ballot = make_ballot(street_user, world.compound_a, kind="owners_ordinary")
    electors = {tuple(sorted(e.household_ids)): e for e in ballot.electors.all()}
    assert len(electors) == 4
    a = electors[(hs[0].pk, hs[1].pk)]
    assert a.area == Decimal("110.00") and a.part_count == 2 and a.person_id == alice.pk
    assert electors[(hs[2].pk,)].area == Decimal("70.00")
    d = electors[(hs[3].pk, hs[4].pk)]
    assert d.is_developer and d.area == Decimal("170.00")
    assert electors[(hs[5].pk,)].area_source == "survey"
    assert ballot.electorate_size == 4
    assert ballot.eligible_area == Decimal("395.50")


def test_electorate_is_frozen_at_opening(world, street_user):
    hs = make_households(world.compound_a)
    ballot = make_ballot(street_user, world.compound_a, kind="owners_major")
    before = {e.pk: (e.area, e.household_ids) for e in ballot.electors.all()}
    hs[0].exclusive_area = Decimal("999.00")
    hs[0].save()
    f.HouseholdFactory(building=hs[0].building, unit="1", room="701")
    after = {e.pk: (e.area, e.household_ids) for e in Elector.objects.filter(ballot=ballot)}
    assert before == after
    assert services.tally(ballot).eligible_count == 4


def test_scope_by_stairwell_unit_and_veto(world, street_user):
    unit1 = make_households(world.compound_a, building_name="3栋", unit="1")
    building = unit1[0].building
    unit2 = [f.HouseholdFactory(building=building, unit="2", room=f"{i}02", floor=i) for i in range(1, 4)]
    ballot = make_ballot(
        street_user,
        world.compound_a,
        kind="elevator_retrofit",
        scope_units=[{"building": building.pk, "unit": "2"}],
        occupied_households=[unit2[0]],
    )
    electors = list(ballot.electors.all())
    assert {e.household_ids[0] for e in electors} == {h.pk for h in unit2}
    assert [e.has_veto for e in electors if e.household_ids == [unit2[0].pk]] == [True]


def test_elevator_ballot_must_be_scoped_to_a_unit_or_building(world, street_user):
    make_households(world.compound_a)
    from communities.errors import DomainError

    with pytest.raises(DomainError, match="elevator"):
        make_ballot(street_user, world.compound_a, kind="elevator_retrofit", opened=False)


def test_rule_copied_from_policy_and_later_edits_do_not_change_it(world, street_user, district_admin):
    from consultations.ballots.models import RulePolicy

    policy = RulePolicy.objects.create(
        division=world.district,
        name="武宁县规则",
        effective_from="2020-01-01",
        consent_threshold_num=2,
        consent_threshold_den=3,
    )
    make_households(world.compound_a)
    ballot = make_ballot(street_user, world.compound_a, opened=False)
    assert (ballot.threshold_num, ballot.threshold_den, ballot.rule_policy) == (2, 3, policy)
    policy.consent_threshold_num = 1
    policy.save()
    ballot.refresh_from_db()
    assert (ballot.threshold_num, ballot.threshold_den) == (2, 3)


def test_secret_owners_decision_refused(world, street_user):
    from communities.errors import DomainError

    make_households(world.compound_a)
    with pytest.raises(DomainError, match=r"art\. 278"):
        make_ballot(street_user, world.compound_a, kind="owners_major", secret=True, opened=False)


def test_secretary_of_other_community_cannot_create(world, secretary_b):
    from django.core.exceptions import PermissionDenied

    make_households(world.compound_a)
    with pytest.raises(PermissionDenied):
        make_ballot(secretary_b, world.compound_a, opened=False)


def test_opening_writes_every_elector_field_as_checked(world, street_user):
    """The electorate is written with COPY (communities.bulk.copy_insert): every field of every
    elector is stored as the electorate check computed it (owners' decision: arrays, decimals, flags)."""
    hs = make_households(world.compound_a, areas=[Decimal("50.25"), Decimal("60.00"), Decimal("70.00")])
    hs[2].exclusive_area = None
    hs[2].save()
    owner = f.PersonFactory(division=world.community_a, name="甲")
    f.OwnershipFactory(person=owner, household=hs[0])
    f.OwnershipFactory(person=owner, household=hs[1])
    ballot = make_ballot(street_user, world.compound_a, kind="owners_ordinary", opened=False)
    expected = services.electorate_check(ballot).electors
    services.open_ballot(ballot, street_user, missing_area_reason="面积待测绘，按 0 计")
    fields = [fl.attname for fl in Elector._meta.concrete_fields if not fl.primary_key]
    stored = sorted(
        (tuple(getattr(e, n) for n in fields) for e in Elector.objects.filter(ballot=ballot)), key=str
    )
    assert stored == sorted((tuple(getattr(e, n) for n in fields) for e in expected), key=str)
    assert len(stored) == 2
    assert {tuple(e.household_ids) for e in Elector.objects.filter(ballot=ballot)} == {
        (hs[0].pk, hs[1].pk),
        (hs[2].pk,),
    }


def test_opening_records_each_elector_in_the_history_with_the_request_context(world, street_user):
    """The electorate is written by COPY; each elector still gets its insert event, carrying the
    context of the request that opened the ballot (who, from where)."""
    import pghistory
    from django.apps import apps

    make_households(world.compound_a)
    ballot = make_ballot(street_user, world.compound_a, opened=False)
    with pghistory.context(user=street_user.pk, url="/ballots/open/"):
        services.open_ballot(ballot, street_user)
    event_model = apps.get_model("ballots", "ElectorEvent")
    electors = set(Elector.objects.filter(ballot=ballot).values_list("pk", flat=True))
    events = list(event_model.objects.filter(ballot_id=ballot.pk).select_related("pgh_context"))
    assert len(electors) == 4
    assert {e.pgh_obj_id for e in events} == electors and {e.pgh_label for e in events} == {"insert"}
    assert all(e.pgh_context.metadata == {"user": street_user.pk, "url": "/ballots/open/"} for e in events)
