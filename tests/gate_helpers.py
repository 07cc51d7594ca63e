"""Evidence for the project gates (DESIGN.md §7), made through the services the way users make it:
a consent ballot voted and closed, a plan notice served and closed, a deliberation procedure walked step
by step, households visited. Shared by the projects, consultations and supervision tests."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from communities.models import Household
from tests import factories as f


def households_of(compound, n: int = 10, *, building_name: str = "1栋", unit: str = "1") -> list:
    """The compound's households, making `n` in one building when it has none."""
    existing = list(Household.objects.filter(building__compound=compound).order_by("pk"))
    if existing:
        return existing
    building = f.BuildingFactory(compound=compound, name=building_name)
    return [
        f.HouseholdFactory(building=building, unit=unit, floor=i // 2 + 1, room=f"{i // 2 + 1}0{i % 2 + 1}")
        for i in range(n)
    ]


def five_ones(project) -> None:
    """The five ones and one work item: what approval needed before the gates."""
    from tests.projects import factories as pf

    project.responsible_leader = "县委常委 张三"
    project.lead_department = "县住建局"
    project.schedule = "5月进场，10月完工"
    project.implementation_plan.save("plan.pdf", ContentFile(b"%PDF-1.4"), save=True)
    if not project.work_items.exists():
        pf.WorkItemFactory(project=project)


def vote_and_close(ballot, user, yes: int | None = None, *, no_label: str = "不同意", answered=None):
    """Staff enter meeting votes: the first `yes` electors agree (None: all), the others of the
    `answered` first ones (None: all) disagree; then the ballot is closed early with a reason."""
    from consultations.ballots import services as ballots

    electors = list(ballot.electors.order_by("pk"))
    answered = len(electors) if answered is None else answered
    yes = answered if yes is None else yes
    options = {o.label: o for o in ballot.options.all()}
    yes_label = next(o.label for o in ballot.options.all() if o.counts_as_yes)
    for i, elector in enumerate(electors[:answered]):
        ballots.record_staff_vote(
            user=user, elector=elector, option=options[yes_label if i < yes else no_label], channel="meeting"
        )
    return ballots.close_ballot(ballot, user, reason="测试：全部表决完毕")


def consent_ballot(project, user, compound=None, *, yes: int | None = None, close: bool = True, **kwargs):
    """A renovation consent ballot of `project` on `compound` (default: its first), voted and closed."""
    from tests.ballots.factories import make_ballot

    compound = compound or project.compounds.order_by("pk").first()
    households_of(compound)
    ballot = make_ballot(
        user,
        compound,
        kind="renovation_consent",
        project=project,
        title=f"{compound.name}改造意愿征询",
        **kwargs,
    )
    return vote_and_close(ballot, user, yes) if close else ballot


def plan_notice(project, user, *, days: int = 7, close: bool = True, compound=None, objection: str = ""):
    """A plan notice (方案公示) of `days` days that started long enough ago to be closed now."""
    from consultations import choices, services

    notice = services.publish_notice(
        project=project,
        compound=compound,
        title=f"{project.name}改造方案公示",
        body="改造内容、资金来源、施工安排详见附件。",
        user=user,
        period_days=days,
        kind=choices.NoticeKind.PLAN,
        starts_at=timezone.now() - timedelta(days=days, hours=1),
    )
    if objection:
        from consultations.models import NoticeObjection

        NoticeObjection.objects.create(notice=notice, text=objection)
    if close and not objection:
        notice = services.close_notice(notice, user=user)
    return notice


def procedure(code: str = "yizheng-sanyi-ergongkai"):
    from consultations import services
    from consultations.models import DeliberationProcedure

    services.ensure_standard_procedures()
    return DeliberationProcedure.objects.get(code=code, division=None)


def walk_procedure(project, user, *, steps: int | None = None, code: str = "yizheng-sanyi-ergongkai"):
    """Start the procedure for `project` and complete its first `steps` steps (None: all), each with a
    meeting or a notice dated one day after the previous one."""
    from consultations import choices, services

    deliberation = services.start_deliberation(
        user=user, procedure=procedure(code), title=f"{project.name}改造方案", project=project
    )
    start = timezone.now() - timedelta(days=30)
    all_steps = list(deliberation.steps.order_by("order"))
    for i, step in enumerate(all_steps[:steps] if steps is not None else all_steps):
        when = start + timedelta(days=i)
        if step.kind == choices.StepKind.NOTICE:
            notice = services.publish_notice(
                project=project,
                title=f"{step.name}：{project.name}",
                body="决议内容公开。",
                user=user,
                period_days=5,
                kind=choices.NoticeKind.DECISION,
                starts_at=when,
            )
            services.complete_step(step, user=user, notice=notice)
        else:
            meeting = services.create_meeting(
                user=user, kind="residents_council", title=step.name, project=project, held_at=when
            )
            services.complete_step(step, user=user, meeting=meeting)
    deliberation.refresh_from_db()
    return deliberation


def visit(project, share: float = 1.0, *, attitude: str = "support") -> int:
    """Visit the first `share` of the non-vacant households of the project's compounds."""
    from tests.consultations.factories import VisitFactory

    households = list(
        Household.objects.filter(building__compound__in=project.compounds.all(), is_vacant=False).order_by(
            "pk"
        )
    )
    chosen = households[: int(len(households) * share + 1e-9)]
    for h in chosen:
        VisitFactory(household=h, project=project, attitude=attitude)
    return len(chosen)


def satisfy_plan_gates(project, user) -> None:
    """Everything plan approval asks for under the default policy: consent passed in every compound,
    the plan notice served 7 days and closed, every household visited (the procedure only when a
    policy names one: then it is walked too)."""
    from consultations.ballots.services import project_policy

    for compound in project.compounds.order_by("pk"):
        consent_ballot(project, user, compound)
    plan_notice(project, user)
    visit(project)
    if project_policy(project).deliberation_procedure_id:
        walk_procedure(project, user)
