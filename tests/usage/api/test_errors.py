"""Errors outside the endpoints' own rules are problem JSON too: unknown URLs
under /api/, wrong methods, the rate limit; and every code has its `type`."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.usage.api.helpers import problem
from usage.api.problems import PROBLEMS

DOCS = Path(settings.BASE_DIR) / "docs" / "api.md"


def test_an_unknown_url_under_api_is_a_404_problem(broker, api):
    problem(api(broker.secret).get("/api/v1/nothing"), 404, "not_found")
    problem(api().get("/api/v2/sites"), 404, "not_found")
    # A newline in the path (schemathesis found it): still the API's problem JSON.
    problem(api(broker.secret).get("/api/v1/sites/a%0Ab/offerings"), 404, "not_found")


def test_a_wrong_method_is_405_with_allow(broker, api):
    response = api(broker.secret).delete("/api/v1/redemptions")
    problem(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_the_answer_is_json_whatever_the_accept_header(broker, api):
    response = api(broker.secret).get("/api/v1/sites", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"


@pytest.mark.parametrize("code", sorted(PROBLEMS))
def test_every_problem_type_describes_its_code(api, code):
    response = api().get(f"/api/v1/problems/{code}")
    assert response.status_code == 200
    assert response.json()["code"] == code and response.json()["status"] == PROBLEMS[code][0]


def test_an_unknown_problem_type_is_404(api):
    problem(api().get("/api/v1/problems/nothing"), 404, "not_found")


def test_every_code_is_documented_for_vendors_with_its_status():
    text = DOCS.read_text()
    for code, (status, _title) in PROBLEMS.items():
        assert re.search(rf"`{code}`\s*\|\s*{status}", text), (
            f"{code} ({status}) not in docs/api.md"
        )


def test_the_rate_limit_answers_429_with_retry_after(broker, api, settings):
    settings.API_RATE_LIMIT = "3/min"
    client = api(broker.secret)
    statuses = [client.get("/api/v1/sites").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/sites")
    problem(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60


def test_the_rate_limit_is_per_token(broker, other_broker, api, settings):
    settings.API_RATE_LIMIT = "2/min"
    for _ in range(2):
        api(broker.secret).get("/api/v1/sites")
    assert api(broker.secret).get("/api/v1/sites").status_code == 429
    assert api(other_broker.secret).get("/api/v1/sites").status_code == 200
