"""Fewer indexes for each recorded use to write (issue 12). The index of a
use's site alone goes: redemption_site_day leads with the site and serves
the same look-ups. Who recorded or voided a use, and its broker, are indexed
only where a use has one: a use has a person or a broker, never both, and
few are voided, so a new use writes one of these three indexes, not three.
The new indexes are built before the old ones are dropped, so that no
look-up is ever without one."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _only_where_set(field: str) -> migrations.AddIndex:
    return migrations.AddIndex(
        model_name="redemption",
        index=models.Index(
            condition=models.Q((f"{field}__isnull", False)),
            fields=[field],
            name=f"redemption_{field}",
        ),
    )


def _without_index(
    name: str, to: str, related_name: str, verbose_name: str, null: bool = True
) -> migrations.AlterField:
    return migrations.AlterField(
        model_name="redemption",
        name=name,
        field=models.ForeignKey(
            blank=null,
            db_index=False,
            null=null,
            on_delete=django.db.models.deletion.PROTECT,
            related_name=related_name,
            to=to,
            verbose_name=verbose_name,
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0006_cap_count_reads_the_index_alone"),
        ("venues", "0006_user_last_desk_site"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        _only_where_set("recorded_by"),
        _only_where_set("broker"),
        _only_where_set("voided_by"),
        _without_index("broker", "usage.broker", "redemptions", "ticket broker"),
        _without_index("recorded_by", settings.AUTH_USER_MODEL, "+", "recorded by"),
        _without_index("site", "venues.site", "redemptions", "site", null=False),
        _without_index("voided_by", settings.AUTH_USER_MODEL, "+", "voided by"),
    ]
