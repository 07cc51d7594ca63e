"""The roster import's set-based write path (COPY into staging, one merge per table): all-or-nothing on a
50,000-household file, history recorded for inserts and updates, a failing merge rolls back the rest."""

from __future__ import annotations

import pytest

from communities import bulk, roster
from communities.jobs import JobFailed
from communities.models import Household, HouseholdEvent, Ownership, Person, PersonEvent
from tests import factories as f

from . import test_roster
from .test_roster import GOOD, HEADER, counts, csv_text, run_import


@pytest.fixture(autouse=True)
def _run_jobs_on_commit(django_capture_on_commit_callbacks):
    test_roster._capture = django_capture_on_commit_callbacks
    yield
    test_roster._capture = None


pytestmark = pytest.mark.django_db


def _big_csv(households: int, bad_at: int | None = None) -> bytes:
    """`households` flats, one owner each (every third without a person), as CSV (quick to build)."""
    lines = [",".join(h.rstrip("*") for h in HEADER)]
    for n in range(households):
        building, rest = divmod(n, 60)
        unit, rest = divmod(rest, 20)
        floor, room = divmod(rest, 2)
        base = f"{building + 1}栋,{unit + 1},{floor + 1},{floor + 1}0{room + 1},80.5,登记,否"
        person = ",,,,,," if n % 3 == 0 else f",住户{n},,,业主,否,"
        lines.append(base + person)
    if bad_at is not None:
        cells = lines[bad_at].split(",")
        cells[2] = "十楼"  # not a floor number
        lines[bad_at] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode()


def test_a_bad_row_among_the_last_ten_of_50000_writes_nothing(world):
    rows = 50_000
    bad_line = rows - 3  # a data row among the last ten (line 1 is the header)
    data = _big_csv(rows, bad_at=bad_line)
    with pytest.raises(JobFailed) as exc:
        roster.import_file(world.compound_a, data, "big.csv")
    assert exc.value.errors == [
        {
            "row": bad_line + 1,
            "column": roster.COLUMN_BY_KEY["floor"].label,
            "field": "floor",
            "message": exc.value.errors[0]["message"],
        }
    ]
    assert counts(world.compound_a) == (0, 0, 0, 0)
    assert not HouseholdEvent.objects.exists()


def test_a_failing_merge_rolls_back_every_table(world, secretary_a, monkeypatch):
    """The check phase passed; the last merge (ownerships) fails: households and people written by the
    earlier merges are rolled back with it."""
    real = bulk.copy_create_rows

    def failing(model, columns, rows):
        if model is Ownership:
            raise RuntimeError("the database went away")
        return real(model, columns, rows)

    monkeypatch.setattr(bulk, "copy_create_rows", failing)
    with pytest.raises(RuntimeError):
        roster.import_file(world.compound_a, csv_text(GOOD).encode(), "roster.csv", user=secretary_a)
    assert counts(world.compound_a) == (0, 0, 0, 0)
    assert not Person.objects.exists()


def test_history_recorded_for_merged_inserts_and_updates(world, secretary_a):
    job = run_import(secretary_a, world.compound_a, csv_text(GOOD).encode(), "roster.csv")
    households = Household.objects.filter(building__compound=world.compound_a)
    assert HouseholdEvent.objects.filter(pgh_label="insert").count() == households.count() == 6
    assert (
        PersonEvent.objects.filter(pgh_label="insert", pgh_context__metadata__job=job.pk).count()
        == Person.objects.count()
    )
    # a second file changes one area and one phone: an update event each, in the second job's context
    changed = [list(r) for r in GOOD]
    changed[2][4] = changed[3][4] = "72.35"
    changed[3][8] = "15012340000"
    second = run_import(secretary_a, world.compound_a, csv_text(changed).encode(), "roster.csv")
    assert second.result["households_updated"] == 1 and second.result["people_updated"] == 1
    update = HouseholdEvent.objects.get(pgh_label="update")
    assert str(update.exclusive_area) == "72.35"
    assert update.pgh_context.metadata == {**update.pgh_context.metadata, "job": second.pk}
    person = PersonEvent.objects.get(pgh_label="update")
    assert person.phone == "15012340000" and person.pgh_context.metadata["user"] == secretary_a.pk


def test_staged_rows_get_the_allocated_ids_and_defaults(world):
    """copy_create_rows writes the ids handed out by allocate_ids (taken from the sequence before the
    COPY) and fills the columns it is not given with the fields' defaults; copy_update_rows sets only
    the columns named (and `touch` to now())."""
    building = f.BuildingFactory(compound=world.compound_a)
    ids = bulk.allocate_ids(Household, 5)
    assert len(set(ids)) == 5
    rows = [(pk, building.pk, 1, str(100 + i)) for i, pk in enumerate(ids)]
    assert bulk.copy_create_rows(Household, ["building_id", "floor", "room"], rows) == 5
    written = Household.objects.filter(building=building).order_by("pk")
    assert [(h.pk, h.room, h.unit, h.note, h.is_vacant) for h in written] == [
        (pk, str(100 + i), "1", "", False) for i, pk in enumerate(ids)
    ]
    person = f.PersonFactory(phone="13800000000")
    before = Person.objects.get(pk=person.pk).updated_at
    assert bulk.copy_update_rows(Person, ["phone"], [(person.pk, "13900000000")], touch=["updated_at"]) == 1
    person.refresh_from_db()
    assert person.phone == "13900000000" and person.updated_at > before


def test_a_big_import_into_a_young_table_refreshes_its_statistics(world):
    """PostgreSQL plans the deferred foreign-key checks from the tables' statistics; a table analysed
    while empty made each check scan a whole name index (a 65,000-row import spent 55 s in them).
    The import analyses the tables it grew by more than a fifth, before commit."""
    from django.db import connection

    def believed(table: str) -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE communities_household")  # empty: the planner now believes 0 rows
    assert believed("communities_household") <= 0
    result = roster.import_file(world.compound_a, _big_csv(3000), "big.csv")
    assert result.households_created == 3000
    assert believed("communities_household") >= 3000
    assert believed("communities_person") >= result.people_created >= 1000
    # a small import into a big table leaves the statistics to autovacuum
    assert bulk.analyze_grown({Household: 10}) == []


def test_the_job_message_groups_thousands(world, secretary_a):
    """A province-sized import reads "已导入 1,200 行", not "1200"."""
    job = run_import(secretary_a, world.compound_a, _big_csv(1200), "big.csv")
    assert "1,200" in job.message and "1200" not in job.message
