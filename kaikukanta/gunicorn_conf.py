"""gunicorn settings the image uses (`--config python:kaikukanta.gunicorn_conf`):
Prometheus's per-worker metric files when PROMETHEUS_MULTIPROC_DIR is set
(kaikukanta/metrics.py). Everything else comes from the command line,
WEB_CONCURRENCY and GUNICORN_CMD_ARGS."""

import os
from pathlib import Path

from prometheus_client import multiprocess


def on_starting(server) -> None:
    """Start from empty metric files: counters of an earlier run would be added
    to this one's."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def child_exit(server, worker) -> None:
    """A worker that ended leaves its counters (they still count) but not its
    live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
