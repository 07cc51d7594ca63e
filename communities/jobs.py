"""Background jobs with progress: start one from a page or the API, run it in Celery, poll it.

A handler is a function `handler(job, progress)` given by dotted path; it reads its inputs from
`job.params` / `job.input_file`, calls `progress(done, total)` now and then, and may set
`job.result_file`, `job.result` and `job.message`. Raising `JobFailed(errors=[...])` fails the job
with a row-by-row report; the handler's own transaction decides what is kept (imports keep nothing).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.files.base import File
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .choices import JobStatus
from .models import BackgroundJob

log = logging.getLogger(__name__)


class JobFailed(Exception):
    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class Progress:
    """Writes progress to the job row at most a few times a second, so the page sees it move.

    Outside a transaction the row is updated directly (committed at once). Inside one (an import
    writes everything in one atomic block) the update goes through a second, autocommit connection:
    otherwise nobody would see it before the work commits. That update skips a locked row instead of
    waiting for it, so it can never deadlock against the caller's own transaction."""

    def __init__(self, job: BackgroundJob, min_interval: float = 0.3):
        self.job = job
        self.min_interval = min_interval
        self._last = 0.0
        self._side = None  # the second connection, opened on first use inside a transaction
        self.done, self.total = job.done, job.total  # the last values reported

    def __call__(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.min_interval:
            return
        self._last = now
        self.done = done
        if total is not None:
            self.total = total
        if connection.in_atomic_block:
            self._write_outside(done, total)
            return
        fields = {"done": done}
        if total is not None:
            fields["total"] = total
        BackgroundJob.objects.filter(pk=self.job.pk).update(**fields)

    def _write_outside(self, done: int, total: int | None) -> None:
        table = BackgroundJob._meta.db_table
        try:
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
            with self._side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET done = %s, total = COALESCE(%s, total) WHERE id = "
                    f"(SELECT id FROM {table} WHERE id = %s FOR UPDATE SKIP LOCKED)",
                    [done, total, self.job.pk],
                )
        except Exception:  # progress is a courtesy: never fail the work because of it
            log.warning("job %s: progress not written", self.job.pk, exc_info=True)

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


def run(job_id: int) -> None:
    job = BackgroundJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return  # idempotent: a redelivered message does nothing
    BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    job.status = JobStatus.RUNNING
    handler: Callable[[BackgroundJob, Progress], None] = import_string(job.handler)
    progress = Progress(job)
    try:
        handler(job, progress)
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
    job.finished_at = timezone.now()
    # the counts were written by Progress (not on this instance): keep them, and a success is all done
    stored = BackgroundJob.objects.filter(pk=job.pk).values("done", "total").get()
    job.total = max(stored["total"], progress.total)
    job.done = job.total if job.status == JobStatus.SUCCEEDED else max(stored["done"], progress.done)
    job.save()


def complete_ping(job_id: int) -> None:
    BackgroundJob.objects.filter(pk=job_id).update(
        status=JobStatus.SUCCEEDED, finished_at=timezone.now(), message="pong"
    )


def ping_handler(job: BackgroundJob, progress: Progress) -> None:
    job.message = "pong"


def result_response(job: BackgroundJob, request, *, reason: str):
    """Stream a job's result file to its owner, recording the download in the access log."""
    import os

    from django.http import FileResponse, Http404

    from . import access
    from .models import AccessLog

    if not job.result_file:
        raise Http404
    access.record(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        object_type="job",
        object_ids=[job.pk],
        fields=job.kind,
        reason=reason,
        request=request,
    )
    return FileResponse(
        job.result_file.open("rb"), as_attachment=True, filename=os.path.basename(job.result_file.name)
    )
