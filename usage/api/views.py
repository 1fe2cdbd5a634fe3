"""The endpoints of API.md. Thin: parse with a serializer, scope through
`kaikukanta.access`, write through `usage.services`, render."""

import base64
import binascii
import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kaikukanta import access, db
from usage import brokers, queries, services
from usage.api import serializers as s
from usage.api import throttling
from usage.api.problems import (
    MAX_BODY_BYTES,
    PROBLEM_CONTENT_TYPE,
    PROBLEMS,
    Problem,
    invalid,
    payload_too_large,
    problem_type,
)
from usage.card_ids import is_valid_card_id, normalise_card_id
from usage.models import Broker, BrokerToken, Card, Redemption

IDEMPOTENCY_KEY_MAX = 64


class JSONOnly(BaseContentNegotiation):
    """The API speaks JSON whatever the Accept header says (no 406)."""

    def select_parser(self, request, parsers):
        for parser in parsers:
            if request.content_type.split(";")[0].strip() == parser.media_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def problems(*statuses: int) -> dict:
    """The problem responses of an operation, for the schema."""
    descriptions = {
        400: _("`invalid`: `errors` lists field → messages."),
        401: _("`unauthenticated`: no token, or an unknown or revoked one."),
        404: _("`not_found`, `card_unknown` or `offering_not_at_site`."),
        409: _(
            "A refusal: `card_expired`, `card_not_yet_valid`, `card_closed`, "
            "`children_not_allowed`, `too_many_children`, `already_recorded`, "
            "`cap_reached` (with `remaining`) or `offering_excluded`."
        ),
        413: _("`payload_too_large`: the body is larger than the API accepts."),
        415: _("`unsupported_media_type`: send application/json."),
        422: _("`idempotency_mismatch`."),
        429: _("`rate_limited`: retry after `Retry-After` seconds."),
        503: _(
            "`unavailable`: the register cannot reach its database right now; or, when "
            "recording, `busy`. Retry after `Retry-After` seconds (a recording with the "
            "same Idempotency-Key)."
        ),
    }
    return {
        (status, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            s.ProblemSerializer, description=descriptions[status]
        )
        for status in (401, 429, 503, *statuses)
    }


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with JSON nested too deeply for Python's parser
    (a RecursionError) answered as 400 `invalid` like any malformed body."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON is nested too deeply.")) from None


class BrokerView(APIView):
    content_negotiation_class = JSONOnly
    parser_classes = [JSONParser]

    def initial(self, request, *args, **kwargs):
        # A body larger than any request of the API is refused unread (413),
        # before the token is looked up or anything is parsed.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            raise payload_too_large()
        super().initial(request, *args, **kwargs)

    @property
    def token(self) -> BrokerToken:
        return self.request.auth

    @property
    def broker(self) -> Broker:
        return self.request.auth.broker


def _parse(serializer_class, data) -> dict:
    if hasattr(data, "dict"):
        # A query string as a plain dict: DRF reads an empty `?limit=` in a
        # QueryDict as "not given"; the API calls it what it is, invalid.
        data = data.dict()
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise serializers.ValidationError(serializer.errors)
    return serializer.validated_data


# --- Sites and offerings --------------------------------------------------------------


class SiteList(BrokerView):
    @extend_schema(
        operation_id="sites_list",
        summary=_("The sites this token may record for"),
        responses={200: s.SiteSerializer(many=True), **problems()},
    )
    def get(self, request: Request) -> Response:
        return Response(s.SiteSerializer(access.broker_sites(self.broker), many=True).data)


class OfferingList(BrokerView):
    @extend_schema(
        operation_id="site_offerings_list",
        summary=_("The site's offerings on a day, with their caps and use"),
        parameters=[s.OfferingsQuerySerializer],
        responses={200: s.OfferingSerializer(many=True), **problems(400, 404)},
    )
    def get(self, request: Request, site_id: int) -> Response:
        query = _parse(s.OfferingsQuerySerializer, request.query_params)
        site = access.broker_site_or_404(self.broker, site_id)
        day = query.get("date") or timezone.localdate()
        offerings = list(
            queries.offerings_on(site, day).order_by("date", "start_time", "title", "pk")
        )
        return Response(s.OfferingSerializer(offerings, many=True).data)


# --- Cards ------------------------------------------------------------------------------


class CardDetail(BrokerView):
    rate_scope = "card_check"  # API_CARD_CHECK_RATE_LIMIT, lower than recordings

    @extend_schema(
        operation_id="card_retrieve",
        summary=_("Whether the card can be used today (nothing personal)"),
        responses={200: s.CardSerializer, **problems(400, 404)},
    )
    def get(self, request: Request, card_id: str) -> Response:
        normalised = normalise_card_id(card_id)
        if not is_valid_card_id(normalised):
            raise invalid({"card_id": [str(services.REFUSAL_MESSAGES["card_id_malformed"])]})
        card = db.by_unique(Card, "card_id", normalised)  # every check asks: no queryset
        if card is None:
            throttling.count_unknown_card(self.token)
            raise Problem("card_unknown", services.REFUSAL_MESSAGES["card_unknown"])
        throttling.refuse_if_slowed_down(self.token, request._request)
        reason = card.refusal_on(timezone.localdate())
        return Response(
            s.CardSerializer(
                {
                    "card_id": card.card_id,
                    "valid": reason is None,
                    "valid_until": card.valid_until,
                    "kind": card.kind,
                    "children_allowed": card.children_allowed,
                    "reason": reason,
                }
            ).data
        )


# --- Redemptions ----------------------------------------------------------------------------

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX},
    OpenApiParameter.HEADER,
    required=True,
    description=_(
        "Chosen by the client, 1–64 characters, one per use it records. A retry with "
        "the same key and body returns the first result; kept at least 24 hours."
    ),
)


def _encode_cursor(redemption: Redemption) -> str:
    raw = f"{redemption.recorded_at.isoformat()}|{redemption.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        parsed = parse_datetime(moment)
        if parsed is None or parsed.tzinfo is None:
            raise ValueError
        return parsed, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid({"cursor": [str(_("Not a cursor from this API."))]}) from None


class RedemptionList(BrokerView):
    @extend_schema(
        operation_id="redemptions_list",
        summary=_("Uses at this token's sites, oldest first, a page at a time"),
        parameters=[s.RedemptionsQuerySerializer],
        responses={200: s.RedemptionPageSerializer, **problems(400)},
    )
    def get(self, request: Request) -> Response:
        query = _parse(s.RedemptionsQuerySerializer, request.query_params)
        uses = access.broker_redemptions(self.broker).order_by("recorded_at", "pk")
        if "since" in query:
            uses = uses.filter(recorded_at__gte=query["since"])
        if "cursor" in query:
            moment, pk = _decode_cursor(query["cursor"])
            uses = uses.filter(Q(recorded_at__gt=moment) | Q(recorded_at=moment, pk__gt=pk))
        limit = query["limit"]
        page = list(uses[: limit + 1])
        next_url = None
        if len(page) > limit:
            page = page[:limit]
            params = request.query_params.copy()
            params["cursor"] = _encode_cursor(page[-1])
            next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        return Response({"results": s.RedemptionSerializer(page, many=True).data, "next": next_url})

    @extend_schema(
        operation_id="redemptions_create",
        summary=_("Record a use of a card"),
        parameters=[IDEMPOTENCY_KEY],
        request=s.RedemptionRequestSerializer,
        responses={
            201: OpenApiResponse(s.RedemptionSerializer, description=_("Recorded.")),
            200: OpenApiResponse(
                s.RedemptionSerializer,
                description=_("A retry with the same key and body: the first result."),
            ),
            **problems(400, 404, 409, 413, 415, 422),
        },
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        serializer = s.RedemptionRequestSerializer(data=request.data)
        errors = {} if serializer.is_valid() else dict(serializer.errors)
        if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX:
            errors["Idempotency-Key"] = [
                str(_("Send an Idempotency-Key header of 1–64 characters."))
            ]
        if errors:
            raise serializers.ValidationError(errors)
        data = serializer.validated_data
        site = access.broker_site_or_404(self.broker, data["site_id"])
        fingerprint = services.request_fingerprint(
            # The normalised body: a retry that differs only in the card ID's
            # case or spaces, or in a default spelled out, is the same request.
            {
                "card_id": data["card_id"],
                "site_id": site.pk,
                "offering_id": data["offering_id"],
                "date": data["date"],
                "children": data["children"],
            }
        )
        try:
            result = services.record_redemption(
                card_id=data["card_id"],
                site=site,
                # By its pk: the service reads it once, with its lock, and
                # refuses one that is not the site's (offering_not_at_site).
                offering=data["offering_id"],
                channel=Redemption.Channel.API,
                used_on=data["date"],
                children=data["children"],
                broker=self.broker,
                actor_label=brokers.actor_label(self.token),
                idempotency_key=f"api:{self.broker.pk}:{key}",
                fingerprint=fingerprint,
            )
        except services.RedemptionRefused as refusal:
            if refusal.code == "card_unknown":
                throttling.count_unknown_card(self.token)  # 429 once over the limit
            raise
        return Response(
            s.RedemptionSerializer(result.redemption).data, status=201 if result.created else 200
        )


class RedemptionVoid(BrokerView):
    @extend_schema(
        operation_id="redemption_void",
        summary=_("Void a mistaken use (twice changes nothing)"),
        request=s.VoidRequestSerializer,
        responses={200: s.RedemptionSerializer, **problems(400, 404, 413, 415)},
    )
    def post(self, request: Request, pk: int) -> Response:
        redemption = access.broker_redemption_or_404(self.broker, pk)
        data = _parse(s.VoidRequestSerializer, request.data)
        voided = services.void_redemption(
            redemption=redemption,
            reason=data["reason"],
            actor_label=brokers.actor_label(self.token),
        )
        return Response(s.RedemptionSerializer(voided).data)


# --- Outside the contract's endpoints ------------------------------------------------------


class ProblemTypeDetail(APIView):
    """What a problem `type` points at: the code's status and title."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    content_negotiation_class = JSONOnly

    @extend_schema(
        operation_id="problem_type_retrieve",
        summary=_("The description of an error code (a problem `type`)"),
        auth=[],
        responses={200: s.ProblemTypeSerializer, (404, PROBLEM_CONTENT_TYPE): s.ProblemSerializer},
    )
    def get(self, request: Request, code: str) -> Response:
        if code not in PROBLEMS:
            raise Problem("not_found")
        status, title = PROBLEMS[code]
        return Response(
            {"type": problem_type(code), "code": code, "status": status, "title": str(title)}
        )


class NotFound(APIView):
    """Any other URL under /api/: a 404 problem, not Django's HTML page."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    content_negotiation_class = JSONOnly
    schema = None

    def get(self, request, *args, **kwargs):
        raise Problem("not_found")

    post = put = patch = delete = head = options = get
