"""Chinese everywhere a user looks (issue 13): 「匿名」, people's names, 层, one unit symbol m²."""

import pytest
from django.test import Client
from django.urls import reverse

from consultations.models import Notice, NoticeObjection
from tests import factories as f
from tests.ballots.factories import make_ballot, make_households
from tests.consultations.factories import VisitFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_anonymous_objector_is_niming(world, secretary_a):
    notice = Notice.objects.create(title="改造方案公示", body="…", division=world.community_a, period_days=7)
    NoticeObjection.objects.create(notice=notice, text="不同意拆除车棚")
    body = _client(secretary_a).get(notice.get_absolute_url()).content.decode()
    assert "匿名" in body and "anonymous" not in body


def test_floors_say_ceng(world, secretary_a):
    households = make_households(world.compound_a, building_name="2栋")
    building = households[0].building
    for url in (
        reverse("consultations:building_grid", args=[building.pk]),
        building.get_absolute_url(),
    ):
        body = _client(secretary_a).get(url).content.decode()
        assert "1层" in body and ">1F<" not in body, url


def test_people_named_not_usernames(world, secretary_a, grid_worker_a):
    grid_worker_a.first_name = "王网格"
    grid_worker_a.save()
    secretary_a.first_name, secretary_a.last_name = "丽", "陈"
    secretary_a.save()
    visit = VisitFactory(household=f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_a)))
    visit.visitor = grid_worker_a
    visit.save()
    client = _client(secretary_a)
    for url in (reverse("consultations:visit_list"), visit.get_absolute_url()):
        body = client.get(url).content.decode()
        assert "王网格" in body and "grid_a" not in body, url
    home = client.get(reverse("home")).content.decode()
    assert "陈丽" in home and "secretary_a" not in home  # the user menu


def test_one_area_symbol(world, secretary_a):
    make_households(world.compound_a)
    ballot = make_ballot(secretary_a, world.compound_a, title="加装电梯", kind="renovation_consent")
    body = _client(secretary_a).get(ballot.get_absolute_url()).content.decode()
    assert "m²" in body and "㎡" not in body
