"""Authorization: Bearer <token>. Missing, malformed, unknown or revoked
tokens and deactivated brokers get a 401 problem; the token is found by its
prefix and its secret compared with the stored hash."""

import datetime

import pytest
from django.utils import timezone

from tests.usage.api.helpers import problem
from usage import brokers
from usage.models import BrokerToken

SITES = "/api/v1/sites"


def test_a_valid_token_is_accepted(broker, api):
    assert api(broker.secret).get(SITES).status_code == 200


def test_the_token_has_a_recognisable_prefix_and_only_its_hash_is_stored(broker):
    assert broker.secret.startswith(broker.token.prefix + "_")
    assert broker.token.prefix.startswith("kkb_") and len(broker.token.prefix) == 12
    stored = BrokerToken.objects.get(pk=broker.token.pk)
    assert broker.secret not in {stored.prefix, stored.secret_hash, stored.label}
    assert broker.secret.split("_")[-1] not in stored.secret_hash


def test_it_rejects_a_request_without_a_token_with_401_and_www_authenticate(broker, api):
    response = api().get(SITES)
    problem(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer kkb_nothing",
        "Bearer kkb_abcdefgh_" + "x" * 40,
        "Token {secret}",
        "Basic dXNlcjpwYXNz",
    ],
)
def test_it_rejects_malformed_and_unknown_tokens(broker, api, header):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=header.format(secret=broker.secret))
    problem(client.get(SITES), 401, "unauthenticated")


def test_it_rejects_the_right_prefix_with_a_wrong_secret(broker, api):
    forged = broker.token.prefix + "_" + "A" * 40
    problem(api(forged).get(SITES), 401, "unauthenticated")


def test_it_rejects_a_revoked_token(broker, api):
    brokers.revoke_token(token=broker.token)
    problem(api(broker.secret).get(SITES), 401, "unauthenticated")


def test_it_rejects_the_tokens_of_a_deactivated_broker(broker, api):
    broker.broker.is_active = False
    broker.broker.save()
    problem(api(broker.secret).get(SITES), 401, "unauthenticated")


def test_a_signed_in_person_without_a_token_gets_401(net, client_for):
    response = client_for("national_admin").get(SITES)
    problem(response, 401, "unauthenticated")


def test_last_used_is_written_at_most_once_a_minute(broker, api, django_assert_num_queries):
    client = api(broker.secret)
    client.get(SITES)
    first = BrokerToken.objects.get(pk=broker.token.pk).last_used_at
    assert first is not None
    client.get(SITES)
    assert BrokerToken.objects.get(pk=broker.token.pk).last_used_at == first

    BrokerToken.objects.filter(pk=broker.token.pk).update(
        last_used_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    client.get(SITES)
    assert BrokerToken.objects.get(pk=broker.token.pk).last_used_at > first
