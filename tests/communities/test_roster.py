"""Roster import/export: the service, the job handlers, the pages and the API."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from communities import roster
from communities.choices import JobStatus, OwnershipKind
from communities.jobs import JobFailed, start_job
from communities.models import (
    AccessLog,
    BackgroundJob,
    Building,
    Household,
    Ownership,
    Person,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

HEADER = ["楼栋*", "单元*", "楼层*", "房号*", "专有部分面积(m²)", "面积来源", "是否空置", "姓名", "联系电话",
          "公民身份号码", "与房屋关系", "是否党员", "原党组织"]  # fmt: skip
ID1 = f.make_id_number(1)
ID2 = f.make_id_number(2)
ID3 = f.make_id_number(3)

GOOD = [
    ["1栋", "1", "1", "101", "86.45", "登记", "否", "张伟", "13812345678", ID1, "业主", "是", "竹岭社区党委"],
    ["1栋", "1", "1", "101", "86.45", "登记", "否", "李娜", "13912345678", ID2, "共有人", "否", ""],
    ["1栋", "1", "1", "102", "72.3", "测绘", "否", "王芳", "", "", "业主", "", ""],
    ["1栋", "1", "1", "102", "72.3", "测绘", "否", "赵磊", "15012345678", "", "租户", "", ""],
    ["1栋", "2", "3", "301", "101", "合同", "是", "", "", "", "", "", ""],
    [
        "2栋",
        "1",
        "6",
        "601",
        "118.00",
        "登记",
        "否",
        "张伟",
        "13812345678",
        ID1,
        "业主",
        "是",
        "竹岭社区党委",
    ],
    ["2栋", "1", "5", "501", "", "", "", "", "", "", "", "", ""],
    ["2栋", "1", "2", "201", "65.5", "合同", "是", "武宁县某房地产开发有限公司", "", "", "开发商", "", ""],
]


def xlsx_bytes(rows, header=HEADER, english=True) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    if english:
        ws.append([c.en for c in roster.COLUMNS])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_text(rows, header=HEADER) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def counts(compound):
    return (
        Building.objects.filter(compound=compound).count(),
        Household.objects.filter(building__compound=compound).count(),
        Person.objects.filter(ownerships__household__building__compound=compound).distinct().count(),
        Ownership.objects.filter(household__building__compound=compound).count(),
    )


_capture = None


@pytest.fixture(autouse=True)
def _run_jobs_on_commit(django_capture_on_commit_callbacks):
    """Jobs start after commit; the test transaction never commits, so run the callbacks here."""
    global _capture
    _capture = django_capture_on_commit_callbacks
    yield
    _capture = None


def run_import(user, compound, data: bytes, name="roster.xlsx") -> BackgroundJob:
    with _capture(execute=True):
        job = _start_import(user, compound, data, name)
    job.refresh_from_db()
    return job


def _start_import(user, compound, data, name):
    return start_job(
        kind="roster_import",
        handler="communities.roster.import_roster",
        user=user,
        params={"compound": compound.pk, "language": "zh-hans"},
        input_file=SimpleUploadedFile(name, data),
    )


# --- import -------------------------------------------------------------------------------------------


def test_good_file_imports_buildings_households_owners(world, secretary_a):
    compound = world.compound_a
    job = run_import(secretary_a, compound, xlsx_bytes(GOOD))
    assert job.status == JobStatus.SUCCEEDED, (job.message, job.errors)
    assert counts(compound) == (2, 6, 5, 6)
    b1 = Building.objects.get(compound=compound, name="1栋")
    assert (b1.unit_count, b1.floor_count) == (2, 3)
    h101 = Household.objects.get(building=b1, unit="1", room="101")
    assert h101.exclusive_area == Decimal("86.45") and h101.area_source == "register"
    kinds = dict(h101.ownerships.values_list("person__name", "kind"))
    assert kinds == {"张伟": OwnershipKind.OWNER, "李娜": OwnershipKind.CO_OWNER}
    assert Household.objects.get(building=b1, room="301").is_vacant
    h501 = Household.objects.get(building__name="2栋", room="501")
    assert h501.exclusive_area is None and not h501.ownerships.exists()
    zhang = Person.objects.get(id_number=ID1)
    assert zhang.households.count() == 2  # one person owning two flats
    assert zhang.is_party_member and zhang.party_organization == "竹岭社区党委"
    assert zhang.division_id == world.community_a.pk
    developer = Person.objects.get(name="武宁县某房地产开发有限公司")
    assert developer.is_developer and developer.is_organization
    tenant = Ownership.objects.get(person__name="赵磊")
    assert tenant.kind == OwnershipKind.TENANT
    assert job.result["households_created"] == 6 and job.result["rows"] == len(GOOD)
    # the write's time, and within it the commit (deferred foreign-key checks): the benchmark splits
    # the import into Python's share and the database server's from these
    seconds = job.result["seconds"]
    assert set(seconds) == {"parse", "validate", "write", "commit"}
    assert 0 <= seconds["commit"] <= seconds["write"]


def test_reimport_is_idempotent_and_updates(world, secretary_a):
    compound = world.compound_a
    run_import(secretary_a, compound, xlsx_bytes(GOOD))
    before = counts(compound)
    job = run_import(secretary_a, compound, xlsx_bytes(GOOD))
    assert job.status == JobStatus.SUCCEEDED
    assert counts(compound) == before
    assert job.result["households_updated"] == 0 and job.result["people_created"] == 0
    changed = [row[:] for row in GOOD]
    changed[2][4] = changed[3][4] = "72.35"  # a corrected area (both rows of the flat)
    changed[3][10] = "家庭成员"  # the tenant is family after all
    job = run_import(secretary_a, compound, xlsx_bytes(changed))
    assert job.status == JobStatus.SUCCEEDED
    assert counts(compound) == before
    assert Household.objects.get(building__compound=compound, room="102").exclusive_area == Decimal("72.35")
    assert Ownership.objects.get(person__name="赵磊").kind == OwnershipKind.FAMILY


BAD = [
    [
        "1栋",
        "1",
        "1",
        "101",
        "86.456",
        "登记",
        "否",
        "张伟",
        "13812345678",
        ID1,
        "业主",
        "",
        "",
    ],  # 3 decimals
    ["1栋", "1", "1", "102", "-5", "登记", "否", "李娜", "", "", "业主", "", ""],  # area <= 0
    ["1栋", "1", "1", "103", "80", "估算", "否", "王芳", "", "", "业主", "", ""],  # area source
    ["1栋", "1", "1", "104", "80", "登记", "否", "赵磊", "12345", "", "业主", "", ""],  # phone
    ["1栋", "1", "1", "105", "80", "登记", "否", "钱程", "", ID3[:-1] + "0", "业主", "", ""],  # check digit
    ["1栋", "1", "1", "106", "80", "登记", "否", "孙丽", "", "", "房东", "", ""],  # relation
    ["", "1", "1", "107", "80", "登记", "否", "", "", "", "", "", ""],  # building missing
    ["1栋", "1", "1", "108", "80", "登记", "", "", "", "", "", "", ""],
    ["1栋", "1", "1", "108", "80", "登记", "", "", "", "", "", "", ""],  # duplicate room
    ["1栋", "一", "1", "109", "80", "登记", "", "", "", "", "", "", ""],  # unit
    ["1栋", "1", "2", "101", "86.45", "登记", "否", "周杰", "", "", "业主", "", ""],  # 101 on another floor
]


def test_bad_file_changes_nothing_and_reports_each_row(world, secretary_a):
    compound = world.compound_a
    job = run_import(secretary_a, compound, xlsx_bytes(GOOD[:1] + BAD))
    assert job.status == JobStatus.FAILED
    assert counts(compound) == (0, 0, 0, 0)
    assert not Person.objects.exists()
    found = {(e["row"], e["field"]) for e in job.errors}
    # header on rows 1-2, GOOD[0] on row 3, BAD from row 4
    assert found >= {
        (4, "exclusive_area"),
        (5, "exclusive_area"),
        (6, "area_source"),
        (7, "phone"),
        (8, "id_number"),
        (9, "relation"),
        (10, "building"),
        (12, "room"),
        (13, "unit"),
        (14, "floor"),
    }
    by_row = {e["row"]: e for e in job.errors}
    assert "校验" in by_row[8]["message"]  # Chinese messages (the job ran in zh-hans)
    assert by_row[9]["column"] == "与房屋关系"  # the template's own column name
    assert job.message == f"文件中发现 {len(job.errors)} 处问题，未导入任何数据。"


def test_validation_alone_touches_no_database(world, django_assert_num_queries):
    rows = roster.read_rows(xlsx_bytes(GOOD[:1] + BAD), "x.xlsx")
    with django_assert_num_queries(0):
        _plan, errors = roster.validate_rows(rows)
    assert errors.count >= 10


def test_max_rows_is_enforced(world, secretary_a, settings):
    settings.IMPORT_MAX_ROWS = 3
    job = run_import(secretary_a, world.compound_a, xlsx_bytes(GOOD))
    assert job.status == JobStatus.FAILED
    assert "3" in job.errors[0]["message"]
    assert counts(world.compound_a) == (0, 0, 0, 0)


def test_missing_required_column(world, secretary_a):
    header = ["楼栋", "单元", "房号", "姓名"]
    job = run_import(secretary_a, world.compound_a, xlsx_bytes([["1栋", "1", "101", "张三"]], header, False))
    assert job.status == JobStatus.FAILED
    assert job.errors[0]["field"] == "floor"


def test_csv_with_bom_and_gb18030(world, secretary_a):
    text = csv_text(GOOD)
    job = run_import(secretary_a, world.compound_a, "\ufeff".encode() + text.encode(), "roster.csv")
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert counts(world.compound_a) == (2, 6, 5, 6)
    job = run_import(secretary_a, world.compound_a, text.encode("gb18030"), "名册.csv")
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert counts(world.compound_a) == (2, 6, 5, 6)
    assert Person.objects.filter(name="张伟").count() == 1


def test_csv_without_bom_utf8(world, secretary_a):
    job = run_import(secretary_a, world.compound_a, csv_text(GOOD).encode(), "roster.csv")
    assert job.status == JobStatus.SUCCEEDED
    assert Household.objects.filter(building__compound=world.compound_a).count() == 6


def test_history_events_recorded_for_bulk_import(world, secretary_a):
    from communities.models import HouseholdEvent, PersonEvent

    job = run_import(secretary_a, world.compound_a, xlsx_bytes(GOOD))
    households = list(
        Household.objects.filter(building__compound=world.compound_a).values_list("pk", flat=True)
    )
    events = HouseholdEvent.objects.filter(pgh_obj_id__in=households, pgh_label="insert")
    assert events.count() == len(households)
    context = events.first().pgh_context
    assert context.metadata["job"] == job.pk and context.metadata["user"] == secretary_a.pk
    assert PersonEvent.objects.filter(pgh_label="insert").count() == 5


def test_cannot_import_into_another_communitys_compound(world, secretary_a):
    job = run_import(secretary_a, world.compound_b, xlsx_bytes(GOOD))
    assert job.status == JobStatus.FAILED
    assert counts(world.compound_b) == (0, 0, 0, 0)


def test_handler_refuses_read_only_roles(world, viewer):
    job = run_import(viewer, world.compound_a, xlsx_bytes(GOOD))
    assert job.status == JobStatus.FAILED


def test_unreadable_file_fails_cleanly(world, secretary_a):
    job = run_import(secretary_a, world.compound_a, b"not a spreadsheet", "roster.xlsx")
    assert job.status == JobStatus.FAILED
    assert job.message


def test_import_file_raises_jobfailed_directly(world):
    with pytest.raises(JobFailed) as exc:
        roster.import_file(world.compound_a, xlsx_bytes(GOOD[:1] + BAD), "bad.xlsx")
    assert len(exc.value.errors) >= 10


# --- template and export ------------------------------------------------------------------------------


def sheet_rows(data: bytes) -> list[list]:
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return wb.get_sheet_by_index(0).to_python()


def test_template_has_bilingual_header_and_imports_empty_as_error(world):
    data = roster.build_template()
    rows = sheet_rows(data)
    assert rows[0][:4] == ["楼栋*", "单元*", "楼层*", "房号*"]
    assert rows[1][0] == "Building"
    _plan, errors = roster.validate_rows(roster.read_rows(data, "t.xlsx"))
    assert errors.count == 1  # no rows below the header


def test_template_filled_imports(world, secretary_a):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(roster.build_template()))
    ws = wb.active
    for i, row in enumerate(GOOD, start=3):
        for j, value in enumerate(row, start=1):
            ws.cell(row=i, column=j, value=value)
    out = io.BytesIO()
    wb.save(out)
    job = run_import(secretary_a, world.compound_a, out.getvalue())
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert counts(world.compound_a) == (2, 6, 5, 6)


def run_export(user, compound, *, unmask: bool = False) -> BackgroundJob:
    full = {"unmask": True, "unmask_reason": "核对花名册"} if unmask else {}
    with _capture(execute=True):
        job = start_job(
            kind="roster_export",
            handler="communities.roster.export_roster",
            user=user,
            params={"compound": compound.pk, **full},
        )
    job.refresh_from_db()
    return job


def exported(job) -> list[list]:
    with job.result_file.open("rb") as fh:
        return sheet_rows(fh.read())


def test_export_unmasked_for_secretary_and_logged(world, secretary_a):
    run_import(secretary_a, world.compound_a, xlsx_bytes(GOOD))
    job = run_export(secretary_a, world.compound_a, unmask=True)
    assert job.status == JobStatus.SUCCEEDED, job.message
    rows = exported(job)
    assert rows[0][0] == "楼栋*"
    data = rows[2:]
    assert len(data) == len(GOOD)
    assert any(r[8] == "13812345678" and r[9] == ID1 for r in data)
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT, user=secretary_a)
    assert log.object_id == str(world.compound_a.pk) and "unmasked" in log.fields


def test_export_roundtrips_through_import(world, secretary_a):
    run_import(secretary_a, world.compound_a, xlsx_bytes(GOOD))
    before = counts(world.compound_a)
    job = run_export(secretary_a, world.compound_a, unmask=True)
    with job.result_file.open("rb") as fh:
        again = run_import(secretary_a, world.compound_a, fh.read())
    assert again.status == JobStatus.SUCCEEDED, again.errors
    assert counts(world.compound_a) == before
    assert again.result["households_updated"] == 0


@pytest.mark.parametrize("who", ["viewer", "grid_worker_a"])
def test_export_masked_for_viewer_and_grid_worker(world, secretary_a, who, request):
    user = request.getfixturevalue(who)
    run_import(secretary_a, world.compound_a, xlsx_bytes(GOOD))
    job = run_export(user, world.compound_a)
    assert job.status == JobStatus.SUCCEEDED, job.message
    data = exported(job)[2:]
    phones = {r[8] for r in data if r[8]}
    ids = {r[9] for r in data if r[9]}
    assert "138****5678" in phones and "13812345678" not in phones
    assert all("*" in i for i in ids)
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT, user=user)
    assert "masked" in log.fields and "unmasked" not in log.fields


def test_export_refused_outside_scope_and_for_contractor(world, secretary_b, contractor):
    job = run_export(secretary_b, world.compound_a)
    assert job.status == JobStatus.FAILED and not job.result_file
    job = run_export(contractor, world.compound_a)
    assert job.status == JobStatus.FAILED
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


# --- pages --------------------------------------------------------------------------------------------


def test_template_download_page(client, secretary_a):
    client.force_login(secretary_a)
    response = client.get(reverse("communities:roster_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert sheet_rows(response.content)[0][0] == "楼栋*"


def test_import_page_in_chinese_lists_only_editable_compounds(client, secretary_a, world):
    client.force_login(secretary_a)
    response = client.get(reverse("communities:roster_import"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "导入花名册" in text and "下载花名册模板" in text
    assert list(response.context["form"].fields["compound"].queryset) == [world.compound_a]


def test_import_page_scoping(client, world, secretary_a, viewer, street_user):
    url = reverse("communities:roster_import")
    client.force_login(secretary_a)
    assert client.get(url, {"compound": world.compound_b.pk}).status_code == 404
    assert client.get(url, {"compound": world.compound_a.pk}).status_code == 200
    client.force_login(street_user)
    assert client.get(url, {"compound": world.compound_c.pk}).status_code == 404
    client.force_login(viewer)
    assert client.get(url).status_code == 403


def test_import_through_the_page_runs_the_job(client, world, secretary_a, django_capture_on_commit_callbacks):
    client.force_login(secretary_a)
    upload = SimpleUploadedFile("roster.xlsx", xlsx_bytes(GOOD))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("communities:roster_import"), {"compound": world.compound_a.pk, "file": upload}
        )
    job = BackgroundJob.objects.get(created_by=secretary_a)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert counts(world.compound_a) == (2, 6, 5, 6)
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200


def test_import_page_refuses_another_communitys_compound(client, world, secretary_a):
    client.force_login(secretary_a)
    upload = SimpleUploadedFile("roster.xlsx", xlsx_bytes(GOOD))
    response = client.post(
        reverse("communities:roster_import"), {"compound": world.compound_b.pk, "file": upload}
    )
    assert response.status_code == 200 and response.context["form"].errors["compound"]
    assert not BackgroundJob.objects.exists()
    assert counts(world.compound_b) == (0, 0, 0, 0)


def test_import_page_refuses_other_file_types(client, world, secretary_a):
    client.force_login(secretary_a)
    upload = SimpleUploadedFile("roster.pdf", b"%PDF-1.4")
    response = client.post(
        reverse("communities:roster_import"), {"compound": world.compound_a.pk, "file": upload}
    )
    assert response.status_code == 200 and response.context["form"].errors["file"]


def test_export_page_scoping(
    client, world, secretary_a, secretary_b, contractor, django_capture_on_commit_callbacks
):
    url = reverse("communities:roster_export", args=[world.compound_a.pk])
    client.force_login(secretary_b)
    assert client.post(url).status_code == 404
    client.force_login(contractor)
    assert client.post(url).status_code == 403
    client.force_login(secretary_a)
    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = BackgroundJob.objects.get(created_by=secretary_a, kind="roster_export")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result_file
    download = client.get(reverse("communities:job_download", args=[job.pk]))
    assert download.status_code == 200


def test_job_page_visible_only_to_its_creator(client, world, secretary_a, secretary_b, street_user):
    job = run_import(secretary_a, world.compound_a, xlsx_bytes(GOOD))
    for other in (secretary_b, street_user):
        client.force_login(other)
        assert client.get(job.get_absolute_url()).status_code == 404
    client.force_login(secretary_a)
    assert client.get(job.get_absolute_url()).status_code == 200


def test_failed_import_page_lists_the_errors(client, world, secretary_a):
    job = run_import(secretary_a, world.compound_a, xlsx_bytes(GOOD[:1] + BAD))
    client.force_login(secretary_a)
    text = client.get(job.get_absolute_url()).content.decode()
    assert "job-errors" in text and "面积最多保留两位小数" in text


def test_roster_actions_partial_renders(rf, world, secretary_a):
    from django.template.loader import render_to_string

    from communities.scoping import get_scope

    request = rf.get("/")
    request.user = secretary_a
    html = render_to_string(
        "communities/_roster_actions.html",
        {"compound": world.compound_a, "scope": get_scope(secretary_a), "can_edit": True},
        request=request,
    )
    assert reverse("communities:roster_export", args=[world.compound_a.pk]) in html
    assert f"?compound={world.compound_a.pk}" in html
    html = render_to_string(
        "communities/_roster_actions.html",
        {"compound": world.compound_a, "scope": get_scope(secretary_a), "can_edit": False},
        request=request,
    )
    assert "?compound=" not in html and "roster/export" in html


# --- API ----------------------------------------------------------------------------------------------


def api_import(api_as, user, compound, data=None, name="roster.xlsx"):
    upload = SimpleUploadedFile(name, data or xlsx_bytes(GOOD))
    return api_as(user).post(
        "/api/v1/roster-imports/", {"compound": compound.pk, "file": upload}, format="multipart"
    )


def test_api_import_accepted_and_pollable(api_as, world, secretary_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_import(api_as, secretary_a, world.compound_a)
    assert response.status_code == 202, response.data
    job_id = response.data["id"]
    assert response["Location"] == f"/api/v1/jobs/{job_id}/"
    polled = api_as(secretary_a).get(f"/api/v1/jobs/{job_id}/")
    assert polled.status_code == 200
    assert polled.data["status"] == "succeeded" and polled.data["percent"] == 100
    assert counts(world.compound_a) == (2, 6, 5, 6)


def test_api_import_bad_file_reports_errors(api_as, world, secretary_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_import(api_as, secretary_a, world.compound_a, xlsx_bytes(GOOD[:1] + BAD))
    polled = api_as(secretary_a).get(f"/api/v1/jobs/{response.data['id']}/").data
    assert polled["status"] == "failed"
    assert {"row", "column", "field", "message"} <= set(polled["errors"][0])
    assert counts(world.compound_a) == (0, 0, 0, 0)


def test_api_import_scoping(api_as, world, secretary_a, viewer, contractor):
    assert api_import(api_as, secretary_a, world.compound_b).status_code == 404
    assert api_import(api_as, secretary_a, world.compound_c).status_code == 404
    assert api_import(api_as, viewer, world.compound_a).status_code == 403
    assert api_import(api_as, contractor, world.compound_a).status_code == 403
    assert api_import(api_as, None, world.compound_a).status_code in (401, 403)
    assert not BackgroundJob.objects.exists()


def test_api_export_masked_for_viewer_and_jobs_private(
    api_as, world, secretary_a, viewer, contractor, django_capture_on_commit_callbacks
):
    run_import(secretary_a, world.compound_a, xlsx_bytes(GOOD))
    assert (
        api_as(contractor).post("/api/v1/roster-exports/", {"compound": world.compound_a.pk}).status_code
        == 403
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(viewer).post("/api/v1/roster-exports/", {"compound": world.compound_a.pk})
    assert response.status_code == 202
    job = BackgroundJob.objects.get(pk=response.data["id"])
    assert job.status == JobStatus.SUCCEEDED and job.result["unmasked"] is False
    assert all("*" in r[9] for r in exported(job)[2:] if r[9])
    assert api_as(secretary_a).get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert api_as(viewer).get(f"/api/v1/jobs/{job.pk}/").data["download_url"]
    # API clients download the file with their token; someone else's job is a 404
    url = api_as(viewer).get(f"/api/v1/jobs/{job.pk}/").data["download_url"]
    download = api_as(viewer).get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"  # an .xlsx (zip)
    assert api_as(secretary_a).get(url).status_code == 404
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, reason="api download").count() == 1


def test_import_cannot_change_or_link_a_person_registered_outside_the_scope(world, secretary_a):
    outsider = f.PersonFactory(
        division=world.community_b, name="外社区业主", phone="13700000000", id_number=ID3
    )
    row = ["1栋", "1", "1", "101", "86.45", "登记", "否", "改名", "13912340000", ID3, "业主", "", ""]
    before = counts(world.compound_a)
    job = run_import(secretary_a, world.compound_a, xlsx_bytes([row]))
    assert job.status == JobStatus.FAILED
    assert [e["field"] for e in job.errors] == ["id_number"]
    assert counts(world.compound_a) == before
    outsider.refresh_from_db()
    assert (outsider.name, outsider.phone) == ("外社区业主", "13700000000")
    # the same person registered in her own community is found and updated
    outsider.division = world.community_a
    outsider.save()
    job = run_import(secretary_a, world.compound_a, xlsx_bytes([row]))
    assert job.status == JobStatus.SUCCEEDED, job.errors
    outsider.refresh_from_db()
    assert outsider.name == "改名"
    assert Ownership.objects.filter(person=outsider, household__building__compound=world.compound_a).exists()
