"""Fewer indexes for each audit entry to write (issue 12: a recorded use
writes one). The indexes of an entry's site alone and its area alone go:
the indexes of (site, -at) and (area, -at) lead with them. The action keeps
one index, without the second one for LIKE that `db_index=True` adds on
PostgreSQL; the acting person is indexed only where an entry has one (a
broker's or a command's entries have none). The new indexes are built
before the old ones are dropped."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _without_index(name: str, to: str, verbose_name: str) -> migrations.AlterField:
    return migrations.AlterField(
        model_name="auditentry",
        name=name,
        field=models.ForeignKey(
            blank=True,
            db_index=False,
            null=True,
            on_delete=django.db.models.deletion.PROTECT,
            related_name="+",
            to=to,
            verbose_name=verbose_name,
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("kaikukanta", "0004_ratecounter_unlogged"),
        ("venues", "0006_user_last_desk_site"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["action"], name="audit_action"),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)), fields=["actor"], name="audit_actor"
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(max_length=50, verbose_name="what"),
        ),
        _without_index("actor", settings.AUTH_USER_MODEL, "who"),
        _without_index("area", "venues.area", "area"),
        _without_index("site", "venues.site", "site"),
    ]
