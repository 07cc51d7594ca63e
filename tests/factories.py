"""factory_boy factories for the registry; other apps keep theirs in tests/<app>/factories.py."""

import random
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from communities import choices, models
from communities.validators import id_number_check_digit


def make_id_number(seq: int) -> str:
    first17 = f"110101{1950 + seq % 50:04d}{1 + seq % 12:02d}{1 + seq % 28:02d}{seq % 1000:03d}"
    return first17 + id_number_check_digit(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pass-Renovation-2026")


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Division

    name = factory.Sequence(lambda n: f"社区{n}")
    level = choices.DivisionLevel.COMMUNITY
    parent = None


class CompoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Compound

    division = factory.SubFactory(DivisionFactory)
    name = factory.Sequence(lambda n: f"测试小区{n}")
    address = factory.Sequence(lambda n: f"测试路{n}号")
    year_built = 1995


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Building

    compound = factory.SubFactory(CompoundFactory)
    name = factory.Sequence(lambda n: f"{n + 1}栋")
    unit_count = 2
    floor_count = 6


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Household

    building = factory.SubFactory(BuildingFactory)
    unit = "1"
    floor = factory.Sequence(lambda n: 1 + n % 6)
    room = factory.Sequence(lambda n: f"{1 + n % 6}{n:03d}")
    exclusive_area = factory.LazyFunction(lambda: Decimal(random.randint(4500, 12000)) / 100)
    area_source = choices.AreaSource.REGISTER


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Person

    name = factory.Sequence(lambda n: f"居民{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    id_number = factory.Sequence(make_id_number)
    division = factory.SubFactory(DivisionFactory)


class OwnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Ownership

    person = factory.SubFactory(PersonFactory)
    household = factory.SubFactory(HouseholdFactory)
    kind = choices.OwnershipKind.OWNER


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = choices.Role.STREET_STAFF
    division = factory.SubFactory(DivisionFactory)
