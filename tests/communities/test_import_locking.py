"""A roster import never stalls the site: while it writes (its transaction open), a visit on the same
compound -- from another connection, as another web process would -- goes through at once; and two
imports into one compound still never write at the same time.

"At once" is asserted with a lock_timeout on the second connection, never with a wall clock: if the
visit had to wait for a lock held by the import, PostgreSQL would cancel it with LockNotAvailable."""

import threading

import pytest
from django.db import OperationalError, connection, connections

from communities import roster
from communities.models import Household
from consultations import services as visit_services
from consultations.choices import Attitude
from consultations.models import Visit
from tests import factories as f
from tests.communities.test_roster import GOOD, xlsx_bytes


class PausedImport:
    """Runs an import in a thread (its own database connection) and holds it inside its write
    transaction until `release()`: the moment a real import spends seconds in on a big file."""

    def __init__(self, compound, rows):
        self.compound = compound
        self.data = xlsx_bytes(rows)
        self.writing = threading.Event()
        self._release = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _progress(self, done, total=None, *, force=False):
        if connection.in_atomic_block and not self.writing.is_set():
            self.writing.set()  # the import has locked what it locks and started writing
            self._release.wait(60)

    def _run(self):
        try:
            roster.import_file(self.compound, self.data, "r.xlsx", progress=self._progress)
        except BaseException as exc:  # reported to the test
            self.error = exc
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        assert self.writing.wait(60), self.error
        return self

    def release(self):
        self._release.set()
        self.thread.join(60)

    def __exit__(self, *exc):
        self.release()


def _lock_timeout(ms: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{ms}ms'")


@pytest.mark.django_db(transaction=True)
def test_a_visit_on_the_same_compound_goes_through_while_an_import_writes(world, secretary_a):
    # a household the import leaves alone and one it updates (the file's 1栋 1-101, area changed)
    other = f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_a, name="9栋"))
    roster.import_file(world.compound_a, xlsx_bytes(GOOD), "r.xlsx")
    updated = Household.objects.get(building__compound=world.compound_a, building__name="1栋", room="101")
    changed = [[*row[:4], "90.10", *row[5:]] if row[3] == "101" else row for row in GOOD]
    new_rows = [["3栋", "1", str(1 + i % 6), f"{1 + i % 6}{i:02d}", "", "", "", "", "", "", "", "", ""]
                for i in range(40)]  # fmt: skip

    try:
        with PausedImport(world.compound_a, changed + new_rows) as running:
            _lock_timeout(1000)
            # the import's transaction is open: nothing of it is visible yet
            assert not Household.objects.filter(building__name="3栋").exists()
            first = visit_services.log_visit(user=secretary_a, household=other, attitude=Attitude.SUPPORT)
            second = visit_services.log_visit(user=secretary_a, household=updated, attitude=Attitude.NEUTRAL)
            assert running.thread.is_alive() and not Household.objects.filter(building__name="3栋").exists()
    finally:
        _lock_timeout(0)
    assert running.error is None, running.error
    assert set(Visit.objects.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert Household.objects.filter(building__compound=world.compound_a, building__name="3栋").count() == 40
    updated.refresh_from_db()
    assert str(updated.exclusive_area) == "90.10"


@pytest.mark.django_db(transaction=True)
def test_two_imports_into_one_compound_never_write_at_once(world):
    try:
        with PausedImport(world.compound_a, GOOD) as running:
            _lock_timeout(300)
            with pytest.raises(OperationalError, match="lock timeout"):
                roster.import_file(world.compound_a, xlsx_bytes(GOOD), "r2.xlsx")
            _lock_timeout(0)
            # another compound's import is not held up by this one
            roster.import_file(world.compound_b, xlsx_bytes(GOOD), "r3.xlsx")
    finally:
        _lock_timeout(0)
    assert running.error is None, running.error
    assert Household.objects.filter(building__compound=world.compound_a).count() == 6
    assert Household.objects.filter(building__compound=world.compound_b).count() == 6
