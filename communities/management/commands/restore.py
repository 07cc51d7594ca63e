from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from communities.backup import BackupError, _database_url_settings, create_database, file_roots, restore


class Command(BaseCommand):
    help = (
        "Restore a backup folder into a database and the file roots, then check every table's rows, "
        "every closed ballot's tally and every file root against the backup's manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="a folder written by manage.py backup")
        parser.add_argument("--database-url", help="restore into this database (default: DATABASE_URL)")
        parser.add_argument(
            "--create-database", dest="create_db", action="store_true", help="create that database first"
        )
        parser.add_argument(
            "--root",
            action="append",
            default=[],
            metavar="NAME=PATH",
            help="restore file root NAME into PATH instead of the configured folder (repeatable)",
        )
        parser.add_argument(
            "--force", action="store_true", help="replace a database or folder that has content"
        )

    def handle(self, *args, source, database_url=None, create_db=False, root=(), force=False, **opts):
        db = _database_url_settings(database_url) if database_url else None
        roots = dict(file_roots())
        for item in root:
            name, _sep, path = item.partition("=")
            if not path:
                raise CommandError(f"--root takes NAME=PATH, got {item!r}")
            roots[name] = Path(path)
        try:
            if create_db:
                if db is None:
                    raise CommandError("--create-database needs --database-url")
                create_database(db)
            report = restore(Path(source), db=db, roots=roots, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for check in report.checks:
            if not check.ok or self.verbosity > 1:
                mark = "ok" if check.ok else "MISMATCH"
                self.stdout.write(f"{mark:8} {check.what}: expected {check.expected}, found {check.found}")
        if not report.ok:
            raise CommandError(f"restored, but {len(report.problems)} check(s) differ from the backup")
        self.stdout.write(self.style.SUCCESS(f"restored and checked: {len(report.checks)} checks passed"))
