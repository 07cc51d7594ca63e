"""A project on a compound and a menu survey on it, made through the services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from consultations.residents import menus
from projects import services as project_services
from projects.models import CatalogItem


def make_project(user, compound, name="南阳路174号院改造"):
    return project_services.create_project(
        user=user, division=compound.division.parent, compounds=[compound], name=name
    )


def ensure_catalog():
    from projects import catalog_data
    from projects.models import CatalogGroup, CatalogScheme

    if not CatalogItem.objects.exists():  # a transactional test may have flushed it
        catalog_data.load(CatalogItem, CatalogScheme, CatalogGroup)


def make_survey(user, compound, *, project=None, open_it=True):
    ensure_catalog()
    project = project or make_project(user, compound)
    basic = CatalogItem.objects.filter(category="basic").order_by("order", "pk").first()
    others = list(CatalogItem.objects.exclude(category="basic").order_by("order", "pk")[:2])
    items = [{"catalog_item": basic}] + [
        {"catalog_item": c, "explanation": f"{c.name}说明", "resident_share": "200.00" if n else None}
        for n, c in enumerate(others)
    ]
    survey = menus.create_survey(
        user=user, project=project, compound=compound, title="改造项目菜单",
        closes_at=timezone.now() + timedelta(days=7), items=items,
    )  # fmt: skip
    if open_it:
        survey = menus.open_survey(survey, user)
    return survey
