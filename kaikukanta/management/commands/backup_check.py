"""python manage.py backup_check: prove that a backup restores.

Dumps the database (pg_dump, custom format: what the nightly backup makes),
restores the dump into a new database on the same server (pg_restore), and
compares the two: the row count of every table, and the national figures (the
national report's key figures for every year, the areas side by side, and the
public statistics). Exits non-zero and names each difference when they differ.
The restored copy is dropped afterwards unless --keep is given.

--against URL compares with a database restored some other way (a
point-in-time recovery) instead of dumping and restoring.
"""

import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql

from kaikukanta.settings import BASE_DIR


def database_url(alias: str = "default") -> str:
    """The libpq URL of a configured database."""
    s = settings.DATABASES[alias]
    conninfo = psycopg.conninfo.make_conninfo(
        host=s["HOST"] or "127.0.0.1",
        port=str(s["PORT"] or 5432),
        dbname=s["NAME"],
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
    )
    return conninfo


def with_database(conninfo: str, name: str) -> str:
    """The same server and login, another database."""
    params = psycopg.conninfo.conninfo_to_dict(conninfo)
    params["dbname"] = name
    return psycopg.conninfo.make_conninfo(**params)


def row_counts(conninfo: str) -> dict[str, int]:
    """{table: rows} of every table of the public schema, counted exactly."""
    with psycopg.connect(conninfo) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ]
        return {
            table: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in tables
        }


def national_figures() -> dict[str, Any]:
    """The national figures of this process's database, as plain JSON values."""
    from django.utils import translation

    from stats import public, queries
    from stats.filters import Filters, Period

    figures: dict[str, Any] = {}
    with translation.override("en"):
        for year in public.available_years():
            report = queries.national_report(Filters(Period.year(year)))
            figures[f"{year} key figures"] = {
                figure.key: figure.value for figure in [*report.figures, *report.card_figures]
            }
            figures[f"{year} areas"] = report.table("by_area").rows
        published = public.public_figures()
        figures["public figures"] = {
            "yearly": [row.values for row in published.yearly],
            "areas": {row.label: row.values for row in published.areas},
        }
    return json.loads(json.dumps(figures, default=str))


def figures_of(conninfo: str) -> dict[str, Any]:
    """The national figures of another database, computed by this command in a
    process of its own (settings are read once per process)."""
    env = {
        **os.environ,
        "DATABASE_URL": _as_url(conninfo),
        "DATABASE_REPLICA_URL": "",  # the copy itself, never a replica of the source
    }
    done = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "backup_check", "--print-figures"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise CommandError(f"Could not compute the figures of the copy:\n{done.stderr}")
    return json.loads(done.stdout)


def _as_url(conninfo: str) -> str:
    from urllib.parse import quote

    p = psycopg.conninfo.conninfo_to_dict(conninfo)
    login = quote(p.get("user") or "")
    if p.get("password"):
        login += ":" + quote(p["password"])
    return f"postgres://{login}@{p.get('host', '127.0.0.1')}:{p.get('port', 5432)}/{p['dbname']}"


def differences(source: dict[str, Any], copy: dict[str, Any]) -> list[str]:
    found = []
    for key in sorted(set(source) | set(copy)):
        if source.get(key) != copy.get(key):
            found.append(f"{key}: {source.get(key)!r} in the source, {copy.get(key)!r} in the copy")
    return found


class Command(BaseCommand):
    help = (
        "Dump the database with pg_dump (custom format), restore it into a new database "
        "and compare row counts and national figures; non-zero exit on any difference."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--against", metavar="URL", help="compare with this restored database instead"
        )
        parser.add_argument("--keep", action="store_true", help="keep the restored copy")
        parser.add_argument("--dump", metavar="FILE", help="write the dump here (kept)")
        parser.add_argument("--print-figures", action="store_true", help="(internal)")

    def handle(self, *args, **options):
        if options["print_figures"]:
            self.stdout.write(json.dumps(national_figures()))
            return
        if connection.vendor != "postgresql":
            raise CommandError("backup_check needs PostgreSQL (pg_dump and pg_restore).")
        source = database_url()
        if options["against"]:
            self._compare(source, _conninfo(options["against"]))
            return
        copy_name = f"{settings.DATABASES['default']['NAME']}_restorecheck_" + (
            datetime.datetime.now().strftime("%Y%m%d%H%M%S")
        )
        copy = with_database(source, copy_name)
        with tempfile.TemporaryDirectory() as folder:
            dump = Path(options["dump"] or Path(folder) / "kaikukanta.dump")
            self._step(f"Dumping {settings.DATABASES['default']['NAME']} to {dump}")
            _run(["pg_dump", "--format=custom", "--file", str(dump), "--dbname", source])
            self._step(f"Restoring into a new database, {copy_name}")
            _admin(source, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(copy_name)))
            try:
                _run(["pg_restore", "--exit-on-error", "--no-owner", "--dbname", copy, str(dump)])
                self._compare(source, copy)
            finally:
                if options["keep"]:
                    self._step(f"Kept the restored copy: {copy_name}")
                else:
                    _admin(
                        source,
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(copy_name)
                        ),
                    )

    def _compare(self, source: str, copy: str) -> None:
        self._step("Counting the rows of every table in both")
        counts = differences(row_counts(source), row_counts(copy))
        self._step("Computing the national figures of both")
        figures = differences(national_figures(), figures_of(copy))
        for problem in counts + figures:
            self.stderr.write(self.style.ERROR(f"differs: {problem}"))
        if counts or figures:
            raise CommandError(
                f"The restored copy differs: {len(counts)} tables, {len(figures)} figures."
            )
        tables = len(row_counts(copy))
        self.stdout.write(
            self.style.SUCCESS(
                f"The backup restores: {tables} tables with the same rows, "
                "the same national figures."
            )
        )

    def _step(self, text: str) -> None:
        self.stdout.write(f"==> {text}")


def _conninfo(url: str) -> str:
    """A URL as dj-database-url reads it, as libpq connection parameters."""
    import dj_database_url

    s = dj_database_url.parse(url)
    return psycopg.conninfo.make_conninfo(
        host=s["HOST"] or "127.0.0.1",
        port=str(s["PORT"] or 5432),
        dbname=s["NAME"],
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
    )


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CommandError(f"{command[0]} failed:\n{done.stderr}")


def _admin(conninfo: str, statement: sql.Composable) -> None:
    """CREATE or DROP DATABASE, from the server's maintenance database."""
    with psycopg.connect(with_database(conninfo, "postgres"), autocommit=True) as conn:
        conn.execute(statement)
