"""Pages of in-home works booking for the contractor and staff: publish slots, the day sheet by building
and unit with done / nobody home / refused, and the households without a booking (for the grid worker)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.errors import DomainError

from . import bookings
from .models import VisitBooking, VisitSlot, WorkItem


def _item(request, pk) -> WorkItem:
    return get_object_or_404(WorkItem.objects.for_user(request.user).select_related("project"), pk=pk)


def _date(value: str | None, default: dt.date | None = None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return default


@login_required
def visit_slots(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    can_run = bookings.can_run_visits(request.user, item)
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied
        try:
            made = bookings.publish_slots(
                item,
                request.user,
                day=_date(request.POST.get("day")) or dt.date.min,
                start=dt.time.fromisoformat(request.POST.get("start") or "09:00"),
                end=dt.time.fromisoformat(request.POST.get("end") or "17:00"),
                minutes=int(request.POST.get("minutes") or 60),
                capacity=int(request.POST.get("capacity") or 1),
            )
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("Check the day, times and places.")))
        else:
            messages.success(request, _("%(n)s slots published.") % {"n": len(made)})
        return redirect("projects:visit_slots", pk=item.pk)
    slots = list(
        VisitSlot.objects.filter(work_item=item, starts_at__gte=timezone.now() - dt.timedelta(days=30))
    )
    days = sorted({timezone.localtime(s.starts_at).date() for s in slots})
    return render(
        request,
        "projects/visit_slots.html",
        {
            "item": item,
            "slots": slots,
            "days": days,
            "can_run": can_run,
            "unbooked_count": bookings.unbooked(item).count(),
            "total": bookings.households_for(item).count(),
            "tomorrow": timezone.localdate() + dt.timedelta(days=1),
        },
    )


@login_required
def visit_day(request: HttpRequest, pk: int) -> HttpResponse:
    """The day sheet: visits by building and unit, each marked done / nobody home / refused."""
    item = _item(request, pk)
    day = _date(request.GET.get("date"), timezone.localdate())
    sheet = bookings.day_sheet(item, day)
    now = timezone.now()
    for b in sheet:  # the marks are shown but not offered before the slot's time (the reason beside them)
        b.mark_refusal = bookings.mark_refusal(b, now)
    return render(
        request,
        "projects/visit_day.html",
        {
            "item": item,
            "day": day,
            "sheet": sheet,
            "can_run": bookings.can_run_visits(request.user, item),
            "marks": [(s, VisitBooking.Status(s).label) for s in bookings.MARKS],
        },
    )


@login_required
@require_POST
def visit_mark(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(
        VisitBooking.objects.filter(work_item__in=WorkItem.objects.for_user(request.user)).select_related(
            "slot"
        ),
        pk=pk,
    )
    try:
        bookings.mark(
            booking, request.POST.get("status", ""), request.user, note=request.POST.get("note", "")
        )
    except PermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    day = timezone.localtime(booking.slot.starts_at).date().isoformat()
    return redirect(reverse("projects:visit_day", args=[booking.work_item_id]) + f"?date={day}")


@login_required
def visit_unbooked(request: HttpRequest, pk: int) -> HttpResponse:
    """Households without a booked or done visit, for the grid worker to call (and book for them)."""
    item = _item(request, pk)
    if request.method == "POST":
        household = get_object_or_404(
            bookings.households_for(item).select_related("building__compound__division"),
            pk=request.POST.get("household") or 0,
        )
        slot = get_object_or_404(VisitSlot, pk=request.POST.get("slot") or 0, work_item=item)
        try:
            bookings.book(household, slot, user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Visit booked for %(household)s.") % {"household": household.label})
        return redirect("projects:visit_unbooked", pk=item.pk)
    households = list(bookings.unbooked(item)[:2000])
    slots = list(
        VisitSlot.objects.filter(work_item=item, starts_at__gt=timezone.now(), booked__lt=F("capacity"))
    )
    deadline_passed = item.booking_deadline is not None and item.booking_deadline < timezone.localdate()
    return render(
        request,
        "projects/visit_unbooked.html",
        {"item": item, "households": households, "slots": slots, "deadline_passed": deadline_passed},
    )
