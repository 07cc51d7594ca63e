import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from communities.backup import BackupError, drill


class Command(BaseCommand):
    help = (
        "Restore drill: back up the database and files, restore them into a new scratch database and new "
        "folders, compare every table's rows, every closed ballot's tally and the files, then clean up."
    )

    def add_arguments(self, parser):
        parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep the backup there")

    def handle(self, *args, keep=None, **options):
        with tempfile.TemporaryDirectory(prefix="restore-drill-") as tmp:
            base = Path(keep or tmp)
            try:
                manifest, report = drill(base)
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
        tables = manifest["database"]["tables"]
        self.stdout.write(f"{'check':44} {'backup':>10} {'restored':>10}")
        for check in report.checks:
            if check.what.startswith("tally"):
                shown_e, shown_f = "=" if check.ok else "differs", ""
            else:
                shown_e, shown_f = check.expected, check.found
            self.stdout.write(
                f"{check.what[:44]:44} {shown_e!s:>10} {shown_f!s:>10}{'' if check.ok else '  <--'}"
            )
        ballots = len(manifest["closed_ballots"])
        files = sum(r["files"] for r in manifest["file_roots"].values())
        self.stdout.write(
            f"{len(tables)} tables, {sum(tables.values())} rows, {ballots} closed ballots, {files} files"
        )
        if not report.ok:
            raise CommandError(f"restore drill FAILED: {len(report.problems)} check(s) differ")
        self.stdout.write(self.style.SUCCESS(f"restore drill passed: {len(report.checks)} checks"))
