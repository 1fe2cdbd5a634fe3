"""A property-based run of schemathesis against the running app: requests
generated from the served OpenAPI schema (valid and invalid ones) never get a
500, and every response (status, media type, body, headers) is one the schema
describes. Bounded so that it takes seconds, not minutes."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import CardFactory, OfferingFactory
from tests.usage.api.helpers import make_broker

EXAMPLES_PER_OPERATION = 50  # per operation and mode (valid, invalid)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


@pytest.fixture
def secret(net, settings):
    settings.API_RATE_LIMIT = "100000/s"
    broker = make_broker("Schemathesis Tickets", net.venue_a, net.venue_a2)
    for index in range(5):
        CardFactory(issued_by=net.dist_a, card_id=f"TRE-{1000 + index}", children=2)
    OfferingFactory(site=net.venue_a, cap=3)
    OfferingFactory(site=net.venue_a, cap=None)
    return broker.secret


# One test walks every operation itself (schemathesis' own pytest loader does
# not work with pytest 9 yet), each with valid and with invalid requests.
@pytest.mark.django_db(transaction=True)
def test_the_api_answers_every_generated_request_as_its_schema_says(live_server, secret):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json")
    headers = {"Authorization": f"Bearer {secret}"}
    # Fixed headers: generated requests (invalid ones too) always carry the token.
    schema.config.update(headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    calls = 0

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
                derandomize=True,
            )
            def run(case):
                nonlocal calls
                calls += 1
                case.call_and_validate(base_url=live_server.url, headers=headers, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                # Nothing to make invalid (e.g. a path that takes any string).
                assert mode == GenerationMode.NEGATIVE, operation.label

    assert len(operations) >= 6
    print(f"schemathesis: {len(operations)} operations, {calls} requests")
