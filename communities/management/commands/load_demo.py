from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the demo data from the seed reports (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="delete demo data first")

    def handle(self, *args, **options):
        from communities.demo import load

        load(stdout=self.stdout, reset=options["reset"])
