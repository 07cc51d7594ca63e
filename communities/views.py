import re
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import OuterRef
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from communities.paging import page_for

from . import household_panels, services
from .choices import EDITOR_ROLES, OwnershipKind
from .errors import DomainError
from .forms import (
    BuildingForm,
    CompoundForm,
    CompoundListFilter,
    HouseholdForm,
    OwnershipForm,
    PersonForm,
    ResidentForm,
    RevealForm,
)
from .models import Building, Compound, Division, Household, Ownership, Person
from .querysets import count_of
from .scoping import get_scope


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up (no dependencies checked)."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Whether PostgreSQL and Redis answer: 503 when the database does not (Redis is optional).

    Says which dependency is down and nothing more: hosts, ports and error text go to the log (one
    line per change of state, config.dependencies) and to a logged-in superuser, never to the
    anonymous load balancer or whoever else can reach the URL."""
    from config.dependencies import DATABASE, REDIS, describe

    checks: dict[str, dict] = {}
    errors: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = {"ok": True}
        DATABASE.ok()
    except Exception as exc:
        checks["database"] = {"ok": False}
        errors["database"] = describe(exc)
        DATABASE.failed(exc)
    if settings.REDIS_URL:
        try:
            import redis

            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
            client.ping()
            checks["redis"] = {"ok": True}
            REDIS.ok()
        except Exception as exc:
            checks["redis"] = {"ok": False}
            errors["redis"] = describe(exc)
            REDIS.failed(exc)
    else:
        checks["redis"] = {"ok": True, "note": "REDIS_URL not set: tasks run in-process"}
    ready = checks["database"]["ok"]
    if ready and errors and request.user.is_superuser:
        for name, text in errors.items():
            checks[name]["error"] = text
    response = JsonResponse({"ready": ready, "checks": checks}, status=200 if ready else 503)
    # the outage is logged once by config.dependencies; not a django.request line per probe
    response._has_been_logged = True
    return response


# --- background jobs ------------------------------------------------------------------------------------


def _my_jobs(request: HttpRequest):
    from .models import BackgroundJob

    jobs = BackgroundJob.objects.all()
    return jobs if request.user.is_superuser else jobs.filter(created_by=request.user)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = _my_jobs(request)[:50]
    return render(request, "communities/job_list.html", {"jobs": jobs})


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's page; htmx polls the same URL for the progress fragment until the job finishes."""
    from django.shortcuts import get_object_or_404

    job = get_object_or_404(_my_jobs(request), pk=pk)
    template = (
        "communities/_job_progress.html"
        if request.headers.get("HX-Request")
        else "communities/job_detail.html"
    )
    return render(request, template, {"job": job})


@login_required
@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    from django.shortcuts import get_object_or_404

    from .jobs import cancel_job

    job = get_object_or_404(_my_jobs(request), pk=pk)
    try:
        cancel_job(job, request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(job.get_absolute_url())


@login_required
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    from django.shortcuts import get_object_or_404

    from .jobs import FileGone, result_response

    job = get_object_or_404(_my_jobs(request), pk=pk)
    try:
        return result_response(job, request, reason="download")
    except FileGone as exc:
        return render(
            request, "communities/job_detail.html", {"job": job, "file_error": exc.message}, status=404
        )


# --- registry pages -------------------------------------------------------------------------------------
# Every object is fetched through `for_user` (outside the scope: 404); edits also need `editable_by`
# (visible but not editable: 403). Writes go through communities.services.

GRID_ON_COMPOUND_MAX = 1500  # households; bigger compounds show their grids on the building pages
PAGE_SIZE = 25


def _natural(value: str):
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", value) if part
    ]


@dataclass
class GridUnit:
    name: str
    width: int


@dataclass
class GridCell:
    household: Household | None
    unit_start: bool


@dataclass
class HouseholdGrid:
    """A building's households laid out as unit x floor x room: rows are floors from the top down,
    columns are grouped by unit, each unit as wide as its fullest floor."""

    building: Building
    units: list[GridUnit]
    rows: list[tuple[int, list[GridCell]]]
    count: int


def household_grid(building: Building, households: list[Household]) -> HouseholdGrid:
    by_unit: dict[str, dict[int, list[Household]]] = defaultdict(lambda: defaultdict(list))
    for h in households:
        by_unit[h.unit][h.floor].append(h)
    unit_names = sorted(set(by_unit) | {str(i) for i in range(1, building.unit_count + 1)}, key=_natural)
    floors_present = {h.floor for h in households}
    top = max([building.floor_count, *floors_present])
    bottom = min([1, *floors_present])
    floors = [f for f in range(top, bottom - 1, -1) if f != 0]
    widths = {u: max([len(v) for v in by_unit[u].values()] or [1]) for u in unit_names}
    rows = []
    for floor in floors:
        cells: list[GridCell] = []
        for unit in unit_names:
            on_floor = sorted(by_unit[unit].get(floor, []), key=lambda h: _natural(h.room))
            slots = on_floor + [None] * (widths[unit] - len(on_floor))
            cells.extend(GridCell(h, i == 0) for i, h in enumerate(slots))
        rows.append((floor, cells))
    return HouseholdGrid(
        building=building,
        units=[GridUnit(u, widths[u]) for u in unit_names],
        rows=rows,
        count=len(households),
    )


def with_division_counts(divisions):
    return divisions.annotate(
        compound_count=count_of(Compound.objects.filter(division__path__startswith=OuterRef("path"))),
        household_count=count_of(
            Household.objects.filter(building__compound__division__path__startswith=OuterRef("path"))
        ),
    )


def _crumbs(user, division: Division | None, *extra: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    """Breadcrumbs: the division's ancestors (linked where the user may open them), then `extra`."""
    scope = get_scope(user)
    crumbs: list[tuple[str, str | None]] = [(gettext("Divisions"), reverse("communities:division_list"))]
    if division is not None:
        for d in division.ancestors():
            crumbs.append((d.name, d.get_absolute_url() if scope.covers(d.path) else None))
    crumbs.extend(extra)
    return crumbs


def _require_editable(user, model, pk) -> None:
    if not model.objects.editable_by(user).filter(pk=pk).exists():
        raise PermissionDenied(gettext("You may read this but not change it."))


def _form_page(request, form, *, title, save, crumbs, cancel_url, intro="", search=None):
    """Show `form`; on a valid POST call `save(form)` (a service) and go to the saved object's page.
    A DomainError is shown on its field and nothing is saved (the service is atomic)."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, gettext("Saved."))
            return redirect(obj.get_absolute_url())
    return render(
        request,
        "communities/form.html",
        {
            "form": form,
            "title": title,
            "crumbs": crumbs,
            "cancel_url": cancel_url,
            "intro": intro,
            "search": search,
        },
    )


# divisions


@login_required
def division_list(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    if scope.is_superuser:
        roots = Division.objects.filter(parent__isnull=True)
    else:
        top = set(scope.paths())
        roots = Division.objects.filter(pk__in=[g.division_id for g in scope.grants if g.path in top])
    roots = list(with_division_counts(roots.order_by("path")))
    children = with_division_counts(Division.objects.filter(parent__in=[r.pk for r in roots]))
    by_parent: dict[int, list[Division]] = defaultdict(list)
    for child in children.order_by("name"):
        by_parent[child.parent_id].append(child)
    for root in roots:
        root.child_list = by_parent.get(root.pk, [])
    return render(
        request,
        "communities/division_list.html",
        {"roots": roots, "sees_residents": scope.sees_residents},
    )


@login_required
def division_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request.user)
    division = get_object_or_404(Division.objects.for_user(request.user).select_related("parent"), pk=pk)
    children = with_division_counts(division.children.order_by("name"))
    compounds = (
        Compound.objects.in_division(division).select_related("division").with_counts().order_by("name", "pk")
    )
    page, query = page_for(request, compounds, PAGE_SIZE)
    crumbs = (
        _crumbs(request.user, division.parent, (division.name, None))
        if division.parent_id
        else [
            (gettext("Divisions"), reverse("communities:division_list")),
            (division.name, None),
        ]
    )
    return render(
        request,
        "communities/division_detail.html",
        {
            "division": division,
            "children": children,
            "page_obj": page,
            "query": query,
            "crumbs": crumbs,
            "sees_residents": scope.sees_residents,
            "can_edit": scope.can_edit(division.path),
        },
    )


# compounds


@login_required
def compound_list(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    base = Compound.objects.for_user(request.user).select_related("division__parent")
    filterset = CompoundListFilter(request.GET or None, queryset=base, user=request.user)
    compounds = filterset.qs.with_counts().order_by("name", "pk")
    page, query = page_for(request, compounds, PAGE_SIZE)
    return render(
        request,
        "communities/compound_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "query": query,
            "sees_residents": scope.sees_residents,
            "can_create": services.editable_communities(request.user).exists()
            if scope.has_role(*EDITOR_ROLES)
            else False,
        },
    )


def _compound_crumbs(user, compound: Compound, *extra):
    return _crumbs(user, compound.division, (compound.name, compound.get_absolute_url()), *extra)


@login_required
def compound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request.user)
    compound = get_object_or_404(
        Compound.objects.for_user(request.user).select_related("division__parent"), pk=pk
    )
    buildings = list(
        Building.objects.filter(compound=compound)
        .annotate(household_count=count_of(Household.objects.filter(building=OuterRef("pk"))))
        .order_by("name")
    )
    buildings.sort(key=lambda b: _natural(b.name))
    total = sum(b.household_count for b in buildings)
    grids = []
    if scope.sees_residents and total <= GRID_ON_COMPOUND_MAX:
        by_building: dict[int, list[Household]] = defaultdict(list)
        for h in _grid_households(request.user).filter(building__compound=compound):
            by_building[h.building_id].append(h)
        grids = [household_grid(b, by_building.get(b.pk, [])) for b in buildings]
    crumbs = _crumbs(request.user, compound.division, (compound.name, None))
    return render(
        request,
        "communities/compound_detail.html",
        {
            "compound": compound,
            "buildings": buildings,
            "household_total": total,
            "grids": grids,
            "grids_elsewhere": scope.sees_residents and total > GRID_ON_COMPOUND_MAX,
            "crumbs": crumbs,
            "sees_residents": scope.sees_residents,
            "can_edit": scope.can_edit(compound.division.path),
        },
    )


def _grid_households(user):
    return (
        Household.objects.for_user(user)
        .with_owner_count()
        .only("id", "building_id", "unit", "floor", "room", "is_vacant", "exclusive_area")
        .order_by()
    )


@login_required
def compound_create(request: HttpRequest) -> HttpResponse:
    if not services.editable_communities(request.user).exists():
        raise PermissionDenied(gettext("You may not add compounds."))
    initial = {}
    if request.GET.get("division", "").isdigit():
        initial["division"] = int(request.GET["division"])
    form = CompoundForm(request.POST or None, initial=initial, user=request.user)
    return _form_page(
        request,
        form,
        title=gettext("New compound"),
        save=lambda f: services.save_compound(request.user, f.save(commit=False)),
        crumbs=[
            (gettext("Compounds"), reverse("communities:compound_list")),
            (gettext("New compound"), None),
        ],
        cancel_url=reverse("communities:compound_list"),
    )


@login_required
def compound_edit(request: HttpRequest, pk: int) -> HttpResponse:
    compound = get_object_or_404(
        Compound.objects.for_user(request.user).select_related("division__parent"), pk=pk
    )
    _require_editable(request.user, Compound, pk)
    form = CompoundForm(request.POST or None, instance=compound, user=request.user)
    return _form_page(
        request,
        form,
        title=gettext("Edit compound"),
        save=lambda f: services.save_compound(request.user, f.save(commit=False)),
        crumbs=_compound_crumbs(request.user, compound, (gettext("Edit"), None)),
        cancel_url=compound.get_absolute_url(),
    )


# buildings


@login_required
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request.user)
    building = get_object_or_404(
        Building.objects.for_user(request.user).select_related("compound__division__parent"), pk=pk
    )
    grid = None
    if scope.sees_residents:
        grid = household_grid(building, list(_grid_households(request.user).filter(building=building)))
    return render(
        request,
        "communities/building_detail.html",
        {
            "building": building,
            "compound": building.compound,
            "grid": grid,
            "crumbs": _compound_crumbs(request.user, building.compound, (building.name, None)),
            "sees_residents": scope.sees_residents,
            "can_edit": scope.can_edit(building.compound.division.path),
        },
    )


@login_required
def building_create(request: HttpRequest, compound_pk: int) -> HttpResponse:
    compound = get_object_or_404(
        Compound.objects.for_user(request.user).select_related("division"), pk=compound_pk
    )
    _require_editable(request.user, Compound, compound.pk)
    form = BuildingForm(request.POST or None, instance=Building(compound=compound), user=request.user)
    return _form_page(
        request,
        form,
        title=gettext("New building"),
        save=lambda f: services.save_building(request.user, f.save(commit=False)),
        crumbs=_compound_crumbs(request.user, compound, (gettext("New building"), None)),
        cancel_url=compound.get_absolute_url(),
    )


@login_required
def building_edit(request: HttpRequest, pk: int) -> HttpResponse:
    building = get_object_or_404(
        Building.objects.for_user(request.user).select_related("compound__division"), pk=pk
    )
    _require_editable(request.user, Building, pk)
    form = BuildingForm(request.POST or None, instance=building, user=request.user)
    return _form_page(
        request,
        form,
        title=gettext("Edit building"),
        save=lambda f: services.save_building(request.user, f.save(commit=False)),
        crumbs=_compound_crumbs(
            request.user,
            building.compound,
            (building.name, building.get_absolute_url()),
            (gettext("Edit"), None),
        ),
        cancel_url=building.get_absolute_url(),
    )


# households


def _household(user, pk: int) -> Household:
    return get_object_or_404(
        Household.objects.for_user(user).select_related("building__compound__division__parent"), pk=pk
    )


def _household_crumbs(user, household: Household, *extra):
    building = household.building
    return _compound_crumbs(
        user,
        building.compound,
        (building.name, building.get_absolute_url()),
        (str(household), household.get_absolute_url() if extra else None),
        *extra,
    )


def _household_page(request, household: Household, *, unmasked=False, reveal_form=None, status=200):
    scope = get_scope(request.user)
    ownerships = list(
        Ownership.objects.for_user(request.user).filter(household=household).select_related("person")
    )
    response = render(
        request,
        "communities/household_detail.html",
        {
            "household": household,
            "building": household.building,
            "compound": household.building.compound,
            "ownerships": ownerships,
            "unmasked": unmasked,
            "reveal_form": reveal_form or RevealForm(),
            "reveal_url": reverse("communities:household_reveal", args=[household.pk]),
            "sees_unmasked": scope.sees_unmasked,
            "can_edit": scope.can_edit(household.building.compound.division.path),
            "crumbs": _household_crumbs(request.user, household),
            "panels": household_panels.panels_for(request.user, household),
        },
        status=status,
    )
    if unmasked:
        add_never_cache_headers(response)
    return response


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _household_page(request, _household(request.user, pk))


@login_required
@require_POST
def household_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request.user, pk)
    if not get_scope(request.user).sees_unmasked:
        raise PermissionDenied(gettext("Your role does not allow seeing full phone and ID numbers."))
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _household_page(request, household, reveal_form=form, status=400)
    people = Person.objects.for_user(request.user).filter(ownerships__household=household)
    services.reveal_personal_data(request.user, people, reason=form.cleaned_data["reason"], request=request)
    return _household_page(request, household, unmasked=True)


@login_required
def household_create(request: HttpRequest, building_pk: int) -> HttpResponse:
    building = get_object_or_404(
        Building.objects.for_user(request.user).select_related("compound__division"), pk=building_pk
    )
    _require_editable(request.user, Building, building.pk)
    initial = {k: request.GET[k] for k in ("unit", "floor", "room") if request.GET.get(k)}
    form = HouseholdForm(
        request.POST or None,
        instance=Household(building=building),
        initial=initial,
        user=request.user,
        compound=building.compound,
    )
    return _form_page(
        request,
        form,
        title=gettext("New household"),
        save=lambda f: services.save_household(request.user, f.save(commit=False)),
        crumbs=_compound_crumbs(
            request.user,
            building.compound,
            (building.name, building.get_absolute_url()),
            (gettext("New household"), None),
        ),
        cancel_url=building.get_absolute_url(),
    )


@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request.user, pk)
    _require_editable(request.user, Household, pk)
    form = HouseholdForm(
        request.POST or None, instance=household, user=request.user, compound=household.building.compound
    )
    return _form_page(
        request,
        form,
        title=gettext("Edit household"),
        save=lambda f: services.save_household(request.user, f.save(commit=False)),
        crumbs=_household_crumbs(request.user, household, (gettext("Edit"), None)),
        cancel_url=household.get_absolute_url(),
    )


@login_required
def resident_create(request: HttpRequest, household_pk: int) -> HttpResponse:
    """A new person registered and linked to this household in one form."""
    household = _household(request.user, household_pk)
    _require_editable(request.user, Household, household.pk)
    form = ResidentForm(
        request.POST or None,
        initial={"division": household.building.compound.division_id, "kind": OwnershipKind.OWNER},
        user=request.user,
    )

    def save(f):
        services.add_resident(
            request.user,
            household,
            f.save(commit=False),
            kind=f.cleaned_data["kind"],
            since=f.cleaned_data["since"],
        )
        return household

    return _form_page(
        request,
        form,
        title=gettext("Add a person to %(household)s") % {"household": household.label},
        save=save,
        crumbs=_household_crumbs(request.user, household, (gettext("Add a person"), None)),
        cancel_url=household.get_absolute_url(),
    )


@login_required
def ownership_create(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = _household(request.user, household_pk)
    _require_editable(request.user, Household, household.pk)
    form = OwnershipForm(
        request.POST or None,
        instance=Ownership(household=household),
        user=request.user,
        household=household,
        q=request.GET.get("q", ""),
    )

    def save(f):
        services.save_ownership(request.user, f.save(commit=False))
        return household

    return _form_page(
        request,
        form,
        title=gettext("Link a registered person to %(household)s") % {"household": household.label},
        save=save,
        crumbs=_household_crumbs(request.user, household, (gettext("Link a person"), None)),
        cancel_url=household.get_absolute_url(),
        search=form.search,
    )


@login_required
def ownership_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ownership = get_object_or_404(
        Ownership.objects.for_user(request.user).select_related(
            "person", "household__building__compound__division__parent"
        ),
        pk=pk,
    )
    _require_editable(request.user, Ownership, pk)
    household = ownership.household
    form = OwnershipForm(request.POST or None, instance=ownership, user=request.user, household=household)

    def save(f):
        services.save_ownership(request.user, f.save(commit=False))
        return household

    return _form_page(
        request,
        form,
        title=gettext("Edit relation"),
        save=save,
        crumbs=_household_crumbs(request.user, household, (gettext("Edit relation"), None)),
        cancel_url=household.get_absolute_url(),
    )


@login_required
def ownership_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """End a person's link to a household (moved out, sold, entered by mistake): GET asks, POST removes.
    The person stays registered; the audit history keeps the removed link and who removed it."""
    ownership = get_object_or_404(
        Ownership.objects.for_user(request.user).select_related(
            "person", "household__building__compound__division__parent"
        ),
        pk=pk,
    )
    _require_editable(request.user, Ownership, pk)
    household = ownership.household
    if request.method == "POST":
        services.remove_ownership(request.user, ownership)
        messages.success(
            request,
            gettext("%(name)s is no longer linked to %(household)s.")
            % {"name": ownership.person.name, "household": household.label},
        )
        return redirect(household.get_absolute_url())
    return render(
        request,
        "communities/ownership_remove.html",
        {
            "ownership": ownership,
            "household": household,
            "title": gettext("Remove relation"),
            "crumbs": _household_crumbs(request.user, household, (gettext("Remove relation"), None)),
        },
    )


# people


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    if not scope.sees_residents:
        raise Http404
    q = request.GET.get("q", "").strip()
    people = Person.objects.for_user(request.user).select_related("division").by_name(q)
    if q:
        people = people.matching(q, request.user)
    page, query = page_for(request, people, PAGE_SIZE)
    return render(request, "communities/person_list.html", {"page_obj": page, "query": query, "q": q})


def _person(user, pk: int) -> Person:
    return get_object_or_404(Person.objects.for_user(user).select_related("division"), pk=pk)


def _person_page(request, person: Person, *, unmasked=False, reveal_form=None, status=200):
    scope = get_scope(request.user)
    ownerships = (
        Ownership.objects.for_user(request.user)
        .filter(person=person)
        .select_related("household__building__compound")
    )
    response = render(
        request,
        "communities/person_detail.html",
        {
            "person": person,
            "ownerships": ownerships,
            "unmasked": unmasked,
            "reveal_form": reveal_form or RevealForm(),
            "reveal_url": reverse("communities:person_reveal", args=[person.pk]),
            "sees_unmasked": scope.sees_unmasked,
            "can_edit": scope.can_edit(person.division.path),
            "crumbs": [(gettext("People"), reverse("communities:person_list")), (person.name, None)],
        },
        status=status,
    )
    if unmasked:
        add_never_cache_headers(response)
    return response


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_page(request, _person(request.user, pk))


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request.user, pk)
    if not get_scope(request.user).sees_unmasked:
        raise PermissionDenied(gettext("Your role does not allow seeing full phone and ID numbers."))
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _person_page(request, person, reveal_form=form, status=400)
    services.reveal_personal_data(request.user, [person], reason=form.cleaned_data["reason"], request=request)
    return _person_page(request, person, unmasked=True)


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    if not get_scope(request.user).has_role(*EDITOR_ROLES):
        raise PermissionDenied(gettext("You may not add people."))
    form = PersonForm(request.POST or None, user=request.user)
    return _form_page(
        request,
        form,
        title=gettext("New person"),
        save=lambda f: services.save_person(request.user, f.save(commit=False)),
        crumbs=[(gettext("People"), reverse("communities:person_list")), (gettext("New person"), None)],
        cancel_url=reverse("communities:person_list"),
    )


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request.user, pk)
    _require_editable(request.user, Person, pk)
    form = PersonForm(request.POST or None, instance=person, user=request.user)
    return _form_page(
        request,
        form,
        title=gettext("Edit person"),
        save=lambda f: services.save_person(request.user, f.save(commit=False)),
        crumbs=[
            (gettext("People"), reverse("communities:person_list")),
            (person.name, person.get_absolute_url()),
            (gettext("Edit"), None),
        ],
        cancel_url=person.get_absolute_url(),
    )
