"""The demo data loads fast, has the seed places and numbers, and gives every role a login."""

import io

import pytest
from django.contrib.auth import get_user_model

from communities import demo
from communities.models import Building, Compound, Division, Household, Ownership, Person, RoleAssignment
from communities.scoping import get_scope
from communities.validators import validate_id_number, validate_phone

pytestmark = pytest.mark.django_db


def test_demo_loads_seed_places_and_users():
    out = io.StringIO()
    demo.load(out)
    assert demo.is_loaded()

    assert set(demo.COMPOUND_NAMES) <= set(Compound.objects.values_list("name", flat=True))
    seed_names = "古艾巷街区 心怡水湾 天水名都 民居巷血防站 老城建宿舍楼 中华园小区 天秀家园 同乐小区南院"
    for name in [*seed_names.split(), "南阳路174号院", "碧波水岸小区", "生资公司小区"]:
        assert Compound.objects.filter(name=name).exists(), name
    nanyang = Compound.objects.get(name="南阳路174号院")
    assert nanyang.division.name == "兴南社区" and nanyang.division.parent.name == "刘寨街道"
    assert Building.objects.filter(compound=nanyang).count() == 5
    assert Household.objects.filter(building__compound=nanyang).count() == 173
    for community in [
        "竹岭社区",
        "白石岭社区",
        "金仓社区",
        "吉祥社区",
        "广跃社区",
        "水西门社区",
        "东塔社区",
        "大关社区",
    ]:
        assert Division.objects.filter(name=community, level="community").exists(), community
    assert Division.objects.get(name="武宁县").code == "360423000000"

    assert Household.objects.count() > 1500
    areas = Household.objects.exclude(exclusive_area=None).values_list("exclusive_area", flat=True)
    assert all(40 <= a <= 130 for a in areas)
    assert Household.objects.filter(is_vacant=True).exists()
    assert set(Household.objects.values_list("area_source", flat=True)) == {"register", "survey", "contract"}
    kinds = set(Ownership.objects.values_list("kind", flat=True))
    assert kinds == {"owner", "co_owner", "tenant", "family"}
    developer = Person.objects.get(is_developer=True)
    assert developer.ownerships.count() == 18
    assert Person.objects.filter(is_party_member=True).exclude(party_organization="").count() > 50
    for person in Person.objects.exclude(id_number="")[:300]:
        validate_id_number(person.id_number)
    for person in Person.objects.exclude(phone="")[:300]:
        validate_phone(person.phone)

    User = get_user_model()
    assert User.objects.get(username="admin").is_superuser
    roles = dict(RoleAssignment.objects.values_list("user__username", "role"))
    assert roles["district"] == "district_admin" and roles["secretary"] == "community_secretary"
    assert roles["liuzhai_street"] == "street_staff"
    secretary = User.objects.get(username="secretary")
    assert secretary.check_password(demo.DEMO_PASSWORD)
    visible = set(Compound.objects.for_user(secretary).values_list("name", flat=True))
    assert visible == {"民居巷血防站", "古艾巷街区"}
    street = User.objects.get(username="liuzhai_street")
    assert "南阳路174号院" in set(Compound.objects.for_user(street).values_list("name", flat=True))
    assert not get_scope(User.objects.get(username="viewer")).sees_unmasked

    logins = io.StringIO()
    demo.print_logins(logins)
    text = logins.getvalue()
    assert "/accounts/login/" in text and demo.DEMO_PASSWORD in text
    assert all(u in text for u in demo.DEMO_USERNAMES)


def test_demo_reset_removes_it():
    demo.load(io.StringIO())
    demo.reset(io.StringIO())
    assert not demo.is_loaded()
    assert not Compound.objects.exists() and not Person.objects.exists()
    assert not get_user_model().objects.filter(username__in=demo.DEMO_USERNAMES).exists()
    demo.load(io.StringIO())  # and loads again
    assert demo.is_loaded()
