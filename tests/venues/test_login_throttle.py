"""Login throttling that works behind the proxy: the client address comes from
X-Forwarded-For as far as TRUSTED_PROXY_COUNT allows; failures lock a username
at one address, and one address across usernames (password spraying); the
locked-out person is told, in their language, when to try again."""

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from kaikukanta.http import client_ip

pytestmark = pytest.mark.django_db

THROTTLED = override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)


def attempt(email, password="wrong", address="10.0.0.1", via_proxy="192.0.2.1", **headers):
    """A login from `address`, through one proxy at `via_proxy` that appends it."""
    client = Client(REMOTE_ADDR=via_proxy, HTTP_X_FORWARDED_FOR=address, **headers)
    return client.post(reverse("login"), {"username": email, "password": password})


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


# --- The client's address --------------------------------------------------------------------


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_a_proxy_the_header_is_ignored():
    assert client_ip(request_from("203.0.113.5", "198.51.100.7")) == "203.0.113.5"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_appended_counts_not_what_the_client_sent():
    assert client_ip(request_from("10.0.0.2", "198.51.100.7")) == "198.51.100.7"
    # A client that sends its own header cannot choose its address.
    assert client_ip(request_from("10.0.0.2", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_second_from_the_right_counts():
    assert client_ip(request_from("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.3")) == (
        "198.51.100.7"
    )
    # Fewer addresses than proxies: it did not come through them.
    assert client_ip(request_from("10.0.0.2", "198.51.100.7")) == "10.0.0.2"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_malformed_header_falls_back_to_the_connection():
    assert client_ip(request_from("10.0.0.2", "not-an-address")) == "10.0.0.2"
    assert client_ip(request_from("10.0.0.2", "")) == "10.0.0.2"


# --- Locking ---------------------------------------------------------------------------------


@THROTTLED
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_one_clients_failures_do_not_lock_the_person_out_elsewhere(net):
    for _ in range(3):
        attempt(net.cashier.email, address="198.51.100.66")
    locked = attempt(net.cashier.email, "secret-password", address="198.51.100.66")
    assert locked.status_code == 429
    # The same proxy, another client: the real person still gets in.
    elsewhere = attempt(net.cashier.email, "secret-password", address="198.51.100.10")
    assert elsewhere.status_code == 302


@THROTTLED
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_the_username_is_counted_whatever_its_case(net):
    for email in (net.cashier.email, net.cashier.email.upper(), f" {net.cashier.email} "):
        attempt(email, address="198.51.100.66")
    assert attempt(net.cashier.email, "secret-password", address="198.51.100.66").status_code == 429


@THROTTLED
@override_settings(TRUSTED_PROXY_COUNT=1, AXES_ADDRESS_FAILURE_LIMIT=5)
def test_one_address_trying_many_usernames_is_paused(net):
    for number in range(5):
        attempt(f"guess{number}@example.fi", address="198.51.100.66")
    # Even a right password of an untried username is refused from there.
    assert attempt(net.cashier.email, "secret-password", address="198.51.100.66").status_code == 429
    assert attempt(net.cashier.email, "secret-password", address="198.51.100.10").status_code == 302


@THROTTLED
@override_settings(TRUSTED_PROXY_COUNT=1, AXES_ADDRESS_FAILURE_LIMIT=5)
def test_a_successful_login_does_not_forgive_the_addresss_other_failures(net):
    for number in range(4):
        attempt(f"guess{number}@example.fi", address="198.51.100.66")
    # The sprayer's own account logs in fine, which clears only its own failures.
    assert attempt(net.cashier.email, "secret-password", address="198.51.100.66").status_code == 302
    attempt("guess9@example.fi", address="198.51.100.66")
    response = attempt(net.venue_contact.email, "secret-password", address="198.51.100.66")
    assert response.status_code == 429


@THROTTLED
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fi", "Voit yrittää uudelleen kello"),
        ("sv", "Du kan försöka igen klockan"),
        ("en", "You can try again at"),
    ],
)
def test_the_lockout_page_tells_when_to_try_again_in_the_readers_language(net, language, text):
    for _ in range(3):
        attempt(net.cashier.email, HTTP_ACCEPT_LANGUAGE=language)
    response = attempt(net.cashier.email, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 429
    page = response.content.decode()
    assert text in page
    until = response.context["until"]
    assert 14 * 60 <= (until - until.now(until.tzinfo)).total_seconds() <= 15 * 60
