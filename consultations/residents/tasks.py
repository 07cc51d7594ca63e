"""Celery tasks of the residents' page: ids in, idempotent."""

from celery import shared_task


@shared_task(name="residents.tasks.close_due_surveys", ignore_result=True)
def close_due_surveys() -> int:
    """Close the menu surveys whose closing time has passed (answers are refused after it anyway)."""
    from .menus import close_due

    return close_due()


@shared_task(name="residents.tasks.visit_reminders", ignore_result=True)
def visit_reminders() -> int:
    """The day-before reminders of in-home visits (households and construction units); idempotent."""
    from projects.bookings import send_reminders

    return send_reminders()
