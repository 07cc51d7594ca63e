"""Background jobs with progress: start one from a page or the API, run it in Celery, poll it.

A handler is a function `handler(job, progress)` given by dotted path; it reads its inputs from
`job.params` / `job.input_file`, calls `progress(done, total)` now and then, and may set
`job.result_file`, `job.result` and `job.message`. Raising `JobFailed(errors=[...])` fails the job
with a row-by-row report; the handler's own transaction decides what is kept (imports keep nothing).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.files.base import File
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .choices import JobStatus
from .models import BackgroundJob

log = logging.getLogger(__name__)


class JobFailed(Exception):
    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class JobCancelled(Exception):
    """Its owner cancelled the job: the handler stops where it is and its transaction rolls back."""


class Progress:
    """Writes progress to the job row at most a few times a second, so the page sees it move.

    Outside a transaction the row is updated directly (committed at once). Inside one (an import
    writes everything in one atomic block) the update goes through a second, autocommit connection:
    otherwise nobody would see it before the work commits. That update skips a locked row instead of
    waiting for it, so it can never deadlock against the caller's own transaction."""

    def __init__(self, job: BackgroundJob, min_interval: float = 0.3, guard: JobGuard | None = None):
        self.job = job
        self.guard = guard
        self.min_interval = min_interval
        self._last = 0.0
        self._side = None  # the second connection, opened on first use inside a transaction
        self.done, self.total = job.done, job.total  # the last values reported
        self._committed = False

    def __call__(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        """Report progress; raises JobCancelled when the job's owner cancelled it (until `committed()`:
        past the point of no return a cancel is ignored)."""
        if self.guard is not None and self.guard.lost:
            raise JobLost(self.job.pk)
        now = time.monotonic()
        if not force and now - self._last < self.min_interval:
            return
        self._last = now
        self.done = done
        if total is not None:
            self.total = total
        if connection.in_atomic_block:
            cancelled = self._write_outside(done, total)
        else:
            fields = {"done": done}
            if total is not None:
                fields["total"] = total
            rows = BackgroundJob.objects.filter(pk=self.job.pk)
            rows.update(**fields)
            cancelled = rows.filter(cancel_requested_at__isnull=False).exists()
        if cancelled and not self._committed:
            raise JobCancelled(self.job.pk)

    def committed(self) -> None:
        """The work has committed: a cancel asked for now comes too late to undo it."""
        self._committed = True

    def _write_outside(self, done: int, total: int | None) -> bool:
        """Writes the progress through the second connection; True when a cancel was asked for."""
        table = BackgroundJob._meta.db_table
        try:
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
                with self._side.cursor() as cursor:  # a safety net: SKIP LOCKED means it never waits
                    cursor.execute("SET lock_timeout = '2s'")
            with self._side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET done = %s, total = COALESCE(%s, total) WHERE id = "
                    f"(SELECT id FROM {table} WHERE id = %s FOR UPDATE SKIP LOCKED) "
                    "RETURNING cancel_requested_at IS NOT NULL",
                    [done, total, self.job.pk],
                )
                row = cursor.fetchone()
                return bool(row and row[0])
        except Exception:  # progress is a courtesy: never fail the work because of it
            log.warning("job %s: progress not written", self.job.pk, exc_info=True)
        return False

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def start_job(
    *, kind: str, handler: str, user, params: dict[str, Any] | None = None, input_file: File | None = None
) -> BackgroundJob:
    from . import outbox
    from .tasks import run_job

    with transaction.atomic():
        job = BackgroundJob(kind=kind, handler=handler, created_by=user, params=params or {})
        if input_file is not None:
            job.input_file.save(input_file.name, input_file, save=False)
        job.save()
        outbox.enqueue(run_job, job.pk)
    return job


def cancel_job(job: BackgroundJob, user) -> BackgroundJob:
    """Cancel a job of `user` (the caller checked it is theirs). A waiting job never starts; a running
    one stops at its next progress report (a fraction of a second), rolling back what it was writing:
    an import cancelled half-way writes nothing. A finished job is refused."""
    from .errors import Conflict

    if job.is_finished:
        raise Conflict(_("This job has already finished."))
    now = timezone.now()
    waiting = BackgroundJob.objects.filter(pk=job.pk, status=JobStatus.PENDING)
    if not waiting.update(
        status=JobStatus.CANCELLED,
        cancel_requested_at=now,
        finished_at=now,
        message=str(_("Cancelled: nothing was written.")),
    ):
        BackgroundJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(cancel_requested_at=now)
    log.info("job %s: cancel asked by user %s", job.pk, getattr(user, "pk", None))
    job.refresh_from_db()
    return job


def save_result_file(job: BackgroundJob, filename: str, write: Callable[[Any], None]) -> None:
    """Store the job's result file through a temporary file on disk: `write(fh)` writes it (e.g. an
    openpyxl write-only workbook's `save`), then storage copies it in chunks. The file is never held
    whole in memory (a 3-million-row ledger zips to hundreds of MB)."""
    import tempfile

    with tempfile.TemporaryFile() as fh:
        write(fh)
        fh.seek(0)
        job.result_file.save(filename, File(fh), save=False)


class JobLost(Exception):
    """The runner lost the job's lock (its database connection dropped): stop, write nothing."""


def _worker_name() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"[:200]


class JobGuard:
    """The runner's hold on a job: a session advisory lock on the job, on a connection of its own,
    and a thread writing the job's heartbeat through it every JOB_HEARTBEAT_SECONDS.

    The lock lives exactly as long as the runner's connection: a worker killed mid-job loses it at
    once (PostgreSQL sees the socket close), so a second delivery of the same message can tell "still
    running elsewhere" (lock held: do nothing) from "its worker died" (lock free: run it). The
    heartbeat tells the beat task and the job's page the same from the outside."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn = connections.create_connection(DEFAULT_DB_ALIAS)
        self._conn.inc_thread_sharing()  # used by the heartbeat thread, never by two at once

    def acquire(self) -> bool:
        from . import locks

        try:
            held = locks.try_session_lock("job", self.job_id, self._conn)
        except Exception:
            self._conn.close()
            raise
        if not held:
            self._conn.close()
        return held

    def start(self) -> None:
        self._beat()
        self._thread = threading.Thread(target=self._loop, name=f"job-{self.job_id}-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        table = BackgroundJob._meta.db_table
        with self._conn.cursor() as cursor:
            # SKIP LOCKED: the handler's own transaction may hold the row; a missed beat is harmless
            cursor.execute(
                f"UPDATE {table} SET heartbeat_at = now() WHERE id = "
                f"(SELECT id FROM {table} WHERE id = %s AND status = 'running' FOR UPDATE SKIP LOCKED)",
                [self.job_id],
            )

    def _loop(self) -> None:
        from django.conf import settings

        failures = 0
        while not self._stop.wait(settings.JOB_HEARTBEAT_SECONDS):
            try:
                self._beat()
                failures = 0
            except Exception as exc:
                failures += 1
                if failures == 1:
                    log.warning("job %s: heartbeat not written: %s", self.job_id, type(exc).__name__)
                if not self._conn.is_usable():
                    # the connection, and with it the lock, is gone: another worker may start the
                    # job; tell the handler to stop at its next progress report
                    self.lost = True
                    return

    def stop(self) -> None:
        from . import locks

        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        try:
            if not self.lost:
                locks.session_unlock("job", self.job_id, self._conn)
        except Exception:
            pass  # closing the connection releases it anyway
        finally:
            self._conn.dec_thread_sharing()
            self._conn.close()


def run(job_id: int) -> None:
    """Run a job once, however often its message is delivered (Celery on Redis redelivers
    unacknowledged messages, and reap_stalled() requeues jobs whose worker died)."""
    job = BackgroundJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return  # idempotent: a redelivered message does nothing
    guard = JobGuard(job_id)
    if not guard.acquire():
        log.info("job %s is running in another worker; this delivery does nothing", job_id)
        return
    try:
        _run_locked(job_id, guard)
    finally:
        guard.stop()


def _run_locked(job_id: int, guard: JobGuard) -> None:
    job = BackgroundJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return  # finished while we waited for the lock
    now = timezone.now()
    BackgroundJob.objects.filter(pk=job_id).update(
        status=JobStatus.RUNNING,
        started_at=Coalesce(F("started_at"), Value(now)),  # the first start is kept
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        worker=_worker_name(),
    )
    job.refresh_from_db()
    guard.start()
    handler: Callable[[BackgroundJob, Progress], None] = import_string(job.handler)
    progress = Progress(job, guard=guard)
    try:
        handler(job, progress)
    except JobLost:
        log.warning("job %s: lost its lock mid-run; left for the next runner", job.pk)
        return
    except JobCancelled:
        job.status = JobStatus.CANCELLED
        job.message = str(_("Cancelled: nothing was written."))
    except JobFailed as exc:
        job.status = JobStatus.FAILED
        job.message = exc.message[:500]
        job.errors = exc.errors[:1000]
    except Exception as exc:
        log.exception("job %s failed", job.pk)
        job.status = JobStatus.FAILED
        job.message = f"{type(exc).__name__}: {exc}"[:500]
    else:
        job.status = JobStatus.SUCCEEDED
    finally:
        progress.close()
    if guard.lost:
        return
    job.finished_at = timezone.now()
    # the counts were written by Progress (not on this instance): keep them, and a success is all done
    stored = BackgroundJob.objects.filter(pk=job.pk).values("done", "total").get()
    job.total = max(stored["total"], progress.total)
    job.done = job.total if job.status == JobStatus.SUCCEEDED else max(stored["done"], progress.done)
    # only what the run decides: started_at, attempts and the heartbeat stay as written above
    job.save(
        update_fields=[
            "status", "message", "errors", "result", "result_file", "total", "done", "finished_at",
        ]
    )  # fmt: skip


def reap_stalled(now=None) -> dict[str, int]:
    """Requeue, or fail after JOB_MAX_ATTEMPTS starts, every running job whose heartbeat stopped and
    whose lock nobody holds (its worker died). Run by beat every 30 s; safe from several processes."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import formats
    from django.utils.translation import gettext as _

    from . import locks, outbox
    from .tasks import run_job

    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.JOB_STALE_SECONDS)
    candidates = BackgroundJob.objects.filter(status=JobStatus.RUNNING).filter(
        Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True, started_at__lt=stale_before)
    )
    counts = {"requeued": 0, "failed": 0}
    for job_id in candidates.values_list("pk", flat=True)[:200]:
        with transaction.atomic():
            # hold the job's lock for this decision: a live runner holds it (leave the job alone),
            # and no new runner can start between the check and the update
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s::bigint)", [locks.key("job", job_id)])
                if not cursor.fetchone()[0]:
                    log.warning("job %s: heartbeat stale but its runner still holds the lock", job_id)
                    continue
            job = candidates.select_for_update().filter(pk=job_id).first()
            if job is None:
                continue
            last = timezone.localtime(job.heartbeat_at or job.started_at)
            when = formats.date_format(last, "Y-m-d H:i:s")
            with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
                if job.attempts >= settings.JOB_MAX_ATTEMPTS:
                    job.status = JobStatus.FAILED
                    job.finished_at = now
                    job.message = _(
                        "The worker running this job stopped (last sign of life %(when)s) and the job has "
                        "been started %(n)d times without finishing, so it was stopped. Start it again, "
                        "or ask the administrator to check the background workers."
                    ) % {"when": when, "n": job.attempts}
                    counts["failed"] += 1
                else:
                    job.status = JobStatus.PENDING
                    job.message = _(
                        "The worker running this job stopped (last sign of life %(when)s); the job was "
                        "queued again and will start over."
                    ) % {"when": when}
                    outbox.enqueue(run_job, job.pk)
                    counts["requeued"] += 1
            job.save(update_fields=["status", "message", "finished_at"])
            log.warning("job %s: no heartbeat since %s, %s", job.pk, when, job.status)
    return counts


def complete_ping(job_id: int) -> None:
    BackgroundJob.objects.filter(pk=job_id).update(
        status=JobStatus.SUCCEEDED, finished_at=timezone.now(), message="pong"
    )


def ping_handler(job: BackgroundJob, progress: Progress) -> None:
    job.message = "pong"


class FileGone(Exception):
    """The job finished with a file, but the file is no longer in storage (cleaned up, or a restore
    without the files): a 404 with this message, never a 500."""

    def __init__(self, job: BackgroundJob):
        from django.utils.translation import gettext as _

        self.message = _(
            "The file of this job is no longer there (it may have been cleaned up, or not restored from a "
            "backup). Start the job again to make a new one."
        )
        super().__init__(self.message)


def result_response(job: BackgroundJob, request, *, reason: str):
    """Send a job's result file to its owner (the caller checked that), recording the download in the
    access log. Raises Http404 without a file and FileGone when the file is missing from storage
    (nothing logged)."""
    from django.http import Http404

    from . import files
    from .models import AccessLog

    if not job.result_file:
        raise Http404
    if not job.result_file.storage.exists(job.result_file.name):
        raise FileGone(job)
    return files.serve(
        request,
        job.result_file,
        object_type="job",
        object_id=job.pk,
        action=AccessLog.Action.EXPORT,
        fields=job.kind,
        reason=reason,
    )
