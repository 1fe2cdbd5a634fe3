"""The demo data: one command, idempotent, with every kind of card to try."""

import io
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from kaikukanta.demo.scale import CARD_PREFIX
from kaikukanta.demo.uses import cards_to_try
from tests.factories import CardFactory
from usage.models import Broker, Card, Redemption
from usage.services import record_redemption
from venues.management.commands.seed_demo import Command as SeedDemo
from venues.models import (
    Area,
    Membership,
    Offering,
    OnboardingConfirmation,
    OnboardingFile,
    OnboardingItem,
    OnboardingNotice,
    Organisation,
    Site,
    User,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_mode(settings):
    """The demo runs with DEBUG on (scripts/demo); the tests' settings have it off."""
    settings.DEBUG = True


def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_runs_without_debug_when_forced(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert User.objects.filter(email="admin@kaikukanta.demo").exists()


def counts():
    return [
        model.objects.count()
        for model in (
            Area,
            Site,
            User,
            Membership,
            Offering,
            Card,
            Redemption,
            OnboardingItem,
            OnboardingFile,
            OnboardingNotice,
            OnboardingConfirmation,
        )
    ]


def test_seed_demo_creates_the_network_people_cards_and_uses_and_is_idempotent(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")

    assert counts() == first
    assert Area.objects.count() == 2
    assert Site.objects.filter(organisation__kind=Organisation.Kind.VENUE).count() >= 4
    assert Site.objects.filter(organisation__kind=Organisation.Kind.DISTRIBUTOR).count() >= 2
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Membership.Role.values)
    assert User.objects.filter(is_national_admin=True).exists()
    output = capsys.readouterr().out
    assert "admin@kaikukanta.demo" in output and "kaikukortti-demo" in output
    # The second run fills nothing twice: today's almost-full show keeps one place.
    assert output.count("at the theatre: one place left.") == 2


def test_seed_demo_has_cards_in_every_state_and_offerings_with_and_without_caps():
    call_command("seed_demo")
    today = timezone.localdate()
    valid = [c for c in Card.objects.filter(kind=Card.Kind.PERSONAL) if c.is_valid_on(today)]
    assert len(valid) >= 200
    assert any(c.children for c in valid)
    assert Card.objects.filter(kind=Card.Kind.COMMUNITY).exists()
    assert Card.objects.filter(closed_on__isnull=False).exists()
    assert Card.objects.filter(valid_until__lt=today).exists()
    assert any(c.expires_within(30, today) for c in valid)
    upcoming = Offering.objects.filter(date__gte=today)
    assert (
        upcoming.filter(cap__isnull=True).exists() and upcoming.filter(cap__isnull=False).exists()
    )
    assert Redemption.objects.filter(used_on__lt=today).count() > 100


def test_scale_bulk_creates_uses_that_obey_the_rules_and_tops_up_on_a_second_run():
    call_command("seed_demo", "--scale", "600")
    scaled = Redemption.objects.filter(card__card_id__startswith=CARD_PREFIX)
    assert scaled.count() == 600
    assert not scaled.filter(used_on__lt=F("card__issued_on")).exists()
    assert not scaled.filter(used_on__gt=F("card__valid_until")).exists()
    assert not scaled.filter(children__gt=F("card__children")).exists()
    assert not scaled.filter(offering__kind=Offering.Kind.COURSE, children__gt=0).exists()
    assert scaled.values("site__municipality__area").distinct().count() > 2

    call_command("seed_demo", "--scale", "800")
    assert scaled.count() == 800


def test_seed_demo_creates_the_demo_broker_whose_token_works_as_docs_api_md_says(capsys):
    from rest_framework.test import APIClient

    from kaikukanta.demo.uses import DEMO_BROKER_TOKEN

    call_command("seed_demo")
    call_command("seed_demo")  # the same token again, not a second one

    assert DEMO_BROKER_TOKEN in capsys.readouterr().out
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {DEMO_BROKER_TOKEN}")
    sites = client.get("/api/v1/sites").json()
    assert [s["name"] for s in sites] == [
        "Kalevan uimahalli",
        "Sampola",
        "Tampereen Teatteri, päänäyttämö",
        "Vapriikki",
    ]
    assert client.get("/api/v1/cards/TRE-1000").json()["valid"] is True


def test_seed_demo_has_onboarding_material_the_handbook_correction_and_staff_in_every_state():
    from venues.onboarding.staff import person_status

    call_command("seed_demo")
    handbook = OnboardingItem.objects.get(area=None, kind=OnboardingItem.Kind.HANDBOOK)
    correction = handbook.notices.get(kind=OnboardingNotice.Kind.CORRECTION)
    assert "lapsenlapsilleen" in correction.text_fi and "grandchildren" in correction.text_en
    assert OnboardingItem.objects.filter(area__isnull=False).count() >= 2
    # Every demo file passes the upload checks (the seeding runs them).
    assert OnboardingFile.objects.filter(file_type="docx").exists()
    statuses = {
        email: person_status(User.objects.get(email=email))
        for email in (
            "kassa@kaikukanta.demo",
            "kassa.vapriikki@kaikukanta.demo",
            "kassa.uimahalli@kaikukanta.demo",
            "yhteyshenkilo@kaikukanta.demo",
        )
    }
    assert statuses["kassa@kaikukanta.demo"].changed  # the correction came after
    assert statuses["kassa.vapriikki@kaikukanta.demo"].overdue
    assert statuses["kassa.uimahalli@kaikukanta.demo"].never
    assert statuses["yhteyshenkilo@kaikukanta.demo"].due_soon


def test_the_card_list_is_read_from_the_database_as_it_stands(net):
    today = timezone.localdate()
    CardFactory(card_id="TRE-1000", issued_by=net.dist_a, issued_on=today - timedelta(100))
    used = CardFactory(card_id="TRE-1001", issued_by=net.dist_a)
    CardFactory(card_id="TRE-1006", issued_by=net.dist_a, children=2)
    ran_out = CardFactory(
        card_id="TRE-8000", issued_by=net.dist_a, issued_on=today - timedelta(370)
    )
    CardFactory(card_id="TRE-8001", issued_by=net.dist_a, issued_on=today - timedelta(360))
    CardFactory(card_id="TRE-7000", issued_by=net.dist_a, closed_on=today, close_reason="lost")
    record_redemption(card_id=used.card_id, site=net.venue_a, offering=None, channel="desk")

    listed = dict(cards_to_try(today))

    assert listed["valid"] == ["TRE-1000"]  # TRE-1001 was used today
    assert listed["valid, with children"] == ["TRE-1006"]
    assert listed["expiring within two weeks"] == ["TRE-8001"]
    assert listed["expired"] == [ran_out.card_id]
    assert listed["closed"] == ["TRE-7000"]
    assert listed["community card"] == []


def test_the_printed_addresses_use_the_demo_servers_port(net, settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    out = io.StringIO()
    command = SeedDemo(stdout=out)

    command.print_what_to_try(Broker.objects.create(name="Demolippu Oy"))

    assert "http://127.0.0.1:8123/desk/" in out.getvalue()
    assert "http://127.0.0.1:8123/api/v1/docs/" in out.getvalue()
    assert ":8000" not in out.getvalue()
    assert "scripts/demo --reset" in out.getvalue()


def test_scripts_demo_takes_reset_and_the_readme_says_so(settings):
    root = Path(settings.BASE_DIR)
    helped = subprocess.run(
        [root / "scripts" / "demo", "--help"], capture_output=True, text=True, check=False
    )
    assert helped.returncode == 0 and "--reset" in helped.stdout
    wrong = subprocess.run(
        [root / "scripts" / "demo", "--nonsense"], capture_output=True, text=True, check=False
    )
    assert wrong.returncode == 2
    assert "scripts/demo --reset" in (root / "README.md").read_text()
