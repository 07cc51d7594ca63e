"""Who may do what in supervision. Services call these; pages and the API show or hide actions by them.

Reads are decided by the querysets (outside scope: 404). These predicates decide writes (403)."""

from __future__ import annotations

from rest_framework import permissions

from communities.choices import EDITOR_ROLES, Role
from communities.scoping import get_scope

STREET_ROLES = (Role.DISTRICT_ADMIN, Role.STREET_STAFF)


def _covers(user, project, roles) -> bool:
    return get_scope(user).covers(project.division.path, roles)


def _area_paths(project) -> list[str]:
    """The project's division and the communities of its compounds (cached on the instance)."""
    paths = getattr(project, "_supervision_area_paths", None)
    if paths is None:
        paths = [
            project.division.path,
            *(c.division.path for c in project.compounds.select_related("division")),
        ]
        project._supervision_area_paths = paths
    return paths


def covers_area(user, project, roles) -> bool:
    """The user holds one of `roles` over the project's division OR over a community one of its compounds
    lies in: a community secretary or grid worker supervises the works in their community even when a
    street runs the project (DESIGN.md §1)."""
    scope = get_scope(user)
    return any(scope.covers(path, roles) for path in _area_paths(project))


# supervision on site: staff, community secretaries and grid workers (Party members) of the area
FIELD_SUPERVISION_ROLES = (*EDITOR_ROLES, Role.GRID_WORKER)


def is_staff_on(user, project) -> bool:
    """Government staff over the project: district, street, community secretary."""
    return _covers(user, project, EDITOR_ROLES)


def party_ids_of(user, project) -> set[int]:
    """The project's parties this user acts for (contractor accounts)."""
    if not user.is_authenticated:
        return set()
    return set(project.parties.filter(users=user).values_list("pk", flat=True))


def acts_for_supervision_company(user, project) -> bool:
    from projects.choices import PartyRole

    return project.parties.filter(users=user, role=PartyRole.SUPERVISION).exists()


def is_team_member(user, project) -> bool:
    from .models import SupervisionTeamMember

    return SupervisionTeamMember.objects.filter(team__project=project, user=user).exists()


def can_inspect(user, project) -> bool:
    """Team members, the supervision company, and the staff, secretaries and grid workers of the
    project's area (its running division or one of its compounds' communities)."""
    return (
        covers_area(user, project, FIELD_SUPERVISION_ROLES)
        or is_team_member(user, project)
        or acts_for_supervision_company(user, project)
    )


def can_report_progress(user, project) -> bool:
    """Staff and the accounts of the project's construction unit (as projects.services allows)."""
    from projects.choices import PartyRole

    return (
        is_staff_on(user, project) or project.parties.filter(users=user, role=PartyRole.CONSTRUCTION).exists()
    )


def can_work_on_order(user, order) -> bool:
    """The responsible party's own accounts (and staff) start and submit an order."""
    return is_staff_on(user, order.project) or order.responsible_party.users.filter(pk=user.pk).exists()


def can_verify_order(user, order) -> bool:
    """Staff and the project's supervision company verify or reject submitted work."""
    return is_staff_on(user, order.project) or acts_for_supervision_company(user, order.project)


def can_run_acceptance(user, project) -> bool:
    """The street (or district) schedules rounds, records verdicts, runs the survey, files, hands over."""
    return _covers(user, project, STREET_ROLES)


def can_record_dispute(user, project) -> bool:
    """Staff, secretaries and grid workers of the project's area mediate disputes among residents."""
    return covers_area(user, project, FIELD_SUPERVISION_ROLES)


def can_manage_team(user, project) -> bool:
    """Set up the resident supervision team and choose its members: staff, secretaries and grid
    workers of the project's area (the community organises its residents, DESIGN.md §1)."""
    return covers_area(user, project, FIELD_SUPERVISION_ROLES)


def is_area_staff(user, project) -> bool:
    """Government staff of the project's area (district, street, community secretary)."""
    return covers_area(user, project, EDITOR_ROLES)


class ServiceDecidesWrites(permissions.BasePermission):
    """Reads: whatever the scoped queryset returns. Writes: any signed-in user reaches the service,
    which checks the predicates above and answers 403 with a reason (contractors write here too)."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)
