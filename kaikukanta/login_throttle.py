"""Login throttling (django-axes), as it works behind the proxy.

Failures are counted per username at one client address (AXES_FAILURE_LIMIT) and
per client address across all usernames (AXES_ADDRESS_FAILURE_LIMIT, against
password spraying). The address comes from `kaikukanta.http.client_ip`, which
reads X-Forwarded-For only as far as TRUSTED_PROXY_COUNT allows, so that clients
behind the proxy are not all one address, and nobody can lock another person out
from elsewhere."""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.formats import time_format


def username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The username as counted: trimmed and in lower case, as the login treats it."""
    source = credentials if credentials else getattr(request, "data", request.POST)
    value = source.get(settings.AXES_USERNAME_FORM_FIELD)
    return value.strip().lower() if isinstance(value, str) else value


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes's database handler with a limit of its own for each lockout parameter.

    Axes compares one count with one limit (AXES_FAILURE_LIMIT). The count given
    here is that of the username at this address, raised to the limit when the
    address alone has passed AXES_ADDRESS_FAILURE_LIMIT."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        counts = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        by_username, by_address = counts  # the order of AXES_LOCKOUT_PARAMETERS
        if by_address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(by_username, settings.AXES_FAILURE_LIMIT)
        return by_username

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful login forgives that username's failures at this address,
        not the address's failures with other usernames: otherwise one valid
        account would let a password sprayer start the count again at will."""
        by_username = self.filter_user_attempts(request, credentials)[0]
        count, _ = by_username.delete()
        return count


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """The page a locked-out person sees, in their language, with the time when
    they may try again. Each try during the pause starts it again (Axes's
    default), so the time is counted from now."""
    minutes = settings.AXES_COOLOFF_MINUTES
    until = timezone.now() + timedelta(minutes=minutes)
    # The 24-hour clock in every language (English's TIME_FORMAT has a.m./p.m.).
    clock = "H:i" if translation.get_language() == "en" else "TIME_FORMAT"
    context = {
        "until": until,
        "until_time": time_format(timezone.localtime(until), clock),
        "minutes": minutes,
    }
    return render(request, "registration/locked_out.html", context, status=429)
