"""python manage.py seed_demo [--scale N]: the demo network, people, cards and uses."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation

from venues.demo import DEMO_PASSWORD, demo_logins, seed_network


class Command(BaseCommand):
    help = "Create (or refresh) the demo data. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            help="Also bulk-create this many redemptions over several years (for benchmarks).",
        )

    def handle(self, *args, scale: int, **options):
        translation.activate("en")
        with transaction.atomic():
            seed_network()
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for role, email in demo_logins():
            self.stdout.write(f"  {role:<32} {email}")
