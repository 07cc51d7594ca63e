from django import template

register = template.Library()


@register.filter
def may_open_overview(user) -> bool:
    """Whether the menu shows the overview: every role but contractors (querysets.OVERVIEW_ROLES)."""
    from ..querysets import may_open

    return bool(user and user.is_authenticated and may_open(user))
