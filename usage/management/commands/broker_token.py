"""python manage.py broker_token create NAME --site SITE_ID [--site …] | revoke PREFIX | list

Creates a ticket broker (when it does not exist yet), gives it the venue sites
and prints a new API token once; revokes a token by its prefix; lists the
brokers and their tokens (prefixes only: the tokens themselves are not kept)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from usage import brokers
from usage.models import Broker, BrokerToken
from venues.models import Area, Organisation, Site

ACTOR = "manage.py broker_token"


class Command(BaseCommand):
    help = "Create a broker's API token (printed once), revoke one, or list them."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        create = commands.add_parser("create", help="Create a broker if needed and a token.")
        create.add_argument("name", help="The broker's name (created when new).")
        create.add_argument(
            "--site",
            type=int,
            action="append",
            default=[],
            dest="sites",
            metavar="SITE_ID",
            help="A venue site the broker may record at (repeat for more).",
        )
        create.add_argument("--area", type=int, help="The area whose coordinator manages it.")
        create.add_argument("--label", default="", help="What the token is for.")
        create.add_argument("--email", default="", help="The technical contact's email.")
        revoke = commands.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix", help="The token's prefix, e.g. kkb_ab12cd34.")
        commands.add_parser("list", help="List brokers, their sites and tokens.")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    @transaction.atomic
    def _create(self, *, name, sites, area, label, email, **options):
        found = Site.objects.filter(pk__in=sites)
        missing = set(sites) - {site.pk for site in found}
        if missing:
            raise CommandError(f"No site with the ID {', '.join(map(str, sorted(missing)))}.")
        not_venues = [s for s in found if s.organisation.kind != Organisation.Kind.VENUE]
        if not_venues:
            raise CommandError(f"Not a venue site: {', '.join(map(str, not_venues))}.")
        broker, created = Broker.objects.get_or_create(name=name)
        if area is not None:
            broker.area = Area.objects.filter(pk=area).first()
            if broker.area is None:
                raise CommandError(f"No area with the ID {area}.")
        if email:
            broker.contact_email = email
        broker.save()
        broker.sites.add(*found)
        if not broker.sites.exists():
            raise CommandError("Give the broker at least one site with --site SITE_ID.")
        _token, secret = brokers.create_token(broker=broker, label=label, actor=ACTOR)
        self.stderr.write(
            f"{'Created' if created else 'Updated'} broker {broker.name} (id {broker.pk}), "
            f"sites: {', '.join(str(s) for s in broker.sites.all())}.\n"
            "The API token, shown only now (store it safely; it cannot be shown again):"
        )
        self.stdout.write(secret)

    def _revoke(self, *, prefix, **options):
        token = BrokerToken.objects.filter(prefix=prefix.strip().rstrip("…")).first()
        if token is None:
            raise CommandError(f"No token with the prefix {prefix}.")
        if token.revoked_at is not None:
            self.stdout.write(
                f"{token.prefix} was already revoked at {token.revoked_at:%Y-%m-%d %H:%M}."
            )
            return
        brokers.revoke_token(token=token, actor=ACTOR)
        self.stdout.write(f"Revoked {token.prefix} of {token.broker}.")

    def _list(self, **options):
        for broker in Broker.objects.prefetch_related("sites", "tokens").select_related("area"):
            state = "" if broker.is_active else " (inactive)"
            self.stdout.write(f"{broker.name}{state} — area: {broker.area or 'Kaikukeskus'}")
            self.stdout.write(
                "  sites: " + (", ".join(f"{s.pk} {s}" for s in broker.sites.all()) or "none")
            )
            for token in broker.tokens.all():
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                revoked = f", revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else ""
                self.stdout.write(
                    f"  {token.prefix}  {token.label or '-'}  created {token.created_at:%Y-%m-%d}, "
                    f"last used {used}{revoked}"
                )
