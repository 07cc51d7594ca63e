"""No traps on the project pages: deleting asks first, and labels say what they mean."""

import pytest
from django.utils import translation

from projects.models import FundingLine, Milestone, ProjectParty, WorkItem

from . import factories as pf

KINDS = {
    "work-items": (WorkItem, pf.WorkItemFactory),
    "funding": (FundingLine, pf.FundingLineFactory),
    "parties": (ProjectParty, pf.ProjectPartyFactory),
    "milestones": (Milestone, pf.MilestoneFactory),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_delete_asks_for_confirmation(client, street_user, project_a, kind):
    model, factory = KINDS[kind]
    obj = factory(project=project_a)
    client.force_login(street_user)
    edit = f"/projects/{project_a.pk}/{kind}/{obj.pk}/"
    confirm = f"{edit}delete/"
    page = client.get(edit).content.decode()
    # the edit page offers a link to the confirmation page, not a one-click delete form
    assert f'href="{confirm}"' in page and 'name="delete"' not in page
    # the old one-click POST deletes nothing any more: it leads to the question
    response = client.post(edit, {"delete": "1"})
    assert response.status_code == 302 and response.url == confirm
    assert model.objects.filter(pk=obj.pk).exists()
    question = client.get(confirm)
    assert question.status_code == 200
    html = question.content.decode()
    assert str(obj) in html and 'id="confirm-delete"' in html and '<form method="post"' in html
    assert model.objects.filter(pk=obj.pk).exists()
    response = client.post(confirm)
    assert response.status_code == 302 and response.url.startswith(f"/projects/{project_a.pk}/")
    assert not model.objects.filter(pk=obj.pk).exists()


def test_delete_confirmation_is_scoped_and_guarded(client, secretary_b, viewer, project_a):
    item = pf.WorkItemFactory(project=project_a)
    confirm = f"/projects/{project_a.pk}/work-items/{item.pk}/delete/"
    client.force_login(secretary_b)  # outside the project's scope
    assert client.get(confirm).status_code == 404
    assert client.post(confirm).status_code == 404
    client.force_login(viewer)  # sees it, may not change it
    assert client.post(confirm).status_code == 403
    assert WorkItem.objects.filter(pk=item.pk).exists()


def test_branch_member_delete_asks_first(client, street_user, project_a):
    branch = pf.PartyBranchFactory(project=project_a)
    member = pf.BranchMemberFactory(branch=branch)
    client.force_login(street_user)
    edit = f"/projects/branches/{branch.pk}/members/{member.pk}/"
    assert client.post(edit, {"delete": "1"}).status_code == 302
    assert type(member).objects.filter(pk=member.pk).exists()
    assert member.name in client.get(edit + "delete/").content.decode()
    client.post(edit + "delete/")
    assert not type(member).objects.filter(pk=member.pk).exists()


def test_work_item_unit_is_unit_of_measure(client, street_user, project_a):
    """单位 (unit of measure), not 单元 (a stairwell of a building)."""
    client.force_login(street_user)
    with translation.override("zh-hans"):
        html = client.get(f"/projects/{project_a.pk}/work-items/add/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = html.content.decode()
    assert '<label class="form-label" for="id_unit">单位</label>' in html
    # the building's stairwell unit is a different thing and keeps its name
    assert '<label class="form-label" for="id_stairwell_unit">单元</label>' in html
