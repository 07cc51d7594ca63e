"""The overview API: the same figures as the page, validated input, refresh with its refusals, OpenAPI."""

from decimal import Decimal

from supervision.overview import figures as F
from supervision.overview.live import live_figures
from supervision.overview.models import PendingCompound


def test_overview_figures_rates_and_shape(world, data, district_admin, api_as, year):
    body = api_as(district_admin).get(f"/api/v1/overview/?division={world.district.pk}&year={year}").json()
    assert body["place"] == {
        "kind": "division",
        "id": world.district.pk,
        "name": world.district.name,
        "level": "district",
    }
    assert body["year"] == year and body["as_of"]
    assert set(body["figures"]) == set(F.KEYS)
    live = live_figures(world.district, year)
    assert body["figures"]["visited"] == live["visited"]
    coverage = body["rates"]["coverage"]
    assert Decimal(coverage["numerator"]) == live["visited"]
    assert Decimal(coverage["denominator"]) == live["households_nonvacant"]
    assert body["rates"]["last_satisfaction"]["line_percent"] == "90.00"
    assert body["derived"]["funnel"]["resolved"] == live["opinions_resolved"]


def test_default_year_and_bad_input(world, data, district_admin, api_as, year):
    api = api_as(district_admin)
    assert api.get(f"/api/v1/overview/?division={world.district.pk}").json()["year"] == year
    missing = api.get("/api/v1/overview/")
    assert missing.status_code == 400 and "division" in missing.json()["errors"]
    assert api.get(f"/api/v1/overview/?division={world.district.pk}&year=abc").status_code == 400
    assert api.get(f"/api/v1/overview/?division={world.district.pk}&year=1800").status_code == 400
    assert api.get("/api/v1/overview/?division=999999").status_code == 404
    bad_sort = api.get(f"/api/v1/overview/children/?division={world.district.pk}&ordering=nonsense")
    assert bad_sort.status_code == 400
    assert api_as(None).get(f"/api/v1/overview/?division={world.district.pk}").status_code in (401, 403)


def test_children_worst_first(world, data, district_admin, api_as, year):
    api = api_as(district_admin)
    rows = api.get(f"/api/v1/overview/children/?division={world.district.pk}&ordering=coverage").json()[
        "results"
    ]
    values = [
        Decimal(r["rates"]["coverage"]["percent"])
        for r in rows
        if r["rates"]["coverage"]["percent"] is not None
    ]
    assert values == sorted(values)
    rows = api.get(f"/api/v1/overview/children/?division={world.district.pk}&ordering=rect_overdue").json()[
        "results"
    ]
    overdue = [r["derived"]["rect_overdue"] for r in rows]
    assert overdue == sorted(overdue, reverse=True)


def test_refresh_by_staff_only_and_once_a_minute(world, data, district_admin, viewer, api_as, year):
    url = "/api/v1/overview/refresh/"
    refused = api_as(viewer).post(url, {"division": world.district.pk})
    assert refused.status_code == 403 and refused.json()["detail"]
    PendingCompound.objects.all().delete()
    first = api_as(district_admin).post(url, {"division": world.district.pk, "year": year})
    assert first.status_code == 202
    second = api_as(district_admin).post(url, {"division": world.district.pk, "year": year})
    assert second.status_code == 409 and second.json()["code"] == "conflict" and second.json()["detail"]
    assert api_as(district_admin).post(url, {"division": world.city.pk}).status_code == 404


def test_refresh_marks_the_division_compounds(world, street_user, api_as, django_capture_on_commit_callbacks):
    PendingCompound.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            api_as(street_user).post("/api/v1/overview/refresh/", {"division": world.street_a.pk}).status_code
            == 202
        )
    # the refresh ran (eagerly here) and drained what it marked
    assert not PendingCompound.objects.exists()


def test_schema_describes_the_overview(api_as, district_admin):
    schema = api_as(district_admin).get("/api/schema/?format=json").json()
    for path in ("/api/v1/overview/", "/api/v1/overview/children/", "/api/v1/overview/refresh/"):
        assert path in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/v1/overview/"]["get"]["parameters"]}
    assert {"division", "year"} <= params
    figures = schema["components"]["schemas"]["OverviewFigures"]["properties"]
    assert figures["visited"]["type"] == "integer"
