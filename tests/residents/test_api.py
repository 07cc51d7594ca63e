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
