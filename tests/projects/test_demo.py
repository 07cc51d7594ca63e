"""The demo loader works on the seed compounds and skips gracefully when they are missing."""

import io

from communities.choices import DivisionLevel
from projects import demo
from projects.models import HouseholdAssignment, PartyBranch, Programme, Project
from tests import factories as f


def test_demo_loads_on_seed_compounds_and_is_idempotent(world, contractor, db):
    liubei = f.DivisionFactory(name="柳北区", level=DivisionLevel.DISTRICT, parent=world.city)
    street = f.DivisionFactory(name="雅儒街道", level=DivisionLevel.STREET, parent=liubei)
    community = f.DivisionFactory(name="广跃社区", level=DivisionLevel.COMMUNITY, parent=street)
    f.CompoundFactory(division=community, name="柳北宿舍A")
    for i in range(3):
        b = f.BuildingFactory(compound=world.compound_a, name=f"{i + 1}栋")
        for j in range(10):
            f.HouseholdFactory(building=b, room=f"{j + 1:02d}")
    out = io.StringIO()
    demo.load(out)
    assert Project.objects.filter(name="民居巷血防站2单元加装电梯", status="maintenance").exists()
    assert Project.objects.filter(name="老城建宿舍楼2单元加装电梯").exists()
    assert not Project.objects.filter(name="中华园小区综合改造").exists()  # not in this registry
    assert Programme.objects.get(name="柳北区2022年老旧小区改造计划").target_households == 4032
    key = Project.objects.get(name__startswith="民居巷血防站综合改造")
    assert key.parties.filter(users=contractor).exists()
    branch = PartyBranch.objects.get(project=key)
    assigned = HouseholdAssignment.objects.filter(branch=branch).count()
    assert 0 < assigned < 30  # most but not all households
    count = Project.objects.count()
    demo.load(out)
    assert Project.objects.count() == count
