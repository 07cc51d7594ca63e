"""The overview's ledgers (台账) in Excel, written as background jobs in constant memory.

- `overview_ledger`: the division's figures (the page's sections), its children, every compound of the
  year's plan below it and every project of the year below it.
- `household_ledger`: every household of the year's plan below the division (address, area, vacancy,
  people on the roster, visits and the latest attitude, opinions). No names or phone numbers.

Rows stream from a server-side cursor into XlsxWriter's `constant_memory` mode (each row goes to disk
once written), and the finished file is copied to storage from disk: memory does not grow with the rows
(benchmarks/ledger.py shows it). Text cells never become formulas: they are written as strings, and a
text that starts like a formula (= + - @, tab, CR) is stored with Excel's quote prefix as well, so it is
shown and kept as typed even when the cell is edited.
"""

from __future__ import annotations

import datetime
import os
import tempfile
from decimal import Decimal

import xlsxwriter
from django.core.files import File
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from communities import access
from communities.choices import RESIDENT_DATA_ROLES
from communities.jobs import JobFailed
from communities.models import AccessLog, Compound, Division
from communities.scoping import get_scope
from communities.spreadsheets import is_formula_like
from consultations.choices import Attitude
from projects.choices import ProjectStatus

from . import figures as F
from . import presentation, querysets
from .compute import m2m, t
from .models import CompoundRollup

CHUNK = 2000


class Sheet:
    """A worksheet written row by row: strings as strings (quote-prefixed when they look like a
    formula), numbers as numbers, dates as dates."""

    def __init__(self, book: Ledger, name: str, headers: list[str], widths: dict[int, int] | None = None):
        self.book = book
        self.ws = book.wb.add_worksheet(name[:31])
        self.row = 0
        for col, width in (widths or {}).items():
            self.ws.set_column(col, col, width)
        if headers:
            self.write([str(h) for h in headers], header=True)
            self.ws.freeze_panes(1, 0)

    def write(self, values: list, *, header: bool = False) -> None:
        ws, b = self.ws, self.book
        for col, v in enumerate(values):
            if v is None or v == "":
                continue
            if header:
                ws.write_string(self.row, col, str(v), b.header)
            elif isinstance(v, bool):
                ws.write_string(self.row, col, pgettext("boolean", "yes") if v else pgettext("boolean", "no"))
            elif isinstance(v, int | float | Decimal):
                ws.write_number(self.row, col, float(v), b.money if isinstance(v, Decimal) else None)
            elif isinstance(v, datetime.datetime):
                ws.write_datetime(self.row, col, timezone.localtime(v).replace(tzinfo=None), b.datetime)
            elif isinstance(v, datetime.date):
                ws.write_datetime(self.row, col, datetime.datetime.combine(v, datetime.time()), b.date)
            else:
                text = str(v)
                ws.write_string(self.row, col, text, b.quoted if is_formula_like(text) else None)
        self.row += 1


class Ledger:
    """An .xlsx file on disk in constant-memory mode."""

    def __init__(self) -> None:
        fd, self.path = tempfile.mkstemp(suffix=".xlsx")
        os.close(fd)
        self.wb = xlsxwriter.Workbook(
            self.path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        self.header = self.wb.add_format({"bold": True, "text_wrap": True, "valign": "vcenter"})
        self.money = self.wb.add_format({"num_format": "#,##0.00"})
        self.date = self.wb.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = self.wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.quoted = self.wb.add_format({"quote_prefix": True})

    def sheet(self, name: str, headers: list[str], widths: dict[int, int] | None = None) -> Sheet:
        return Sheet(self, name, headers, widths)

    def save_to(self, job, filename: str) -> None:
        self.wb.close()
        try:
            with open(self.path, "rb") as fh:
                job.result_file.save(filename, File(fh), save=False)
        finally:
            os.unlink(self.path)


def _job_division(job) -> tuple[Division, int]:
    user = job.created_by
    params = job.params or {}
    division = querysets.divisions_for(user).filter(pk=params.get("division")).first()
    if division is None:
        raise JobFailed(_("This division is not (or no longer) in your area."))
    return division, int(params.get("year") or querysets.this_year())


def _place_names(division: Division) -> dict[int, list[str]]:
    """division id -> names from the division itself down to it (for the address columns)."""
    names: dict[int, list[str]] = {}
    depth = len(division.path.strip("/").split("/"))
    rows = Division.objects.filter(path__startswith=division.path).values_list("pk", "name", "path")
    by_id = {pk: name for pk, name, _p in rows}
    for pk, _name, path in rows:
        ids = [int(p) for p in path.strip("/").split("/") if p][depth - 1 :]
        names[pk] = [by_id.get(i, "") for i in ids]
    return names


def _stream(sql: str, params: dict):
    """Rows of a query through a server-side cursor, CHUNK at a time."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            rows = cursor.fetchmany(CHUNK)
            if not rows:
                return
            yield from rows


# --- the overview ledger -------------------------------------------------------------------------


def overview_ledger(job, progress) -> None:
    division, year = _job_division(job)
    user = job.created_by
    fig = querysets.division_figures(division, year)
    as_of = querysets.as_of(year)
    children = querysets.child_rows(division, year)
    compounds = CompoundRollup.objects.filter(year=year, compound__division__path__startswith=division.path)
    total = len(children) + compounds.count() + 1
    done = 0
    progress(0, total, force=True)
    book = Ledger()

    summary = book.sheet(_("Summary"), [], {0: 34, 1: 18, 2: 40})
    summary.write([_("%(name)s overview, %(year)s") % {"name": division.name, "year": year}])
    summary.write([_("Figures as of"), timezone.localtime(as_of) if as_of else _("not counted yet")])
    summary.write([])
    for line in presentation.kpis(fig):
        summary.write([line.label, line.value, line.detail])
    for section in presentation.sections(fig):
        summary.write([])
        summary.write([section.title], header=True)
        for line in section.lines:
            summary.write([line.label, line.value, line.detail])
        if section.table:
            summary.write(section.columns, header=True)
            for row in section.table:
                summary.write(row)
    done += 1

    headers = [_("Name"), _("Level")] + [c.label for c in F.COLUMNS]
    sheet = book.sheet(
        _("Divisions below") if division.level != "community" else _("Compounds"), headers, {0: 24}
    )
    for row in children:
        sheet.write([row.name, row.level] + [_number(row.figures, c) for c in F.COLUMNS])
        done += 1
    progress(done, total)

    # every compound of the year's plan below the division
    names = _place_names(division)
    headers = [
        _("Place"),
        _("Compound"),
        _("Households"),
        _("Not vacant"),
        _("Visited"),
        _("Visit coverage (%)"),
        _("Supports"),
        _("Opposes"),
        _("Opinions"),
        _("Demands resolved"),
        _("Answered on time (%)"),
        _("Projects"),
        _("Construction started"),
        _("Completed"),
        _("Consent reached"),
        _("Progress (%)"),
        _("Behind schedule"),
        _("Open orders"),
        _("Overdue orders"),
        _("Open disputes"),
    ]
    sheet = book.sheet(_("Compounds in plan"), headers, {0: 30, 1: 24})
    rows = (
        compounds.select_related("compound")
        .order_by("compound__division__path", "compound__name", "compound_id")
        .values_list("compound__division_id", "compound__name", "figures")
    )
    for division_id, name, data in rows.iterator(chunk_size=CHUNK):
        f = querysets.Figures.of(data)
        c, r, d = f.counts, f.rates, f.derived
        sheet.write(
            [
                " / ".join(names.get(division_id, [])[1:]),
                name,
                c["plan_households"],
                c["households_nonvacant"],
                c["visited"],
                r["coverage"].percent(),
                c["support"],
                c["oppose"],
                d["funnel"]["received"],
                c["opinions_resolved"],
                r["answered_on_time"].percent(),
                c["projects"],
                bool(c["started_compounds"]),
                bool(c["completed_compounds"]),
                bool(c["consent_compounds"]),
                r["progress"].percent(),
                c["projects_behind"],
                d["rect_open"],
                d["rect_overdue"],
                c["disputes_open"],
            ]
        )
        done += 1
        progress(done, total)

    project_rows = _project_sheet(book, division, year, names)
    _finish(job, book, user, "overview_ledger", f"overview-ledger-{division.pk}-{year}", done + project_rows)


def _number(fig: querysets.Figures, column: F.Column):
    if column.kind == "rate":
        return fig.rates[column.key].percent()
    return fig.value(column)


def _project_sheet(book: Ledger, division: Division, year: int, names: dict[int, list[str]]) -> int:
    """Every project of the year covering a compound below the division, with its own figures."""
    today = timezone.localdate()
    headers = [
        _("Project"),
        _("Run by"),
        _("Compounds"),
        _("Status"),
        _("Planned completion"),
        _("Budget (yuan)"),
        _("Progress (%)"),
        _("Funding planned (yuan)"),
        _("Funding received (yuan)"),
        _("Behind schedule"),
        _("Overdue milestones"),
        _("Open orders"),
        _("Overdue orders"),
        _("Open disputes"),
        _("Acceptance rounds"),
        _("Accepted in round"),
    ]
    sheet = book.sheet(_("Projects"), headers, {0: 36, 2: 30})
    status_labels = dict(ProjectStatus.choices)
    sql = f"""
        WITH yp AS (
            SELECT DISTINCT p.id FROM {t("projects.Project")} p
            JOIN {m2m("projects.Project", "compounds")} pc ON pc.project_id = p.id
            JOIN {t("communities.Compound")} c ON c.id = pc.compound_id
            JOIN {t("communities.Division")} d ON d.id = c.division_id
            WHERE p.year = %(year)s AND d.path LIKE %(path)s
        )
        SELECT p.name, rd.name, (
                   SELECT string_agg(c.name, '、' ORDER BY c.name)
                   FROM {m2m("projects.Project", "compounds")} pc
                   JOIN {t("communities.Compound")} c ON c.id = pc.compound_id WHERE pc.project_id = p.id),
               p.status, p.planned_end,
               COALESCE(wi.budget, 0), wi.weighted, wi.mean, COALESCE(wi.n, 0),
               COALESCE(fl.planned, 0), COALESCE(fl.received, 0),
               p.status <> ALL(%(completed)s) AND (p.planned_end < %(today)s OR COALESCE(wi.late, false)),
               (SELECT count(*) FROM {t("projects.Milestone")} m WHERE m.project_id = p.id
                  AND m.actual_date IS NULL AND m.planned_date < %(today)s),
               (SELECT count(*) FROM {t("supervision.Rectification")} r WHERE r.project_id = p.id
                  AND r.status <> 'verified'),
               (SELECT count(*) FROM {t("supervision.Rectification")} r WHERE r.project_id = p.id
                  AND r.status <> 'verified' AND r.deadline < %(today)s),
               (SELECT count(*) FROM {t("supervision.Dispute")} x WHERE x.project_id = p.id
                  AND x.status IN ('open', 'mediating')),
               (SELECT count(*) FROM {t("supervision.AcceptanceRound")} a WHERE a.project_id = p.id
                  AND a.status IN ('passed', 'failed')),
               (SELECT min(number) FROM {t("supervision.AcceptanceRound")} a WHERE a.project_id = p.id
                  AND a.status = 'passed')
        FROM yp JOIN {t("projects.Project")} p ON p.id = yp.id
        JOIN {t("communities.Division")} rd ON rd.id = p.division_id
        LEFT JOIN (
            SELECT project_id, sum(budget) AS budget, sum(budget * progress) AS weighted,
                   avg(progress) AS mean, count(*) AS n,
                   bool_or(planned_end < %(today)s AND progress < 100) AS late
            FROM {t("projects.WorkItem")} WHERE project_id IN (SELECT id FROM yp) GROUP BY project_id
        ) wi ON wi.project_id = p.id
        LEFT JOIN (
            SELECT project_id, sum(planned) AS planned, sum(received) AS received
            FROM {t("projects.FundingLine")} WHERE project_id IN (SELECT id FROM yp) GROUP BY project_id
        ) fl ON fl.project_id = p.id
        ORDER BY rd.path, p.name, p.id
    """
    from projects.services import derive_progress

    params = {"year": year, "path": division.path + "%", "today": today, "completed": F.COMPLETED}
    n = 0
    for row in _stream(sql, params):
        (
            name,
            run_by,
            compounds,
            status,
            planned_end,
            budget,
            weighted,
            mean,
            items,
            planned,
            received,
            *rest,
        ) = row
        sheet.write(
            [
                name,
                run_by,
                compounds,
                str(status_labels.get(status, status)),
                planned_end,
                budget,
                derive_progress(budget, weighted, mean, items),
                planned,
                received,
                *rest,
            ]
        )
        n += 1
    return n


# --- the household ledger ------------------------------------------------------------------------


def household_compounds(user, division: Division, year: int) -> list[int]:
    """The compounds of the year's plan below the division whose households the user may read."""
    from projects.aggregates import plan_compounds

    return list(
        Compound.objects.filter(get_scope(user).q("division__path", RESIDENT_DATA_ROLES))
        .filter(division__path__startswith=division.path, pk__in=plan_compounds(year).values("pk"))
        .values_list("pk", flat=True)
    )


def household_rows(compound_ids: list[int], *, limit: int | None = None):
    """(community id, compound, building, unit, floor, room, area, area source, vacant, people, visits,
    last visit, latest answered attitude, opinions) per household, streamed in address order."""
    sql = f"""
        WITH vis AS (
            SELECT household_id, count(*) AS n, max(visited_at) AS last_at,
                   (array_agg(attitude ORDER BY visited_at DESC, id DESC)
                        FILTER (WHERE attitude <> 'not_at_home'))[1] AS latest
            FROM {t("consultations.Visit")} WHERE compound_id = ANY(%(ids)s) GROUP BY household_id
        ), own AS (
            SELECT o.household_id, count(*) AS n FROM {t("communities.Ownership")} o
            JOIN {t("communities.Household")} h ON h.id = o.household_id
            JOIN {t("communities.Building")} b ON b.id = h.building_id
            WHERE b.compound_id = ANY(%(ids)s) GROUP BY o.household_id
        ), op AS (
            SELECT household_id, count(*) AS n FROM {t("consultations.Opinion")}
            WHERE compound_id = ANY(%(ids)s) AND household_id IS NOT NULL GROUP BY household_id
        )
        SELECT c.division_id, c.name, b.name, h.unit, h.floor, h.room, h.exclusive_area, h.area_source,
               h.is_vacant, COALESCE(own.n, 0), COALESCE(vis.n, 0), vis.last_at, vis.latest, COALESCE(op.n, 0)
        FROM {t("communities.Household")} h
        JOIN {t("communities.Building")} b ON b.id = h.building_id
        JOIN {t("communities.Compound")} c ON c.id = b.compound_id
        LEFT JOIN vis ON vis.household_id = h.id
        LEFT JOIN own ON own.household_id = h.id
        LEFT JOIN op ON op.household_id = h.id
        WHERE b.compound_id = ANY(%(ids)s)
        ORDER BY c.division_id, c.name, c.id, b.name, b.id, h.unit, h.floor, h.room, h.id
        {"LIMIT %(limit)s" if limit else ""}
    """
    return _stream(sql, {"ids": compound_ids, "limit": limit})


def household_ledger(job, progress) -> None:
    division, year = _job_division(job)
    user = job.created_by
    ids = household_compounds(user, division, year)
    limit = (job.params or {}).get("limit")  # the benchmark writes a prefix to show memory stays flat
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {t('communities.Household')} h JOIN {t('communities.Building')} b"
            " ON b.id = h.building_id WHERE b.compound_id = ANY(%s)",
            [ids],
        )
        total = cursor.fetchone()[0]
    if limit:
        total = min(total, int(limit))
    progress(0, total, force=True)
    names = _place_names(division)
    attitudes = dict(Attitude.choices)
    book = Ledger()
    sheet = book.sheet(
        _("Households"),
        [
            _("Place"),
            _("Compound"),
            _("Building"),
            _("Unit"),
            _("Floor"),
            _("Room"),
            _("Exclusive area (m²)"),
            _("Area source"),
            _("Vacant"),
            _("People on the roster"),
            _("Visits"),
            _("Last visit"),
            _("Latest attitude"),
            _("Opinions"),
        ],
        {0: 30, 1: 20},
    )
    done = 0
    for row in household_rows(ids, limit=int(limit) if limit else None):
        (
            community,
            compound,
            building,
            unit,
            floor,
            room,
            area,
            source,
            vacant,
            people,
            visits,
            last,
            latest,
            ops,
        ) = row
        sheet.write(
            [
                " / ".join(names.get(community, [])[1:]),
                compound,
                building,
                unit,
                floor,
                room,
                area,
                source,
                vacant,
                people,
                visits,
                last,
                str(attitudes.get(latest, "")) if latest else "",
                ops,
            ]
        )
        done += 1
        if done % CHUNK == 0:
            progress(done, total)
    _finish(job, book, user, "household_ledger", f"household-ledger-{division.pk}-{year}", done)


def _finish(job, book: Ledger, user, kind: str, stem: str, rows: int) -> None:
    book.save_to(job, f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.xlsx")
    job.result = {"rows": rows}
    job.message = _("%(n)s rows") % {"n": f"{rows:,}"}
    access.record(
        user=user,
        action=AccessLog.Action.EXPORT,
        object_type=kind,
        object_ids=[job.pk],
        fields="ledger",
        reason=f"{kind} export",
    )
