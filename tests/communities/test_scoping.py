"""communities.scoping: one module decides what each role sees and edits."""

import pytest

from communities import models
from communities.choices import Role
from communities.scoping import ANONYMOUS, Grant, Scope, forget_scope, get_scope
from tests import factories as f
from tests.communities.api_world import make_places


def test_nested_paths_collapse_to_the_widest():
    scope = Scope(
        user_id=1,
        grants=(
            Grant(role=Role.STREET_STAFF, division_id=4, path="1/2/3/4/"),
            Grant(role=Role.COMMUNITY_SECRETARY, division_id=6, path="1/2/3/4/6/"),
            Grant(role=Role.VIEWER, division_id=9, path="1/2/9/"),
        ),
    )
    assert scope.paths() == ["1/2/3/4/", "1/2/9/"]
    assert scope.paths([Role.COMMUNITY_SECRETARY]) == ["1/2/3/4/6/"]
    assert scope.covers("1/2/3/4/7/")
    assert not scope.covers("1/2/3/5/")
    assert scope.can_edit("1/2/3/4/6/") and not scope.can_edit("1/2/9/10/")
    # a path prefix is a whole segment: "1/2/3/4/" does not cover "1/2/3/40/"
    assert not scope.covers("1/2/3/40/")


def test_anonymous_and_superuser():
    assert ANONYMOUS.is_anonymous and ANONYMOUS.paths() == []
    assert not ANONYMOUS.sees_residents and not ANONYMOUS.sees_unmasked
    root = Scope(user_id=1, is_superuser=True)
    assert root.covers("anything/") and root.can_edit("x/") and root.sees_unmasked
    assert str(root.q("path")) == str(__import__("django.db.models", fromlist=["Q"]).Q())


def test_get_scope_is_cached_per_user_object(world, street_user, django_assert_num_queries):
    forget_scope(street_user)
    with django_assert_num_queries(1):
        scope = get_scope(street_user)
        assert get_scope(street_user) is scope
    assert scope.paths() == [world.street_a.path]
    assert get_scope(None) is ANONYMOUS


def test_moving_a_division_rescopes_its_subtree(world, street_user):
    """Paths are rewritten in one statement when a division moves; scopes follow."""
    compound = world.compound_c  # in street B
    assert not models.Compound.objects.for_user(street_user).filter(pk=compound.pk).exists()
    world.community_c.parent = world.street_a
    world.community_c.save()
    forget_scope(street_user)
    assert models.Compound.objects.for_user(street_user).filter(pk=compound.pk).exists()


VISIBLE = {
    # role: communities whose records the role sees (x is in another district)
    "district_admin": {"a", "b", "c"},
    "street_user": {"a", "b"},
    "secretary_a": {"a"},
    "secretary_b": {"b"},
    "grid_worker_a": {"a"},
    "contractor": {"a", "b"},
    "viewer": {"a", "b", "c"},
}
EDITABLE = {
    "district_admin": {"a", "b", "c"},
    "street_user": {"a", "b"},
    "secretary_a": {"a"},
    "secretary_b": {"b"},
    "grid_worker_a": set(),
    "contractor": set(),
    "viewer": set(),
}
RESOURCE_MODELS = {
    "compounds": models.Compound,
    "buildings": models.Building,
    "households": models.Household,
    "people": models.Person,
    "ownerships": models.Ownership,
}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_scoping_matrix(request, world, role):
    """Every role x every resource: sees its own subtree only; contractors see no residents."""
    user = request.getfixturevalue(role)
    places = make_places(world)
    for resource, model in RESOURCE_MODELS.items():
        by_pk = {place.obj(resource).pk: key for key, place in places.items()}

        def keys(qs, by_pk=by_pk):
            return {by_pk[pk] for pk in qs.values_list("pk", flat=True) if pk in by_pk}

        seen = keys(model.objects.for_user(user))
        edit = keys(model.objects.editable_by(user))
        blind = role == "contractor" and resource not in ("compounds", "buildings")
        want_seen = set() if blind else VISIBLE[role]
        assert seen == want_seen, (role, resource)
        assert edit == EDITABLE[role], (role, resource)
    seen_divisions = set(models.Division.objects.for_user(user).values_list("pk", flat=True))
    for key, place in places.items():
        assert (place.division.pk in seen_divisions) == (key in VISIBLE[role]), (role, key)


def test_superuser_sees_everything(world):
    places = make_places(world)
    root = f.UserFactory(username="root", is_superuser=True)
    assert models.Person.objects.for_user(root).count() == len(places)
    assert models.Household.objects.editable_by(root).count() == 2 * len(places)


def test_user_without_roles_sees_nothing(world):
    make_places(world)
    nobody = f.UserFactory(username="nobody")
    for model in (models.Division, *RESOURCE_MODELS.values()):
        assert not model.objects.for_user(nobody).exists()
        assert not model.objects.editable_by(nobody).exists()
