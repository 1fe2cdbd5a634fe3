"""scripts/backup-check on the demo data: the dump restores into a new
database with the same rows and the same national figures, and a copy that
differs is caught."""

import io
import os
import re
import subprocess

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from kaikukanta.settings import BASE_DIR
from tests.processes import PASSED_THROUGH
from tests.scenarios import TEST_SECRET_KEY, database_url_of_tests

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Backups are PostgreSQL's pg_dump and pg_restore.",
    ),
]


def backup_check(*args: str) -> subprocess.CompletedProcess:
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env |= {"DEBUG": "1", "SECRET_KEY": TEST_SECRET_KEY, "DATABASE_URL": database_url_of_tests()}
    return subprocess.run(
        [str(BASE_DIR / "scripts" / "backup-check"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def drop(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_demo_datas_backup_restores_with_the_same_rows_and_figures():
    call_command("seed_demo", "--force", stdout=io.StringIO())

    kept = backup_check("--keep")

    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "The backup restores" in kept.stdout
    copy = re.search(r"Kept the restored copy: (\S+)", kept.stdout).group(1)
    try:
        # Negative controls: a copy that lost a use (a row count differs) and
        # whose summary counts one use too many (a national figure differs).
        url = database_url_of_tests().rsplit("/", 1)[0] + f"/{copy}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "DELETE FROM usage_redemption WHERE id = (SELECT max(id) FROM usage_redemption)"
            )
            conn.execute(
                "UPDATE stats_sitecell SET uses = uses + 1 WHERE id = "
                "(SELECT min(id) FROM stats_sitecell WHERE dimension = 'total')"
            )
        lost = backup_check("--against", url)
        assert lost.returncode != 0
        assert "differs: usage_redemption: " in lost.stderr
        assert re.search(r"differs: \d{4} key figures: .*'uses'", lost.stderr), lost.stderr
    finally:
        drop(copy)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s", [f"{copy}%"])
        assert cursor.fetchone()[0] == 0
