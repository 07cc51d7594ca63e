"""Pages: the household's own page (no login; the household code in the link is the credential) and
the staff pages behind it (cards, menu surveys)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from communities.jobs import start_job
from communities.models import Building, Compound, Household

from . import cards as card_service
from . import services, throttling

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
    browser not to pass the link (which carries the code) on to other sites."""

    @never_cache
    def wrapped(request, code: str, *args, **kwargs):
        household, response = household_from_code(request, code)
        if response is None:
            request.household_code = card_service.normalize_code(code)
            response = view(request, household, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
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
    overview = services.household_overview(household)
    return render(request, "residents/home.html", {"o": overview, "code": request.household_code})


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
