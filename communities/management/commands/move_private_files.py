from django.core.management.base import BaseCommand

from communities.files import move_public_files


class Command(BaseCommand):
    help = (
        "Move exports, job files, plans, paper-vote and works photos stored under MEDIA_ROOT by an older "
        "version into PRIVATE_ROOT under random names, and detach paper photos from secret votes (run "
        "once after upgrading; safe to repeat)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, move nothing")

    def handle(self, *args, dry_run=False, **options):
        counts = move_public_files(dry_run=dry_run)
        verb = "would move" if dry_run else "moved"
        self.stdout.write(
            f"{verb} {counts['moved']} file(s); {counts['already_private']} already private; "
            f"{counts['missing']} missing from MEDIA_ROOT; "
            f"{counts.get('secret_photos_detached', 0)} paper photo(s) detached from secret votes"
        )
