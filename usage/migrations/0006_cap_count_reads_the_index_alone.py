"""The cap's count (usage.services) reads the index alone on PostgreSQL: the
index on an offering's active uses carries their children too, so that
counting a busy show's tickets does not visit every use's row. The new index
is built before the old one is dropped, so that recording never counts
without one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0005_background_removal"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="redemption",
            index=models.Index(
                condition=models.Q(("voided_at__isnull", True)),
                fields=["offering", "used_on"],
                include=("children",),
                name="redemption_cap_tickets",
            ),
        ),
        migrations.RemoveIndex(
            model_name="redemption",
            name="redemption_cap_count",
        ),
    ]
