"""Benchmark: the CPU that hostile workbooks cost the import, now and before.

    .venv/bin/python bench/hostile_uploads.py [--before OLD_IMPORT_FILES.py]

Each file goes through what an upload does with it before anything is saved:
`open_upload`, `locate` and `read_rows` of `usage.sheets.files`. For each,
the CPU seconds of the web process and of the reader process it starts
(user + system, from getrusage), the wall-clock time, and the answer.

With --before, the same files also go through another copy of
`usage/sheets/files.py` (e.g. `git show <commit>:usage/import_files.py >
/tmp/old.py`), each in a child process limited to --cap CPU seconds and 3 GB
of memory, so that the measurement cannot take the machine down with it.
Results go to stdout.
"""

import argparse
import importlib.util
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from tests.usage import hostile_files  # noqa: E402

FILES = {
    "200 merges A2:A1048576": lambda: hostile_files.merge_bomb(200),
    "20 merges A2:A1048576": lambda: hostile_files.merge_bomb(20),
    "unpacks to 49 MB": lambda: hostile_files.unpacks_to(49),
    "500,005 cells (19 MB)": lambda: hostile_files.rows_of_cells(100_001, columns=5),
    "500,001 shared strings": lambda: hostile_files.many_shared_strings(500_001),
    "10,000 rows of uses (a good file)": lambda: hostile_files.rows_of_cells(10_000, 3),
}


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def read(module, data: bytes) -> str:
    try:
        upload = module.open_upload(data, "hostile.xlsx")
        located = upload.locate(lambda headers: "Card ID" in headers)
        rows = upload.read_rows(located.sheet_name, located.header_row, {"date": 0, "card_id": 2})
        return f"read, {len(rows.rows)} rows"
    except module.FileRefused as refused:
        return f"refused: {refused.code}"
    except MemoryError:
        return "MemoryError"


def load(path: str):
    spec = importlib.util.spec_from_file_location("import_files_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(path: str, name: str) -> None:
    """One file through one copy of usage/sheets/files.py (in this process): one line."""
    data = FILES[name]()
    module = load(path)
    cpu, wall = _cpu(), time.monotonic()
    answer = read(module, data)
    print(f"{_cpu() - cpu:8.2f} s CPU {time.monotonic() - wall:8.2f} s wall   {answer}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", help="another copy of usage/sheets/files.py")
    parser.add_argument("--cap", type=int, default=120, help="CPU seconds for --before runs")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # PATH NAME: a child run
    args = parser.parse_args()
    if args.one:
        measure(*args.one)
        return
    print(f"load average {os.getloadavg()[0]:.1f}; {os.cpu_count()} CPUs")
    for name, make in FILES.items():
        print(f"{name} ({len(make()):,} bytes)")
        for label, path in (
            ("now", str(ROOT / "usage" / "sheets" / "files.py")),
            ("before", args.before),
        ):
            if path is None:
                continue

            def limits(cap=args.cap if label == "before" else 600):
                resource.setrlimit(resource.RLIMIT_CPU, (cap, cap + 1))
                resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

            done = subprocess.run(
                [sys.executable, __file__, "--one", path, name],
                capture_output=True,
                text=True,
                preexec_fn=limits,
                check=False,
            )
            line = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
            if done.returncode in (-9, -24):
                line = f"stopped at the {args.cap} s CPU cap"
            elif done.returncode:
                line = f"failed ({done.returncode}): {done.stderr.strip().splitlines()[-1:]}"
            print(f"  {label:7}{line}")


if __name__ == "__main__":
    main()
