"""The second factor at login: national admins and coordinators set one up at
their first login and then confirm every login with it; /admin/ and their pages
refuse a session that has not. Recovery codes work once. Cashiers need none."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kaikukanta.models import AuditEntry
from tests.logins import log_in
from venues import second_factor
from venues.second_factor_views import SETUP_KEY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def password_login(user) -> Client:
    client = Client()
    response = client.post(
        reverse("login"), {"username": user.email, "password": "secret-password"}
    )
    assert response.status_code == 302
    return client


def code_for(key_hex: str, drift: int = 0) -> str:
    totp = TOTP(bytes.fromhex(key_hex))
    totp.drift = drift
    return f"{totp.token():06d}"


def with_app(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


# --- Enrolment ------------------------------------------------------------------------


def test_a_coordinator_sets_up_an_app_at_the_first_login_and_gets_recovery_codes(net):
    client = password_login(net.coordinator)
    area_page = reverse("venues:area", args=[net.area_a.pk])

    response = client.get(area_page)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor_setup"))

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.content.decode()  # the QR code, drawn here
    key = client.session[SETUP_KEY]
    assert re.sub(r"\s", "", page.context["secret"])  # the key to type by hand

    done = client.post(response["Location"], {"code": code_for(key), "next": area_page})
    assert done.status_code == 302
    assert done["Location"].startswith(reverse("second_factor_recovery_codes"))
    device = TOTPDevice.objects.get(user=net.coordinator)
    assert device.confirmed and device.key == key
    assert AuditEntry.objects.filter(action="second_factor.added", actor=net.coordinator).exists()

    codes_page = client.get(done["Location"])
    assert len(codes_page.context["codes"]) == second_factor.RECOVERY_CODE_COUNT
    assert client.get(done["Location"]).context["codes"] == []  # shown once
    assert client.get(area_page).status_code == 200


def test_a_wrong_code_does_not_set_up_the_app(net):
    client = password_login(net.coordinator)
    setup = reverse("second_factor_setup")
    client.get(setup)
    response = client.post(setup, {"code": "000000"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not TOTPDevice.objects.filter(user=net.coordinator).exists()
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.parametrize("persona", ["national_admin", "coordinator"])
@pytest.mark.parametrize(
    "url",
    [
        lambda n: reverse("admin:index"),
        lambda n: reverse("admin:venues_site_changelist"),
        lambda n: reverse("venues:area", args=[n.area_a.pk]),
        lambda n: reverse("venues:national"),
        lambda n: reverse("home"),
    ],
)
def test_admin_and_coordinator_pages_refuse_a_session_without_a_second_factor(net, persona, url):
    client = password_login(getattr(net, persona))
    response = client.get(url(net))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor_setup"))


def test_a_post_without_a_second_factor_changes_nothing(net):
    client = password_login(net.coordinator)
    response = client.post(
        reverse("admin:venues_user_change", args=[net.cashier.pk]),
        {"full_name": "Changed", "email": net.cashier.email, "is_active": "on"},
    )
    assert response.status_code == 302
    net.cashier.refresh_from_db()
    assert net.cashier.full_name != "Changed"


def test_a_cashier_needs_no_second_factor(net):
    client = password_login(net.cashier)
    assert client.get(reverse("usage:desk")).status_code == 200


@override_settings(SECOND_FACTOR_REQUIRED_FOR=["coordinator", "national_admin", "venue_contact"])
def test_a_deployment_can_require_it_of_venue_contact_persons(net):
    client = password_login(net.venue_contact)
    response = client.get(reverse("venues:site", args=[net.venue_a.pk]))
    assert response["Location"].startswith(reverse("second_factor_setup"))
    assert password_login(net.cashier).get(reverse("usage:desk")).status_code == 200


# --- Logging in with it --------------------------------------------------------------------


def test_login_with_the_app_reaches_the_admin(net):
    device = with_app(net.coordinator)
    client = password_login(net.coordinator)
    response = client.get(reverse("admin:index"))
    assert response["Location"].startswith(reverse("second_factor_verify"))

    done = client.post(
        reverse("second_factor_verify"),
        {"code": code_for(device.key), "next": reverse("admin:index")},
    )
    assert done.status_code == 302 and done["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_wrong_code_is_refused_and_the_session_stays_unverified(net):
    device = with_app(net.coordinator)
    client = password_login(net.coordinator)
    wrong = f"{(int(code_for(device.key)) + 1) % 1000000:06d}"
    response = client.post(reverse("second_factor_verify"), {"code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert client.get(reverse("admin:index")).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # the next try waits


def test_a_recovery_code_works_once(net):
    with_app(net.coordinator)
    codes = second_factor.new_recovery_codes(net.coordinator)

    first = password_login(net.coordinator)
    response = first.post(reverse("second_factor_verify"), {"code": codes[0].upper()})
    assert response.status_code == 302 and response["Location"] == reverse("account_security")
    assert first.get(reverse("admin:index")).status_code == 200
    assert second_factor.recovery_codes_left(net.coordinator) == len(codes) - 1

    second = password_login(net.coordinator)
    again = second.post(reverse("second_factor_verify"), {"code": codes[0]})
    assert again.status_code == 200 and again.context["form"].errors["code"]
    assert second.get(reverse("admin:index")).status_code == 302


def test_recovery_codes_may_be_typed_with_a_dash_and_spaces(net):
    with_app(net.coordinator)
    code = second_factor.new_recovery_codes(net.coordinator)[0]
    client = password_login(net.coordinator)
    typed = f" {second_factor.format_recovery_code(code).upper()} "
    assert client.post(reverse("second_factor_verify"), {"code": typed}).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(net, client_for):
    client = client_for("coordinator")
    old = second_factor.new_recovery_codes(net.coordinator)
    client.post(reverse("second_factor_recovery_codes"))
    shown = client.get(reverse("second_factor_recovery_codes")).context["codes"]
    assert len(shown) == second_factor.RECOVERY_CODE_COUNT
    assert not StaticToken.objects.filter(token__in=old).exists()


def test_a_cashier_who_chose_a_second_factor_is_asked_for_it(net):
    with_app(net.cashier)
    response = password_login(net.cashier).get(reverse("usage:desk"))
    assert response["Location"].startswith(reverse("second_factor_verify"))


def test_no_new_device_without_verifying_with_the_old_one(net):
    with_app(net.coordinator)
    client = password_login(net.coordinator)
    response = client.get(reverse("second_factor_setup"))
    assert response["Location"].startswith(reverse("second_factor_verify"))
    begin = client.post(reverse("otp_webauthn:credential-registration-begin"))
    assert begin.status_code == 403


def test_a_new_phone_replaces_the_old_app(net, client_for):
    old = with_app(net.coordinator)
    client = client_for("coordinator")  # verified with the old app
    client.get(reverse("second_factor_setup"))
    key = client.session[SETUP_KEY]
    response = client.post(reverse("second_factor_setup"), {"code": code_for(key)})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=net.coordinator)) != [old]
    assert TOTPDevice.objects.filter(user=net.coordinator).count() == 1


# --- A lost phone ---------------------------------------------------------------------------


def test_an_admin_removes_a_lost_second_factor_and_the_person_sets_up_a_new_one(net, client_for):
    with_app(net.coordinator)
    second_factor.new_recovery_codes(net.coordinator)
    response = client_for("national_admin").post(
        reverse("admin:venues_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [net.coordinator.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=net.coordinator).exists()
    assert second_factor.recovery_codes_left(net.coordinator) == 0
    entry = AuditEntry.objects.get(action="person.second_factor_reset")
    assert entry.actor == net.national_admin and entry.data["totp"] == 1

    client = password_login(net.coordinator)
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("second_factor_setup"))


def test_a_session_verified_with_a_removed_device_must_set_up_again(net, client_for):
    client = client_for("coordinator")
    assert client.get(reverse("admin:index")).status_code == 200
    TOTPDevice.objects.filter(user=net.coordinator).delete()
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_security_page_lists_what_the_person_has(net, client_for):
    second_factor.new_recovery_codes(net.coordinator)
    page = client_for("coordinator").get(reverse("account_security"))
    assert page.context["has_totp"] and page.context["codes_left"] == 10
    assert "admin" not in second_factor.summary(net.coordinator)
    assert second_factor.summary(net.coordinator).startswith("authenticator app")


def test_the_menu_stays_hidden_until_the_second_factor(net):
    client = password_login(net.coordinator)
    page = client.get(reverse("second_factor_setup"))
    assert page.context["main_menu"] == [] and not page.context["may_use_admin"]
    log_in(client, net.coordinator)
    assert client.get(reverse("account_security")).context["main_menu"]


def test_an_operator_removes_the_last_national_admins_second_factor(net):
    with_app(net.national_admin)
    out = io.StringIO()
    call_command("reset_second_factor", net.national_admin.email.upper(), stdout=out)
    assert "1 authenticator app(s)" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=net.national_admin).exists()
    entry = AuditEntry.objects.get(action="person.second_factor_reset")
    assert entry.actor is None and entry.actor_label == "manage.py reset_second_factor"
    with pytest.raises(CommandError):
        call_command("reset_second_factor", "nobody@example.fi")
