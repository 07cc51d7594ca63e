"""The residents' demo at 南阳路174号院 loads through the services: cards, a menu survey with answers,
window slots about half booked, reports in different states; the printed links open household pages."""

import io
import re

import pytest
from django.core.cache import cache

from communities.choices import DivisionLevel, Role
from communities.models import Notification
from consultations.models import Opinion
from consultations.residents import demo
from consultations.residents.models import HouseholdCard, MenuResponse, MenuSurvey
from projects.models import VisitBooking, VisitSlot
from tests import factories as f
from tests.residents.menu_helpers import ensure_catalog

pytestmark = pytest.mark.django_db


def test_demo_loads_and_its_links_open_household_pages(world, client):
    cache.clear()
    ensure_catalog()
    district = f.DivisionFactory(name="惠济区", level=DivisionLevel.DISTRICT, parent=world.city)
    street = f.DivisionFactory(name="刘寨街道", level=DivisionLevel.STREET, parent=district)
    community = f.DivisionFactory(name="兴南社区", level=DivisionLevel.COMMUNITY, parent=street)
    compound = f.CompoundFactory(division=community, name="南阳路174号院")
    for b in range(1, 6):
        building = f.BuildingFactory(compound=compound, name=f"{b}号楼")
        for i in range(36 if b < 5 else 29):
            f.HouseholdFactory(
                building=building, unit=str(1 + i // 12), floor=1 + (i % 12) // 2, room=f"{i:03d}"
            )
    for username, role, division in [
        ("liuzhai_street", Role.STREET_STAFF, street),
        ("liuzhai_secretary", Role.COMMUNITY_SECRETARY, community),
        ("liuzhai_grid", Role.GRID_WORKER, community),
        ("liuzhai_contractor", Role.CONTRACTOR, street),
    ]:
        f.RoleAssignmentFactory(user=f.UserFactory(username=username), role=role, division=division)
    out = io.StringIO()
    demo.load(out)
    assert HouseholdCard.objects.count() == 173
    survey = MenuSurvey.objects.get()
    assert survey.status == "open" and 90 < MenuResponse.objects.filter(survey=survey).count() < 150
    assert MenuResponse.objects.filter(channel="paper").exists()
    places = sum(VisitSlot.objects.values_list("capacity", flat=True))
    assert VisitBooking.objects.filter(status="booked").count() == places // 2
    states = sorted(Opinion.objects.filter(source="household_page").values_list("status", flat=True))
    assert states == ["accepted", "planned", "received", "resolved"]
    assert Opinion.objects.get(status="resolved").rating == "satisfied"
    assert Notification.objects.filter(kind="report_answered").count() == 2
    links = re.findall(r"/h/([0-9A-Z]{16})/", out.getvalue())
    assert len(links) == 3
    html = client.get(f"/h/{links[0]}/").content.decode()
    assert "南阳路174号院第二轮改造" in html and "更换外窗" in html
