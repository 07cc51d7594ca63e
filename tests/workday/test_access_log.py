"""Who saw what (issue 13): the access-log page for auditors, scoped, filtered, grouped, paginated."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from communities import access
from communities.models import AccessLog
from projects import services as project_services
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = "/access-log/"


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


class _Member:
    def __init__(self, pk):
        self.pk, self.phone = pk, "13800001111"


def _contacts(user, times: int, object_type="projects.branchmember", language="zh-hans"):
    with translation.override(language):
        for _i in range(times):
            project_services.record_contact_phones_shown(user, object_type, [_Member(1), _Member(2)])


def _reveal(user, pk: int, reason="核实产权"):
    access.record(
        user=user,
        action=AccessLog.Action.REVEAL,
        object_type="person",
        object_ids=[pk],
        fields="phone,id_number",
        reason=reason,
    )


@pytest.fixture
def street_b_user(world):
    user = f.UserFactory(username="street_b", first_name="宋街道")
    f.RoleAssignmentFactory(user=user, role="street_staff", division=world.street_b)
    return user


@pytest.fixture
def log(world, secretary_a, street_user, street_b_user, district_admin):
    secretary_a.first_name = "陈书记"
    secretary_a.save()
    _contacts(secretary_a, 5)
    _contacts(secretary_a, 2, language="en")  # written in English: still the same working contact
    _reveal(secretary_a, 12)
    _reveal(street_b_user, 13)
    _reveal(district_admin, 14)
    return AccessLog.objects.count()


def _lines(response):
    return response.content.decode().count('class="access-line')


def test_who_may_read_it(world, log, secretary_a, grid_worker_a, contractor, street_user, district_admin):
    for user in (secretary_a, grid_worker_a, contractor):
        assert _client(user).get(URL).status_code == 403
    assert _client(street_user).get(URL).status_code == 200
    assert _client(district_admin).get(URL).status_code == 200


def test_scope_street_sees_its_area_only(world, log, street_user, district_admin):
    body = _client(street_user).get(URL).content.decode()
    assert "陈书记" in body and "宋街道" not in body and "district_admin" not in body
    body = _client(district_admin).get(URL).content.decode()
    assert "陈书记" in body and "宋街道" in body


def test_working_contacts_grouped_per_user_kind_and_day(world, log, district_admin):
    response = _client(district_admin).get(URL)
    body = response.content.decode()
    assert body.count("access-grouped") == 1  # 7 page views of branch members' phones: one line
    assert 'data-count="7"' in body and "7 次" in body
    assert "支部党员联系方式" in body and "访问记录" in body
    assert _lines(response) == 4  # the grouped line + three reveals


def test_filters(world, log, secretary_a, district_admin):
    client = _client(district_admin)
    assert _lines(client.get(URL, {"person": secretary_a.pk})) == 2
    assert _lines(client.get(URL, {"kind": "person", "number": 12})) == 1
    assert _lines(client.get(URL, {"kind": "person"})) == 3
    assert _lines(client.get(URL, {"number": 12})) == 1
    assert _lines(client.get(URL, {"number": 1})) == 1  # the contacts named 1 and 2, not 12 or 14
    assert _lines(client.get(URL, {"kind": "projects.branchmember", "number": 2})) == 1
    today = timezone.localdate()
    assert _lines(client.get(URL, {"since": today.isoformat(), "until": today.isoformat()})) == 4
    assert _lines(client.get(URL, {"since": (today + datetime.timedelta(days=1)).isoformat()})) == 0
    assert _lines(client.get(URL, {"until": (today - datetime.timedelta(days=1)).isoformat()})) == 0
    bad = client.get(URL, {"since": "not-a-date"})
    assert bad.status_code == 200 and "invalid-feedback" in bad.content.decode()


def test_paginated_with_constant_queries(world, log, secretary_a, district_admin):
    client = _client(district_admin)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for i in range(60):
        _reveal(secretary_a, 100 + i)
        _contacts(secretary_a, 1, object_type="projects.projectparty")
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(few) == len(many)
    assert _lines(response) == 25 and "page=2" in response.content.decode()
