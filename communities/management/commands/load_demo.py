import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

# Each app may ship `<app>/demo.py` with `load(stdout)`; they run in dependency order.
DEMO_MODULES = [
    "communities.demo",
    "projects.demo",
    "consultations.demo",
    "consultations.ballots.demo",
    "consultations.residents.demo",
    "supervision.demo",
    "supervision.overview.demo",
]


class Command(BaseCommand):
    help = "Load the demo data from the seed reports (idempotent: a second run changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="delete demo data first")

    def handle(self, *args, **options):
        from communities import demo

        if options["reset"]:
            demo.reset(stdout=self.stdout)
        if demo.is_loaded():
            self.stdout.write("Demo data already loaded.")
        else:
            with transaction.atomic():
                for name in DEMO_MODULES:
                    try:
                        module = importlib.import_module(name)
                    except ModuleNotFoundError as exc:
                        if exc.name == name:
                            continue
                        raise
                    module.load(stdout=self.stdout)
        demo.print_logins(stdout=self.stdout)
