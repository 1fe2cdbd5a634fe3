"""`Authorization: Bearer <token>`: the broker's token, looked up by its prefix
and compared in constant time (usage.brokers). A missing, unknown or revoked
token, or one whose broker is deactivated, gets 401."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from usage import brokers
from usage.api import throttling
from usage.models import Broker, BrokerToken


@dataclass(frozen=True)
class BrokerClient:
    """The request's `user` when a broker's token authenticated it: not a
    person, so that nothing mistakes it for one."""

    token: BrokerToken
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_national_admin = False

    @property
    def broker(self) -> Broker:
        return self.token.broker


class BrokerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != b"bearer":
            return None  # no token: the permission check answers 401
        if len(words) != 2:
            throttling.count_bad_token(request)
            raise AuthenticationFailed(_("Send the header as: Authorization: Bearer <token>."))
        try:
            raw = words[1].decode("ascii")
        except UnicodeDecodeError:
            raw = ""
        token = brokers.authenticate(raw)
        if token is None:
            # Counted per client address: over the limit, 429 instead of 401.
            throttling.count_bad_token(request)
            raise AuthenticationFailed(
                _("The token is unknown or revoked, or its broker is not active.")
            )
        request._request.log_role = "broker"  # for the request log (kaikukanta.logs)
        return BrokerClient(token), token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) with this WWW-Authenticate header.
        return 'Bearer realm="Kaikukanta API"'


class IsBroker(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, BrokerToken)


class BrokerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BrokerTokenAuthentication
    name = "brokerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "kkb_<8 characters>_<40 characters>",
            "description": "The broker's API token, from the area coordinator or Kaikukeskus.",
        }
