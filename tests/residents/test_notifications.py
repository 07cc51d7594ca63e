"""Notification outbox: a row per message with channel and state, sent by a task through the backend;
nothing lost when the sender is down (retried later); reminders the day before are queued once."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from communities import notifications
from communities.models import Notification
from communities.tasks import send_due_notifications
from projects import bookings
from projects.models import ProjectParty, WorkItem
from tests.residents.helpers import card_codes, make_households
from tests.residents.menu_helpers import make_project

pytestmark = pytest.mark.django_db


class DownBackend:
    """A sender that is down: every send raises."""

    channel = "log"

    def send(self, notification):
        raise ConnectionError("SMS gateway unreachable")


def test_a_message_is_a_row_sent_by_the_task(world, django_capture_on_commit_callbacks):
    h = make_households(world.compound_a, n=1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        n = notifications.notify(kind="test", text="您好", household=h)
    n.refresh_from_db()
    assert (n.channel, n.state, n.attempts, n.recipient) == ("log", "sent", 1, "1栋 1单元 101")
    assert n.division_path == world.compound_a.division.path


def test_nothing_is_lost_when_the_sender_is_down(world, settings, django_capture_on_commit_callbacks):
    h = make_households(world.compound_a, n=1)[0]
    settings.NOTIFY_BACKEND = "tests.residents.test_notifications.DownBackend"
    with django_capture_on_commit_callbacks(execute=True):
        n = notifications.notify(kind="test", text="明天上门", household=h)
    n.refresh_from_db()
    assert n.state == "pending" and n.attempts == 1 and "unreachable" in n.last_error
    assert n.next_attempt_at > timezone.now()
    assert send_due_notifications() == 0  # not due yet
    Notification.objects.filter(pk=n.pk).update(next_attempt_at=timezone.now())
    settings.NOTIFY_BACKEND = "communities.notifications.LogBackend"  # the sender is back
    assert send_due_notifications() == 1
    n.refresh_from_db()
    assert n.state == "sent" and n.attempts == 2


def test_gives_up_after_max_attempts(world, settings):
    settings.NOTIFY_BACKEND = "tests.residents.test_notifications.DownBackend"
    settings.NOTIFY_MAX_ATTEMPTS = 2
    n = Notification.objects.create(kind="t", channel="log", recipient="x", text="x")
    notifications.send(n.pk)
    Notification.objects.filter(pk=n.pk).update(next_attempt_at=timezone.now())
    notifications.send(n.pk)
    n.refresh_from_db()
    assert n.state == "failed" and n.attempts == 2
    assert notifications.send(n.pk) == "skipped"


def test_sms_backend_uses_the_owners_phone_and_falls_back_to_the_log(world, settings):
    from tests import factories as f

    settings.NOTIFY_BACKEND = "communities.notifications.SmsHttpBackend"
    with_phone, without = make_households(world.compound_a, n=2)
    f.OwnershipFactory(
        person=f.PersonFactory(phone="13812345678", division=world.community_a), household=with_phone
    )
    a = notifications.notify(kind="t", text="x", household=with_phone)
    b = notifications.notify(kind="t", text="x", household=without)
    assert (a.channel, a.phone) == ("sms", "13812345678") and (b.channel, b.phone) == ("log", "")


def test_day_before_reminders_once_per_booking_and_a_day_sheet_count(world, street_user, client):
    cache.clear()
    households = make_households(world.compound_a, n=2)
    codes = card_codes(households)
    project = make_project(street_user, world.compound_a)
    item = WorkItem.objects.create(project=project, name="更换外窗", needs_home_entry=True)
    ProjectParty.objects.create(project=project, role="construction", name="江西建工", phone="13900000000")
    day = timezone.localdate() + dt.timedelta(days=1)
    slot = bookings.publish_slots(
        item, street_user, day=day, start=dt.time(9), end=dt.time(10), minutes=60, capacity=5
    )[0]
    for h in households:
        bookings.book(h, slot)
    assert bookings.send_reminders() == 3  # two households and the construction unit
    assert bookings.send_reminders() == 0  # idempotent
    texts = list(Notification.objects.filter(kind="visit_reminder").values_list("text", flat=True))
    assert len(texts) == 2 and "更换外窗" in texts[0] and "09:00" in texts[0]
    sheet = Notification.objects.get(kind="visit_day_sheet")
    assert "2 户" in sheet.text and sheet.recipient == "江西建工"
    assert "更换外窗" in client.get(f"/h/{codes[households[0].pk]}/").content.decode()  # shown on the page


def test_answer_to_a_household_report_is_sent_to_it(world, street_user):
    from consultations import services as cs
    from consultations.residents import reports

    h = make_households(world.compound_a, n=1)[0]
    opinion = reports.report_problem(h, category="lighting", content="路灯不亮")
    cs.answer_opinion(opinion, user=street_user, answer="明晚前修好")
    n = Notification.objects.get(kind="report_answered")
    assert n.household == h and "明晚前修好" in n.text


def test_staff_list_and_api_are_scoped(client, api_as, world, street_user, secretary_b):
    h = make_households(world.compound_a, n=1)[0]
    notifications.notify(kind="t", text="给竹岭的消息", household=h)
    client.force_login(street_user)
    assert "给竹岭的消息" in client.get("/residents/notifications/").content.decode()
    assert api_as(street_user).get("/api/v1/notifications/").json()["count"] == 1
    assert api_as(secretary_b).get("/api/v1/notifications/").json()["count"] == 0
