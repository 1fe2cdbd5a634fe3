"""The broker API's rate limits, counted by `kaikukanta.ratelimit` (one SQL
statement or one Redis round trip per check, exact across app servers):

- every request of a token: `API_RATE_LIMIT` (default 10/s);
- card checks (`GET /api/v1/cards/{id}`, views with `rate_scope =
  "card_check"`) instead: `API_CARD_CHECK_RATE_LIMIT` (default 2/s), since
  checking IDs one after another is how someone would look for cards;
- a token that gets more than `API_UNKNOWN_CARDS_PER_MINUTE` `card_unknown`
  answers within a minute is slowed down: until the minute ends its card
  checks, and its recordings of unknown cards, answer 429;
- requests with a malformed, unknown or revoked token, per client address:
  `API_BAD_TOKEN_RATE_LIMIT` (default 20/min); over it they answer 429
  instead of 401.

Every refusal is 429 `rate_limited` problem JSON with Retry-After (a
`Problem`, or DRF's Throttled that `usage.api.problems` renders the same)."""

import ipaddress

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.throttling import BaseThrottle

from kaikukanta import ratelimit
from usage.api.problems import Problem
from usage.models import BrokerToken

_PERIODS = {"s": 1, "m": 60, "h": 3600}
UNKNOWN_CARDS_WINDOW = 60


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/s" → (10, 1); "600/min" → (600, 60)."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period[0]]


class TokenRateThrottle(BaseThrottle):
    """The token's own rate: a card check counts against the card-check rate,
    anything else against the token's rate."""

    def allow_request(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, BrokerToken):
            return True  # nothing to count against: 401 answers
        scope = getattr(view, "rate_scope", "token")
        rate = (
            settings.API_CARD_CHECK_RATE_LIMIT if scope == "card_check" else settings.API_RATE_LIMIT
        )
        limit, window = parse_rate(rate)
        # A card check also reads the token's unknown-card answers of this
        # minute (refuse_if_slowed_down), in the same round trip.
        decision, unknown = ratelimit.hit_and_peek(
            f"api:{scope}:{token.prefix}",
            limit=limit,
            window=window,
            also_peek=_unknown_cards_peek(token) if scope == "card_check" else None,
        )
        if unknown is not None:
            request._request.unknown_cards = unknown
        self._wait = decision.retry_after
        return decision.allowed

    def wait(self) -> float:
        return self._wait


# --- Unknown cards ------------------------------------------------------------------------

SLOWED_DOWN = _(
    "This token got too many answers of unknown card IDs within a minute, so its card "
    "checks are paused until the minute ends. Check the card IDs your system sends."
)


def _unknown_cards_key(token: BrokerToken) -> str:
    return f"api:card_unknown:{token.prefix}"


def _unknown_cards_peek(token: BrokerToken) -> ratelimit.Peek:
    return ratelimit.Peek(
        _unknown_cards_key(token),
        limit=settings.API_UNKNOWN_CARDS_PER_MINUTE,
        window=UNKNOWN_CARDS_WINDOW,
    )


def refuse_if_slowed_down(token: BrokerToken, request=None) -> None:
    """429 while the token is over its unknown-card answers of this minute (as
    read with the request's own rate check, where it was)."""
    decision = getattr(request, "unknown_cards", None)
    if decision is None:
        peek = _unknown_cards_peek(token)
        decision = ratelimit.peek(peek.key, limit=peek.limit, window=peek.window)
    if not decision.allowed:
        raise _rate_limited(decision, SLOWED_DOWN)


def count_unknown_card(token: BrokerToken) -> None:
    """Count a `card_unknown` answer; over the limit, 429 answers instead."""
    decision = ratelimit.hit(
        _unknown_cards_key(token),
        limit=settings.API_UNKNOWN_CARDS_PER_MINUTE,
        window=UNKNOWN_CARDS_WINDOW,
    )
    if not decision.allowed:
        raise _rate_limited(decision, SLOWED_DOWN)


def _rate_limited(decision: ratelimit.Decision, detail=None) -> Problem:
    """429 `rate_limited` with Retry-After, in the reader's language."""
    return Problem(
        "rate_limited", detail, headers={"Retry-After": str(max(1, decision.retry_after))}
    )


# --- Bad tokens --------------------------------------------------------------------------


def client_address(request) -> str:
    """The client's address as the limits count it: an IPv6 client by its /64
    (one subscriber's block), an IPv4 client by its address. REMOTE_ADDR as
    Django sees it: behind a proxy, the address the proxy passes on."""
    raw = request.META.get("REMOTE_ADDR", "")
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:64] or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def count_bad_token(request) -> None:
    """Count a request whose token did not authenticate; over the limit for
    its address, 429 answers instead of 401."""
    limit, window = parse_rate(settings.API_BAD_TOKEN_RATE_LIMIT)
    decision = ratelimit.hit(f"api:bad_token:{client_address(request)}", limit=limit, window=window)
    if not decision.allowed:
        raise _rate_limited(decision)
