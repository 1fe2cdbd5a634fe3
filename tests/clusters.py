"""Throwaway PostgreSQL clusters for the replica and backup tests: a primary of
our own (the shared server on 5432 has no replication line in pg_hba.conf)
and a hot standby of it made with `pg_basebackup -R`, each in a temporary
folder on a free port, stopped and removed however the test ends."""

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.processes import free_port

BIN_CANDIDATES = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def server_binaries() -> Path | None:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl, …), if installed."""
    for folder in BIN_CANDIDATES:
        if (folder / "initdb").exists() and (folder / "pg_basebackup").exists():
            return folder
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_owner(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class Cluster:
    """One PostgreSQL cluster in a temporary folder, listening on 127.0.0.1."""

    def __init__(self, root: Path, name: str):
        self.bin = server_binaries()
        assert self.bin is not None, "PostgreSQL's server programs are not installed"
        self.dir = root / name
        self.port = free_port()
        self.log = root / f"{name}.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str, timeout: int = 120) -> None:
        subprocess.run(
            _as_owner([str(self.bin / command[0]), *command[1:]]),
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def init(self) -> "Cluster":
        self._run("initdb", "-D", str(self.dir), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        with open(self.dir / "postgresql.conf", "a") as conf:
            # Only what the tests need; replication is on by default (wal_level=replica).
            conf.write("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        return self

    def standby_of(self, primary: "Cluster") -> "Cluster":
        """A copy of `primary` that streams from it and answers reads (hot standby)."""
        self._run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.dir),
            "-R",  # standby.signal and primary_conninfo: start as a streaming replica
            "-X",
            "stream",
            "-c",
            "fast",
        )
        return self

    def start(self) -> "Cluster":
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        self._run("pg_ctl", "-D", str(self.dir), "-l", str(self.log), "-o", options, "-w", "start")
        return self

    def stop(self) -> None:
        if (self.dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.dir), "-m", "immediate", "-w", "stop")

    def sql(self, statement: str, database: str = "postgres"):
        """Run one statement and return its rows (autocommit)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []


class Clusters:
    """A folder for clusters; stops every cluster made in it and removes it all
    on the way out, whatever happened inside."""

    def __enter__(self) -> "Clusters":
        self.root = Path(tempfile.mkdtemp(prefix="kaikukanta-clusters-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.made: list[Cluster] = []
        return self

    def new(self, name: str) -> Cluster:
        cluster = Cluster(self.root, name)
        self.made.append(cluster)
        return cluster

    def __exit__(self, *exc_info) -> None:
        for cluster in reversed(self.made):
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                cluster.stop()  # and still remove its folder below
        shutil.rmtree(self.root, ignore_errors=True)


def wait_for(check, *, timeout: float = 30, interval: float = 0.2, what: str = "condition"):
    """Poll `check()` until it returns something true; returns that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what} did not happen within {timeout} s")
