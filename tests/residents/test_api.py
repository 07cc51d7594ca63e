"""API: household cards (list, print, reissue) for staff; the household page for the code's holder."""

import pytest
from django.core.cache import cache

from communities.models import BackgroundJob
from consultations.residents import cards
from tests.residents.helpers import card_codes, make_households

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def test_cards_list_is_scoped_and_never_shows_codes(
    api_as, world, street_user, secretary_b, django_assert_max_num_queries
):
    households = make_households(world.compound_a, n=3)
    card_codes(households)
    with django_assert_max_num_queries(8):
        data = api_as(street_user).get("/api/v1/household-cards/").json()
    assert data["count"] == 3 and "code" not in data["results"][0] and "code_hash" not in data["results"][0]
    assert api_as(secretary_b).get("/api/v1/household-cards/").json()["count"] == 0
    assert api_as(None).get("/api/v1/household-cards/").status_code in (401, 403)


def test_print_and_reissue_over_the_api(
    api_as, world, street_user, secretary_b, django_capture_on_commit_callbacks
):
    households = make_households(world.compound_a, n=2)
    client = api_as(street_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/household-cards/print/", {"compound": world.compound_a.pk}, format="json"
        )
    assert response.status_code == 202
    assert BackgroundJob.objects.get(pk=response.json()["id"]).status == "succeeded"
    reissued = client.post("/api/v1/household-cards/reissue/", {"household": households[0].pk}, format="json")
    assert reissued.status_code == 200
    body = reissued.json()
    assert body["version"] == 2 and body["url"].endswith("/h/" + cards.normalize_code(body["code"]) + "/")
    assert cards.find_household(body["code"]).pk == households[0].pk
    other = api_as(secretary_b)
    assert (
        other.post(
            "/api/v1/household-cards/reissue/", {"household": households[0].pk}, format="json"
        ).status_code
        == 404
    )
    assert (
        other.post(
            "/api/v1/household-cards/print/", {"compound": world.compound_a.pk}, format="json"
        ).status_code
        == 404
    )


def test_household_page_api_takes_the_code(api_client, world):
    households = make_households(world.compound_a, n=2)
    code = card_codes(households)[households[0].pk]
    response = api_client.get("/api/v1/household-page/", HTTP_X_HOUSEHOLD_CODE=cards.format_code(code))
    assert response.status_code == 200
    assert response.json()["household"]["label"] == "1栋 1单元 101"
    assert api_client.get("/api/v1/household-page/", HTTP_X_HOUSEHOLD_CODE="X" * 16).status_code == 404
    for i in range(25):
        api_client.get("/api/v1/household-page/", HTTP_X_HOUSEHOLD_CODE=f"{i:02d}YY" + "Y" * 12)
    assert api_client.get("/api/v1/household-page/", HTTP_X_HOUSEHOLD_CODE=code).status_code == 429


def test_menu_survey_api_end_to_end(
    api_as, api_client, world, street_user, secretary_b, django_assert_max_num_queries
):
    from consultations.residents import menus
    from projects.models import CatalogItem, WorkItem
    from tests.residents.menu_helpers import ensure_catalog, make_project

    ensure_catalog()
    households = make_households(world.compound_a, n=3)
    codes = card_codes(households)
    project = make_project(street_user, world.compound_a)
    staff = api_as(street_user)
    basic = CatalogItem.objects.filter(category="basic").first()
    wanted = CatalogItem.objects.filter(category="improvement").first()
    body = {
        "project": project.pk,
        "compound": world.compound_a.pk,
        "title": "菜单",
        "closes_at": "2099-01-01T10:00:00+08:00",
        "items": [{"catalog_item": basic.pk}, {"catalog_item": wanted.pk, "resident_share": "120.00"}],
    }
    assert api_as(secretary_b).post("/api/v1/menu-surveys/", body, format="json").status_code in (403, 404)
    created = staff.post("/api/v1/menu-surveys/", body, format="json")
    assert created.status_code == 201, created.content
    sid = created.json()["id"]
    assert staff.post(f"/api/v1/menu-surveys/{sid}/open/").json()["status"] == "open"
    item = next(i for i in created.json()["items"] if not i["included"])["id"]
    for h in households[:2]:
        r = api_client.post(
            f"/api/v1/household-page/menu-surveys/{sid}/", {"answers": {str(item): "want"}}, format="json",
            HTTP_X_HOUSEHOLD_CODE=codes[h.pk],
        )  # fmt: skip
        assert r.status_code == 200 and r.json()["items"][1]["answer"] == "want"
    paper = staff.post(
        f"/api/v1/menu-surveys/{sid}/answers/",
        {"household": households[2].pk, "answers": {str(item): "dont_want"}},
        format="json",
    )
    assert paper.status_code == 200 and paper.json()["channel"] == "paper"
    bad = api_client.post(
        f"/api/v1/household-page/menu-surveys/{sid}/", {"answers": {str(item): "maybe"}}, format="json",
        HTTP_X_HOUSEHOLD_CODE=codes[households[0].pk],
    )  # fmt: skip
    assert bad.status_code == 400 and menus.household_answers(
        menus.MenuSurvey.objects.get(pk=sid), households[0]
    ) == {item: "want"}
    with django_assert_max_num_queries(10):
        results = staff.get(f"/api/v1/menu-surveys/{sid}/results/").json()
    row = results["items"][0]
    assert (row["want"], row["answered"], row["households"], row["share_answered"], row["reached"]) == (
        2,
        3,
        3,
        "66.67%",
        True,
    )
    assert staff.post(f"/api/v1/menu-surveys/{sid}/to-work-items/").status_code == 409  # still open
    staff.post(f"/api/v1/menu-surveys/{sid}/close/")
    made = staff.post(f"/api/v1/menu-surveys/{sid}/to-work-items/").json()["work_items"]
    assert WorkItem.objects.get(pk=made[0]).catalog_item == wanted
    with django_assert_max_num_queries(8):
        listed = staff.get("/api/v1/menu-surveys/").json()
    assert listed["count"] == 1 and api_as(secretary_b).get("/api/v1/menu-surveys/").json()["count"] == 0


def test_reports_over_the_api(api_client, world, street_user):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from consultations import services as cs
    from consultations.models import Opinion

    mine, other = make_households(world.compound_a, n=2)
    codes = card_codes([mine, other])
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 90, 0)).save(out, "JPEG")
    photo = SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")
    body = {"category": "drainage", "content": "下水道堵了", "photos": [photo]}
    made = api_client.post(
        "/api/v1/household-page/reports/", body, format="multipart", HTTP_X_HOUSEHOLD_CODE=codes[mine.pk]
    )
    assert made.status_code == 201 and made.json()["photos"] == 1
    opinion = Opinion.objects.get()
    assert (
        api_client.get("/api/v1/household-page/reports/", HTTP_X_HOUSEHOLD_CODE=codes[other.pk]).json() == []
    )
    refused = api_client.post(
        f"/api/v1/household-page/reports/{opinion.pk}/rate/", {"rating": "satisfied"}, format="json",
        HTTP_X_HOUSEHOLD_CODE=codes[mine.pk],
    )  # fmt: skip
    assert refused.status_code == 409  # not resolved yet
    cs.transition_opinion(opinion, "accepted", user=street_user)
    cs.transition_opinion(opinion, "resolved", user=street_user, answer="已疏通")
    rated = api_client.post(
        f"/api/v1/household-page/reports/{opinion.pk}/rate/", {"rating": "satisfied"}, format="json",
        HTTP_X_HOUSEHOLD_CODE=codes[mine.pk],
    )  # fmt: skip
    assert (
        rated.status_code == 200
        and rated.json()["rating"] == "satisfied"
        and rated.json()["answer"] == "已疏通"
    )


def test_every_public_household_endpoint_refuses_a_wrong_code(api_client, world):
    make_households(world.compound_a, n=1)
    for method, path in [
        ("get", "/api/v1/household-page/"),
        ("get", "/api/v1/household-page/menu-surveys/1/"),
        ("post", "/api/v1/household-page/menu-surveys/1/"),
        ("get", "/api/v1/household-page/reports/"),
        ("post", "/api/v1/household-page/reports/"),
        ("post", "/api/v1/household-page/reports/1/rate/"),
        ("get", "/api/v1/household-page/visits/"),
        ("post", "/api/v1/household-page/visits/"),
        ("post", "/api/v1/household-page/visits/1/cancel/"),
    ]:
        cache.clear()
        response = getattr(api_client, method)(path, {}, format="json", HTTP_X_HOUSEHOLD_CODE="A" * 16)
        assert response.status_code == 404, (method, path, response.status_code)


def test_admin_lists_of_the_new_models_open(client, world, django_user_model):
    admin = django_user_model.objects.create_superuser("root16", "r@example.com", "pass-Renovation-2026")
    client.force_login(admin)
    for path in [
        "/admin/residents/householdcard/",
        "/admin/residents/menusurvey/",
        "/admin/residents/menupolicy/",
        "/admin/residents/reportphoto/",
        "/admin/projects/visitslot/",
        "/admin/projects/visitbooking/",
        "/admin/communities/notification/",
    ]:
        assert client.get(path).status_code == 200, path


def test_a_report_resent_with_the_same_idempotency_key_is_made_once(api_client, world):
    """A phone on a poor network resends the report: with the same Idempotency-Key the household gets
    the first answer again and one report; another household's same key is its own; errors are not kept."""
    from consultations.models import Opinion

    mine, other = make_households(world.compound_a, n=2)
    codes = card_codes([mine, other])
    url = "/api/v1/household-page/reports/"
    body = {"category": "drainage", "content": "下水道堵了"}

    def send(household, key, data=body):
        return api_client.post(
            url, data, format="json", HTTP_X_HOUSEHOLD_CODE=codes[household.pk], HTTP_IDEMPOTENCY_KEY=key
        )

    first, again = send(mine, "k-1"), send(mine, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replay"] == "true"
    assert Opinion.objects.filter(household=mine).count() == 1
    theirs = send(other, "k-1")  # the same key from another household is another report
    assert theirs.status_code == 201 and "Idempotent-Replay" not in theirs.headers
    assert Opinion.objects.filter(household=other).count() == 1
    bad = send(mine, "k-2", {"category": "drainage", "content": ""})
    assert bad.status_code == 400
    # a refused write is not remembered: the corrected resend is made (another text: the same text
    # within minutes is taken for a resend of the first report even without a key)
    fixed = send(mine, "k-2", {"category": "drainage", "content": "楼道灯不亮"})
    assert fixed.status_code == 201 and "Idempotent-Replay" not in fixed.headers
    assert Opinion.objects.filter(household=mine).count() == 2
