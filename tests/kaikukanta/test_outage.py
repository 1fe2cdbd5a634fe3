"""When the database cannot be reached: every page answers 503 in the app's
layout and the reader's language (the desk with the way to its offline page,
other pages with the support contact), scripts that ask for JSON get problem
JSON, and the log gets one line per request, never a traceback."""

import sqlite3

import psycopg
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.test import Client
from django.urls import resolve, reverse

from kaikukanta.errors import RETRY_AFTER_SECONDS, is_database_unavailable
from tests.database_outage import database_down, database_goes_down_at, driver_error

# The error on one line, as the log has it (psycopg's message runs over two).
UNAVAILABLE_SUMMARY = f"OperationalError: {str(driver_error()).splitlines()[0]}"

SUPPORT = "tuki@kaikukeskus.fi"


def wrapped(cause: Exception) -> OperationalError:
    """django.db's OperationalError as Django raises it from the driver's `cause`."""
    error = OperationalError(*cause.args)
    error.__cause__ = cause
    return error


def sqlite_error(message: str, code: int) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    return error


@pytest.mark.parametrize(
    "error",
    [
        wrapped(psycopg.OperationalError("connection failed: Connection refused")),
        wrapped(psycopg.OperationalError("server closed the connection unexpectedly")),
        wrapped(psycopg.errors.AdminShutdown("terminating connection due to administrator")),
        wrapped(psycopg.errors.CannotConnectNow("the database system is starting up")),
        wrapped(psycopg.errors.TooManyConnections("sorry, too many clients already")),
        wrapped(psycopg.errors.ConnectionFailure("connection failure")),
        InterfaceError("connection already closed"),
        wrapped(sqlite_error("unable to open database file", 14)),
        wrapped(sqlite_error("database is locked", 5)),
    ],
    ids=repr,
)
def test_it_recognises_a_database_that_cannot_be_reached(error):
    assert is_database_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        wrapped(psycopg.errors.LockNotAvailable("lock timeout")),  # `busy`, where it happens
        wrapped(psycopg.errors.DeadlockDetected("deadlock detected")),
        wrapped(psycopg.errors.QueryCanceled("canceling statement due to statement timeout")),
        wrapped(sqlite_error("no such table: usage_card", 1)),  # a fault: migrations missing
        IntegrityError("duplicate key"),
        DatabaseError("something else"),
        RuntimeError("not the database"),
        None,
    ],
    ids=repr,
)
def test_it_leaves_faults_alone(error):
    assert not is_database_unavailable(error)


def outage_page(response, language: str = "fi") -> str:
    assert response.status_code == 503, response.status_code
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert 'class="navbar-brand fw-bold" href="/"' in html  # the app's own layout
    assert f'href="mailto:{SUPPORT}"' in html
    return html


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fi", "Kirjaa ilman verkkoyhteyttä"),
        ("sv", "Registrera utan nät"),
        ("en", "Record offline"),
    ],
)
def test_the_desk_says_so_in_its_layout_with_the_way_to_the_offline_page(
    client_for, net, language, text
):
    cashier = client_for("cashier")

    with database_down():
        response = cashier.get(reverse("usage:desk"), HTTP_ACCEPT_LANGUAGE=language)

    html = outage_page(response, language)
    assert 'id="desk-unavailable"' in html
    assert (
        f'<a class="btn btn-primary btn-lg" id="desk-offline-link" href="/desk/offline/">{text}</a>'
        in html
    )
    assert "desk.css" in html


def test_recording_at_the_desk_says_so_and_records_nothing(client_for, net):
    from usage.models import Redemption

    cashier = client_for("cashier")

    with database_down():
        response = cashier.post(reverse("usage:desk_record"), {"site": net.venue_a.pk})

    assert 'id="desk-offline-link"' in outage_page(response)
    assert not Redemption.objects.exists()


def test_the_desks_script_gets_problem_json(client_for, net):
    cashier = client_for("cashier")

    with database_down():
        response = cashier.get(
            reverse("usage:desk_card"), {"card": "TRE-1000"}, HTTP_ACCEPT="application/json"
        )

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "unavailable"


def test_the_desk_page_carries_what_its_script_shows_when_the_register_is_unreachable(
    client_for, net
):
    html = client_for("cashier").get(reverse("usage:desk")).content.decode()

    template = html.split('<template id="desk-unavailable-template">')[1].split("</template>")[0]
    assert 'id="desk-offline-link" href="/desk/offline/"' in template


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("venue_contact", lambda net: reverse("venues:site", args=[net.venue_a.pk])),
        ("venue_contact", lambda net: reverse("usage:offline_sheets", args=[net.venue_a.pk])),
        ("coordinator", lambda net: reverse("admin:index")),
        ("coordinator", lambda net: reverse("admin:stats_area", args=[net.area_a.pk])),
        ("venue_contact", lambda net: reverse("admin:stats_site", args=[net.venue_a.pk])),
        ("coordinator", lambda net: reverse("admin:venues_site_changelist")),
        ("national_admin", lambda net: reverse("venues:national")),
        ("distributor", lambda net: reverse("usage:cards", args=[net.dist_a.pk])),
        ("anonymous", lambda net: reverse("stats:public")),
    ],
)
def test_other_pages_answer_503_in_the_layout_with_the_support_contact(
    client_for, net, persona, url
):
    client = client_for(persona)

    with database_down():
        response = client.get(url(net), HTTP_ACCEPT_LANGUAGE="sv")

    html = outage_page(response, "sv")
    assert "Registret går inte att nå just nu" in html
    assert f'href="{url(net)}"' in html  # try again
    if persona != "anonymous":
        # Nothing of the person: their name and menu would need the database.
        assert getattr(net, persona).get_full_name() not in html


def test_a_form_sent_during_the_outage_says_it_may_not_be_saved(client_for, net):
    client = client_for("venue_contact")

    with database_down():
        response = client.post(reverse("usage:import_entry", args=[net.venue_a.pk]), {})

    html = outage_page(response)
    assert 'id="outage-explanation"' in html
    assert "Lähettämäsi tiedot eivät ehkä tallentuneet" in html


def test_each_failed_request_is_one_line_in_the_log_without_a_traceback(client_for, net, caplog):
    client = client_for("venue_contact")

    with database_down():
        client.get(reverse("venues:site", args=[net.venue_a.pk]))
        client.get(reverse("usage:desk"))

    records = [r for r in caplog.records if r.levelname in ("WARNING", "ERROR", "CRITICAL")]
    # Paths are logged as their URL patterns (kaikukanta.logs.RedactPaths: a
    # path can carry a card ID).
    site_route = "/" + resolve(reverse("venues:site", args=[net.venue_a.pk])).route
    assert [r.getMessage().split(" (")[0] for r in records] == [
        f"database unavailable: GET {site_route}",
        "database unavailable: GET /desk/",
    ]
    assert all(r.exc_info is None for r in records)
    assert all(r.getMessage().endswith(f"({UNAVAILABLE_SUMMARY})") for r in records)


def test_an_outage_met_in_middleware_answers_503_too(net, caplog):
    # The card check keeps the card ID in the session, then saving the session
    # (SessionMiddleware, after the view) meets the outage: Django's 500
    # handler answers it as one.
    client = Client(raise_request_exception=False)
    client.force_login(net.cashier)

    with database_goes_down_at(SessionStore, "save"):
        response = client.post(
            reverse("usage:desk_check"), {"site": net.venue_a.pk, "card": "TRE-1000"}
        )

    assert 'id="desk-offline-link"' in outage_page(response)
    [record] = [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]
    assert record.getMessage().startswith("database unavailable: POST /desk/check/")
    assert record.exc_info is None


def test_the_service_worker_script_is_served_while_the_database_is_down(client_for, net):
    # The browser checks for a new worker on each visit; a failed check is harmless,
    # but the script needs nothing from the database anyway.
    cashier = client_for("cashier")

    with database_down():
        response = cashier.get(reverse("usage:service_worker"))

    assert response.status_code == 200
    assert "/desk/offline/" in response.content.decode()
