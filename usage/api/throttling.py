"""A request rate per token (settings.API_RATE_LIMIT, default 10/s), counted in
the shared cache so that every worker and app server sees the same count.

A fixed window: the count of the current window lives under one cache key
that expires with it. With Redis the increment is atomic; with the database
cache two simultaneous requests may both count once, so a burst can pass by a
request or two — a rate limit, not a quota."""

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from usage.models import BrokerToken

_PERIODS = {"s": 1, "m": 60, "h": 3600}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/s" → (10, 1); "600/min" → (600, 60)."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period[0]]


class TokenRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, BrokerToken):
            return True  # nothing to count against: 401 answers
        limit, period = parse_rate(settings.API_RATE_LIMIT)
        now = time.time()
        window = int(now // period)
        key = f"api-rate:{token.prefix}:{window}"
        cache.add(key, 0, timeout=period + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=period + 1)
            count = 1
        self._wait = (window + 1) * period - now
        return count <= limit

    def wait(self) -> float:
        return self._wait
