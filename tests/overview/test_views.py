"""The overview page: constant queries whatever the size, refresh and export, the ledger's content."""

import io
from decimal import Decimal
from fractions import Fraction

import pytest
from openpyxl import load_workbook

from communities.choices import DivisionLevel
from communities.jobs import run
from communities.models import AccessLog, BackgroundJob, Compound, Division
from projects.models import Programme
from supervision.overview import figures as F
from supervision.overview import services


def _page_queries(client, division, django_assert_max_num_queries, n):
    with django_assert_max_num_queries(n):
        response = client.get(f"/overview/{division.pk}/?sort=coverage")
    assert response.status_code == 200
    return response


def test_the_page_runs_a_constant_number_of_queries(
    world, data, district_admin, client, django_assert_max_num_queries, year
):
    client.force_login(district_admin)
    small = _page_queries(client, world.district, django_assert_max_num_queries, 9)
    for i in range(12):  # many more children with figures
        street = Division.objects.create(name=f"新街道{i}", level=DivisionLevel.STREET, parent=world.district)
        community = Division.objects.create(name=f"新社区{i}", level=DivisionLevel.COMMUNITY, parent=street)
        Programme.objects.filter(year=year, district=world.district).first().compounds.add(
            Compound.objects.create(division=community, name=f"新小区{i}")
        )
    services.refresh(full=True)
    large = _page_queries(client, world.district, django_assert_max_num_queries, 9)
    assert large.content.decode().count("ov-child-link") == small.content.decode().count("ov-child-link") + 12


def test_the_page_shows_the_figures_and_when(world, data, street_user, client, year):
    client.force_login(street_user)
    html = client.get(f"/overview/{world.street_a.pk}/").content.decode()
    assert 'id="ov-as-of"' in html and str(year) in html
    for section in (
        "programme",
        "lifecycle",
        "progress",
        "money",
        "visits",
        "demands",
        "decisions",
        "supervision",
    ):
        assert f'id="ov-{section}"' in html
    assert 'id="overview-charts"' in html  # chart data for the script, no inline script
    assert "<script>" not in html
    # breadcrumb: the district above the street user's scope is named, not linked
    assert f'href="/overview/{world.district.pk}/' not in html
    assert world.community_a.name in html and world.community_c.name not in html


def test_a_bad_year_falls_back_to_this_year(world, data, street_user, client, year):
    client.force_login(street_user)
    assert client.get(f"/overview/{world.street_a.pk}/?year=abc").context["year"] == year


def test_refresh_button_for_staff_not_viewers(world, data, viewer, district_admin, client):
    client.force_login(viewer)
    assert (
        f"/overview/{world.district.pk}/refresh/"
        not in client.get(f"/overview/{world.district.pk}/").content.decode()
    )
    assert client.post(f"/overview/{world.district.pk}/refresh/").status_code == 403
    client.force_login(district_admin)
    assert (
        f"/overview/{world.district.pk}/refresh/"
        in client.get(f"/overview/{world.district.pk}/").content.decode()
    )
    response = client.post(f"/overview/{world.district.pk}/refresh/")
    assert response.status_code == 302
    # asked once: the page says why the button waits
    page = client.get(f"/overview/{world.district.pk}/")
    assert page.context["refusal"]


def _run_last_job(kind):
    job = BackgroundJob.objects.filter(kind=kind).latest("pk")
    run(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    return job


def test_the_ledger_exports_every_compound_and_project_with_safe_text(world, data, street_user, client, year):
    evil = Compound.objects.create(division=world.community_a, name='=HYPERLINK("http://x","点我")')
    Programme.objects.filter(year=year, district=world.district).first().compounds.add(evil)
    services.refresh(full=True)
    client.force_login(street_user)
    response = client.post(f"/overview/{world.street_a.pk}/export/?year={year}", {"kind": "ledger"})
    assert response.status_code == 302
    job = _run_last_job("overview_ledger")
    wb = load_workbook(io.BytesIO(job.result_file.read()))
    sheets = wb.sheetnames
    assert len(sheets) == 4
    compounds = wb[sheets[2]]
    names = [row[1].value for row in compounds.iter_rows(min_row=2)]
    assert evil.name in names
    cell = next(row[1] for row in compounds.iter_rows(min_row=2) if row[1].value == evil.name)
    assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula
    in_street = Compound.objects.filter(division__path__startswith=world.street_a.path)
    assert world.compound_c.name not in names  # another street
    assert set(names) <= set(in_street.values_list("name", flat=True))
    assert AccessLog.objects.filter(object_type="overview_ledger", user=street_user).exists()


def test_the_household_ledger_lists_the_plan_households(world, data, secretary_a, client, year):
    from communities.models import Household
    from supervision.overview.ledger import household_compounds

    client.force_login(secretary_a)
    client.post(f"/overview/{world.community_a.pk}/export/?year={year}", {"kind": "households"})
    job = _run_last_job("household_ledger")
    rows = list(
        load_workbook(io.BytesIO(job.result_file.read()), read_only=True).active.iter_rows(values_only=True)
    )
    expected = Household.objects.filter(
        building__compound__in=household_compounds(secretary_a, world.community_a, year)
    )
    assert len(rows) - 1 == expected.count() > 0
    assert job.result == {"rows": expected.count()}


def test_an_export_of_another_place_is_refused(world, data, secretary_a, client):
    client.force_login(secretary_a)
    assert client.post(f"/overview/{world.community_b.pk}/export/", {"kind": "ledger"}).status_code == 404


# --- the arithmetic of the shown rates ---------------------------------------------------------------


@pytest.mark.parametrize(
    "num, den, line, shown",
    [
        (8996, 10000, Fraction(9, 10), Decimal("89.9")),  # below the line: never shown as 90.0
        (9004, 10000, Fraction(901, 1000), Decimal("90.0")),  # below 90.1: 90.0, not 90.1
        (9001, 10000, Fraction(9, 10), Decimal("90.1")),  # at or above: rounded up, never below
        (2, 3, Fraction(2, 3), Decimal("66.7")),  # exactly 2/3 passes and shows 66.7
        (6666, 10000, Fraction(2, 3), Decimal("66.6")),  # just below 2/3
        (1, 8, None, Decimal("12.5")),
        (9996, 10000, None, Decimal("99.9")),  # no line: down, never a 100.0% not reached
    ],
)
def test_a_rate_never_contradicts_its_line(num, den, line, shown):
    rate = F.Rate("x", num, den, line)
    assert rate.percent() == shown
    if line is not None:
        assert (rate.percent() >= Decimal(line.numerator * 100) / line.denominator) == rate.reaches_line


def test_worst_first_puts_places_without_a_base_last():
    column = next(c for c in F.COLUMNS if c.key == "coverage")
    rows = [("a", Fraction(1, 2)), ("b", None), ("c", Fraction(1, 4)), ("d", Fraction(3, 4))]
    assert [r[0] for r in F.worst_first(rows, column, lambda r: r[1])] == ["c", "a", "d", "b"]
    column = next(c for c in F.COLUMNS if c.key == "rect_overdue")
    rows = [("a", 1), ("b", 5), ("c", 0)]
    assert [r[0] for r in F.worst_first(rows, column, lambda r: r[1])] == ["b", "a", "c"]


@pytest.mark.parametrize(
    "num, den, line",
    [
        (8996, 10000, Fraction(9, 10)),
        (9001, 10000, Fraction(9, 10)),
        (2, 3, Fraction(2, 3)),
        (33333, 50000, Fraction(2, 3)),
    ],
)
def test_the_shown_rate_and_its_line_compare_like_the_fractions(num, den, line):
    rate = F.Rate("x", num, den, line)
    shown, required = Decimal(rate.display().rstrip("%")), Decimal(rate.line_display().rstrip("%"))
    assert (shown >= required) == rate.reaches_line
    assert F.Rate("y", 9996, 10000).display() == "99.9%"  # no line: never a 100% not reached
