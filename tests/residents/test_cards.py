"""Household cards: hashed codes, reissue voids the old one, guessing is throttled, the page shows only
the household's own things, printing is a background job making an A4 PDF."""

import shutil
import subprocess

import pytest
from django.core.cache import cache

from communities.models import BackgroundJob
from consultations.residents import cards
from consultations.residents.models import HouseholdCard
from tests import factories as f
from tests.residents.helpers import card_codes, make_households

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_codes_are_long_random_and_stored_hashed(world, street_user):
    households = make_households(world.compound_a)
    codes = card_codes(households, street_user)
    assert len(codes) == 4 and len(set(codes.values())) == 4
    for hid, code in codes.items():
        assert len(code) == 16 and set(code) <= set(cards.CODE_ALPHABET)
        card = HouseholdCard.objects.get(household_id=hid)
        assert code not in card.code_hash and card.code_hash == cards.hash_code(code)
        assert cards.find_household(cards.format_code(code).lower()).pk == hid


def test_second_issue_skips_carded_households_and_reissue_voids_the_old_code(world, street_user):
    households = make_households(world.compound_a, n=2)
    first = card_codes(households, street_user)
    assert cards.issue_cards([h.pk for h in households], street_user) == []
    new = cards.reissue_card(households[0], street_user)
    assert new.version == 2 and new.code != first[households[0].pk]
    assert cards.find_household(first[households[0].pk]) is None  # the old card stopped working
    assert cards.find_household(new.code).pk == households[0].pk
    assert cards.find_household(first[households[1].pk]).pk == households[1].pk  # others untouched


def test_only_the_compounds_editors_issue_cards(world, secretary_b, grid_worker_a):
    from django.core.exceptions import PermissionDenied

    households = make_households(world.compound_a, n=1)
    for user in (secretary_b, grid_worker_a):
        with pytest.raises(PermissionDenied):
            cards.issue_cards([households[0].pk], user)
    assert not HouseholdCard.objects.exists()


def test_page_opens_with_the_code_without_an_account(client, world, street_user):
    households = make_households(world.compound_a, n=1)
    code = card_codes(households)[households[0].pk]
    response = client.get(f"/h/{code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "民居巷血防站" in html and "1栋 1单元 101" in html
    assert response["Referrer-Policy"] == "same-origin" and "no-cache" in response["Cache-Control"]
    assert "<script" not in html.split("</main>")[0].split("<main")[-1]  # the content needs no script
    # typed from the card, with dashes and in lower case
    typed = client.post("/h/", {"code": cards.format_code(code).lower()})
    assert typed.status_code == 302 and typed["Location"] == f"/h/{code}/"


def test_wrong_codes_are_throttled_per_address_and_right_codes_never_count(client, world, settings):
    households = make_households(world.compound_a, n=1)
    code = card_codes(households)[households[0].pk]
    for _ in range(30):
        assert client.get(f"/h/{code}/").status_code == 200  # a right code never counts
    # a resident mistyping their own code pauses that prefix only
    typo = code[:4] + ("2" if code[4] != "2" else "3") + code[5:]
    for _ in range(settings.HOUSEHOLD_CODE_FAILURES_PER_PREFIX - 1):
        assert client.get(f"/h/{typo}/").status_code == 404
    assert client.get(f"/h/{typo}/").status_code == 429
    assert client.get(f"/h/{code}/").status_code == 429  # same prefix, same address: wait
    # a guesser varying the prefix pauses the whole address
    cache.clear()
    for i in range(settings.HOUSEHOLD_CODE_FAILURES_PER_ADDRESS - 1):
        guess = cards.CODE_ALPHABET[i % 31] + cards.CODE_ALPHABET[i // 31] + "ZZ" + "2" * 12
        assert client.get(f"/h/{guess}/").status_code == 404
    response = client.get(f"/h/{'Y' * 16}/")
    assert response.status_code == 429 and "太多" in response.content.decode()
    assert client.get(f"/h/{code}/").status_code == 429
    # another address is not held up by this one
    assert client.get(f"/h/{code}/", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_page_shows_nothing_of_other_households(client, world, street_user):
    mine, other = make_households(world.compound_a, n=2)
    neighbour = f.PersonFactory(name="邻居王大妈", phone="13800001234", division=world.community_a)
    f.OwnershipFactory(person=neighbour, household=other)
    me = f.PersonFactory(name="本户李师傅", phone="13900005678", division=world.community_a)
    f.OwnershipFactory(person=me, household=mine)
    from consultations.services import record_opinion

    record_opinion(
        user=street_user, compound=world.compound_a, household=other, category="parking",
        content="邻居的停车意见", source="visit",
    )  # fmt: skip
    code = card_codes([mine])[mine.pk]
    html = client.get(f"/h/{code}/").content.decode()
    for secret in (
        "邻居王大妈",
        "13800001234",
        "0001234",
        "邻居的停车意见",
        other.room + "<",
        "本户李师傅",
        "13900005678",
    ):
        assert secret not in html, secret


def test_staff_print_cards_as_a_pdf_job(client, world, street_user, django_capture_on_commit_callbacks):
    make_households(world.compound_a, n=3)
    make_households(world.compound_a, building_name="2栋", n=2)
    client.force_login(street_user)
    page = client.get(f"/residents/cards/?compound={world.compound_a.pk}")
    assert page.status_code == 200 and "2栋" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/residents/cards/?compound={world.compound_a.pk}", {})
    assert response.status_code == 302
    job = BackgroundJob.objects.get(kind="household_cards")
    assert job.status == "succeeded", job.message
    assert job.result == {"cards": 5} and job.total == job.done
    data = job.result_file.read()
    assert data.startswith(b"%PDF-")
    assert HouseholdCard.objects.count() == 5
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
        ).stdout.decode()
        assert "2栋 1单元 201" in text and "户码" in text
        codes = [
            line.strip() for line in text.splitlines() if line.count("-") == 3 and len(line.strip()) == 19
        ]
        assert len(codes) == 5 and all(cards.find_household(c) for c in codes)


def test_staff_of_another_community_cannot_print_here(client, world, secretary_b):
    make_households(world.compound_a, n=1)
    client.force_login(secretary_b)
    assert client.get(f"/residents/cards/?compound={world.compound_a.pk}").status_code == 404
    assert client.post(f"/residents/cards/?compound={world.compound_a.pk}", {}).status_code == 404
    assert not BackgroundJob.objects.filter(kind="household_cards").exists()


def test_reissue_one_card_from_the_page(client, world, street_user, django_capture_on_commit_callbacks):
    households = make_households(world.compound_a, n=2)
    old = card_codes(households)
    client.force_login(street_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/residents/cards/household/{households[0].pk}/reissue/")
    job = BackgroundJob.objects.get(kind="household_cards")
    assert job.result == {"cards": 1}
    assert cards.find_household(old[households[0].pk]) is None
    assert cards.find_household(old[households[1].pk]) is not None
