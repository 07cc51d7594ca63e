"""The household page's in-home works bookings panel (入户施工预约; communities.household_panels).

One query: the household's bookings of work items the user sees, newest slot first. Only roles that see
residents' data get it (a contractor runs its visits from the work item's day sheet, not from here)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.household_panels import Panel, PanelRow, first_rows, register
from communities.scoping import get_scope

from .models import VisitBooking, WorkItem


def _slot(slot) -> str:
    start, end = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def bookings(user, household) -> Panel | None:
    if not get_scope(user).sees_residents:
        return None
    qs = (
        VisitBooking.objects.filter(household=household, work_item__in=WorkItem.objects.for_user(user))
        .select_related("work_item", "slot")
        .order_by("-slot__starts_at", "-pk")
    )
    rows, total = first_rows(qs)
    return Panel(
        "bookings",
        _("In-home works bookings"),
        [
            PanelRow(
                b.work_item.name,
                reverse("projects:visit_slots", args=[b.work_item_id]),
                [_slot(b.slot), b.get_status_display(), b.note[:60]],
            )
            for b in rows
        ],
        _("No in-home works booked."),
        total=total,
    )


def connect() -> None:
    register("bookings", bookings, order=50)
