"""Benchmark: recording a use (the broker API and the desk) and the API's card
check, each beside a bare baseline measured in the same run (issue 12).

    .venv/bin/python bench/recording.py [--duration 15] [--connections 16]
        [--workers 4] [--database postgres://postgres@127.0.0.1:5432/kaikukanta_recording]
        [--redis redis://127.0.0.1:6379/15]

It (re)creates the database, migrates it and seeds it (8 venue sites with a
show each today, a broker token for all 8, a cashier signed in at each site,
cards enough for every request), starts the app in gunicorn (production
settings, bench/load_settings.py: DEBUG off, persistent connections;
`--workers` sync workers) and loads it with wrk (Debian's `wrk`, `-t2`,
`--connections` connections): after a short warm-up, `--rounds` rounds in which
each scenario runs `--duration / --rounds` seconds in turn, so that the other
load of a shared machine falls on the baselines and the scenarios alike:

  floor        POST /bench/floor/: one INSERT in a transaction (bench/load_urls.py)
  api          POST /api/v1/redemptions: a new card each time, over the 8 sites
  hot show     the same, every request on one offering (serialised by its lock)
  desk         POST /desk/record/, each site's cashier in turn with their session:
               a new card each time, over the 8 sites (as the api scenario)
  desk hot show  the same, every request by the first site's cashier on its show
  trivial      GET /bench/trivial/: returns "ok"
  card check   GET /api/v1/cards/{id}

The rate limits are set far above the load (they are counted on every request,
one statement each, but never refuse). After every run the database's rows are
counted: each scenario's rows must be exactly its 2xx answers, plus at most
the requests still in flight when wrk stopped (≤ connections), with no card
recorded twice. Before the load, each request is sent once in process with
its SQL statements counted (the production path: a real transaction, not a
test's savepoint).

Prints a table; with --json, also the figures as JSON. The machine is shared:
compare the ratios, not the absolute figures.
"""

import argparse
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS = "bench.load_settings"
SITES = 8
CARD_PREFIX = "BEN-"
# Each scenario takes its cards from its own block; each run (the warm-up, each
# round) from its own part of it, and each wrk thread (2) from its own half of that.
BLOCK = 40_000
# A database setting of kaikukanta/settings.py passes through, for measuring with it off.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")
PASSED_THROUGH += ("DATABASE_PREPARED_STATEMENTS",)


def app_env(database_url: str, redis_url: str | None) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DATABASE_URL=database_url,
        DEBUG="0",
        # Counted on every request, never reached: the limits are not what is measured.
        API_RATE_LIMIT="1000000/s",
        API_CARD_CHECK_RATE_LIMIT="1000000/s",
        PYTHONUNBUFFERED="1",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",  # testserver: the in-process counts
        PYTHONPATH=str(BASE_DIR),
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def run_here(args: list[str], env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise SystemExit(f"A database name of lower-case letters, digits and _: {name!r}")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


def stand_in_for_autovacuum(url: str) -> None:
    """VACUUM ANALYZE between rounds when the server runs no autovacuum (the
    development machines' PostgreSQL has it off): without it the planner
    keeps the statistics of the empty tables that the seed analysed, and
    every round reads more dead row versions, which production's autovacuum
    would not leave."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        if connection.execute("SHOW autovacuum").fetchone()[0] == "off":
            connection.execute("VACUUM ANALYZE")


# ---------------------------------------------------------------------------
# Seeding and counting, in the app's settings (run as `recording.py seed` etc.)
# ---------------------------------------------------------------------------


def _django() -> None:
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def seed(cards: int) -> dict:
    _django()
    from django.db import connection

    from bench import world
    from bench.load_urls import FLOOR_TABLE

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {FLOOR_TABLE} (id bigserial PRIMARY KEY, body text)")
    seeded = world.seed(sites=SITES, cards=cards, card_id=_card_id, token_label="bench")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return seeded


def _card_id(n: int) -> str:
    return f"{CARD_PREFIX}{n:07d}"


def statements(seeded: dict, first_card: int) -> dict:
    """Each request twice, in process, the second's SQL statements counted (the
    first writes the token's last use and the desk's site once a minute), cards
    from `first_card` on, outside the load's blocks. Django logs the
    transaction's BEGIN and COMMIT on PostgreSQL: they are counted."""
    _django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, send in requests_in_process(seeded, itertools.count(first_card)).items():
        if name == "floor":
            continue  # its rows would be counted as the load's (the uses are outside its blocks)
        send()
        with CaptureQueriesContext(connection) as captured:
            send()
        counts[name] = len(captured)
    return counts


def requests_in_process(seeded: dict, cards: Iterator[int]) -> dict[str, Callable[[], None]]:
    """Each scenario's request as a function that sends one through the whole
    WSGI handler (Django's test client: middleware, session, CSRF, a real
    transaction) as wrk sends it, each recording with the next card of
    `cards`, and checks its answer. Django must be set up."""
    import uuid
    from urllib.parse import urlencode

    from django.test import Client

    from kaikukanta import ratelimit

    ratelimit._next_sweep = float("inf")  # the sweep, every five minutes, is not a request's
    api, desk = Client(), Client()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {seeded['token']}"}
    desk.cookies[seeded["session_cookie"]] = seeded["sessions"][0]
    desk.cookies["csrftoken"] = CSRF

    def checked(response) -> None:
        if response.status_code not in (200, 201, 302):
            raise RuntimeError(f"{response.status_code} {response.content[:300]!r}")

    def floor() -> None:
        checked(api.post("/bench/floor/", "one row", content_type="text/plain"))

    def api_recording() -> None:
        body = {
            "card_id": _card_id(next(cards)),
            "site_id": seeded["sites"][1],
            "offering_id": seeded["offerings"][1],
        }
        checked(
            api.post(
                "/api/v1/redemptions",
                json.dumps(body),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
                **bearer,
            )
        )

    def desk_recording() -> None:
        form = {
            "site": seeded["sites"][0],
            "day": seeded["today"],
            "card": _card_id(next(cards)),
            "offering": seeded["offerings"][0],
            "children": 0,
            "key": f"desk:{seeded['cashiers'][0]}:{uuid.uuid4().hex}",
            "csrfmiddlewaretoken": CSRF,
        }
        checked(
            desk.post(
                "/desk/record/", urlencode(form), content_type="application/x-www-form-urlencoded"
            )
        )

    def card_check() -> None:
        checked(api.get(f"/api/v1/cards/{_card_id(next(cards))}", **bearer))

    return {"floor": floor, "api": api_recording, "desk": desk_recording, "card check": card_check}


def count_rows(seeded: dict) -> dict:
    """The rows of each scenario as the database holds them."""
    _django()
    from django.db import connection

    from bench.load_urls import FLOOR_TABLE

    rows = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {FLOOR_TABLE}")
        rows["floor"] = cursor.fetchone()[0]
        for name, block in BLOCKS.items():
            if not block:
                continue
            low, high = _card_id(block * BLOCK), _card_id((block + 1) * BLOCK)
            cursor.execute(
                "SELECT count(*), count(DISTINCT r.card_id), count(DISTINCT r.idempotency_key), "
                "count(*) FILTER (WHERE r.voided_at IS NOT NULL) "
                "FROM usage_redemption r JOIN usage_card c ON c.id = r.card_id "
                "WHERE c.card_id >= %s AND c.card_id < %s",
                [low, high],
            )
            total, cards, keys, voided = cursor.fetchone()
            cursor.execute(
                "SELECT count(*) FROM kaikukanta_auditentry a JOIN usage_redemption r "
                "ON a.object_type = 'usage.redemption' AND a.object_id = r.id::text "
                "JOIN usage_card c ON c.id = r.card_id WHERE c.card_id >= %s AND c.card_id < %s",
                [low, high],
            )
            audited = cursor.fetchone()[0]
            rows[name] = {
                "rows": total,
                "distinct_cards": cards,
                "distinct_keys": keys,
                "voided": voided,
                "audit_entries": audited,
            }
        cursor.execute("SELECT coalesce(sum(uses), 0) FROM stats_usecell")
        rows["summary_uses"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM usage_redemption WHERE voided_at IS NULL")
        rows["all_uses"] = cursor.fetchone()[0]
    return rows


# ---------------------------------------------------------------------------
# The server and the load
# ---------------------------------------------------------------------------


LUA_COMMON = r"""
local threads = {}
local counter = 0
tid = 0
ok = 0
statuses = ""
local seen = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status >= 200 and status < 400 then
    ok = ok + 1
  elseif not seen[status] then
    seen[status] = true
    statuses = statuses .. status .. " " .. string.sub(body or "", 1, 200) .. "\n"
  end
end

function next_n()
  counter = counter + 1
  return BASE + tid * STRIDE + counter
end

function card_id(n)
  return string.format("BEN-%07d", n)
end

function key(n)
  return string.format("%08x%08x%016x", math.random(0, 0x7fffffff),
    math.random(0, 0x7fffffff), n)
end

function done(summary, latency, requests)
  local total_ok = 0
  local text = ""
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    text = text .. thread:get("statuses")
  end
  io.write(string.format("RESULT %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    total_ok, latency:percentile(50), latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write("STATUSES\n" .. text .. "END\n")
end
"""


def lua_script(scenario: str, seeded: dict, base: int, stride: int) -> str:
    today = seeded["today"]
    head = f"BASE = {base}\nSTRIDE = {stride}\n" + "".join(
        f"{name.upper()} = {{{', '.join(map(json.dumps, seeded[name]))}}}\n"
        for name in ("sites", "offerings", "cashiers", "sessions")
    )
    api_headers = (
        f'["Authorization"] = "Bearer {seeded["token"]}", ["Content-Type"] = "application/json"'
    )
    api = f"""  local body = string.format('{{"card_id": "%s", "site_id": %d, "offering_id": %d}}',
    card_id(n), SITES[i], OFFERINGS[i])
  return wrk.format("POST", "/api/v1/redemptions",
    {{{api_headers}, ["Idempotency-Key"] = key(n)}}, body)"""
    desk = f"""  local body = string.format(
    "site=%d&day={today}&card=%s&offering=%d&children=0&key=desk%%3A%d%%3A%s"
    .. "&csrfmiddlewaretoken={CSRF}", SITES[i], card_id(n), OFFERINGS[i], CASHIERS[i], key(n))
  return wrk.format("POST", "/desk/record/", {{
    ["Cookie"] = "{seeded["session_cookie"]}=" .. SESSIONS[i] .. "; csrftoken={CSRF}",
    ["Content-Type"] = "application/x-www-form-urlencoded"}}, body)"""
    bodies = {
        "floor": 'return wrk.format("POST", "/bench/floor/", nil, "one row")',
        "trivial": 'return wrk.format("GET", "/bench/trivial/")',
        "api": f"""
  local n = next_n()
  local i = n % {SITES} + 1  -- each site in turn
{api}""",
        "hot show": f"""
  local n = next_n()
  local i = 1
{api}""",
        "desk": f"""
  local n = next_n()
  local i = n % {SITES} + 1  -- the cashier at each site in turn
{desk}""",
        "desk hot show": f"""
  local n = next_n()
  local i = 1
{desk}""",
        "card check": f"""
  local n = (next_n() % {seeded["cards"]})
  return wrk.format("GET", "/api/v1/cards/" .. card_id(n), {{{api_headers}}})""",
    }
    return head + LUA_COMMON + "\nfunction request()\n" + bodies[scenario] + "\nend\n"


CSRF = "0123456789abcdef0123456789abcdef"  # our own CSRF secret: cookie and form alike


def wrk(port: int, script: Path, connections: int, seconds: int) -> dict:
    done = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s",
         str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, timeout=seconds + 60, check=False,
    )  # fmt: skip
    match = re.search(r"^RESULT (.*)$", done.stdout, re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk said:\n{done.stdout}\n{done.stderr}")
    requests, duration, ok, p50, p99, worst, errors = map(int, match.group(1).split())
    statuses = done.stdout.split("STATUSES\n", 1)[1].split("END\n", 1)[0].strip()
    return {
        "requests": requests,
        "ok": ok,
        "rps": ok / (duration / 1e6),
        "p50_ms": p50 / 1000,
        "p99_ms": p99 / 1000,
        "max_ms": worst / 1000,
        "socket_errors": errors,
        "other_statuses": statuses,
    }


SCENARIOS = ("floor", "api", "hot show", "desk", "desk hot show", "trivial", "card check")
BASELINE = {
    "api": "floor",
    "hot show": "floor",
    "desk": "floor",
    "desk hot show": "floor",
    "card check": "trivial",
}
# Each recording scenario's cards: a block of its own (card check reads the first).
BLOCKS = {"api": 1, "hot show": 2, "desk": 3, "desk hot show": 4}
# The in-process statement counts of a scenario (a hot show's are its channel's).
COUNTED_AS = {"hot show": "api", "desk hot show": "desk"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", nargs="?", default="run", help=argparse.SUPPRESS)
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/kaikukanta_recording"
    )
    parser.add_argument("--redis", default=None, help="REDIS_URL for the app (rate limits)")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5, help="--duration is split in rounds")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--only", nargs="*", choices=SCENARIOS)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seeded", help=argparse.SUPPRESS)
    parser.add_argument("--cards", type=int, default=(len(BLOCKS) + 1) * BLOCK + 10)
    args = parser.parse_args()
    if args.command == "seed":
        print(json.dumps(seed(args.cards)))
        return
    if args.command == "statements":
        print(json.dumps(statements(json.loads(args.seeded), (len(BLOCKS) + 1) * BLOCK)))
        return
    if args.command == "count":
        print(json.dumps(count_rows(json.loads(args.seeded))))
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    env = app_env(args.database, args.redis)
    load = os.getloadavg()
    print(
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; {os.cpu_count()} CPUs", flush=True
    )
    recreate_database(args.database)
    run_here(["manage.py", "migrate", "--noinput", "-v0"], env)
    run_here(["manage.py", "createcachetable"], env)
    seeded = json.loads(run_here([__file__, "seed", "--cards", str(args.cards)], env))
    counts = json.loads(run_here([__file__, "statements", "--seeded", json.dumps(seeded)], env))
    print(f"statements per request (in process, production path): {counts}", flush=True)
    results: dict[str, dict] = {}
    answered: dict[str, int] = {}
    runs: dict[str, int] = {}
    folder = Path(tempfile.mkdtemp(prefix="kaikukanta-recording-"))
    try:
        # Imported here, not at the top: bench/instructions.py loads this file
        # to measure another checkout's app (its `bench` package on the path).
        from bench import world

        server = world.gunicorn(env, args.workers, folder / "gunicorn.log", "/bench/trivial/")
        with server as port:
            scenarios = args.only or SCENARIOS
            span = BLOCK // (args.rounds + 1)  # each run's cards: a warm-up, then the rounds
            rounds: dict[str, list[dict]] = {scenario: [] for scenario in scenarios}
            # Warm-up first, then the rounds: every scenario a short run in turn,
            # so that the machine's other load falls on all of them alike.
            for number in range(args.rounds + 1):
                seconds = args.warmup if number == 0 else max(1, args.duration // args.rounds)
                for scenario in scenarios:
                    script = folder / f"{scenario.replace(' ', '_')}.lua"
                    base = BLOCKS.get(scenario, 0) * BLOCK + number * span
                    script.write_text(lua_script(scenario, seeded, base, span // 2))
                    figures = wrk(port, script, args.connections, seconds)
                    figures["seconds"] = seconds
                    answered[scenario] = answered.get(scenario, 0) + figures["ok"]
                    runs[scenario] = runs.get(scenario, 0) + 1
                    if number:
                        rounds[scenario].append(figures)
                stand_in_for_autovacuum(args.database)
                print(f"round {number} done, load average {os.getloadavg()[0]:.1f}", flush=True)
            time.sleep(1)  # the requests in flight when wrk stopped finish
            rows = json.loads(run_here([__file__, "count", "--seeded", json.dumps(seeded)], env))
            for scenario in scenarios:
                f = results[scenario] = _combine(rounds[scenario])
                f["rows"] = rows.get(scenario)
                f["answered"] = answered[scenario]
                f["check"] = _row_check(
                    scenario, rows, answered[scenario], runs[scenario] * args.connections
                )
                print(
                    f"{scenario:10} {f['rps']:8.0f} req/s  p50 {f['p50_ms']:7.1f} ms"
                    f"  p99 {f['p99_ms']:7.1f} ms (worst round {f['worst_p99_ms']:.1f})"
                    f"  {f['ok']}/{f['requests']} answered 2xx/3xx  {f['check']}",
                    flush=True,
                )
                if f["other_statuses"]:
                    print("   other answers:", f["other_statuses"][:600], flush=True)
                if f["socket_errors"]:
                    print("   socket errors:", f["socket_errors"], flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the end")
    print()
    print("| measurement | req/s | ratio | p50 | p99 (worst round) | statements | rows |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for scenario in args.only or SCENARIOS:
        f = results[scenario]
        base = BASELINE.get(scenario)
        ratio = f"{f['rps'] / results[base]['rps']:.3f}" if base in results else "1"
        print(
            f"| {scenario} | {f['rps']:,.0f} | {ratio} | {f['p50_ms']:.1f} ms | "
            f"{f['p99_ms']:.1f} ms ({f['worst_p99_ms']:.0f}) | "
            f"{counts.get(COUNTED_AS.get(scenario, scenario), '')} | "
            f"{f['check']} |"
        )
    print()
    print("| goal (issue 12) | measured | met |")
    print("|---|---:|---|")
    for goal, measured, met in goals(results, counts):
        print(f"| {goal} | {measured} | {'yes' if met else '**no**'} |")
    if args.json:
        print(json.dumps({"statements": counts, "results": results}, indent=1, default=str))


# Issue 12's goals: a scenario's least share of its baseline's requests a
# second, its greatest p99 (the median of its rounds'), its most statements.
GOALS = {
    "api": {"ratio": 0.25, "p99_ms": 100, "statements": 12},
    "desk": {"ratio": 0.20, "statements": 12},
    "card check": {"ratio": 0.25, "p99_ms": 50, "statements": 3},
    "hot show": {"p99_ms": 250},
}


def goals(results: dict, counts: dict) -> Iterator[tuple[str, str, bool]]:
    """Each goal of a scenario that ran: its words, the figure, and whether it is met."""
    for scenario, goal in GOALS.items():
        f = results.get(scenario)
        if f is None:
            continue
        base = BASELINE.get(scenario)
        if "ratio" in goal and base in results:
            ratio = f["rps"] / results[base]["rps"]
            words = f"{scenario}: at least {goal['ratio']} of the {base}'s requests a second"
            yield words, f"{ratio:.3f}", ratio >= goal["ratio"]
        if "p99_ms" in goal:
            words = f"{scenario}: p99 under {goal['p99_ms']} ms"
            yield words, f"{f['p99_ms']:.0f} ms", f["p99_ms"] < goal["p99_ms"]
        if "statements" in goal and scenario in counts:
            words = f"{scenario}: at most {goal['statements']} statements"
            yield words, str(counts[scenario]), counts[scenario] <= goal["statements"]
    for scenario, f in results.items():
        if "rows for" in f["check"]:  # a scenario that writes
            good = f["check"].endswith(": ok") and "DIFFERS" not in f["check"]
            yield f"{scenario}: nothing lost or doubled", "rows counted", good


def _combine(rounds: list[dict]) -> dict:
    """A scenario's rounds as one figure: its 2xx answers over its seconds, and
    the median of the rounds' p50 and p99 (and the worst round's p99)."""
    ok = sum(r["ok"] for r in rounds)
    return {
        "ok": ok,
        "requests": sum(r["requests"] for r in rounds),
        "rps": ok / sum(r["ok"] / r["rps"] if r["rps"] else r["seconds"] for r in rounds),
        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
        "p99_ms": statistics.median(r["p99_ms"] for r in rounds),
        "worst_p99_ms": max(r["p99_ms"] for r in rounds),
        "rounds_rps": [round(r["rps"], 1) for r in rounds],
        "socket_errors": sum(r["socket_errors"] for r in rounds),
        "other_statuses": "".join(r["other_statuses"] for r in rounds),
    }


def _row_check(scenario: str, rows: dict, answered: int, in_flight: int) -> str:
    """Nothing lost (every 2xx answer has its row) and nothing doubled (no card,
    no key twice; at most the requests in flight beyond the answers)."""
    if scenario in ("trivial", "card check"):
        return "no rows written"
    if scenario == "floor":
        held = rows["floor"]
        good = answered <= held <= answered + in_flight
        return f"{held} rows for {answered} answers: {'ok' if good else 'MISMATCH'}"
    r = rows[scenario]
    good = (
        answered <= r["rows"] <= answered + in_flight
        and r["rows"] == r["distinct_cards"] == r["distinct_keys"] == r["audit_entries"]
        and r["voided"] == 0
    )
    summary = "summary agrees" if rows["summary_uses"] == rows["all_uses"] else "SUMMARY DIFFERS"
    return (
        f"{r['rows']} rows for {answered} answers, {r['distinct_cards']} cards, "
        f"{r['audit_entries']} audit entries, {summary}: {'ok' if good else 'MISMATCH'}"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(BASE_DIR))  # the project's packages (bench.world)
    main()
