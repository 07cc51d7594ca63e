"""No 500s from input (issue 11): odd input answers 400 with nothing changed, and an id outside the
user's area answers exactly like an id that does not exist."""

import django_filters
import pytest
from django.urls import get_resolver

from communities.choices import DivisionLevel
from projects.models import PartyBranch
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_branch_with_a_dissolved_date_is_a_400_or_a_branch(api_as, street_user, world):
    """Today: TypeError in the serializer (setup_branch() got an unexpected keyword 'dissolved_on')."""
    client = api_as(street_user)
    response = client.post(
        "/api/v1/branches/",
        {
            "name": "0",
            "dissolved_on": "2000-01-01",
            "kind": "joint",
            "division": world.street_a.pk,
            "compounds": [world.compound_a.pk],
        },
        format="json",
    )
    assert response.status_code == 400 and "dissolved_on" in str(response.json())
    assert not PartyBranch.objects.exists()
    bare = client.post("/api/v1/branches/", {"name": "0", "dissolved_on": "2000-01-01"}, format="json")
    assert bare.status_code == 400
    kept = client.post(
        "/api/v1/branches/",
        {
            "name": "老支部",
            "kind": "joint",
            "division": world.street_a.pk,
            "compounds": [world.compound_a.pk],
            "established_on": "1999-01-01",
            "dissolved_on": "2000-01-01",
        },
        format="json",
    )
    assert kept.status_code == 201, kept.content
    assert kept.json()["dissolved_on"] == "2000-01-01"


@pytest.mark.parametrize(
    "url",
    [
        "/people/?q=%00",
        "/compounds/?q=a%00b",
        "/api/v1/people/?search=%00",
        "/api/v1/people/?name=%00",
        "/api/v1/projects/?q=%00",
        "/api/v1/compounds/?ordering=%00",
    ],
)
def test_nul_bytes_answer_400(client, street_user, url):
    client.force_login(street_user)
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.json()["code"] == "invalid"
    else:
        assert "不允许的字符" in response.content.decode()


def test_a_foreign_district_answers_like_a_missing_one(api_as, world, district_admin):
    """Today ?district=<missing> was a 400 and ?district=<someone else's> a 200: an existence oracle."""
    other = f.DivisionFactory(
        name="修水县", level=DivisionLevel.DISTRICT, parent=world.city, code="360424000000"
    )
    street = f.UserFactory(username="street_only")
    f.RoleAssignmentFactory(user=street, role="street_staff", division=world.street_a)
    client = api_as(street)
    foreign = client.get(f"/api/v1/programmes/?district={other.pk}")
    missing = client.get("/api/v1/programmes/?district=987654321")
    assert foreign.status_code == missing.status_code == 200
    assert foreign.json() == missing.json()


def _viewsets():
    def walk(patterns):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from walk(p.url_patterns)
            elif getattr(p.callback, "cls", None) is not None:
                yield p.callback.cls

    return {cls for cls in walk(get_resolver().url_patterns)}


def test_no_filter_validates_ids_against_an_unscoped_table():
    """A ModelChoiceFilter answers 400 for a missing id and 200 for an existing one outside the scope."""
    from communities.api.filtering import ScopedFilterBackend

    found = []
    for cls in _viewsets():
        filterset = getattr(cls, "filterset_class", None)
        if filterset is None and getattr(cls, "filterset_fields", None):
            view = cls()
            view.request = None
            queryset = cls.queryset
            filterset = ScopedFilterBackend().get_filterset_class(view, queryset)
        for name, flt in filterset.base_filters.items() if filterset else []:
            if isinstance(flt, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter):
                found.append(f"{cls.__name__}.{name}")
    assert not found


@pytest.mark.parametrize(
    "url", ["/api/v1/projects/?division=1e30", "/api/v1/votes/?ballot=99999999999999999999"]
)
def test_huge_ids_do_not_500(api_as, street_user, url):
    assert api_as(street_user).get(url).status_code in (200, 400)
