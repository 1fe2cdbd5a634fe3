"""Demo data for cards, offerings and uses.

`seed_demo_usage` builds what a person trying the demo needs: offerings with
and without caps over the coming weeks, some 250 cards in every state, and a
half-year of uses recorded through the one recording service. It is
idempotent: fixed card IDs, offerings found by site, title and date, and an
idempotency key per demo use.

`seed_scale` bulk-creates a national-size data set for benchmarks (see
bench/). It writes rows directly with bulk_create: it is a data loader, not a
channel that records uses, and a million rows through the service would take
hours. The rows it writes obey the same rules (a card valid on the day, one
use per card, offering and day, children within the card's count).
"""

import datetime
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from kaikukanta.demo.network import DemoNetwork
from usage import brokers, services
from usage.models import Broker, Card, Redemption
from venues.models import Offering

Kind = Offering.Kind
Sector = Offering.Sector

# (site, kind, sector, title, cap, start time, days between occurrences)
PROGRAMME = [
    (
        "Tampereen Teatteri, päänäyttämö",
        Kind.SHOW,
        Sector.CULTURE,
        "Kesäyön unelma",
        20,
        "19:00",
        3,
    ),
    (
        "Tampereen Teatteri, päänäyttämö",
        Kind.SHOW,
        Sector.CULTURE,
        "Lasten satutunti",
        None,
        "11:00",
        7,
    ),
    (
        "Jyväskylän kaupunginteatteri",
        Kind.SHOW,
        Sector.CULTURE,
        "Seitsemän veljestä",
        15,
        "18:30",
        4,
    ),
    ("Vapriikki", Kind.SHOW, Sector.SCIENCE, "Opastettu kierros: Nukkemuseo", 8, "13:00", 7),
]


ALMOST_FULL_TITLE = "Iltapäivänäytös (lähes täynnä)"


@dataclass
class DemoCards:
    valid: list[str] = field(default_factory=list)
    with_children: list[str] = field(default_factory=list)
    expiring: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    community: list[str] = field(default_factory=list)


def _offering(site, kind, sector, title, day, **extra) -> Offering:
    offering, _ = Offering.objects.update_or_create(
        site=site, title=title, date=day, kind=kind, defaults={"sector": sector, **extra}
    )
    return offering


def seed_offerings(net: DemoNetwork, today: datetime.date) -> dict[str, Offering]:
    """The coming four weeks at every venue, plus a few offerings today that
    show each refusal at the desk."""
    for site_name, kind, sector, title, cap, time, every in PROGRAMME:
        hour, minute = map(int, time.split(":"))
        for offset in range(0, 28, every):
            _offering(
                net.sites[site_name],
                kind,
                sector,
                title,
                today + datetime.timedelta(offset),
                start_time=datetime.time(hour, minute),
                cap=cap,
            )
    theatre = net.sites["Tampereen Teatteri, päänäyttämö"]
    special = {
        "almost_full": _offering(
            theatre,
            Kind.SHOW,
            Sector.CULTURE,
            ALMOST_FULL_TITLE,
            today,
            start_time=datetime.time(15, 0),
            cap=3,
        ),
        "excluded": _offering(
            theatre,
            Kind.SHOW,
            Sector.CULTURE,
            "Ensi-ilta",
            today + datetime.timedelta(days=10),
            start_time=datetime.time(19, 0),
            excluded=True,
            exclusion_reason="Kutsuvierasnäytös: ei lipunmyyntiä.",
        ),
        "course": _offering(
            net.sites["Sampola"],
            Kind.COURSE,
            Sector.EDUCATION,
            "Kuvataiteen peruskurssi",
            today - datetime.timedelta(days=7),
            end_date=today + datetime.timedelta(days=90),
            places=16,
            cap=4,
        ),
        "museum": _offering(
            net.sites["Vapriikki"],
            Kind.ADMISSION,
            Sector.CULTURE,
            "Museon pääsylippu",
            today - datetime.timedelta(days=180),
            end_date=today + datetime.timedelta(days=180),
            cap=30,
        ),
        "swimming": _offering(
            net.sites["Kalevan uimahalli"],
            Kind.ADMISSION,
            Sector.SPORTS,
            "Uinti",
            today - datetime.timedelta(days=180),
            end_date=today + datetime.timedelta(days=180),
        ),
        "ks_museum": _offering(
            net.sites["Keski-Suomen museo"],
            Kind.ADMISSION,
            Sector.CULTURE,
            "Museon pääsylippu",
            today - datetime.timedelta(days=180),
            end_date=today + datetime.timedelta(days=180),
        ),
    }
    return special


def _register(card_id, site, user, issued_on, **background) -> Card:
    existing = Card.objects.filter(card_id=card_id).first()
    if existing:
        return existing
    return services.register_card(
        card_id=card_id, site=site, registered_by=user, issued_on=issued_on, **background
    )


def seed_cards(net: DemoNetwork, today: datetime.date) -> DemoCards:
    rng = random.Random(2026)
    ids = DemoCards()
    distributors = [
        (net.sites["Hervannan sosiaalitoimisto"], "TRE", net.users["jakaja@kaikukanta.demo"]),
        (net.sites["Mielenterveysyhdistyksen kohtaamispaikka"], "JKL", None),
    ]
    genders = [*Card.Gender.values, "", ""]
    situations = [*Card.LifeSituation.values, ""]
    for index in range(250):
        site, prefix, user = distributors[index % 2]
        card_id = f"{prefix}-{1000 + index}"
        children = rng.choice([0, 0, 0, 0, 1, 2, 3]) if index % 3 == 0 else 0
        issued_on = today - datetime.timedelta(days=rng.randint(1, 330))
        _register(
            card_id,
            site,
            user,
            issued_on,
            birth_year=rng.randint(today.year - 85, today.year - 16),
            postal_code=rng.choice(["33100", "33720", "33540", "40100", "40600", "41330"]),
            children=children,
            gender=rng.choice(genders),
            life_situation=rng.choice(situations),
        )
        ids.valid.append(card_id)
        if children:
            ids.with_children.append(card_id)
    site, prefix, user = distributors[0]
    for index in range(5):
        ids.expiring.append(
            _register(
                f"TRE-8{index:03d}",
                site,
                user,
                today - datetime.timedelta(days=355 + index),
                birth_year=1970,
                postal_code="33100",
                children=1,
            ).card_id
        )
        ids.expired.append(
            _register(
                f"TRE-9{index:03d}",
                site,
                user,
                today - datetime.timedelta(days=400 + 30 * index),
                birth_year=1960,
                postal_code="33100",
            ).card_id
        )
        closed = _register(
            f"TRE-7{index:03d}",
            site,
            user,
            today - datetime.timedelta(days=100),
            birth_year=1990,
            postal_code="33720",
        )
        if not closed.is_closed:
            services.close_card(
                card=closed,
                site=site,
                reason=Card.CloseReason.LOST,
                closed_by=user,
                on=today - datetime.timedelta(days=5),
            )
        ids.closed.append(closed.card_id)
    ids.community.append(
        _register(
            "TRE-YHT-001",
            site,
            user,
            today - datetime.timedelta(days=30),
            kind=Card.Kind.COMMUNITY,
            group_limit=10,
        ).card_id
    )
    return ids


def seed_history(net: DemoNetwork, ids: DemoCards, today: datetime.date) -> int:
    """Half a year of uses at every venue, through the recording service (as an
    after-the-fact import would), so the reports have something to show."""
    rng = random.Random(1917)
    channels = [Redemption.Channel.DESK] * 8 + [Redemption.Channel.API, Redemption.Channel.IMPORT]
    venues = net.venue_sites()
    cards = {card.card_id: card for card in Card.objects.filter(card_id__in=ids.valid)}
    recorded = 0
    for number in range(400):
        day = today - datetime.timedelta(days=rng.randint(1, 180))
        candidates = [c for c in cards.values() if c.issued_on <= day]
        if not candidates:
            continue
        card = rng.choice(candidates)
        site = rng.choice(venues)
        # Shows and admission only: the course keeps its places for trying the desk.
        on_day = Offering.objects.filter(site=site).on(day).exclude(kind=Kind.COURSE)
        offering = on_day.first() or _offering(
            site,
            Kind.SHOW,
            Sector.CULTURE,
            "Konsertti",
            day,
            start_time=datetime.time(19, 0),
        )
        children = rng.randint(0, card.children) if offering.kind != Kind.COURSE else 0
        # Every draw comes before any skip, so a second run draws the same.
        channel = rng.choice(channels)
        if offering.cap is not None and (
            services.tickets_used(offering, day) + 1 + children > offering.cap
        ):
            continue  # the demo's history stays within the caps
        try:
            result = services.record_redemption(
                card_id=card.card_id,
                site=site,
                offering=offering,
                used_on=day,
                children=children,
                channel=channel,
                # Nobody's: the demo cashier's own list of today's records stays theirs.
                recorded_by=None,
                idempotency_key=f"demo:{number}",
                after_the_fact=True,
            )
        except services.RedemptionRefused:
            continue  # e.g. the same card drawn twice for one offering
        recorded += result.created
    return recorded


def seed_demo_usage(net: DemoNetwork) -> DemoCards:
    today = timezone.localdate()
    special = seed_offerings(net, today)
    ids = seed_cards(net, today)
    seed_history(net, ids, today)
    # Fill the almost-full show: one place left for trying "cap reached".
    cashier = net.users["kassa@kaikukanta.demo"]
    for number, card_id in enumerate(ids.valid[-2:]):
        # The key (of this day's show) makes a second run the same day record nothing.
        services.record_redemption(
            card_id=card_id,
            site=special["almost_full"].site,
            offering=special["almost_full"],
            channel=Redemption.Channel.DESK,
            recorded_by=cashier,
            idempotency_key=f"demo:full:{today.isoformat()}:{number}",
        )
    return ids


def cards_to_try(today: datetime.date, per_kind: int = 3) -> list[tuple[str, list[str]]]:
    """Card IDs to try at the desk, read from the database as it stands today
    (a demo set up weeks ago has other expiring cards than it had then): each
    kind of card with a few of its IDs, none of them used today."""
    soon = today + datetime.timedelta(days=14)
    used_today = Redemption.objects.active().filter(used_on=today).values("card")
    cards = Card.objects.exclude(pk__in=used_today).order_by("issued_by__name", "card_id")
    valid = cards.filter(closed_on__isnull=True, valid_from__lte=today, valid_until__gte=today)
    personal = valid.filter(kind=Card.Kind.PERSONAL, valid_until__gt=soon)
    kinds = [
        ("valid", personal.filter(children=0)),
        ("valid, with children", personal.filter(children__gt=0)),
        ("community card", valid.filter(kind=Card.Kind.COMMUNITY)),
        ("expiring within two weeks", valid.filter(valid_until__lte=soon)),
        ("expired", cards.filter(closed_on__isnull=True, valid_until__lt=today)),
        ("closed", cards.filter(closed_on__lte=today)),
    ]
    return [
        (label, list(queryset.values_list("card_id", flat=True)[:per_kind]))
        for label, queryset in kinds
    ]


def almost_full_show(today: datetime.date) -> tuple[Offering, int] | None:
    """Today's almost-full show at the theatre and the places it has left."""
    show = Offering.objects.filter(title=ALMOST_FULL_TITLE, date=today).first()
    if show is None or show.cap is None:
        return None
    return show, max(show.cap - services.tickets_used(show, today), 0)


# The demo broker's token is fixed so that the curl examples of docs/api.md work
# as written against every demo server. Only demo data may do this: every
# real token is drawn at random (usage.brokers.create_token).
DEMO_BROKER_NAME = "Demolippu Oy"
DEMO_BROKER_TOKEN = "kkb_demo2026_" + "DemoTokenForTheLocalDemoServerOnly" + "000000"
DEMO_BROKER_SITES = [
    "Tampereen Teatteri, päänäyttämö",
    "Vapriikki",
    "Sampola",
    "Kalevan uimahalli",
]


def seed_demo_broker(net: DemoNetwork) -> Broker:
    """A ticket broker for the Tampere area's venues, with the fixed demo token."""
    broker, _ = Broker.objects.update_or_create(
        name=DEMO_BROKER_NAME,
        defaults={
            "area": net.areas["Tampereen seutu"],
            "contact_email": "tekninen@demolippu.example",
            "is_active": True,
        },
    )
    broker.sites.set([net.sites[name] for name in DEMO_BROKER_SITES])
    brokers.install_token(broker=broker, token=DEMO_BROKER_TOKEN, label="demo", actor="seed_demo")
    return broker


# ---------------------------------------------------------------------------
# National-size data for benchmarks
# ---------------------------------------------------------------------------


@transaction.atomic
def seed_scale(count: int, *, seed: int = 5, progress=None) -> int:
    """Bulk-create about `count` redemptions over five years with the cards and
    offerings they need, spread over every venue and distributor site. Returns
    the number of redemptions created."""
    from kaikukanta.demo.scale import ScaleSeeder

    return ScaleSeeder(count, seed=seed, progress=progress).run()
