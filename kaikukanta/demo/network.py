"""Demo data for the network: two areas, their municipalities, venue and
distributor sites, and one person per role. Idempotent: running it again
updates the same rows."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from venues.models import Area, Checklist, Membership, Municipality, Organisation, Site, User

DEMO_PASSWORD = "kaikukortti-demo"
# The demo's second factor, published like its password: the national admin and
# the coordinators log in with a recovery code (each works once; seed_demo
# restores them) or with an authenticator app given this key.
DEMO_TOTP_KEY = b"Kaikukanta-demo-key!".hex()
DEMO_RECOVERY_CODES = [f"demo{number:04d}" for number in range(1, 11)]

Role = Membership.Role
Kind = Organisation.Kind

AREAS = [
    {
        "name": "Tampereen seutu",
        "welfare_area": "Pirkanmaan hyvinvointialue",
        "website": "https://www.tampere.fi/kaikukortti",
        "municipalities": [
            ("Tampere", "837"),
            ("Nokia", "536"),
            ("Ylöjärvi", "980"),
            ("Kangasala", "211"),
        ],
    },
    {
        "name": "Keski-Suomi",
        "welfare_area": "Keski-Suomen hyvinvointialue",
        "website": "https://www.hyvaks.fi/kaikukortti",
        "municipalities": [("Jyväskylä", "179"), ("Äänekoski", "992"), ("Laukaa", "410")],
    },
]
# Municipalities outside the network, for postal codes of residence and later joiners.
OTHER_MUNICIPALITIES = [("Helsinki", "091"), ("Espoo", "049"), ("Turku", "853")]

# (organisation, kind, area, site name, municipality, address, postal code, contact)
SITES = [
    (
        "Tampereen Teatteri",
        Kind.VENUE,
        "Tampereen seutu",
        "Tampereen Teatteri, päänäyttämö",
        "Tampere",
        "Keskustori 2",
        "33100",
        ("Tiina Teatteri", "tiina.teatteri@example.fi", "040 100 0001"),
    ),
    (
        "Museokeskus Vapriikki",
        Kind.VENUE,
        "Tampereen seutu",
        "Vapriikki",
        "Tampere",
        "Alaverstaanraitti 5",
        "33100",
        ("Ville Vapriikki", "ville.vapriikki@example.fi", "040 100 0002"),
    ),
    (
        "Tampereen liikuntapalvelut",
        Kind.VENUE,
        "Tampereen seutu",
        "Kalevan uimahalli",
        "Tampere",
        "Sammonkatu 51",
        "33540",
        ("Ulla Uimari", "ulla.uimari@example.fi", "040 100 0003"),
    ),
    (
        "Tampereen työväenopisto Sampola",
        Kind.VENUE,
        "Tampereen seutu",
        "Sampola",
        "Tampere",
        "Sammonkatu 2",
        "33540",
        ("Olli Opisto", "olli.opisto@example.fi", "040 100 0004"),
    ),
    (
        "Jyväskylän kaupunginteatteri",
        Kind.VENUE,
        "Keski-Suomi",
        "Jyväskylän kaupunginteatteri",
        "Jyväskylä",
        "Vapaudenkatu 36",
        "40100",
        ("Jaana Jyväs", "jaana.jyvas@example.fi", "040 200 0001"),
    ),
    (
        "Keski-Suomen museo",
        Kind.VENUE,
        "Keski-Suomi",
        "Keski-Suomen museo",
        "Jyväskylä",
        "Alvar Aallon katu 7",
        "40600",
        ("Kalle Museo", "kalle.museo@example.fi", "040 200 0002"),
    ),
    (
        "Pirkanmaan hyvinvointialue",
        Kind.DISTRIBUTOR,
        "Tampereen seutu",
        "Hervannan sosiaalitoimisto",
        "Tampere",
        "Insinöörinkatu 38",
        "33720",
        ("Sanna Sosiaali", "sanna.sosiaali@example.fi", "040 100 0010"),
    ),
    (
        "Jyväskylän mielenterveysyhdistys ry",
        Kind.DISTRIBUTOR,
        "Keski-Suomi",
        "Mielenterveysyhdistyksen kohtaamispaikka",
        "Jyväskylä",
        "Kauppakatu 20",
        "40100",
        ("Maija Mieli", "maija.mieli@example.fi", "040 200 0010"),
    ),
]

# (email, name, role, site name or area name)
PEOPLE = [
    ("admin@kaikukanta.demo", "Kaisa Kaikukeskus", "national_admin", None),
    ("koordinaattori@kaikukanta.demo", "Kari Koordinaattori", Role.COORDINATOR, "Tampereen seutu"),
    ("koordinaattori.ks@kaikukanta.demo", "Kerttu Keski", Role.COORDINATOR, "Keski-Suomi"),
    (
        "yhteyshenkilo@kaikukanta.demo",
        "Tiina Teatteri",
        Role.VENUE_CONTACT,
        "Tampereen Teatteri, päänäyttämö",
    ),
    ("kassa@kaikukanta.demo", "Kalle Kassa", Role.CASHIER, "Tampereen Teatteri, päänäyttämö"),
    ("kassa@kaikukanta.demo", "Kalle Kassa", Role.CASHIER, "Vapriikki"),
    ("kassa@kaikukanta.demo", "Kalle Kassa", Role.CASHIER, "Sampola"),
    ("jakaja@kaikukanta.demo", "Jaana Jakaja", Role.DISTRIBUTOR, "Hervannan sosiaalitoimisto"),
    # More venue staff, so that the onboarding overview has people in every state.
    ("kassa.vapriikki@kaikukanta.demo", "Veera Vapriikki", Role.CASHIER, "Vapriikki"),
    ("kassa.uimahalli@kaikukanta.demo", "Uuno Uimahalli", Role.CASHIER, "Kalevan uimahalli"),
    (
        "yhteyshenkilo.jkl@kaikukanta.demo",
        "Jaana Jyväs",
        Role.VENUE_CONTACT,
        "Jyväskylän kaupunginteatteri",
    ),
]


@dataclass
class DemoNetwork:
    areas: dict[str, Area] = field(default_factory=dict)
    municipalities: dict[str, Municipality] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def venue_sites(self) -> list[Site]:
        return [s for s in self.sites.values() if s.organisation.kind == Kind.VENUE]

    def distributor_sites(self) -> list[Site]:
        return [s for s in self.sites.values() if s.organisation.kind == Kind.DISTRIBUTOR]


def seed_network() -> DemoNetwork:
    net = DemoNetwork()
    for spec in AREAS:
        area, _ = Area.objects.update_or_create(
            name=spec["name"],
            defaults={"welfare_area": spec["welfare_area"], "website": spec["website"]},
        )
        net.areas[area.name] = area
        for name, code in spec["municipalities"]:
            net.municipalities[name], _ = Municipality.objects.update_or_create(
                code=code, defaults={"name": name, "area": area}
            )
    for name, code in OTHER_MUNICIPALITIES:
        net.municipalities[name], _ = Municipality.objects.get_or_create(
            code=code, defaults={"name": name}
        )

    today = timezone.localdate()
    for index, (
        org_name,
        kind,
        area_name,
        site_name,
        municipality,
        address,
        postal,
        contact,
    ) in enumerate(SITES):
        organisation, _ = Organisation.objects.update_or_create(
            name=org_name, defaults={"kind": kind, "area": net.areas[area_name]}
        )
        site, _ = Site.objects.update_or_create(
            organisation=organisation,
            name=site_name,
            defaults={
                "municipality": net.municipalities[municipality],
                "street_address": address,
                "postal_code": postal,
                "contact_name": contact[0],
                "contact_email": contact[1],
                "contact_phone": contact[2],
            },
        )
        net.sites[site_name] = site
        if kind == Kind.VENUE and index % 2 == 0:
            # Half of the venues have a complete checklist, the rest miss items
            # or are overdue, so the coordinator's list has something to show.
            Checklist.objects.update_or_create(
                site=site,
                defaults={
                    "guideline_committed_on": datetime.date(today.year - 1, 3, 1),
                    "prices_page_url": f"https://example.fi/{site.pk}/hinnat",
                    "broker_informed": True,
                    "brokers": "Lippupiste, Ticketmaster",
                    "free_cloakroom": True,
                    "assistants_free_known": True,
                },
            )

    for email, name, role, place in PEOPLE:
        user, _ = User.objects.get_or_create(email=email, defaults={"full_name": name})
        user.full_name = name
        user.set_password(DEMO_PASSWORD)
        if role == "national_admin":
            user.is_national_admin = True
        user.save()
        net.users[email] = user
        if role == Role.COORDINATOR:
            Membership.objects.get_or_create(user=user, role=role, area=net.areas[place])
        elif role != "national_admin":
            Membership.objects.get_or_create(user=user, role=role, site=net.sites[place])
    return net


def demo_logins() -> list[tuple[str, str]]:
    """(role and place, email) for the README and the command's output."""
    labels = dict(Role.choices) | {"national_admin": "national admin (Kaikukeskus)"}
    seen: dict[str, list[str]] = {}
    for email, _name, role, place in PEOPLE:
        seen.setdefault(email, []).append(
            f"{labels[role]}, {place}" if place else str(labels[role])
        )
    return [("; ".join(roles), email) for email, roles in seen.items()]


def seed_demo_second_factor(net: DemoNetwork) -> list[User]:
    """Give the demo's people who need a second factor the published one."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kaikukanta import access

    people = [user for user in net.users.values() if access.second_factor_required(user)]
    for user in people:
        TOTPDevice.objects.filter(user=user).exclude(key=DEMO_TOTP_KEY).delete()
        TOTPDevice.objects.update_or_create(
            user=user, key=DEMO_TOTP_KEY, defaults={"name": "demo app", "confirmed": True}
        )
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=code) for code in DEMO_RECOVERY_CODES
        )
    return people


def demo_totp_secret() -> str:
    import base64

    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()
