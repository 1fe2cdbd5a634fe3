"""The broker API's rate limits (docs/api.md, "Rate limits"): card checks
lower than recordings, a token that asks for many unknown cards is slowed
down, bad tokens are limited per client address; every refusal is 429
`rate_limited` with Retry-After, counted with one statement per check."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CardFactory, OfferingFactory
from tests.processes import production_env, run_python
from tests.usage.api.helpers import problem


def _record(client, net, card_id, key):
    return client.post(
        "/api/v1/redemptions",
        {"card_id": card_id, "site_id": net.venue_a.pk, "offering_id": None},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_card_checks_get_a_lower_rate_than_recordings_by_default(tmp_path):
    env = production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    script = (
        "from kaikukanta import settings as s; "
        "print(s.API_CARD_CHECK_RATE_LIMIT, s.API_RATE_LIMIT, s.API_UNKNOWN_CARDS_PER_MINUTE)"
    )
    result = run_python("-c", script, env=env)
    assert result.stdout.split() == ["2/s", "10/s", "20"]


def test_card_checks_are_limited_apart_from_the_tokens_other_requests(net, broker, api, settings):
    settings.API_CARD_CHECK_RATE_LIMIT = "2/min"
    card = CardFactory(issued_by=net.dist_a)
    client = api(broker.secret)

    statuses = [client.get(f"/api/v1/cards/{card.card_id}").status_code for _ in range(2)]
    refused = client.get(f"/api/v1/cards/{card.card_id}")

    assert statuses == [200, 200]
    problem(refused, 429, "rate_limited")
    assert refused["Retry-After"] == "59"  # the clock stands a second into the minute
    assert client.get("/api/v1/sites").status_code == 200


@pytest.mark.usefixtures("english")
def test_a_token_with_too_many_unknown_cards_a_minute_is_slowed_down(
    net, broker, other_broker, api, settings
):
    settings.API_UNKNOWN_CARDS_PER_MINUTE = 3
    card = CardFactory(issued_by=net.dist_a)
    client = api(broker.secret)
    for n in range(3):
        problem(client.get(f"/api/v1/cards/NOPE-{n:04d}"), 404, "card_unknown")

    over = client.get("/api/v1/cards/NOPE-0099")
    known = client.get(f"/api/v1/cards/{card.card_id}")
    recording = _record(client, net, "NOPE-0100", "k-1")

    body = problem(over, 429, "rate_limited")
    assert body["detail"].startswith("This token got too many answers of unknown card IDs")
    assert body["detail"].endswith("Check the card IDs your system sends.")
    assert 1 <= int(over["Retry-After"]) <= 60
    problem(known, 429, "rate_limited")  # no answer tells a known card from an unknown one
    problem(recording, 429, "rate_limited")
    assert api(other_broker.secret).get(f"/api/v1/cards/{card.card_id}").status_code == 200
    assert client.get("/api/v1/sites").status_code == 200


def test_unknown_cards_in_recordings_count_too(net, broker, api, settings):
    settings.API_UNKNOWN_CARDS_PER_MINUTE = 2
    client = api(broker.secret)
    for n in range(2):
        problem(_record(client, net, f"NOPE-{n:04d}", f"k-{n}"), 404, "card_unknown")

    problem(client.get("/api/v1/cards/NOPE-0007"), 429, "rate_limited")


def test_bad_tokens_are_limited_per_client_address(net, broker, api, settings):
    settings.API_BAD_TOKEN_RATE_LIMIT = "3/min"
    bad = api("kkb_aaaaaaaa_" + "x" * 40)
    for _ in range(3):
        problem(bad.get("/api/v1/sites", REMOTE_ADDR="203.0.113.7"), 401, "unauthenticated")

    over = bad.get("/api/v1/sites", REMOTE_ADDR="203.0.113.7")
    malformed = api().get(
        "/api/v1/sites", HTTP_AUTHORIZATION="Bearer a b", REMOTE_ADDR="203.0.113.7"
    )

    problem(over, 429, "rate_limited")
    assert 1 <= int(over["Retry-After"]) <= 60
    problem(malformed, 429, "rate_limited")
    other_address = bad.get("/api/v1/sites", REMOTE_ADDR="198.51.100.2")
    problem(other_address, 401, "unauthenticated")
    # A broker with a good token behind the same address is not locked out.
    good = api(broker.secret).get("/api/v1/sites", REMOTE_ADDR="203.0.113.7")
    assert good.status_code == 200


def test_an_ipv6_client_is_counted_by_its_64_block(net, api, settings):
    settings.API_BAD_TOKEN_RATE_LIMIT = "2/min"
    bad = api("kkb_aaaaaaaa_" + "x" * 40)
    bad.get("/api/v1/sites", REMOTE_ADDR="2001:db8:1:2::1")
    bad.get("/api/v1/sites", REMOTE_ADDR="2001:db8:1:2::ffff")
    problem(bad.get("/api/v1/sites", REMOTE_ADDR="2001:db8:1:2:abcd::9"), 429, "rate_limited")
    problem(bad.get("/api/v1/sites", REMOTE_ADDR="2001:db8:1:3::1"), 401, "unauthenticated")


def _limiter_statements(queries) -> list[str]:
    return [q["sql"] for q in queries if "ratecounter" in q["sql"] or "cache" in q["sql"]]


def test_a_request_costs_the_limiter_one_statement_and_never_the_cache_table(
    net, broker, api, settings
):
    card = CardFactory(issued_by=net.dist_a)
    OfferingFactory(site=net.venue_a)
    client = api(broker.secret)
    client.get("/api/v1/sites")  # the token's first use writes its last-used time

    with CaptureQueriesContext(connection) as sites:
        assert client.get("/api/v1/sites").status_code == 200
    with CaptureQueriesContext(connection) as check:
        assert client.get(f"/api/v1/cards/{card.card_id}").status_code == 200

    assert len(_limiter_statements(sites.captured_queries)) == 1
    # A card check: its rate, and whether the token is slowed down, in one statement.
    assert len(_limiter_statements(check.captured_queries)) == 1
