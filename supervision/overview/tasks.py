"""Celery tasks of the overview: ids in (none here), idempotent, safe to run twice."""

from celery import shared_task


@shared_task(name="overview.tasks.refresh_pending", ignore_result=True, acks_late=True)
def refresh_pending() -> None:
    """Recount the compounds marked as changed and rebuild the active years' figures (beat: every
    minute; also enqueued, debounced, after writes)."""
    from .services import refresh

    refresh()


@shared_task(name="overview.tasks.refresh_all", ignore_result=True, acks_late=True)
def refresh_all() -> None:
    """Recount every compound and rebuild every year (beat: hourly): catches what no signal saw (bulk
    imports, votes cast in raw SQL) and figures that change with the date (overdue, behind schedule)."""
    from .services import refresh

    refresh(full=True)
