"""Messages to residents from the residents' page, through the notification outbox
(communities.notifications). Texts are written in Chinese, the residents' language."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from communities.notifications import notify


def booking_confirmed(household, slot) -> None:
    when = timezone.localtime(slot.starts_at)
    with translation.override("zh-hans"):
        text = _(
            "Your visit for “%(work)s” is booked: %(when)s. Change or cancel it on your household's page."
        ) % {
            "work": slot.work_item.name,
            "when": when.strftime("%m-%d %H:%M"),
        }
    notify(kind="visit_booked", text=text, household=household)
