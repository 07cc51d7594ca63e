"""Reading an uploaded spreadsheet without letting it kill the process.

A spreadsheet reader allocates by what the file declares: python-calamine reserves the sheet's whole
declared range, so a 1.6 KB .xlsx with one cell at XFD1048576 asks for ~512 GB and aborts the process,
and a zip of a few MB can inflate to gigabytes. So, before any parsing:

1. the archive's uncompressed size is checked (zip bomb), reading only the zip directory;
2. the first sheet's declared `<dimension ref="A1:XFD1048576"/>` is read from the head of its XML
   (no cell is parsed) and held against IMPORT_MAX_ROWS and IMPORT_MAX_COLUMNS;

and then the sheet is parsed in a child process (communities/sheet_parse.py) under a memory limit
(RLIMIT_AS) and a time limit, so a file that lies about its size fails the job with a clear message
instead of taking the worker down (the job never stays "running").
"""

from __future__ import annotations

import io
import pickle
import re
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from .jobs import JobFailed

HEADER_ROWS = 10  # header lines and notes a roster may carry above its data
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?\"")
PARSER = Path(__file__).with_name("sheet_parse.py")


def _limits() -> tuple[int, int, int, int, int]:
    return (
        settings.IMPORT_MAX_ROWS,
        getattr(settings, "IMPORT_MAX_COLUMNS", 100),
        getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024),
        getattr(settings, "IMPORT_PARSE_MEMORY_BYTES", 1024 * 1024 * 1024),
        getattr(settings, "IMPORT_PARSE_SECONDS", 60),
    )


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def _first_sheet_path(archive: zipfile.ZipFile) -> str | None:
    """xl/workbook.xml names the sheets in order; its rels file says which part each one is."""
    names = set(archive.namelist())
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return next((n for n in sorted(names) if n.startswith("xl/worksheets/")), None)
    sheet = re.search(rb"<(?:\w+:)?sheet\b[^>]*?\br(?:elationships)?:id=\"([^\"]+)\"", workbook)
    if sheet:
        rid = re.escape(sheet.group(1))
        for rel in re.finditer(rb"<Relationship\b[^>]*>", rels):
            tag = rel.group(0)
            if re.search(rb"\bId=\"" + rid + rb"\"", tag):
                target = re.search(rb"\bTarget=\"([^\"]+)\"", tag)
                if target:
                    path = target.group(1).decode("utf-8", "replace").lstrip("/")
                    path = path if path.startswith("xl/") else f"xl/{path}"
                    return str(PurePosixPath(path))
    return "xl/worksheets/sheet1.xml" if "xl/worksheets/sheet1.xml" in names else None


def _declared_size(archive: zipfile.ZipFile, sheet: str) -> tuple[int, int] | None:
    """(rows, columns) from the sheet's <dimension>, read from the first 64 KB of its XML."""
    with archive.open(sheet) as fh:
        head = b""
        while len(head) < 65536:
            chunk = fh.read(8192)
            if not chunk:
                break
            head += chunk
            if b"<sheetData" in head:  # the dimension comes before the cells
                break
    match = DIMENSION.search(head)
    if not match:
        return None
    first_col, first_row, last_col, last_row = match.groups()
    last_col = last_col or first_col or b"A"
    last_row = last_row or first_row or b"1"
    return int(last_row), column_number(last_col.decode())


def check_archive(data: bytes) -> None:
    """Refuse, before any parsing, a zip that inflates too far or an .xlsx whose first sheet declares
    more rows or columns than an import accepts. Not a zip (CSV, .xls): nothing to check here."""
    max_rows, max_cols, max_unzipped, _memory, _seconds = _limits()
    if not data.startswith(b"PK\x03\x04"):
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise JobFailed(_("The file could not be read as a spreadsheet: it is a damaged archive.")) from exc
    with archive:
        unzipped = sum(info.file_size for info in archive.infolist())
        if unzipped > max_unzipped:
            raise JobFailed(
                _(
                    "The spreadsheet unpacks to %(size)d MB, more than the %(limit)d MB an import may use. "
                    "Save it again as a plain .xlsx with only the roster, or split it into several files."
                )
                % {"size": unzipped // (1024 * 1024), "limit": max_unzipped // (1024 * 1024)}
            )
        sheet = _first_sheet_path(archive)
        if sheet is None or sheet not in archive.namelist():
            return  # not an .xlsx (e.g. .ods): the limited parser decides
        size = _declared_size(archive, sheet)
    if size is None:
        return
    rows, cols = size
    if rows > max_rows + HEADER_ROWS or cols > max_cols:
        raise JobFailed(
            _(
                "The sheet declares %(rows)d rows and %(cols)d columns; an import takes at most %(max_rows)d "
                "rows and %(max_cols)d columns. Delete the empty rows and columns below and right of the "
                "roster (or copy the roster into a new file) and upload it again."
            )
            % {"rows": rows, "cols": cols, "max_rows": max_rows, "max_cols": max_cols}
        )


def read_first_sheet(data: bytes) -> list[list[Any]]:
    """The first sheet's raw cell values, after check_archive(), parsed in a child process under the
    memory and time limits. Raises JobFailed with a message a person can act on."""
    check_archive(data)
    _rows, _cols, _unzipped, memory, seconds = _limits()
    try:
        done = subprocess.run(
            [sys.executable, "-I", str(PARSER), str(memory), str(seconds)],
            input=data,
            capture_output=True,
            timeout=seconds + 5,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise JobFailed(
            _(
                "Reading the spreadsheet took longer than %(seconds)d seconds and was stopped. Save the "
                "roster alone in a new .xlsx file (without empty formatted rows) or split it."
            )
            % {"seconds": seconds}
        ) from exc
    if done.returncode != 0 or not done.stdout:
        raise JobFailed(
            _(
                "The spreadsheet needs more memory to read than an import may use (%(limit)d MB), so it "
                "was stopped. It probably has formatted empty rows or columns far below or right of the "
                "roster: copy the roster into a new file and upload it again."
            )
            % {"limit": memory // (1024 * 1024)}
        )
    kind, payload = pickle.loads(done.stdout)  # our own child's output
    if kind == "error":
        raise JobFailed(
            _("The file could not be read as a spreadsheet (.xlsx, .xls, .ods) or CSV: %(error)s")
            % {"error": payload}
        )
    return payload
