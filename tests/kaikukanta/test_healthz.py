"""/healthz, for the load balancer and the container's HEALTHCHECK: 200 while
the database answers, 503 when it does not, over plain HTTP even where every
other page redirects to HTTPS."""

import json

from tests.processes import production_env, run_python

# Asks the app for each path with Django's test client, in production
# settings, over plain HTTP; prints "status location body" per path.
PROBE = """
import json, sys
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="kaikukanta.example.fi")
for path in sys.argv[1:]:
    response = client.get(path)
    print(json.dumps([response.status_code, response.get("Location"), response.content.decode()]))
"""


def probe_logging(database_url: str, *paths: str) -> tuple[list[tuple[int, str | None, str]], str]:
    """The answers, and what the app logged meanwhile."""
    env = production_env(database_url) | {"DJANGO_SETTINGS_MODULE": "kaikukanta.settings"}
    result = run_python("-c", PROBE, *paths, env=env)
    assert result.returncode == 0, result.stderr
    return [tuple(json.loads(line)) for line in result.stdout.splitlines()], result.stderr


def probe(database_url: str, *paths: str) -> list[tuple[int, str | None, str]]:
    return probe_logging(database_url, *paths)[0]


def test_it_answers_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_503_when_the_database_does_not():
    # Nothing listens on port 1.
    [(status, _location, body)] = probe("postgres://nobody@127.0.0.1:1/none", "/healthz")

    assert status == 503
    assert json.loads(body)["status"] == "unavailable"


def test_each_failed_check_is_one_line_in_the_log_without_a_traceback():
    answers, log = probe_logging("postgres://nobody@127.0.0.1:1/none", "/healthz", "/healthz")

    assert [status for status, _location, _body in answers] == [503, 503]
    # Production logs JSON lines (kaikukanta/logs.py); the request log's own
    # lines (one per request) aside, each failed check is one line.
    entries = [json.loads(line) for line in log.strip().splitlines()]
    lines = [e["message"] for e in entries if e["logger"] != "kaikukanta.requests"]
    assert len(lines) == 2, log
    assert all(line.startswith("database unavailable: GET /healthz (") for line in lines), log
    assert "Traceback" not in log


def test_it_is_reachable_over_plain_http_while_other_pages_redirect_to_https(tmp_path):
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"

    healthz, login = probe(database, "/healthz", "/accounts/login/")

    assert healthz[0] == 200
    assert json.loads(healthz[2])["status"] == "ok"
    assert login[0] == 301
    assert login[1] == "https://kaikukanta.example.fi/accounts/login/"
