"""The overview pages (驾驶舱). Figures come from the rollups only (querysets.division_figures): a page
view reads one rollup row and its children's, whatever the size of the division."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from communities.errors import DomainError
from communities.jobs import start_job
from communities.scoping import get_scope
from consultations.services import opinion_answer_days

from . import figures as F
from . import presentation, querysets, services


class YearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100, required=False)
    sort = forms.ChoiceField(
        label=gettext_lazy("Worst first by"),
        required=False,
        choices=[("", gettext_lazy("Name"))] + [(c.key, c.label) for c in F.COLUMNS],
    )


def _year_and_sort(request: HttpRequest) -> tuple[int, str, YearForm]:
    form = YearForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["year"] or querysets.this_year(), form.cleaned_data["sort"] or "", form
    return querysets.this_year(), "", form


@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """The user's own division; a choice when they have several."""
    if not querysets.may_open(request.user):
        raise Http404
    roots = list(querysets.roots_for(request.user))
    if len(roots) == 1:
        return redirect("overview:division", roots[0].pk)
    return render(request, "overview/landing.html", {"roots": roots})


def _division(request: HttpRequest, pk: int):
    return get_object_or_404(querysets.divisions_for(request.user), pk=pk)


def _crumbs(request: HttpRequest, division, year: int) -> list[tuple[str, str | None]]:
    """Ancestors down to this division; those above the user's scope are named but not linked."""
    scope = get_scope(request.user)
    crumbs = [(_("Overview"), reverse("overview:landing"))]
    for a in division.ancestors():
        visible = scope.covers(a.path, querysets.OVERVIEW_ROLES)
        crumbs.append(
            (a.name, reverse("overview:division", args=[a.pk]) + f"?year={year}" if visible else None)
        )
    return crumbs


@login_required
def division_overview(request: HttpRequest, pk: int) -> HttpResponse:
    division = _division(request, pk)
    year, sort, form = _year_and_sort(request)
    fig = querysets.division_figures(division, year)
    states = querysets.refresh_states()
    sections = presentation.sections(fig)
    rows, column = querysets.sort_rows(querysets.child_rows(division, year), sort)
    return render(
        request,
        "overview/division.html",
        {
            "division": division,
            "year": year,
            "years": querysets.year_choices(states),
            "form": form,
            "sort": sort,
            "sort_column": column,
            "crumbs": _crumbs(request, division, year),
            "fig": fig,
            "kpis": presentation.kpis(fig),
            "sections": sections,
            "charts": presentation.chart_specs(sections),
            "columns": F.COLUMNS,
            "rows": [(row, [_cell(row.figures, col) for col in F.COLUMNS]) for row in rows],
            "as_of": getattr(states.get(year), "refreshed_at", None),
            "may_refresh": services.may_request_refresh(request.user, division),
            "refusal": services.refresh_refusal(request.user, division, year, state=states.get(year)),
            "child_label": _("Compounds") if division.level == "community" else _("Divisions below"),
            # the division's own answer time; an area below may set its own (NoticePolicy)
            "answer_days": opinion_answer_days([division])[division.pk],
        },
    )


def _cell(fig: querysets.Figures, column: F.Column) -> str:
    if column.kind == "rate":
        return fig.rates[column.key].display()
    return presentation.count(fig.value(column))


@login_required
@require_POST
def refresh(request: HttpRequest, pk: int) -> HttpResponse:
    division = _division(request, pk)
    year, _sort, _form = _year_and_sort(request)
    try:
        services.request_refresh(request.user, division, year)
    except DomainError as exc:
        messages.error(request, exc.message)
        if exc.status_code == 403:
            return render(request, "403.html", {"exception": exc.message}, status=403)
    else:
        messages.success(request, _("A refresh runs in the background; reload the page in a minute."))
    return redirect(reverse("overview:division", args=[division.pk]) + f"?year={year}")


LEDGERS = {
    "ledger": ("overview_ledger", "supervision.overview.ledger.overview_ledger"),
    "households": ("household_ledger", "supervision.overview.ledger.household_ledger"),
}


@login_required
@require_POST
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a ledger (台账) export as a background job; its page shows the progress and the download."""
    division = _division(request, pk)
    year, _sort, _form = _year_and_sort(request)
    kind = request.POST.get("kind", "ledger")
    if kind not in LEDGERS:
        raise Http404
    job_kind, handler = LEDGERS[kind]
    job = start_job(
        kind=job_kind, handler=handler, user=request.user, params={"division": division.pk, "year": year}
    )
    return redirect(job.get_absolute_url())
