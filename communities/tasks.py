from celery import shared_task

from . import outbox


@shared_task(name="communities.tasks.drain_outbox", ignore_result=True)
def drain_outbox() -> int:
    return outbox.drain()


@shared_task(name="communities.tasks.run_job", ignore_result=True, acks_late=True)
def run_job(job_id: int) -> None:
    """Run a BackgroundJob by id; the job's kind names its handler (see communities.jobs)."""
    from .jobs import run

    run(job_id)


@shared_task(name="communities.tasks.ping", ignore_result=True)
def ping(job_id: int) -> None:
    """A trivial job used by the health check and the real-worker test: marks the job done."""
    from .jobs import complete_ping

    complete_ping(job_id)


@shared_task(name="communities.tasks.reap_stalled_jobs", ignore_result=True)
def reap_stalled_jobs() -> dict[str, int]:
    """Requeue (or fail) jobs whose worker died: see communities.jobs.reap_stalled."""
    from .jobs import reap_stalled

    return reap_stalled()


@shared_task(name="communities.tasks.send_notification", ignore_result=True)
def send_notification(notification_id: int) -> str:
    """Send one queued message (communities.notifications); idempotent."""
    from .notifications import send

    return send(notification_id)


@shared_task(name="communities.tasks.send_due_notifications", ignore_result=True)
def send_due_notifications() -> int:
    from .notifications import send_due

    return send_due()
