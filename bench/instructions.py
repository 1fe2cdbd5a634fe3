"""Benchmark: the CPU instructions of one request, in process (issue 12).

    .venv/bin/python bench/instructions.py [--requests 40]
        [--database postgres://postgres@127.0.0.1:5432/kaikukanta_instructions]
        [--before PATH]

bench/recording.py measures what the issue's goals are stated in, requests a
second under load; but on the shared 2-core development machines one run's
figures move by 10–20 %, so a change worth 5 % cannot be seen in them. This
counts the app's own work instead, repeatably: each scenario's requests are
sent in process (bench/recording.py's `requests_in_process`: Django's test
client through the whole WSGI handler and middleware, production settings,
a real transaction on PostgreSQL) by a Python process under valgrind's
callgrind, which counts the instructions executed rather than seconds, so
what else the machine is doing does not move it (two runs agree to about
0.5 %). Each scenario runs twice, its warm-up alone (20 requests: the first
ones import modules, and psycopg prepares a statement on its fifth run) and
then the warm-up and `--requests` more; the difference over `--requests` is
its instructions a request. They are the Python process's: PostgreSQL's own
work is not in them (the load benchmark has it).

`--before PATH` measures the app of another checkout too, in the same run and
against the same database (`git worktree add /tmp/before <commit>`; its
migrations must be this checkout's): a before-and-after table.

Needs valgrind (Debian's `valgrind`). Prints a table; --json the figures.
"""

import argparse
import gc
import importlib.util
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SCENARIOS = ("floor", "api", "desk", "card check")
WARM_UP = 20
# The seeded cards are shared by every run of a scenario; each run takes its own.
CARDS = 200_000


def _recording():
    """bench/recording.py of this checkout, loaded by its path (with --before
    the app, and the `bench` package on the path, are another checkout's)."""
    path = BASE_DIR / "bench" / "recording.py"
    spec = importlib.util.spec_from_file_location("_bench_recording", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def drive(scenario: str, requests: int, first_card: int, seeded: dict) -> None:
    """The warm-up and `requests` requests of a scenario (run under callgrind)."""
    import django

    django.setup()
    send = _recording().requests_in_process(seeded, itertools.count(first_card))[scenario]
    for _ in range(WARM_UP):
        send()
    # What the warm-up left (modules, caches) out of the collector's sight: a
    # full collection of it would land in one run's requests and not in
    # another's (the requests' own objects are still collected as they are).
    gc.freeze()
    for _ in range(requests):
        send()


@dataclass
class Measure:
    """What every measured process shares: the app's environment, the seeded
    database, the number of requests, and the cards still unused."""

    env: dict
    seeded: dict
    requests: int
    cards: Iterator[int]

    def prime(self, tree: Path, scenario: str) -> None:
        """One unmeasured run, outside callgrind: Python compiles the modules
        it imports the first time (a checkout's first run), which is no
        request's work."""
        self.run([], tree, scenario, 0)

    def per_request(self, tree: Path, scenario: str) -> int:
        alone = self.instructions(tree, scenario, 0)
        loaded = self.instructions(tree, scenario, self.requests)
        return round((loaded - alone) / self.requests)

    def instructions(self, tree: Path, scenario: str, requests: int) -> int:
        """Instructions of one `drive` process under callgrind."""
        callgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
        collected = re.search(r"Collected : (\d+)", self.run(callgrind, tree, scenario, requests))
        if collected is None:
            raise RuntimeError(f"{scenario} in {tree}: callgrind counted nothing")
        return int(collected.group(1))

    def run(self, prefix: list[str], tree: Path, scenario: str, requests: int) -> str:
        """One `drive` process (after `prefix`); its standard error."""
        command = [
            *prefix, sys.executable, __file__, "drive", "--scenario", scenario,
            "--requests", str(requests), "--first-card", str(next(self.cards)),
            "--seeded", json.dumps(self.seeded),
        ]  # fmt: skip
        # One hash seed: the same dictionaries, the same instructions, run after run.
        env = {**self.env, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
        done = subprocess.run(
            command, cwd=tree, env=env, capture_output=True, text=True, timeout=3600, check=False
        )
        if done.returncode:
            raise RuntimeError(f"{scenario} in {tree} failed:\n{done.stderr[-3000:]}")
        return done.stderr


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", nargs="?", default="run", help=argparse.SUPPRESS)
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/kaikukanta_instructions"
    )
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--before", type=Path, help="another checkout, measured beside this one")
    parser.add_argument("--only", nargs="*", choices=SCENARIOS)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--first-card", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--seeded", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.command == "drive":
        drive(args.scenario, args.requests, args.first_card, json.loads(args.seeded))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is missing: apt-get install -y valgrind")

    recording = _recording()
    env = recording.app_env(args.database, None)
    recording.recreate_database(args.database)
    recording.run_here(["manage.py", "migrate", "--noinput", "-v0"], env)
    recording.run_here(["manage.py", "createcachetable"], env)
    seed = [recording.__file__, "seed", "--cards", str(CARDS)]
    seeded = json.loads(recording.run_here(seed, env))
    # Each run its own cards: a run uses at most its warm-up and requests.
    cards = itertools.count(0, WARM_UP + args.requests + 10)
    measure = Measure(env, seeded, args.requests, cards)
    trees = {"now": BASE_DIR, **({"before": args.before.resolve()} if args.before else {})}
    results: dict[str, dict[str, int]] = {name: {} for name in trees}
    for scenario in args.only or SCENARIOS:
        for tree in trees.values():
            measure.prime(tree, scenario)
        for name, tree in trees.items():
            figure = results[name][scenario] = measure.per_request(tree, scenario)
            print(f"{name:6} {scenario:10} {figure:>12,} instructions a request", flush=True)
    print()
    header = "| scenario | " + " | ".join(f"{name}: instructions" for name in reversed(trees))
    print(header + (" | change |" if args.before else " |"))
    print("|---" + "|---:" * (len(trees) + bool(args.before)) + "|")
    for scenario in args.only or SCENARIOS:
        row = [f"{results[name][scenario]:,}" for name in reversed(trees)]
        if args.before:
            before, now = results["before"][scenario], results["now"][scenario]
            row.append(f"{(now - before) / before:+.1%}")
        print(f"| {scenario} | " + " | ".join(row) + " |")
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    sys.path.insert(0, os.environ.get("PYTHONPATH") or str(BASE_DIR))
    main()
