"""Menu pages: a resident answers from the household page (no account, no script), staff create, open,
enter paper sheets, read results and turn reached items into work items."""

import pytest
from django.core.cache import cache

from consultations.residents import menus
from consultations.residents.models import MenuResponse, MenuSurvey
from projects.models import CatalogItem, WorkItem
from tests.residents.helpers import card_codes, make_households
from tests.residents.menu_helpers import ensure_catalog, make_project, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def test_resident_answers_and_changes_the_menu(client, world, street_user):
    households = make_households(world.compound_a, n=2)
    code = card_codes(households)[households[0].pk]
    survey = make_survey(street_user, world.compound_a)
    home = client.get(f"/h/{code}/").content.decode()
    assert f"/h/{code}/menu/{survey.pk}/" in home
    page = client.get(f"/h/{code}/menu/{survey.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "本次改造都包含" in html
    a, b = [i.pk for i in menus.choice_items(survey)]
    assert "200.00" in html  # the residents' share is shown
    refused = client.post(f"/h/{code}/menu/{survey.pk}/", {f"item-{a}": "want"})
    assert refused.status_code == 400 and not MenuResponse.objects.exists()
    saved = client.post(f"/h/{code}/menu/{survey.pk}/", {f"item-{a}": "want", f"item-{b}": "dont_want"})
    assert saved.status_code == 302
    client.post(f"/h/{code}/menu/{survey.pk}/", {f"item-{a}": "dont_want", f"item-{b}": "want"})
    assert menus.household_answers(survey, households[0]) == {a: "dont_want", b: "want"}
    page = client.get(f"/h/{code}/menu/{survey.pk}/").content.decode()
    assert f'value="want" id="item-{b}-want" required checked' in page


def test_a_survey_of_another_compound_is_not_found(client, world, street_user):
    mine = make_households(world.compound_a, n=1)
    code = card_codes(mine)[mine[0].pk]
    make_households(world.compound_b, n=1)
    from communities.choices import Role
    from tests.conftest import _user

    other_staff = _user("street_b", Role.STREET_STAFF, world.street_a)
    survey = make_survey(other_staff, world.compound_b)
    assert client.get(f"/h/{code}/menu/{survey.pk}/").status_code == 404


def test_staff_create_open_paper_results_and_work_items(client, world, street_user):
    ensure_catalog()
    households = make_households(world.compound_a, n=2)
    project = make_project(street_user, world.compound_a)
    client.force_login(street_user)
    form = client.get("/residents/surveys/new/")
    assert form.status_code == 200 and f"{project.pk}:{world.compound_a.pk}" in form.content.decode()
    basic = CatalogItem.objects.filter(category="basic").first()
    choice = CatalogItem.objects.filter(category="improvement").first()
    response = client.post(
        "/residents/surveys/new/",
        {
            "place": f"{project.pk}:{world.compound_a.pk}",
            "title": "菜单式改造征询",
            "closes_at": "2099-01-01T18:00",
            f"item-{basic.pk}": "1",
            f"item-{choice.pk}": "1",
            f"share-{choice.pk}": "150",
        },
    )
    survey = MenuSurvey.objects.get()
    assert response.status_code == 302 and survey.items.count() == 2
    client.post(f"/residents/surveys/{survey.pk}/open/")
    survey.refresh_from_db()
    assert survey.status == "open"
    item = menus.choice_items(survey)[0]
    for h in households:
        client.post(f"/residents/surveys/{survey.pk}/paper/", {"household": h.pk, f"item-{item.pk}": "want"})
    assert MenuResponse.objects.filter(channel="paper").count() == 2
    html = client.get(f"/residents/surveys/{survey.pk}/").content.decode()
    assert "100.00%" in html and "共 2 户，2 户已作答" in html
    client.post(f"/residents/surveys/{survey.pk}/close/")
    client.post(f"/residents/surveys/{survey.pk}/work-items/")
    work_item = WorkItem.objects.get(project=project)
    assert work_item.catalog_item == choice and work_item.menu_items.get().survey == survey


def test_other_community_staff_cannot_see_or_manage(client, world, street_user, secretary_b):
    make_households(world.compound_a, n=1)
    survey = make_survey(street_user, world.compound_a)
    client.force_login(secretary_b)
    assert client.get(f"/residents/surveys/{survey.pk}/").status_code == 404
    assert client.post(f"/residents/surveys/{survey.pk}/close/").status_code == 404
    assert survey.title not in client.get("/residents/surveys/").content.decode()
