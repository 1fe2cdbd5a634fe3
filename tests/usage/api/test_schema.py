"""The OpenAPI schema: the served one is the one generated from the code, it
is valid OpenAPI 3, it carries API.md's paths and fields, and the main calls'
real responses validate against it."""

import json
import re
from pathlib import Path

import pytest
import requests
import schemathesis
from django.conf import settings
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response

from tests.factories import CardFactory, OfferingFactory

API_MD = Path(settings.BASE_DIR).parent / "shared" / "API.md"


def served(client) -> dict:
    response = client.get("/api/v1/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return json.loads(response.content)


def generated() -> dict:
    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        return json.loads(OpenApiJsonRenderer().render(schema))


def test_the_served_schema_is_the_one_generated_from_the_code(db, client):
    assert served(client) == generated()


def test_the_schema_is_valid_openapi_3(db, client):
    schema = served(client)
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on an invalid document


def test_the_docs_page_and_the_yaml_schema_are_public(db, client):
    assert client.get("/api/v1/docs/").status_code == 200
    assert client.get("/api/v1/docs/", {"script": ""})["Content-Type"] == "application/javascript"
    assert client.get("/api/v1/schema/").status_code == 200


CONTRACT = {
    ("/api/v1/sites", "get"): {"200": {"id", "name", "municipality"}},
    ("/api/v1/sites/{site_id}/offerings", "get"): {
        "200": {"id", "title", "kind", "sector", "starts_at", "cap", "used", "remaining"}
    },
    ("/api/v1/cards/{card_id}", "get"): {
        "200": {"card_id", "valid", "valid_until", "kind", "children_allowed", "reason"}
    },
    ("/api/v1/redemptions", "post"): {
        "201": {
            "id",
            "card_id",
            "site_id",
            "offering_id",
            "date",
            "children",
            "tickets",
            "channel",
            "recorded_at",
            "voided",
        }
    },
    ("/api/v1/redemptions/{id}/void", "post"): {"200": {"id", "voided"}},
    ("/api/v1/redemptions", "get"): {"200": {"results", "next"}},
}


def _properties(schema: dict, node: dict) -> set[str]:
    if "items" in node:
        node = node["items"]
    if "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].split("/")[-1]]
    return set(node["properties"])


@pytest.mark.parametrize(("operation", "responses"), list(CONTRACT.items()))
def test_the_schema_has_api_md_paths_and_fields(db, client, operation, responses):
    schema = served(client)
    path, method = operation
    spec = schema["paths"][path][method]
    for status, fields in responses.items():
        body = spec["responses"][status]["content"]["application/json"]["schema"]
        assert fields <= _properties(schema, body), (operation, status)
    for status in spec["responses"]:
        if status.startswith(("4", "5")):
            assert "application/problem+json" in spec["responses"][status]["content"]


def test_the_request_body_of_a_redemption_has_api_md_fields(db, client):
    schema = served(client)
    body = schema["paths"]["/api/v1/redemptions"]["post"]["requestBody"]["content"]
    fields = _properties(schema, body["application/json"]["schema"])
    assert fields == {"card_id", "site_id", "offering_id", "date", "children"}


@pytest.mark.skipif(not API_MD.exists(), reason="shared/API.md is beside the repository only")
def test_every_path_of_api_md_is_in_the_schema(db, client):
    paths = set(served(client)["paths"])
    pattern = r"^### (GET|POST) (/api/v1/\S+?)(?:\?\S*)?$"
    contract = re.findall(pattern, API_MD.read_text(), re.M)
    assert len(contract) == 6
    for method, path in contract:
        assert method.lower() in served(client)["paths"].get(path, {}), (method, path)
    assert {path for _method, path in contract} <= paths


def _validate(schema, method: str, path: str, response) -> None:
    operation = schema[path][method.upper()]
    prepared = requests.Request(method.upper(), f"http://testserver{path}").prepare()
    headers = {name: [value] for name, value in response.headers.items()}
    operation.validate_response(
        Response(
            status_code=response.status_code,
            headers=headers,
            content=response.content,
            request=prepared,
            elapsed=0.0,
            verify=True,
        )
    )


def test_the_main_calls_responses_validate_against_the_schema(db, client, net, broker, api):
    schema = schemathesis.openapi.from_dict(served(client))
    card = CardFactory(issued_by=net.dist_a, card_id="TRE-1000", children=1)
    show = OfferingFactory(site=net.venue_a, cap=5)
    c = api(broker.secret)
    calls = [
        ("get", "/api/v1/sites", c.get("/api/v1/sites")),
        (
            "get",
            "/api/v1/sites/{site_id}/offerings",
            c.get(f"/api/v1/sites/{net.venue_a.pk}/offerings"),
        ),
        ("get", "/api/v1/cards/{card_id}", c.get("/api/v1/cards/TRE-1000")),
        ("get", "/api/v1/cards/{card_id}", c.get("/api/v1/cards/NOPE-1")),
    ]
    body = {"card_id": card.card_id, "site_id": net.venue_a.pk, "offering_id": show.pk}
    created = c.post("/api/v1/redemptions", body, format="json", HTTP_IDEMPOTENCY_KEY="a")
    calls += [
        ("post", "/api/v1/redemptions", created),
        (
            "post",
            "/api/v1/redemptions",
            c.post("/api/v1/redemptions", body, format="json", HTTP_IDEMPOTENCY_KEY="a"),
        ),
        (
            "post",
            "/api/v1/redemptions",
            c.post("/api/v1/redemptions", body, format="json", HTTP_IDEMPOTENCY_KEY="b"),
        ),
        ("post", "/api/v1/redemptions", c.post("/api/v1/redemptions", {}, format="json")),
        (
            "post",
            "/api/v1/redemptions/{id}/void",
            c.post(
                f"/api/v1/redemptions/{created.json()['id']}/void", {"reason": "x"}, format="json"
            ),
        ),
        ("get", "/api/v1/redemptions", c.get("/api/v1/redemptions", {"limit": 1})),
        ("get", "/api/v1/sites", api().get("/api/v1/sites")),
    ]
    assert [r.status_code for *_, r in calls] == [
        200,
        200,
        200,
        404,
        201,
        200,
        409,
        400,
        200,
        200,
        401,
    ]
    for method, path, response in calls:
        _validate(schema, method, path, response)


def test_the_response_check_itself_catches_a_body_outside_the_schema(db, client):
    schema = schemathesis.openapi.from_dict(served(client))

    class Fake:
        status_code = 200
        headers = {"Content-Type": "application/json"}
        content = b'[{"id": "not a number", "name": "x"}]'

    with pytest.raises(FailureGroup):
        _validate(schema, "get", "/api/v1/sites", Fake())
