"""The ways figures are broken down, defined once for the raw queries (as SQL
expressions) and for the summary's upkeep (as Python), so the two cannot drift."""

from django.db.models import Case, CharField, F, IntegerField, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import ExtractYear
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from usage.models import Card, Redemption
from venues.models import Offering

# (key, label, the highest age in the band). Age = year of use − birth year, so
# a holder who turns 16 during the year counts as 16–17 all year.
AGE_BANDS: list[tuple[str, object, int | None]] = [
    ("16-17", _("16–17"), 17),
    ("18-29", _("18–29"), 29),
    ("30-44", _("30–44"), 44),
    ("45-64", _("45–64"), 64),
    ("65+", _("65 or over"), None),
]
COMMUNITY = "community"  # a community card has no holder's birth year
NOT_RECORDED = ""


def age_band(birth_year: int | None, year_of_use: int, *, community: bool = True) -> str:
    """The band of a holder's age; a community card has none, and neither has a
    personal card whose background data was removed (data retention)."""
    if birth_year is None:
        return COMMUNITY if community else NOT_RECORDED
    age = year_of_use - birth_year
    for key, _label, highest in AGE_BANDS:
        if highest is None or age <= highest:
            return key
    return AGE_BANDS[-1][0]  # pragma: no cover


def age_band_expression(
    use_date: str = "used_on", birth_year: str = "card__birth_year", kind: str = "card__kind"
) -> Case:
    """The age band of the holder in the year of use, as an SQL CASE."""
    age: Combinable = ExtractYear(use_date) - F(birth_year)
    whens = [
        When(**{kind: Card.Kind.COMMUNITY}, then=Value(COMMUNITY)),
        When(**{f"{birth_year}__isnull": True}, then=Value(NOT_RECORDED)),
    ]
    for key, _label, highest in AGE_BANDS:
        if highest is not None:
            whens.append(When(LessThanOrEqual(age, highest), then=Value(key)))
    return Case(*whens, default=Value(AGE_BANDS[-1][0]), output_field=CharField())


def other_area(site_area_id: int | None, issuer_area_id: int | None) -> bool:
    """A use is by a card from another area when the card's issuing site is in a
    different area from the venue site (or either is in none)."""
    return site_area_id is None or site_area_id != issuer_area_id


def other_area_expression():
    """1 for a use by a card from another area, else 0 (for Sum)."""
    return Case(
        When(site__municipality__area=F("card__issued_by__municipality__area"), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


HOLDER_DIMENSIONS = ("age_band", "gender", "life_situation")


def holder_values(card: Card, year_of_use: int) -> dict[str, str]:
    """The holder's values in each holder dimension for a use in that year."""
    return {
        "age_band": age_band(card.birth_year, year_of_use, community=card.is_community),
        "gender": card.gender or NOT_RECORDED,
        "life_situation": card.life_situation or NOT_RECORDED,
    }


def value_labels(dimension: str) -> dict[str, object]:
    """Display labels of a dimension's values, in their display order."""
    not_recorded = _("not recorded")
    if dimension == "age_band":
        return {key: label for key, label, _h in AGE_BANDS} | {
            COMMUNITY: _("community card"),
            NOT_RECORDED: not_recorded,
        }
    if dimension == "gender":
        return dict(Card.Gender.choices) | {NOT_RECORDED: not_recorded}
    if dimension == "life_situation":
        return dict(Card.LifeSituation.choices) | {NOT_RECORDED: not_recorded}
    if dimension == "sector":
        return dict(Offering.Sector.choices) | {None: _("no offering (plain admission)")}
    if dimension == "kind":
        return dict(Offering.Kind.choices) | {None: _("no offering (plain admission)")}
    if dimension == "channel":
        return dict(Redemption.Channel.choices)
    raise KeyError(dimension)
