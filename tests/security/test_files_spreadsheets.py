"""Issue 11: a spreadsheet can't kill a process.

The probe: a 1.6 KB .xlsx with one cell at XFD1048576 made the reader allocate ~512 GB and abort the
server process (the job stayed "running"); a dense file held a request for a minute and gigabytes. Each
file is built here by hand (a few zip entries), run through the real import job, and must fail the job
with a clear message while this (test) process lives on."""

from __future__ import annotations

import io
import os
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from communities import sheet_guard
from communities.choices import JobStatus
from communities.jobs import JobFailed, start_job

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def xlsx(cells: str, dimension: str | None) -> bytes:
    """A minimal .xlsx: `cells` is the <sheetData> content, `dimension` the declared ref (None: no tag)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main">{dim}<sheetData>{cells}</sheetData></worksheet>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def far_cell() -> str:
    return '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'


def dense_rows(n: int) -> str:
    return "".join(
        f'<row r="{i}"><c r="A{i}"><v>{i}</v></c><c r="B{i}"><v>{i}</v></c></row>' for i in range(1, n)
    )


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def run_import(world, secretary_a, django_capture_on_commit_callbacks):
    def run(data: bytes, name: str = "roster.xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            job = start_job(
                kind="roster_import",
                handler="communities.roster.import_roster",
                user=secretary_a,
                params={"compound": world.compound_a.pk, "language": "en"},
                input_file=SimpleUploadedFile(name, data),
            )
        job.refresh_from_db()
        return job

    return run


def test_one_cell_at_xfd1048576_fails_the_job_before_parsing(run_import):
    data = xlsx(far_cell(), "XFD1048576")
    assert len(data) < 2000  # the probe's size
    started = time.monotonic()
    job = run_import(data)
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert "1048576 rows and 16384 columns" in job.message, job.message
    assert time.monotonic() - started < 10


def test_dense_file_declaring_too_many_rows_is_refused_before_parsing(run_import, settings):
    settings.IMPORT_MAX_ROWS = 1000
    job = run_import(xlsx(dense_rows(5000), "A1:B4999"))
    assert job.status == JobStatus.FAILED
    assert "4999 rows" in job.message and "at most 1000 rows" in job.message


def test_too_many_columns_refused(run_import, settings):
    job = run_import(xlsx('<row r="1"><c r="A1"><v>1</v></c></row>', "A1:ZZ20"))
    assert job.status == JobStatus.FAILED and f"{settings.IMPORT_MAX_COLUMNS} columns" in job.message


def test_a_file_that_hides_its_size_fails_in_the_limited_child_not_here(run_import):
    """No <dimension>: nothing to check up front, so the reader's allocation (one cell at XFD1048576)
    hits the child's memory limit; the job fails with a message and this process lives on."""
    pid = os.getpid()
    job = run_import(xlsx(far_cell(), None))
    assert os.getpid() == pid
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert "more memory to read than an import may use" in job.message, job.message


def test_memory_limit_of_the_child(settings):
    settings.IMPORT_PARSE_MEMORY_BYTES = 4 * 1024 * 1024  # below what the reader needs
    with pytest.raises(JobFailed, match="more memory"):
        sheet_guard.read_first_sheet(xlsx('<row r="1"><c r="A1"><v>1</v></c></row>', "A1"))


def test_zip_bomb_refused_from_the_zip_directory(run_import, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    padding = '<row r="1"><c r="A1" t="inlineStr"><is><t>' + " " * (3 * 1024 * 1024) + "</t></is></c></row>"
    data = xlsx(padding, "A1")
    assert len(data) < 100_000
    job = run_import(data)
    assert job.status == JobStatus.FAILED and "unpacks to 3 MB" in job.message, job.message


def test_a_normal_sheet_is_still_read(settings):
    rows = sheet_guard.read_first_sheet(xlsx(dense_rows(4), "A1:B3"))
    assert rows == [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]] or rows == [[1, 1], [2, 2], [3, 3]]
