"""The register through a real PostgreSQL restart under recording load from
the API and the desk (bench/outage.py: a throwaway cluster of its own, the app
in gunicorn with production settings): no 500; every answer that is not a
recording is the register's 503; every use recorded once, also when it was
sent again after a 503; the workers reconnect by themselves and record again
within 10 seconds; one log line per failed request, no traceback."""

import pytest
from django.db import connection

from bench import outage

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Restarts a PostgreSQL cluster of its own: runs in the PostgreSQL test run.",
    ),
]

BACK_WITHIN_SECONDS = 10


@pytest.fixture(scope="module")
def report() -> outage.Report:
    try:
        outage.server_programs()
    except outage.CannotRun as reason:
        pytest.skip(f"No throwaway PostgreSQL cluster here: {reason}.")
    return outage.run(before=4, after=6, api_clients=6, desk_clients=2)


def test_the_restart_was_felt_by_the_clients(report):
    assert report.first_unavailable() is not None, report.figures()
    assert report.retried(), "no use was sent again after a 503"
    assert {use.channel for use in report.uses if use.done} == {"api", "desk"}


def test_no_answer_is_a_500_and_every_other_answer_is_the_registers_503(report):
    assert report.server_errors() == 0
    assert report.unexpected() == []


def test_every_use_is_recorded_once_also_when_sent_again_after_a_503(report):
    assert report.unanswered() == []
    assert report.not_once() == []
    assert all(use.done for use in report.retried())


def test_the_workers_record_again_within_10_seconds_by_themselves(report):
    back = report.recovered_at()
    assert back is not None
    assert back - report.restart_began <= BACK_WITHIN_SECONDS, report.figures()
    # Each worker's kept connection was checked before reuse (CONN_HEALTH_CHECKS):
    # once recording works again, no request fails on a dead connection.
    assert report.unavailable_after_recovery() == 0, report.figures()
    assert report.healthy_again() is not None


def test_each_failed_request_is_one_log_line_without_a_traceback(report):
    assert report.log_lines("Traceback") == 0, report.server_log[-3000:]
    assert report.log_lines("database unavailable") == report.unavailable_answers()
