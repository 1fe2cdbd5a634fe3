"""Two reminder runs at the same moment (cron started twice, or on two hosts),
with truly parallel database connections (PostgreSQL): each person gets one
email."""

import datetime
import time
from collections import Counter

import pytest
from django.core import mail
from django.db import connection

from tests.concurrency import run_at_once
from venues.models import OnboardingConfirmation
from venues.onboarding import services

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Row locks and parallel writers need PostgreSQL; SQLite serialises all writers.",
    ),
]

DUE_SOON = datetime.date(2027, 1, 10)


def test_two_runs_at_once_send_each_reminder_once(net, monkeypatch):
    for person in (net.cashier, net.venue_contact, net.other_cashier):
        OnboardingConfirmation.objects.create(
            user=person, confirmed_on=datetime.date(2026, 1, 15), language="fi", versions={}
        )
    send = services.send_mail

    def slow_send(*args, **kwargs):
        time.sleep(0.2)  # widen the window between the claim and the mark
        return send(*args, **kwargs)

    monkeypatch.setattr(services, "send_mail", slow_send)

    def run() -> str:
        return f"sent {services.send_reminders(today=DUE_SOON)}"

    outcomes = run_at_once([run, run])

    assert sum(int(o.split()[1]) for o in outcomes.elements()) == 3, outcomes
    assert Counter(message.to[0] for message in mail.outbox) == Counter(
        {net.cashier.email: 1, net.venue_contact.email: 1, net.other_cashier.email: 1}
    )
