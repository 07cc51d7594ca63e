"""Enqueue Celery tasks after commit without ever hanging a request on the broker.

With REDIS_URL unset, tasks run eagerly in-process after commit. With a broker, the message is first
written to OutboxMessage inside the caller's transaction, then published after commit with a short
timeout; if the broker is down the row stays and `drain()` (Celery beat, worker start, or
`manage.py drain_outbox`) sends it later. Tasks are idempotent, so a message sent twice is harmless.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from .models import OutboxMessage

log = logging.getLogger(__name__)


def enqueue(task: Any, *args: Any, **kwargs: Any) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))
        return
    message = OutboxMessage.objects.create(task_name=task.name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: send(message.pk))


def _publish(message: OutboxMessage) -> None:
    from config.celery import app

    # the queue comes from settings (CELERY_TASK_DEFAULT_QUEUE) so deployments sharing one Redis, and
    # test runs, keep their messages apart
    app.send_task(
        message.task_name,
        args=message.args,
        kwargs=message.kwargs,
        queue=settings.CELERY_TASK_DEFAULT_QUEUE,
        retry=False,
    )


def send(message_id: int) -> bool:
    """Publish one message; True when the broker took it."""
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        return True
    try:
        _publish(message)
    except Exception as exc:  # broker down: keep the row for drain()
        log.warning("broker unavailable, task %s kept in outbox: %s", message.task_name, exc)
        OutboxMessage.objects.filter(pk=message_id).update(
            attempts=F("attempts") + 1, last_error=str(exc)[:2000]
        )
        return False
    OutboxMessage.objects.filter(pk=message_id).delete()
    return True


def drain(limit: int = 500) -> int:
    """Send what is waiting; returns how many were sent. Safe to run from several processes."""
    sent = 0
    with transaction.atomic():
        pending = list(OutboxMessage.objects.select_for_update(skip_locked=True).order_by("pk")[:limit])
        for message in pending:
            try:
                _publish(message)
            except Exception as exc:
                OutboxMessage.objects.filter(pk=message.pk).update(
                    attempts=F("attempts") + 1, last_error=str(exc)[:2000]
                )
                break
            message.delete()
            sent += 1
    return sent
