"""The broker API while the database cannot be reached: every request answers
503 problem JSON `unavailable` with Retry-After, never 500; and a recording
retried with its Idempotency-Key after a 503 is recorded exactly once, whether
or not the first attempt got committed before the failure."""

import pytest

from kaikukanta.errors import RETRY_AFTER_SECONDS
from tests.database_outage import commit_answer_lost_after, database_down, database_goes_down_at
from tests.factories import CardFactory, OfferingFactory
from tests.usage.api.helpers import problem
from usage import services
from usage.models import Redemption

URL = "/api/v1/redemptions"


@pytest.fixture
def show(net):
    return OfferingFactory(site=net.venue_a, cap=10)


@pytest.fixture
def card(net):
    return CardFactory(issued_by=net.dist_a, card_id="TRE-1000", children=2)


@pytest.fixture
def client(broker, api):
    return api(broker.secret)


def record(client, card, show, key="use-1"):
    body = {"card_id": card.card_id, "site_id": show.site_id, "offering_id": show.pk}
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def unavailable(response) -> dict:
    body = problem(response, 503, "unavailable")
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "Idempotency-Key" in body["detail"]
    return body


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", lambda net, show, card: "/api/v1/sites"),
        ("get", lambda net, show, card: f"/api/v1/sites/{net.venue_a.pk}/offerings"),
        ("get", lambda net, show, card: f"/api/v1/cards/{card.card_id}"),
        ("get", lambda net, show, card: "/api/v1/redemptions?since=2026-01-01T00:00:00Z"),
        ("post", lambda net, show, card: "/api/v1/redemptions/1/void"),
    ],
)
def test_every_request_answers_503_unavailable(net, client, show, card, method, path):
    with database_down():
        response = getattr(client, method)(path(net, show, card), {}, format="json")

    unavailable(response)


def test_a_recording_answers_503_in_the_callers_language(client, card, show):
    with database_down():
        response = client.post(
            URL,
            {"card_id": card.card_id, "site_id": show.site_id, "offering_id": show.pk},
            format="json",
            HTTP_IDEMPOTENCY_KEY="k",
            HTTP_ACCEPT_LANGUAGE="fi",
        )

    assert unavailable(response)["title"] == "Rekisteriin ei juuri nyt saada yhteyttä"


def test_a_retry_after_a_failure_before_the_commit_records_the_use_once(client, card, show):
    # The transaction has its locks and has read the card's earlier uses; the
    # database goes away as the use is written (on PostgreSQL one statement
    # with its audit entry and summary cells): nothing stays.
    with database_goes_down_at(services, "_insert"):
        unavailable(record(client, card, show))
    assert not Redemption.objects.exists()

    retry = record(client, card, show)

    assert retry.status_code == 201, retry.content
    assert Redemption.objects.get().pk == retry.json()["id"]


@pytest.mark.django_db(transaction=True)
def test_a_retry_after_a_lost_commit_gets_the_first_result(client, card, show):
    # The database commits, and the connection breaks before it says so.
    with commit_answer_lost_after(services, "_insert"):
        unavailable(record(client, card, show))
    first = Redemption.objects.get()

    retry = record(client, card, show)

    assert retry.status_code == 200, retry.content
    assert retry.json()["id"] == first.pk
    assert Redemption.objects.count() == 1


def test_the_outage_is_one_log_line_without_a_traceback(client, card, show, caplog):
    with database_down():
        record(client, card, show)

    [line] = [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]
    assert line.getMessage().startswith("database unavailable: POST /api/v1/redemptions (")
    assert line.exc_info is None
