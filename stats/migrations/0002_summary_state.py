from django.db import migrations
from django.utils import timezone


def create_state(apps, schema_editor):
    """On an empty register the (empty) summary is right; with uses already
    recorded it is stale until `manage.py rebuild_stats` has run, and reports
    read the raw uses meanwhile."""
    SummaryState = apps.get_model("stats", "SummaryState")
    Redemption = apps.get_model("usage", "Redemption")
    if Redemption.objects.exists():
        SummaryState.objects.create(
            stale_since=timezone.now(), stale_reason="Not built yet: run rebuild_stats."
        )
    else:
        SummaryState.objects.create(built_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0001_summary"),
        ("usage", "0002_brokers"),
    ]

    operations = [migrations.RunPython(create_state, migrations.RunPython.noop)]
