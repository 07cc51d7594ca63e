"""One rule for a work item's progress: typed while planning, then it follows the progress reports."""

import pytest
from django.urls import reverse

from communities.errors import Conflict
from projects import services
from projects.models import WorkItem
from supervision import services as supervision_services
from supervision.models import ProgressReport

from . import factories as pf

REFUSAL = "该改造内容已有序时进度报告，进度以报告为准"


def _form_data(item, **changes):
    data = {
        "catalog_item": "",
        "name": item.name,
        "quantity": "" if item.quantity is None else str(item.quantity),
        "unit": item.unit,
        "budget": "" if item.budget is None else str(item.budget),
        "planned_start": "",
        "planned_end": "",
        "progress": str(item.progress),
        "note": item.note,
    }
    data.update(changes)
    return data


def _edit_url(item):
    return reverse("projects:project_child_edit", args=[item.project_id, "work-items", item.pk])


@pytest.fixture
def item(project_a):
    return pf.WorkItemFactory(project=project_a, name="屋面防水", progress=10)


@pytest.fixture
def reported(item, contractor):
    """The contractor has reported 30% on the item (supervision's report path)."""
    supervision_services.report_progress(user=contractor, work_item=item, percent=30)
    item.refresh_from_db()
    assert item.progress == 30
    return item


def test_editor_types_progress_before_any_report(client, street_user, item, api_as):
    client.force_login(street_user)
    r = client.post(_edit_url(item), _form_data(item, progress="40"))
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.progress == 40
    r = api_as(street_user).patch(f"/api/v1/work-items/{item.pk}/", {"progress": 45}, format="json")
    assert r.status_code == 200 and r.data["progress"] == 45
    r = api_as(street_user).post(f"/api/v1/work-items/{item.pk}/progress/", {"progress": 50}, format="json")
    assert r.status_code == 200 and r.data["progress"] == 50


def test_service_refuses_typed_progress_after_a_report(reported, street_user):
    with pytest.raises(Conflict) as exc:
        services.set_work_item_progress(reported, 80, street_user)
    assert exc.value.message == REFUSAL
    reported.refresh_from_db()
    assert reported.progress == 30


def test_api_refuses_typed_progress_after_a_report(api_as, street_user, contractor, reported):
    url = f"/api/v1/work-items/{reported.pk}/progress/"
    r = api_as(contractor).post(url, {"progress": 80}, format="json")
    assert r.status_code == 409 and REFUSAL in str(r.data)
    api = api_as(street_user)
    r = api.patch(f"/api/v1/work-items/{reported.pk}/", {"progress": 80}, format="json")
    assert r.status_code == 409 and REFUSAL in str(r.data)
    reported.refresh_from_db()
    assert reported.progress == 30
    # other fields stay editable, and sending the stored progress back is no change
    r = api.patch(f"/api/v1/work-items/{reported.pk}/", {"note": "加做保温", "progress": 30}, format="json")
    assert r.status_code == 200 and r.data["note"] == "加做保温" and r.data["progress"] == 30


def test_form_shows_progress_read_only_and_ignores_a_typed_value(client, street_user, reported):
    client.force_login(street_user)
    page = client.get(_edit_url(reported)).content.decode()
    assert "进度以序时进度报告为准" in page
    assert 'name="progress"' in page and "disabled" in page.split('name="progress"')[1].split(">")[0]
    r = client.post(_edit_url(reported), _form_data(reported, progress="90", note="改"))
    assert r.status_code == 302
    reported.refresh_from_db()
    assert reported.progress == 30 and reported.note == "改"


def test_form_refuses_a_typed_change_when_a_report_came_after_it_was_opened(
    client, street_user, contractor, item
):
    """The form was opened (progress editable) while planning; a report arrives before it is sent."""
    client.force_login(street_user)
    from projects.forms import WorkItemForm

    form = WorkItemForm(_form_data(item, progress="90"), instance=item, parent=item.project, user=street_user)
    assert not form.progress_from_reports
    ProgressReport.objects.create(project=item.project, work_item=item, percent=20)
    assert not form.is_valid()
    assert form.errors["progress"] == [REFUSAL]


def test_stale_form_without_a_typed_change_keeps_the_reported_progress(client, street_user, contractor, item):
    """Editing other fields from a form opened before a report does not write the old progress back."""
    client.force_login(street_user)
    data = _form_data(item, note="材料进场")  # progress 10 as shown when the form was opened
    supervision_services.report_progress(user=contractor, work_item=item, percent=60)
    r = client.post(_edit_url(item), data)
    # the posted 10 differs from the stored 60 now shown read-only: the field is disabled, so ignored
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.progress == 60 and item.note == "材料进场"


def test_generic_child_edit_saves_only_edited_fields(client, street_user, item, monkeypatch):
    """A report committed between the page's read of the item and its save is not undone."""
    from projects.forms import WorkItemForm

    clean = WorkItemForm.clean

    def clean_while_a_report_lands(form):
        WorkItem.objects.filter(pk=item.pk).update(progress=65)
        return clean(form)

    monkeypatch.setattr(WorkItemForm, "clean", clean_while_a_report_lands)
    client.force_login(street_user)
    r = client.post(_edit_url(item), _form_data(item, note="只改备注"))
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.note == "只改备注" and item.progress == 65


def test_report_path_still_updates_progress(reported, contractor):
    supervision_services.report_progress(user=contractor, work_item=reported, percent=70)
    reported.refresh_from_db()
    assert reported.progress == 70
    assert services.project_totals(reported.project).progress == 70


@pytest.mark.parametrize("status", ["under_construction", "acceptance", "rework"])
def test_typed_progress_does_not_go_back_once_works_are_under_way(item, street_user, api_as, status):
    """Issue 10: a lower progress typed by hand (no report yet) was accepted silently once works had
    begun; going back is said in a progress report, with its reason."""
    WorkItem.objects.filter(pk=item.pk).update(progress=60)
    item.project.__class__.objects.filter(pk=item.project_id).update(status=status)
    item.refresh_from_db()
    item.project.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        services.set_work_item_progress(item, 20, street_user)
    assert exc.value.code == "progress_follows_reports"
    r = api_as(street_user).patch(f"/api/v1/work-items/{item.pk}/", {"progress": 20}, format="json")
    assert r.status_code == 409
    item.refresh_from_db()
    assert item.progress == 60
    services.set_work_item_progress(item, 70, street_user)  # going forward is still typed
    item.refresh_from_db()
    assert item.progress == 70


def test_typed_progress_may_be_corrected_down_while_planning(item, street_user):
    WorkItem.objects.filter(pk=item.pk).update(progress=60)
    item.refresh_from_db()
    assert item.project.status == "planning"
    services.set_work_item_progress(item, 20, street_user)
    item.refresh_from_db()
    assert item.progress == 20
