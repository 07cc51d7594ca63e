"""Pages: the household's own page (no login; the household code in the link is the credential) and
the staff pages behind it (cards, menu surveys)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from communities.choices import EDITOR_ROLES
from communities.errors import DomainError
from communities.jobs import start_job
from communities.models import Building, Compound, Household
from communities.scoping import get_scope
from consultations.querysets import FIELD_ROLES

from . import cards as card_service
from . import menus, services, throttling
from .choices import MAX_REPORT_PHOTOS, MenuChoice
from .models import MenuSurvey

# --- residents' pages (no login) ------------------------------------------------------------------------


def _throttled(request, verdict: throttling.Verdict) -> HttpResponse:
    response = render(request, "residents/throttled.html", {"minutes": verdict.minutes}, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _bad_code(request, verdict: throttling.Verdict) -> HttpResponse:
    if verdict.paused:
        return _throttled(request, verdict)
    return render(
        request,
        "residents/start.html",
        {
            "error": _(
                "This household code is not valid (or the card was replaced). Check the card and try again."
            ),
            "remaining": verdict.remaining,
        },
        status=404,
    )


def household_from_code(request, code: str) -> tuple[Household | None, HttpResponse | None]:
    """(household, None) for a right code, else (None, the page to answer): a wrong code counts
    towards the guessing limit, a right one never does."""
    code = card_service.normalize_code(code)
    verdict = throttling.check(request, code)
    if verdict.paused:
        return None, _throttled(request, verdict)
    household = card_service.find_household(code)
    if household is None:
        return None, _bad_code(request, throttling.fail(request, code))
    return household, None


def resident_view(view):
    """Decorator for the household's pages: resolves the code (throttled), never cached, and tells the
    browser not to pass the link (which carries the code) on to other sites (same-origin, not
    no-referrer: with no referrer at all Chromium sends `Origin: null` on the page's own forms, which the
    CSRF check refuses)."""

    @never_cache
    def wrapped(request, code: str, *args, **kwargs):
        household, response = household_from_code(request, code)
        if response is None:
            request.household_code = card_service.normalize_code(code)
            response = view(request, household, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Type the code from the card (for those who cannot scan it)."""
    raw = (request.POST.get("code") if request.method == "POST" else request.GET.get("code")) or ""
    if not raw:
        return render(request, "residents/start.html", {})
    code = card_service.normalize_code(raw)
    _household, response = household_from_code(request, code)
    if response is not None:
        return response
    return redirect("residents:home", code=code)


@resident_view
def home(request: HttpRequest, household: Household) -> HttpResponse:
    from consultations.choices import Rating

    overview = services.household_overview(household)
    return render(
        request,
        "residents/home.html",
        {"o": overview, "code": request.household_code, "ratings": Rating.choices},
    )


# --- staff: household cards -----------------------------------------------------------------------------


def _editable_compound(request, pk) -> Compound:
    return get_object_or_404(Compound.objects.editable_by(request.user).select_related("division"), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def cards(request: HttpRequest) -> HttpResponse:
    """Print household cards for a compound or one building (a background job with a progress bar)."""
    compound_id = request.GET.get("compound") or request.POST.get("compound")
    compounds = Compound.objects.editable_by(request.user).order_by("name")
    if not compound_id:
        return render(request, "residents/cards.html", {"compounds": compounds[:200]})
    compound = _editable_compound(request, compound_id)
    if request.method == "POST":
        building_id = request.POST.get("building") or None
        if building_id and not Building.objects.filter(pk=building_id, compound=compound).exists():
            raise Http404
        job = start_job(
            kind="household_cards",
            handler="consultations.residents.cards.print_cards",
            user=request.user,
            params={
                "compound_id": compound.pk,
                "building_id": int(building_id) if building_id else None,
                "reissue": request.POST.get("reissue") == "1",
            },
        )
        return redirect(job.get_absolute_url())
    buildings = (
        Building.objects.filter(compound=compound)
        .annotate(
            household_count=Count("households", distinct=True),
            carded=Count("households", filter=Q(households__card__isnull=False), distinct=True),
        )
        .order_by("name")
    )
    building_id = request.GET.get("building")
    households = []
    if building_id:
        households = list(
            Household.objects.filter(building_id=building_id, building__compound=compound)
            .select_related("card", "building")
            .order_by("unit", "floor", "room")
        )
    return render(
        request,
        "residents/cards.html",
        {"compound": compound, "buildings": buildings, "households": households, "building_id": building_id},
    )


@login_required
@require_POST
def card_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    """A lost card: print one new card for the household; the old card stops working."""
    household = get_object_or_404(Household.objects.editable_by(request.user), pk=pk)
    job = start_job(
        kind="household_cards",
        handler="consultations.residents.cards.print_cards",
        user=request.user,
        params={"household_ids": [household.pk], "reissue": True},
    )
    messages.info(request, _("A new card is being printed; the old card no longer opens the page."))
    return redirect(job.get_absolute_url())


# --- residents: the menu ---------------------------------------------------------------------------------


@resident_view
@require_http_methods(["GET", "POST"])
def menu(request: HttpRequest, household: Household, pk: int) -> HttpResponse:
    """Mark each item want / don't want / no opinion; the answers may be changed until the survey closes."""
    survey = get_object_or_404(
        MenuSurvey.objects.select_related("project"), pk=pk, compound_id=household.building.compound_id
    )
    items = list(survey.items.select_related("catalog_item"))
    answers = menus.household_answers(survey, household)
    error = ""
    status = 200
    if request.method == "POST":
        posted = {i.pk: request.POST.get(f"item-{i.pk}", "") for i in items if not i.is_included}
        try:
            menus.submit_answers(survey, household, {k: v for k, v in posted.items() if v})
        except DomainError as exc:
            error, status = exc.message, exc.status_code
            answers = {k: v for k, v in posted.items() if v}
        else:
            messages.success(
                request, _("Your choices are saved. You may change them until the survey closes.")
            )
            return redirect("residents:menu", code=request.household_code, pk=survey.pk)
    for item in items:
        item.answer = answers.get(item.pk, "")
    return render(
        request,
        "residents/menu.html",
        {
            "survey": survey,
            "items": items,
            "choices": MenuChoice.choices,
            "answered": bool(answers) and not error,
            "error": error,
            "code": request.household_code,
            "household": household,
        },
        status=status,
    )


# --- staff: menu surveys ---------------------------------------------------------------------------------


def _survey(request, pk, *, manage: bool = False) -> MenuSurvey:
    qs = MenuSurvey.objects.managed_by(request.user) if manage else MenuSurvey.objects.for_user(request.user)
    return get_object_or_404(qs.select_related("project", "compound__division"), pk=pk)


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    surveys = (
        MenuSurvey.objects.for_user(request.user)
        .select_related("project", "compound")
        .annotate(sheets=Count("responses", distinct=True))
        .order_by("-created_at")[:200]
    )
    can_create = get_scope(request.user).has_role(*EDITOR_ROLES)
    return render(request, "residents/survey_list.html", {"surveys": surveys, "can_create": can_create})


def _places(user) -> list[tuple[str, str]]:
    """(value "project:compound", label) for the projects' compounds the user may run surveys on."""
    from projects.models import Project

    compounds = Compound.objects.editable_by(user)
    rows = (
        Project.objects.for_user(user)
        .filter(compounds__in=compounds)
        .values_list("pk", "name", "compounds__pk", "compounds__name")
        .order_by("-pk")[:500]
    )
    return [(f"{p}:{c}", f"{pname} · {cname}") for p, pname, c, cname in rows]


@login_required
@require_http_methods(["GET", "POST"])
def survey_create(request: HttpRequest) -> HttpResponse:
    from datetime import datetime

    from projects.models import CatalogItem, Project

    places = _places(request.user)
    catalog = list(CatalogItem.objects.filter(is_active=True).order_by("category", "order", "pk"))
    error = ""
    data = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            project_id, compound_id = (int(x) for x in data.get("place", "").split(":"))
            project = Project.objects.for_user(request.user).get(pk=project_id)
            compound = (
                Compound.objects.editable_by(request.user).select_related("division").get(pk=compound_id)
            )
        except (ValueError, Project.DoesNotExist, Compound.DoesNotExist):
            error = _("Choose the project and compound.")
        else:
            try:
                closes = datetime.fromisoformat(data.get("closes_at", ""))
            except ValueError:
                error = _("Give the closing time.")
            else:
                if timezone.is_naive(closes):
                    closes = timezone.make_aware(closes)
                items = [
                    {
                        "catalog_item": c.pk,
                        "explanation": data.get(f"expl-{c.pk}", ""),
                        "resident_share": data.get(f"share-{c.pk}") or None,
                    }
                    for c in catalog
                    if data.get(f"item-{c.pk}")
                ]
                try:
                    survey = menus.create_survey(
                        user=request.user,
                        project=project,
                        compound=compound,
                        title=data.get("title", ""),
                        intro=data.get("intro", ""),
                        closes_at=closes,
                        items=items,
                    )
                except (DomainError, ArithmeticError) as exc:
                    error = getattr(exc, "message", _("Check the residents' shares."))
                else:
                    return redirect(survey)
    return render(
        request,
        "residents/survey_form.html",
        {"places": places, "catalog": catalog, "error": error, "data": data},
        status=400 if error else 200,
    )


@login_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    scope = get_scope(request.user)
    path = survey.compound.division.path
    res = menus.results(survey)
    households = []
    if scope.covers(path, FIELD_ROLES) and survey.is_open:
        households = list(
            Household.objects.filter(building__compound=survey.compound)
            .select_related("building")
            .order_by("building__name", "unit", "floor", "room")[:3000]
        )
    return render(
        request,
        "residents/survey_detail.html",
        {
            "survey": survey,
            "res": res,
            "can_manage": scope.covers(path, EDITOR_ROLES),
            "can_convert": any(r.reached and r.item.work_item_id is None for r in res.items),
            "households": households,
            "choice_items": [r.item for r in res.items],
            "choices": MenuChoice.choices,
        },
    )


def _survey_action(request, pk, action) -> HttpResponse:
    survey = _survey(request, pk, manage=True)
    try:
        result = action(survey, request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if isinstance(result, list):
            messages.success(
                request,
                _("%(n)s work items added to the project, linked to this survey.") % {"n": len(result)},
            )
    return redirect(survey)


@login_required
@require_POST
def survey_open(request: HttpRequest, pk: int) -> HttpResponse:
    return _survey_action(request, pk, menus.open_survey)


@login_required
@require_POST
def survey_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _survey_action(request, pk, menus.close_survey)


@login_required
@require_POST
def survey_to_work_items(request: HttpRequest, pk: int) -> HttpResponse:
    return _survey_action(request, pk, menus.to_work_items)


@login_required
@require_POST
def survey_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """A paper sheet entered by field staff (replaces the household's earlier sheet)."""
    survey = get_object_or_404(
        MenuSurvey.objects.editable_by(request.user).select_related("compound__division"), pk=pk
    )
    household = get_object_or_404(
        Household.objects.filter(building__compound=survey.compound).select_related("building"),
        pk=request.POST.get("household") or 0,
    )
    answers = {i.pk: request.POST.get(f"item-{i.pk}", "") for i in menus.choice_items(survey)}
    try:
        menus.submit_answers(
            survey, household, {k: v for k, v in answers.items() if v}, channel="paper", user=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Paper answers of %(household)s saved.") % {"household": household.label})
    return redirect(survey)


# --- residents: problems reported (报事) -------------------------------------------------------------------


@resident_view
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, household: Household) -> HttpResponse:
    """Report a problem: category, text, up to three photos. Works as a plain multipart form."""
    from consultations.choices import OpinionCategory

    from . import reports

    error = ""
    status = 200
    if request.method == "POST":
        try:
            reports.report_problem(
                household,
                category=request.POST.get("category", ""),
                content=request.POST.get("content", ""),
                photos=request.FILES.getlist("photos"),
            )
        except DomainError as exc:
            error, status = exc.message, exc.status_code
        else:
            messages.success(
                request, _("Thank you: your report was sent. Its answer will appear on this page.")
            )
            return redirect(reverse("residents:home", args=[request.household_code]) + "#h-reports")
    return render(
        request,
        "residents/report.html",
        {
            "categories": OpinionCategory.choices,
            "error": error,
            "data": request.POST,
            "code": request.household_code,
            "household": household,
            "max_photos": range(1, MAX_REPORT_PHOTOS + 1),
        },
        status=status,
    )


@resident_view
@require_POST
def report_rate(request: HttpRequest, household: Household, pk: int) -> HttpResponse:
    from consultations.models import Opinion

    from . import reports

    opinion = get_object_or_404(Opinion, pk=pk, household=household)
    try:
        reports.rate_report(opinion, household, request.POST.get("rating", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect(reverse("residents:home", args=[request.household_code]) + "#h-reports")


@resident_view
def report_photo(request: HttpRequest, household: Household, pk: int) -> HttpResponse:
    """The household's own report photo (private file)."""
    from communities import files

    from .models import ReportPhoto

    photo = get_object_or_404(ReportPhoto, pk=pk, opinion__household=household)
    return files.serve(
        request, photo.image, object_type="residents.reportphoto", object_id=photo.pk, log=False
    )


@login_required
def staff_report_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A report photo, for staff who can see the opinion; logged (communities.files)."""
    from communities import files
    from consultations.models import Opinion

    from .models import ReportPhoto

    photo = get_object_or_404(
        ReportPhoto.objects.filter(opinion__in=Opinion.objects.for_user(request.user)), pk=pk
    )
    return files.serve(
        request,
        photo.image,
        object_type="residents.reportphoto",
        object_id=photo.pk,
        cache="private, max-age=3600",
    )


# --- residents: in-home works booking (入户施工预约, through projects.bookings) ---------------------------


@resident_view
@require_POST
def visit_book(request: HttpRequest, household: Household, pk: int) -> HttpResponse:
    """Book a visit for a work item, or move the booked one to the chosen time."""
    from projects import bookings
    from projects.models import VisitBooking, VisitSlot

    slot = get_object_or_404(
        VisitSlot.objects.select_related("work_item"), pk=request.POST.get("slot") or 0, work_item_id=pk
    )
    current = VisitBooking.objects.filter(work_item_id=pk, household=household, status="booked").first()
    try:
        if current is not None:
            bookings.move(current, slot, household=household)
        else:
            bookings.book(household, slot)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Your visit is booked for %(when)s.")
            % {"when": timezone.localtime(slot.starts_at).strftime("%m-%d %H:%M")},
        )
        from . import notify

        notify.booking_confirmed(household, slot)
    return redirect(reverse("residents:home", args=[request.household_code]) + "#h-visits")


@resident_view
@require_POST
def visit_cancel(request: HttpRequest, household: Household, pk: int) -> HttpResponse:
    from projects import bookings
    from projects.models import VisitBooking

    booking = get_object_or_404(VisitBooking, pk=pk, household=household)
    try:
        bookings.cancel(booking, household=household)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your visit is cancelled. You may book another time."))
    return redirect(reverse("residents:home", args=[request.household_code]) + "#h-visits")


# --- staff: notification outbox -----------------------------------------------------------------------


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """Messages to residents and contractors in the user's divisions, with their state (the outbox)."""
    from communities.choices import RESIDENT_DATA_ROLES
    from communities.models import Notification

    qs = Notification.objects.filter(get_scope(request.user).q("division_path", RESIDENT_DATA_ROLES))
    state = request.GET.get("state")
    if state in Notification.State.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "residents/notification_list.html",
        {
            "notifications": qs.order_by("-created_at")[:300],
            "states": Notification.State.choices,
            "state": state,
        },
    )
