"""Structured request logs (one JSON line per request, never a card ID) and
the Prometheus metrics at /metrics (allowed addresses only)."""

import io
import json
import logging
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from kaikukanta import logs
from stats import summary
from tests.factories import CardFactory, OfferingFactory
from tests.usage.api.helpers import make_broker
from usage.services import RedemptionRefused, record_redemption

RECORD = reverse("usage:desk_record")


@pytest.fixture
def log_lines():
    """Every line the app logs during the test, as it is written: the request
    log's JSON lines and the rest (Django's 404 warnings among them), through
    the handlers and filters that settings.LOGGING configures."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RedactPaths())
    watched = [logging.getLogger(name) for name in ("kaikukanta.requests", "django", "")]
    for logger in watched:
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger in watched:
        logger.removeHandler(handler)


def requests_in(lines):
    return [line for line in lines if line["logger"] == "kaikukanta.requests"]


@pytest.fixture
def show(net):
    return OfferingFactory(site=net.venue_a, title="Evening concert", cap=1)


def desk_record(client, net, card_id, show):
    return client.post(
        RECORD,
        {
            "site": net.venue_a.pk,
            "day": timezone.localdate().isoformat(),
            "card": card_id,
            "children": 0,
            "offering": show.pk,
            "key": f"desk:{net.cashier.pk}:{uuid.uuid4().hex}",
        },
    )


# -- logs ------------------------------------------------------------------------


def test_each_request_is_one_json_line_with_its_duration_status_and_role(net, log_lines):
    cashier = Client()
    cashier.force_login(net.cashier)

    cashier.get(reverse("usage:desk"))
    Client().get("/healthz")

    desk, health = requests_in(log_lines())
    assert desk["status"] == 200
    assert desk["role"] == "cashier"
    assert desk["view"] == "usage:desk"
    assert desk["method"] == "GET"
    assert isinstance(desk["duration_ms"], float) and desk["duration_ms"] > 0
    assert health["role"] == "anonymous"
    assert health["status"] == 200


def test_a_person_with_several_roles_is_logged_in_the_most_far_reaching(net, log_lines):
    client = Client()
    client.force_login(net.national_admin)
    client.get(reverse("usage:desk"))
    [line] = requests_in(log_lines())
    assert line["role"] == "national_admin"


def test_a_broker_is_logged_as_a_broker(net, log_lines):
    broker = make_broker("Lippupiste", net.venue_a, area=net.area_a)
    Client().get("/api/v1/sites", HTTP_AUTHORIZATION=f"Bearer {broker.secret}")
    [line] = requests_in(log_lines())
    assert (line["role"], line["status"], line["route"]) == ("broker", 200, "/api/v1/sites")


def test_no_card_id_reaches_any_log_line(net, log_lines, show, settings):
    settings.API_RATE_LIMIT = "1000/s"
    broker = make_broker("Lippupiste", net.venue_a, area=net.area_a)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {broker.secret}")
    card = CardFactory(issued_by=net.dist_a, card_id="SECRET-4711")
    cashier = Client()
    cashier.force_login(net.cashier)

    looked_up = api.get("/api/v1/cards/SECRET-4711")
    unknown = api.get("/api/v1/cards/NOBODY-0815")  # a 404, which Django itself logs
    desk_record(cashier, net, card.card_id, show)  # recorded
    desk_record(cashier, net, "SECRET-4711", show)  # refused: already recorded
    cashier.get(reverse("usage:desk_card"), {"card": "SECRET-4711", "site": net.venue_a.pk})

    assert (looked_up.status_code, unknown.status_code) == (200, 404)
    lines = log_lines()
    assert len(requests_in(lines)) == 5
    assert any(line["logger"] == "django.request" for line in lines)  # the 404's warning
    written = json.dumps(lines)
    assert "SECRET-4711" not in written
    assert "NOBODY-0815" not in written
    assert "/api/v1/cards/<str:card_id>" in written  # the pattern is logged instead


# -- metrics -----------------------------------------------------------------------


def scrape(client: Client | None = None, address: str = "127.0.0.1"):
    response = (client or Client()).get("/metrics", REMOTE_ADDR=address)
    assert response.status_code == 200, response.status_code
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_uses_by_channel_and_refusals_by_code(
    net, show, client_for, django_capture_on_commit_callbacks
):
    before = scrape()
    card, other = CardFactory(issued_by=net.dist_a), CardFactory(issued_by=net.dist_a)

    with django_capture_on_commit_callbacks(execute=True):
        desk_record(client_for("cashier"), net, card.card_id, show)
        with pytest.raises(RedemptionRefused):
            record_redemption(card_id=other.card_id, site=net.venue_a, offering=show, channel="api")
        with pytest.raises(RedemptionRefused):
            record_redemption(card_id="NO-SUCH-1", site=net.venue_a, offering=show, channel="api")

    after = scrape()

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("kaikukanta_uses_recorded_total", channel="desk") == 1
    assert grew("kaikukanta_uses_recorded_total", channel="api") == 0
    assert grew("kaikukanta_refusals_total", code="cap_reached") == 1
    assert grew("kaikukanta_refusals_total", code="card_unknown") == 1


def test_a_rolled_back_recording_counts_nothing(net, show):
    """An import's preview records and rolls back: the metrics count only commits."""
    from django.db import transaction

    before = scrape()
    card = CardFactory(issued_by=net.dist_a)
    with transaction.atomic():
        record_redemption(card_id=card.card_id, site=net.venue_a, offering=show, channel="import")
        transaction.set_rollback(True)
    after = scrape()
    assert value(after, "kaikukanta_uses_recorded_total", channel="import") == value(
        before, "kaikukanta_uses_recorded_total", channel="import"
    )


def test_the_metrics_cost_the_recording_path_no_query(
    net, show, monkeypatch, django_capture_on_commit_callbacks
):
    """The counters live in memory: counting a recorded use or a refusal runs
    no SQL (a later issue measures the recording path's speed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kaikukanta import metrics

    queries_while_counting = []

    def watched(real):
        def count(*args):
            with CaptureQueriesContext(connection) as queries:
                real(*args)
            queries_while_counting.append(len(queries))

        return count

    monkeypatch.setattr(metrics, "uses_recorded", watched(metrics.uses_recorded))
    monkeypatch.setattr(metrics, "refused", watched(metrics.refused))
    card = CardFactory(issued_by=net.dist_a)
    with django_capture_on_commit_callbacks(execute=True):
        record_redemption(card_id=card.card_id, site=net.venue_a, offering=show, channel="desk")
        with pytest.raises(RedemptionRefused):
            record_redemption(card_id=card.card_id, site=net.venue_a, offering=show, channel="desk")

    # One use recorded, one refused: counted each time, and never a query.
    assert len(queries_while_counting) >= 2
    assert set(queries_while_counting) == {0}


def test_metrics_time_requests_by_view_and_status(net):
    Client().get("/healthz")
    after = scrape()
    assert value(after, "kaikukanta_request_duration_seconds_count", view="healthz", status="2xx")
    assert value(
        after, "kaikukanta_request_duration_seconds_bucket", view="healthz", status="2xx", le="+Inf"
    )


def test_metrics_tell_how_long_the_summary_has_been_stale(db):
    summary.rebuild()
    fresh = scrape()
    assert value(fresh, "kaikukanta_stats_summary_stale_seconds") == 0
    assert value(fresh, "kaikukanta_stats_summary_built_timestamp_seconds") > 0

    summary.mark_stale("A site moved to another area.")
    stale = scrape()
    assert value(stale, "kaikukanta_stats_summary_stale_seconds") > 0


def test_only_allowed_addresses_read_the_metrics(db, settings):
    settings.METRICS_ALLOWED_IPS = ["10.1.2.0/24"]
    assert Client().get("/metrics", REMOTE_ADDR="10.1.2.7").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404
    # A forwarded address is the client's own say-so: it opens nothing.
    assert (
        Client()
        .get("/metrics", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.1.2.7")
        .status_code
        == 404
    )
