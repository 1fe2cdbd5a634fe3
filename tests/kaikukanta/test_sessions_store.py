"""The session store (kaikukanta.sessions) reads a session as Django's
database store does: by key and unexpired, or not at all."""

import datetime

from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from kaikukanta.sessions import SessionStore


def test_it_reads_what_djangos_store_wrote(db):
    written = DjangoStore()
    written["desk_site"] = 7
    written.save()

    read = SessionStore(session_key=written.session_key)

    assert read["desk_site"] == 7
    assert read.session_key == written.session_key
    assert DjangoStore(session_key=written.session_key).load() == read.load()


def test_an_expired_or_unknown_session_reads_as_empty_and_loses_its_key(db):
    written = SessionStore()
    written["desk_site"] = 7
    written.save()
    Session.objects.filter(session_key=written.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    for key in (written.session_key, "x" * 32):
        read = SessionStore(session_key=key)
        assert read.load() == {}
        assert read.session_key is None
