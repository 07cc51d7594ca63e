import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from communities.choices import DivisionLevel
from communities.models import Division
from communities.validators import validate_id_number
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_division_path_and_subtree(world):
    assert world.community_a.path.startswith(world.street_a.path)
    subtree = set(Division.objects.subtree(world.street_a).values_list("name", flat=True))
    assert subtree == {"新宁镇", "竹岭社区", "白石岭社区"}


def test_moving_a_division_reroots_its_subtree(world):
    world.community_a.parent = world.street_b
    world.community_a.save()
    world.street_a.parent = world.street_b.parent
    moved = Division.objects.get(pk=world.community_a.pk)
    assert moved.path == f"{world.street_b.path}{moved.pk}/"


def test_moving_a_street_moves_its_communities(world):
    other = f.DivisionFactory(name="另一个县", level=DivisionLevel.DISTRICT, parent=world.city)
    world.street_a.parent = other
    world.street_a.save()
    community = Division.objects.get(pk=world.community_a.pk)
    assert community.path == f"{other.path}{world.street_a.pk}/{community.pk}/"


def test_room_is_unique_within_a_unit(world):
    building = f.BuildingFactory(compound=world.compound_a)
    f.HouseholdFactory(building=building, unit="1", room="101")
    f.HouseholdFactory(building=building, unit="2", room="101")  # another unit: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        f.HouseholdFactory(building=building, unit="1", room="101")


def test_area_must_be_positive(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.HouseholdFactory(building__compound=world.compound_a, exclusive_area=0)


@pytest.mark.parametrize(
    "value, ok",
    [
        ("11010519491231002X", True),
        ("110105194912310021", False),  # wrong check digit
        ("11010519491231002", False),  # 17 characters
        ("1101051949123100XX", False),
    ],
)
def test_id_number_check_digit(value, ok):
    if ok:
        validate_id_number(value)
    else:
        with pytest.raises(ValidationError):
            validate_id_number(value)


@pytest.mark.parametrize(
    "raw, normal",
    [
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("(86)13812345678", "13812345678"),
        ("0792-2345678", "0792-2345678"),  # a landline keeps the dash after its area code
        ("", ""),
    ],
)
def test_phone_normalisation(raw, normal):
    from communities.validators import normalize_phone, validate_phone

    assert normalize_phone(raw) == normal
    validate_phone(normal)
