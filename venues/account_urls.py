"""Login, logout, password reset and the invitation link, in the app's own look."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy
from django_otp_webauthn import views as webauthn_views

from venues import second_factor_views
from venues.forms import LoginForm

# django-otp-webauthn's JSON endpoints for passkeys, under the namespace its
# code expects. Passkeys are a second factor here: never a login of their own.
passkey_urls = (
    [
        path(
            "registration/begin/",
            webauthn_views.BeginCredentialRegistrationView.as_view(),
            name="credential-registration-begin",
        ),
        path(
            "registration/complete/",
            second_factor_views.CompletePasskeyRegistration.as_view(),
            name="credential-registration-complete",
        ),
        path(
            "authentication/begin/",
            webauthn_views.BeginCredentialAuthenticationView.as_view(),
            name="credential-authentication-begin",
        ),
        path(
            "authentication/complete/",
            webauthn_views.CompleteCredentialAuthenticationView.as_view(),
            name="credential-authentication-complete",
        ),
    ],
    "otp_webauthn",
)

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # The invitation: the same one-time token, a welcoming page.
    path(
        "welcome/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/welcome.html",
            success_url=reverse_lazy("password_reset_complete"),
            post_reset_login=False,
        ),
        name="welcome",
    ),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    # The second factor.
    path("two-factor/", second_factor_views.verify, name="second_factor_verify"),
    path("two-factor/setup/", second_factor_views.setup, name="second_factor_setup"),
    path(
        "two-factor/recovery-codes/",
        second_factor_views.recovery_codes,
        name="second_factor_recovery_codes",
    ),
    path("security/", second_factor_views.security, name="account_security"),
    path(
        "security/passkeys/<int:pk>/remove/",
        second_factor_views.passkey_remove,
        name="passkey_remove",
    ),
    path("passkeys/", include(passkey_urls)),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
