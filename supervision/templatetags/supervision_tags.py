"""Partials other apps' pages include: the project's supervision history and its public photos."""

from django import template
from django.db.models import Prefetch

from ..choices import OPEN_RECTIFICATION_STATUSES, PhotoKind
from ..models import AcceptanceRound, Photo, Rectification

register = template.Library()


def _side_by_side(photos) -> list[tuple[str, list]]:
    groups = {PhotoKind.BEFORE: [], PhotoKind.DURING: [], PhotoKind.AFTER: []}
    for photo in photos:
        if photo.kind in groups:
            groups[photo.kind].append(photo)
    return [(kind.label, groups[kind]) for kind in groups]


@register.inclusion_tag("supervision/_project_supervision_body.html", takes_context=True)
def project_supervision(context, project):
    """Acceptance rounds (every one, with its figures), order counts, schedule and photos."""
    from .. import permissions as perms
    from .. import services

    request = context.get("request")
    user = request.user
    rounds = list(
        AcceptanceRound.objects.for_user(user)
        .filter(project=project)
        .prefetch_related(
            Prefetch(
                "rectifications", queryset=Rectification.objects.only("pk", "status", "acceptance_round_id")
            )
        )
        .order_by("number")
    )
    orders = Rectification.objects.for_user(user).filter(project=project)
    photos = Photo.objects.for_user(user).filter(project=project, kind__in=["before", "during", "after"])
    return {
        "project": project,
        "rounds": rounds,
        "open_orders": orders.filter(status__in=OPEN_RECTIFICATION_STATUSES).count(),
        "overdue_orders": orders.overdue().count(),
        "schedule": services.schedule_status(project),
        "photo_groups": _side_by_side(photos),
        "can_run_acceptance": perms.can_run_acceptance(user, project),
        "can_inspect": perms.can_inspect(user, project),
        "can_report": perms.can_report_progress(user, project),
        # the same rule as services.add_photo: who inspects or reports progress adds photos
        "can_add_photos": perms.can_inspect(user, project) or perms.can_report_progress(user, project),
        "photo_kinds": [(k, PhotoKind(k).label) for k in ("before", "during", "after")],
        "request": request,
    }


@register.inclusion_tag("supervision/_public_photos_body.html")
def public_photos(project):
    """Before / during / after photos marked public, side by side; no personal data."""
    photos = Photo.objects.filter(project=project, is_public=True, kind__in=["before", "during", "after"])
    groups = _side_by_side(photos)
    return {"photo_groups": groups, "has_photos": any(g for _, g in groups)}
