"""Registry pages: scoping per role, forms and their errors, masking and reveals, query counts."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from communities.choices import DivisionLevel, ManagementMode, OwnershipKind
from communities.models import AccessLog, Building, Compound, Household, Ownership, Person
from communities.validators import id_number_check_digit
from tests import factories as f

pytestmark = pytest.mark.django_db

PHONE_A = "13812345678"
ID_A = "36042319800101123" + id_number_check_digit("36042319800101123")


@pytest.fixture
def reg(world):
    """One building, household and owner in community A, the same in community B (same street) and C."""
    out = SimpleNamespace()
    for key, compound, community in (
        ("a", world.compound_a, world.community_a),
        ("b", world.compound_b, world.community_b),
        ("c", world.compound_c, world.community_c),
    ):
        building = f.BuildingFactory(compound=compound, name="1栋", unit_count=2, floor_count=6)
        household = f.HouseholdFactory(building=building, unit="1", floor=3, room="301")
        person = f.PersonFactory(division=community, name=f"业主{key.upper()}")
        ownership = f.OwnershipFactory(person=person, household=household)
        setattr(out, f"building_{key}", building)
        setattr(out, f"household_{key}", household)
        setattr(out, f"person_{key}", person)
        setattr(out, f"ownership_{key}", ownership)
    out.person_a.phone = PHONE_A
    out.person_a.id_number = ID_A
    out.person_a.save()
    return out


def get(client, user, name, *args, **params):
    client.force_login(user)
    return client.get(reverse(f"communities:{name}", args=args), params)


def post(client, user, name, *args, data):
    client.force_login(user)
    return client.post(reverse(f"communities:{name}", args=args), data)


# --- scoping: every page as every role -----------------------------------------------------------------


def _pages(world, reg, key):
    return {
        "compound_detail": (getattr(world, f"compound_{key}").pk,),
        "building_detail": (getattr(reg, f"building_{key}").pk,),
        "household_detail": (getattr(reg, f"household_{key}").pk,),
        "person_detail": (getattr(reg, f"person_{key}").pk,),
    }


RESIDENT_PAGES = {"household_detail", "person_detail"}


@pytest.mark.parametrize(
    "role, visible",
    [
        ("district_admin", {"a", "b", "c"}),
        ("street_user", {"a", "b"}),
        ("secretary_a", {"a"}),
        ("grid_worker_a", {"a"}),
        ("viewer", {"a", "b", "c"}),
        ("contractor", {"a", "b"}),
    ],
)
def test_detail_pages_are_scoped(client, world, reg, request, role, visible):
    user = request.getfixturevalue(role)
    for key in "abc":
        for name, args in _pages(world, reg, key).items():
            expected = 200 if key in visible else 404
            if role == "contractor" and name in RESIDENT_PAGES:
                expected = 404  # contractors never see households or people
            assert get(client, user, name, *args).status_code == expected, (role, name, key)


@pytest.mark.parametrize(
    "role", ["district_admin", "street_user", "secretary_a", "grid_worker_a", "viewer", "contractor"]
)
def test_list_pages_answer_for_every_role(client, world, reg, request, role):
    user = request.getfixturevalue(role)
    assert get(client, user, "division_list").status_code == 200
    assert get(client, user, "compound_list").status_code == 200
    people = get(client, user, "person_list")
    assert people.status_code == (404 if role == "contractor" else 200)


def test_masked_roles_search_phones_by_the_shown_four_digits_only(client, world, reg, viewer, secretary_a):
    reg.person_a.phone = "13812345678"
    reg.person_a.save(update_fields=["phone"])

    def found(user, q):
        client.force_login(user)
        r = client.get(reverse("communities:person_list"), {"q": q})
        assert r.status_code == 200
        return [p.pk for p in r.context["page_obj"]]

    assert found(viewer, "5678") == [reg.person_a.pk]  # what the masked number shows
    assert found(viewer, "45678") == []  # longer suffixes would reveal the hidden digits
    assert found(viewer, "13812345678") == []
    assert found(secretary_a, "13812345678") == [reg.person_a.pk]  # roles that see numbers in full


def test_secretary_lists_only_her_community(client, world, reg, secretary_a):
    page = get(client, secretary_a, "compound_list").content.decode()
    assert world.compound_a.name in page
    assert world.compound_b.name not in page
    assert world.compound_c.name not in page
    people = get(client, secretary_a, "person_list").content.decode()
    assert "业主A" in people and "业主B" not in people
    divisions = get(client, secretary_a, "division_list").content.decode()
    assert world.community_a.name in divisions and world.community_b.name not in divisions


def test_division_pages(client, world, reg, street_user):
    page = get(client, street_user, "division_list").content.decode()
    assert world.street_a.name in page
    assert world.community_a.name in page and world.community_b.name in page
    assert world.community_c.name not in page
    detail = get(client, street_user, "division_detail", world.street_a.pk)
    assert detail.status_code == 200
    html = detail.content.decode()
    assert world.compound_a.name in html and world.compound_b.name in html
    assert world.compound_c.name not in html
    # the district above is shown as text (orientation) but not linked: it is outside the scope
    assert world.district.name in html
    assert reverse("communities:division_detail", args=[world.district.pk]) not in html
    assert get(client, street_user, "division_detail", world.district.pk).status_code == 404
    assert get(client, street_user, "division_detail", world.street_b.pk).status_code == 404


def test_contractor_sees_compounds_but_no_household_grid(client, world, reg, contractor):
    html = get(client, contractor, "compound_detail", world.compound_a.pk).content.decode()
    assert "1栋" in html
    assert reverse("communities:household_detail", args=[reg.household_a.pk]) not in html


# --- compound list ---------------------------------------------------------------------------------------


def test_compound_list_filters(client, world, reg, district_admin):
    world.compound_a.year_built = 1985
    world.compound_a.management_mode = ManagementMode.RED_PROPERTY
    world.compound_a.address = "沿河路8号"
    world.compound_a.save()
    names = lambda r: {c.name for c in r.context["page_obj"]}  # noqa: E731

    r = get(client, district_admin, "compound_list", community=world.community_b.pk)
    assert names(r) == {world.compound_b.name}
    r = get(client, district_admin, "compound_list", year_built_max=1990)
    assert names(r) == {world.compound_a.name}
    r = get(client, district_admin, "compound_list", management_mode=ManagementMode.RED_PROPERTY)
    assert names(r) == {world.compound_a.name}
    r = get(client, district_admin, "compound_list", q="沿河路")
    assert names(r) == {world.compound_a.name}
    r = get(client, district_admin, "compound_list", division=world.street_a.pk)
    assert names(r) == {world.compound_a.name, world.compound_b.name}
    a = r.context["page_obj"].object_list[0]
    assert a.building_count == 1 and a.household_count == 1


def test_compound_list_community_choices_are_scoped(client, world, reg, secretary_a):
    r = get(client, secretary_a, "compound_list")
    choices = dict(r.context["filter"].form.fields["community"].choices)
    assert world.community_a.pk in choices
    assert world.community_b.pk not in choices and world.community_c.pk not in choices
    # asking for another community by id shows nothing of it
    r = get(client, secretary_a, "compound_list", community=world.community_b.pk)
    assert world.compound_b.name not in r.content.decode()


def test_compound_list_narrows_the_area_before_listing_communities(
    client, world, reg, district_admin, monkeypatch
):
    """A province holds 3,000 communities: one dropdown of them all took 200 ms to render and is no
    choice a person can make. Past `COMMUNITY_CHOICES` the page offers the area first (the scope's
    top, then the children of the area chosen), and lists the communities once the area holds few
    enough."""
    from communities.forms import CompoundListFilter

    monkeypatch.setattr(CompoundListFilter, "COMMUNITY_CHOICES", 2)  # the district holds 3
    r = get(client, district_admin, "compound_list")
    form = r.context["filter"].form
    assert "community" not in form.fields
    areas = dict(form.fields["division"].choices)
    assert world.district.pk in areas and world.street_a.pk not in areas  # the scope's top first
    page = r.content.decode()
    assert '<select name="division"' in page and 'name="community"' not in page

    r = get(client, district_admin, "compound_list", division=world.district.pk)
    areas = dict(r.context["filter"].form.fields["division"].choices)
    assert {world.district.pk, world.street_a.pk, world.street_b.pk} <= set(areas)
    assert "community" not in r.context["filter"].form.fields

    r = get(client, district_admin, "compound_list", division=world.street_a.pk)
    form = r.context["filter"].form
    communities = dict(form.fields["community"].choices)
    assert {world.community_a.pk, world.community_b.pk} <= set(communities)
    assert world.community_c.pk not in communities
    assert {c.name for c in r.context["page_obj"]} == {world.compound_a.name, world.compound_b.name}
    page = r.content.decode()
    assert 'type="hidden" name="division"' in page  # the area is kept while choosing a community

    # an area outside the scope is no choice
    r = get(client, district_admin, "compound_list", division=world.province.pk)
    assert world.province.pk not in dict(r.context["filter"].form.fields["division"].choices)


def test_compound_list_paginates(client, world, street_user):
    for i in range(30):
        f.CompoundFactory(division=world.community_a, name=f"分页小区{i:02d}")
    r = get(client, street_user, "compound_list")
    assert len(r.context["page_obj"]) == 25
    r = get(client, street_user, "compound_list", page=2)
    assert len(r.context["page_obj"]) == 7  # 30 + compound_a + compound_b


def test_pages_render_chinese(client, world, reg, street_user):
    html = get(client, street_user, "compound_list").content.decode()
    assert "小区" in html and "物业管理" in html and "筛选" in html
    html = get(client, street_user, "compound_detail", world.compound_a.pk).content.decode()
    assert "楼栋" in html and "单元" in html


# --- household grid ------------------------------------------------------------------------------------


def test_household_grid_layout(client, world, street_user):
    building = f.BuildingFactory(compound=world.compound_a, name="3栋", unit_count=2, floor_count=3)
    for unit in ("1", "2"):
        for floor in (1, 2, 3):
            for pos in (1, 2):
                f.HouseholdFactory(
                    building=building, unit=unit, floor=floor, room=f"{floor}0{pos}", is_vacant=pos == 2
                )
    r = get(client, street_user, "building_detail", building.pk)
    grid = r.context["grid"]
    assert [u.name for u in grid.units] == ["1", "2"]
    assert [u.width for u in grid.units] == [2, 2]
    assert [floor for floor, _ in grid.rows] == [3, 2, 1]  # top floor first
    top_rooms = [c.household.room for c in grid.rows[0][1]]
    assert top_rooms == ["301", "302", "301", "302"]
    html = r.content.decode()
    assert "hh-vacant" in html
    h = Household.objects.get(building=building, unit="2", room="101")
    assert reverse("communities:household_detail", args=[h.pk]) in html


def test_compound_detail_shows_grid_per_building(client, world, reg, secretary_a):
    f.BuildingFactory(compound=world.compound_a, name="2栋")
    r = get(client, secretary_a, "compound_detail", world.compound_a.pk)
    assert [g.building.name for g in r.context["grids"]] == ["1栋", "2栋"]
    assert reverse("communities:household_detail", args=[reg.household_a.pk]) in r.content.decode()


# --- forms: who may edit -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "grid_worker_a"])
def test_read_only_roles_get_403_on_edit_forms(client, world, reg, request, role):
    user = request.getfixturevalue(role)
    for name, args in [
        ("compound_edit", (world.compound_a.pk,)),
        ("building_create", (world.compound_a.pk,)),
        ("building_edit", (reg.building_a.pk,)),
        ("household_create", (reg.building_a.pk,)),
        ("household_edit", (reg.household_a.pk,)),
        ("resident_create", (reg.household_a.pk,)),
        ("ownership_create", (reg.household_a.pk,)),
        ("ownership_edit", (reg.ownership_a.pk,)),
        ("person_edit", (reg.person_a.pk,)),
        ("compound_create", ()),
        ("person_create", ()),
    ]:
        assert get(client, user, name, *args).status_code == 403, name
    before = Compound.objects.get(pk=world.compound_a.pk).name
    r = post(client, user, "compound_edit", world.compound_a.pk, data={"name": "改名"})
    assert r.status_code == 403
    assert Compound.objects.get(pk=world.compound_a.pk).name == before


def test_edit_forms_outside_scope_are_404(client, world, reg, secretary_a):
    assert get(client, secretary_a, "compound_edit", world.compound_b.pk).status_code == 404
    assert get(client, secretary_a, "household_edit", reg.household_b.pk).status_code == 404
    assert get(client, secretary_a, "person_edit", reg.person_b.pk).status_code == 404
    assert get(client, secretary_a, "building_create", world.compound_b.pk).status_code == 404


def test_create_compound_and_choices_limited_to_editable(client, world, secretary_a):
    r = get(client, secretary_a, "compound_create")
    assert list(r.context["form"].fields["division"].queryset) == [world.community_a]
    data = {
        "division": world.community_b.pk,
        "name": "越界小区",
        "renovation_need": "basic",
        "management_mode": "none",
    }
    r = post(client, secretary_a, "compound_create", data=data)
    assert r.status_code == 200 and "division" in r.context["form"].errors
    assert not Compound.objects.filter(name="越界小区").exists()
    data["division"] = world.community_a.pk
    r = post(client, secretary_a, "compound_create", data=data)
    assert r.status_code == 302, r.context["form"].errors
    compound = Compound.objects.get(name="越界小区")
    assert r.status_code == 302 and r.url == compound.get_absolute_url()
    # the same name again in the same community: a field error, nothing saved
    r = post(client, secretary_a, "compound_create", data=data)
    assert "name" in r.context["form"].errors
    assert Compound.objects.filter(name="越界小区").count() == 1


def test_building_rules(client, world, reg, secretary_a):
    data = {"name": "1栋", "unit_count": 2, "floor_count": 6}
    r = post(client, secretary_a, "building_create", world.compound_a.pk, data=data)
    assert "name" in r.context["form"].errors
    # fewer floors than the highest registered household
    r = post(client, secretary_a, "building_edit", reg.building_a.pk, data={**data, "floor_count": 2})
    assert "floor_count" in r.context["form"].errors
    assert Building.objects.get(pk=reg.building_a.pk).floor_count == 6
    r = post(client, secretary_a, "building_create", world.compound_a.pk, data={**data, "name": "9栋"})
    assert r.status_code == 302
    assert Building.objects.filter(compound=world.compound_a, name="9栋").exists()


HOUSEHOLD = {"unit": "1", "floor": 2, "room": "201", "exclusive_area": "88.50", "area_source": "register"}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"room": "301", "floor": 3}, "room"),  # duplicate room in unit 1
        ({"exclusive_area": "-5"}, "exclusive_area"),
        ({"exclusive_area": "0"}, "exclusive_area"),
        ({"area_source": ""}, "area_source"),  # area without a source
        ({"floor": 9}, "floor"),  # building has 6 floors
        ({"unit": "5"}, "unit"),  # building has 2 units
        ({"room": ""}, "room"),
    ],
)
def test_household_form_errors_change_nothing(client, world, reg, secretary_a, change, field):
    count = Household.objects.count()
    data = {**HOUSEHOLD, "building": reg.building_a.pk, **change}
    r = post(client, secretary_a, "household_create", reg.building_a.pk, data=data)
    assert r.status_code == 200
    assert field in r.context["form"].errors, r.context["form"].errors
    assert not r.context["form"].non_field_errors()
    assert Household.objects.count() == count


def test_household_create_and_edit(client, world, reg, secretary_a):
    data = {**HOUSEHOLD, "building": reg.building_a.pk}
    r = post(client, secretary_a, "household_create", reg.building_a.pk, data=data)
    h = Household.objects.get(building=reg.building_a, room="201")
    assert r.status_code == 302 and h.exclusive_area == Decimal("88.50")
    # moving it into compound B's building is impossible: not a choice
    data = {**HOUSEHOLD, "building": reg.building_b.pk, "is_vacant": "on"}
    r = post(client, secretary_a, "household_edit", h.pk, data=data)
    assert "building" in r.context["form"].errors
    h.refresh_from_db()
    assert h.building_id == reg.building_a.pk and not h.is_vacant
    data["building"] = reg.building_a.pk
    assert post(client, secretary_a, "household_edit", h.pk, data=data).status_code == 302
    h.refresh_from_db()
    assert h.is_vacant


PERSON = {"name": "李四", "phone": "139 1234 5678", "division": None}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"id_number": ID_A[:17] + ("0" if ID_A[17] != "0" else "1")}, "id_number"),  # bad check digit
        ({"id_number": "12345"}, "id_number"),
        ({"id_number": ID_A}, "id_number"),  # already registered (person A)
        ({"phone": "12345"}, "phone"),
        ({"is_developer": "on"}, "is_developer"),  # a developer must be an organisation
        ({"kind": "tenant", "is_organization": "on"}, "kind"),
    ],
)
def test_resident_form_errors_change_nothing(client, world, reg, secretary_a, change, field):
    people, links = Person.objects.count(), Ownership.objects.count()
    data = {**PERSON, "division": world.community_a.pk, "kind": "owner", **change}
    r = post(client, secretary_a, "resident_create", reg.household_a.pk, data=data)
    assert r.status_code == 200
    assert field in r.context["form"].errors, r.context["form"].errors
    assert (Person.objects.count(), Ownership.objects.count()) == (people, links)


def test_add_resident_to_household(client, world, reg, secretary_a):
    valid_id = "36042319850505432" + id_number_check_digit("36042319850505432")
    data = {**PERSON, "division": world.community_a.pk, "kind": "tenant", "id_number": valid_id.lower()}
    r = post(client, secretary_a, "resident_create", reg.household_a.pk, data=data)
    assert r.status_code == 302
    person = Person.objects.get(name="李四")
    assert person.phone == "13912345678" and person.id_number == valid_id.upper()
    assert Ownership.objects.get(person=person).kind == OwnershipKind.TENANT


def test_person_edit_keeps_numbers_when_left_empty_and_never_prints_them(client, world, reg, secretary_a):
    r = get(client, secretary_a, "person_edit", reg.person_a.pk)
    html = r.content.decode()
    assert PHONE_A not in html and ID_A not in html
    data = {"name": "业主A改", "phone": "", "id_number": "", "division": world.community_a.pk}
    assert post(client, secretary_a, "person_edit", reg.person_a.pk, data=data).status_code == 302
    reg.person_a.refresh_from_db()
    assert (reg.person_a.name, reg.person_a.phone, reg.person_a.id_number) == ("业主A改", PHONE_A, ID_A)


def test_ownership_forms(client, world, reg, secretary_a):
    neighbour = f.PersonFactory(division=world.community_a, name="邻居")
    r = get(client, secretary_a, "ownership_create", reg.household_a.pk)
    people = set(r.context["form"].fields["person"].queryset)
    assert neighbour in people and reg.person_a in people and reg.person_b not in people
    # already linked: a field error
    r = post(
        client,
        secretary_a,
        "ownership_create",
        reg.household_a.pk,
        data={"person": reg.person_a.pk, "kind": "owner"},
    )
    assert "person" in r.context["form"].errors
    r = post(
        client,
        secretary_a,
        "ownership_create",
        reg.household_a.pk,
        data={"person": neighbour.pk, "kind": "family"},
    )
    assert r.status_code == 302
    link = Ownership.objects.get(person=neighbour)
    r = post(client, secretary_a, "ownership_edit", link.pk, data={"kind": "co_owner", "since": "2999-01-01"})
    assert "since" in r.context["form"].errors
    r = post(client, secretary_a, "ownership_edit", link.pk, data={"kind": "co_owner", "since": "2001-05-01"})
    assert r.status_code == 302
    link.refresh_from_db()
    assert link.kind == "co_owner" and link.person_id == neighbour.pk


# --- masking and reveals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["household_detail", "person_detail"])
def test_numbers_are_masked_on_pages(client, world, reg, secretary_a, name):
    pk = reg.household_a.pk if name == "household_detail" else reg.person_a.pk
    html = get(client, secretary_a, name, pk).content.decode()
    assert "138****5678" in html
    assert ID_A[:3] + "*" * 11 + ID_A[-4:] in html
    assert PHONE_A not in html and ID_A not in html


@pytest.mark.parametrize(
    "name, reveal", [("household_detail", "household_reveal"), ("person_detail", "person_reveal")]
)
def test_reveal_shows_full_numbers_and_is_logged(client, world, reg, secretary_a, name, reveal):
    pk = reg.household_a.pk if name == "household_detail" else reg.person_a.pk
    r = post(client, secretary_a, reveal, pk, data={"reason": "联系加装电梯事宜"})
    assert r.status_code == 200
    html = r.content.decode()
    assert PHONE_A in html and ID_A in html
    assert "no-store" in r["Cache-Control"]
    log = AccessLog.objects.get()
    assert log.user == secretary_a and log.action == AccessLog.Action.REVEAL
    assert log.object_type == "person" and str(reg.person_a.pk) in log.object_id.split(",")
    assert log.reason == "联系加装电梯事宜"
    # only that response: the next view is masked again
    assert PHONE_A not in get(client, secretary_a, name, pk).content.decode()


def test_reveal_needs_a_reason(client, world, reg, secretary_a):
    r = post(client, secretary_a, "person_reveal", reg.person_a.pk, data={"reason": "  "})
    assert r.status_code == 400
    assert PHONE_A not in r.content.decode()
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "grid_worker_a"])
def test_reveal_refused_for_roles_without_need(client, world, reg, request, role):
    user = request.getfixturevalue(role)
    html = get(client, user, "household_detail", reg.household_a.pk).content.decode()
    assert reverse("communities:household_reveal", args=[reg.household_a.pk]) not in html
    for reveal, pk in (("household_reveal", reg.household_a.pk), ("person_reveal", reg.person_a.pk)):
        r = post(client, user, reveal, pk, data={"reason": "看看"})
        assert r.status_code == 403
        assert PHONE_A not in r.content.decode()
    assert not AccessLog.objects.exists()


def test_reveal_outside_scope_is_404(client, world, reg, secretary_b):
    r = post(client, secretary_b, "person_reveal", reg.person_a.pk, data={"reason": "x"})
    assert r.status_code == 404
    assert not AccessLog.objects.exists()


def test_reveal_must_be_post(client, world, reg, secretary_a):
    assert get(client, secretary_a, "person_reveal", reg.person_a.pk).status_code == 405


# --- constant query counts -------------------------------------------------------------------------------


def _fill(world, compounds: int, households_per_building: int):
    for i in range(compounds):
        compound = f.CompoundFactory(division=world.community_a, name=f"批量小区{i:03d}")
        for b in range(2):
            building = f.BuildingFactory(compound=compound, name=f"{b + 1}栋", unit_count=2, floor_count=6)
            Household.objects.bulk_create(
                Household(
                    building=building,
                    unit=str(1 + n % 2),
                    floor=1 + (n // 2) % 6,
                    room=f"{1 + (n // 2) % 6}0{n}",
                    exclusive_area=Decimal("70.00"),
                    area_source="survey",
                )
                for n in range(households_per_building)
            )


def test_compound_list_query_count(client, world, street_user, django_assert_max_num_queries):
    _fill(world, compounds=40, households_per_building=5)
    client.force_login(street_user)
    url = reverse("communities:compound_list")
    with django_assert_max_num_queries(10):
        r = client.get(url, {"community": world.community_a.pk, "q": "批量"})
    assert len(r.context["page_obj"]) == 25
    with django_assert_max_num_queries(10):
        r = client.get(url, {"page": 2})
    assert r.status_code == 200 and len(r.context["page_obj"]) > 0


def test_compound_detail_and_grid_query_count(client, world, street_user, django_assert_max_num_queries):
    compound = world.compound_a
    for b in range(6):
        building = f.BuildingFactory(compound=compound, name=f"{b + 1}栋", unit_count=3, floor_count=7)
        Household.objects.bulk_create(
            Household(building=building, unit=str(1 + n % 3), floor=1 + n % 7, room=f"{1 + n % 7}{n:02d}")
            for n in range(60)
        )
    client.force_login(street_user)
    with django_assert_max_num_queries(10):
        r = client.get(reverse("communities:compound_detail", args=[compound.pk]))
    assert sum(g.count for g in r.context["grids"]) == 360
    building = compound.buildings.first()
    with django_assert_max_num_queries(10):
        r = client.get(reverse("communities:building_detail", args=[building.pk]))
    assert r.context["grid"].count == 60


def test_division_list_query_count(client, world, district_admin, django_assert_max_num_queries):
    for i in range(30):
        street = f.DivisionFactory(name=f"街道{i}", level=DivisionLevel.STREET, parent=world.district)
        community = f.DivisionFactory(name=f"社区{i}", level=DivisionLevel.COMMUNITY, parent=street)
        f.CompoundFactory(division=community)
    client.force_login(district_admin)
    with django_assert_max_num_queries(8):
        r = client.get(reverse("communities:division_list"))
    (root,) = r.context["roots"]
    assert len(root.child_list) == 32
    assert root.compound_count == 33
    with django_assert_max_num_queries(10):
        r = client.get(reverse("communities:division_detail", args=[world.district.pk]))
    assert r.status_code == 200


def test_household_and_person_detail_query_count(
    client, world, reg, secretary_a, django_assert_max_num_queries
):
    for _ in range(15):
        f.OwnershipFactory(household=reg.household_a, person=f.PersonFactory(division=world.community_a))
    client.force_login(secretary_a)
    # 8 for the page + one per panel of the apps above (assignments, visits, opinions, votes, card,
    # in-home works bookings, household-page reports)
    with django_assert_max_num_queries(15):
        r = client.get(reverse("communities:household_detail", args=[reg.household_a.pk]))
    assert r.status_code == 200
    assert len(r.context["ownerships"]) >= 15
    with django_assert_max_num_queries(8):
        r = client.get(reverse("communities:person_list"))
    assert r.status_code == 200
    assert len(r.context["page_obj"]) >= 15
