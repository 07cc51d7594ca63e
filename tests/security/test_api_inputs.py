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


# --- text lengths ------------------------------------------------------------------------------------------


def test_a_million_character_opinion_is_refused(api_as, grid_worker_a, world, client):
    """Today an opinion took 1,000,000 characters."""
    from consultations.models import Opinion, Visit

    building = f.BuildingFactory(compound=world.compound_a)
    household = f.HouseholdFactory(building=building)
    api = api_as(grid_worker_a)
    huge = "很" * 1_000_000
    visit = api.post(
        "/api/v1/visits/",
        {
            "household": household.pk,
            "attitude": "support",
            "opinions": [{"category": "elevator", "content": huge}],
        },
        format="json",
    )
    assert visit.status_code == 400
    opinion = api.post(
        "/api/v1/opinions/",
        {"compound": world.compound_a.pk, "category": "elevator", "content": huge},
        format="json",
    )
    assert opinion.status_code == 400 and "content" in str(opinion.json())
    visit_notes = api.post(
        "/api/v1/visits/",
        {"household": household.pk, "attitude": "support", "notes": "记" * 3000},
        format="json",
    )
    assert visit_notes.status_code == 400
    assert not Opinion.objects.exists() and not Visit.objects.exists()
    client.force_login(grid_worker_a)
    page = client.post(
        "/consultations/opinions/new/",
        {"compound": world.compound_a.pk, "category": "elevator", "content": huge},
    )
    assert page.status_code in (200, 400) and not Opinion.objects.exists()


def test_text_fields_have_a_maximum_length():
    """Every text field people type into has a maximum (forms and serializers take it from the model)."""
    from django.apps import apps
    from django.db import models

    internal = {  # written by the system, never typed by a person
        ("communities", "backgroundjob", "last_error"),
        ("communities", "outboxmessage", "last_error"),
        ("supervision", "acceptanceround", "outcome"),
    }
    unbounded = [
        f"{m._meta.app_label}.{m.__name__}.{fld.name}"
        for m in apps.get_models()
        if m.__module__.split(".")[0] in {"communities", "consultations", "projects", "supervision"}
        and not m.__name__.endswith("Event")
        for fld in m._meta.get_fields()
        if isinstance(fld, models.TextField)
        and fld.max_length is None
        and (m._meta.app_label, m._meta.model_name, fld.name) not in internal
    ]
    assert not unbounded
