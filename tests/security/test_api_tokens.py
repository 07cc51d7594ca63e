"""Tokens and throttles (issue 11): an API token is revoked when its user's password changes or the
user is deactivated; the token endpoint's throttle does not trust a client-sent X-Forwarded-For."""

import uuid

import pytest
from django.core.cache import cache
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"security-{uuid.uuid4().hex}",
        }
    }
    yield cache


def token_client(user):
    _instance, token = AuthToken.objects.create(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_password_change_revokes_tokens(street_user):
    client = token_client(street_user)
    assert client.get("/api/v1/people/").status_code == 200
    street_user.set_password("a new long passphrase 2026")
    street_user.save()
    assert client.get("/api/v1/people/").status_code == 401
    assert not AuthToken.objects.filter(user=street_user).exists()


def test_deactivation_revokes_tokens_for_good(street_user):
    client = token_client(street_user)
    street_user.is_active = False
    street_user.save(update_fields=["is_active"])
    assert not AuthToken.objects.filter(user=street_user).exists()
    street_user.is_active = True
    street_user.save()
    assert client.get("/api/v1/people/").status_code == 401  # reactivating does not bring it back


def test_other_saves_keep_tokens(street_user):
    client = token_client(street_user)
    street_user.first_name = "建国"
    street_user.save()
    street_user.save(update_fields=["last_login"])
    assert client.get("/api/v1/people/").status_code == 200


def test_password_change_through_the_page_revokes_tokens(client, world):
    user = f.UserFactory(username="pw_user")
    user.set_password("old long passphrase 2026")
    user.save()
    api = token_client(user)
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "old long passphrase 2026",
            "new_password1": "new long passphrase 2027",
            "new_password2": "new long passphrase 2027",
        },
    )
    assert response.status_code == 302
    assert api.get("/api/v1/people/").status_code == 401


def test_token_throttle_ignores_client_sent_forwarded_for(api_client, settings):
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_HOPS == 0
    statuses = [
        api_client.post(
            "/api/v1/auth/token/",
            {"username": f"nobody{i}", "password": "wrong"},
            format="json",
            REMOTE_ADDR="198.51.100.90",
            HTTP_X_FORWARDED_FOR=f"10.{i}.0.1",
        ).status_code
        for i in range(21)
    ]
    assert statuses[:20] == [400] * 20 and statuses[20] == 429
