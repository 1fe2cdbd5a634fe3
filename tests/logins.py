"""Logging test clients in. National admins and coordinators must pass a second
factor (kaikukanta.access.second_factor_required), so their sessions are marked
as verified here, as the verify page would after a right code: the rest of the
suite tests what they do once in, and tests/venues/test_second_factor.py tests
how they get in."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from kaikukanta import access

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def mark_verified(client: Client, user) -> None:
    """Make the client's session one that has passed its second factor, with the
    person's authenticator app (one is made for them if they have none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def log_in(client: Client, user, *, verified: bool | None = None) -> Client:
    """force_login, plus a verified second factor for those who need one (or as
    `verified` says)."""
    client.force_login(user, backend=MODEL_BACKEND)
    if verified if verified is not None else access.second_factor_required(user):
        mark_verified(client, user)
    return client
