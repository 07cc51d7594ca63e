"""Keeping the rollups up to date, and asking for a refresh.

- After a write that changes figures, `mark_changed(compound_ids)` (called by the signal receivers in
  `signals.py`) remembers the compounds for the current transaction; once it commits, they are written
  to `PendingCompound` and a refresh is enqueued through the task outbox - at most once per
  OVERVIEW_REFRESH_DEBOUNCE seconds, the beat's minute sweep picking up what a burst left behind.
- `refresh()` recounts the pending compounds' household facts (the only heavy part) and rebuilds every
  place's figures of the active years from the facts and the small tables, writing only the rows that
  changed. `refresh(full=True)` recounts every compound (hourly, and after `generate_scale`).
- Runs are serialised by a transaction-level advisory lock.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.errors import Conflict, DomainError
from communities.scoping import get_scope

from . import compute
from . import figures as F
from .models import CompoundFacts, CompoundRollup, DivisionRollup, PendingCompound, RefreshState

log = logging.getLogger(__name__)

LOCK_ID = 7_140_014  # pg advisory lock: one refresh at a time
QUEUED_KEY = "overview:refresh-queued"
# years kept fresh by every run; older ones by the full recount
YEARS_BACK = 3


# --- marking what changed -------------------------------------------------------------------------


class _Collector:
    """The compounds changed in one transaction; flushed once, after it commits."""

    def __init__(self) -> None:
        self.ids: set[int] = set()

    def __call__(self) -> None:
        flush(self.ids)


def mark_changed(compound_ids: Iterable[int | None] = ()) -> None:
    """Note that figures changed (of these compounds' households, if given); a refresh follows the
    commit. Outside a transaction it is flushed at once."""
    ids = {int(i) for i in compound_ids if i}
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        flush(ids)
        return
    collector = getattr(conn, "_overview_collector", None)
    # a rolled-back (savepoint of a) transaction drops its on_commit hooks, and our collector with them
    if collector is None or not any(hook[1] is collector for hook in conn.run_on_commit):
        collector = _Collector()
        conn._overview_collector = collector
        transaction.on_commit(collector)
    collector.ids |= ids


def flush(ids: set[int]) -> None:
    if ids:
        PendingCompound.objects.bulk_create([PendingCompound(compound_id=i) for i in sorted(ids)])
    enqueue_refresh()


def enqueue_refresh(*, force: bool = False) -> bool:
    """Enqueue one refresh through the outbox, unless one was enqueued within the debounce window."""
    from communities import outbox

    from .tasks import refresh_pending

    debounce = settings.OVERVIEW_REFRESH_DEBOUNCE
    if not force and debounce > 0 and not cache.add(QUEUED_KEY, 1, timeout=debounce):
        return False
    outbox.enqueue(refresh_pending)
    return True


# --- the refresh ----------------------------------------------------------------------------------


@dataclass
class RefreshReport:
    years: list[int] = field(default_factory=list)
    compounds_recounted: int = 0
    rows_written: int = 0
    rows_deleted: int = 0
    seconds: float = 0.0


def active_years(now: datetime.datetime, *, full: bool = False) -> list[int]:
    """The years a run refreshes: the current one and those of programmes and projects (a normal run
    keeps to the last YEARS_BACK years and the next one; a full recount takes them all)."""
    from projects.models import Programme, Project

    current = timezone.localdate(now).year
    years = {current}
    years |= set(Programme.objects.values_list("year", flat=True).distinct())
    years |= set(Project.objects.values_list("year", flat=True).distinct())
    if not full:
        years = {y for y in years if current - YEARS_BACK <= y <= current + 1}
    return sorted(years)


def refresh(
    *, full: bool = False, years: list[int] | None = None, now: datetime.datetime | None = None
) -> RefreshReport:
    """Bring the rollups up to date (see the module docstring). Returns what it did."""
    started = time.monotonic()
    report = RefreshReport()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])
            # the grouped queries' cost estimates are large enough to trigger PostgreSQL's JIT, whose
            # compilation took 15 s of a 16 s query at province scale; they run fast interpreted
            cursor.execute("SET LOCAL jit = off")
        now = now or timezone.now()
        if full:
            PendingCompound.objects.all().delete()
            ids = None
        else:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {PendingCompound._meta.db_table} RETURNING compound_id")
                ids = sorted({row[0] for row in cursor.fetchall()})
        if ids is None or ids:
            counted = compute.count_facts(ids, now)
            CompoundFacts.objects.bulk_create(
                [
                    CompoundFacts(compound_id=cid, facts=facts, counted_at=now)
                    for cid, facts in counted.items()
                ],
                update_conflicts=True,
                unique_fields=["compound"],
                update_fields=["facts", "counted_at"],
                batch_size=2000,
            )
            report.compounds_recounted = len(counted)
        facts = {cid: f for cid, f in CompoundFacts.objects.values_list("compound_id", "facts")}
        report.years = years or active_years(now, full=full)
        for year in report.years:
            written, deleted = _store_year(year, compute.year_figures(year, facts, now), now)
            report.rows_written += written
            report.rows_deleted += deleted
            state, _created = RefreshState.objects.get_or_create(year=year, defaults={"refreshed_at": now})
            state.refreshed_at = now
            if full:
                state.full_refreshed_at = now
            state.compounds_recounted = report.compounds_recounted
            state.duration_ms = int((time.monotonic() - started) * 1000)
            state.save()
    report.seconds = time.monotonic() - started
    log.info(
        "overview refresh: years=%s recounted=%s written=%s deleted=%s in %.2fs",
        report.years,
        report.compounds_recounted,
        report.rows_written,
        report.rows_deleted,
        report.seconds,
    )
    return report


def _store_year(year: int, computed: dict, now: datetime.datetime) -> tuple[int, int]:
    """Write the rows whose figures changed; delete the rows of places with nothing left that year."""
    written = deleted = 0
    for kind, model, fk in (("d", DivisionRollup, "division"), ("c", CompoundRollup, "compound")):
        new = {node: F.to_json(figs) for (k, node), figs in computed.items() if k == kind}
        digests = {node: _digest(figs) for node, figs in new.items()}
        existing = dict(model.objects.filter(year=year).values_list(f"{fk}_id", "digest"))
        changed = [
            model(**{f"{fk}_id": node}, year=year, figures=figs, digest=digests[node], changed_at=now)
            for node, figs in new.items()
            if existing.get(node) != digests[node]
        ]
        if changed:
            # a place deleted meanwhile would fail the foreign key: keep to those that exist
            alive = set(
                model._meta.get_field(fk)
                .related_model.objects.filter(pk__in=[getattr(r, f"{fk}_id") for r in changed])
                .values_list("pk", flat=True)
            )
            changed = [r for r in changed if getattr(r, f"{fk}_id") in alive]
            model.objects.bulk_create(
                changed,
                update_conflicts=True,
                unique_fields=[fk, "year"],
                update_fields=["figures", "digest", "changed_at"],
                batch_size=2000,
            )
            written += len(changed)
        gone = [node for node in existing if node not in new]
        if gone:
            deleted += model.objects.filter(year=year, **{f"{fk}_id__in": gone}).delete()[0]
    return written, deleted


def _digest(figures: dict) -> str:
    import hashlib
    import json

    return hashlib.md5(json.dumps(figures, sort_keys=True).encode(), usedforsecurity=False).hexdigest()


# --- asking for a refresh -------------------------------------------------------------------------

REFRESH_COOLDOWN = datetime.timedelta(seconds=60)


class RefreshForbidden(DomainError):
    status_code = 403
    code = "forbidden"


def may_request_refresh(user, division) -> bool:
    """Staff who run the division's programme (district admins, street staff and community
    secretaries whose scope covers it) may ask for a refresh; viewers and grid workers read."""
    return get_scope(user).can_edit(division.path)


_UNREAD = object()


def refresh_refusal(user, division, year: int, *, state=_UNREAD) -> str | None:
    """Why this user may not ask for a refresh of this division now (None: they may). `state`: the
    year's RefreshState when the caller has read it already."""
    if not may_request_refresh(user, division):
        return _("Only staff who run this division's programme may ask for a refresh.")
    if state is _UNREAD:
        state = RefreshState.objects.filter(year=year).first()
    if state is not None and state.requested_at and timezone.now() - state.requested_at < REFRESH_COOLDOWN:
        return _(
            "A refresh was asked for at %(time)s and runs in the background; ask again in a minute "
            "if the figures still look out of date."
        ) % {"time": timezone.localtime(state.requested_at).strftime("%H:%M:%S")}
    return None


def request_refresh(user, division, year: int) -> None:
    """Recount the division's compounds and rebuild the figures, in the background."""
    reason = refresh_refusal(user, division, year)
    if reason is not None:
        raise (RefreshForbidden if not may_request_refresh(user, division) else Conflict)(reason)
    from communities.models import Compound

    ids = list(Compound.objects.filter(division__path__startswith=division.path).values_list("pk", flat=True))
    with transaction.atomic():
        PendingCompound.objects.bulk_create([PendingCompound(compound_id=i) for i in ids], batch_size=5000)
        state, created = RefreshState.objects.select_for_update().get_or_create(
            year=year, defaults={"refreshed_at": None, "requested_at": timezone.now()}
        )
        if not created:
            state.requested_at = timezone.now()
            state.save(update_fields=["requested_at"])
        transaction.on_commit(lambda: enqueue_refresh(force=True))
