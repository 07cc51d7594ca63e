"""Pages of the working day: the home to-do list and the rows behind each of its numbers."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from communities.models import Compound, Division, Household
from communities.paging import page_for
from communities.scoping import get_scope

from . import access_log, search, todo

PAGE_SIZE = 25


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    roots = (
        Division.objects.filter(pk__in=[g.division_id for g in scope.grants])
        if not scope.is_superuser
        else Division.objects.filter(parent__isnull=True)
    )
    sections = todo.todo_for(request.user)
    stats = None
    if not sections:  # a read-only viewer has no to-dos: the figures of the area instead
        stats = {
            "compounds": Compound.objects.for_user(request.user).count(),
            "households": Household.objects.for_user(request.user).count() if scope.sees_residents else None,
        }
    # visits kept on the phone, unsent, are counted in the browser (static/js/workday.js)
    drafts_role = next((s.role for s in sections if s.role in (todo.G, todo.S)), "")
    return render(
        request,
        "workday/home.html",
        {"roots": roots, "sections": sections, "stats": stats, "drafts_role": drafts_role},
    )


@login_required
def todo_list(request: HttpRequest, key: str) -> HttpResponse:
    """Exactly the rows counted on the home page for this item (same queryset), a page at a time."""
    definition = todo.definition_for(request.user, key)
    if definition is None:
        raise Http404
    # an exact count: the home page counted the same rows
    page, query = page_for(request, todo.rows(request.user, key), PAGE_SIZE, paginator_class=Paginator)
    rows = [definition.row(obj) for obj in page.object_list]
    return render(
        request,
        "workday/todo_list.html",
        {"definition": definition, "page_obj": page, "rows": rows, "query": query},
    )


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    """Results of the header's search box, grouped by kind; plain links, so Tab and Enter work."""
    q = request.GET.get("q", "").strip()
    groups = search.search(request.user, q)
    if request.headers.get("HX-Request"):  # live results under the header's box (links: Tab, Enter)
        return render(request, "workday/_search_live.html", {"q": q, "groups": groups})
    return render(
        request,
        "workday/search.html",
        {"q": q, "groups": groups, "too_long": len(q) > search.MAX_LENGTH, "limit": search.LIMIT},
    )


class AccessLogFilter(forms.Form):
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind of record"), required=False)
    number = forms.IntegerField(label=_("Record number"), required=False, min_value=1)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", _("Everyone")), *people]
        self.fields["kind"].choices = [("", _("All kinds")), *access_log.kind_choices()]
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            )


@login_required
def access_log_page(request: HttpRequest) -> HttpResponse:
    """Who saw what: reveals, exports, downloads and working contacts shown, for the auditors."""
    if not access_log.may_audit(request.user):
        raise PermissionDenied(_("Only district administrators and street-office staff read the access log."))
    form = AccessLogFilter(request.GET or None, people=access_log.staff_choices(request.user))
    params = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = access_log.grouped(
        access_log.filtered(
            request.user,
            person=params.get("person"),
            kind=params.get("kind") or "",
            number=params.get("number"),
            since=params.get("since"),
            until=params.get("until"),
        )
    )
    page, query = page_for(request, qs, PAGE_SIZE, paginator_class=Paginator)
    lines = access_log.describe(list(page.object_list))
    return render(
        request,
        "workday/access_log.html",
        {"form": form, "page_obj": page, "lines": lines, "query": query},
    )
