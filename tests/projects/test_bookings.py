"""In-home works booking: capacity never exceeded under concurrent booking, one active booking per
household and work item, move/cancel, contractor marks, rebooking after a miss, unbooked list, day sheet."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import F
from django.utils import timezone

from communities.errors import Conflict, DomainError
from projects import bookings
from projects.models import ProjectParty, VisitBooking, VisitSlot, WorkItem
from tests.residents.helpers import make_households
from tests.residents.menu_helpers import make_project

pytestmark = pytest.mark.django_db


def window_item(user, compound, **kwargs):
    project = make_project(user, compound)
    return WorkItem.objects.create(project=project, name="更换外窗", needs_home_entry=True, **kwargs)


def tomorrow():
    return timezone.localdate() + dt.timedelta(days=1)


def slots(item, user, capacity=1, n=2):
    return bookings.publish_slots(
        item, user, day=tomorrow(), start=dt.time(9), end=dt.time(9 + n), minutes=60, capacity=capacity
    )


def started(*slot_list, days=2):
    """Move published (and booked) slots `days` earlier, so that their time has come: slots are only
    published and booked in the future. Returns the local day of the first one, for its day sheet."""
    shift = dt.timedelta(days=days)
    VisitSlot.objects.filter(pk__in=[s.pk for s in slot_list]).update(
        starts_at=F("starts_at") - shift, ends_at=F("ends_at") - shift
    )
    for s in slot_list:
        s.refresh_from_db()
    return day_of(slot_list[0])


def day_of(slot):
    return timezone.localtime(slot.starts_at).date()


NOT_YET = "上门时间还没到，时段开始后才能标记。"
TOO_LATE = "上门时间已到，不能再取消预约。"


def test_contractor_of_the_project_publishes_slots(world, street_user, contractor, secretary_b):
    make_households(world.compound_a, n=1)
    item = window_item(street_user, world.compound_a)
    party = ProjectParty.objects.create(project=item.project, role="construction", name="江西建工")
    with pytest.raises(PermissionDenied):
        slots(item, contractor)  # not yet one of the project's units
    party.users.add(contractor)
    made = bookings.publish_slots(
        item, contractor, day=tomorrow(), start=dt.time(9), end=dt.time(12), minutes=90, capacity=3
    )
    assert [(s.starts_at.astimezone(timezone.get_current_timezone()).hour, s.capacity) for s in made] == [
        (9, 3),
        (10, 3),
    ]
    with pytest.raises(PermissionDenied):
        slots(item, secretary_b)
    plain = WorkItem.objects.create(project=item.project, name="屋面防水")
    with pytest.raises(DomainError):
        slots(plain, street_user)


def test_book_move_cancel_and_one_active_booking(world, street_user):
    h = make_households(world.compound_a, n=1)[0]
    item = window_item(street_user, world.compound_a)
    first, second = slots(item, street_user, capacity=2)
    booking = bookings.book(h, first)
    with pytest.raises(Conflict):
        bookings.book(h, second)  # already booked: move instead
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.booked, second.booked) == (1, 0)
    bookings.move(booking, second, household=h)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.booked, second.booked) == (0, 1)
    bookings.cancel(booking, household=h)
    second.refresh_from_db()
    assert second.booked == 0
    assert bookings.book(h, first).status == "booked"


def test_household_outside_the_work_item_is_refused(world, street_user):
    make_households(world.compound_a, building_name="1栋", n=1)
    other = make_households(world.compound_a, building_name="2栋", n=1)[0]
    from communities.models import Building

    item = window_item(street_user, world.compound_a, building=Building.objects.get(name="1栋"))
    slot = slots(item, street_user)[0]
    with pytest.raises(DomainError):
        bookings.book(other, slot)
    outsider = make_households(world.compound_b, n=1)[0]
    with pytest.raises(DomainError):
        bookings.book(outsider, slot)


@pytest.mark.django_db(transaction=True)
def test_one_free_place_many_threads_exactly_one_booking(world, street_user):
    households = make_households(world.compound_a, n=12)
    item = window_item(street_user, world.compound_a)
    slot = slots(item, street_user, capacity=3, n=1)[0]
    for h in households[:2]:
        bookings.book(h, slot)  # two of three places taken: one left
    barrier = threading.Barrier(10)
    won, lost, errors = [], [], []

    def attempt(h):
        try:
            barrier.wait()
            bookings.book(h, VisitSlot.objects.get(pk=slot.pk))
            won.append(h.pk)
        except Conflict:
            lost.append(h.pk)
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(h,)) for h in households[2:]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(won) == 1 and len(lost) == 9
    slot.refresh_from_db()
    assert slot.booked == slot.capacity == 3
    assert VisitBooking.objects.filter(slot=slot, status="booked").count() == 3


@pytest.mark.django_db(transaction=True)
def test_one_household_booking_twice_at_once_gets_one_booking(world, street_user):
    h = make_households(world.compound_a, n=1)[0]
    item = window_item(street_user, world.compound_a)
    slot_list = slots(item, street_user, capacity=5, n=2)
    barrier = threading.Barrier(6)
    results = []

    def attempt(n):
        try:
            barrier.wait()
            bookings.book(h, slot_list[n % 2])
            results.append("ok")
        except Conflict:
            results.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1
    assert VisitBooking.objects.filter(household=h).count() == 1
    assert sum(VisitSlot.objects.filter(work_item=item).values_list("booked", flat=True)) == 1


def test_marks_rebooking_unbooked_list_and_day_sheet(
    world, street_user, grid_worker_a, django_assert_max_num_queries
):
    households = make_households(world.compound_a, n=4)
    item = window_item(street_user, world.compound_a)
    first, second = slots(item, street_user, capacity=4)
    a = bookings.book(households[0], first)
    b = bookings.book(households[1], first, user=grid_worker_a)  # booked by phone through the grid worker
    assert b.booked_by == grid_worker_a
    with django_assert_max_num_queries(3):
        assert [h.pk for h in bookings.unbooked(item)] == [households[2].pk, households[3].pk]
    day = started(first)  # marks come once the visit's time has come
    bookings.mark(a, "done", street_user)
    bookings.mark(b, "nobody_home", street_user)
    with pytest.raises(PermissionDenied):
        bookings.mark(a, "refused", grid_worker_a)
    assert households[1].pk in [h.pk for h in bookings.unbooked(item)]  # a missed visit: call again
    again = bookings.book(households[1], second)  # rebooked
    assert again.status == "booked" and VisitBooking.objects.filter(household=households[1]).count() == 2
    sheet = bookings.day_sheet(item, day)
    assert [(x.household_id, x.status) for x in sheet] == [
        (households[0].pk, "done"),
        (households[1].pk, "nobody_home"),
    ]
    assert [(x.household_id, x.status) for x in bookings.day_sheet(item, day_of(second))] == [
        (households[1].pk, "booked")
    ]
    with pytest.raises(Conflict):
        bookings.mark(b, "done", street_user)  # the household has booked again


def test_pages_resident_books_moves_cancels_and_contractor_marks(client, world, street_user, contractor):
    from django.core.cache import cache

    from tests.residents.helpers import card_codes

    cache.clear()
    households = make_households(world.compound_a, n=2)
    codes = card_codes(households)
    item = window_item(street_user, world.compound_a, booking_deadline=timezone.localdate())
    party = ProjectParty.objects.create(project=item.project, role="construction", name="江西建工")
    party.users.add(contractor)
    client.force_login(contractor)
    published = client.post(
        f"/projects/work-items/{item.pk}/visits/",
        {"day": tomorrow().isoformat(), "start": "09:00", "end": "11:00", "minutes": "60", "capacity": "1"},
    )
    assert published.status_code == 302
    first, second = VisitSlot.objects.filter(work_item=item)
    client.logout()
    code = codes[households[0].pk]
    home = client.get(f"/h/{code}/").content.decode()
    assert "更换外窗" in home and f'value="{first.pk}"' in home
    client.post(f"/h/{code}/visits/{item.pk}/book/", {"slot": first.pk})
    booking = VisitBooking.objects.get(household=households[0])
    assert booking.slot == first
    # the full slot is no longer offered to the neighbour, and booking it anyway is refused
    neighbour = client.get(f"/h/{codes[households[1].pk]}/").content.decode()
    assert f'value="{first.pk}"' not in neighbour and f'value="{second.pk}"' in neighbour
    client.post(f"/h/{codes[households[1].pk]}/visits/{item.pk}/book/", {"slot": first.pk})
    assert not VisitBooking.objects.filter(household=households[1]).exists()
    client.post(f"/h/{code}/visits/{item.pk}/book/", {"slot": second.pk})  # move
    booking.refresh_from_db()
    assert booking.slot == second
    assert client.post(f"/h/{codes[households[1].pk]}/visits/{booking.pk}/cancel/").status_code == 404
    client.post(f"/h/{code}/visits/{booking.pk}/cancel/")
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    client.post(f"/h/{code}/visits/{item.pk}/book/", {"slot": first.pk})
    rebooked = VisitBooking.objects.get(household=households[0], status="booked")
    # the contractor's day sheet and marks, once the visit's time has come
    day = started(first)
    client.force_login(contractor)
    sheet = client.get(f"/projects/work-items/{item.pk}/visits/day/?date={day.isoformat()}").content.decode()
    assert "101" in sheet and "无人在家" in sheet
    client.post(f"/projects/visits/{rebooked.pk}/mark/", {"status": "nobody_home"})
    rebooked.refresh_from_db()
    assert rebooked.status == "nobody_home"
    home = client.get(f"/h/{code}/").content.decode()
    assert "请重新预约" in home
    unbooked = client.get(f"/projects/work-items/{item.pk}/visits/unbooked/").content.decode()
    assert "1栋 1单元 101" in unbooked and "1栋 1单元 201" in unbooked


def test_booking_api_staff_and_household(
    api_as, api_client, world, street_user, contractor, secretary_b, django_assert_max_num_queries
):
    from django.core.cache import cache

    from tests.residents.helpers import card_codes

    cache.clear()
    households = make_households(world.compound_a, n=3)
    codes = card_codes(households)
    item = window_item(street_user, world.compound_a)
    ProjectParty.objects.create(project=item.project, role="construction", name="江西建工").users.add(
        contractor
    )
    c = api_as(contractor)
    body = {
        "work_item": item.pk,
        "day": tomorrow().isoformat(),
        "start": "09:00",
        "end": "11:00",
        "minutes": 60,
        "capacity": 1,
    }
    made = c.post("/api/v1/visit-slots/publish/", body, format="json")
    assert made.status_code == 201 and len(made.json()) == 2
    assert api_as(secretary_b).post("/api/v1/visit-slots/publish/", body, format="json").status_code == 404
    first, second = (sl["id"] for sl in made.json())
    page = api_client.get(
        "/api/v1/household-page/visits/", HTTP_X_HOUSEHOLD_CODE=codes[households[0].pk]
    ).json()
    assert page[0]["work_item"] == item.pk and len(page[0]["slots"]) == 2
    booked = api_client.post(
        "/api/v1/household-page/visits/",
        {"slot": first},
        format="json",
        HTTP_X_HOUSEHOLD_CODE=codes[households[0].pk],
    )
    assert booked.json()[0]["booking"]["status"] == "booked"
    full = api_client.post(
        "/api/v1/household-page/visits/",
        {"slot": first},
        format="json",
        HTTP_X_HOUSEHOLD_CODE=codes[households[1].pk],
    )
    assert full.status_code == 409
    staff = api_as(street_user)
    by_staff = staff.post(
        "/api/v1/visit-bookings/book/", {"household": households[1].pk, "slot": second}, format="json"
    )
    assert by_staff.status_code == 201
    with django_assert_max_num_queries(6):
        sheet = c.get(f"/api/v1/visit-bookings/?work_item={item.pk}&date={tomorrow().isoformat()}").json()
    assert sheet["count"] == 2
    started(VisitSlot.objects.get(pk=second))  # marks come once the visit's time has come
    marked = c.post(
        f"/api/v1/visit-bookings/{by_staff.json()['id']}/mark/", {"status": "refused"}, format="json"
    )
    assert marked.json()["status"] == "refused"
    unbooked = staff.get(f"/api/v1/visit-bookings/unbooked/?work_item={item.pk}").json()
    assert [h["id"] for h in unbooked["households"]] == [households[1].pk, households[2].pk]
    mine = VisitBooking.objects.get(household=households[0])
    other_code = codes[households[2].pk]
    assert (
        api_client.post(
            f"/api/v1/household-page/visits/{mine.pk}/cancel/", HTTP_X_HOUSEHOLD_CODE=other_code
        ).status_code
        == 404
    )
    assert (
        api_client.post(
            f"/api/v1/household-page/visits/{mine.pk}/cancel/", HTTP_X_HOUSEHOLD_CODE=codes[households[0].pk]
        ).json()[0]["booking"]
        is None
    )


def test_a_visit_is_marked_only_once_its_time_has_come(world, street_user):
    h = make_households(world.compound_a, n=1)[0]
    item = window_item(street_user, world.compound_a)
    slot = slots(item, street_user, n=1)[0]
    booking = bookings.book(h, slot)
    for status in bookings.MARKS:
        with pytest.raises(Conflict) as refused:
            bookings.mark(booking, status, street_user, note="提前标记")
        assert refused.value.message == NOT_YET
    booking.refresh_from_db()
    assert (booking.status, booking.marked_by, booking.marked_at, booking.note) == ("booked", None, None, "")
    # the boundary: from the slot's start on
    assert bookings.mark_refusal(booking, now=slot.starts_at - dt.timedelta(microseconds=1)) == NOT_YET
    assert bookings.mark_refusal(booking, now=slot.starts_at) is None
    started(slot)
    assert bookings.mark(booking, "done", street_user).status == "done"


def test_a_visit_whose_time_has_come_cannot_be_cancelled(world, street_user):
    h, neighbour = make_households(world.compound_a, n=2)
    item = window_item(street_user, world.compound_a)
    slot = slots(item, street_user, capacity=2, n=1)[0]
    mine, theirs = bookings.book(h, slot), bookings.book(neighbour, slot)
    started(slot)
    for booking, kwargs in ((mine, {"household": h}), (theirs, {"user": street_user})):
        with pytest.raises(Conflict) as refused:
            bookings.cancel(booking, **kwargs)
        assert refused.value.message == TOO_LATE
    slot.refresh_from_db()
    assert slot.booked == 2
    assert set(VisitBooking.objects.filter(slot=slot).values_list("status", flat=True)) == {"booked"}
    # the boundary: from the slot's start on
    mine.refresh_from_db()
    assert bookings.cancel_refusal(mine, now=slot.starts_at - dt.timedelta(microseconds=1)) is None
    assert bookings.cancel_refusal(mine, now=slot.starts_at) == TOO_LATE


def test_pages_offer_marks_and_cancel_only_at_the_right_time(client, world, street_user, contractor):
    from django.core.cache import cache

    from tests.residents.helpers import card_codes

    cache.clear()
    h = make_households(world.compound_a, n=1)[0]
    code = card_codes([h])[h.pk]
    item = window_item(street_user, world.compound_a)
    ProjectParty.objects.create(project=item.project, role="construction", name="江西建工").users.add(
        contractor
    )
    slot = slots(item, street_user, n=1)[0]
    booking = bookings.book(h, slot)
    cancel_url = f"/h/{code}/visits/{booking.pk}/cancel/"
    assert cancel_url in client.get(f"/h/{code}/").content.decode()  # ahead of time: may be cancelled
    client.force_login(contractor)
    sheet_url = f"/projects/work-items/{item.pk}/visits/day/?date={day_of(slot).isoformat()}"
    sheet = client.get(sheet_url).content.decode()
    assert sheet.count("disabled") == len(bookings.MARKS) and NOT_YET in sheet  # shown, not offered
    refused = client.post(f"/projects/visits/{booking.pk}/mark/", {"status": "done"}, follow=True)
    assert NOT_YET in refused.content.decode()
    booking.refresh_from_db()
    assert booking.status == "booked"

    day = started(slot)
    sheet = client.get(f"/projects/work-items/{item.pk}/visits/day/?date={day.isoformat()}").content.decode()
    assert "disabled" not in sheet and NOT_YET not in sheet
    client.logout()
    home = client.get(f"/h/{code}/").content.decode()
    assert cancel_url not in home and LOCKED in home  # one sentence for cancel and move
    refused = client.post(cancel_url, follow=True)
    assert TOO_LATE in refused.content.decode()
    booking.refresh_from_db()
    assert booking.status == "booked"
    client.force_login(contractor)
    client.post(f"/projects/visits/{booking.pk}/mark/", {"status": "done"})
    booking.refresh_from_db()
    assert booking.status == "done"


def test_api_refuses_early_marks_and_late_cancels_with_the_reason(
    api_as, api_client, world, street_user, contractor
):
    from django.core.cache import cache

    from tests.residents.helpers import card_codes

    cache.clear()
    h, neighbour = make_households(world.compound_a, n=2)
    code = card_codes([h])[h.pk]
    item = window_item(street_user, world.compound_a)
    ProjectParty.objects.create(project=item.project, role="construction", name="江西建工").users.add(
        contractor
    )
    slot = slots(item, street_user, capacity=2, n=1)[0]
    mine, theirs = bookings.book(h, slot), bookings.book(neighbour, slot)
    c = api_as(contractor)
    early = c.post(f"/api/v1/visit-bookings/{mine.pk}/mark/", {"status": "done"}, format="json")
    assert early.status_code == 409 and early.json()["detail"] == NOT_YET
    mine.refresh_from_db()
    assert mine.status == "booked" and mine.marked_at is None

    page = api_client.get("/api/v1/household-page/visits/", HTTP_X_HOUSEHOLD_CODE=code).json()
    assert page[0]["booking"]["cancel_refusal"] is None
    started(slot)
    page = api_client.get("/api/v1/household-page/visits/", HTTP_X_HOUSEHOLD_CODE=code).json()
    assert page[0]["booking"]["cancel_refusal"] == TOO_LATE
    late = api_client.post(f"/api/v1/household-page/visits/{mine.pk}/cancel/", HTTP_X_HOUSEHOLD_CODE=code)
    assert late.status_code == 409 and late.json()["detail"] == TOO_LATE
    late = api_as(street_user).post(f"/api/v1/visit-bookings/{theirs.pk}/cancel/")
    assert late.status_code == 409 and late.json()["detail"] == TOO_LATE
    slot.refresh_from_db()
    assert slot.booked == 2
    assert set(VisitBooking.objects.filter(slot=slot).values_list("status", flat=True)) == {"booked"}
    marked = c.post(f"/api/v1/visit-bookings/{mine.pk}/mark/", {"status": "done"}, format="json")
    assert marked.status_code == 200 and marked.json()["status"] == "done"


MOVE_TOO_LATE = "上门时间已到，不能再改约。"
STARTED = "该时段已经开始：请选择之后的时间。"


def test_a_visit_whose_time_has_come_cannot_be_moved(world, street_user):
    h, neighbour = make_households(world.compound_a, n=2)
    item = window_item(street_user, world.compound_a)
    first, later = slots(item, street_user, capacity=2)
    mine, theirs = bookings.book(h, first), bookings.book(neighbour, first)
    started(first)
    for booking, kwargs in ((mine, {"household": h}), (theirs, {"user": street_user})):
        with pytest.raises(Conflict) as refused:
            bookings.move(booking, later, **kwargs)
        assert refused.value.message == MOVE_TOO_LATE
    first.refresh_from_db()
    later.refresh_from_db()
    assert (first.booked, later.booked) == (2, 0)
    assert set(VisitBooking.objects.values_list("slot_id", flat=True)) == {first.pk}
    # the boundary: from the slot's start on
    mine.refresh_from_db()
    assert bookings.move_refusal(mine, now=first.starts_at - dt.timedelta(microseconds=1)) is None
    assert bookings.move_refusal(mine, now=first.starts_at) == MOVE_TOO_LATE


def test_a_visit_is_not_moved_into_a_time_that_has_started(world, street_user):
    h, neighbour = make_households(world.compound_a, n=2)
    item = window_item(street_user, world.compound_a)
    gone, mine_slot = slots(item, street_user, capacity=2)
    mine, theirs = bookings.book(h, mine_slot), bookings.book(neighbour, mine_slot)
    started(gone)
    for booking, kwargs in ((mine, {"household": h}), (theirs, {"user": street_user})):
        with pytest.raises(Conflict) as refused:
            bookings.move(booking, gone, **kwargs)
        assert refused.value.message == STARTED
    gone.refresh_from_db()
    mine_slot.refresh_from_db()
    assert (gone.booked, mine_slot.booked) == (0, 2)
    assert set(VisitBooking.objects.values_list("slot_id", flat=True)) == {mine_slot.pk}
    mine.refresh_from_db()
    assert bookings.move_refusal(mine, gone) == STARTED
    assert bookings.move_refusal(mine) is None


def test_page_offers_no_move_once_the_visit_time_has_come(client, world, street_user):
    from django.core.cache import cache

    from tests.residents.helpers import card_codes

    cache.clear()
    h = make_households(world.compound_a, n=1)[0]
    code = card_codes([h])[h.pk]
    item = window_item(street_user, world.compound_a)
    first, later = slots(item, street_user)
    booking = bookings.book(h, first)
    book_url = f"/h/{code}/visits/{item.pk}/book/"
    home = client.get(f"/h/{code}/").content.decode()
    assert book_url in home and f'value="{later.pk}"' in home and MOVE_TOO_LATE not in home  # ahead of time
    started(first)
    home = client.get(f"/h/{code}/").content.decode()
    assert book_url not in home and f'value="{later.pk}"' not in home and LOCKED in home
    refused = client.post(book_url, {"slot": later.pk}, follow=True)
    assert MOVE_TOO_LATE in refused.content.decode()
    booking.refresh_from_db()
    later.refresh_from_db()
    assert (booking.slot_id, booking.status, later.booked) == (first.pk, "booked", 0)


def test_api_refuses_late_moves_and_moves_into_started_times_with_the_reason(
    api_as, api_client, world, street_user
):
    from django.core.cache import cache

    from tests.residents.helpers import card_codes

    cache.clear()
    h, neighbour = make_households(world.compound_a, n=2)
    code = card_codes([h])[h.pk]
    item = window_item(street_user, world.compound_a)
    first, second, later = slots(item, street_user, n=3)
    mine, theirs = bookings.book(h, first), bookings.book(neighbour, second)
    page = api_client.get("/api/v1/household-page/visits/", HTTP_X_HOUSEHOLD_CODE=code).json()
    assert page[0]["booking"]["move_refusal"] is None and [sl["id"] for sl in page[0]["slots"]] == [later.pk]
    started(first)
    page = api_client.get("/api/v1/household-page/visits/", HTTP_X_HOUSEHOLD_CODE=code).json()
    assert page[0]["booking"]["move_refusal"] == MOVE_TOO_LATE and page[0]["slots"] == []
    late = api_client.post(
        "/api/v1/household-page/visits/", {"slot": later.pk}, format="json", HTTP_X_HOUSEHOLD_CODE=code
    )
    assert late.status_code == 409 and late.json()["detail"] == MOVE_TOO_LATE
    staff = api_as(street_user)
    late = staff.post(f"/api/v1/visit-bookings/{mine.pk}/move/", {"slot": later.pk}, format="json")
    assert late.status_code == 409 and late.json()["detail"] == MOVE_TOO_LATE
    into = staff.post(f"/api/v1/visit-bookings/{theirs.pk}/move/", {"slot": first.pk}, format="json")
    assert into.status_code == 409 and into.json()["detail"] == STARTED
    where = dict(VisitBooking.objects.values_list("pk", "slot_id"))
    assert where == {mine.pk: first.pk, theirs.pk: second.pk}
    assert dict(VisitSlot.objects.values_list("pk", "booked")) == {first.pk: 1, second.pk: 1, later.pk: 0}


FULL = "该时段已约满：请选择其他时间。"
LOCKED = "上门时间已到，不能再取消或改约。"


def test_booking_into_a_started_time_says_it_has_started_and_into_a_full_one_that_it_is_full(
    world, street_user
):
    h, neighbour = make_households(world.compound_a, n=2)
    item = window_item(street_user, world.compound_a)
    gone, small = slots(item, street_user, capacity=1)
    bookings.book(neighbour, small)
    started(gone)
    for slot, reason in ((gone, STARTED), (small, FULL)):
        with pytest.raises(Conflict) as refused:
            bookings.book(h, slot)
        assert refused.value.message == reason
    gone.refresh_from_db()
    small.refresh_from_db()
    assert (gone.booked, small.booked) == (0, 1)
    assert not VisitBooking.objects.filter(household=h).exists()


def test_page_says_once_that_a_started_visit_can_no_longer_be_cancelled_or_moved(client, world, street_user):
    from django.core.cache import cache

    from tests.residents.helpers import card_codes

    cache.clear()
    h = make_households(world.compound_a, n=1)[0]
    code = card_codes([h])[h.pk]
    item = window_item(street_user, world.compound_a)
    first, _later = slots(item, street_user)
    bookings.book(h, first)
    assert LOCKED not in client.get(f"/h/{code}/").content.decode()
    started(first)
    home = client.get(f"/h/{code}/").content.decode()
    assert home.count(LOCKED) == 1
    assert TOO_LATE not in home and MOVE_TOO_LATE not in home
