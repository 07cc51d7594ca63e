import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from supervision.overview import services

from .builders import build_random


@pytest.fixture
def year():
    return timezone.localdate().year


@pytest.fixture
def data(world, year):
    """Random data of this year over the world, rolled up."""
    now = timezone.now()
    built = build_random(world, seed=11, year=year, now=now - datetime.timedelta(minutes=1))
    services.refresh(full=True, now=now)
    return built


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", password="pass-Renovation-2026")
