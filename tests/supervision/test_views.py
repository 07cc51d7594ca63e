"""Pages: render for each role, 404 outside scope, contractors see only their own orders."""

import pytest
from django.test import Client

from supervision import services
from supervision.models import Inspection
from tests.supervision.factories import RectificationFactory, image_upload


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_overview_and_pages_render_in_chinese(site, street_user, django_assert_max_num_queries):
    RectificationFactory(responsible_party=site.builder)
    client = _client(street_user)
    for url in (
        "/supervision/",
        "/supervision/rectifications/",
        "/supervision/inspections/",
        "/supervision/disputes/",
        f"/supervision/projects/{site.project.pk}/",
        f"/supervision/projects/{site.project.pk}/inspections/new/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "整改" in client.get("/supervision/").content.decode()


def test_overview_constant_queries(site, street_user, django_assert_max_num_queries):
    client = _client(street_user)
    for _ in range(2):
        RectificationFactory(responsible_party=site.builder)
    with django_assert_max_num_queries(20) as small:
        client.get("/supervision/")
    for _ in range(8):
        RectificationFactory(responsible_party=site.other_builder)
    with django_assert_max_num_queries(20) as big:
        client.get("/supervision/")
    assert len(big.captured_queries) == len(small.captured_queries)


def test_contractor_pages_show_only_own_orders(site, contractor, other_contractor):
    mine = RectificationFactory(responsible_party=site.builder, description="我的整改单")
    theirs = RectificationFactory(responsible_party=site.other_builder, description="别人的整改单")
    client = _client(contractor)
    listing = client.get("/supervision/rectifications/").content.decode()
    assert "我的整改单" in listing and "别人的整改单" not in listing
    assert client.get(f"/supervision/rectifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/supervision/rectifications/{theirs.pk}/", {"action": "start"}).status_code == 404
    response = client.post(f"/supervision/rectifications/{mine.pk}/", {"action": "start"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "in_progress"
    # the history says who moved the order
    page = client.get(f"/supervision/rectifications/{mine.pk}/").content.decode()
    assert f"整改中 · {contractor.get_full_name() or contractor.username}" in page


def test_outside_scope_is_404_and_secretary_of_other_community_cannot_inspect(site, secretary_b):
    client = _client(secretary_b)
    assert client.get(f"/supervision/projects/{site.project.pk}/").status_code == 404
    assert client.get(f"/supervision/projects/{site.project.pk}/inspections/new/").status_code == 404


def test_inspection_form_reports_bad_photo_and_keeps_nothing(site, street_user):
    client = _client(street_user)
    response = client.post(
        f"/supervision/projects/{site.project.pk}/inspections/new/",
        {"result": "pass", "findings": "ok", "photos": [image_upload("x.gif", "GIF", (20, 20))]},
    )
    assert response.status_code == 200
    assert "JPEG" in response.content.decode()
    assert not Inspection.objects.exists()


def test_photos_served_by_scope_and_public_only_when_marked(site, street_user, secretary_b):
    inside = services.add_photo(user=street_user, project=site.project, upload=image_upload(), kind="during")
    public = services.add_photo(user=street_user, project=site.project, upload=image_upload(), kind="after")
    assert public.is_public and not inside.is_public
    assert _client(street_user).get(f"/supervision/photos/{inside.pk}/").status_code == 200
    assert _client(secretary_b).get(f"/supervision/photos/{inside.pk}/").status_code == 404
    anonymous = Client()
    assert anonymous.get(f"/supervision/public/photos/{public.pk}/").status_code == 200
    assert anonymous.get(f"/supervision/public/photos/{inside.pk}/").status_code == 404


@pytest.mark.django_db
def test_export_job_builds_the_ledger(site, street_user):
    from communities.models import BackgroundJob

    RectificationFactory(responsible_party=site.builder)
    client = _client(street_user)
    response = client.post("/supervision/rectifications/export/")
    assert response.status_code == 302
    job = BackgroundJob.objects.get(kind="rectification_ledger")
    assert response.url == job.get_absolute_url()


def test_deleting_a_party_with_orders_is_refused_in_words_not_a_500(site, street_user):
    from projects.models import ProjectParty

    RectificationFactory(responsible_party=site.builder)
    url = f"/projects/{site.project.pk}/parties/{site.builder.pk}/delete/"
    client = _client(street_user)
    page = client.get(url)  # the confirmation says why it cannot go, and offers no delete button
    assert page.status_code == 200
    assert "仍有其他记录依赖它，不能删除" in page.content.decode()
    assert 'id="confirm-delete"' not in page.content.decode()
    response = client.post(url, follow=True)  # a forged POST is refused in words, not a 500
    assert response.status_code == 200
    assert "仍有其他记录依赖它，不能删除" in response.content.decode()
    assert ProjectParty.objects.filter(pk=site.builder.pk).exists()


@pytest.mark.parametrize(
    "url", ["/supervision/rectifications/", "/supervision/inspections/", "/supervision/disputes/"]
)
def test_list_pages_constant_queries(site, street_user, django_assert_max_num_queries, url):
    def grow(n):
        for _ in range(n):
            order = RectificationFactory(responsible_party=site.builder)
            services.add_photo(
                user=street_user,
                project=site.project,
                upload=image_upload(size=(40, 30)),
                inspection=order.inspection,
            )
            services.record_dispute(user=street_user, project=site.project, parties="甲/乙", issue="占道")

    client = _client(street_user)
    grow(2)
    with django_assert_max_num_queries(25) as small:
        assert client.get(url).status_code == 200
    grow(8)
    with django_assert_max_num_queries(25) as big:
        assert client.get(url).status_code == 200
    assert len(big.captured_queries) == len(small.captured_queries)


def test_visible_but_not_editable_is_403_on_pages(site, contractor, other_contractor):
    """A contractor sees its own order but may not verify it; another contractor does not see it nor
    touch it (404): refused with 403 and the reason, not a page answering 200."""
    mine = RectificationFactory(responsible_party=site.builder)
    client = _client(contractor)
    assert client.get(f"/supervision/rectifications/{mine.pk}/").status_code == 200
    assert client.post(f"/supervision/rectifications/{mine.pk}/", {"action": "verify"}).status_code == 403
    mine.refresh_from_db()
    assert mine.status == "open"
    client = _client(other_contractor)
    assert client.post(f"/supervision/rectifications/{mine.pk}/", {"action": "start"}).status_code == 404
