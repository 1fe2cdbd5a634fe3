"""Ticket brokers' API tokens: issue, look up, revoke.

A token reads `kkb_<8 characters>_<40 characters>`. The first part (`kkb_` and
the 8 characters) is the token's prefix: stored in the clear, shown in lists and
audit entries, and used to find the token. Only a SHA-256 hash of the secret
part is stored, compared in constant time (healthchecks does the same with its
API keys). The whole token is shown once, when it is created; nobody can see it
again, only revoke it and create a new one.
"""

import datetime
import hashlib
import hmac
import re
import secrets
import string

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from kaikukanta import audit, db
from usage.models import Broker, BrokerToken
from venues.models import User

TOKEN_PATTERN = re.compile(r"^(kkb_[a-z0-9]{8})_([A-Za-z0-9]{40})$")
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits
# `last_used_at` is a hint for people ("is this token still in use?"), not a
# log: it is written at most once a minute per token, not on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token_string() -> str:
    prefix = "kkb_" + "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(8))
    secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
    return f"{prefix}_{secret}"


def actor_label(token: BrokerToken) -> str:
    """Who acted, for audit entries: the broker and the token's prefix, never
    the token itself."""
    suffix = f" (API token {token.prefix})"
    return token.broker.name[: 200 - len(suffix)] + suffix


def _store(
    *, broker: Broker, token: str, label: str, created_by: User | None, actor: str
) -> BrokerToken:
    match = TOKEN_PATTERN.match(token)
    if not match:
        raise ValueError("Not a broker token.")
    prefix, secret = match.groups()
    with transaction.atomic():
        stored = BrokerToken.objects.create(
            broker=broker,
            label=label,
            prefix=prefix,
            secret_hash=_hash(secret),
            created_by=created_by,
        )
        audit.log(
            action="broker_token.created",
            obj=stored,
            actor=created_by,
            actor_label=actor,
            area=broker.area,
            data={"broker_id": broker.pk, "prefix": prefix},
        )
    return stored


def create_token(
    *, broker: Broker, label: str = "", created_by: User | None = None, actor: str = ""
) -> tuple[BrokerToken, str]:
    """Issue a new token for `broker`. Returns the stored token and the token
    string, which the caller shows once and never keeps."""
    for _attempt in range(5):
        token = new_token_string()
        try:
            return _store(
                broker=broker, token=token, label=label, created_by=created_by, actor=actor
            ), token
        except IntegrityError:  # the one-in-trillions prefix collision: draw again
            continue
    raise RuntimeError("Could not draw a unique token prefix.")


def install_token(*, broker: Broker, token: str, label: str = "", actor: str = "") -> BrokerToken:
    """Store a token string chosen by the caller. Only the demo data uses this,
    so that the demo token in docs/api.md stays the same on every run."""
    prefix = token[:12]
    existing = BrokerToken.objects.filter(prefix=prefix).first()
    if existing is not None:
        return existing
    return _store(broker=broker, token=token, label=label, created_by=None, actor=actor)


def revoke_token(
    *, token: BrokerToken, revoked_by: User | None = None, actor: str = ""
) -> BrokerToken:
    """Revoke a token: from now on it gets 401. Revoking twice changes nothing."""
    with transaction.atomic():
        token = BrokerToken.objects.select_for_update().select_related("broker").get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.log(
            action="broker_token.revoked",
            obj=token,
            actor=revoked_by,
            actor_label=actor,
            area=token.broker.area,
            data={"broker_id": token.broker_id, "prefix": token.prefix},
        )
    return token


def authenticate(raw: str) -> BrokerToken | None:
    """The active token that `raw` is, or None (unknown, malformed, revoked, or
    its broker deactivated). Looked up by prefix, compared in constant time."""
    match = TOKEN_PATTERN.match(raw or "")
    if not match:
        return None
    prefix, secret = match.groups()
    token = _token_with_broker(prefix)
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    if not token.is_active:
        return None
    _note_use(token)
    return token


def _token_with_broker(prefix: str) -> BrokerToken | None:
    """The token with this (unique) prefix and its broker: what
    `BrokerToken.objects.select_related("broker").filter(prefix=prefix).first()`
    reads, as SQL written once, since every API request asks (kaikukanta.db)."""
    quote = connection.ops.quote_name
    found = db.fetch_one(
        f"SELECT {db.select_list((BrokerToken, 't'), (Broker, 'b'))} "
        f"FROM {quote(BrokerToken._meta.db_table)} t "
        f"JOIN {quote(Broker._meta.db_table)} b ON b.id = t.broker_id WHERE t.prefix = %s",
        [prefix],
        BrokerToken,
        Broker,
    )
    if found is None:
        return None
    token, token.broker = found
    return token


def _note_use(token: BrokerToken) -> None:
    now = timezone.now()
    if token.last_used_at and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    # The condition makes concurrent requests of several workers write once.
    BrokerToken.objects.filter(pk=token.pk).exclude(
        last_used_at__gte=now - LAST_USED_RESOLUTION
    ).update(last_used_at=now)
    token.last_used_at = now
