"""404 / 403 / 500 / CSRF pages in Chinese with DEBUG on or off (issue 13)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

CASES = [
    ("/no-such-page/", 404, "页面不存在"),
    ("/test-errors/missing/", 404, "页面不存在"),
    ("/test-errors/forbidden/", 403, "无权操作"),
    ("/test-errors/boom/", 500, "系统出错了"),
]


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    settings.ROOT_URLCONF = "tests.workday.error_urls"
    return request.param


@pytest.mark.parametrize(("url", "status", "text"), CASES)
def test_error_pages_are_chinese(debug, secretary_a, url, status, text):
    client = Client(raise_request_exception=False)
    client.force_login(secretary_a)
    response = client.get(url)
    assert response.status_code == status
    body = response.content.decode()
    assert text in body
    for leak in (
        "Traceback",
        "kaboom-internal-detail",
        "secret-internal-detail",
        "Using the URLconf",
        "DEBUG = True",
    ):
        assert leak not in body


def test_anonymous_404_is_chinese_too(debug):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_csrf_refusal_is_chinese(debug, secretary_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretary_a)
    response = client.post("/consultations/opinions/new/", {"content": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "表单已过期" in body and "CSRF verification failed" not in body


def test_technical_pages_on_request(settings):
    settings.DEBUG = True
    settings.TECHNICAL_ERROR_PAGES = True
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" not in response.content.decode()


def test_api_errors_stay_json(debug, secretary_a):
    client = Client()
    client.force_login(secretary_a)
    response = client.get("/api/v1/households/999999/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
