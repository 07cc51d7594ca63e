"""Demo data for supervision, after the registry, projects and ballots demos.

- 古艾巷街区: failed its first acceptance round at ~86% satisfaction, the unsatisfied points were
  rectified and verified, and it passed at ~93% in the second round, then was filed and handed over.
- 老城建宿舍楼: under construction, with inspections, progress reports and open and overdue orders.

Everything is looked up by name; a missing piece (compound, street user) skips that part with a note.
Runs inside load_demo's transaction; a second run finds the rounds and changes nothing.
"""

from __future__ import annotations

import datetime
import io
import math

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

ACCEPTED_COMPOUND = "古艾巷街区"
BUILDING_COMPOUND = "老城建宿舍楼"


def _photo(color, name="photo.jpg"):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 800), color)
    draw = ImageDraw.Draw(image)
    for i in range(0, 1200, 120):
        draw.rectangle([i, 500, i + 80, 800], fill=(90, 90, 90))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _project_for(compound, name: str, status: str, stdout):
    """The projects demo's project on this compound, or a small one made here."""
    from projects.choices import PartyRole, ProjectStatus
    from projects.models import Project, ProjectParty, WorkItem

    # a project whose acceptance story was already told (a second run), else one that can still be
    # supervised and accepted (not, e.g., a finished elevator retrofit)
    candidates = Project.objects.filter(compounds=compound).order_by("pk")
    project = (
        candidates.filter(acceptance_rounds__isnull=False).distinct().first()
        or candidates.filter(
            status__in=[ProjectStatus.UNDER_CONSTRUCTION, ProjectStatus.ACCEPTANCE, ProjectStatus.REWORK]
        ).first()
    )
    if project is None:
        street = compound.division.parent or compound.division
        project = Project.objects.create(
            name=name,
            division=street,
            year=2024,
            planned_start=datetime.date(2024, 3, 1),
            planned_end=datetime.date(2024, 11, 30),
            responsible_leader="街道分管领导",
            lead_department="县住建局",
        )
        project.compounds.add(compound)
        stdout.write(f"supervision demo: created project {name}")
    if not project.work_items.exists():
        for item, budget in (
            ("雨污分流改造", 680000),
            ("外墙保温及立面整治", 1200000),
            ("楼道照明及弱电规整", 150000),
        ):
            WorkItem.objects.create(project=project, name=item, budget=budget)
    parties = {}
    for role, unit in (
        (PartyRole.CONSTRUCTION, "江西建工第三建筑有限公司"),
        (PartyRole.SUPERVISION, "九江华诚工程监理有限公司"),
    ):
        party = project.parties.filter(role=role).first() or ProjectParty.objects.create(
            project=project, role=role, name=unit, contact_person="王工"
        )
        parties[role] = party
    contractor = get_user_model().objects.filter(username="contractor").first()
    if contractor is not None and not ProjectParty.objects.filter(project=project, users=contractor).exists():
        parties[PartyRole.CONSTRUCTION].users.add(contractor)
    from projects.choices import STATUS_ORDER

    if STATUS_ORDER.index(project.status) < STATUS_ORDER.index(status):  # never move a project back
        _flesh_out(project, status)
    return project, parties


def _flesh_out(project, status: str) -> None:
    """A project made here gets what a real one has: its recorded lifecycle up to `status`, the five
    ones, funding by source, milestones and a temporary Party branch covering most households."""
    from projects import demo as projects_demo
    from projects.choices import FundingSource, MemberRole
    from projects.models import FundingLine, Milestone

    street = get_user_model().objects.filter(username="street").first()
    start = project.planned_start or datetime.date(2024, 3, 1)
    projects_demo._walk_status(project, status, street, start - datetime.timedelta(days=100))
    project.schedule = "三月方案公示，四月进场施工，十月完工，十一月验收"
    project.save(update_fields=["schedule"])
    if not project.funding_lines.exists():
        for source, planned, received in (
            (FundingSource.CENTRAL_SUBSIDY, 1_100_000, 1_100_000),
            (FundingSource.LOCAL_FISCAL, 600_000, 520_000),
            (FundingSource.UTILITY_COMPANIES, 250_000, 250_000),
            (FundingSource.RESIDENTS, 80_000, 64_000),
        ):
            FundingLine.objects.create(project=project, source=source, planned=planned, received=received)
    if not project.milestones.exists():
        for name, days in (("改造方案公示", -20), ("进场施工", 30), ("主体工程完工", 210), ("竣工验收", 250)):
            day = start + datetime.timedelta(days=days)
            Milestone.objects.create(project=project, name=name, planned_date=day, actual_date=day)
    # what residents decided before the plan was approved: consent, notice, procedure, visits
    from consultations.ballots import demo as ballots_demo

    ballots_demo.evidence_for(project, user=street)
    if not project.branches.exists():
        compound = project.compounds.select_related("division").first()
        committee = f"{compound.division.name}党委"
        branch, members = projects_demo._branch(
            project,
            f"{compound.name}改造项目临时党支部",
            [
                ("钟书记", committee, committee, MemberRole.SECRETARY, "0792-2815678"),
                ("胡科长", "武宁县住房和城乡建设局", "住建局机关党支部", MemberRole.COMMITTEE, ""),
                ("王工", "江西建工第三建筑有限公司", "江西建工三公司党委", MemberRole.MEMBER, ""),
                ("赵工", "九江华诚工程监理有限公司", "监理公司党支部", MemberRole.MEMBER, ""),
            ],
            established=start - datetime.timedelta(days=60),
        )
        projects_demo._groups_and_assignments(branch, members)


def _team(project, user):
    from communities.models import Person

    from . import services
    from .models import SupervisionTeam

    team = SupervisionTeam.objects.filter(project=project).first() or services.create_team(
        user=user, project=project
    )
    compound = project.compounds.first()
    for person in Person.objects.filter(division=compound.division).order_by("pk")[:4]:
        if not team.members.filter(person=person).exists():
            services.add_team_member(
                user=user, team=team, person=person, role="leader" if not team.members.exists() else "member"
            )
    return team


def _survey(street, acceptance, satisfied_share: float):
    from consultations.ballots import services as ballots
    from consultations.ballots.models import Elector

    from . import services

    acceptance = services.open_satisfaction_survey(user=street, acceptance=acceptance)
    electors = list(Elector.objects.filter(ballot=acceptance.ballot).order_by("pk"))
    satisfied = math.floor(len(electors) * satisfied_share + 0.5)
    options = {o.label: o for o in acceptance.ballot.options.all()}
    for i, elector in enumerate(electors):
        label = ("满意", "满意", "基本满意")[i % 3] if i < satisfied else "不满意"
        ballots.record_staff_vote(
            user=street,
            elector=elector,
            option=options[label],
            paper_serial=f"YS{acceptance.number}-{i + 1:04d}",
        )
    return services.close_round(
        user=street, acceptance=acceptance, reason="测评问卷已全部收回，经居民监督队见证统计"
    )


def _accepted_project(compound, street, stdout) -> None:
    from communities.models import Household
    from projects.choices import PartyRole, ProjectStatus
    from projects.models import WorkItem

    from . import services
    from .choices import Verdict
    from .models import AcceptanceRound

    project, parties = _project_for(
        compound, f"{compound.name}老旧小区改造", ProjectStatus.UNDER_CONSTRUCTION, stdout
    )
    if AcceptanceRound.objects.filter(project=project).exists():
        return
    households = Household.objects.filter(building__compound=compound).count()
    if households < 15:
        stdout.write(f"supervision demo: {compound.name} has too few households for a survey, skipped")
        return
    _team(project, street)
    WorkItem.objects.filter(project=project).update(progress=100)
    today = timezone.localdate()
    for kind, color in (("before", (120, 110, 100)), ("after", (200, 215, 230))):
        services.add_photo(
            user=street, project=project, upload=_photo(color), kind=kind, caption="3栋北立面", is_public=True
        )
    panel = [
        {"role": "lead", "name": "刘科长", "organization": "县住建局"},
        {"role": "design", "name": "陈工", "organization": "九江市规划设计院"},
        {"role": "construction", "name": "王工", "organization": parties[PartyRole.CONSTRUCTION].name},
        {"role": "supervision", "name": "赵工", "organization": parties[PartyRole.SUPERVISION].name},
        {"role": "street", "name": "街道城建办", "organization": compound.division.parent.name},
        {"role": "resident", "name": "居民代表 李大爷", "organization": "居民监督队"},
        {"role": "resident", "name": "居民代表 张阿姨", "organization": "楼栋长"},
    ]
    # every member signed the verdict record (验收意见签字)
    panel = [{**seat, "signed": True} for seat in panel]
    first = services.schedule_round(user=street, project=project, scheduled_on=today, panel=panel)
    services.record_panel_verdict(
        user=street, acceptance=first, verdict=Verdict.PASS, notes="资料齐全，工程质量合格"
    )
    first = _survey(street, first, 0.86)
    deadline = today + datetime.timedelta(days=10)
    for text in ("2栋楼道声控灯部分不亮", "小区东门路面积水", "雨水篦子松动有异响"):
        order = services.raise_rectification(
            user=street,
            project=project,
            acceptance_round=first,
            spec=services.OrderSpec(text, parties[PartyRole.CONSTRUCTION], deadline, "major"),
        )
        services.start_rectification(user=street, order=order)
        services.submit_rectification(
            user=street, order=order, response="已返工整改", photos=[_photo((180, 200, 180))]
        )
        services.verify_rectification(user=street, order=order)
    second = services.schedule_round(user=street, project=project, scheduled_on=today, panel=panel)
    services.record_panel_verdict(user=street, acceptance=second, verdict=Verdict.PASS, notes="整改到位")
    second = _survey(street, second, 0.93)
    services.file_acceptance(
        user=street, acceptance=second, filed_on=today, reference="武住建验备〔2024〕17号"
    )
    services.hand_over(
        user=street, acceptance=second, to="self_management", recipient=f"{compound.name}自管会"
    )
    # spread the story over time: the first round six weeks ago
    AcceptanceRound.objects.filter(pk=first.pk).update(
        scheduled_on=today - datetime.timedelta(days=42),
        closed_at=timezone.now() - datetime.timedelta(days=40),
    )
    stdout.write(
        f"supervision demo: {project.name}: round 1 {first.satisfied_count}/{first.valid_count}, "
        f"round 2 {second.satisfied_count}/{second.valid_count}"
    )


def _building_project(compound, street, stdout) -> None:
    from projects.choices import PartyRole, ProjectStatus

    from . import services
    from .models import Inspection, Rectification

    project, parties = _project_for(
        compound, f"{compound.name}老旧小区改造", ProjectStatus.UNDER_CONSTRUCTION, stdout
    )
    if Inspection.objects.filter(project=project).exists():
        return
    _team(project, street)
    builder = parties[PartyRole.CONSTRUCTION]
    items = list(project.work_items.order_by("pk"))
    today = timezone.localdate()
    for item, percent in zip(items, (80, 35, 10), strict=False):
        services.report_progress(
            user=street,
            work_item=item,
            percent=percent,
            party=builder,
            note="按序时推进",
            photos=[_photo((150, 140, 120))],
        )
    services.add_photo(
        user=street, project=project, upload=_photo((110, 100, 95)), kind="before", caption="改造前外立面"
    )
    services.record_inspection(
        user=street,
        project=project,
        work_item=items[0] if items else None,
        findings="管沟回填密实，现场文明施工",
        result="pass",
    )
    problems = services.record_inspection(
        user=street,
        project=project,
        work_item=items[1] if len(items) > 1 else None,
        findings="外墙保温层局部空鼓；脚手架安全网破损",
        result="problems",
        photos=[_photo((170, 120, 90))],
        orders=[
            services.OrderSpec("外墙保温层空鼓返工", builder, today + datetime.timedelta(days=7), "major"),
            services.OrderSpec("更换破损安全网", builder, today + datetime.timedelta(days=2), "critical"),
            services.OrderSpec("材料堆放占用消防通道", builder, today + datetime.timedelta(days=5), "minor"),
        ],
    )
    orders = list(Rectification.objects.filter(inspection=problems).order_by("pk"))
    services.start_rectification(user=street, order=orders[0])
    # two orders already past their deadline (demo back-dating; services refuse past deadlines)
    Rectification.objects.filter(pk=orders[1].pk).update(deadline=today - datetime.timedelta(days=3))
    Rectification.objects.filter(pk=orders[2].pk).update(deadline=today - datetime.timedelta(days=1))
    services.send_overdue_reminders(today)
    services.record_dispute(
        user=street,
        project=project,
        parties="1栋住户 / 施工单位",
        issue="夜间施工噪音扰民",
        compound=compound,
    )
    stdout.write(f"supervision demo: {project.name}: {len(orders)} orders, 2 overdue")


def _historic_acceptance(project, stdout) -> None:
    """A demo project that was walked to accepted (or maintenance) gets the round that accepted it: a
    complete panel that signed its verdict, and the residents' satisfaction survey (asked now, like
    the other demo ballots), counted and filed."""
    from communities.models import Household
    from consultations.ballots import demo as ballots_demo
    from consultations.ballots import services as ballots
    from consultations.ballots.models import Elector
    from projects.choices import PartyRole

    from . import ballot_link
    from .choices import HandoverTo, PanelRole, Verdict
    from .models import AcceptanceRound, PanelMember, SurveyBallot

    user = ballots_demo._staff_for(project)
    if user is None or not Household.objects.filter(building__compound__in=project.compounds.all()).exists():
        stdout.write(f"supervision demo: {project.name} has nobody to ask, acceptance skipped")
        return
    done = project.milestones.exclude(actual_date=None).order_by("-actual_date").first()
    day = done.actual_date if done else (project.planned_end or timezone.localdate())
    acceptance = AcceptanceRound.objects.create(project=project, number=1, scheduled_on=day, created_by=user)
    units = {p.role: p.name for p in project.parties.all()}
    compound = project.compounds.select_related("division__parent").first()
    seats = [
        (PanelRole.LEAD, "牵头单位代表", units.get(PartyRole.LEAD, "住建局")),
        (PanelRole.DESIGN, "设计代表", units.get(PartyRole.DESIGN, "设计院")),
        (PanelRole.CONSTRUCTION, "项目经理", units.get(PartyRole.CONSTRUCTION, "施工单位")),
        (PanelRole.SUPERVISION, "总监理工程师", units.get(PartyRole.SUPERVISION, "监理单位")),
        (PanelRole.STREET, "社区书记", compound.division.name),
        (PanelRole.RESIDENT, "居民代表 老周", "居民监督队"),
        (PanelRole.RESIDENT, "居民代表 孙阿姨", "楼栋长"),
    ]
    for role, name, unit in seats:
        PanelMember.objects.create(
            round=acceptance, role=role, name=name, organization=unit, verdict=Verdict.PASS, signed=True
        )
    acceptance.panel_verdict = Verdict.PASS
    acceptance.panel_notes = "资料齐全，工程质量合格"
    acceptance.panel_recorded_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    ballot, threshold, every = ballot_link.create_and_open(acceptance=acceptance, user=user)
    for each in every:
        SurveyBallot.objects.create(round=acceptance, ballot=each)
    options = {o.label: o for o in ballot.options.all()}
    electors = list(Elector.objects.filter(ballot=ballot).order_by("pk"))
    for i, elector in enumerate(electors[: len(electors) * 9 // 10]):  # 90% answered
        label = "不满意" if i % 25 == 24 else ("满意", "满意", "基本满意")[i % 3]
        ballots.record_staff_vote(
            user=user, elector=elector, option=options[label], paper_serial=f"HS{ballot.pk}-{i}"
        )
    figures = ballot_link.close_and_tally(
        acceptance=acceptance, user=user, reason="测评问卷已收回，入户补测完毕"
    )
    acceptance.ballot = ballot
    acceptance.status = "passed" if figures.passed else "failed"
    acceptance.threshold_percent = threshold
    acceptance.satisfied_count, acceptance.valid_count = figures.satisfied, figures.counted
    acceptance.eligible_count, acceptance.answered_count = figures.eligible, figures.answered
    acceptance.outcome = figures.outcome
    acceptance.closed_at = acceptance.panel_recorded_at + datetime.timedelta(days=7)
    acceptance.filing_deadline = day + datetime.timedelta(days=22)
    acceptance.filed_on = day + datetime.timedelta(days=12)
    acceptance.filing_reference = f"验备〔{day.year}〕{project.pk:02d}号"
    if project.status == "maintenance":
        acceptance.handed_over_on = day + datetime.timedelta(days=20)
        acceptance.handover_to = HandoverTo.SELF_MANAGEMENT
        acceptance.handover_recipient = f"{compound.name}自管会"
    acceptance.save()
    stdout.write(f"supervision demo: {project.name}: acceptance {figures.satisfied}/{figures.counted}")


def load(stdout) -> None:
    from communities.models import Compound

    street = get_user_model().objects.filter(username="street").first()
    if street is None:
        stdout.write("supervision demo: no demo user 'street', skipped")
        return
    for name, story in ((ACCEPTED_COMPOUND, _accepted_project), (BUILDING_COMPOUND, _building_project)):
        compound = Compound.objects.filter(name=name).select_related("division__parent").first()
        if compound is None:
            stdout.write(f"supervision demo: compound {name} not found, skipped")
            continue
        story(compound, street, stdout)
    # the demo's projects walked to accepted by the projects demo: the round that accepted them
    from projects.models import Project

    from .models import AcceptanceRound

    for project in Project.objects.filter(status__in=["accepted", "maintenance"]).order_by("pk"):
        if not AcceptanceRound.objects.filter(project=project).exists():
            _historic_acceptance(project, stdout)
