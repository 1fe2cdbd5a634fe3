"""python manage.py retention [--dry-run]: the data retention of docs/privacy.md."""

from django.core.management.base import BaseCommand
from django.utils import formats

from usage import retention


class Command(BaseCommand):
    help = (
        "Remove the background data of cards whose validity ended more than "
        "RETENTION_BACKGROUND_YEARS ago, and fold the uses older than RETENTION_USES_YEARS "
        "into the statistics summary and delete them. Run nightly; --dry-run only tells."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be removed; change nothing"
        )

    def handle(self, *args, dry_run: bool = False, **options):
        planned = retention.plan() if dry_run else retention.run()
        verb = "Would remove" if dry_run else "Removed"
        day = formats.date_format(planned.background_cutoff, "Y-m-d")
        self.stdout.write(
            f"{verb} the background data (birth year, postal code, gender, life situation, "
            f"children) of {planned.cards} cards whose validity ended before {day}."
        )
        years = f" (from {planned.first_year} to {planned.last_year})" if planned.first_year else ""
        verb = "Would fold" if dry_run else "Folded"
        self.stdout.write(
            f"{verb} {planned.uses} uses dated before "
            f"{formats.date_format(planned.uses_cutoff, 'Y-m-d')}{years} into the statistics "
            f"summary and {'delete' if dry_run else 'deleted'} them; the reports' figures "
            "stay the same."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
