"""Benchmark: the preview of a 10,000-row offline table, next to a plain
openpyxl read of the same file.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kaikukanta \\
        .venv/bin/python bench/import_preview.py [--rows 10000] [--confirm]

It creates a throwaway test database (test_<name> on PostgreSQL, a temporary
file on SQLite), seeds one venue site with 40 shows of the past weeks and
10,000 registered cards, and writes a table the way the import meets it in
real life: the downloaded table's headers and hidden offering sheet, labels
from the dropdown, a notes column, ~3 % rows repeated within the file, ~2 %
unknown cards, ~1 % bad dates, and shows that fill past their caps. Then it
measures, each phase on its own:

  plain read   openpyxl read-only, data_only: every row's values, nothing else
  our read     usage.sheets.files + interpret_rows: the checks, the scan of
               the sheet's XML, every value parsed, offerings resolved
  preview      usage.sheets.imports.start_file_import: the read, every row through
               record_redemptions in one transaction rolled back, the batch saved
  confirm      (with --confirm) the same rows recorded for real

Time is wall-clock; memory is the process's peak resident set during the
phase (Linux: /proc/self/clear_refs resets the peak) and the peak of Python's
own allocations (tracemalloc, in a second run of the read phases only, since
it slows everything down). Results go to stdout and bench/results/.
"""

import argparse
import datetime
import gc
import io
import json
import os
import platform
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaikukanta.settings")
os.environ.setdefault("AXES_ENABLED", "0")


def _status(field: str) -> int:
    """A field of /proc/self/status in KiB (0 where there is none)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def measure(name: str, run, *, python_heap: bool = False) -> dict:
    gc.collect()
    resettable = _reset_peak()
    rss_before = _status("VmRSS")
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    peak_rss = _status("VmHWM") if resettable else 0
    row = {
        "phase": name,
        "seconds": round(seconds, 2),
        "rss_before_mb": round(rss_before / 1024, 1),
        "peak_rss_mb": round(peak_rss / 1024, 1) if peak_rss else None,
        "peak_rss_growth_mb": round((peak_rss - rss_before) / 1024, 1) if peak_rss else None,
    }
    if python_heap:
        gc.collect()
        tracemalloc.start()
        run()
        row["python_heap_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    print(
        f"{name:<12} {row['seconds']:>7.2f} s   peak RSS {row['peak_rss_mb']} MB "
        f"(+{row['peak_rss_growth_mb']} MB)"
        + (f"   Python heap peak {row['python_heap_peak_mb']} MB" if python_heap else ""),
        flush=True,
    )
    return row | {"result": result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--confirm", action="store_true", help="also time the confirmation")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    import django
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        # A file, as in the demo: an in-memory database would flatter the timings.
        db["TEST"] = {"NAME": os.path.join(tempfile.mkdtemp(), "bench.sqlite3")}
    else:
        # Not test_<name>: a test run on the same server may be using that one.
        db["TEST"] = {"NAME": f"bench_import_{os.getpid()}"}
    django.setup()
    from django.db import connection

    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args, connection.vendor, test_db)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


def seed(rows: int, rng: random.Random):
    from django.utils import timezone

    from bench import world
    from venues.models import Membership, Offering, Organisation, User

    today = timezone.localdate()
    network = world.Network("Benchmark area", "Benchmark town", "Contact")
    venue = network.site("Benchmark theatre", Organisation.Kind.VENUE)
    distributor = network.site("Benchmark social services", Organisation.Kind.DISTRIBUTOR)
    user = User.objects.create_user("bench@example.fi", full_name="Bench Contact")
    Membership.objects.create(user=user, role=Membership.Role.VENUE_CONTACT, site=venue)
    shows = Offering.objects.bulk_create(
        Offering(
            site=venue,
            kind=Offering.Kind.SHOW,
            sector=Offering.Sector.CULTURE,
            title=f"Show {n}",
            date=today - datetime.timedelta(days=1 + n // 2),
            start_time=datetime.time(13 + 5 * (n % 2), 0),
            # Caps that the file's rows fill past, on a few shows.
            cap=rng.choice([None, None, 400, 150]),
        )
        for n in range(40)
    )
    cards = world.make_cards(
        distributor,
        rows,
        card_id=lambda n: f"BK{n:07d}",
        issued=today - datetime.timedelta(days=200),
        children=lambda n: n % 3,
    )
    return venue, user, shows, cards


def table(venue, shows, cards, rows: int, rng: random.Random) -> tuple[bytes, dict]:
    """The downloaded table, filled with `rows` rows as a venue would."""
    from openpyxl import load_workbook

    from usage.sheets.offline_table import build_table, offering_label

    dates = [s.date for s in shows]
    wb = load_workbook(io.BytesIO(build_table(venue, min(dates), max(dates))))
    ws = wb.active
    mix = {"good": 0, "repeated": 0, "unknown_card": 0, "bad_date": 0}
    written: list[list] = []
    for n in range(rows):
        roll = rng.random()
        if roll < 0.03 and written:
            row = list(rng.choice(written))
            mix["repeated"] += 1
        else:
            show = rng.choice(shows)
            card = cards[n]
            children = rng.choice([0, 0, 0, card.children])
            row = [show.date, offering_label(show), card.card_id, children, "kassa 2"]
            if roll < 0.05:
                row[2] = f"XX{n:07d}"
                mix["unknown_card"] += 1
            elif roll < 0.06:
                row[0] = "31.2.2026"
                mix["bad_date"] += 1
            else:
                mix["good"] += 1
        written.append(row)
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), mix


def run(args, vendor: str, test_db: str) -> None:
    from django.conf import settings
    from django.db import connection
    from openpyxl import load_workbook

    from usage.models import ImportBatch, Redemption
    from usage.sheets import imports
    from usage.sheets.files import open_upload
    from venues.models import Site

    rng = random.Random(args.seed)
    print(f"Seeding {args.rows} cards on {vendor} ({test_db}) …", flush=True)
    venue, user, shows, cards = seed(args.rows, rng)
    data, mix = table(venue, shows, cards, args.rows, rng)
    print(f"A table of {args.rows} rows: {len(data) / 1024:.0f} KiB; rows {mix}", flush=True)
    site = Site.objects.select_related("organisation", "municipality__area").get(pk=venue.pk)

    def plain_read():
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        count = sum(1 for _ in wb.active.iter_rows(values_only=True))
        wb.close()
        return count

    def our_read():
        upload = open_upload(data, "bench.xlsx")
        located = upload.locate(lambda headers: bool(imports.own_mapping(headers)))
        mapping = imports.own_mapping(located.headers)
        read = upload.read_rows(located.sheet_name, located.header_row, mapping.columns)
        upload.close()
        return len(imports.interpret_rows(read.rows, site=site, key_labels=read.key_labels))

    statements = {"count": 0}

    def counting(execute, sql, params, many, context):
        statements["count"] += 1
        return execute(sql, params, many, context)

    def preview():
        with connection.execute_wrapper(counting):
            batch = imports.start_file_import(
                site=site, user=user, data=data, file_name="bench.xlsx"
            )
        return batch.pk

    results = [
        measure("plain read", plain_read, python_heap=True),
        measure("our read", our_read, python_heap=True),
    ]
    before = Redemption.objects.count()
    results.append(measure("preview", preview))
    assert Redemption.objects.count() == before, "the preview saved uses"
    batch = ImportBatch.objects.get(pk=results[-1]["result"])
    results[-1]["sql_statements"] = statements["count"]
    print(
        f"preview outcome: {batch.counts}; {statements['count']} SQL statements "
        f"({statements['count'] / args.rows:.1f} a row)",
        flush=True,
    )
    if args.confirm:
        results.append(
            measure(
                "confirm",
                lambda: imports.confirm_batch(batch=batch, site=site, user=user).counts,
            )
        )
        print(f"recorded: {Redemption.objects.count() - before}", flush=True)

    report = {
        "when": datetime.datetime.now().isoformat(timespec="seconds"),
        "database": vendor,
        "rows": args.rows,
        "file_kib": round(len(data) / 1024),
        "mix": mix,
        "preview_counts": batch.counts,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
        "phases": [{k: v for k, v in r.items() if k != "result"} for r in results],
    }
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"import_preview-{vendor}-{report['when'].replace(':', '')}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"load average {os.getloadavg()}; written to {path.relative_to(ROOT)}")
    connection.close()


if __name__ == "__main__":
    main()
