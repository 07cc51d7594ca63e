"""Demo data for the overview: this year's programmes and projects in the demo districts (so the
province, city, district and street pages all have something to show), then the rollups.

The other apps' demo modules tell the seed reports' stories (mostly finished projects of earlier years);
this one adds the current year's work in progress around them: projects at every stage, their
budgets, funding, milestones (one late), rectification orders (one overdue) and a failed first
acceptance round. Statuses are written directly: demo rows, not a walk through the gates.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from communities.models import Compound, Division

# district -> (programme targets, [(compound, project status, budget in 10,000 yuan, progress %)])
PLANS = {
    "武宁县": (
        None,  # the programme of projects.demo (target 12 compounds, 860 households) is kept
        [
            ("心怡水湾", "approved", 180, 0),
            ("天水名都", "consulting", 220, 0),
            ("古艾巷街区", "planning", 90, 0),
        ],
    ),
    "惠济区": (
        {"target_compounds": 6, "target_households": 700, "target_buildings": 30, "target_investment": 2400},
        [
            ("天秀家园", "under_construction", 260, 55),
            ("同乐小区南院", "rework", 310, 92),
            ("南阳路174号院", "approved", 150, 0),
        ],
    ),
    "云岩区": (
        {"target_compounds": 3, "target_households": 150, "target_buildings": 8, "target_investment": 600},
        [("金仓社区老院落", "under_construction", 120, 30), ("吉祥社区老院落", "consulting", 95, 0)],
    ),
    "石阡县": (
        {"target_compounds": 2, "target_households": 120, "target_buildings": 10, "target_investment": 500},
        [("碧波水岸小区", "accepted", 200, 100)],
    ),
}

ITEMS = [("屋面防水", 0.25), ("雨污分流", 0.3), ("线缆规整", 0.15), ("道路硬化", 0.2), ("绿化照明", 0.1)]
SOURCES = [("central_subsidy", 0.45), ("local_fiscal", 0.3), ("utility_companies", 0.15), ("residents", 0.1)]


def load(stdout) -> None:
    from projects.models import FundingLine, Milestone, Programme, Project, ProjectParty, WorkItem
    from supervision.models import AcceptanceRound, Rectification

    today = timezone.localdate()
    year = today.year
    made = 0
    for district_name, (targets, plan) in PLANS.items():
        district = Division.objects.filter(name=district_name, level="district").first()
        if district is None:
            continue
        programme = Programme.objects.filter(district=district, year=year).first()
        if programme is None:
            programme = Programme.objects.create(
                district=district,
                year=year,
                name=f"{district.name}{year}年城镇老旧小区改造计划",
                note="演示数据：本年度计划",
                **{
                    k: (Decimal(v) * 10000 if k == "target_investment" else v)
                    for k, v in (targets or {}).items()
                },
            )
        programme.compounds.add(*Compound.objects.filter(division__path__startswith=district.path))
        for n, (compound_name, status, budget, progress) in enumerate(plan):
            compound = Compound.objects.filter(
                name=compound_name, division__path__startswith=district.path
            ).first()
            if compound is None:
                continue
            started = status in ("under_construction", "acceptance", "rework", "accepted", "maintenance")
            project = Project.objects.create(
                name=f"{compound.name}{year}年综合改造",
                division=compound.division.parent,
                programme=programme,
                year=year,
                category="basic",
                status=status,
                responsible_leader="分管副区（县）长",
                lead_department=f"{district.name}住房和城乡建设局",
                schedule="方案公示后进场，年底前完工验收",
                planned_start=today - datetime.timedelta(days=150 - 20 * n),
                # the first project under construction runs late: its completion date has passed
                planned_end=today
                + datetime.timedelta(days=-10 if status == "under_construction" and n == 0 else 90),
            )
            project.compounds.set([compound])
            total = Decimal(budget) * 10000
            for k, (name, share) in enumerate(ITEMS):
                end = today + datetime.timedelta(days=30 * k - 40)
                WorkItem.objects.create(
                    project=project,
                    name=name,
                    budget=(total * Decimal(str(share))).quantize(Decimal("0.01")),
                    planned_start=end - datetime.timedelta(days=60),
                    planned_end=end,
                    progress=min(100, progress + 10 * (2 - k)) if 0 < progress < 100 else progress,
                )
            for source, share in SOURCES:
                planned = (total * Decimal(str(share))).quantize(Decimal("0.01"))
                received = planned if status == "accepted" else (planned / 2 if started else Decimal("0"))
                FundingLine.objects.create(project=project, source=source, planned=planned, received=received)
            Milestone.objects.create(
                project=project,
                name="方案公示",
                planned_date=today - datetime.timedelta(days=100),
                actual_date=today - datetime.timedelta(days=95),
            )
            Milestone.objects.create(
                project=project,
                name="进场施工",
                planned_date=today - datetime.timedelta(days=20),
                actual_date=(today - datetime.timedelta(days=18)) if started else None,
            )
            builder = ProjectParty.objects.create(
                project=project, role="construction", name=f"{district.name}城建工程有限公司"
            )
            ProjectParty.objects.create(
                project=project, role="supervision", name=f"{district.name}建设监理站"
            )
            if started and status != "accepted":
                Rectification.objects.create(
                    project=project,
                    source="inspection",
                    responsible_party=builder,
                    description="楼道线缆未按规范入槽",
                    deadline=today - datetime.timedelta(days=3),
                    status="in_progress",
                )
            if status in ("rework", "accepted"):
                first = AcceptanceRound.objects.create(
                    project=project,
                    number=1,
                    status="failed" if status == "rework" else "passed",
                    scheduled_on=today - datetime.timedelta(days=25),
                    panel_verdict="pass",
                    threshold_percent=Decimal("90"),
                    valid_count=120,
                    satisfied_count=101 if status == "rework" else 113,
                    closed_at=timezone.now() - datetime.timedelta(days=20),
                )
                if status == "rework":
                    Rectification.objects.create(
                        project=project,
                        source="acceptance",
                        acceptance_round=first,
                        responsible_party=builder,
                        description="验收满意度未达90%：单元门禁、楼道照明返工",
                        deadline=today + datetime.timedelta(days=10),
                        status="open",
                    )
            made += 1
    from .services import refresh

    report = refresh(full=True)
    stdout.write(
        f"overview demo: {made} projects of {year}; "
        f"rollups counted ({report.rows_written} rows, years {report.years})"
    )
