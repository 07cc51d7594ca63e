from datetime import timedelta

import pytest
from django.utils import timezone

from communities.errors import Conflict, DomainError
from communities.models import Household
from consultations import choices, coverage, services
from consultations.choices import OpinionStatus as S
from consultations.models import Notice, NoticePolicy, Opinion
from tests import factories as f
from tests.consultations import factories as cf


@pytest.fixture
def building_a(world):
    return f.BuildingFactory(compound=world.compound_a, name="1栋")


@pytest.fixture
def opinion_a(world):
    return cf.OpinionFactory(compound=world.compound_a)


# --- opinion lifecycle --------------------------------------------------------------------------------


def test_full_lifecycle_received_accepted_planned_resolved_rated(world, secretary_a, opinion_a):
    project = cf.project_for(world.compound_a)
    item = cf.work_item_for(project)
    services.transition_opinion(opinion_a, S.ACCEPTED, user=secretary_a)
    services.transition_opinion(opinion_a, S.PLANNED, user=secretary_a, work_item=item)
    item.progress = 100  # resolved once the work item that answers it is finished (issue 10)
    item.save(update_fields=["progress"])
    opinion = services.transition_opinion(opinion_a, S.RESOLVED, user=secretary_a, answer="已规划车位 40 个")
    assert opinion.status == S.RESOLVED and opinion.work_item == item and opinion.project == project
    assert opinion.answer == "已规划车位 40 个" and opinion.resolved_at
    opinion = services.rate_opinion(opinion, user=secretary_a, rating=choices.Rating.SATISFIED)
    assert opinion.rating == "satisfied"


@pytest.mark.parametrize(
    "path,to",
    [
        ([], S.PLANNED),  # received cannot be planned before it is accepted
        ([], S.RESOLVED),
        ([S.ACCEPTED, S.RESOLVED], S.ACCEPTED),  # resolved is final
        ([S.DECLINED], S.ACCEPTED),  # declined is final
    ],
)
def test_illegal_moves_are_refused_with_a_reason(world, secretary_a, opinion_a, path, to):
    for step in path:
        services.transition_opinion(opinion_a, step, user=secretary_a, reason="不在改造范围")
    with pytest.raises(Conflict) as exc:
        services.transition_opinion(opinion_a, to, user=secretary_a)
    assert "不能改为" in exc.value.message
    assert Opinion.objects.get(pk=opinion_a.pk).status == (path[-1] if path else S.RECEIVED)


def test_decline_needs_a_reason(world, secretary_a, opinion_a):
    with pytest.raises(DomainError):
        services.transition_opinion(opinion_a, S.DECLINED, user=secretary_a, reason="  ")
    opinion = services.transition_opinion(opinion_a, S.DECLINED, user=secretary_a, reason="属于私人产权部分")
    assert opinion.decline_reason == "属于私人产权部分"


def test_planning_needs_a_work_item_of_a_project_covering_the_compound(world, secretary_a, opinion_a):
    services.transition_opinion(opinion_a, S.ACCEPTED, user=secretary_a)
    with pytest.raises(DomainError):
        services.transition_opinion(opinion_a, S.PLANNED, user=secretary_a)
    other = cf.work_item_for(cf.project_for(world.compound_b))
    with pytest.raises(DomainError):
        services.transition_opinion(opinion_a, S.PLANNED, user=secretary_a, work_item=other)


def test_merge_into_duplicate_of_same_compound(world, secretary_a, opinion_a):
    original = cf.OpinionFactory(compound=world.compound_a)
    with pytest.raises(DomainError):
        services.transition_opinion(opinion_a, S.MERGED, user=secretary_a, merged_into=opinion_a)
    elsewhere = cf.OpinionFactory(compound=world.compound_b)
    with pytest.raises(DomainError):
        services.transition_opinion(opinion_a, S.MERGED, user=secretary_a, merged_into=elsewhere)
    merged = services.transition_opinion(opinion_a, S.MERGED, user=secretary_a, merged_into=original)
    assert merged.merged_into == original
    with pytest.raises(Conflict):
        services.answer_opinion(merged, user=secretary_a, answer="x")


def test_rating_only_when_resolved(world, secretary_a, opinion_a):
    with pytest.raises(Conflict):
        services.rate_opinion(opinion_a, user=secretary_a, rating="satisfied")


def test_only_editors_in_scope_move_opinions(world, secretary_b, grid_worker_a, viewer, opinion_a):
    for user in (secretary_b, grid_worker_a, viewer):
        with pytest.raises(services.Forbidden):
            services.transition_opinion(opinion_a, S.ACCEPTED, user=user)


# --- visits and coverage ------------------------------------------------------------------------------


def test_log_visit_with_opinions(world, grid_worker_a, building_a):
    h = f.HouseholdFactory(building=building_a)
    visit = services.log_visit(
        user=grid_worker_a,
        household=h,
        attitude="support",
        opinions=[{"category": "parking", "content": "车位不够"}, {"category": "", "content": ""}],
    )
    assert visit.compound == world.compound_a and visit.visitor == grid_worker_a
    assert list(visit.opinions.values_list("content", "source", "status")) == [
        ("车位不够", "visit", "received")
    ]


def test_log_visit_refused_outside_scope_and_for_viewers(world, grid_worker_a, viewer):
    h = f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_b))
    with pytest.raises(services.Forbidden):
        services.log_visit(user=grid_worker_a, household=h, attitude="support")
    with pytest.raises(services.Forbidden):
        services.log_visit(user=viewer, household=h, attitude="support")


def test_coverage_edge_cases(world, secretary_a, building_a):
    """Visited twice counts once; 'not at home' is visited but not reached and does not hide an
    earlier answer; vacant households are left out of the base; a reassigned household keeps its
    visits for its new member."""
    h1, h2, h3, h4, h5 = (f.HouseholdFactory(building=building_a) for _ in range(5))
    h5.is_vacant = True
    h5.save()
    now = timezone.now()
    cf.VisitFactory(household=h1, attitude="oppose", visited_at=now - timedelta(days=3))
    cf.VisitFactory(household=h1, attitude="support", visited_at=now - timedelta(days=1))  # changed mind
    cf.VisitFactory(household=h2, attitude="neutral", visited_at=now - timedelta(days=2))
    cf.VisitFactory(household=h2, attitude="not_at_home", visited_at=now)  # latest: nobody home
    cf.VisitFactory(household=h3, attitude="not_at_home")
    cf.VisitFactory(household=h5, attitude="support")  # vacant: not in the base
    branch = cf.branch_for(world.compound_a)
    m1, m2 = cf.member(branch, name="甲"), cf.member(branch, name="乙")
    a = cf.assign(branch, h1, m1)
    cf.assign(branch, h4, m1)
    a.member = m2  # reassigned from 甲 to 乙
    a.save()
    from projects.models import HouseholdAssignment

    result = coverage.coverage(
        Household.objects.for_user(secretary_a),
        assignments=HouseholdAssignment.objects.for_user(secretary_a),
    )
    fig = result.figures
    assert (fig.total, fig.vacant, fig.visited, fig.reached) == (4, 1, 3, 2)
    assert (fig.support, fig.neutral, fig.oppose, fig.no_answer) == (1, 1, 0, 2)
    assert fig.visits == 6 and fig.visited_pct == 75
    members = {r["member__name"]: (r["visited"], r["total"]) for r in result.by_member}
    assert members == {"甲": (0, 1), "乙": (1, 1)}
    assert result.by_building[0]["visited"] == 3 and result.by_building[0]["total"] == 4


def test_coverage_runs_a_constant_number_of_queries(
    world, secretary_a, building_a, django_assert_max_num_queries
):
    from projects.models import HouseholdAssignment

    def run():
        coverage.coverage(
            Household.objects.for_user(secretary_a),
            assignments=HouseholdAssignment.objects.for_user(secretary_a),
        )

    for _ in range(3):
        cf.VisitFactory(household=f.HouseholdFactory(building=building_a))
    with django_assert_max_num_queries(8):
        run()
    for _ in range(20):
        cf.VisitFactory(household=f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_a)))
    with django_assert_max_num_queries(8):
        run()


# --- notices and objections ---------------------------------------------------------------------------


def test_notice_period_defaults_to_nearest_policy_then_seven_days(world, street_user):
    n = services.publish_notice(
        compound=world.compound_a, title="改造方案公示", body="内容", user=street_user
    )
    assert n.period_days == 7
    NoticePolicy.objects.create(division=world.district, default_days=10)
    NoticePolicy.objects.create(division=world.street_a, default_days=5)
    n = services.publish_notice(compound=world.compound_a, title="t", body="b", user=street_user)
    assert n.period_days == 5
    assert services.default_notice_days(world.community_c) == 10


def test_notice_cannot_close_with_an_unhandled_objection(world, secretary_a):
    notice = services.publish_notice(
        compound=world.compound_a, title="方案公示", body="内容", user=secretary_a, period_days=1
    )
    objection = services.submit_objection(notice, text="不同意拆除花坛", contact="13800001111")
    Notice.objects.filter(pk=notice.pk).update(starts_at=timezone.now() - timedelta(days=2))
    with pytest.raises(Conflict) as exc:
        services.close_notice(notice, user=secretary_a)
    assert "未处理" in exc.value.message
    with pytest.raises(DomainError):
        services.handle_objection(objection, user=secretary_a, status="explained", handling=" ")
    services.handle_objection(
        objection, user=secretary_a, status="explained", handling="已上门解释，保留花坛"
    )
    closed = services.close_notice(notice, user=secretary_a)
    assert closed.status == "closed"


def test_notice_cannot_close_before_its_period_ends_and_refuses_late_objections(world, secretary_a):
    notice = services.publish_notice(compound=world.compound_a, title="t", body="b", user=secretary_a)
    with pytest.raises(Conflict):
        services.close_notice(notice, user=secretary_a)
    Notice.objects.filter(pk=notice.pk).update(starts_at=timezone.now() - timedelta(days=8))
    notice.refresh_from_db()
    with pytest.raises(Conflict):
        services.submit_objection(notice, text="late")


def test_publish_notice_refused_outside_scope(world, secretary_b):
    with pytest.raises(services.Forbidden):
        services.publish_notice(compound=world.compound_a, title="t", body="b", user=secretary_b)


# --- deliberations ------------------------------------------------------------------------------------


def test_deliberation_steps_go_in_order_with_evidence(world, secretary_a):
    procedure = services.ensure_standard_procedures()[0]
    assert services.ensure_standard_procedures()[0].pk == procedure.pk  # idempotent
    d = services.start_deliberation(
        user=secretary_a, procedure=procedure, title="增设停车位", compound=world.compound_a
    )
    steps = list(d.steps.order_by("order"))
    assert steps[0].name == "征求居民意见" and len(steps) == 6
    with pytest.raises(Conflict):
        services.complete_step(steps[1], user=secretary_a, note="x")
    services.complete_step(steps[0], user=secretary_a, note="敲门征集 80 条意见")
    with pytest.raises(DomainError):
        services.complete_step(
            steps[1], user=secretary_a, note="no meeting"
        )  # a meeting step needs a meeting
    meeting = services.create_meeting(
        user=secretary_a, kind="bench", title="小板凳议事会", compound=world.compound_a
    )
    for s in steps[1:4]:
        services.complete_step(s, user=secretary_a, meeting=meeting)
    notice = services.publish_notice(compound=world.compound_a, title="决议公示", body="b", user=secretary_a)
    for s in steps[4:]:
        services.complete_step(s, user=secretary_a, notice=notice)
    d.refresh_from_db()
    assert d.status == choices.DeliberationStatus.DONE and d.completed_at


# --- meeting photos -----------------------------------------------------------------------------------


def _upload(fmt: str, size=(3000, 2000), name="p.jpg"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 130, 140)).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_meeting_photo_is_resized_and_a_non_photo_refused(
    world, secretary_a, secretary_b, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    meeting = services.create_meeting(
        user=secretary_a, kind="bench", title="坝坝会", compound=world.compound_a
    )
    photo = services.add_meeting_photo(
        user=secretary_a, meeting=meeting, upload=_upload("JPEG"), caption="现场"
    )
    assert max(photo.image.width, photo.image.height) == 1600
    with pytest.raises(DomainError):
        services.add_meeting_photo(user=secretary_a, meeting=meeting, upload=_upload("GIF", name="x.gif"))
    with pytest.raises(DomainError):  # another community's secretary
        services.add_meeting_photo(user=secretary_b, meeting=meeting, upload=_upload("PNG", name="x.png"))
    assert meeting.photos.count() == 1
