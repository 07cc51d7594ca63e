"""Template helpers for registry pages: masking of personal data."""

from django import template

from communities import masking

register = template.Library()


@register.filter
def mask_phone(value: str) -> str:
    return masking.mask_phone(value or "")


@register.filter
def mask_id_number(value: str) -> str:
    return masking.mask_id_number(value or "")
