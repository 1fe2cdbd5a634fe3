"""python manage.py send_onboarding_reminders: run daily from cron.

Emails each venue cashier and contact person a month before their yearly
onboarding confirmation runs out, once per confirmation: running it again
(the same day, or twice at once) sends nothing twice."""

from django.core.management.base import BaseCommand

from venues.onboarding.services import send_reminders


class Command(BaseCommand):
    help = "Email venue staff whose yearly onboarding is due within a month (once each)."

    def handle(self, *args, **options):
        sent = send_reminders()
        self.stdout.write(f"Onboarding reminders sent: {sent}.")
