"""The second factor at login (django-otp): an authenticator app (TOTP), passkeys
(django-otp-webauthn) and single-use recovery codes (django-otp's static device).

Who must use one is `kaikukanta.access.second_factor_required`; anyone else may.
A person with a device is always asked for it at login. The pages are in
`venues.second_factor_views`; `kaikukanta.middleware.SecondFactorMiddleware`
sends a session without a verified device there.
"""

import base64
import re
import secrets

import segno
from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from kaikukanta import access, audit, db
from venues import services
from venues.models import Membership, User

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "recovery codes"
TOTP_DEVICE_NAME = "authenticator app"


def has_primary_device(user: User) -> bool:
    """An authenticator app or a passkey: what a person verifies their login with
    (recovery codes only stand in for them)."""
    return (
        TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()
        or WebAuthnCredential.objects.devices_for_user(user, confirmed=True).exists()
    )


def next_step(user: User) -> str | None:
    """What a signed-in but unverified session must do before anything else:
    "verify" (the person has a device), "enrol" (the requirement applies and
    they have none) or None (nothing). One statement, written once rather
    than built by the ORM on each request (kaikukanta.db): it runs on every
    request of such a session (a cashier's, at the desk)."""
    required_roles = list(settings.SECOND_FACTOR_REQUIRED_FOR)
    quote = connection.ops.quote_name

    def any_of_theirs(model, condition: str) -> str:
        table = quote(model._meta.db_table)
        return f"EXISTS (SELECT 1 FROM {table} x WHERE x.user_id = u.id AND {condition})"

    roles = ", ".join(["%s"] * len(required_roles)) or "NULL"
    with db.prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT {any_of_theirs(TOTPDevice, 'x.confirmed')}, "
            f"{any_of_theirs(WebAuthnCredential, 'x.confirmed')}, "
            f"{any_of_theirs(Membership, f'x.role IN ({roles})')}, "
            f"u.is_national_admin FROM {quote(User._meta.db_table)} u WHERE u.id = %s",
            [*required_roles, user.pk],
        )
        answers = cursor.fetchone()
    if answers is None:
        return None
    has_app, has_passkey, has_required_role, is_national_admin = answers
    if has_app or has_passkey:
        return "verify"
    national = is_national_admin and "national_admin" in required_roles
    if has_required_role or national:
        return "enrol"
    return None


def normalise_code(code: str) -> str:
    """Codes are typed with spaces or dashes now and then ("123 456", "abcd-efgh")."""
    return re.sub(r"[\s-]", "", code or "").lower()


def verify_code(user: User, code: str) -> Device | None:
    """The device that accepts `code` (an authenticator app's code or an unused
    recovery code, which is then used up), or None. Each device throttles its own
    failures (django-otp: the wait doubles after each wrong code)."""
    code = normalise_code(code)
    if not code:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if isinstance(device, TOTPDevice | StaticDevice) and device.verify_token(code):
                return device
    return None


# --- The authenticator app ----------------------------------------------------


def new_totp_key() -> str:
    """A new TOTP secret (hex, as django-otp stores it), kept in the session until
    the person proves their app has it."""
    return secrets.token_hex(20)


def totp_device_for(user: User, key: str) -> TOTPDevice:
    """An unsaved device with `key`, for the QR code and for checking the first code."""
    return TOTPDevice(user=user, key=key, name=TOTP_DEVICE_NAME, confirmed=False)


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret for typing into an app by hand: base32 in groups of four."""
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The app's set-up link as a QR code, drawn here as an SVG data URI (no CDN,
    no script: the CSP allows images from data:)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=4)


@transaction.atomic
def confirm_totp(*, user: User, key: str, code: str) -> TOTPDevice | None:
    """Save the authenticator app if `code` is right for `key`: it replaces an
    earlier app of the person's. None when the code is wrong."""
    device = totp_device_for(user, key)
    code = normalise_code(code)
    # Checked here rather than by device.verify_token, which would save the
    # unconfirmed device to count a failure.
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    if not (code.isdigit() and totp.verify(int(code), tolerance=device.tolerance)):
        return None
    TOTPDevice.objects.filter(user=user).delete()
    device.confirmed = True
    device.drift = totp.drift
    device.last_t = totp.t()  # this code cannot be used again to log in
    device.save()
    audit.log(action="second_factor.added", obj=device, actor=user, data={"kind": "totp"})
    return device


# --- Recovery codes ---------------------------------------------------------------


@transaction.atomic
def new_recovery_codes(user: User) -> list[str]:
    """A fresh set of single-use recovery codes; the earlier set stops working.
    Shown to the person once, never again."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit.log(
        action="second_factor.recovery_codes", obj=device, actor=user, data={"count": len(codes)}
    )
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def format_recovery_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


# --- Passkeys -----------------------------------------------------------------------


def passkeys(user: User):
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at")


@transaction.atomic
def remove_passkey(*, user: User, pk: object) -> bool:
    passkey = passkeys(user).filter(pk=pk).first()
    if passkey is None:
        return False
    audit.log(action="second_factor.removed", obj=passkey, actor=user, data={"kind": "passkey"})
    passkey.delete()
    return True


def note_passkey_added(user: User, passkey: WebAuthnCredential) -> None:
    with transaction.atomic():
        audit.log(action="second_factor.added", obj=passkey, actor=user, data={"kind": "passkey"})


# --- For the admin and support --------------------------------------------------------


def summary(user: User) -> str:
    """What the person has, for the admin: e.g. "authenticator app, 2 passkeys,
    7 recovery codes left"."""
    parts = []
    if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        parts.append(_("authenticator app"))
    count = passkeys(user).count()
    if count:
        parts.append(ngettext("%(count)d passkey", "%(count)d passkeys", count) % {"count": count})
    if StaticDevice.objects.filter(user=user).exists():
        left = recovery_codes_left(user)
        parts.append(
            ngettext("%(count)d recovery code left", "%(count)d recovery codes left", left)
            % {"count": left}
        )
    if not parts:
        required = access.second_factor_required(user)
        return _("none yet (set up at the next login)") if required else _("none")
    return ", ".join(parts)


@transaction.atomic
def reset(*, person: User, reset_by: User | None, actor_label: str = "") -> dict[str, int]:
    """Remove every second factor of a person who lost their phone (and their
    recovery codes): they set up a new one at their next login. Only for those
    who may manage the account (`access.may_manage_account`), after making sure
    it is really them asking (docs/deployment.md); `reset_by` None is an operator
    at the server (manage.py reset_second_factor), named by `actor_label`."""
    if reset_by is not None and not access.may_manage_account(reset_by, person):
        raise PermissionError("reset_by may not manage this account")
    removed = {
        "totp": TOTPDevice.objects.filter(user=person).count(),
        "passkeys": WebAuthnCredential.objects.filter(user=person).count(),
        "recovery_codes": recovery_codes_left(person),
    }
    TOTPDevice.objects.filter(user=person).delete()
    WebAuthnCredential.objects.filter(user=person).delete()
    StaticDevice.objects.filter(user=person).delete()
    areas = access.coordinated_areas(reset_by) if reset_by is not None else None
    audit.log(
        action="person.second_factor_reset",
        obj=person,
        actor=reset_by,
        actor_label=actor_label,
        area=services.area_of_person(person, areas) if areas is not None else None,
        data=removed,
    )
    return removed
