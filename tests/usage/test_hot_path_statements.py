"""The statements that recording writes by hand rather than through the ORM
(kaikukanta.db, issue 12) answer what the ORM's querysets answer: the same
rows, the same values (SQLite's datetimes aware, its booleans booleans), the
same scope."""

import datetime
import json

import pytest
from django.db import connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.connection import ConnectionDoesNotExist

from kaikukanta import access, db
from kaikukanta.models import RateCounter
from tests.factories import CardFactory, OfferingFactory, SiteFactory
from tests.usage.api.helpers import make_broker
from usage import brokers, services
from usage.models import BrokerToken, Card, Redemption
from venues.models import Organisation, Site

POSTGRESQL = connection.vendor == "postgresql"


def field_values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def record(card, site, offering, channel=Redemption.Channel.DESK, **details) -> Redemption:
    """A use today, through the one write path."""
    return services.record_redemption(
        card_id=card.card_id,
        site=site,
        offering=offering,
        channel=channel,
        used_on=timezone.localdate(),
        **details,
    ).redemption


def test_a_token_is_read_as_the_orm_reads_it(net):
    made = make_broker("Välittäjä", net.venue_a, area=net.area_a)

    token = brokers.authenticate(made.secret)

    expected = BrokerToken.objects.select_related("broker").get(pk=made.token.pk)
    assert field_values(token) == field_values(expected)
    assert field_values(token.broker) == field_values(expected.broker)
    assert timezone.is_aware(token.created_at) and token.broker.is_active is True


def test_an_unknown_or_wrong_token_is_none(net):
    made = make_broker("Välittäjä", net.venue_a, area=net.area_a)
    prefix = made.secret.rsplit("_", 1)[0]

    assert brokers.authenticate(f"{prefix}_{'x' * 40}") is None
    assert brokers.authenticate(f"kkb_zzzzzzzz_{'x' * 40}") is None


def test_a_card_is_read_as_the_orm_reads_it(net):
    card = CardFactory(issued_by=net.dist_a)

    found = db.by_unique(Card, "card_id", card.card_id)

    assert field_values(found) == field_values(Card.objects.get(pk=card.pk))
    assert db.by_unique(Card, "card_id", "NO-SUCH-CARD") is None


def test_a_brokers_site_is_one_of_broker_sites_and_nothing_else(net):
    """`broker_site_or_404` writes `broker_sites`' scope by hand: for every
    broker and every site, the two agree."""
    closed = SiteFactory(
        name="Suljettu",
        organisation=net.venue_a.organisation,
        municipality=net.venue_a.municipality,
        is_active=False,
    )
    own = make_broker("Oma", net.venue_a, net.venue_a2, net.dist_a, closed, area=net.area_a)
    other = make_broker("Muu", net.venue_b, area=net.area_b)
    retired = make_broker("Lopettanut", net.venue_a, area=net.area_a)
    retired.broker.is_active = False
    retired.broker.save(update_fields=["is_active"])

    for made in (own, other, retired):
        allowed = set(access.broker_sites(made.broker))
        for site in Site.objects.all():
            if site in allowed:
                found = access.broker_site_or_404(made.broker, site.pk)
                assert field_values(found) == field_values(site)
                assert found.municipality == site.municipality
            else:
                with pytest.raises(Http404):
                    access.broker_site_or_404(made.broker, site.pk)
    assert {s.organisation.kind for s in access.broker_sites(own.broker)} == {
        Organisation.Kind.VENUE
    }
    for nonsense in ("abc", None, -1, 0, 2**70, "1.5"):
        with pytest.raises(Http404):
            access.broker_site_or_404(own.broker, nonsense)


def test_one_uses_earlier_uses_are_read_as_a_batch_reads_them(net):
    """The single use's statement and the batch's queryset find the same
    earlier uses: this year's of the card, the offering's of any year, voided
    ones only by their key; and count the same tickets against the cap."""
    show = OfferingFactory(site=net.venue_a, cap=50)
    card = CardFactory(issued_by=net.dist_a)
    today = timezone.localdate()
    other_show = OfferingFactory(site=net.venue_a2, date=today)
    for site, offering, key in ((net.venue_a, show, "a"), (net.venue_a2, other_show, "b")):
        record(card, site, offering, idempotency_key=key)
    someone = CardFactory(issued_by=net.dist_a, children=2)
    voided = record(someone, net.venue_a, show, children=2, idempotency_key="v")
    services.void_redemption(redemption=voided, reason="Väärä kortti", actor_label="testi")
    use = services.UseRequest(card_id=card.card_id, offering=show.pk, used_on=today)
    keyed = services.UseRequest(
        card_id=card.card_id, offering=show.pk, used_on=today, idempotency_key="v"
    )

    for request in (use, keyed):
        single = services._Ledger(net.venue_a, [card], [show], [request])
        batch = services._Ledger(net.venue_a, [card], [show], [request, request])
        assert sorted(single.card_years) == sorted(batch.card_years)
        assert set(single.known) == set(batch.known)
        assert single.earlier_use(card, show, today) == batch.earlier_use(card, show, today)
        assert single.check_cap(show, today, 48, False) is False  # 1 used, voided 3 not counted
        with pytest.raises(services.RedemptionRefused):
            single.check_cap(show, today, 50, False)
    assert set(services._Ledger(net.venue_a, [card], [show], [keyed]).known) == {"v"}
    card_years = services._Ledger(net.venue_a, [card], [show], [use]).card_years
    assert sorted((pk, site) for pk, _card, _day, site, _area in card_years) == sorted(
        Redemption.objects.filter(card=card).values_list("pk", "site_id")
    )
    assert {(day, area) for _pk, _card, day, _site, area in card_years} == {(today, net.area_a.pk)}


def test_a_used_card_s_earlier_use_comes_back_loaded_as_the_orm_loads_it(net):
    show = OfferingFactory(site=net.venue_a, cap=10)
    card = CardFactory(issued_by=net.dist_a)
    today = timezone.localdate()
    first = record(card, net.venue_a, show)

    ledger = services._Ledger(
        net.venue_a,
        [card],
        [show],
        [services.UseRequest(card_id=card.card_id, offering=show.pk, used_on=today)],
    )

    again = ledger.earlier_use(card, show, today)
    assert field_values(again) == field_values(Redemption.objects.get(pk=first.pk))
    assert timezone.is_aware(again.recorded_at) and again.over_cap is False


@pytest.mark.postgres_only
def test_the_lock_statement_sets_the_lock_timeout_and_takes_the_summary_lock(net):
    show = OfferingFactory(site=net.venue_a, cap=10)
    card = CardFactory(issued_by=net.dist_a)

    with transaction.atomic():
        locked_card, locked_show = services._lock_card_and_offering(card.card_id, show.pk)
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            timeout = cursor.fetchone()[0]
            cursor.execute(
                "SELECT classid, objid FROM pg_locks WHERE locktype = 'advisory' "
                "AND pid = pg_backend_pid()"
            )
            advisory = set(cursor.fetchall())

    assert (locked_card.pk, locked_show.pk) == (card.pk, show.pk)
    assert locked_card.issued_by.municipality.area_id == net.area_a.pk
    assert timeout == f"{services.LOCK_TIMEOUT_MS // 1000}s"
    assert (7041, card.pk) in advisory


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_the_rate_limiter_s_counters_are_not_written_to_the_log():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpersistence FROM pg_class WHERE relname = %s",
            [RateCounter._meta.db_table],
        )
        assert cursor.fetchone()[0] == "u"  # UNLOGGED


@pytest.mark.postgres_only
def test_the_statements_of_a_recording_are_prepared_once_they_repeat(net, settings):
    """After a few recordings on one connection PostgreSQL holds the hot
    path's statements prepared (kaikukanta.db.prepared_cursor), and parses
    and plans them no more."""
    from rest_framework.test import APIClient

    settings.API_RATE_LIMIT = "10000/s"
    show = OfferingFactory(site=net.venue_a, cap=100)
    made = make_broker("Välittäjä", net.venue_a, area=net.area_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {made.secret}")

    for number in range(8):
        card = CardFactory(issued_by=net.dist_a)
        response = client.post(
            "/api/v1/redemptions",
            {"card_id": card.card_id, "site_id": net.venue_a.pk, "offering_id": show.pk},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"key-{number}",
        )
        assert response.status_code == 201, response.content

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    starts = [
        'SELECT t."id"',  # the token
        'INSERT INTO "kaikukanta_ratecounter"',  # the rate limiter
        'SELECT s."id"',  # the broker's site
        "WITH timeout AS",  # the locks
        "SELECT cap.tickets",  # the earlier uses and the cap's count
        'WITH r AS (INSERT INTO "usage_redemption"',  # the use, its audit entry, its cells
    ]
    for start in starts:
        assert any(statement.startswith(start) for statement in prepared), start


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_a_prepared_statement_is_logged_with_its_text_and_values():
    """psycopg leaves the cursor's query at None once it runs a statement
    prepared (the sixth time on a connection); Django's log, which read it
    there, said None. bench/reports.py replays what it captures."""
    with CaptureQueriesContext(connection) as captured:
        for number in range(8):
            with db.prepared_cursor() as cursor:
                cursor.execute("SELECT %s::int + 1, %s::text", [number, "Kaiku's"])
                assert cursor.fetchone() == (number + 1, "Kaiku's")
    assert [query["sql"] for query in captured] == [
        f"SELECT {number}::int + 1, 'Kaiku''s'::text" for number in range(8)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["SELECT $1::int + 1%"],
        )
        assert cursor.fetchone() == (1,)  # and prepared it was


@pytest.mark.skipif(not POSTGRESQL, reason="the cells as arrays are PostgreSQL's statement")
def test_a_recording_s_one_statement_is_the_same_whatever_cells_it_counts(net):
    """The use, its audit entry and its cells go in one statement whose text
    does not depend on how many cells the use counts in (a card's first use
    counts it in a dozen distinct-card cells, a later one in a few): the cells
    are arrays, one a column. So PostgreSQL prepares it once, and psycopg
    converts its text once: it caches that only for statements with at most
    50 parameters (psycopg's MAX_CACHED_STATEMENT_PARAMS)."""
    show = OfferingFactory(site=net.venue_a, cap=100)
    other_show = OfferingFactory(site=net.venue_a2, cap=100)
    cards = [CardFactory(issued_by=net.dist_a) for _ in range(6)]
    for card in cards:  # each card's first use, then a later one: 6 of each
        record(card, net.venue_a, show)
        record(card, net.venue_a2, other_show)

    # PostgreSQL's own list of what it holds prepared on this connection: a
    # text that changed with the cells would be there twice (or not at all).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT cardinality(parameter_types) FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ['WITH r AS (INSERT INTO "usage_redemption"%'],
        )
        [(parameters,)] = cursor.fetchall()
    assert parameters <= 50
    assert Redemption.objects.filter(card__in=cards).count() == 12


@pytest.mark.postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql_type, values",
    [
        ("varchar(20)[]", ["", "a,b", "{x}", 'say "hi"', "back\\slash", " space ", "NULL", "ÅÄÖ"]),
        ("text[]", [None, "", None]),
        ("bigint[]", [0, -1, 2**40, None]),
        ("date[]", [datetime.date(2026, 1, 1), None, datetime.date(1999, 12, 31)]),
        ("integer[]", []),
    ],
)
def test_an_array_s_text_reads_back_as_its_values(sql_type, values):
    """The summary's cells go to PostgreSQL as arrays written as text
    (db.array_literal): each value comes back as it was, a string with a
    comma, brace, quote, backslash or space, or the word NULL, included."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s::{sql_type}", [db.array_literal(values)])
        assert cursor.fetchone()[0] == values


def test_an_array_s_text_writes_a_choice_as_its_value_and_refuses_what_no_cell_holds():
    assert db.array_literal([Redemption.Channel.API, Organisation.Kind.VENUE]) == '{"api","venue"}'
    # A bool would pass as an int and a datetime as a date: neither is a cell's value.
    for value in (True, datetime.datetime(2026, 1, 1, 12), 1.5):
        with pytest.raises(TypeError):
            db.array_literal([value])


def test_a_recording_site_is_one_of_the_persons_recording_sites_and_nothing_else(net):
    """`site_or_404(…, Can.RECORD)` writes `sites(…, Can.RECORD)` by hand: for
    every person and every site, the two agree (a closed site, a distributor
    site, another area's, a coordinator's and a national admin's too)."""
    from django.contrib.auth.models import AnonymousUser

    from venues.models import Membership, User

    closed = SiteFactory(
        name="Suljettu",
        organisation=net.venue_a.organisation,
        municipality=net.venue_a.municipality,
        is_active=False,
    )
    Membership.objects.create(user=net.cashier, site=closed, role=Membership.Role.CASHIER)
    Membership.objects.create(user=net.cashier, site=net.dist_a, role=Membership.Role.CASHIER)
    gone = User.objects.create(email="lopettanut@example.fi", is_active=False)
    Membership.objects.create(user=gone, site=net.venue_a, role=Membership.Role.CASHIER)
    people = [*User.objects.all(), AnonymousUser()]
    assert any(person.is_national_admin for person in people)

    for person in people:
        allowed = set(access.sites(person, access.Can.RECORD))
        for site in Site.objects.all():
            if site in allowed:
                found = access.site_or_404(person, site.pk, access.Can.RECORD)
                assert field_values(found) == field_values(site)
                assert found.organisation == site.organisation
                assert found.municipality.area == site.municipality.area
            else:
                with pytest.raises(Http404):
                    access.site_or_404(person, site.pk, access.Can.RECORD)
        for nonsense in ("abc", None, "", 2**70):
            with pytest.raises(Http404):
                access.site_or_404(person, nonsense, access.Can.RECORD)
    assert access.site_or_404(net.cashier, str(net.venue_a.pk), access.Can.RECORD) == net.venue_a


def test_a_use_renders_as_its_serializer_s_declared_fields_would(net):
    """RedemptionSerializer writes its fields out by hand (no per-use copy of
    its fields): the same answer as DRF's own rendering, voided or not, with
    or without an offering."""
    from rest_framework import serializers

    from usage.api.serializers import RedemptionSerializer

    show = OfferingFactory(site=net.venue_a, cap=10)
    card = CardFactory(issued_by=net.dist_a, children=2)
    at_show = record(card, net.venue_a, show, Redemption.Channel.API, children=2)
    plain = record(card, net.venue_b, None)
    services.void_redemption(redemption=plain, reason="Väärä kortti", actor_label="testi")

    for use in Redemption.objects.select_related("card").filter(pk__in=[at_show.pk, plain.pk]):
        ours = RedemptionSerializer(use).data
        drf = serializers.Serializer.to_representation(RedemptionSerializer(), use)
        assert list(ours.items()) == list(drf.items())


def test_a_card_check_renders_as_its_serializer_s_declared_fields_would():
    """CardSerializer writes its fields out by hand too: the same answer as
    DRF's own rendering for either kind (a member of Card.Kind or its plain
    value, as read from the database), valid or refused for each reason."""
    from rest_framework import serializers

    from usage.api.serializers import CardSerializer

    answers = [
        {
            "card_id": "KK000123",
            "valid": reason is None,
            "valid_until": datetime.date(2027, 1, 31),
            "kind": kind,
            "children_allowed": children,
            "reason": reason,
        }
        for kind in (*Card.Kind, *Card.Kind.values)
        for reason in (None, "card_expired", "card_closed", "card_not_yet_valid")
        for children in (0, 4)
    ]
    for answer in answers:
        ours = CardSerializer(answer).data
        drf = serializers.Serializer.to_representation(CardSerializer(), answer)
        assert list(ours.items()) == list(drf.items())
        assert json.dumps(ours) == json.dumps(drf)


def test_a_person_is_read_by_pk_as_the_orm_reads_them(net):
    """`User.objects.get(pk=…)`, which Django's ModelBackend asks on every
    signed-in request, is a statement written once; its answers and its
    errors are the ORM's."""
    from venues.models import User

    found = User.objects.get(pk=net.cashier.pk)

    assert field_values(found) == field_values(User.objects.filter(pk=net.cashier.pk).get())
    assert timezone.is_aware(found.date_joined) and found.is_active is True
    assert User.objects.get(pk=str(net.cashier.pk)) == net.cashier
    for missing in (0, -1, 2**70, None):
        with pytest.raises(User.DoesNotExist):
            User.objects.get(pk=missing)
    with pytest.raises(ValueError):
        User.objects.get(pk="abc")
    assert User.objects.get(email=net.cashier.email) == net.cashier  # any other lookup: the ORM
    # A manager for another database is the ORM's too (which knows no such database).
    with pytest.raises(ConnectionDoesNotExist):
        User.objects.db_manager("elsewhere").get(pk=net.cashier.pk)
