"""Shared fixtures: a small network with one person in every role.

Area A has two venue sites and a distributor site; area B one of each. The
personas act in area A; `other_*` act in area B; `outsider` has no access."""

from types import SimpleNamespace

import pytest
from django.test import Client

from tests.factories import (
    AreaFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganisationFactory,
    SiteFactory,
    UserFactory,
)
from tests.logins import log_in
from venues.models import Membership, Organisation

Role = Membership.Role

PERSONAS = (
    "anonymous",
    "outsider",
    "cashier",
    "venue_contact",
    "distributor",
    "coordinator",
    "national_admin",
)


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres_only are deselected, not skipped, when the suite runs
    on SQLite: every one of them skips there anyway, and they run in the
    PostgreSQL run (CI runs both). A skipped browser test would read as one
    that CI never ran."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    needs_postgres = [item for item in items if item.get_closest_marker("postgres_only")]
    if needs_postgres:
        config.hook.pytest_deselected(items=needs_postgres)
        items[:] = [item for item in items if not item.get_closest_marker("postgres_only")]


def _build_network():
    area_a = AreaFactory(name="Area A")
    area_b = AreaFactory(name="Area B")
    muni_a = MunicipalityFactory(name="Town A", code="001", area=area_a)
    muni_b = MunicipalityFactory(name="Town B", code="002", area=area_b)

    def site(name, kind, area, muni):
        org = OrganisationFactory(name=f"{name} org", kind=kind, area=area)
        return SiteFactory(name=name, organisation=org, municipality=muni)

    venue_a = site("Venue A", Organisation.Kind.VENUE, area_a, muni_a)
    venue_a2 = site("Venue A2", Organisation.Kind.VENUE, area_a, muni_a)
    venue_b = site("Venue B", Organisation.Kind.VENUE, area_b, muni_b)
    dist_a = site("Distributor A", Organisation.Kind.DISTRIBUTOR, area_a, muni_a)
    dist_b = site("Distributor B", Organisation.Kind.DISTRIBUTOR, area_b, muni_b)

    def person(email, **memberships):
        user = UserFactory(email=email)
        for role, place in memberships.items():
            key = "area" if role == Role.COORDINATOR else "site"
            MembershipFactory(user=user, role=role, **{key: place})
        return user

    return SimpleNamespace(
        area_a=area_a,
        area_b=area_b,
        muni_a=muni_a,
        muni_b=muni_b,
        venue_a=venue_a,
        venue_a2=venue_a2,
        venue_b=venue_b,
        dist_a=dist_a,
        dist_b=dist_b,
        outsider=UserFactory(email="outsider@example.fi"),
        cashier=person("cashier@example.fi", cashier=venue_a),
        venue_contact=person("contact@example.fi", venue_contact=venue_a),
        distributor=person("distributor@example.fi", distributor=dist_a),
        coordinator=person("coordinator@example.fi", coordinator=area_a),
        national_admin=UserFactory(email="admin@example.fi", is_national_admin=True),
        other_cashier=person("cashier-b@example.fi", cashier=venue_b),
        other_venue_contact=person("contact-b@example.fi", venue_contact=venue_b),
        other_distributor=person("distributor-b@example.fi", distributor=dist_b),
        other_coordinator=person("coordinator-b@example.fi", coordinator=area_b),
    )


@pytest.fixture
def net(db):
    return _build_network()


@pytest.fixture
def client_for(net):
    """client_for("cashier") → a test client logged in as that persona (with its
    second factor verified, for those who need one: tests/logins.py)."""

    def make(persona: str) -> Client:
        client = Client()
        if persona != "anonymous":
            log_in(client, getattr(net, persona))
        return client

    return make


@pytest.fixture
def wide_race_window(monkeypatch):
    """Widen the window between counting a cap and inserting (a test-only hook
    in usage.services), so that a missing row lock shows up every time."""
    import time

    from usage import services

    monkeypatch.setattr(services, "_race_window", lambda: time.sleep(0.05))


@pytest.fixture
def english(settings):
    """Pages in English, the source language, for tests that read their texts
    (Finnish is the default, and the catalogs translate everything)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def contact(client_for):
    """A test client logged in as the venue contact person of Venue A."""
    return client_for("venue_contact")
