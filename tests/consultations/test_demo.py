import io

import pytest

from communities.choices import DivisionLevel, Role
from consultations import demo
from consultations.models import Deliberation, Meeting, Opinion, Visit
from tests import factories as f
from tests.consultations import factories as cf


def _place(name, street_name, compound_name, households=30):
    street = f.DivisionFactory(name=street_name, level=DivisionLevel.STREET)
    community = f.DivisionFactory(name=name, level=DivisionLevel.COMMUNITY, parent=street)
    compound = f.CompoundFactory(division=community, name=compound_name)
    building = f.BuildingFactory(compound=compound)
    for _ in range(households):
        f.HouseholdFactory(building=building)
    user = f.UserFactory(username=f"sec-{compound_name}")
    f.RoleAssignmentFactory(user=user, role=Role.COMMUNITY_SECRETARY, division=community)
    return compound


@pytest.mark.django_db
def test_demo_loads_seed_scale_and_is_idempotent():
    gz = _place("东风西路社区", "红岩街道", "东风西路小区", households=200)
    cf.branch_for(gz)
    lz = _place("天秀社区", "刘寨街道", "天秀家园")
    wn = _place("竹岭社区", "武宁县新宁镇", "民居巷血防站")
    wg = _place("水西门社区", "武冈市水西门街道", "水西门小区")
    wn_project = cf.project_for(wn)
    for name in ("雨污分流改造", "供水管网改造", "小区道路改造"):
        cf.work_item_for(wn_project, name)
    out = io.StringIO()
    demo.load(out)
    assert Visit.objects.filter(compound=gz).count() == 1600
    assert Opinion.objects.filter(compound=gz).count() == 84
    assert Opinion.objects.filter(compound=wg).count() == 136
    assert Meeting.objects.filter(compound=lz, kind="bench").count() == 4
    assert Deliberation.objects.filter(compound=lz).get().steps.filter(done_at__isnull=False).count() == 5
    assert Visit.objects.filter(compound=wn).count() == 30
    # Wuning's demands went through the services onto the project's real work items
    from consultations.querysets import project_demand_figures

    figures = project_demand_figures(wn_project)
    assert figures["work_items_from_demands"] == 3 and figures["demands_resolved"] == 3
    assert Opinion.objects.filter(compound=wn, status="planned").count() == 1
    from projects.models import BranchMember

    assert BranchMember.objects.count() == 70
    counts = (Visit.objects.count(), Opinion.objects.count(), Meeting.objects.count())
    demo.load(io.StringIO())
    assert (Visit.objects.count(), Opinion.objects.count(), Meeting.objects.count()) == counts


@pytest.mark.django_db
def test_demo_skips_missing_places():
    out = io.StringIO()
    demo.load(out)
    assert "skipped" in out.getvalue()
    assert not Visit.objects.exists()
