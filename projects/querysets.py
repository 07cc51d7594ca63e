"""Reads: every projects model is scoped here, through communities.scoping.

A project is visible when its `division` (the street or community that runs it) lies in the user's
scope. Contractors are the exception: they see only the projects where they act for a party
(`ProjectParty.users`). Children (work items, funding, parties, branches...) inherit their project's
scope. Programmes belong to a district: visible to anyone whose scope lies inside or above it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import OuterRef, Q

from communities.choices import EDITOR_ROLES, RESIDENT_DATA_ROLES, Role
from communities.querysets import count_of
from communities.scoping import get_scope, in_any

# every role except contractors sees by division
DIVISION_ROLES = tuple(r for r in Role.values if r != Role.CONTRACTOR)


def project_q(user, prefix: str = "", roles=None) -> Q:
    """Filter on a project (or, with `prefix="project__"`, on rows of a project's child).

    Read (`roles=None`): every role except contractors sees the projects run by a division in its
    scope and those on a compound in its scope (a community secretary sees the street's project on
    her compound); contractors see only the projects where they act for a party. Edit (`roles` given):
    the projects run by a division the roles cover.
    """
    scope = get_scope(user)
    if scope.is_superuser:
        return Q()
    id_lookup = f"{prefix[:-2]}_id__in" if prefix else "pk__in"  # "project__" -> "project_id__in"
    if roles is not None:
        return scope.q(f"{prefix}division__path", roles)
    from .models import Project, ProjectParty

    q = scope.q(f"{prefix}division__path", DIVISION_ROLES)
    on_compounds = scope.q("compounds__division__path", DIVISION_ROLES)
    if on_compounds != Q(pk__in=[]):
        q |= Q(**{id_lookup: Project.objects.filter(on_compounds).values("pk")})
    if scope.has_role(Role.CONTRACTOR):
        own = ProjectParty.objects.filter(users=user).values("project_id")
        q |= scope.q(f"{prefix}division__path", [Role.CONTRACTOR]) & Q(**{id_lookup: own})
    return q


def _child(prefix: str):
    class ChildQuerySet(models.QuerySet):
        def for_user(self, user):
            return self.filter(project_q(user, prefix))

        def editable_by(self, user):
            return self.filter(project_q(user, prefix, EDITOR_ROLES))

    return ChildQuerySet


class CatalogQuerySet(models.QuerySet):
    """The catalog is shared reference data: every signed-in user reads it; district admins edit it."""

    def for_user(self, user):
        return self.all() if user is not None and user.is_authenticated else self.none()

    def editable_by(self, user):
        scope = get_scope(user)
        return self.all() if scope.is_superuser or scope.has_role(Role.DISTRICT_ADMIN) else self.none()


class ProgrammeQuerySet(models.QuerySet):
    def for_user(self, user):
        scope = get_scope(user)
        if scope.is_superuser:
            return self.all()
        paths = scope.paths(DIVISION_ROLES)
        # the district itself lies above a street/community user's grant: its id is in the grant path
        above = {int(p) for path in paths for p in path.strip("/").split("/") if p}
        return self.filter(scope.q("district__path", DIVISION_ROLES) | Q(district_id__in=above))

    def editable_by(self, user):
        return self.filter(get_scope(user).q("district__path", EDITOR_ROLES))


class ProjectQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(project_q(user))

    def editable_by(self, user):
        return self.filter(project_q(user, "", EDITOR_ROLES))

    def in_division(self, division):
        return self.filter(division__path__startswith=division.path)

    def with_totals(self):
        """Budget, progress inputs, funding and households per project as subqueries (no row
        multiplication, one query for any number of projects). `Project.progress` reads them."""
        from django.db.models import Avg, Count, DecimalField, F, IntegerField, OuterRef, Subquery, Sum
        from django.db.models.functions import Coalesce

        from communities.models import Household

        from .models import FundingLine, WorkItem

        money = DecimalField(max_digits=20, decimal_places=2)
        items = WorkItem.objects.filter(project=OuterRef("pk")).order_by().values("project")
        funds = FundingLine.objects.filter(project=OuterRef("pk")).order_by().values("project")
        households = (
            Household.objects.filter(building__compound__projects=OuterRef("pk"))
            .order_by()
            .values("building__compound__projects")
        )
        return self.annotate(
            budget_total=Coalesce(
                Subquery(items.annotate(v=Sum("budget")).values("v"), output_field=money),
                0,
                output_field=money,
            ),
            progress_weighted=Subquery(
                items.annotate(v=Sum(F("budget") * F("progress"))).values("v"), output_field=money
            ),
            progress_mean=Subquery(items.annotate(v=Avg("progress")).values("v"), output_field=money),
            work_item_count=Coalesce(
                Subquery(items.annotate(v=Count("pk")).values("v")), 0, output_field=IntegerField()
            ),
            funding_planned=Coalesce(
                Subquery(funds.annotate(v=Sum("planned")).values("v"), output_field=money),
                0,
                output_field=money,
            ),
            funding_received=Coalesce(
                Subquery(funds.annotate(v=Sum("received")).values("v"), output_field=money),
                0,
                output_field=money,
            ),
            household_count=Coalesce(
                Subquery(households.annotate(v=Count("pk")).values("v")), 0, output_field=IntegerField()
            ),
        )


ProjectStatusChangeQuerySet = _child("project__")
WorkItemQuerySet = _child("project__")
FundingLineQuerySet = _child("project__")
ProjectPartyQuerySet = _child("project__")
MilestoneQuerySet = _child("project__")
UtilityWorkQuerySet = _child("project__")

# who may except a project from one of its gates (DESIGN.md §7): the district, nobody below it
GATE_EXCEPTION_ROLES = (Role.DISTRICT_ADMIN,)


class GateExceptionQuerySet(_child("project__")):
    """Read with the project; recorded and withdrawn by district admins over the project only."""

    def editable_by(self, user):
        return self.filter(project_q(user, "project__", GATE_EXCEPTION_ROLES))

    def in_force(self):
        return self.filter(withdrawn_at__isnull=True)


class PartyBranchQuerySet(models.QuerySet):
    """A branch has its own `division` (a joint branch may have no project); contractors see the
    branches of their projects."""

    def for_user(self, user):
        return self.filter(branch_q(user))

    def editable_by(self, user):
        return self.filter(branch_q(user, "", EDITOR_ROLES))

    def with_counts(self):
        """`member_count` and `assigned_count` (households), counted for the rows fetched only: a
        GROUP BY grouped every branch's assignments before the page was cut (1.1 s on a province)."""
        from .models import BranchMember, HouseholdAssignment

        return self.annotate(
            member_count=count_of(BranchMember.objects.filter(branch=OuterRef("pk"))),
            assigned_count=count_of(HouseholdAssignment.objects.filter(branch=OuterRef("pk"))),
        )


def branch_q(user, prefix: str = "", roles=None) -> Q:
    """Like `project_q` for branches (which carry their own `division`; a joint branch may have no
    project). Editors whose scope covers one of the branch's compounds may also edit it: the community
    secretary usually leads the branch on a street's project."""
    scope = get_scope(user)
    if scope.is_superuser:
        return Q()
    from .models import PartyBranch, ProjectParty

    id_lookup = f"{prefix[:-2]}_id__in" if prefix else "pk__in"
    wanted = roles if roles is not None else DIVISION_ROLES
    if prefix:
        # a branch's rows (assignments, members...): the branches' ids as one UNION (see in_any)
        return in_any(f"{prefix}id", _branch_id_sets(user, scope, wanted, roles))
    q = scope.q(f"{prefix}division__path", wanted)
    on_compounds = scope.q("compounds__division__path", wanted)
    if on_compounds != Q(pk__in=[]):
        q |= Q(**{id_lookup: PartyBranch.objects.filter(on_compounds).values("pk")})
    if roles is None and scope.has_role(Role.CONTRACTOR):
        own = ProjectParty.objects.filter(users=user).values("project_id")
        q |= scope.q(f"{prefix}division__path", [Role.CONTRACTOR]) & Q(**{f"{prefix}project_id__in": own})
    return q


def _branch_id_sets(user, scope, wanted, roles) -> list:
    """The branches `branch_q` allows, as querysets to UNION: by the branch's division, by one of its
    compounds, and (reading) a contractor's branches of their projects."""
    from .models import PartyBranch, ProjectParty

    none = Q(pk__in=[])
    sets = []
    by_division = scope.q("division__path", wanted)
    if by_division != none:
        sets.append(PartyBranch.objects.filter(by_division))
    on_compounds = scope.q("compounds__division__path", wanted)
    if on_compounds != none:
        sets.append(PartyBranch.objects.filter(on_compounds))
    if roles is None and scope.has_role(Role.CONTRACTOR):
        own = ProjectParty.objects.filter(users=user).values("project_id")
        sets.append(
            PartyBranch.objects.filter(scope.q("division__path", [Role.CONTRACTOR]), project_id__in=own)
        )
    return sets


def _branch_child(prefix: str, read_roles=None):
    class BranchChildQuerySet(models.QuerySet):
        def for_user(self, user):
            return self.filter(branch_q(user, prefix, read_roles))

        def editable_by(self, user):
            return self.filter(branch_q(user, prefix, EDITOR_ROLES))

    return BranchChildQuerySet


BranchMemberQuerySet = _branch_child("branch__")
PartyGroupQuerySet = _branch_child("branch__")
CommandoTeamQuerySet = _branch_child("branch__")
BranchActivityQuerySet = _branch_child("branch__")
# assignments name households: only roles that see residents' data (not contractors)
HouseholdAssignmentQuerySet = _branch_child("branch__", RESIDENT_DATA_ROLES)
