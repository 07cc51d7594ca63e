"""Every full number shown is logged (issue 11).

- `PATCH /api/v1/people/<id>/?unmask=true` with `{}` (or a PUT, or a POST) showed the full phone and ID
  with no access-log row. Chosen: only an explicit read (GET with `?unmask=true`) shows full numbers,
  and it is logged; a write answers masked (its answer may also be kept for an idempotent replay).
- An objector's contact from the public notice page was shown in full to street and district staff
  (page and API) with no reveal step: now masked, revealed with a reason on the page and with
  `?unmask=true` in the API, logged like other reveals."""

import pytest

from communities.models import AccessLog
from consultations import services as consultation_services
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(world):
    return f.PersonFactory(division=world.community_a, name="赵六", phone="13812345678")


@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_write_with_unmask_answers_masked_and_unlogged(api_as, street_user, resident, method):
    """Chosen: only an explicit read shows full numbers (and is logged); a write answers masked."""
    client = api_as(street_user)
    body = {} if method == "patch" else {"name": "赵六", "division": resident.division_id}
    response = getattr(client, method)(f"/api/v1/people/{resident.pk}/?unmask=true", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "138****5678" and "*" in response.json()["id_number"]
    assert not AccessLog.objects.exists()
    resident.refresh_from_db()
    assert resident.phone == "13812345678"  # the masked value sent back by PUT kept the number


def test_a_create_with_unmask_answers_masked_even_on_replay(api_as, street_user, world):
    client = api_as(street_user)
    body = {"name": "钱七", "division": world.community_a.pk, "phone": "13900002222"}
    first = client.post("/api/v1/people/?unmask=true", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == 201 and first.json()["phone"] == "139****2222"
    replay = client.post("/api/v1/people/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert replay.json()["phone"] == "139****2222"
    assert not AccessLog.objects.exists()


def test_reading_back_with_unmask_is_logged(api_as, street_user, resident):
    client = api_as(street_user)
    client.patch(f"/api/v1/people/{resident.pk}/?unmask=true", {}, format="json")
    row = client.get(f"/api/v1/people/{resident.pk}/?unmask=true").json()
    assert row["phone"] == "13812345678"
    log = AccessLog.objects.get()
    assert log.user == street_user and log.object_type == "person" and log.object_id == str(resident.pk)


# --- objectors' contacts ---------------------------------------------------------------------------------


@pytest.fixture
def objection(world, district_admin):
    notice = consultation_services.publish_notice(
        compound=world.compound_a, title="公示", body="b", user=district_admin
    )
    return consultation_services.submit_objection(notice, text="异议", contact="13900001234")


@pytest.mark.parametrize("role", ["district_admin", "street_user", "secretary_a"])
def test_objector_contact_masked_in_the_api_until_revealed(request, api_as, objection, role):
    user = request.getfixturevalue(role)
    client = api_as(user)
    assert client.get(f"/api/v1/objections/{objection.pk}/").json()["contact"] == "139****1234"
    listed = client.get("/api/v1/objections/").json()["results"]
    assert [o["contact"] for o in listed] == ["139****1234"]
    assert not AccessLog.objects.exists()
    revealed = client.get(f"/api/v1/objections/{objection.pk}/?unmask=true").json()
    assert revealed["contact"] == "13900001234"
    log = AccessLog.objects.get()
    assert log.user == user and log.action == "reveal" and log.object_type == "objection"
    assert log.object_id == str(objection.pk) and log.fields == "contact"


def test_grid_worker_cannot_unmask_an_objector(api_as, grid_worker_a, objection):
    row = api_as(grid_worker_a).get(f"/api/v1/objections/{objection.pk}/?unmask=true").json()
    assert row["contact"] == "139****1234" and not AccessLog.objects.exists()


def test_handling_an_objection_answers_masked(api_as, secretary_a, objection):
    response = api_as(secretary_a).post(
        f"/api/v1/objections/{objection.pk}/handle/",
        {"status": "upheld", "handling": "已采纳"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["contact"] == "139****1234" and not AccessLog.objects.exists()


def test_objector_contact_masked_on_the_page_with_a_reveal_step(client, street_user, objection):
    client.force_login(street_user)
    url = f"/consultations/notices/{objection.notice_id}/"
    page = client.get(url).content.decode()
    assert "139****1234" in page and "13900001234" not in page
    assert "显示完整联系方式" in page
    refused = client.post(url + "reveal/", {"reason": ""})
    assert refused.status_code == 400 and "13900001234" not in refused.content.decode()
    assert not AccessLog.objects.exists()
    shown = client.post(url + "reveal/", {"reason": "回访异议人"})
    assert shown.status_code == 200 and "13900001234" in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    log = AccessLog.objects.get()
    assert log.object_type == "objection" and log.reason == "回访异议人" and log.fields == "contact"


def test_grid_worker_has_no_reveal_on_the_page(client, grid_worker_a, objection):
    client.force_login(grid_worker_a)
    url = f"/consultations/notices/{objection.notice_id}/"
    assert "显示完整联系方式" not in client.get(url).content.decode()
    assert client.post(url + "reveal/", {"reason": "x"}).status_code == 403
    assert not AccessLog.objects.exists()
