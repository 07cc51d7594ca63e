"""Reads: every consultations model is scoped here, through communities.scoping.

Visits and opinions name households, so only roles that see residents' data read them (contractors see
none of this app). Records tied to a compound follow the compound's community; meetings, deliberations
and notices carry their own `division` (the compound's community, or the project's division).
Field roles (editors plus grid workers / Party members) may log visits, opinions and meetings; only
editors move opinions through their lifecycle, run deliberations and publish notices.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Count, Exists, F, Func, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from communities.choices import EDITOR_ROLES, RESIDENT_DATA_ROLES, Role
from communities.querysets import count_of
from communities.scoping import get_scope

from . import choices

FIELD_ROLES = (*EDITOR_ROLES, Role.GRID_WORKER)


def can_log_visits(user) -> bool:
    return get_scope(user).has_role(*FIELD_ROLES)


def can_manage(user) -> bool:
    return get_scope(user).has_role(*EDITOR_ROLES)


def can_export(user) -> bool:
    """Whoever reads visits and opinions may export them; names and phones stay masked unless the
    role sees them unmasked (settings.UNMASKED_ROLES): grid workers and viewers get masked ledgers."""
    return get_scope(user).has_role(*RESIDENT_DATA_ROLES)


class _ScopedByPath(models.QuerySet):
    path_lookup = "division__path"

    def for_user(self, user):
        return self.filter(get_scope(user).q(self.path_lookup, RESIDENT_DATA_ROLES))

    def editable_by(self, user):
        return self.filter(get_scope(user).q(self.path_lookup, EDITOR_ROLES))

    def field_editable_by(self, user):
        return self.filter(get_scope(user).q(self.path_lookup, FIELD_ROLES))

    def in_division(self, division):
        return self.filter(**{f"{self.path_lookup}__startswith": division.path})


class VisitQuerySet(_ScopedByPath):
    path_lookup = "compound__division__path"

    def editable_by(self, user):
        """Editors in scope; a grid worker / Party member only their own visits."""
        scope = get_scope(user)
        return self.filter(
            scope.q(self.path_lookup, EDITOR_ROLES)
            | (scope.q(self.path_lookup, [Role.GRID_WORKER]) & Q(visitor_id=user.pk))
        )

    def with_related(self):
        from .models import Opinion

        return (
            self.select_related("household__building", "compound", "visitor", "member", "project")
            # counted per row shown (a correlated subquery): a COUNT with GROUP BY over the visits
            # joined to opinions aggregated all 3 million visits before the first page (46 s)
            .annotate(
                opinion_count=Coalesce(
                    Subquery(
                        Opinion.objects.filter(visit=OuterRef("pk"))
                        .order_by()
                        .annotate(n=Func(F("pk"), function="COUNT"))
                        .values("n")
                    ),
                    0,
                )
            )
            .order_by("-visited_at", "-pk")
        )


class OpinionQuerySet(_ScopedByPath):
    path_lookup = "compound__division__path"

    def demands(self):
        return self.filter(status__in=choices.DEMAND_STATUSES)

    def of_project(self, project):
        """A project's demands: tied to it, planned in one of its work items, or raised in its
        compounds without a project (the demand list page and its export use this)."""
        return self.filter(
            Q(project=project)
            | Q(work_item__project=project)
            | Q(project__isnull=True, compound__in=project.compounds.all())
        )

    def with_related(self):
        return self.select_related("compound", "household__building", "project", "work_item", "merged_into")

    def for_work_item(self, work_item):
        """The demands behind a work item (what residents asked for that it answers)."""
        return self.filter(work_item=work_item).select_related("compound", "household__building")


class MeetingQuerySet(_ScopedByPath):
    def editable_by(self, user):
        return self.field_editable_by(user)


class DeliberationQuerySet(_ScopedByPath):
    pass


class DeliberationStepQuerySet(_ScopedByPath):
    path_lookup = "deliberation__division__path"


class ProcedureQuerySet(models.QuerySet):
    """Procedure templates: national ones (no division) for everyone signed in, local ones by scope."""

    def for_user(self, user):
        if user is None or not user.is_authenticated:
            return self.none()
        scope = get_scope(user)
        if scope.is_superuser:
            return self.all()
        above = {int(p) for path in scope.paths() for p in path.strip("/").split("/") if p}
        return self.filter(Q(division__isnull=True) | Q(division_id__in=above) | scope.q("division__path"))

    def editable_by(self, user):
        return self.filter(get_scope(user).q("division__path", EDITOR_ROLES))


class NoticeQuerySet(_ScopedByPath):
    def for_user(self, user):
        # notices are public documents, but staff lists still follow scope (contractors included
        # through the public page only)
        return super().for_user(user)

    def publicly_visible(self):
        return self.all()

    def with_objection_counts(self):
        from .models import NoticeObjection

        objections = NoticeObjection.objects.filter(notice=OuterRef("pk"))
        return self.annotate(
            objection_count=count_of(objections),
            pending_objection_count=count_of(objections.filter(status=choices.ObjectionStatus.PENDING)),
        ).order_by("-starts_at", "-pk")


class ObjectionQuerySet(_ScopedByPath):
    path_lookup = "notice__division__path"


class NoticePolicyQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(get_scope(user).q("division__path"))

    def editable_by(self, user):
        return self.filter(get_scope(user).q("division__path", EDITOR_ROLES))


# --- visit status per household --------------------------------------------------------------------


def household_visit_annotations(visit_model, ref: str = "pk"):
    """Annotations for a Household queryset (or, with `ref="household_id"`, any row pointing at a
    household): visit count, last visit time, whether anyone answered, and the latest answered
    attitude (a "not at home" never hides an earlier answer)."""
    visits = visit_model.objects.filter(household_id=OuterRef(ref))
    answered = visits.filter(attitude__in=choices.ANSWERED_ATTITUDES).order_by("-visited_at", "-pk")
    return {
        "visited": Exists(visits),
        "reached": Exists(answered),
        "latest_attitude": Subquery(answered.values("attitude")[:1]),
        "last_visit_at": Subquery(
            visits.order_by().values("household_id").annotate(m=Max("visited_at")).values("m")[:1]
        ),
        "visit_count": Subquery(
            visits.order_by().values("household_id").annotate(c=Count("pk")).values("c")[:1]
        ),
    }


def prefetch_demands():
    """Prefetch for WorkItem querysets: `work_item.demands.all` then costs no query per item
    (used by templates/consultations/_work_item_demands.html)."""
    from django.db.models import Prefetch

    from .models import Opinion

    return Prefetch(
        "demands",
        queryset=Opinion.objects.filter(status__in=choices.DEMAND_STATUSES).select_related(
            "household__building", "compound"
        ),
    )


def project_demand_figures(project) -> dict:
    """How many of a project's work items come from residents' demands, and how many demands are
    resolved (two queries)."""
    from projects.models import WorkItem

    from .models import Opinion

    items = WorkItem.objects.filter(project=project).aggregate(
        total=Count("pk", distinct=True),
        from_demands=Count("pk", filter=Q(demands__isnull=False), distinct=True),
    )
    demands = Opinion.objects.filter(
        Q(project=project) | Q(work_item__project=project), status__in=choices.DEMAND_STATUSES
    ).aggregate(
        total=Count("pk"),
        resolved=Count("pk", filter=Q(status=choices.OpinionStatus.RESOLVED)),
        planned=Count("pk", filter=Q(status=choices.OpinionStatus.PLANNED)),
    )
    return {
        "work_items": items["total"],
        "work_items_from_demands": items["from_demands"],
        "demands": demands["total"],
        "demands_planned": demands["planned"],
        "demands_resolved": demands["resolved"],
    }
