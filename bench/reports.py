"""Benchmark of the reports at national volume, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kaikukanta_bench5m \\
        python bench/reports.py [--repeat 7]

The database holds `seed_demo --scale 5000000` (five years, 5 M uses). The first
run adds one busy venue site with 100,000 uses in the benchmark year (the
row-level export's target size) and rebuilds the summary; later runs reuse it.

Each report is requested through Django's test client, in process, as the user
who would open it (server time: middleware, access checks, queries,
rendering), warm, median of --repeat runs. Beside it, in the same run:

- its own SQL, bare: the statements the request issued, replayed through a
  cursor (what the database costs; the rest is Python);
- the floor: the bare SQL aggregate behind the page, that is the same figures
  computed from the raw uses (the statements the page issues with the summary
  switched off, as while it is stale, replayed bare). For an export, fetching
  its rows.

Exports also report their peak memory: the process's resident-set high-water
mark (reset before each export) and tracemalloc's peak of Python allocations.
Results go to stdout as a Markdown table (docs/performance.md keeps them).
"""

import argparse
import bisect
import datetime
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from stats import summary  # noqa: E402
from tests import logins  # noqa: E402
from usage.models import Card, Redemption  # noqa: E402
from venues.models import Area, Membership, Offering, Organisation, Site, User  # noqa: E402

YEAR = 2025
BUSY_SITE = "Vertailu: vilkas uimahalli"
BUSY_USES = 100_000
TARGET_PAGE_MS = 500
TARGET_EXPORT_S = 10
TARGET_EXPORT_MB = 300
TARGET_PDF_S = 5


# ---------------------------------------------------------------------------
# The data the benchmark needs beyond seed_demo --scale
# ---------------------------------------------------------------------------


def busy_site() -> Site:
    """A venue site with BUSY_USES uses in YEAR (created once, in bulk)."""
    site = Site.objects.filter(name=BUSY_SITE).first()
    if site and Redemption.objects.filter(site=site, used_on__year=YEAR).count() >= BUSY_USES:
        return site
    print(f"Preparing {BUSY_SITE} with {BUSY_USES} uses in {YEAR} (once)…", flush=True)
    area = Area.objects.order_by("pk").first()
    municipality = area.municipalities.order_by("pk").first()
    organisation, _ = Organisation.objects.get_or_create(
        name=BUSY_SITE, defaults={"kind": Organisation.Kind.VENUE, "area": area}
    )
    site, _ = Site.objects.get_or_create(
        organisation=organisation,
        name=BUSY_SITE,
        defaults={
            "municipality": municipality,
            "contact_name": "Vertailu",
            "contact_email": "vertailu-uimahalli@example.fi",
        },
    )
    offering, _ = Offering.objects.get_or_create(
        site=site,
        title="Vertailu: uinti",
        kind=Offering.Kind.ADMISSION,
        defaults={
            "sector": Offering.Sector.SPORTS,
            "date": datetime.date(YEAR, 1, 1),
            "end_date": datetime.date(YEAR, 12, 31),
        },
    )
    cards = sorted(
        Card.objects.filter(
            issued_on__gte=datetime.date(YEAR - 1, 1, 2), issued_on__lte=datetime.date(YEAR, 12, 31)
        )
        .values_list("issued_on", "pk", "children")
        .iterator(chunk_size=20000)
    )
    issued = [card[0] for card in cards]
    rng = random.Random(YEAR)
    days = [datetime.date(YEAR, 1, 1) + datetime.timedelta(n) for n in range(365)]
    per_day = BUSY_USES // len(days) + 1
    tz = timezone.get_current_timezone()
    rows = []
    for day in days:
        low = bisect.bisect_left(issued, day - datetime.timedelta(days=364))
        high = bisect.bisect_right(issued, day)
        for index in rng.sample(range(low, high), per_day):
            _issued, card_pk, card_children = cards[index]
            children = rng.randint(1, card_children) if card_children and rng.random() < 0.4 else 0
            recorded = datetime.datetime.combine(day, datetime.time(rng.randint(9, 20)), tz)
            rows.append((card_pk, site.pk, offering.pk, day, children, "desk", recorded))
    rows = rows[:BUSY_USES]
    with connection.cursor() as cursor:
        columns = "card_id, site_id, offering_id, used_on, children, channel, recorded_at"
        table = Redemption._meta.db_table
        with cursor.cursor.copy(
            f"COPY {table} ({columns}, over_cap, request_fingerprint, void_reason) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row((*row, False, "", ""))
    print("Rebuilding the summary…", flush=True)
    summary.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # fresh statistics and visibility map
    return site


def person(email: str, **membership) -> User:
    user, _ = User.objects.get_or_create(email=email, defaults={"full_name": email})
    if membership.pop("national_admin", False) and not user.is_national_admin:
        user.is_national_admin = True
        user.save(update_fields=["is_national_admin"])
    if membership:
        Membership.objects.get_or_create(user=user, **membership)
    return user


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


def consume(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def capture(client: Client, url: str) -> list[str]:
    """The statements a request runs (a server-side cursor's query stands for its
    DECLARE, FETCH and CLOSE)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        consume(response)
    assert response.status_code == 200, (url, response.status_code)
    statements = []
    for query in ctx.captured_queries:
        sql = query["sql"]
        if sql.startswith("DECLARE "):
            statements.append(sql.split(" CURSOR WITH HOLD FOR ", 1)[-1])
        elif not sql.startswith(("FETCH ", "CLOSE ")):
            statements.append(sql)
    return statements


CPU: dict[str, float] = {}


def timed(client: Client, url: str, repeat: int) -> list[float]:
    """Wall-clock seconds of each request; CPU[url] keeps this process's median
    CPU seconds (the machine is shared: wall time includes waiting for a core)."""
    samples, cpu = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        consume(response)
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        assert response.status_code == 200
    CPU[url] = statistics.median(cpu)
    return samples


def replay(statements: list[str], repeat: int) -> list[float]:
    """The bare SQL floor: the request's statements, straight through a cursor."""
    samples = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
            samples.append(time.perf_counter() - started)
    return samples


def sql_time(sql: str, params: list, repeat: int) -> list[float]:
    samples = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            samples.append(time.perf_counter() - started)
    return samples


def reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM (Linux)


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class switched_off_summary:
    """Reports read the raw uses while inside (as when the summary is stale)."""

    def __enter__(self):
        self.saved = summary.is_fresh, summary.status
        summary.is_fresh = lambda: False
        summary.status = lambda: summary.Status(fresh=False, folded_before=None)

    def __exit__(self, *exc):
        summary.is_fresh, summary.status = self.saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    n = args.repeat
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL: set DATABASE_URL.")

    site = busy_site()
    area = site.municipality.area
    admin = person("bench-admin@example.fi", national_admin=True)
    coordinator = person("bench-coordinator@example.fi", role="coordinator", area=area)
    contact = person("bench-contact@example.fi", role="venue_contact", site=site)
    clients = {}
    for user in (admin, coordinator, contact):
        # Signed in with the second factor passed (national admins and
        # coordinators must have one), as tests/logins.py does.
        clients[user.email] = logins.log_in(Client(), user)
    year = f"period=year&year={YEAR}"

    cases = [
        (
            "Area-year report page",
            clients[coordinator.email],
            reverse("admin:stats_area", args=[area.pk]) + "?" + year,
            "page",
        ),
        (
            "National report page",
            clients[admin.email],
            reverse("admin:stats_national") + "?" + year,
            "page",
        ),
        (
            "Site-month report page",
            clients[contact.email],
            reverse("admin:stats_site", args=[site.pk]) + f"?period=month&year={YEAR}&month=6",
            "page",
        ),
        (
            f"Uses of a year, one site, xlsx ({BUSY_USES:,} rows)",
            clients[contact.email],
            reverse("admin:stats_site_uses", kwargs={"pk": site.pk, "fmt": "xlsx"}) + "?" + year,
            "export",
        ),
        (
            f"Uses of a year, one site, CSV ({BUSY_USES:,} rows)",
            clients[contact.email],
            reverse("admin:stats_site_uses", kwargs={"pk": site.pk, "fmt": "csv"}) + "?" + year,
            "export",
        ),
        (
            "Area-year report, PDF",
            clients[coordinator.email],
            reverse("admin:stats_area_export", kwargs={"pk": area.pk, "fmt": "pdf"}) + "?" + year,
            "pdf",
        ),
        (
            "Annual feedback-meeting report, PDF",
            clients[coordinator.email],
            reverse("admin:stats_annual_pdf", args=[area.pk]) + f"?year={YEAR}",
            "pdf",
        ),
        (
            "Annual feedback-meeting report, PDF, small figures hidden",
            clients[coordinator.email],
            reverse("admin:stats_annual_pdf", args=[area.pk]) + f"?year={YEAR}&public=on",
            "pdf",
        ),
    ]

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(
        f"\nPostgreSQL {version}; {Redemption.objects.count():,} uses; "
        f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}; "
        f"summary fresh: {summary.is_fresh()}; median of {n} runs (floors from raw: of 3).\n"
    )
    print(
        "| measurement | server time (of which CPU here) | its own SQL, bare "
        "| floor: the same figures from the raw uses, bare SQL | server ÷ floor "
        "| peak memory | target | met |"
    )
    print("|---|---:|---:|---:|---:|---|---|---|")
    for label, client, url, kind in cases:
        statements = capture(client, url)  # also warms caches
        memory = ""
        if kind == "export":
            reset_peak_rss()
            base = peak_rss_mb()
            samples = timed(client, url, n)
            rss = peak_rss_mb()
            tracemalloc.start()
            consume(client.get(url))
            _current, traced = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            memory = f"{rss:.0f} MB RSS (+{max(rss - base, 0):.0f}); {traced / 2**20:.0f} MB traced"
            own = replay(statements, n)
            floor = sql_time(*_rows_sql(site), n)
            floor_note = "the rows, fetched"
            seconds = statistics.median(samples)
            met = seconds < TARGET_EXPORT_S and rss < TARGET_EXPORT_MB
            target = f"< {TARGET_EXPORT_S} s, < {TARGET_EXPORT_MB} MB"
        else:
            samples = timed(client, url, n)
            own = replay(statements, n)
            with switched_off_summary():
                raw_statements = capture(client, url)
            floor = replay(raw_statements, 3)
            floor_note = f"{len(raw_statements)} statements"
            seconds = statistics.median(samples)
            ratio = seconds / statistics.median(floor)
            if kind == "pdf":
                met = seconds < TARGET_PDF_S
                target = f"< {TARGET_PDF_S} s"
            else:
                met = seconds * 1000 < TARGET_PAGE_MS and ratio <= 2
                target = f"< {TARGET_PAGE_MS} ms, ≤ 2× floor"
        ratio = seconds / statistics.median(floor)
        print(
            f"| {label} | {median_ms(samples):.0f} ms (CPU {CPU[url] * 1000:.0f}) "
            f"| {median_ms(own):.0f} ms "
            f"({len(statements)} statements) | {median_ms(floor):.0f} ms ({floor_note}) "
            f"| {ratio:.2f} | {memory} | {target} | {'yes' if met else 'NO'} |"
        )
    recording_cost()


def recording_cost(repeat: int = 150) -> None:
    """What the summary's upkeep adds to recording a use: record_redemption
    with and without the hook, in a transaction that is rolled back."""
    from django.db import transaction

    from usage import services

    today = timezone.localdate()
    cards = list(
        Card.objects.filter(
            valid_from__lte=today, valid_until__gte=today, closed_on__isnull=True
        ).values_list("card_id", flat=True)[: 2 * repeat]
    )
    results = {}
    with transaction.atomic():
        area = Area.objects.order_by("pk").first()
        organisation = Organisation.objects.create(
            name="Vertailu: kirjaus", kind=Organisation.Kind.VENUE, area=area
        )
        site = Site.objects.create(
            organisation=organisation,
            name="Vertailu: kirjaus",
            municipality=area.municipalities.first(),
            contact_name="Vertailu",
            contact_email="vertailu-kirjaus@example.fi",
        )
        offering = Offering.objects.create(
            site=site, kind="admission", sector="culture", title="Vertailu", date=today
        )
        for label, batch in (("with", cards[:repeat]), ("without", cards[repeat:])):
            saved = services.stats_summary.use_recorded
            if label == "without":
                services.stats_summary.use_recorded = lambda redemption: None
            try:
                started = time.perf_counter()
                for card_id in batch:
                    services.record_redemption(
                        card_id=card_id, site=site, offering=offering, channel="desk"
                    )
                results[label] = (time.perf_counter() - started) / len(batch)
            finally:
                services.stats_summary.use_recorded = saved
        transaction.set_rollback(True)
    print(
        f"\nRecording one use (record_redemption, {repeat} cards, rolled back): "
        f"{results['with'] * 1000:.1f} ms with the summary's upkeep, "
        f"{results['without'] * 1000:.1f} ms without."
    )


def _rows_sql(site: Site) -> tuple[str, list]:
    from stats.filters import Period
    from stats.queries import site_uses

    query = site_uses(site, Period.year(YEAR)).query
    sql, params = query.sql_with_params()
    return sql, list(params)


if __name__ == "__main__":
    main()
