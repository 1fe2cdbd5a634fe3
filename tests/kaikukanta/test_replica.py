"""The read replica: reports, exports and public statistics read from it,
everything else from the primary, and reads fall back to the primary when the
replica does not answer or lags too far behind.

The first tests drive the router with a stand-in for the replica's health; the
last one builds a real primary and a hot standby of it (`pg_basebackup -R`)."""

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, router
from django.utils import timezone

from kaikukanta import replica
from tests.clusters import Clusters, server_binaries, wait_for
from tests.processes import Browser, Gunicorn
from tests.scenarios import (
    ADMIN,
    ADMIN_TOTP_KEY,
    app_env,
    migrated_small_world,
    record_a_use,
    report_figure,
)
from usage.models import Redemption
from venues.models import Site


@pytest.fixture
def a_replica(monkeypatch, settings):
    """A replica that is configured and, unless a test says otherwise, usable."""
    health = {"lag": 0.0, "answers": True}

    def lag():
        if not health["answers"]:
            raise OperationalError("connection refused")
        return health["lag"]

    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica, "lag_seconds", lag)
    settings.REPLICA_CHECK_SECONDS = 0
    settings.REPLICA_MAX_LAG_SECONDS = 60
    replica.forget()
    yield health
    replica.forget()


def test_reads_inside_a_report_go_to_the_replica_and_everything_else_to_the_primary(a_replica):
    assert router.db_for_read(Redemption) == DEFAULT_DB_ALIAS
    with replica.reading():
        assert router.db_for_read(Redemption) == replica.REPLICA
        assert router.db_for_read(Site) == replica.REPLICA
        assert router.db_for_write(Redemption) == DEFAULT_DB_ALIAS  # writes never
    assert router.db_for_read(Redemption) == DEFAULT_DB_ALIAS


def test_reads_fall_back_to_the_primary_when_the_replica_lags_too_far(a_replica, settings):
    a_replica["lag"] = settings.REPLICA_MAX_LAG_SECONDS + 1
    with replica.reading():
        assert router.db_for_read(Redemption) == DEFAULT_DB_ALIAS
    a_replica["lag"] = settings.REPLICA_MAX_LAG_SECONDS
    with replica.reading():
        assert router.db_for_read(Redemption) == replica.REPLICA


def test_reads_fall_back_to_the_primary_when_the_replica_does_not_answer(a_replica):
    a_replica["answers"] = False
    with replica.reading():
        assert router.db_for_read(Redemption) == DEFAULT_DB_ALIAS


def test_the_replicas_state_is_measured_once_per_check_interval(a_replica, settings):
    settings.REPLICA_CHECK_SECONDS = 3600
    assert replica.usable()
    a_replica["answers"] = False
    assert replica.usable()  # still the measurement of a moment ago
    replica.forget()
    assert not replica.usable()


def test_a_report_is_computed_again_on_the_primary_when_the_replica_fails_during_it(
    a_replica, monkeypatch, settings
):
    settings.REPLICA_CHECK_SECONDS = 3600  # measured usable once, then it fails
    where = []

    def report():
        alias = router.db_for_read(Redemption)
        where.append(alias)
        if alias == replica.REPLICA:
            raise OperationalError("the replica went away")
        return "figures"

    monkeypatch.setattr(replica, "_replica_failed", lambda: True)
    assert replica.run(report) == "figures"
    assert where == [replica.REPLICA, DEFAULT_DB_ALIAS]
    assert not replica.usable()  # marked down until the next measurement


def test_without_a_replica_everything_reads_the_primary(db):
    replica.forget()
    assert not replica.configured()
    with replica.reading() as alias:
        assert alias == DEFAULT_DB_ALIAS
        assert router.db_for_read(Redemption) == DEFAULT_DB_ALIAS


# ---------------------------------------------------------------------------
# A real primary and hot standby
# ---------------------------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Runs in the PostgreSQL run of the suite: it starts PostgreSQL clusters of its own.",
)
@pytest.mark.skipif(
    server_binaries() is None, reason="PostgreSQL's server programs (initdb) are not installed"
)
def test_the_report_reads_the_replica_and_still_answers_when_it_stops(tmp_path):
    year = timezone.localdate().year
    report_csv = f"/admin/reports/national/export.csv?period=year&year={year}"
    with Clusters() as clusters:
        primary = clusters.new("primary").init().start()
        primary.sql("CREATE DATABASE kaikukanta")
        primary_url = primary.url("kaikukanta")
        migrated_small_world(primary_url)
        standby = clusters.new("replica").standby_of(primary).start()
        assert standby.sql("SELECT pg_is_in_recovery()") == [(True,)]

        def uses(cluster) -> int:
            return cluster.sql("SELECT count(*) FROM usage_redemption", "kaikukanta")[0][0]

        env = app_env(
            primary_url,
            DATABASE_REPLICA_URL=standby.url("kaikukanta"),
            REPLICA_CHECK_SECONDS="0",  # look at the replica on every report
            REPLICA_MAX_LAG_SECONDS="15",
        )
        with Gunicorn(env, workers=1, log_path=tmp_path / "gunicorn.log") as server:
            admin = Browser()
            admin.log_in(server.url, *ADMIN)
            admin.verify_second_factor(server.url, ADMIN_TOTP_KEY)

            def figure() -> int:
                status, _headers, body = admin.request(server.url + report_csv)
                assert status == 200, status
                return report_figure(body)

            before = figure()

            # Recorded on the primary, replicated, read from the replica.
            record_a_use(primary_url, "REPL-0001")
            wait_for(lambda: uses(standby) == uses(primary), what="replication")
            assert figure() == before + 1

            # The replica stops replaying: the report still reads it (so it
            # shows the older figure) while the primary already has the next use.
            standby.sql("SELECT pg_wal_replay_pause()")
            record_a_use(primary_url, "REPL-0002")
            assert uses(primary) == uses(standby) + 1
            assert figure() == before + 1

            # Once it lags more than REPLICA_MAX_LAG_SECONDS, the primary answers.
            wait_for(lambda: figure() == before + 2, timeout=60, interval=1, what="fallback")

            # Replaying again, then stopped: the report still answers, from the primary.
            standby.sql("SELECT pg_wal_replay_resume()")
            standby.stop()
            assert figure() == before + 2
            status, _headers, _body = admin.request(server.url + "/statistics/figures.json")
            assert status == 200
    assert not clusters.root.exists()  # both clusters stopped and removed
