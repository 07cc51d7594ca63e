"""Enqueue Celery tasks after commit without ever hanging a request on the broker, or losing the work.

With REDIS_URL unset, tasks run eagerly in-process after commit. With a broker, the message is first
written to OutboxMessage inside the caller's transaction, then published after commit with short
timeouts. The row stays until a worker STARTS the task (the `task_prerun` signal deletes it, by the
task id `outbox-<pk>-...`), so:

- broker down or hung: the publish gives up after BROKER_PUBLISH_TIMEOUT (then, for a few seconds,
  without trying: config.dependencies), the row waits, and `drain()` (Celery beat every 30 s, a
  starting worker, or `manage.py drain_outbox`) sends it later;
- broker restarted without its data (no AOF): the accepted message is gone, but its row is still
  here; `drain()` sends it again once it has waited OUTBOX_RESEND_SECONDS (doubling each time).

A message may therefore be delivered twice; tasks are idempotent and a job runs once at a time
(communities.jobs), so a duplicate does nothing.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from config.dependencies import REDIS, describe

from .models import OutboxMessage

log = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"
RESEND_CAP_SECONDS = 3600


class BrokerUnavailable(Exception):
    pass


def enqueue(task: Any, *args: Any, **kwargs: Any) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))
        return
    message = OutboxMessage.objects.create(task_name=task.name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: send(message.pk))


def task_id_for(message: OutboxMessage) -> str:
    return f"{TASK_ID_PREFIX}{message.pk}-{uuid.uuid4().hex[:12]}"


def message_id_from_task_id(task_id: str | None) -> int | None:
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return None
    head = task_id[len(TASK_ID_PREFIX) :].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def started(task_id: str | None) -> None:
    """A worker started the task: its message has done its job (called from task_prerun)."""
    message_id = message_id_from_task_id(task_id)
    if message_id is not None:
        OutboxMessage.objects.filter(pk=message_id).delete()


def _publish(message: OutboxMessage) -> None:
    """Hand one message to the broker on a connection of its own with short timeouts: a hung Redis
    (accepting connections, never answering) costs at most BROKER_PUBLISH_TIMEOUT, and while Redis is
    known to be down nothing is tried at all."""
    from config.celery import app

    if not REDIS.available():
        raise BrokerUnavailable("Redis is unavailable (waiting before trying again)")
    timeout = settings.BROKER_PUBLISH_TIMEOUT
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout, "max_retries": 0}
    try:
        with app.connection_for_write(connect_timeout=timeout, transport_options=options) as connection:
            # the queue comes from settings (CELERY_TASK_DEFAULT_QUEUE) so deployments sharing one
            # Redis, and test runs, keep their messages apart
            app.send_task(
                message.task_name,
                args=message.args,
                kwargs=message.kwargs,
                queue=settings.CELERY_TASK_DEFAULT_QUEUE,
                task_id=task_id_for(message),
                connection=connection,
                retry=False,
            )
    except Exception as exc:
        REDIS.failed(exc)
        raise
    REDIS.ok()


def _sent(message_id: int) -> None:
    OutboxMessage.objects.filter(pk=message_id).update(
        sent_at=timezone.now(), sends=F("sends") + 1, last_error=""
    )


def _not_sent(message_id: int, exc: Exception) -> None:
    OutboxMessage.objects.filter(pk=message_id).update(attempts=F("attempts") + 1, last_error=describe(exc))


def send(message_id: int) -> bool:
    """Publish one message; True when the broker took it. The row stays until a worker starts it."""
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        return True
    try:
        _publish(message)
    except Exception as exc:  # broker down or hung: keep the row for drain(); logged once by REDIS
        _not_sent(message_id, exc)
        return False
    _sent(message_id)
    return True


def resend_after(sends: int) -> timedelta:
    """How long an accepted message may wait for a worker before it is sent again."""
    seconds = settings.OUTBOX_RESEND_SECONDS * 2 ** max(0, sends - 1)
    return timedelta(seconds=min(seconds, RESEND_CAP_SECONDS))


def drain(limit: int = 500) -> int:
    """Send what was never sent, and again what was sent but not started for too long; returns how
    many were sent. Safe to run from several processes (rows are claimed with SKIP LOCKED)."""
    now = timezone.now()
    due = Q(sent_at__isnull=True) | Q(sent_at__lt=now - resend_after(1))
    sent = 0
    with transaction.atomic():
        candidates = OutboxMessage.objects.select_for_update(skip_locked=True).filter(due).order_by("pk")
        for message in candidates[:limit]:
            if message.sent_at is not None and message.sent_at >= now - resend_after(message.sends):
                continue  # sent again lately: give the worker the longer wait
            try:
                _publish(message)
            except Exception as exc:
                _not_sent(message.pk, exc)
                break  # the broker is down: the rest waits for the next drain
            if message.sent_at is not None:
                log.warning(
                    "outbox: task %s%s not started %s after it was sent; sent again",
                    message.task_name,
                    tuple(message.args),
                    timezone.now() - message.sent_at,
                )
            _sent(message.pk)
            sent += 1
    return sent
