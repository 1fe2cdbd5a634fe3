"""factory_boy factories for the register's objects."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from usage.models import Card, CardPeriod, one_year_from
from venues.models import Area, Membership, Municipality, Offering, Organisation, Site, User


class AreaFactory(DjangoModelFactory):
    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"Area {n}")


class MunicipalityFactory(DjangoModelFactory):
    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"Municipality {n}")
    code = factory.Sequence(lambda n: f"{n % 1000:03d}")
    area = factory.SubFactory(AreaFactory)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.VENUE
    area = factory.SubFactory(AreaFactory)


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    municipality = factory.SubFactory(
        MunicipalityFactory, area=factory.SelfAttribute("..organisation.area")
    )
    contact_name = "Contact Person"
    contact_email = factory.Sequence(lambda n: f"contact{n}@example.fi")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.fi")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", "secret-password")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Membership.Role.CASHIER


class OfferingFactory(DjangoModelFactory):
    class Meta:
        model = Offering

    site = factory.SubFactory(SiteFactory)
    kind = Offering.Kind.SHOW
    sector = Offering.Sector.CULTURE
    title = factory.Sequence(lambda n: f"Show {n}")
    date = factory.LazyFunction(timezone.localdate)
    start_time = datetime.time(19, 0)


class CardFactory(DjangoModelFactory):
    """A valid personal card, issued today (use `issued_on` to move it)."""

    class Meta:
        model = Card
        skip_postgeneration_save = True

    card_id = factory.Sequence(lambda n: f"KK{n:06d}")
    kind = Card.Kind.PERSONAL
    issued_by = factory.SubFactory(SiteFactory, organisation__kind=Organisation.Kind.DISTRIBUTOR)
    issued_on = factory.LazyFunction(timezone.localdate)
    valid_from = factory.SelfAttribute("issued_on")
    valid_until = factory.LazyAttribute(lambda card: one_year_from(card.issued_on))
    birth_year = 1980
    postal_code = "33100"
    children = 0

    @factory.post_generation
    def first_period(card, create, extracted, **kwargs):
        if create:
            CardPeriod.objects.create(
                card=card,
                kind=CardPeriod.Kind.ISSUED,
                valid_from=card.valid_from,
                valid_until=card.valid_until,
                site=card.issued_by,
            )
