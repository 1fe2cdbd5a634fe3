"""Every report URL under /admin/ with every role: 200 in scope, the login page
for anonymous visitors, 404 outside the user's scope (never a leak of what
exists). tests/test_url_matrix.py skips the admin namespace; this is its part
for the reports."""

from collections.abc import Callable

import pytest
from django.urls import reverse

from tests.conftest import PERSONAS

LOGIN = "login"

COORD = {"coordinator": 200, "national_admin": 200}
SITE_A = {"venue_contact": 200, **COORD}


def site_url(name: str, site: str, fmt: str | None = None) -> Callable:
    def url(net):
        kwargs = {"pk": getattr(net, site).pk}
        if fmt:
            kwargs["fmt"] = fmt
        return reverse(f"admin:{name}", kwargs=kwargs)

    return url


def area_url(name: str, area: str, fmt: str | None = None) -> Callable:
    def url(net):
        kwargs = {"pk": getattr(net, area).pk}
        if fmt:
            kwargs["fmt"] = fmt
        return reverse(f"admin:{name}", kwargs=kwargs)

    return url


ROUTES: list[tuple[str, Callable, dict]] = [
    ("index", lambda n: reverse("admin:index"), SITE_A),
    ("reports", lambda n: reverse("admin:stats_reports"), SITE_A),
    ("national", lambda n: reverse("admin:stats_national"), {"national_admin": 200}),
    *[
        (
            f"national.{fmt}",
            lambda n, fmt=fmt: reverse("admin:stats_national_export", kwargs={"fmt": fmt}),
            {"national_admin": 200},
        )
        for fmt in ("xlsx", "csv", "pdf")
    ],
    ("area A", area_url("stats_area", "area_a"), COORD),
    ("area B", area_url("stats_area", "area_b"), {"national_admin": 200}),
    *[
        (f"area A.{fmt}", area_url("stats_area_export", "area_a", fmt), COORD)
        for fmt in ("xlsx", "csv", "pdf")
    ],
    *[
        (f"area B.{fmt}", area_url("stats_area_export", "area_b", fmt), {"national_admin": 200})
        for fmt in ("xlsx", "csv", "pdf")
    ],
    ("annual A", area_url("stats_annual", "area_a"), COORD),
    ("annual B", area_url("stats_annual", "area_b"), {"national_admin": 200}),
    ("annual A.pdf", lambda n: area_url("stats_annual_pdf", "area_a")(n) + "?year=2025", COORD),
    (
        "annual B.pdf",
        lambda n: area_url("stats_annual_pdf", "area_b")(n) + "?year=2025&public=on",
        {"national_admin": 200},
    ),
    ("site A", site_url("stats_site", "venue_a"), SITE_A),
    ("site A2", site_url("stats_site", "venue_a2"), COORD),
    ("site B", site_url("stats_site", "venue_b"), {"national_admin": 200}),
    ("distributor site", site_url("stats_site", "dist_a"), {}),
    *[
        (f"site A.{fmt}", site_url("stats_site_export", "venue_a", fmt), SITE_A)
        for fmt in ("xlsx", "csv", "pdf")
    ],
    *[
        (f"site B.{fmt}", site_url("stats_site_export", "venue_b", fmt), {"national_admin": 200})
        for fmt in ("xlsx", "csv", "pdf")
    ],
    *[
        (f"site A uses.{fmt}", site_url("stats_site_uses", "venue_a", fmt), SITE_A)
        for fmt in ("xlsx", "csv")
    ],
    *[
        (f"site B uses.{fmt}", site_url("stats_site_uses", "venue_b", fmt), {"national_admin": 200})
        for fmt in ("xlsx", "csv")
    ],
]


@pytest.mark.parametrize(
    ("label", "persona"),
    [(label, persona) for label, _url, _expect in ROUTES for persona in PERSONAS],
)
def test_report_url_answers_each_role_as_its_scope_says(net, client_for, label, persona):
    _label, url, expect = next(route for route in ROUTES if route[0] == label)
    client = client_for(persona)
    response = client.get(url(net))
    if response.status_code == 302 and response["Location"].startswith(reverse("admin:login")):
        response = client.get(response["Location"])  # the admin's own pages go this way
    expected = LOGIN if persona == "anonymous" else expect.get(persona, 404)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected, (label, persona, response.status_code)


def test_every_report_url_is_walked():
    from kaikukanta.admin_site import admin_site
    from stats.views import report_urls

    names = {pattern.name for pattern in report_urls(admin_site)}
    walked = {
        "stats_reports",
        "stats_national",
        "stats_national_export",
        "stats_area",
        "stats_area_export",
        "stats_annual",
        "stats_annual_pdf",
        "stats_site",
        "stats_site_export",
        "stats_site_uses",
    }
    assert names == walked


def test_a_venue_contact_sees_only_reports_in_the_admin(net, client_for):
    client = client_for("venue_contact")
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    body = index.content.decode()
    assert reverse("admin:stats_site", args=[net.venue_a.pk]) in body
    assert reverse("admin:stats_site", args=[net.venue_a2.pk]) not in body
    assert reverse("admin:venues_site_changelist") not in body
    assert client.get(reverse("admin:venues_site_changelist")).status_code == 404
    assert client.get(reverse("admin:venues_organisation_changelist")).status_code == 404


def test_the_coordinator_finds_the_area_report_in_the_admin_index(net, client_for):
    body = client_for("coordinator").get(reverse("admin:index")).content.decode()
    assert reverse("admin:stats_area", args=[net.area_a.pk]) in body
    assert reverse("admin:stats_area", args=[net.area_b.pk]) not in body
    assert reverse("admin:venues_site_changelist") in body


def test_admin_login_sends_everyone_to_the_one_login_page(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302
    assert follow["Location"].startswith(reverse("login"))
