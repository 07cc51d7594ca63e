"""Template helpers: labels for annotated values, and the project-page partials."""

from django import template

from consultations import choices
from consultations.querysets import project_demand_figures as _figures

register = template.Library()


@register.filter
def attitude_label(value: str) -> str:
    try:
        return choices.Attitude(value).label
    except ValueError:
        return ""


@register.filter
def category_label(value: str) -> str:
    try:
        return choices.OpinionCategory(value).label
    except ValueError:
        return ""


@register.filter
def status_label(value: str) -> str:
    try:
        return choices.OpinionStatus(value).label
    except ValueError:
        return ""


@register.inclusion_tag("consultations/_project_demand_figures.html")
def project_demand_figures(project):
    """{% project_demand_figures project %}: work items from demands, demands resolved (2 queries)."""
    return {"project": project, "figures": _figures(project)}
