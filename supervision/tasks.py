from celery import shared_task


@shared_task(name="supervision.tasks.send_overdue_reminders", ignore_result=True)
def send_overdue_reminders() -> int:
    """Celery beat, hourly: one reminder per overdue rectification order per day (idempotent)."""
    from . import services

    return services.send_overdue_reminders()
