"""factory_boy factories for the register's objects."""

import factory
from factory.django import DjangoModelFactory

from venues.models import Area, Membership, Municipality, Organisation, Site, User


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
