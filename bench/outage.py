"""A PostgreSQL restart under recording load (issue 17): what the register
answers while its database is away, and how soon it records again.

    python bench/outage.py [--before 5] [--after 8] [--api-clients 6] [--desk-clients 2]

It makes a PostgreSQL cluster of its own — initdb as the postgres user into a
temporary folder, started on a free port; never the shared cluster — with a
database migrated and seeded for the run (a venue site with one show, a
cashier signed in, a broker token, cards), and starts the app in gunicorn
(production settings: DEBUG off, persistent connections with health checks,
three workers) on a free port. Then:

- API clients record uses (POST /api/v1/redemptions) and desk clients check
  a card (POST /desk/card/, as desk.js does) and record it (POST
  /desk/record/), each use a card of its own; a use answered 503 is sent again
  with the same Idempotency-Key (the desk: the page's key) until answered;
- a probe asks /healthz ten times a second;
- after --before seconds the cluster is restarted (`pg_ctl restart -m fast`),
  and the load goes on for --after seconds more.

The cluster is stopped and removed at the end, also when something fails.
`run()` returns a `Report`: every answer, the uses as the database holds them,
the server's log, and the figures. tests/kaikukanta/test_database_outage.py
runs it and checks the report; run by hand, it prints the figures
(docs/operations.md keeps them).

Needs PostgreSQL's server programs (Debian's postgresql package) and to run as
root or as the postgres user.
"""

import argparse
import contextlib
import dataclasses
import glob
import http.client
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))  # run as a script too: the project's packages

from bench import world  # noqa: E402

SETTINGS = "bench.server_settings"
CARD_PREFIX = "OUT-"
RETRY_EVERY = 0.1  # seconds: a client that tries again at once, to see the recovery itself
USE_DEADLINE = 30.0  # seconds a use is retried before the run calls it unanswered
# Only what a process needs; the app's variables come from `_app_env`.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")


class CannotRun(Exception):
    """This machine cannot make a throwaway cluster (says why)."""


# ---------------------------------------------------------------------------
# A throwaway PostgreSQL cluster
# ---------------------------------------------------------------------------


def server_programs() -> Path:
    """The folder of PostgreSQL's initdb and pg_ctl (PG_BINDIR, else the newest
    of Debian's /usr/lib/postgresql/N/bin). Raises CannotRun when there are none
    or when this process may not act as the postgres user."""
    candidates = [os.environ["PG_BINDIR"]] if os.environ.get("PG_BINDIR") else []
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    found = next((Path(c) for c in candidates if (Path(c) / "initdb").exists()), None)
    if found is None:
        raise CannotRun("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise CannotRun("there is no postgres user to run a cluster as") from None
    if os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != "postgres":
        raise CannotRun("a throwaway cluster needs root or the postgres user")
    return found


class Cluster:
    """A PostgreSQL cluster in a temporary folder on a free port, owned by the
    postgres user; `with Cluster() as cluster:` stops and removes it."""

    def __init__(self) -> None:
        self.bindir = server_programs()
        self.port = world.free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="kaikukanta-outage-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgresql.log"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/kaikukanta"

    def _as_postgres(self, *args: str, timeout: float = 120) -> None:
        user = "postgres" if os.geteuid() == 0 else None
        result = subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            user=user,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.folder,
        )
        if result.returncode:
            raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")

    def __enter__(self) -> "Cluster":
        try:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.folder, postgres.pw_uid, postgres.pw_gid)
            # --no-sync: a throwaway cluster need not survive a power cut.
            self._as_postgres(
                "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                "--locale=C.UTF-8", "--no-sync",
            )  # fmt: skip
            options = (
                f"-p {self.port} -c listen_addresses=127.0.0.1 "
                f"-c unix_socket_directories={self.folder} -c max_connections=50"
            )
            self._as_postgres(
                "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                "-o", options, "start",
            )  # fmt: skip
            self._sql("CREATE DATABASE kaikukanta")
        except BaseException:
            self.remove()
            raise
        return self

    def _sql(self, statement: str) -> None:
        import psycopg

        url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(statement)

    def restart(self) -> None:
        """A fast restart, as an operator does it: sessions are cut off, and it
        returns when the server accepts connections again."""
        self._as_postgres(
            # -l: the new server's output goes to the log, not to our pipe
            # (which would then never close).
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-m", "fast",
            "restart",
        )  # fmt: skip

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def __exit__(self, *exc_info) -> None:
        self.remove()


# ---------------------------------------------------------------------------
# The app: migrated, seeded, in gunicorn
# ---------------------------------------------------------------------------


def _app_env(database_url: str) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DATABASE_URL=database_url,
        DEBUG="0",
        API_RATE_LIMIT="1000000/s",  # the load is one token's; the limit is not what is measured
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(database_url: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=_app_env(database_url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare(database_url: str, cards: int) -> dict:
    """Migrate the database and seed it (in processes of their own)."""
    _manage(database_url, "manage.py", "migrate", "--noinput", "-v0")
    _manage(database_url, "manage.py", "createcachetable")
    return json.loads(_manage(database_url, "bench/outage.py", "seed", "--cards", str(cards)))


def seed(cards: int) -> dict:
    """What the load needs, printed as JSON (runs in the app's settings): one
    site with its show, its cashier signed in, a broker token, cards."""
    import django

    django.setup()
    made = world.seed(
        sites=1, cards=cards, card_id=lambda n: f"{CARD_PREFIX}{n:06d}", token_label="outage"
    )
    return {
        "token": made["token"],
        "site": made["sites"][0],
        "offering": made["offerings"][0],
        "cashier": made["cashiers"][0],
        "session": made["sessions"][0],
        "session_cookie": made["session_cookie"],
        "today": made["today"],
        "cards": cards,
    }


def gunicorn(
    database_url: str, log: Path, workers: int = 3
) -> contextlib.AbstractContextManager[int]:
    """The app in gunicorn on a free port (bench.world); yields the port once
    /healthz answers."""
    return world.gunicorn(_app_env(database_url), workers, log, "/healthz")


# ---------------------------------------------------------------------------
# The load
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer at all
    headers: dict[str, str]
    body: bytes
    sent: float = 0.0  # seconds since the load began
    answered: float = 0.0

    def problem_code(self) -> str:
        if not self.headers.get("content-type", "").startswith("application/problem+json"):
            return ""
        try:
            return json.loads(self.body).get("code", "")
        except ValueError:
            return ""

    def is_unavailable(self) -> bool:
        """The register's 503: problem JSON `unavailable`, or the desk's own page;
        both with Retry-After."""
        if self.status != 503 or "retry-after" not in self.headers:
            return False
        return self.problem_code() == "unavailable" or b'id="desk-offline-link"' in self.body


def ask(port: int, method: str, path: str, body=None, headers=None, clock=None) -> Answer:
    sent = clock() if clock else 0.0
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=USE_DEADLINE)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        answer_headers = {name.lower(): value for name, value in response.getheaders()}
        status, content = response.status, response.read()
    except OSError as error:
        status, answer_headers, content = 0, {}, str(error).encode()
    finally:
        connection.close()
    return Answer(status, answer_headers, content, sent, clock() if clock else 0.0)


@dataclasses.dataclass
class Use:
    """One use of a card, sent until answered."""

    channel: str  # "api" or "desk"
    card_id: str
    key: str
    answers: list[Answer] = dataclasses.field(default_factory=list)  # recording's answers
    checks: list[Answer] = dataclasses.field(default_factory=list)  # the desk's card checks
    redemption: int | None = None  # the answer's redemption

    @property
    def done(self) -> bool:
        return self.redemption is not None

    @property
    def retried_after_503(self) -> bool:
        return any(a.status == 503 for a in self.answers)


class Load:
    """Clients recording uses until told to stop; every answer is kept."""

    def __init__(self, port: int, seeded: dict, clock: Callable[[], float]):
        self.port = port
        self.seeded = seeded
        self.clock = clock
        self.uses: list[Use] = []
        self.health: list[Answer] = []
        self._lock = threading.Lock()
        self._next_card = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _card(self) -> str | None:
        with self._lock:
            if self._next_card >= self.seeded["cards"]:
                return None
            self._next_card += 1
            return f"{CARD_PREFIX}{self._next_card - 1:06d}"

    def _send_until_answered(self, send: Callable[[], Answer], into: list) -> Answer:
        deadline = time.monotonic() + USE_DEADLINE
        while True:
            answer = send()
            into.append(answer)
            if answer.status != 503 or time.monotonic() > deadline:
                return answer
            time.sleep(RETRY_EVERY)

    def _api_use(self, card_id: str) -> None:
        use = Use("api", card_id, key=uuid.uuid4().hex)
        self._keep(use)
        seeded = self.seeded
        body = json.dumps(
            {"card_id": card_id, "site_id": seeded["site"], "offering_id": seeded["offering"]}
        )
        headers = {
            "Authorization": f"Bearer {self.seeded['token']}",
            "Content-Type": "application/json",
            "Idempotency-Key": use.key,
        }

        def send() -> Answer:
            return ask(self.port, "POST", "/api/v1/redemptions", body, headers, self.clock)

        answer = self._send_until_answered(send, use.answers)
        if answer.status in (200, 201):
            use.redemption = json.loads(answer.body)["id"]

    def _desk_use(self, card_id: str) -> None:
        seeded = self.seeded
        use = Use("desk", card_id, key=f"desk:{seeded['cashier']}:{uuid.uuid4().hex}")
        self._keep(use)
        csrf = uuid.uuid4().hex  # a CSRF secret of our own, sent as cookie and header alike
        cookies = f"{seeded['session_cookie']}={seeded['session']}; csrftoken={csrf}"
        # POST, as the desk's script sends it: the card ID stays out of URLs.
        query = urlencode({"card": card_id, "site": seeded["site"], "day": seeded["today"]})

        def check() -> Answer:
            headers = {
                "Cookie": cookies,
                "Accept": "application/json",
                "X-CSRFToken": csrf,
                "Content-Type": "application/x-www-form-urlencoded",
            }
            return ask(self.port, "POST", "/desk/card/", query, headers, self.clock)

        if self._send_until_answered(check, use.checks).status != 200:
            return
        form = urlencode(
            {
                "site": seeded["site"],
                "day": seeded["today"],
                "card": card_id,
                "offering": seeded["offering"],
                "children": 0,
                "key": use.key,
            }
        )
        headers = {
            "Cookie": cookies,
            "X-CSRFToken": csrf,
            "Content-Type": "application/x-www-form-urlencoded",
        }

        def record() -> Answer:
            return ask(self.port, "POST", "/desk/record/", form, headers, self.clock)

        answer = self._send_until_answered(record, use.answers)
        done = parse_qs(urlsplit(answer.headers.get("location", "")).query).get("done")
        if answer.status == 302 and done:
            use.redemption = int(done[0])

    def _keep(self, use: Use) -> None:
        with self._lock:
            self.uses.append(use)

    def _client(self, record: Callable[[str], None]) -> None:
        while not self._stop.is_set():
            card_id = self._card()
            if card_id is None:
                return
            record(card_id)

    def _probe(self) -> None:
        while not self._stop.is_set():
            self.health.append(ask(self.port, "GET", "/healthz", clock=self.clock))
            time.sleep(0.1)

    def start(self, api_clients: int, desk_clients: int) -> None:
        targets = [self._probe]
        targets += [lambda: self._client(self._api_use)] * api_clients
        targets += [lambda: self._client(self._desk_use)] * desk_clients
        self._threads = [threading.Thread(target=t, daemon=True) for t in targets]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """No new uses; the ones under way are sent until answered."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=USE_DEADLINE + 30)


# ---------------------------------------------------------------------------
# The run and its report
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class Report:
    uses: list[Use]
    health: list[Answer]
    in_database: dict[str, list[int]]  # card ID → its redemptions' ids
    server_log: str
    restart_began: float  # seconds since the load began
    database_back: float  # when pg_ctl said the server accepts connections again

    def answers(self) -> list[Answer]:
        return [a for use in self.uses for a in (*use.checks, *use.answers)] + self.health

    def unexpected(self) -> list[str]:
        """Answers that are neither a success nor the register's 503."""
        found = []
        for use in self.uses:
            expected = {"api": (201, 200), "desk": (302,)}[use.channel]
            for n, answer in enumerate(use.answers):
                first_ok = answer.status == 200 and use.channel == "api" and n == 0
                if answer.is_unavailable() or (answer.status in expected and not first_ok):
                    continue
                found.append(f"{use.channel} {use.card_id}: {answer.status} {answer.body[:200]!r}")
            for answer in use.checks:
                if answer.status != 200 and not answer.is_unavailable():
                    found.append(f"card check {use.card_id}: {answer.status} {answer.body[:200]!r}")
        for answer in self.health:
            if answer.status not in (200, 503):
                found.append(f"/healthz: {answer.status}")
        return found

    def unavailable_answers(self) -> int:
        return sum(1 for answer in self.answers() if answer.status == 503)

    def server_errors(self) -> int:
        return sum(1 for answer in self.answers() if answer.status >= 500 and answer.status != 503)

    def not_once(self) -> list[str]:
        """Uses answered as recorded that the database holds other than once
        (and as another redemption), and rows no answer accounts for."""
        problems = []
        for use in self.uses:
            rows = self.in_database.get(use.card_id, [])
            name = f"{use.channel} {use.card_id}"
            if use.done and rows != [use.redemption]:
                problems.append(f"{name}: answered {use.redemption}, rows {rows}")
            if not use.done and len(rows) > 1:
                problems.append(f"{name}: unanswered, rows {rows}")
        sent = {use.card_id for use in self.uses}
        problems += [f"{card}: never sent" for card in self.in_database if card not in sent]
        return problems

    def unanswered(self) -> list[Use]:
        return [use for use in self.uses if not use.done]

    def retried(self) -> list[Use]:
        return [use for use in self.uses if use.retried_after_503]

    def recovered_at(self) -> float | None:
        """When the first recording succeeded among those sent after the first
        503 was answered (so served by the restarted database)."""
        outage = [a.answered for use in self.uses for a in use.answers if a.status == 503]
        if not outage:
            return None
        later = [
            a.answered
            for use in self.uses
            for a in use.answers
            if a.status in (200, 201, 302) and a.sent >= min(outage)
        ]
        return min(later, default=None)

    def first_unavailable(self) -> float | None:
        times = [a.answered for a in self.answers() if a.status == 503]
        return min(times, default=None)

    def healthy_again(self) -> float | None:
        back = self.database_back
        times = [a.answered for a in self.health if a.status == 200 and a.sent >= back]
        return min(times, default=None)

    def unavailable_after_recovery(self) -> int:
        recovered = self.recovered_at()
        if recovered is None:
            return 0
        return sum(
            1
            for use in self.uses
            for a in use.answers + use.checks
            if a.status == 503 and a.sent > recovered
        )

    def recording_rate(self, start: float, end: float) -> float:
        """Recordings answered per second between `start` and `end`."""
        successes = [a for use in self.uses for a in use.answers if a.status in (200, 201, 302)]
        count = sum(1 for a in successes if start <= a.answered < end)
        return count / (end - start) if end > start else 0.0

    def log_lines(self, text: str) -> int:
        return sum(1 for line in self.server_log.splitlines() if text in line)

    def figures(self) -> dict[str, object]:
        recovered = self.recovered_at()

        def seconds(value: float | None, since: float) -> str:
            return "–" if value is None else f"{value - since:.2f} s"

        done = [use.channel for use in self.uses if use.done]
        end = max((a.answered for a in self.answers()), default=0.0)
        before = self.recording_rate(0.0, self.restart_began)
        after = self.recording_rate(recovered, end) if recovered is not None else 0.0
        return {
            "uses recorded (API / desk)": f"{done.count('api')} / {done.count('desk')}",
            "recordings a second, before the restart / once back": f"{before:.1f} / {after:.1f}",
            "restart took (pg_ctl restart -m fast -w)": seconds(
                self.database_back, self.restart_began
            ),
            "first 503, from the restart's start": seconds(
                self.first_unavailable(), self.restart_began
            ),
            "503 answers (recordings, card checks, /healthz)": self.unavailable_answers(),
            "uses retried after a 503": len(self.retried()),
            "… of which the retry got the first result (200)": sum(
                1 for use in self.retried() if use.answers[-1].status == 200
            ),
            "first successful recording after the database was back": seconds(
                recovered, self.database_back
            ),
            "service back, from the restart's start": seconds(recovered, self.restart_began),
            "/healthz 200 again, from the restart's start": seconds(
                self.healthy_again(), self.restart_began
            ),
            "503 answers after the first recording succeeded again": (
                self.unavailable_after_recovery()
            ),
            "500 answers": self.server_errors(),
            "log lines 'database unavailable' / tracebacks": (
                f"{self.log_lines('database unavailable')} / {self.log_lines('Traceback')}"
            ),
        }


def _uses_in_database(database_url: str) -> dict[str, list[int]]:
    import psycopg

    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT c.card_id, r.id FROM usage_redemption r JOIN usage_card c ON c.id = r.card_id "
            "ORDER BY r.id"
        ).fetchall()
    found: dict[str, list[int]] = {}
    for card_id, redemption in rows:
        found.setdefault(card_id, []).append(redemption)
    return found


def run(
    *,
    before: float = 5,
    after: float = 8,
    api_clients: int = 6,
    desk_clients: int = 2,
    cards: int = 20_000,
    progress: Callable[[str], None] = lambda message: None,
) -> Report:
    """The whole run (see the module's docstring)."""
    with Cluster() as cluster:
        progress(f"cluster on port {cluster.port}; migrating and seeding")
        seeded = prepare(cluster.url, cards)
        server_log = cluster.folder / "gunicorn.log"
        with gunicorn(cluster.url, server_log) as port:
            progress(f"gunicorn on port {port}; load for {before} s, restart, {after} s more")
            began = time.monotonic()

            def clock() -> float:
                return time.monotonic() - began

            load = Load(port, seeded, clock)
            load.start(api_clients, desk_clients)
            time.sleep(before)
            restart_began = clock()
            cluster.restart()
            database_back = clock()
            time.sleep(after)
            load.stop()
        return Report(
            uses=load.uses,
            health=load.health,
            in_database=_uses_in_database(cluster.url),
            server_log=server_log.read_text(),
            restart_began=restart_began,
            database_back=database_back,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")
    seeding = commands.add_parser("seed", help="(internal) seed the database, print JSON")
    seeding.add_argument("--cards", type=int, required=True)
    parser.add_argument("--before", type=float, default=5, help="seconds of load before")
    parser.add_argument("--after", type=float, default=8, help="seconds of load after")
    parser.add_argument("--api-clients", type=int, default=6)
    parser.add_argument("--desk-clients", type=int, default=2)
    arguments = parser.parse_args()
    if arguments.command == "seed":
        print(json.dumps(seed(arguments.cards)))
        return
    load_average = os.getloadavg()[0]
    report = run(
        before=arguments.before,
        after=arguments.after,
        api_clients=arguments.api_clients,
        desk_clients=arguments.desk_clients,
        progress=lambda message: print(message, file=sys.stderr, flush=True),
    )
    print(
        f"Load average {load_average:.1f} at the start; "
        f"{arguments.api_clients} API and {arguments.desk_clients} desk clients.\n"
    )
    print("| measurement | value |\n|---|---:|")
    for name, value in report.figures().items():
        print(f"| {name} | {value} |")
    problems = report.unexpected() + report.not_once()
    problems += [f"unanswered: {use.channel} {use.card_id}" for use in report.unanswered()]
    for problem in problems[:20]:
        print("PROBLEM:", problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
