"""What the benchmarks share. For the load benchmarks (bench/recording.py,
bench/outage.py): a seeded world of venue sites with a show each, a cashier
signed in at each site, a broker token for all of them and cards; the app in
gunicorn on a free port. For every benchmark that seeds its own world
(bench/import_preview.py too): an area with its municipality and sites, and
cards with their validity periods."""

import contextlib
import http.client
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Network:
    """An area, its one municipality, and sites in it (Django set up)."""

    def __init__(self, area_name: str, town_name: str, contact_name: str):
        from venues.models import Area, Municipality

        self.area = Area.objects.create(name=area_name)
        self.town = Municipality.objects.create(name=town_name, code="999", area=self.area)
        self.contact_name = contact_name

    def site(self, name: str, kind: str):
        from venues.models import Organisation, Site

        organisation = Organisation.objects.create(name=name, kind=kind, area=self.area)
        return Site.objects.create(
            organisation=organisation,
            name=name,
            municipality=self.town,
            contact_name=self.contact_name,
            contact_email="contact@example.fi",
        )


def make_cards(
    distributor,
    count: int,
    *,
    card_id: Callable[[int], str],
    issued,
    children: Callable[[int], int] = lambda n: 0,
) -> list:
    """`count` personal cards issued by `distributor` on `issued`, valid for a
    year, each with its issue period, as the card pages make them; birth
    years spread over 45 years."""
    from usage.models import Card, CardPeriod, one_year_from

    made = Card.objects.bulk_create(
        (
            Card(
                card_id=card_id(n),
                issued_by=distributor,
                issued_on=issued,
                valid_from=issued,
                valid_until=one_year_from(issued),
                birth_year=1960 + n % 45,
                postal_code="33100",
                children=children(n),
            )
            for n in range(count)
        ),
        batch_size=5000,
    )
    CardPeriod.objects.bulk_create(
        (
            CardPeriod(
                card=card,
                kind=CardPeriod.Kind.ISSUED,
                valid_from=card.valid_from,
                valid_until=card.valid_until,
                site=distributor,
            )
            for card in made
        ),
        batch_size=5000,
    )
    return made


def seed(*, sites: int, cards: int, card_id: Callable[[int], str], token_label: str) -> dict:
    """Create the world in the app's database (Django set up); what the load
    needs to know of it, as JSON-ready values: each site with its show, its
    cashier and the cashier's session in the same order."""
    import datetime

    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from usage import brokers
    from usage.models import Broker
    from venues.models import Membership, Offering, Organisation, User

    network = Network("Kuormitusalue", "Kuormala", "Kuormitus")
    venues = [
        network.site(f"Kuormitusteatteri {n + 1}", Organisation.Kind.VENUE) for n in range(sites)
    ]
    distributor = network.site("Kuormituksen jakaja", Organisation.Kind.DISTRIBUTOR)
    today = timezone.localdate()
    shows = [
        Offering.objects.create(
            site=venue,
            kind=Offering.Kind.SHOW,
            sector=Offering.Sector.CULTURE,
            title="Kuormitusnäytös",
            date=today,
            start_time=datetime.time(23, 0),
            cap=1_000_000,  # the cap's row lock and count are on the path, its limit is not
        )
        for venue in venues
    ]
    # A cashier at each site, as a desk's load comes from many venues' doors.
    cashiers = [
        User.objects.create(email=f"kassa{n + 1}@kuormitus.example", full_name="Kuormitus Kassa")
        for n in range(sites)
    ]
    for cashier, venue in zip(cashiers, venues, strict=True):
        Membership.objects.create(user=cashier, role=Membership.Role.CASHIER, site=venue)
    broker = Broker.objects.create(name="Kuormitusvälittäjä", area=network.area)
    broker.sites.add(*venues)
    _token, secret = brokers.create_token(broker=broker, label=token_label)
    make_cards(distributor, cards, card_id=card_id, issued=today - datetime.timedelta(days=1))
    sessions = []
    for cashier in cashiers:
        client = Client()
        client.force_login(cashier, backend="django.contrib.auth.backends.ModelBackend")
        sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return {
        "token": secret,
        "sites": [venue.pk for venue in venues],
        "offerings": [show.pk for show in shows],
        "cashiers": [cashier.pk for cashier in cashiers],
        "sessions": sessions,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "today": today.isoformat(),
        "cards": cards,
    }


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int, log: Path, ready: str) -> Iterator[int]:
    """The app in gunicorn (`workers` sync workers, the environment `env`) on
    a free port; yields the port once GET `ready` answers 200, and stops it
    at the end."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "kaikukanta.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--no-control-socket", "--timeout", "60",
    ]  # fmt: skip
    with log.open("w") as output:
        server = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not _answers(port, ready):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _answers(port: int, path: str) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
