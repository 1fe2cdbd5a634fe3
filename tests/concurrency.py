"""Truly parallel writers for the PostgreSQL concurrency tests: threads with
their own database connections, released at once behind a barrier (the way
pretix's concurrency tests do it)."""

import random
import threading
import time
from collections import Counter

from django.db import connections


def run_at_once(jobs, jitter: float = 0.0) -> Counter:
    """Run each job in its own thread with its own connection, all released at
    once (then each after a random delay up to `jitter` seconds, so that
    different kinds of jobs interleave); returns a count of what the jobs
    returned (or of their errors)."""
    barrier = threading.Barrier(len(jobs))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run(job):
        try:
            barrier.wait()
            time.sleep(random.uniform(0, jitter))
            outcome = job()
        except Exception as error:  # any unexpected error fails the test
            outcome = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes
