"""python manage.py seed_demo [--scale N]: the demo network, people, cards and uses."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation

from kaikukanta.demo.network import (
    DEMO_PASSWORD,
    DEMO_RECOVERY_CODES,
    demo_logins,
    demo_totp_secret,
    seed_demo_second_factor,
    seed_network,
)
from kaikukanta.demo.onboarding import seed_onboarding
from kaikukanta.demo.uses import (
    DEMO_BROKER_NAME,
    DEMO_BROKER_TOKEN,
    almost_full_show,
    cards_to_try,
    seed_demo_broker,
    seed_demo_usage,
    seed_scale,
)


class Command(BaseCommand):
    help = "Create (or refresh) the demo data. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            metavar="N",
            help="Also bulk-create N uses over five years at national scale (for benchmarks). "
            "Running again tops up to N.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (a benchmark database). Never in production: "
            "the demo's accounts, password and broker token are public.",
        )

    def handle(self, *args, scale: int, force: bool = False, **options):
        if not settings.DEBUG and not force:
            # The demo's logins, password and broker API token are in the README:
            # they must never reach a production database by accident.
            raise CommandError(
                "seed_demo creates accounts with a published password and a published "
                "broker API token, so it runs only with DEBUG=1. For a benchmark "
                "database with DEBUG off, add --force; never on production."
            )
        translation.activate("en")
        with transaction.atomic():
            net = seed_network()
            second_factor_people = seed_demo_second_factor(net)
            seed_onboarding(net.areas, net.users)
            seed_demo_usage(net)
            broker = seed_demo_broker(net)
        if scale:
            started = time.monotonic()
            created = seed_scale(scale, progress=self.stdout.write)
            self.stdout.write(
                f"Benchmark data: {created} uses added in {time.monotonic() - started:.0f} s."
            )
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for role, email in demo_logins():
            self.stdout.write(f"  {email:<36} {role}")
        self.stdout.write(
            f"\nSecond factor ({', '.join(u.email for u in second_factor_people)}):\n"
            f"  a recovery code, each once (seed_demo restores them): "
            f"{', '.join(DEMO_RECOVERY_CODES[:3])} …\n"
            f"  or an authenticator app with the key {demo_totp_secret()}"
        )
        self.print_what_to_try(broker)

    def print_what_to_try(self, broker) -> None:
        """What to try, as the database stands now (not as the first run left
        it), with the addresses of the server that scripts/demo starts."""
        site_url = settings.SITE_URL
        today = timezone.localdate()
        self.stdout.write(f"\nCard IDs to try at the desk ({site_url}/desk/):")
        for label, ids in cards_to_try(today):
            self.stdout.write(f"  {label:<32} {', '.join(ids) or '(none at the moment)'}")
        almost_full = almost_full_show(today)
        if almost_full is not None:
            show, left = almost_full
            places = "one place left" if left == 1 else f"{left} places left"
            self.stdout.write(f"  Try also: today's show '{show.title}' at the theatre: {places}.")
        self.stdout.write(
            "  Children are refused on the course at Sampola (the cashier acts at the theatre,\n"
            "  Vapriikki and Sampola: pick the site at the top of the desk)."
        )
        self.stdout.write(
            f"\nBroker API ({site_url}/api/v1/docs/, docs/api.md): the demo broker "
            f"{DEMO_BROKER_NAME} records at"
        )
        for site in broker.sites.order_by("name"):
            self.stdout.write(f"  site {site.pk:<4} {site.name}")
        self.stdout.write(f"  Its token (demo only): {DEMO_BROKER_TOKEN}")
        self.stdout.write("\nStart over with fresh demo data: scripts/demo --reset")
