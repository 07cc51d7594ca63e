"""Funding stays truthful (issue 10): one line per source on a project (refused, a second tranche is
added to the line), and more received than planned only with an explanation."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from projects.choices import FundingSource
from projects.models import FundingLine

from . import factories as pf


def test_the_same_source_twice_is_refused_on_the_page_and_in_the_api(client, api_as, street_user, project_a):
    pf.FundingLineFactory(project=project_a, source=FundingSource.CENTRAL_SUBSIDY, planned=100000)
    client.force_login(street_user)
    url = reverse("projects:project_child_add", args=[project_a.pk, "funding"])
    r = client.post(url, {"source": "central_subsidy", "planned": "50000", "received": "0", "note": "第二批"})
    assert r.status_code == 200 and "第二批" in r.content.decode()  # shown again with what was typed
    r = api_as(street_user).post(
        "/api/v1/funding-lines/",
        {"project": project_a.pk, "source": "central_subsidy", "planned": "50000"},
        format="json",
    )
    assert r.status_code == 409 and r.data["field"] == "source"
    assert FundingLine.objects.filter(project=project_a).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database holds it
        FundingLine.objects.create(project=project_a, source="central_subsidy", planned=1)


def test_received_above_planned_needs_an_explanation(client, api_as, street_user, project_a):
    client.force_login(street_user)
    url = reverse("projects:project_child_add", args=[project_a.pk, "funding"])
    r = client.post(url, {"source": "local_fiscal", "planned": "100000", "received": "120000", "note": ""})
    assert r.status_code == 200 and not FundingLine.objects.exists()
    r = api_as(street_user).post(
        "/api/v1/funding-lines/",
        {"project": project_a.pk, "source": "local_fiscal", "planned": "100000", "received": "120000"},
        format="json",
    )
    assert r.status_code == 400 and "note" in r.data["errors"]
    r = api_as(street_user).post(
        "/api/v1/funding-lines/",
        {
            "project": project_a.pk,
            "source": "local_fiscal",
            "planned": "100000",
            "received": "120000",
            "note": "县财政追加拨付2万元（县财〔2024〕8号）",
        },
        format="json",
    )
    assert r.status_code == 201
    line = FundingLine.objects.get()
    assert line.received == Decimal("120000") and "追加" in line.note
    # editing the line itself is not "a second line"
    r = api_as(street_user).patch(f"/api/v1/funding-lines/{line.pk}/", {"received": "110000"}, format="json")
    assert r.status_code == 200


def test_a_work_item_is_not_typed_finished_before_its_planned_start(api_as, street_user, project_a):
    import datetime

    from communities.errors import Conflict
    from projects import services

    later = datetime.date.today() + datetime.timedelta(days=30)
    item = pf.WorkItemFactory(project=project_a, planned_start=later, progress=0)
    with pytest.raises(Conflict, match=r"due to start|开工"):
        services.set_work_item_progress(item, 100, street_user)
    r = api_as(street_user).patch(f"/api/v1/work-items/{item.pk}/", {"progress": 100}, format="json")
    assert (r.status_code == 409 and "progress report" in r.data["detail"]) or "进度报告" in r.data["detail"]
    services.set_work_item_progress(item, 30, street_user)  # planning figures are still typed
    item.refresh_from_db()
    assert item.progress == 30
