"""A fixed, small data set whose figures are computed by hand in the tests.

Everything happens in 2025 (one card's history starts in 2024). Area A has
Venue A and Venue A2 and Distributor A; area B has Venue B and Distributor B
(tests/conftest.py). Uses are recorded through the one recording service, so
the statistics summary is kept by the same path as in production.

    card  issued by       born  gender    life situation  children
    C1    Distributor A   2009  female    student         2   (turns 16 in 2025: 16–17)
    C2    Distributor A   1990  male      employed        0   (35: 30–44)
    C3    Distributor B   1950  —         retired         1   (75: 65+, from area B)
    C4    Distributor A   2000  other     unemployed      0   (25: 18–29)
    CC    Distributor A   community card, group of 10
    C5    Distributor A   1960  not told  retired         0   (issued 2024-06-01,
                                                              renewed 2025-05-15)

    #   card site      offering                     day         children channel
    1   C1   Venue A   O1 show, culture             2025-03-10  2        desk
    2   C2   Venue A   O1                           2025-03-10  0        desk
    3   C3   Venue A   O1                           2025-03-10  1        api     (other area)
    4   C2   Venue A   O2 course, education         2025-03-15  0        import
    5   C1   Venue A   O3 admission, sports         2025-05-20  1        paper
    6   C4   Venue A   O3                           2025-05-20  0        desk    VOIDED
    7   C4   Venue A   O3                           2025-05-21  0        desk
    8   CC   Venue A   O1                           2025-03-10  5        desk
    9   C1   Venue A2  O4 show, science             2025-04-05  0        desk
    10  C2   Venue B   O5 show, culture             2025-03-10  0        desk    (other area)
    11  C3   Venue B   O5                           2025-03-10  1        desk
    12  C5   Venue A   O3                           2025-02-01  0        desk
    13  C4   Venue A2  plain admission              2025-06-10  0        desk
    14  C5   Venue A   O6 show, culture             2024-12-01  0        desk    (2024)
"""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import translation

from stats import summary
from stats.models import SummaryState
from tests.factories import CardFactory, OfferingFactory
from usage import services
from usage.models import Card, Offering, Redemption

D = datetime.date


def _record(card, site, offering, day, children=0, channel="desk"):
    return services.record_redemption(
        card_id=card.card_id,
        site=site,
        offering=offering,
        channel=channel,
        used_on=day,
        children=children,
    ).redemption


def build_usage(net) -> SimpleNamespace:
    issued = D(2025, 1, 1)
    a, b = net.dist_a, net.dist_b
    cards = SimpleNamespace(
        c1=CardFactory(
            card_id="C1-0001", issued_by=a, issued_on=issued, birth_year=2009,
            gender="female", life_situation="student", children=2,
        ),
        c2=CardFactory(
            card_id="C2-0002", issued_by=a, issued_on=issued, birth_year=1990,
            gender="male", life_situation="employed",
        ),
        c3=CardFactory(
            card_id="C3-0003", issued_by=b, issued_on=issued, birth_year=1950,
            gender="", life_situation="retired", children=1,
        ),
        c4=CardFactory(
            card_id="C4-0004", issued_by=a, issued_on=issued, birth_year=2000,
            gender="other", life_situation="unemployed",
        ),
        cc=CardFactory(
            card_id="CC-0005", issued_by=a, issued_on=issued, kind=Card.Kind.COMMUNITY,
            group_limit=10, birth_year=None, postal_code="",
        ),
        c5=CardFactory(
            card_id="C5-0006", issued_by=a, issued_on=D(2024, 6, 1), birth_year=1960,
            gender="not_told", life_situation="retired",
        ),
    )  # fmt: skip
    va, va2, vb = net.venue_a, net.venue_a2, net.venue_b
    Kind, Sector = Offering.Kind, Offering.Sector
    o = SimpleNamespace(
        o1=OfferingFactory(site=va, title="Kesäyön unelma", kind=Kind.SHOW,
                           sector=Sector.CULTURE, date=D(2025, 3, 10)),
        o2=OfferingFactory(site=va, title="=HYPERLINK(\"http://x\")", kind=Kind.COURSE,
                           sector=Sector.EDUCATION, date=D(2025, 3, 1),
                           end_date=D(2025, 6, 30), start_time=None),
        o3=OfferingFactory(site=va, title="Uinti", kind=Kind.ADMISSION, sector=Sector.SPORTS,
                           date=D(2025, 1, 1), end_date=D(2025, 12, 31), start_time=None),
        o4=OfferingFactory(site=va2, title="Tiedekierros", kind=Kind.SHOW,
                           sector=Sector.SCIENCE, date=D(2025, 4, 5)),
        o5=OfferingFactory(site=vb, title="Konsertti B", kind=Kind.SHOW,
                           sector=Sector.CULTURE, date=D(2025, 3, 10)),
        o6=OfferingFactory(site=va, title="Joulunäytös", kind=Kind.SHOW,
                           sector=Sector.CULTURE, date=D(2024, 12, 1)),
    )  # fmt: skip
    c = cards
    uses = SimpleNamespace()
    uses.u1 = _record(c.c1, va, o.o1, D(2025, 3, 10), 2)
    uses.u2 = _record(c.c2, va, o.o1, D(2025, 3, 10))
    uses.u3 = _record(c.c3, va, o.o1, D(2025, 3, 10), 1, "api")
    uses.u4 = _record(c.c2, va, o.o2, D(2025, 3, 15), 0, "import")
    uses.u5 = _record(c.c1, va, o.o3, D(2025, 5, 20), 1, "paper")
    uses.u6 = _record(c.c4, va, o.o3, D(2025, 5, 20))
    uses.u7 = _record(c.c4, va, o.o3, D(2025, 5, 21))
    uses.u8 = _record(c.cc, va, o.o1, D(2025, 3, 10), 5)
    uses.u9 = _record(c.c1, va2, o.o4, D(2025, 4, 5))
    uses.u10 = _record(c.c2, vb, o.o5, D(2025, 3, 10))
    uses.u11 = _record(c.c3, vb, o.o5, D(2025, 3, 10), 1)
    uses.u12 = _record(c.c5, va, o.o3, D(2025, 2, 1))
    uses.u13 = _record(c.c4, va2, None, D(2025, 6, 10))
    uses.u14 = _record(c.c5, va, o.o6, D(2024, 12, 1))
    services.void_redemption(redemption=uses.u6, reason="Recorded twice by mistake")
    services.renew_card(card=c.c5, site=a, renewed_by=None, on=D(2025, 5, 15))
    return SimpleNamespace(cards=cards, offerings=o, uses=uses)


@pytest.fixture
def usage(net):
    # The migration creates the summary's state; a transactional test's flush
    # (they run last, but anyway) takes it away: an empty register is fresh.
    if not SummaryState.objects.exists() and not Redemption.objects.exists():
        SummaryState.objects.create()
    return build_usage(net)


@pytest.fixture(params=["summary", "raw"])
def source(request, usage):
    """Run a test once on the summary and once on the raw uses."""
    if request.param == "raw":
        summary.mark_stale("test: read the raw uses")
    elif not summary.is_fresh():  # a transactional test flushed the state row
        summary.rebuild()
    return request.param


@pytest.fixture(autouse=True)
def english():
    """The figures are checked against English labels (fi is the default
    language; the catalogs come in one pass later)."""
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for):
    """The personas' clients, reading the pages in English."""

    def make(persona: str):
        client = client_for(persona)
        client.cookies["django_language"] = "en"
        return client

    return make
