"""Before / after photos are added from the project page (not only through the API), through the same
validation service: a refused file stores nothing, and a user who may not add photos is not offered
the form."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from supervision.models import Photo

from .factories import image_upload


def test_project_page_offers_the_photo_form_and_it_stores_photos(client, site, street_user):
    client.force_login(street_user)
    page = client.get(site.project.get_absolute_url()).content.decode()
    url = reverse("supervision:photo_new", args=[site.project.pk])
    assert 'id="project-photo-form"' in page and f'action="{url}"' in page
    response = client.post(
        url,
        {
            "kind": "before",
            "photos": [image_upload("a.jpg"), image_upload("b.png", fmt="PNG", size=(300, 200))],
            "taken_on": "2024-03-01",
        },
    )
    assert response.status_code == 302 and response.url == site.project.get_absolute_url() + "#supervision"
    photos = list(Photo.objects.filter(project=site.project).order_by("pk"))
    assert [p.kind for p in photos] == ["before", "before"]
    assert all(p.is_public and p.uploaded_by == street_user for p in photos)
    assert max(photos[0].width, photos[0].height) < 2400  # resized by the service
    assert str(photos[0].taken_on) == "2024-03-01"
    page = client.get(site.project.get_absolute_url()).content.decode()
    assert reverse("supervision:photo_file", args=[photos[0].pk]) in page


def test_a_refused_file_stores_nothing_and_keeps_what_was_typed(client, site, street_user, media_root):
    private_root = media_root
    client.force_login(street_user)
    url = reverse("supervision:photo_new", args=[site.project.pk])
    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    response = client.post(
        url,
        {
            "kind": "after",
            "photos": [image_upload("ok.jpg"), fake],
            "caption": "东侧外墙完工",
            "taken_on": "2024-10-01",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="东侧外墙完工"' in html
    assert re.search(r'<input type="radio" name="kind" value="after"[^>]*checked', html)
    assert "只能上传 JPEG、PNG 或 WebP" in html
    assert not Photo.objects.filter(project=site.project).exists()
    # nor any file: the good photo was checked, not stored, before the bad one was refused
    assert not [p for p in private_root.rglob("*") if p.is_file()]


def test_who_may_not_add_photos_is_not_offered_the_form(client, site, viewer, other_contractor, secretary_b):
    url = reverse("supervision:photo_new", args=[site.project.pk])
    client.force_login(viewer)
    page = client.get(site.project.get_absolute_url()).content.decode()
    assert 'id="project-photo-form"' not in page
    assert client.post(url, {"kind": "before", "photos": [image_upload()]}).status_code == 403
    client.force_login(secretary_b)  # outside the project's scope
    assert client.post(url, {"kind": "before", "photos": [image_upload()]}).status_code == 404
    assert not Photo.objects.exists()
