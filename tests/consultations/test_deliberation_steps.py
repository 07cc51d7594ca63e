"""Deliberation procedures can be completed (issue 10): the step form accepts every meeting or notice the
user may see (the list shown is short and searchable, the valid choices are not cut), steps go in order,
each dated by its meeting or notice; and a demand planned on a work item is resolved when the work item is
finished, or with a reason."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from communities.errors import Conflict, DomainError
from consultations import services
from consultations.forms import StepForm
from consultations.models import Meeting
from tests import gate_helpers as g
from tests.consultations.factories import OpinionFactory, project_for, work_item_for


@pytest.fixture(autouse=True)
def english():
    with override("en"):
        yield


@pytest.fixture
def project(world):
    return project_for(world.compound_a)


@pytest.fixture
def matter(project, street_user):
    return services.start_deliberation(
        user=street_user, procedure=g.procedure(), title="民居巷改造方案", project=project
    )


def _meeting(user, project, title, days_ago=1, **kwargs):
    return services.create_meeting(
        user=user,
        kind="residents_council",
        title=title,
        project=project,
        held_at=timezone.now() - timedelta(days=days_ago),
        **kwargs,
    )


def test_step_form_accepts_a_meeting_beyond_the_first_200(matter, project, street_user, world):
    """The old form cut its choices to 200 rows before validation: every choice became invalid."""
    Meeting.objects.bulk_create(
        Meeting(kind="bench", title=f"板凳会{i}", division=world.community_a, held_at=timezone.now())
        for i in range(230)
    )
    oldest = _meeting(street_user, project, "征求意见会", days_ago=60)
    step = matter.steps.get(order=1)
    form = StepForm({"meeting": oldest.pk}, deliberation=matter, user=street_user, step=step)
    assert form.is_valid(), form.errors
    # what is shown stays short: the matter's project's own records first
    shown = [v for v, _label in form.fields["meeting"].widget.choices if v]
    assert len(shown) <= StepForm.SHOWN and oldest.pk in shown


def test_search_looks_through_everything_valid(matter, street_user, world):
    other = services.create_meeting(
        user=street_user,
        kind="bench",
        title="白石岭板凳会",
        compound=world.compound_b,
        held_at=timezone.now(),
    )
    form = StepForm(deliberation=matter, user=street_user, step=matter.steps.get(order=1), search="白石岭")
    assert [v for v, _label in form.fields["meeting"].widget.choices if v] == [other.pk]


def test_step_form_asks_only_for_what_does_the_step(matter, street_user):
    meeting_step = matter.steps.get(order=2)
    notice_step = matter.steps.get(order=5)
    assert "notice" not in StepForm(deliberation=matter, user=street_user, step=meeting_step).fields
    assert "meeting" not in StepForm(deliberation=matter, user=street_user, step=notice_step).fields


def test_steps_go_in_order_each_dated_by_its_meeting(matter, project, street_user):
    first, second = matter.steps.get(order=1), matter.steps.get(order=2)
    with pytest.raises(Conflict, match="first"):
        services.complete_step(second, user=street_user, meeting=_meeting(street_user, project, "提议"))
    m1 = _meeting(street_user, project, "征求意见会", days_ago=10)
    step = services.complete_step(first, user=street_user, meeting=m1)
    assert step.done_at == m1.held_at
    earlier = _meeting(street_user, project, "更早的会", days_ago=20)
    with pytest.raises(DomainError, match="before the previous step"):
        services.complete_step(second, user=street_user, meeting=earlier)
    future = _meeting(street_user, project, "下周的会", days_ago=-7)
    with pytest.raises(DomainError, match="once it has taken place"):
        services.complete_step(second, user=street_user, meeting=future)
    m2 = _meeting(street_user, project, "支部提议会", days_ago=5)
    assert services.complete_step(second, user=street_user, meeting=m2).done_at == m2.held_at


def test_a_record_of_another_project_is_refused(matter, street_user, world):
    other = project_for(world.compound_a, name="另一个项目")
    meeting = _meeting(street_user, other, "别的项目的会")
    with pytest.raises(DomainError, match="another project"):
        services.complete_step(matter.steps.get(order=1), user=street_user, meeting=meeting)


def test_procedure_completed_through_the_page(client, matter, project, street_user):
    client.force_login(street_user)
    url = matter.get_absolute_url()
    for i, step in enumerate(matter.steps.order_by("order")):
        if step.kind == "notice":
            record = services.publish_notice(
                project=project,
                title=step.name,
                body="公开",
                user=street_user,
                kind="decision",
                starts_at=timezone.now() - timedelta(days=30 - i),
            )
            data = {"notice": record.pk}
        else:
            record = _meeting(street_user, project, step.name, days_ago=30 - i)
            data = {"meeting": record.pk}
        page = client.get(url).content.decode()
        assert f'value="{record.pk}"' in page
        r = client.post(url, data)
        assert r.status_code == 302, r.content.decode()[-2000:]
    matter.refresh_from_db()
    assert matter.status == "done" and matter.completed_at is not None


def test_a_refused_step_keeps_the_choice(client, matter, project, street_user):
    client.force_login(street_user)
    future = _meeting(street_user, project, "下周的会", days_ago=-7)
    r = client.post(matter.get_absolute_url(), {"meeting": future.pk, "note": "已开会"})
    body = r.content.decode()
    assert r.status_code == 200 and f'value="{future.pk}" selected' in body and "已开会" in body


# --- demands planned on a work item ------------------------------------------------------------------


def test_planned_demand_resolves_when_its_work_item_is_finished(world, street_user, project):
    item = work_item_for(project)
    opinion = OpinionFactory(compound=world.compound_a)
    services.transition_opinion(opinion, "accepted", user=street_user)
    services.transition_opinion(opinion, "planned", user=street_user, work_item=item)
    with pytest.raises(Conflict, match="is at 0%"):
        services.transition_opinion(opinion, "resolved", user=street_user)
    opinion.refresh_from_db()
    assert opinion.status == "planned"
    item.progress = 100
    item.save()
    services.transition_opinion(opinion, "resolved", user=street_user)
    opinion.refresh_from_db()
    assert opinion.status == "resolved" and opinion.resolved_early_reason == ""


def test_planned_demand_resolved_early_with_a_reason_kept(world, street_user, project, client):
    item = work_item_for(project)
    opinion = OpinionFactory(compound=world.compound_a)
    services.transition_opinion(opinion, "accepted", user=street_user)
    services.transition_opinion(opinion, "planned", user=street_user, work_item=item)
    client.force_login(street_user)
    url = reverse("consultations:opinion_transition", args=[opinion.pk])
    r = client.post(url, {"to": "resolved", "answer": "已答复居民"})
    assert r.status_code == 200 and "已答复居民" in r.content.decode()  # refused, what was typed stays
    r = client.post(url, {"to": "resolved", "reason": "物业已临时疏通，居民认可"})
    assert r.status_code == 302
    opinion.refresh_from_db()
    assert opinion.status == "resolved" and opinion.resolved_early_reason == "物业已临时疏通，居民认可"


def test_steps_compare_to_the_minute(matter, project, street_user):
    """A notice stamped 10:31:42 and the meeting after it entered as 10:31 (forms take minutes): in order."""
    stamped = timezone.now().replace(second=42, microsecond=0) - timedelta(hours=2)
    notice = services.publish_notice(
        project=project,
        title="征求意见公告",
        body="征求意见",
        user=street_user,
        kind="decision",
        starts_at=stamped,
    )
    services.complete_step(matter.steps.get(order=1), user=street_user, notice=notice)
    meeting = services.create_meeting(
        user=street_user,
        kind="residents_council",
        title="支部提议会",
        project=project,
        held_at=stamped.replace(second=0),
    )
    step = services.complete_step(matter.steps.get(order=2), user=street_user, meeting=meeting)
    assert step.done_at == meeting.held_at
