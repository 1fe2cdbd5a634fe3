"""Small scripts that tests run in a fresh process against a database of their
own (a throwaway cluster, a copy): migrate, seed the demo, record a use
through the one service. Each prints what the test needs to stdout."""

import json
import urllib.parse

from tests.processes import run_python

# The environment of an app process that serves plain HTTP on 127.0.0.1 (the
# tests' browsers keep cookies that are not Secure-only): DEBUG is on only so
# that cookies work without TLS; everything else is production's.
TEST_SECRET_KEY = "test-only-secret-key-for-servers-started-by-tests-0123456789abcdef"


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        "DEBUG": "1",
        "SECRET_KEY": TEST_SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def database_url_of_tests() -> str:
    """The test database (pytest-django's), as another process must reach it."""
    from django.db import connection

    s = connection.settings_dict
    user = urllib.parse.quote(s["USER"] or "")
    password = f":{urllib.parse.quote(s['PASSWORD'])}" if s["PASSWORD"] else ""
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"


def manage(*args: str, env: dict[str, str]) -> str:
    """python manage.py ARGS…; fails the test with its output when it fails."""
    done = run_python("manage.py", *args, env=env)
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def migrated_demo(database_url: str) -> None:
    """Migrations, the cache table and the demo data in a new database."""
    env = app_env(database_url)
    manage("migrate", "--noinput", "-v0", env=env)
    manage("createcachetable", env=env)
    manage("seed_demo", env=env)


SMALL_WORLD = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaikukanta.settings")
import django
django.setup()
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.factories import AreaFactory, SiteFactory, UserFactory
from venues.models import Organisation

area = AreaFactory(name="Area A")
SiteFactory(name="Venue A", organisation__area=area, organisation__kind=Organisation.Kind.VENUE)
SiteFactory(name="Distributor A", organisation__area=area,
            organisation__kind=Organisation.Kind.DISTRIBUTOR)
admin = UserFactory(email="admin@example.fi", is_national_admin=True)  # password: secret-password
TOTPDevice.objects.create(user=admin, key=os.environ["ADMIN_TOTP_KEY"], confirmed=True)
"""
ADMIN = ("admin@example.fi", "secret-password")
# The national admin's authenticator app (a national admin always needs one).
ADMIN_TOTP_KEY = "3132333435363738393031323334353637383930"


def migrated_small_world(database_url: str) -> None:
    """Migrations, the cache table, a venue and a distributor site and a
    national admin (ADMIN) in a new database: seconds, where the demo takes a minute."""
    env = app_env(database_url)
    manage("migrate", "--noinput", "-v0", env=env)
    manage("createcachetable", env=env)
    done = run_python("-c", SMALL_WORLD, env={**env, "ADMIN_TOTP_KEY": ADMIN_TOTP_KEY})
    assert done.returncode == 0, done.stderr


RECORD_A_USE = """
import datetime, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaikukanta.settings")
import django
django.setup()
from django.utils import timezone
from usage import services
from venues.models import Offering, Organisation, Site

card_id = sys.argv[1]
today = timezone.localdate()
venue = Site.objects.filter(organisation__kind=Organisation.Kind.VENUE, is_active=True).first()
distributor = Site.objects.filter(organisation__kind=Organisation.Kind.DISTRIBUTOR).first()
show, _ = Offering.objects.get_or_create(
    site=venue, title="A show for the tests", date=today,
    defaults={"kind": Offering.Kind.SHOW, "sector": Offering.Sector.CULTURE,
              "start_time": datetime.time(19, 0)},
)
services.register_card(card_id=card_id, site=distributor, registered_by=None,
                       birth_year=1980, postal_code="33100", children=0)
use = services.record_redemption(card_id=card_id, site=venue, offering=show, channel="desk")
print(json.dumps({"redemption": use.redemption.pk, "site": venue.pk, "offering": show.pk}))
"""


def record_a_use(database_url: str, card_id: str) -> dict:
    """Register a new card and record its use at a new uncapped show today."""
    done = run_python("-c", RECORD_A_USE, card_id, env=app_env(database_url))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def report_figure(csv_body: bytes, label: str = "Uses (holders' tickets)") -> int:
    """A key figure from a report's CSV export (English labels)."""
    for line in csv_body.decode("utf-8-sig").splitlines():
        cells = line.split(";")
        if cells[0] == label:
            return int(cells[1])
    raise KeyError(label)
