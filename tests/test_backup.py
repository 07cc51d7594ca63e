"""Backups restore everything: the restore drill dumps the database and every file root, restores into a
new database and new folders, and finds the same rows in every table, the same tally for every closed
ballot and the same files -- and it notices when they differ."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from communities import backup
from communities.choices import JobStatus
from communities.models import AccessLog, BackgroundJob
from consultations.ballots import services as ballot_services
from tests import factories as f
from tests.ballots.factories import codes_for, make_ballot, make_households, option


@pytest.fixture
def roots(settings, tmp_path):
    """File roots of this test: MEDIA_ROOT and a second file-system storage (as the private root of
    exports and paper-ballot photos is), both read from the settings by the backup."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence")},
        },
    }
    if hasattr(settings, "PRIVATE_ROOT"):
        settings.PRIVATE_ROOT = str(tmp_path / "private")
    return tmp_path


def test_every_file_root_in_the_settings_is_backed_up(roots):
    found = backup.file_roots()
    assert found["media"] == (roots / "media").resolve()
    assert found["evidence"] == (roots / "evidence").resolve()
    assert all("static" not in str(path) for path in found.values())


@pytest.mark.django_db(transaction=True)
def test_restore_drill_restores_rows_tallies_and_files(world, street_user, roots, tmp_path):
    from django.core.files.storage import storages

    make_households(world.compound_a)
    ballot = make_ballot(street_user, world.compound_a)
    codes = list(codes_for(ballot, street_user).values())
    for code, label in zip(codes, ["同意", "同意", "不同意"], strict=False):
        ballot_services.cast_online_vote(code=code, option_id=option(ballot, label).pk)
    ballot_services.close_ballot(ballot, street_user, reason="演练")
    storages["default"].save("photos/visit.jpg", ContentFile(b"\xff\xd8 a photo"))
    storages["evidence"].save("paper/ballot-1.jpg", ContentFile(b"\xff\xd8 a paper ballot"))

    manifest = backup.backup(tmp_path / "b1")
    assert manifest["closed_ballots"][str(ballot.pk)]["votes"]  # the tally is in the manifest
    assert manifest["file_roots"]["evidence"]["files"] == 1
    with backup.scratch(tmp_path) as (db, restored_roots):
        report = backup.restore(tmp_path / "b1", db=db, roots=restored_roots)
        assert report.ok, [(c.what, c.expected, c.found) for c in report.problems]
        assert any(c.what == f"tally of closed ballot {ballot.pk}" for c in report.checks)
        assert (
            restored_roots["evidence"] / "paper" / "ballot-1.jpg"
        ).read_bytes() == b"\xff\xd8 a paper ballot"
        assert (restored_roots["media"] / "photos" / "visit.jpg").exists()

        # the checks can fail: a vote lost in the restored database, a file lost in a folder
        with backup._connect(db) as conn:
            conn.execute("DELETE FROM ballots_vote WHERE id = (SELECT min(id) FROM ballots_vote)")
        (restored_roots["evidence"] / "paper" / "ballot-1.jpg").unlink()
        report = backup.verify(manifest, db=db, roots=restored_roots)
        problems = {c.what for c in report.problems}
        assert {
            "rows in ballots_vote",
            f"tally of closed ballot {ballot.pk}",
            "files in evidence",
        } <= problems


@pytest.mark.django_db(transaction=True)
def test_restore_drill_command(world, roots):
    from io import StringIO

    out = StringIO()
    call_command("restore_drill", stdout=out)
    assert "restore drill passed" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_has_content(roots, tmp_path):
    backup.backup(tmp_path / "b")
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(tmp_path / "b")  # the configured database: it has tables


# --- a job whose file is missing ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_job_whose_file_is_missing_answers_404_with_a_message(client, api_as, roots):
    user = f.UserFactory()
    job = BackgroundJob.objects.create(
        kind="roster_export", handler="x", created_by=user, status=JobStatus.SUCCEEDED,
        result_file="jobs/out/2026/01/gone.xlsx",
    )  # fmt: skip
    assert not Path(roots / "media" / "jobs/out/2026/01/gone.xlsx").exists()
    client.force_login(user)
    page = client.get(f"/jobs/{job.pk}/download/")
    assert page.status_code == 404
    assert "文件" in page.content.decode()
    api = api_as(user).get(f"/api/v1/jobs/{job.pk}/download/")
    assert api.status_code == 404 and "文件" in api.json()["detail"]
    assert not AccessLog.objects.exists()  # nothing was handed out, so nothing is logged
