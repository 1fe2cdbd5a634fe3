"""python manage.py rebuild_stats: recompute the statistics summary from the raw uses."""

import time

from django.core.management.base import BaseCommand

from stats.summary import rebuild


class Command(BaseCommand):
    help = (
        "Recompute the statistics summary from the recorded uses. Run it after loading "
        "uses past the recording service, or after moving a site or a municipality to "
        "another area (reports read the raw uses until then). Recording waits meanwhile."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"The statistics summary was rebuilt in {time.monotonic() - started:.1f} s."
            )
        )
