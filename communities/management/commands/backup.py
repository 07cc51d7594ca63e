from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from communities.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and every file root (media, private files) into a new folder."

    def add_arguments(self, parser):
        parser.add_argument(
            "target",
            nargs="?",
            help="folder to create (default: backups/<date-time> under BACKUP_DIR or .local)",
        )

    def handle(self, *args, target=None, **options):
        from django.conf import settings

        if not target:
            base = Path(getattr(settings, "BACKUP_DIR", settings.BASE_DIR / ".local" / "backups"))
            target = base / timezone.localtime().strftime("%Y%m%d-%H%M%S")
        try:
            manifest = backup(Path(target))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        tables = manifest["database"]["tables"]
        self.stdout.write(f"database: {len(tables)} tables, {sum(tables.values())} rows")
        self.stdout.write(f"closed ballots: {len(manifest['closed_ballots'])}")
        for name, facts in manifest["file_roots"].items():
            self.stdout.write(
                f"files {name}: {facts['files']} files, {facts['bytes']} bytes from {facts['path']}"
            )
        self.stdout.write(self.style.SUCCESS(f"backup written to {target}"))
