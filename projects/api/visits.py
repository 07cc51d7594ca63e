"""API of in-home works booking: visit slots (publish), visit bookings (book for a household, move,
cancel, mark), the households without a booking. Rules in projects.bookings."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as ApiDenied
from rest_framework.response import Response

from communities.api.base import ScopedReadOnlyViewSet

from .. import bookings
from ..models import VisitBooking, VisitSlot, WorkItem


class VisitSlotSerializer(serializers.ModelSerializer):
    free = serializers.IntegerField(read_only=True)

    class Meta:
        model = VisitSlot
        fields = ["id", "work_item", "starts_at", "ends_at", "capacity", "booked", "free"]
        read_only_fields = fields


class PublishSerializer(serializers.Serializer):
    work_item = serializers.IntegerField()
    day = serializers.DateField()
    start = serializers.TimeField()
    end = serializers.TimeField()
    minutes = serializers.IntegerField(min_value=15, max_value=24 * 60)
    capacity = serializers.IntegerField(min_value=1, max_value=1000)


class VisitBookingSerializer(serializers.ModelSerializer):
    household_label = serializers.CharField(source="household.label", read_only=True)
    starts_at = serializers.DateTimeField(source="slot.starts_at", read_only=True)

    class Meta:
        model = VisitBooking
        fields = [
            "id", "work_item", "slot", "household", "household_label", "starts_at", "status", "note",
            "marked_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class BookSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    slot = serializers.IntegerField()


class MarkSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[(s, s) for s in bookings.MARKS])
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class MoveSerializer(serializers.Serializer):
    slot = serializers.IntegerField()


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except PermissionDenied as exc:
        raise ApiDenied(str(exc)) from exc


class VisitSlotViewSet(ScopedReadOnlyViewSet):
    """Slots of work items that need entry into flats. `publish` makes a day's slots."""

    queryset = VisitSlot.objects.all()
    serializer_class = VisitSlotSerializer
    filterset_fields = ["work_item"]
    ordering_fields = ["starts_at"]

    def get_queryset(self):
        return VisitSlot.objects.filter(work_item__in=WorkItem.objects.for_user(self.request.user)).order_by(
            "starts_at", "pk"
        )

    @extend_schema(request=PublishSerializer, responses={201: VisitSlotSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def publish(self, request):
        body = PublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        item = get_object_or_404(WorkItem.objects.for_user(request.user), pk=d["work_item"])
        made = _call(
            bookings.publish_slots,
            item,
            request.user,
            day=d["day"],
            start=d["start"],
            end=d["end"],
            minutes=d["minutes"],
            capacity=d["capacity"],
        )
        return Response(VisitSlotSerializer(made, many=True).data, status=201)


class VisitBookingViewSet(ScopedReadOnlyViewSet):
    """Bookings; staff book for a household (`book`), move, cancel; the contractor marks visits.
    `?work_item=&date=YYYY-MM-DD` gives a day sheet; `unbooked` lists households without a booking."""

    queryset = VisitBooking.objects.all()
    serializer_class = VisitBookingSerializer
    filterset_fields = ["work_item", "status", "household"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        qs = VisitBooking.objects.filter(
            work_item__in=WorkItem.objects.for_user(self.request.user)
        ).select_related("slot", "household__building")
        day = self.request.query_params.get("date")
        if day:
            try:
                start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time.min)
            except ValueError:
                return qs.none()
            from django.utils import timezone

            start = timezone.make_aware(start)
            qs = qs.filter(slot__starts_at__gte=start, slot__starts_at__lt=start + dt.timedelta(days=1))
        return qs.order_by("household__building__name", "household__unit", "slot__starts_at", "pk")

    @extend_schema(request=BookSerializer, responses={201: VisitBookingSerializer})
    @action(detail=False, methods=["post"])
    def book(self, request):
        body = BookSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        slot = get_object_or_404(
            VisitSlot.objects.filter(work_item__in=WorkItem.objects.for_user(request.user)).select_related(
                "work_item"
            ),
            pk=body.validated_data["slot"],
        )
        household = get_object_or_404(
            bookings.households_for(slot.work_item).select_related("building__compound__division"),
            pk=body.validated_data["household"],
        )
        booking = _call(bookings.book, household, slot, user=request.user)
        return Response(VisitBookingSerializer(booking).data, status=201)

    @extend_schema(request=MarkSerializer, responses={200: VisitBookingSerializer})
    @action(detail=True, methods=["post"])
    def mark(self, request, pk=None):
        body = MarkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        booking = _call(
            bookings.mark,
            self.get_object(),
            body.validated_data["status"],
            request.user,
            note=body.validated_data.get("note", ""),
        )
        return Response(VisitBookingSerializer(booking).data)

    @extend_schema(request=MoveSerializer, responses={200: VisitBookingSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        booking = self.get_object()
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        slot = get_object_or_404(VisitSlot, pk=body.validated_data["slot"], work_item_id=booking.work_item_id)
        return Response(VisitBookingSerializer(_call(bookings.move, booking, slot, user=request.user)).data)

    @extend_schema(request=None, responses={200: VisitBookingSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        booking = _call(bookings.cancel, self.get_object(), user=request.user)
        return Response(VisitBookingSerializer(booking).data)

    @extend_schema(parameters=[OpenApiParameter("work_item", int, required=True)], responses={200: dict})
    @action(detail=False, methods=["get"])
    def unbooked(self, request):
        """Households the work item enters without a booked or done visit (for the grid worker)."""
        item = get_object_or_404(
            WorkItem.objects.for_user(request.user), pk=request.query_params.get("work_item") or 0
        )
        rows = bookings.unbooked(item)[:5000]
        return Response(
            {
                "work_item": item.pk,
                "booking_deadline": item.booking_deadline,
                "households": [{"id": h.pk, "label": h.label} for h in rows],
            }
        )
