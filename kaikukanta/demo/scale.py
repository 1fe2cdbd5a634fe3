"""A national-size data set for benchmarks: `seed_demo --scale N`.

DOMAIN.md's volume, times ten: 13 areas, about 120 municipalities, 450 venue
and 400 distributor sites, a card for every three uses, five years of uses
with about 16 % children's tickets. Rows are bulk-inserted (this is a loader,
not a recording channel) and obey the rules: the card is valid on the day, one
use per card, offering and day, children within the card's count, none on a
course. Running it again tops the set up to N; it never duplicates.
"""

import bisect
import datetime
import random
from collections.abc import Callable

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from usage.models import Card, CardPeriod, Redemption, one_year_from
from venues.models import Area, Municipality, Offering, Organisation, Site

AREAS = 13
MUNICIPALITIES = 120
VENUE_SITES = 450
DISTRIBUTOR_SITES = 400
YEARS = 5
USES_PER_CARD = 3
USES_PER_OFFERING = 20
BATCH = 5000
CARD_PREFIX = "S-"

SECTORS = ["culture"] * 12 + ["sports"] * 4 + ["education"] * 2 + ["science"] * 2
KINDS = ["show"] * 14 + ["admission"] * 3 + ["course"] * 3
CHANNELS = ["desk"] * 16 + ["api"] * 2 + ["import"] + ["paper"]
POSTAL_CODES = [f"{n:05d}" for n in range(100, 99000, 487)]


class ScaleSeeder:
    def __init__(self, count: int, *, seed: int, progress: Callable[[str], None] | None):
        self.target = count
        self.rng = random.Random(seed)
        self.say = progress or (lambda message: None)
        self.today = timezone.localdate()
        self.start = self.today - datetime.timedelta(days=365 * YEARS)

    def run(self) -> int:
        initial = self._existing()
        if initial >= self.target:
            self.say(f"{initial} benchmark uses exist already; nothing to add.")
            return 0
        venues, distributors = self._network()
        cards = self._cards(distributors, max(1000, self.target // USES_PER_CARD))
        offerings = self._offerings(venues, max(200, self.target // USES_PER_OFFERING))
        # A rare draw repeats a card at an offering and is skipped by the unique
        # constraint; a second round tops up what the first one missed.
        for _round in range(3):
            missing = self.target - self._existing()
            if missing <= 0:
                break
            self._redemptions(missing, cards, offerings)
        # The rows went in directly, past the recording service: recompute the
        # statistics summary from them.
        from stats.summary import rebuild

        self.say("Rebuilding the statistics summary…")
        rebuild()
        return self._existing() - initial

    def _existing(self) -> int:
        return Redemption.objects.filter(card__card_id__startswith=CARD_PREFIX).count()

    # --- the network ------------------------------------------------------

    def _network(self) -> tuple[list[int], list[int]]:
        areas = list(Area.objects.all())
        for n in range(len(areas), AREAS):
            areas.append(Area.objects.create(name=f"Vertailualue {n + 1}"))
        used_codes = set(Municipality.objects.values_list("code", flat=True))
        free_codes = (f"{n:03d}" for n in range(100, 1000) if f"{n:03d}" not in used_codes)
        municipalities = list(Municipality.objects.exclude(area=None))
        for n in range(len(municipalities), MUNICIPALITIES):
            municipalities.append(
                Municipality.objects.create(
                    name=f"Vertailukunta {n + 1}", code=next(free_codes), area=areas[n % AREAS]
                )
            )
        venues = self._sites(Organisation.Kind.VENUE, VENUE_SITES, municipalities)
        distributors = self._sites(Organisation.Kind.DISTRIBUTOR, DISTRIBUTOR_SITES, municipalities)
        return venues, distributors

    def _sites(self, kind: str, count: int, municipalities: list) -> list[int]:
        pks = list(Site.objects.filter(organisation__kind=kind).values_list("pk", flat=True))
        for n in range(len(pks), count):
            municipality = municipalities[n % len(municipalities)]
            organisation = Organisation.objects.create(
                name=f"Vertailu-{kind} {n + 1}", kind=kind, area=municipality.area
            )
            site = Site.objects.create(
                organisation=organisation,
                name=f"Vertailu-{kind} {n + 1}",
                municipality=municipality,
                contact_name="Vertailu",
                contact_email=f"vertailu-{kind}-{n + 1}@example.fi",
            )
            pks.append(site.pk)
        return pks

    # --- cards --------------------------------------------------------------

    def _cards(self, distributors: list[int], count: int) -> list[tuple]:
        """(issued_on, pk, children) of every benchmark card, sorted by issue day."""
        have = Card.objects.filter(card_id__startswith=CARD_PREFIX).count()
        if have < count:
            self.say(f"Creating {count - have} cards…")
            last = Card.objects.filter(card_id__startswith=CARD_PREFIX).aggregate(n=Max("card_id"))[
                "n"
            ]
            number = int(last[len(CARD_PREFIX) :]) if last else 0
            span = (self.today - self.start).days
            for batch_start in range(have, count, BATCH):
                batch = []
                for _ in range(min(BATCH, count - batch_start)):
                    number += 1
                    issued = self.start + datetime.timedelta(self.rng.randint(0, span))
                    batch.append(
                        Card(
                            card_id=f"{CARD_PREFIX}{number:08d}",
                            issued_by_id=self.rng.choice(distributors),
                            issued_on=issued,
                            valid_from=issued,
                            valid_until=one_year_from(issued),
                            birth_year=self.rng.randint(1935, self.today.year - 16),
                            postal_code=self.rng.choice(POSTAL_CODES),
                            children=self.rng.choice([0] * 6 + [1, 1, 2, 3]),
                            gender=self.rng.choice(["female", "male", "other", "not_told", ""]),
                            life_situation=self.rng.choice([*Card.LifeSituation.values, ""]),
                        )
                    )
                created = Card.objects.bulk_create(batch)
                CardPeriod.objects.bulk_create(
                    CardPeriod(
                        card_id=card.pk,
                        kind="issued",
                        valid_from=card.valid_from,
                        valid_until=card.valid_until,
                        site_id=card.issued_by_id,
                    )
                    for card in created
                )
        rows = Card.objects.filter(card_id__startswith=CARD_PREFIX).values_list(
            "issued_on", "pk", "children"
        )
        return sorted(rows.iterator(chunk_size=20000))

    # --- offerings -------------------------------------------------------------

    def _offerings(self, venues: list[int], count: int) -> list[tuple]:
        """(date, pk, kind) of benchmark offerings, spread over five years."""
        have = Offering.objects.filter(title__startswith="Vertailu").count()
        span = (self.today - self.start).days
        if have < count:
            self.say(f"Creating {count - have} offerings…")
            for batch_start in range(have, count, BATCH):
                batch = []
                for n in range(batch_start, min(batch_start + BATCH, count)):
                    kind = self.rng.choice(KINDS)
                    day = self.start + datetime.timedelta(self.rng.randint(0, span))
                    batch.append(
                        Offering(
                            site_id=self.rng.choice(venues),
                            kind=kind,
                            sector="education" if kind == "course" else self.rng.choice(SECTORS),
                            title=f"Vertailu {kind} {n + 1}",
                            date=day,
                            start_time=datetime.time(18, 0) if kind == "show" else None,
                            end_date=day + datetime.timedelta(60) if kind == "course" else None,
                        )
                    )
                Offering.objects.bulk_create(batch)
        rows = Offering.objects.filter(title__startswith="Vertailu").values_list(
            "date", "pk", "kind", "site_id"
        )
        return list(rows.iterator(chunk_size=20000))

    # --- uses ---------------------------------------------------------------------

    def _redemptions(self, missing: int, cards: list[tuple], offerings: list[tuple]) -> None:
        issue_days = [card[0] for card in cards]
        self.say(f"Creating {missing} uses…")
        insert = self._copy_redemptions if connection.vendor == "postgresql" else self._bulk_create
        done = 0
        while done < missing:
            size = min(BATCH * 4, missing - done)
            rows = [self._redemption(issue_days, cards, offerings) for _ in range(size)]
            insert([row for row in rows if row is not None])
            done += size
            if done % (BATCH * 40) == 0:
                self.say(f"  {done} uses")

    @staticmethod
    def _bulk_create(rows: list[Redemption]) -> None:
        Redemption.objects.bulk_create(rows, ignore_conflicts=True)

    @staticmethod
    def _copy_redemptions(rows: list[Redemption]) -> None:
        """PostgreSQL's COPY into a scratch table, then one INSERT that skips the
        rare repeat: about ten times faster than bulk_create."""
        columns = [
            "card_id",
            "site_id",
            "offering_id",
            "used_on",
            "children",
            "channel",
            "recorded_at",
            "over_cap",
            "request_fingerprint",
            "void_reason",
        ]
        table = Redemption._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS scale_rows AS "
                f"SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY scale_rows ({', '.join(columns)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(
                        (
                            r.card_id,
                            r.site_id,
                            r.offering_id,
                            r.used_on,
                            r.children,
                            r.channel,
                            r.recorded_at,
                            False,
                            "",
                            "",
                        )
                    )
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {', '.join(columns)} FROM scale_rows ON CONFLICT DO NOTHING"
            )
            cursor.execute("DELETE FROM scale_rows")

    def _redemption(self, issue_days, cards, offerings) -> Redemption | None:
        day, offering_pk, kind, site_pk = self.rng.choice(offerings)
        # A card valid on the day: issued at most a year before it.
        low = bisect.bisect_left(issue_days, day - datetime.timedelta(days=364))
        high = bisect.bisect_right(issue_days, day)
        if low >= high:
            return None
        _issued, card_pk, card_children = cards[self.rng.randrange(low, high)]
        children = 0
        if kind != "course" and card_children and self.rng.random() < 0.5:
            children = self.rng.randint(1, card_children)
        recorded_at = datetime.datetime.combine(
            day,
            datetime.time(self.rng.randint(9, 20), self.rng.randint(0, 59)),
            timezone.get_current_timezone(),
        )
        return Redemption(
            card_id=card_pk,
            site_id=site_pk,
            offering_id=offering_pk,
            used_on=day,
            children=children,
            channel=self.rng.choice(CHANNELS),
            recorded_at=recorded_at,
        )
