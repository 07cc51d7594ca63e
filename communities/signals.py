import contextlib
import logging

from celery.signals import task_prerun, worker_ready

log = logging.getLogger(__name__)


@worker_ready.connect
def drain_outbox_on_start(**_kwargs) -> None:
    """A worker coming up sends whatever piled up while the broker was away."""
    from .outbox import drain

    with contextlib.suppress(Exception):  # the database may not be ready yet; beat drains later
        drain()


@task_prerun.connect
def forget_started_outbox_message(task_id=None, **_kwargs) -> None:
    """A task sent through the outbox has started: its row is no longer needed (the job's own row,
    with its heartbeat, carries it from here)."""
    from .outbox import started

    try:
        started(task_id)
    except Exception as exc:  # the row stays; drain() sends it again and the task is idempotent
        log.warning("outbox row of task %s not deleted: %s", task_id, type(exc).__name__)
