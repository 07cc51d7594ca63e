"""API: household cards for staff; the household's own page for residents (the household code is the
credential, sent as the `X-Household-Code` header or a `code` field; wrong codes are throttled)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.response import Response
from rest_framework.views import APIView

from communities.api.base import ScopedReadOnlyViewSet, idempotent
from communities.api.serializers import BackgroundJobSerializer
from communities.jobs import start_job
from communities.models import Building, Compound, Household

from .. import cards, menus, services, throttling
from ..models import HouseholdCard, MenuSurvey
from . import serializers as s

CODE_HEADER = OpenApiParameter(
    "X-Household-Code", str, location=OpenApiParameter.HEADER, required=True, description="The household code"
)


class HouseholdCardQuerySetMixin:
    def get_queryset(self):
        households = Household.objects.for_user(self.request.user)
        return (
            HouseholdCard.objects.filter(household__in=households)
            .select_related("household__building")
            .order_by("household__building__name", "household__unit", "household__room")
        )


class HouseholdCardViewSet(HouseholdCardQuerySetMixin, ScopedReadOnlyViewSet):
    """Which households have a card (never the code: only its hash is kept). Print cards as a PDF job,
    or reissue one card (the old one stops working)."""

    queryset = HouseholdCard.objects.all()
    serializer_class = s.HouseholdCardSerializer
    filterset_fields = ["household", "household__building", "household__building__compound"]
    ordering_fields = ["issued_at", "version"]

    @extend_schema(request=s.PrintCardsSerializer, responses={202: BackgroundJobSerializer})
    @action(detail=False, methods=["post"], url_path="print")
    def print_cards(self, request):
        """Print cards for a compound or building as an A4 PDF (background job: poll /api/v1/jobs/<id>/,
        download the PDF from /api/v1/jobs/<id>/download/). `reissue`: new codes for all (old cards void)."""
        body = s.PrintCardsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data.get("building"):
            building = get_object_or_404(Building.objects.editable_by(request.user), pk=data["building"])
            params = {"building_id": building.pk}
        else:
            compound = get_object_or_404(Compound.objects.editable_by(request.user), pk=data["compound"])
            params = {"compound_id": compound.pk}
        params.update(reissue=data["reissue"], language=get_language())
        job = start_job(
            kind="household_cards",
            handler="consultations.residents.cards.print_cards",
            user=request.user,
            params=params,
        )
        job.refresh_from_db()
        return Response(BackgroundJobSerializer(job, context={"request": request}).data, status=202)

    @extend_schema(request=s.ReissueCardSerializer, responses={200: s.IssuedCardSerializer})
    @action(detail=False, methods=["post"])
    def reissue(self, request):
        """A new code for one household, answered once (only its hash is kept); the old card stops working."""
        body = s.ReissueCardSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        household = get_object_or_404(
            Household.objects.for_user(request.user), pk=body.validated_data["household"]
        )
        try:
            issued = cards.reissue_card(household, request.user)
        except PermissionDenied as exc:
            from rest_framework.exceptions import PermissionDenied as ApiDenied

            raise ApiDenied(str(exc)) from exc
        return Response(
            {
                "household": household.pk,
                "code": issued.display,
                "url": cards.page_url(issued.code),
                "version": issued.version,
            }
        )


def household_from_request(request) -> Household:
    """The household whose code the request carries; 429 past the guessing limit, 404 for a wrong code."""
    code = (
        request.headers.get("X-Household-Code")
        or (request.data.get("code") if hasattr(request, "data") and isinstance(request.data, dict) else None)
        or request.query_params.get("code", "")
    )
    code = cards.normalize_code(str(code))
    verdict = throttling.check(request, code)
    if verdict.paused:
        raise Throttled(
            wait=verdict.retry_after, detail=_("Too many wrong codes. Wait a few minutes and try again.")
        )
    household = cards.find_household(code)
    if household is None:
        verdict = throttling.fail(request, code)
        if verdict.paused:
            raise Throttled(
                wait=verdict.retry_after, detail=_("Too many wrong codes. Wait a few minutes and try again.")
            )
        raise NotFound(
            _("This household code is not valid (or the card was replaced). Check the card and try again.")
        )
    return household


class PublicHouseholdView(APIView):
    """Base for the residents' endpoints: no account, the household code is the credential."""

    authentication_classes = ()
    permission_classes = [permissions.AllowAny]
    throttle_classes = ()


def overview_data(o: services.HouseholdOverview) -> dict:
    h = o.household
    return {
        "household": {"id": h.pk, "label": h.label, "compound": h.building.compound.name},
        "projects": [
            {
                "id": p.pk,
                "name": p.name,
                "status": p.status,
                "status_display": p.get_status_display(),
                "progress": str(p.progress),
                "work_items": [
                    {"id": w.pk, "name": w.name, "progress": w.progress} for w in p.work_items.all()
                ],
            }
            for p in o.projects
        ],
        "ballots": [
            {"id": b.pk, "title": b.title, "closes_at": b.closes_at, "voted": voted} for b, voted in o.ballots
        ],
        "notices": [{"title": n.title, "ends_at": n.ends_at, "url": n.get_public_url()} for n in o.notices],
        "menu_surveys": [
            {"id": sv.pk, "title": sv.title, "closes_at": sv.closes_at, "answered": sv.answered}
            for sv in o.surveys
        ],
    }


class HouseholdPageView(PublicHouseholdView):
    @extend_schema(parameters=[CODE_HEADER], responses={200: dict})
    def get(self, request):
        """The household's own page: its project's progress, open ballots, notices, menu surveys."""
        household = household_from_request(request)
        return Response(overview_data(services.household_overview(household)))


# --- menu surveys -----------------------------------------------------------------------------------------


class MenuSurveyViewSet(ScopedReadOnlyViewSet):
    """Menu-style surveys. Create (draft), open, close, results, paper answers, and turn the items that
    reached the threshold into work items in one step."""

    queryset = MenuSurvey.objects.select_related("project", "compound").prefetch_related(
        "items__catalog_item"
    )
    serializer_class = s.MenuSurveySerializer
    filterset_fields = ["project", "compound", "status"]
    search_fields = ["title"]
    ordering_fields = ["created_at", "closes_at"]

    def _managed(self, pk) -> MenuSurvey:
        return get_object_or_404(MenuSurvey.objects.managed_by(self.request.user), pk=pk)

    def _answer(self, survey):
        return Response(self.get_serializer(MenuSurvey.objects.get(pk=survey.pk)).data)

    @extend_schema(request=s.MenuSurveyCreateSerializer, responses={201: s.MenuSurveySerializer})
    def create(self, request):
        from projects.models import Project

        body = s.MenuSurveyCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        project = get_object_or_404(Project.objects.for_user(request.user), pk=data["project"])
        compound = get_object_or_404(Compound.objects.for_user(request.user), pk=data["compound"])
        survey = _call(
            menus.create_survey,
            user=request.user,
            project=project,
            compound=compound,
            title=data["title"],
            intro=data.get("intro", ""),
            closes_at=data["closes_at"],
            items=data["items"],
        )
        return Response(self.get_serializer(survey).data, status=201)

    @extend_schema(request=None, responses={200: s.MenuSurveySerializer})
    @action(detail=True, methods=["post"], url_path="open")
    def open_survey(self, request, pk=None):
        return self._answer(_call(menus.open_survey, self._managed(pk), request.user))

    @extend_schema(request=None, responses={200: s.MenuSurveySerializer})
    @action(detail=True, methods=["post"], url_path="close")
    def close_survey(self, request, pk=None):
        return self._answer(_call(menus.close_survey, self._managed(pk), request.user))

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """Per item (want / don't want / no opinion; shares over households that answered and over all
        households, the threshold and whether it was reached) and per building and stairwell unit."""
        return Response(menus.results(self.get_object()).to_dict())

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"], url_path="to-work-items")
    def to_work_items(self, request, pk=None):
        created = _call(menus.to_work_items, self._managed(pk), request.user)
        return Response({"work_items": [w.pk for w in created]})

    @extend_schema(request=s.PaperAnswersSerializer, responses={200: dict})
    @action(detail=True, methods=["post"])
    def answers(self, request, pk=None):
        """A paper answer sheet entered by field staff (replaces the household's earlier sheet)."""
        survey = get_object_or_404(MenuSurvey.objects.editable_by(request.user), pk=pk)
        body = s.PaperAnswersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        household = get_object_or_404(
            Household.objects.filter(building__compound=survey.compound_id),
            pk=body.validated_data["household"],
        )
        response = _call(
            menus.submit_answers,
            survey,
            household,
            body.validated_data["answers"],
            channel="paper",
            user=request.user,
        )
        return Response(
            {
                "household": household.pk,
                "answers": menus.household_answers(survey, household),
                "channel": response.channel,
            }
        )


def _call(fn, *args, **kwargs):
    """Run a service; a PermissionDenied becomes the API's 403 (DomainErrors are handled globally)."""
    try:
        return fn(*args, **kwargs)
    except PermissionDenied as exc:
        from rest_framework.exceptions import PermissionDenied as ApiDenied

        raise ApiDenied(str(exc)) from exc


class HouseholdMenuView(PublicHouseholdView):
    @extend_schema(parameters=[CODE_HEADER], responses={200: dict})
    def get(self, request, pk):
        """A menu survey of the household's compound, with the household's answers."""
        household = household_from_request(request)
        survey = get_object_or_404(MenuSurvey, pk=pk, compound_id=household.building.compound_id)
        return Response(_menu_data(survey, household))

    @extend_schema(parameters=[CODE_HEADER], request=s.AnswersSerializer, responses={200: dict})
    def post(self, request, pk):
        """Answer (or change the answers) while the survey is open: {"answers": {item id: choice}}."""
        household = household_from_request(request)
        survey = get_object_or_404(MenuSurvey, pk=pk, compound_id=household.building.compound_id)
        body = s.AnswersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        menus.submit_answers(survey, household, body.validated_data["answers"])
        return Response(_menu_data(survey, household))


def _menu_data(survey: MenuSurvey, household: Household) -> dict:
    answers = menus.household_answers(survey, household)
    return {
        "id": survey.pk,
        "title": survey.title,
        "intro": survey.intro,
        "open": survey.is_open,
        "closes_at": survey.closes_at,
        "items": [
            {
                "id": i.pk,
                "name": i.catalog_item.name,
                "included": i.is_included,
                "explanation": i.explanation,
                "resident_share": str(i.resident_share) if i.resident_share is not None else None,
                "answer": answers.get(i.pk),
            }
            for i in survey.items.select_related("catalog_item")
        ],
    }


# --- reports (报事) -------------------------------------------------------------------------------------


def _report_data(o) -> dict:
    return {
        "id": o.pk,
        "category": o.category,
        "category_display": o.get_category_display(),
        "content": o.content,
        "status": o.status,
        "status_display": o.get_status_display(),
        "answer": o.answer,
        "answered_at": o.answered_at,
        "rating": o.rating or None,
        "created_at": o.created_at,
        "photos": len(o.report_photos.all()),
    }


class HouseholdReportsView(PublicHouseholdView):
    from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(parameters=[CODE_HEADER], responses={200: dict})
    def get(self, request):
        """The household's own reports with their status, answer and rating."""
        from .. import reports

        household = household_from_request(request)
        return Response([_report_data(o) for o in reports.household_reports(household)])

    @extend_schema(parameters=[CODE_HEADER], request=s.ReportInSerializer, responses={201: dict})
    def post(self, request):
        """Report a problem (multipart: category, content, up to 3 `photos`); it becomes an opinion.
        Send an `Idempotency-Key` header from phones: a resend with the same key returns the first
        answer instead of a second report."""
        from .. import reports

        household = household_from_request(request)

        def write() -> Response:
            opinion = reports.report_problem(
                household,
                category=str(request.data.get("category", "")),
                content=str(request.data.get("content", "")),
                photos=request.FILES.getlist("photos"),
            )
            return Response(_report_data(opinion), status=201)

        return idempotent(request, f"POST {request.path} household {household.pk}", write)


class HouseholdReportRateView(PublicHouseholdView):
    @extend_schema(parameters=[CODE_HEADER], request=s.RatingSerializer, responses={200: dict})
    def post(self, request, pk):
        """Rate a resolved report once: satisfied / basically / unsatisfied."""
        from consultations.models import Opinion

        from .. import reports

        household = household_from_request(request)
        opinion = get_object_or_404(Opinion, pk=pk, household=household)
        opinion = reports.rate_report(opinion, household, str(request.data.get("rating", "")))
        return Response(_report_data(opinion))


# --- in-home works booking (through projects.bookings) ------------------------------------------------


def _visits_data(household) -> list[dict]:
    from projects.bookings import household_bookings

    return [
        {
            "work_item": row["work_item"].pk,
            "name": row["work_item"].name,
            "booking_deadline": row["work_item"].booking_deadline,
            "booking": (
                {
                    "id": row["booking"].pk,
                    "status": row["booking"].status,
                    "starts_at": row["booking"].slot.starts_at,
                    "ends_at": row["booking"].slot.ends_at,
                    "cancel_refusal": row["cancel_refusal"],  # why the page offers no cancel (or None)
                    "move_refusal": row["move_refusal"],  # why it offers no other time (or None)
                }
                if row["booking"]
                else None
            ),
            "slots": [
                {"id": sl.pk, "starts_at": sl.starts_at, "ends_at": sl.ends_at, "free": sl.free}
                for sl in row["slots"]
            ],
        }
        for row in household_bookings(household)
    ]


class HouseholdVisitsView(PublicHouseholdView):
    @extend_schema(parameters=[CODE_HEADER], responses={200: dict})
    def get(self, request):
        """The in-home works entering the household: its booking and the free times."""
        return Response(_visits_data(household_from_request(request)))

    @extend_schema(parameters=[CODE_HEADER], request=s.SlotChoiceSerializer, responses={200: dict})
    def post(self, request):
        """Book `slot` (or move the household's booked visit of that work item to it)."""
        from projects import bookings
        from projects.models import VisitBooking, VisitSlot

        household = household_from_request(request)
        body = s.SlotChoiceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        slot = get_object_or_404(
            VisitSlot.objects.select_related("work_item"), pk=body.validated_data["slot"]
        )
        current = VisitBooking.objects.filter(
            work_item=slot.work_item, household=household, status="booked"
        ).first()
        if current is not None:
            _call(bookings.move, current, slot, household=household)
        else:
            bookings.book(household, slot)
        from .. import notify

        notify.booking_confirmed(household, slot)
        return Response(_visits_data(household))


class HouseholdVisitCancelView(PublicHouseholdView):
    @extend_schema(parameters=[CODE_HEADER], request=None, responses={200: dict})
    def post(self, request, pk):
        from projects import bookings
        from projects.models import VisitBooking

        household = household_from_request(request)
        booking = get_object_or_404(VisitBooking, pk=pk, household=household)
        bookings.cancel(booking, household=household)
        return Response(_visits_data(household))


# --- notification outbox (read) -----------------------------------------------------------------------


class NotificationSerializer(drf_serializers.ModelSerializer):
    class Meta:
        from communities.models import Notification

        model = Notification
        fields = [
            "id", "kind", "channel", "state", "household", "recipient", "text", "attempts", "last_error",
            "created_at", "sent_at",
        ]  # fmt: skip
        read_only_fields = fields


class NotificationViewSet(ScopedReadOnlyViewSet):
    """Messages to residents and contractors with their state (pending / sent / failed), in the caller's
    divisions. Phone numbers are not shown."""

    from communities.models import Notification

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    filterset_fields = ["state", "kind", "channel", "household"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        from communities.choices import RESIDENT_DATA_ROLES
        from communities.models import Notification
        from communities.scoping import get_scope

        return Notification.objects.filter(
            get_scope(self.request.user).q("division_path", RESIDENT_DATA_ROLES)
        ).order_by("-created_at", "-pk")
