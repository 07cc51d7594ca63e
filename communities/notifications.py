"""Notification outbox: every message to a resident or a contractor is a `Notification` row (channel,
state), written in the caller's transaction and sent after commit by a Celery task through a pluggable
backend. Nothing is lost when the sender is down: the row stays `pending`, a failed send is retried with
a growing wait (beat's `send_due_notifications` every minute, and the broker side is the durable task
outbox), and after NOTIFY_MAX_ATTEMPTS it is `failed` and shown on the staff page.

Backends (setting NOTIFY_BACKEND, a dotted path):
- `communities.notifications.LogBackend` (default): writes the message to the log; the household's
  page shows its messages (channel "log").
- `communities.notifications.SmsHttpBackend`: posts JSON {"phone", "text", "sign"} to an SMS gateway
  (NOTIFY_SMS_URL, with NOTIFY_SMS_KEY as a bearer token and NOTIFY_SMS_SIGN as the signature name; all
  from the environment, never in git). Messages without a phone number fall back to the log channel.
A backend is a class with `channel` and `send(notification)`; raising means "not sent, try again".
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Household, Notification

log = logging.getLogger("notifications")


class LogBackend:
    channel = Notification.Channel.LOG

    def send(self, notification: Notification) -> None:
        log.info("notification %s to %s: %s", notification.pk, notification.recipient, notification.text)


class SmsHttpBackend:
    """A generic HTTP SMS gateway. Providers differ: put a small relay (or a subclass overriding
    `payload`) in front of Aliyun/Tencent SMS; credentials come from the environment."""

    channel = Notification.Channel.SMS

    def payload(self, notification: Notification) -> dict:
        return {"phone": notification.phone, "text": notification.text, "sign": settings.NOTIFY_SMS_SIGN}

    def send(self, notification: Notification) -> None:
        import json
        import urllib.request

        if not settings.NOTIFY_SMS_URL:
            raise RuntimeError("NOTIFY_SMS_URL is not set")
        request = urllib.request.Request(
            settings.NOTIFY_SMS_URL,
            data=json.dumps(self.payload(notification)).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.NOTIFY_SMS_KEY}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status >= 300:
                raise RuntimeError(f"SMS gateway answered {response.status}")


def backend():
    return import_string(settings.NOTIFY_BACKEND)()


def household_phone(household: Household) -> str:
    """The first owner's phone on record (for the SMS channel), else ''."""
    from .choices import OWNER_KINDS

    phone = (
        household.ownerships.filter(kind__in=OWNER_KINDS)
        .exclude(person__phone="")
        .order_by("pk")
        .values_list("person__phone", flat=True)
        .first()
    )
    return phone or ""


def notify(
    *,
    kind: str,
    text: str,
    household: Household | None = None,
    recipient: str = "",
    phone: str = "",
    dedupe_key: str | None = None,
    division_path: str = "",
) -> Notification | None:
    """Queue one message (in the caller's transaction; sent after commit). A `dedupe_key` already used
    queues nothing (reminders run again safely) and returns None."""
    from . import outbox
    from .tasks import send_notification

    sender = backend()
    if household is not None:
        recipient = recipient or household.label
        division_path = division_path or household.building.compound.division.path
        if sender.channel == Notification.Channel.SMS and not phone:
            phone = household_phone(household)
    channel = (
        sender.channel if (sender.channel != Notification.Channel.SMS or phone) else Notification.Channel.LOG
    )
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                kind=kind,
                channel=channel,
                household=household,
                recipient=recipient[:100],
                phone=phone[:20],
                text=text[:500],
                dedupe_key=dedupe_key,
                division_path=division_path,
            )
    except IntegrityError:
        return None  # already queued under this key
    outbox.enqueue(send_notification, notification.pk)
    return notification


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(60 * 2 ** max(0, attempts - 1), 6 * 3600))


def send(notification_id: int) -> str:
    """Send one pending message; returns its state. Safe twice (the row is claimed with SKIP LOCKED and
    only a pending row is sent)."""
    with transaction.atomic():
        n = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, state=Notification.State.PENDING)
            .first()
        )
        if n is None:
            return "skipped"
        sender = backend() if n.channel == backend().channel else LogBackend()
        n.attempts += 1
        try:
            sender.send(n)
        except Exception as exc:
            n.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if n.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                n.state = Notification.State.FAILED
            else:
                n.next_attempt_at = timezone.now() + retry_delay(n.attempts)
            log.warning("notification %s not sent (attempt %s): %s", n.pk, n.attempts, n.last_error)
        else:
            n.state = Notification.State.SENT
            n.sent_at = timezone.now()
            n.last_error = ""
        n.save(update_fields=["attempts", "last_error", "state", "next_attempt_at", "sent_at"])
        return n.state


def send_due(limit: int = 500) -> int:
    """Send the pending messages whose time has come (beat, every minute): what the sender refused, and
    anything whose task was lost. Returns how many were sent."""
    ids = list(
        Notification.objects.filter(state=Notification.State.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if send(pk) == Notification.State.SENT)
