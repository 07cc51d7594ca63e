"""The staff household page shows the household's card, in-home works bookings and problems reported from
its page (issues 13/16): scoped to the household, never the card's code, constant queries, and not for a
role that may not see residents' data."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.household_panels import panels_for
from consultations.models import Opinion
from consultations.residents import cards, reports
from projects import bookings
from projects.models import VisitSlot, WorkItem
from tests.residents.helpers import make_households
from tests.residents.menu_helpers import make_project

pytestmark = pytest.mark.django_db

KEYS = {"card", "bookings", "reports"}


def _page(user, household) -> str:
    c = Client()
    c.force_login(user)
    response = c.get(household.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _panel(body: str, key: str) -> str:
    assert f'id="panel-{key}"' in body, key
    return body.split(f'id="panel-{key}"')[1].split("</section>")[0]


def _item(user, compound, name):
    project = make_project(user, compound)
    return WorkItem.objects.create(project=project, name=name, needs_home_entry=True)


def _slots(item, user, n=4):
    day = timezone.localdate() + dt.timedelta(days=1)
    return bookings.publish_slots(
        item, user, day=day, start=dt.time(9), end=dt.time(9 + n), minutes=60, capacity=50
    )


@pytest.fixture
def home(world, street_user):
    h, other = make_households(world.compound_a, n=2)
    codes = cards.issue_cards([h.pk, other.pk], street_user)
    cards.reissue_card(h, street_user)
    item = _item(street_user, world.compound_a, "更换外窗")
    first, second = _slots(item, street_user)[:2]
    done = bookings.book(h, first)
    past = dt.timedelta(days=2)  # the visit's time has come (slots are only booked ahead): it may be marked
    VisitSlot.objects.filter(pk=first.pk).update(starts_at=F("starts_at") - past, ends_at=F("ends_at") - past)
    bookings.mark(done, "nobody_home", street_user)
    bookings.book(h, second)
    pipes = _item(street_user, world.compound_a, "入户管道改造")
    bookings.book(other, _slots(pipes, street_user)[0])  # the other household's: not on h's page
    answered = reports.report_problem(h, category="lighting", content="楼道灯不亮")
    Opinion.objects.filter(pk=answered.pk).update(answered_at=timezone.now())
    reports.report_problem(h, category="drainage", content="下水道堵了")
    reports.report_problem(other, category="elevator", content="电梯坏了")
    return h, other, {c.household_id: c.code for c in codes}


def test_household_page_shows_its_card_bookings_and_reports(home, secretary_a):
    h, other, codes = home
    body = _page(secretary_a, h)
    card = _panel(body, "card")
    assert "已发放" in card and "第2张" in card and "已补发" in card
    assert codes[h.pk] not in body and codes[other.pk] not in body  # never a code
    booked = _panel(body, "bookings")
    assert booked.count("更换外窗") == 2 and "无人在家" in booked and "已预约" in booked
    assert "入户管道改造" not in body
    reported = _panel(body, "reports")
    assert "照明" in reported and "排水" in reported and "已答复" in reported and "未答复" in reported
    assert "电梯" not in reported


def test_household_without_card_or_anything(world, secretary_a):
    (h,) = make_households(world.compound_a, building_name="9栋", n=1)
    body = _page(secretary_a, h)
    assert "尚未发放户卡" in _panel(body, "card")
    assert "没有入户施工预约" in _panel(body, "bookings")
    assert "没有从户页反映的问题" in _panel(body, "reports")


def test_contractor_and_other_community_do_not_get_the_panels(home, contractor, secretary_b):
    h, _other, _codes = home
    assert not KEYS & {p.key for p in panels_for(contractor, h)}
    c = Client()
    c.force_login(contractor)
    body = c.get(h.get_absolute_url()).content.decode()
    assert not any(f'id="panel-{k}"' in body for k in KEYS)
    c.force_login(secretary_b)
    assert c.get(h.get_absolute_url()).status_code == 404  # the page's own scope


def _more_reports(world, h, n):
    Opinion.objects.bulk_create(
        Opinion(
            compound=world.compound_a,
            household=h,
            source="household_page",
            category="roads",
            content=f"路{i}",
        )
        for i in range(n)
    )


def test_constant_queries_with_more_rows(
    home, world, street_user, secretary_a, django_assert_max_num_queries
):
    h, _other, _codes = home
    _more_reports(world, h, 25)  # cut to a page already: the panels' COUNTs are in the baseline
    c = Client()
    c.force_login(secretary_a)
    with CaptureQueriesContext(connection) as few:
        assert c.get(h.get_absolute_url()).status_code == 200
    for n in range(4):
        item = _item(street_user, world.compound_a, f"外墙保温{n}")
        bookings.book(h, _slots(item, street_user, n=1)[0])
    _more_reports(world, h, 25)
    with django_assert_max_num_queries(len(few)):
        body = c.get(h.get_absolute_url()).content.decode()
    assert "外墙保温3" in _panel(body, "bookings")
    assert ">52<" in _panel(body, "reports").split("</h2>")[0]
