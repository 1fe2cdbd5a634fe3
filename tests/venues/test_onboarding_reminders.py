"""The yearly reminder: a month before a person's year is up, once per person
per year, in the language they last went through the material in."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from venues.models import Membership, OnboardingConfirmation
from venues.onboarding import services
from venues.onboarding.staff import REMIND_DAYS_BEFORE

pytestmark = pytest.mark.django_db

CONFIRMED = datetime.date(2026, 1, 15)  # the year is up after 14.1.2027
DUE = datetime.date(2027, 1, 14)


def confirmation(user, on=CONFIRMED, language="fi") -> OnboardingConfirmation:
    at = timezone.make_aware(datetime.datetime.combine(on, datetime.time(12)))
    return OnboardingConfirmation.objects.create(
        user=user, confirmed_at=at, confirmed_on=on, language=language, versions={}
    )


def test_the_reminder_goes_a_month_before_the_year_is_up_and_only_once(net):
    confirmation(net.cashier)
    month_before = DUE - datetime.timedelta(days=REMIND_DAYS_BEFORE - 1)

    assert services.send_reminders(today=month_before - datetime.timedelta(days=1)) == 0
    assert services.send_reminders(today=month_before) == 1
    assert services.send_reminders(today=month_before) == 0
    assert services.send_reminders(today=DUE + datetime.timedelta(days=10)) == 0

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [net.cashier.email]
    assert "14.1.2027" in message.subject and "15.1.2026" in message.body
    assert "http" in message.body and "/onboarding/" in message.body


def test_a_new_confirmation_starts_a_new_year_with_its_own_reminder(net):
    confirmation(net.cashier)
    services.send_reminders(today=DUE - datetime.timedelta(days=5))
    confirmation(net.cashier, on=DUE - datetime.timedelta(days=2))

    assert services.send_reminders(today=DUE) == 0  # confirmed again: next year
    next_year = datetime.date(2028, 1, 1)
    assert services.send_reminders(today=next_year) == 1
    assert len(mail.outbox) == 2


def test_a_person_already_overdue_and_never_reminded_gets_one_reminder(net):
    confirmation(net.venue_contact, language="en")
    assert services.send_reminders(today=DUE + datetime.timedelta(days=40)) == 1
    assert mail.outbox[0].subject == "Kaikukortti: your yearly onboarding is due"


def test_nobody_is_reminded_who_no_longer_works_at_a_venue(net):
    confirmation(net.cashier)
    confirmation(net.distributor)  # confirmed once (say, as a former cashier)
    inactive = net.venue_contact
    confirmation(inactive)
    inactive.is_active = False
    inactive.save()
    Membership.objects.filter(user=net.cashier).delete()

    assert services.send_reminders(today=DUE) == 0
    assert mail.outbox == []


def test_the_reminder_speaks_the_language_of_the_last_confirmation(net):
    confirmation(net.cashier, language="sv")
    confirmation(net.venue_contact, language="en")
    services.send_reminders(today=DUE)
    by_person = {message.to[0]: message for message in mail.outbox}
    assert "introduktion" in by_person[net.cashier.email].subject.lower()
    assert "onboarding" in by_person[net.venue_contact.email].subject.lower()


def test_a_failed_email_is_tried_again_on_the_next_run(net, monkeypatch):
    confirmation(net.cashier)

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(services, "send_mail", broken)
    assert services.send_reminders(today=DUE) == 0
    monkeypatch.undo()
    assert services.send_reminders(today=DUE) == 1
    assert len(mail.outbox) == 1


def test_the_command_sends_and_reports(net, capsys):
    today = timezone.localdate()
    confirmation(net.cashier, on=today - datetime.timedelta(days=360))

    call_command("send_onboarding_reminders")
    call_command("send_onboarding_reminders")

    assert len(mail.outbox) == 1
    assert capsys.readouterr().out.splitlines() == [
        "Onboarding reminders sent: 1.",
        "Onboarding reminders sent: 0.",
    ]
