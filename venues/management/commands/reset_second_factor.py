"""python manage.py reset_second_factor EMAIL: remove a person's second factor.

For the operators, when nobody in the admin may do it: the last national admin
lost their phone and their recovery codes. Make sure it is really them asking
(docs/deployment.md, "The way back in"). The change is in the audit trail."""

from django.core.management.base import BaseCommand, CommandError

from venues import second_factor
from venues.models import User


class Command(BaseCommand):
    help = "Remove every second factor of a person; they set up a new one at their next login."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        person = User.objects.filter(email__iexact=email.strip()).first()
        if person is None:
            raise CommandError(f"Nobody has the email address {email!r}.")
        removed = second_factor.reset(
            person=person, reset_by=None, actor_label="manage.py reset_second_factor"
        )
        self.stdout.write(
            f"Removed from {person.email}: {removed['totp']} authenticator app(s), "
            f"{removed['passkeys']} passkey(s), {removed['recovery_codes']} recovery code(s). "
            "They set up a new second factor at their next login."
        )
