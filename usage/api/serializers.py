"""What goes in and out of the API: the fields of API.md, and nothing
personal (no name, birth year, postal code or any other background data)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kaikukanta.text import no_control_characters
from usage.card_ids import is_valid_card_id, normalise_card_id
from usage.models import MAX_CHILDREN, Card, Redemption
from usage.services import REFUSAL_MESSAGES
from venues.models import Offering

# --- Requests -------------------------------------------------------------------


class StrictIntegerField(serializers.IntegerField):
    """A whole number as a JSON number: not true/false, not "5", not 5.5."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class CardIdField(serializers.CharField):
    """A card ID in any case, with spaces or Code 39 asterisks; normalised."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        card_id = normalise_card_id(super().to_internal_value(data))
        if not is_valid_card_id(card_id):
            raise serializers.ValidationError(str(REFUSAL_MESSAGES["card_id_malformed"]))
        return card_id


class RedemptionRequestSerializer(serializers.Serializer):
    card_id = CardIdField(help_text=_("The card's ID, as typed, scanned or read from the QR code."))
    site_id = StrictIntegerField(min_value=1)
    offering_id = StrictIntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Null for plain admission at a site with no offerings that day."),
    )
    date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "Default: today. A date in a year whose uses the register no longer keeps "
            "(the data retention: older than ten full calendar years) is refused as invalid."
        ),
    )
    children = StrictIntegerField(
        min_value=0,
        max_value=MAX_CHILDREN,
        required=False,
        default=0,
        help_text=_("Children's tickets on top of the holder's own."),
    )


class VoidRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, validators=[no_control_characters], help_text=_("Why the use is voided.")
    )


class OfferingsQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text=_("YYYY-MM-DD; default: today."))


class RedemptionsQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(
        required=False,
        help_text=_("ISO 8601; uses recorded at or after this moment. Default: all."),
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=500, default=100, help_text=_("Page size, 1–500.")
    )
    cursor = serializers.CharField(
        required=False,
        max_length=200,
        help_text=_("From the previous page's `next`; leave out for the first page."),
    )


# --- Responses -------------------------------------------------------------------


class SiteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    municipality = serializers.CharField(source="municipality.name")


class OfferingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Offering.Kind.choices)
    sector = serializers.ChoiceField(choices=Offering.Sector.choices)
    starts_at = serializers.DateTimeField()
    cap = serializers.IntegerField(allow_null=True)
    used = serializers.IntegerField(help_text=_("Tickets used: holders' and children's."))
    remaining = serializers.SerializerMethodField()
    excluded = serializers.BooleanField(
        help_text=_("Excluded from Kaikukortti by the venue: recording it is refused.")
    )

    def get_remaining(self, offering) -> int | None:
        return None if offering.cap is None else max(offering.cap - offering.used, 0)


class CardSerializer(serializers.Serializer):
    card_id = serializers.CharField()
    valid = serializers.BooleanField()
    valid_until = serializers.DateField()
    kind = serializers.ChoiceField(choices=Card.Kind.choices)
    children_allowed = serializers.IntegerField()
    reason = serializers.ChoiceField(
        choices=["card_expired", "card_closed", "card_not_yet_valid"], allow_null=True
    )

    def to_representation(self, answer: dict) -> dict:
        """The declared fields' values, written out as RedemptionSerializer's
        are: DRF's own way copies the six fields for every card check, about
        0.2 ms of a check's 2.5 ms of CPU (docs/performance.md). A test holds
        the two to the same answer."""
        return {
            "card_id": answer["card_id"],
            "valid": bool(answer["valid"]),
            "valid_until": _DATE.to_representation(answer["valid_until"]),
            "kind": str(answer["kind"]),  # a Card.Kind member as its plain value
            "children_allowed": int(answer["children_allowed"]),
            "reason": answer["reason"],
        }


class RedemptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    card_id = serializers.CharField(source="card.card_id")
    site_id = serializers.IntegerField()
    offering_id = serializers.IntegerField(allow_null=True)
    date = serializers.DateField(source="used_on")
    children = serializers.IntegerField()
    tickets = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=Redemption.Channel.choices)
    recorded_at = serializers.DateTimeField()
    voided = serializers.BooleanField(source="is_voided")

    def to_representation(self, redemption: Redemption) -> dict:
        """The declared fields' values, written out: DRF's own way copies every
        field of the serializer for each use it renders, a tenth of an API
        recording's CPU (docs/performance.md). A test holds the two to the
        same answer."""
        return {
            "id": redemption.pk,
            "card_id": redemption.card.card_id,
            "site_id": redemption.site_id,
            "offering_id": redemption.offering_id,
            "date": _DATE.to_representation(redemption.used_on),
            "children": redemption.children,
            "tickets": redemption.tickets,
            "channel": redemption.channel,
            "recorded_at": _DATETIME.to_representation(redemption.recorded_at),
            "voided": redemption.is_voided,
        }


_DATE = serializers.DateField()
_DATETIME = serializers.DateTimeField()


class RedemptionPageSerializer(serializers.Serializer):
    results = RedemptionSerializer(many=True)
    next = serializers.URLField(
        allow_null=True, help_text=_("The next page, or null on the last page.")
    )


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField(help_text=_("A URI reference that describes the code."))
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text=_("Stable and machine-readable: see the docs."))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("With `invalid`: field → messages."),
    )
    remaining = serializers.IntegerField(
        required=False, help_text=_("With `cap_reached`: places left.")
    )
    redemption_id = serializers.IntegerField(
        required=False, help_text=_("With `already_recorded`: the earlier use.")
    )


class ProblemTypeSerializer(serializers.Serializer):
    type = serializers.CharField()
    code = serializers.CharField()
    status = serializers.IntegerField()
    title = serializers.CharField()
