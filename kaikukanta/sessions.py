"""Django's database sessions, with the one read that every signed-in request
makes (its session, by key, unexpired) written once and prepared on
PostgreSQL (kaikukanta.db) instead of built by the ORM each time. Everything
else, saving included, is Django's `sessions.backends.db`."""

from django.contrib.sessions.backends import db as database_sessions
from django.db import connection
from django.utils import timezone

from kaikukanta import db


class SessionStore(database_sessions.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        quote = connection.ops.quote_name
        found = db.fetch_one(
            f"SELECT {db.select_list((model, 's'))} FROM {quote(model._meta.db_table)} s "
            "WHERE s.session_key = %s AND s.expire_date > %s",
            [self.session_key, timezone.now()],
            model,
        )
        if found is None:
            self._session_key = None  # as Django's: an unknown or expired key is dropped
            return None
        return found[0]
