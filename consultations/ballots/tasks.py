"""Celery tasks: ids in, idempotent. `open_and_close_due` runs every minute from beat (registered in the
database schedule by migration 0003_beat_schedule)."""

from celery import shared_task


@shared_task(name="ballots.tasks.open_and_close_due", ignore_result=True)
def open_and_close_due() -> dict:
    """Open drafts whose opening time has come, close ballots whose closing time has passed, and mix
    the boxes of open secret ballots. Safe to run twice: each transition locks the ballot row."""
    from .services import open_and_close_due as run

    return run()
