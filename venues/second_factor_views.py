"""The second factor's pages: verify at login, set up an authenticator app or a
passkey, recovery codes, and the person's own overview of them. The rules and
the writes are in `venues.second_factor`."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn import views as webauthn_views

from kaikukanta import access
from kaikukanta.http import posted
from venues import second_factor

# The new authenticator app's secret, until its first code proves it is set up.
SETUP_KEY = "second_factor_setup_key"
# Recovery codes just made, shown once on the next page and then forgotten.
FRESH_CODES = "second_factor_fresh_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autocapitalize": "off",
                "spellcheck": "false",
                "class": "code-input",
            }
        ),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _done(request: HttpRequest) -> HttpResponse:
    """After a first device: the recovery codes, once; otherwise where the person was going."""
    if not StaticDevice.objects.filter(user=request.user).exists():
        request.session[FRESH_CODES] = second_factor.new_recovery_codes(request.user)
        return redirect(reverse("second_factor_recovery_codes") + _next_query(request))
    return redirect(_next_url(request))


def _next_query(request: HttpRequest) -> str:
    target = _next_url(request)
    return "" if target == reverse("home") else "?" + urlencode({REDIRECT_FIELD_NAME: target})


@never_cache
@sensitive_post_parameters("code")
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of logging in: a code from the authenticator app or a
    recovery code, or a passkey (the button, with JavaScript)."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not second_factor.has_primary_device(user):
        return redirect(reverse("second_factor_setup") + _next_query(request))
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        device = second_factor.verify_code(user, form.cleaned_data["code"])
        if device is None:
            form.add_error(
                "code",
                _("The code is not right, or it was already used. Wait a moment and try again."),
            )
        else:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                return _after_recovery_code(request)
            return redirect(_next_url(request))
    context = {
        "form": form,
        "next": _next_url(request),
        "has_totp": TOTPDevice.objects.devices_for_user(user, confirmed=True).exists(),
        "has_passkeys": second_factor.passkeys(user).exists(),
    }
    return render(request, "registration/second_factor_verify.html", context)


def _after_recovery_code(request: HttpRequest) -> HttpResponse:
    left = second_factor.recovery_codes_left(request.user)
    messages.warning(
        request,
        ngettext(
            "You logged in with a recovery code; %(count)d code is left. If you lost "
            "your phone, set up a new authenticator app here.",
            "You logged in with a recovery code; %(count)d codes are left. If you lost "
            "your phone, set up a new authenticator app here.",
            left,
        )
        % {"count": left},
    )
    return redirect("account_security")


@never_cache
@sensitive_post_parameters("code")
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (the QR code, then its first code), or a passkey.

    At the first login after the requirement applies, and later from the security
    page to replace a phone. Someone who already has a device must verify with it
    first (the middleware sees to that, and so does this page)."""
    user = request.user
    if second_factor.has_primary_device(user) and not user.is_verified():
        return redirect(reverse("second_factor_verify") + _next_query(request))
    key = request.session.get(SETUP_KEY) or second_factor.new_totp_key()
    request.session[SETUP_KEY] = key
    device = second_factor.totp_device_for(user, key)
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        confirmed = second_factor.confirm_totp(user=user, key=key, code=form.cleaned_data["code"])
        if confirmed is None:
            form.add_error(
                "code",
                _(
                    "The code is not right. Check that the app shows Kaikukanta "
                    "and try its newest code."
                ),
            )
        else:
            del request.session[SETUP_KEY]
            otp_login(request, confirmed)
            messages.success(request, _("Your authenticator app is set up."))
            return _done(request)
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_code": second_factor.qr_code_data_uri(device),
        "secret": second_factor.totp_secret_text(device),
        "replacing": TOTPDevice.objects.devices_for_user(user, confirmed=True).exists(),
        "required": access.second_factor_required(user),
    }
    return render(request, "registration/second_factor_setup.html", context)


@never_cache
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Fresh recovery codes, shown once (GET after they were made), or a new set
    (POST), which makes the earlier codes stop working."""
    user = request.user
    if not second_factor.has_primary_device(user):
        return redirect("second_factor_setup")
    if request.method == "POST":
        request.session[FRESH_CODES] = second_factor.new_recovery_codes(user)
        return redirect("second_factor_recovery_codes")
    codes = request.session.pop(FRESH_CODES, None)
    context = {
        "codes": [second_factor.format_recovery_code(code) for code in codes or []],
        "left": second_factor.recovery_codes_left(user),
        "next": _next_url(request),
    }
    return render(request, "registration/second_factor_recovery_codes.html", context)


@never_cache
@login_required
def security(request: HttpRequest) -> HttpResponse:
    """The person's own overview: password, authenticator app, passkeys, recovery codes."""
    user = request.user
    context = {
        "has_totp": TOTPDevice.objects.devices_for_user(user, confirmed=True).exists(),
        "passkeys": second_factor.passkeys(user),
        "has_recovery_codes": StaticDevice.objects.filter(user=user).exists(),
        "codes_left": second_factor.recovery_codes_left(user),
        "required": access.second_factor_required(user),
    }
    return render(request, "registration/security.html", context)


@login_required
@require_POST
def passkey_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    others = (
        second_factor.passkeys(user).exclude(pk=pk).exists()
        or TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    )
    if access.second_factor_required(user) and not others:
        messages.error(
            request,
            _("This is your only second factor. Set up another one before removing it."),
        )
    elif second_factor.remove_passkey(user=user, pk=pk):
        messages.success(request, _("The passkey was removed."))
    return redirect("account_security")


# --- Passkeys (django-otp-webauthn's endpoints, with an audit entry and our next step) ---


class CompletePasskeyRegistration(webauthn_views.CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs) -> JsonResponse:
        response = super().post(*args, **kwargs)
        if response.status_code == 200:
            user = self.request.user
            passkey = second_factor.passkeys(user).order_by("-pk").first()
            second_factor.note_passkey_added(user, passkey)
            messages.success(self.request, _("Your passkey is saved."))
            response = JsonResponse({"redirect_url": _done(self.request).url})
        return response
