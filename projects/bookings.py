"""In-home works booking (入户施工预约): the contractor publishes visit slots with places for a work
item that needs entry into flats; each household books, moves or cancels its visit; the contractor marks
each visit done / nobody home / refused, and a missed visit can be booked again. Time decides the
steps: a visit is marked only once its slot has started, and cancelled or moved only before, and only
into a slot that has not started (`mark_refusal`, `cancel_refusal`, `move_refusal`: the reason the pages
show beside the step and the API answers with 409).

Capacity is never exceeded, whatever the concurrency: a place is taken by one conditional UPDATE
(`booked = booked + 1 WHERE booked < capacity`), which PostgreSQL runs one at a time per slot row (the
second waits for the first's row lock, then re-checks the condition), and the booking row is inserted in
the same transaction, so a refused insert (the household already has a booking: partial UNIQUE index)
gives the place back. A CHECK constraint (booked <= capacity) is the last guard."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.errors import Conflict, DomainError
from communities.models import Household

from .models import VisitBooking, VisitSlot, WorkItem

Status = VisitBooking.Status
MAX_SLOTS_PER_DAY = 48


def can_run_visits(user, work_item: WorkItem) -> bool:
    """Project editors, and the contractor units' users of the project (who publish slots and mark visits)."""
    if user is None or not user.is_authenticated:
        return False
    if WorkItem.objects.editable_by(user).filter(pk=work_item.pk).exists():
        return True
    return (
        WorkItem.objects.for_user(user).filter(pk=work_item.pk).exists()
        and work_item.project.parties.filter(users=user).exists()
    )


def _require_runner(user, work_item: WorkItem) -> None:
    if user is not None and not can_run_visits(user, work_item):
        raise PermissionDenied(_("You may not run the visits of this work item."))


def households_for(work_item: WorkItem) -> QuerySet[Household]:
    """The households the work item enters: its project's compounds, narrowed to its building and
    stairwell unit when it names them."""
    qs = Household.objects.filter(building__compound__in=work_item.project.compounds.all())
    if work_item.building_id:
        qs = qs.filter(building_id=work_item.building_id)
        if work_item.stairwell_unit:
            qs = qs.filter(unit=work_item.stairwell_unit)
    return qs


def publish_slots(
    work_item: WorkItem,
    user,
    *,
    day: dt.date,
    start: dt.time,
    end: dt.time,
    minutes: int,
    capacity: int,
) -> list[VisitSlot]:
    """Slots of `minutes` from `start` to `end` on `day`, each with `capacity` places."""
    _require_runner(user, work_item)
    if not work_item.needs_home_entry:
        raise DomainError(_("This work item does not need entry into flats."), field="work_item")
    if capacity < 1:
        raise DomainError(_("A slot has at least one place."), field="capacity")
    if minutes < 15:
        raise DomainError(_("A slot lasts at least 15 minutes."), field="minutes")
    tz = timezone.get_current_timezone()
    first = timezone.make_aware(dt.datetime.combine(day, start), tz)
    last = timezone.make_aware(dt.datetime.combine(day, end), tz)
    if last <= first:
        raise DomainError(_("The end comes after the start."), field="end")
    if first <= timezone.now():
        raise DomainError(_("Publish slots in the future."), field="day")
    slots = []
    at = first
    while at + dt.timedelta(minutes=minutes) <= last and len(slots) < MAX_SLOTS_PER_DAY:
        slots.append(
            VisitSlot(
                work_item=work_item,
                starts_at=at,
                ends_at=at + dt.timedelta(minutes=minutes),
                capacity=capacity,
                created_by=user,
            )
        )
        at += dt.timedelta(minutes=minutes)
    if not slots:
        raise DomainError(_("No slot fits between the start and the end."), field="minutes")
    return VisitSlot.objects.bulk_create(slots)


def _started() -> str:
    return _("This time has already started: choose a later one.")


def _take_place(slot_id: int, work_item_id: int) -> None:
    """Take one place of a future slot of the work item, or raise Conflict. One statement: the row lock
    serialises concurrent bookings of the slot, and the condition is re-checked after the wait."""
    now = timezone.now()
    taken = VisitSlot.objects.filter(
        pk=slot_id, work_item_id=work_item_id, booked__lt=F("capacity"), starts_at__gt=now
    ).update(booked=F("booked") + 1)
    if not taken:
        # say which: the slot has started (choose a later one) or its places are taken
        if VisitSlot.objects.filter(pk=slot_id, starts_at__lte=now).exists():
            raise Conflict(_started())
        raise Conflict(_("This time is full: choose another one."))


def _give_back(slot_id: int) -> None:
    VisitSlot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def _check_household(work_item: WorkItem, household: Household) -> None:
    if not work_item.needs_home_entry:
        raise DomainError(_("This work item does not need entry into flats."), field="work_item")
    if not households_for(work_item).filter(pk=household.pk).exists():
        raise DomainError(_("This work item does not enter this household."), field="household")


def book(household: Household, slot: VisitSlot, *, user=None) -> VisitBooking:
    """Book a visit: by the household from its page (no user), or by staff for it (a grid worker
    calling the unbooked). One active booking per household and work item."""
    work_item = slot.work_item
    if user is not None:
        from communities.scoping import get_scope
        from consultations.querysets import FIELD_ROLES

        path = household.building.compound.division.path
        if not (get_scope(user).covers(path, FIELD_ROLES) or can_run_visits(user, work_item)):
            raise PermissionDenied(_("You may not book visits for this household."))
    _check_household(work_item, household)
    with transaction.atomic():
        _take_place(slot.pk, work_item.pk)
        try:
            with transaction.atomic():
                booking = VisitBooking.objects.create(
                    work_item=work_item, slot=slot, household=household, booked_by=user
                )
        except IntegrityError:
            raise Conflict(
                _("Your household already has a visit booked for this work: move it instead.")
            ) from None
    return booking


def _locked_booking(booking: VisitBooking) -> VisitBooking:
    return VisitBooking.objects.select_for_update().select_related("slot", "work_item").get(pk=booking.pk)


def move(
    booking: VisitBooking, new_slot: VisitSlot, *, household: Household | None = None, user=None
) -> VisitBooking:
    """Move a booked visit to another time of the same work item (the old place is given back)."""
    with transaction.atomic():
        booking = _locked_booking(booking)
        _check_owner(booking, household, user)
        if new_slot.work_item_id != booking.work_item_id:
            raise DomainError(_("Choose a time of the same work."), field="slot")
        refusal = move_refusal(booking, new_slot)
        if refusal:
            raise Conflict(refusal)
        if new_slot.pk == booking.slot_id:
            return booking
        _take_place(new_slot.pk, booking.work_item_id)  # re-checks the start and the places in the row
        _give_back(booking.slot_id)
        booking.slot = new_slot
        booking.save(update_fields=["slot", "updated_at"])
    return booking


def move_refusal(
    booking: VisitBooking, new_slot: VisitSlot | None = None, now: dt.datetime | None = None
) -> str | None:
    """Why the booking cannot be moved (to `new_slot`, when given) (None: it can). Once its slot has
    started the workers are on their way or at the door; and a visit is only moved into a time that
    has not started (as it is only booked into one)."""
    now = now or timezone.now()
    if booking.status != Status.BOOKED:
        return _("Only a booked visit can be moved.")
    if booking.slot.starts_at <= now:
        return _("The visit's time has come: it can no longer be moved.")
    if new_slot is not None and new_slot.pk != booking.slot_id and new_slot.starts_at <= now:
        return _started()
    return None


def cancel_refusal(booking: VisitBooking, now: dt.datetime | None = None) -> str | None:
    """Why the booking cannot be cancelled (None: it can). Once the slot has started the workers are on
    their way or at the door: the contractor marks the visit instead (nobody home, refused)."""
    if booking.status != Status.BOOKED:
        return _("Only a booked visit can be cancelled.")
    if booking.slot.starts_at <= (now or timezone.now()):
        return _("The visit's time has come: it can no longer be cancelled.")
    return None


def cancel(booking: VisitBooking, *, household: Household | None = None, user=None) -> VisitBooking:
    with transaction.atomic():
        booking = _locked_booking(booking)
        _check_owner(booking, household, user)
        refusal = cancel_refusal(booking)
        if refusal:
            raise Conflict(refusal)
        booking.status = Status.CANCELLED
        booking.save(update_fields=["status", "updated_at"])
        _give_back(booking.slot_id)
    return booking


def _check_owner(booking: VisitBooking, household: Household | None, user) -> None:
    if household is not None:
        if booking.household_id != household.pk:
            raise PermissionDenied(_("This is not your household's booking."))
    elif user is not None:
        _require_runner(user, booking.work_item)


MARKS = (Status.DONE, Status.NOBODY_HOME, Status.REFUSED)


def mark_refusal(booking: VisitBooking, now: dt.datetime | None = None) -> str | None:
    """Why the contractor cannot mark the booking yet (None: it can). A visit is marked from its slot's
    start on: before it, nobody can have been at the door."""
    if booking.status not in (Status.BOOKED, *MARKS):
        return _("A cancelled booking cannot be marked.")
    if booking.slot.starts_at > (now or timezone.now()):
        return _("The visit's time has not come yet: it can be marked once the slot has started.")
    return None


def mark(booking: VisitBooking, status: str, user, note: str = "") -> VisitBooking:
    """The contractor's mark after the visit. Nobody home or refused: the household may book again."""
    if status not in MARKS:
        raise DomainError(_("Mark the visit done, nobody home or refused."), field="status")
    with transaction.atomic():
        booking = _locked_booking(booking)
        _require_runner(user, booking.work_item)
        refusal = mark_refusal(booking)
        if refusal:
            raise Conflict(refusal)
        booking.status = status
        booking.marked_by = user
        booking.marked_at = timezone.now()
        booking.note = (note or booking.note)[:200]
        try:
            with transaction.atomic():
                booking.save(update_fields=["status", "marked_by", "marked_at", "note", "updated_at"])
        except IntegrityError:  # correcting a miss to done after the household booked again
            raise Conflict(_("The household has booked again: mark that visit instead.")) from None
    return booking


def unbooked(work_item: WorkItem) -> QuerySet[Household]:
    """Households the work item enters that have no booked or done visit: the grid worker calls them."""
    active = VisitBooking.objects.filter(
        work_item=work_item, household=OuterRef("pk"), status__in=VisitBooking.ACTIVE
    )
    return (
        households_for(work_item)
        .annotate(has_booking=Exists(active))
        .filter(has_booking=False)
        .select_related("building")
        .order_by("building__name", "unit", "floor", "room")
    )


def day_sheet(work_item: WorkItem, day: dt.date) -> list[VisitBooking]:
    """The day's visits by building and unit (cancelled ones left out)."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min), tz)
    return list(
        VisitBooking.objects.filter(
            work_item=work_item, slot__starts_at__gte=start, slot__starts_at__lt=start + dt.timedelta(days=1)
        )
        .exclude(status=Status.CANCELLED)
        .select_related("slot", "household__building")
        .order_by(
            "household__building__name",
            "household__unit",
            "slot__starts_at",
            "household__floor",
            "household__room",
        )
    )


def household_bookings(household: Household) -> list[dict]:
    """For the household's page: each in-home work item entering it, with its current booking (or the
    last missed one) and the future slots with free places."""
    items = (
        WorkItem.objects.filter(needs_home_entry=True, project__compounds=household.building.compound_id)
        .select_related("project", "building")
        .order_by("pk")
    )
    rows = []
    now = timezone.now()
    for item in items:
        if item.building_id and item.building_id != household.building_id:
            continue
        if item.stairwell_unit and item.stairwell_unit != household.unit:
            continue
        bookings = list(
            VisitBooking.objects.filter(work_item=item, household=household)
            .select_related("slot")
            .order_by("-created_at")[:5]
        )
        active = next((b for b in bookings if b.status in VisitBooking.ACTIVE), None)
        slots = list(
            VisitSlot.objects.filter(work_item=item, starts_at__gt=now, booked__lt=F("capacity")).order_by(
                "starts_at"
            )[:60]
        )
        refused_move = None
        if active is not None:
            refused_move = move_refusal(active, now=now)
            # "move to another time": none once the move is refused (the page shows why instead)
            slots = [] if refused_move else [sl for sl in slots if sl.pk != active.slot_id]
        refused_cancel = cancel_refusal(active, now) if active is not None else None
        rows.append(
            {
                "work_item": item,
                "booking": active,
                "cancel_refusal": refused_cancel,
                "move_refusal": refused_move,
                # the page says it once when the time has come for both
                "locked": (
                    _("The visit's time has come: it can no longer be cancelled or moved.")
                    if refused_cancel and refused_move and active.status == Status.BOOKED
                    else None
                ),
                "history": bookings,
                "slots": slots,
            }
        )
    return rows


def send_reminders(now: dt.datetime | None = None) -> int:
    """The day before: a reminder to each household with a booked visit tomorrow, and to the
    construction unit a count per work item. Idempotent (one message per booking and time, per work
    item and day), so beat may run it every half hour. Returns how many messages were queued."""
    from django.utils import translation

    from communities.notifications import notify

    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + dt.timedelta(days=1)
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min), tz)
    due = (
        VisitBooking.objects.filter(
            status=Status.BOOKED, slot__starts_at__gte=start, slot__starts_at__lt=start + dt.timedelta(days=1)
        )
        .select_related("slot", "work_item__project", "household__building__compound__division")
        .order_by("work_item_id", "slot__starts_at")
    )
    queued = 0
    per_item: dict[int, list[VisitBooking]] = {}
    with translation.override("zh-hans"):
        for b in due:
            per_item.setdefault(b.work_item_id, []).append(b)
            text = _("Reminder: the workers come for “%(work)s” tomorrow %(when)s. Please be at home.") % {
                "work": b.work_item.name,
                "when": timezone.localtime(b.slot.starts_at).strftime("%H:%M"),
            }
            if notify(
                kind="visit_reminder",
                text=text,
                household=b.household,
                dedupe_key=f"visit-reminder:{b.pk}:{b.slot_id}",
            ):
                queued += 1
        for rows in per_item.values():
            item = rows[0].work_item
            for party in item.project.parties.filter(role="construction"):
                text = _(
                    "Tomorrow (%(day)s): %(n)s in-home visits for “%(work)s”; the day sheet is online."
                ) % {
                    "day": tomorrow.strftime("%m-%d"),
                    "n": len(rows),
                    "work": item.name,
                }
                if notify(
                    kind="visit_day_sheet",
                    text=text,
                    recipient=party.name,
                    phone=party.phone,
                    division_path=rows[0].household.building.compound.division.path,
                    dedupe_key=f"visit-day:{item.pk}:{party.pk}:{tomorrow.isoformat()}",
                ):
                    queued += 1
    return queued
