"""The project's URLs plus views that fail on purpose (tests/workday/test_error_pages.py)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path

from config.urls import handler500  # noqa: F401  (handler500 is used by Django)
from config.urls import urlpatterns as project_urls


def boom(request):
    raise RuntimeError("kaboom-internal-detail")


def forbidden(request):
    raise PermissionDenied


def missing(request):
    raise Http404("secret-internal-detail")


urlpatterns = [
    path("test-errors/boom/", boom),
    path("test-errors/forbidden/", forbidden),
    path("test-errors/missing/", missing),
    *project_urls,
]
