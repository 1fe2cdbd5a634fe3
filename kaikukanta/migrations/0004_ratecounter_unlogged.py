"""The rate limiter's counters in an UNLOGGED table (PostgreSQL): a counter is
written on every API request, and a write to an unlogged table does not wait
for the write-ahead log to reach the disk at commit (one counter's hit took
0.41 ms here, 0.15 ms unlogged; docs/performance.md). What is lost in a crash, or missing on a
replica after a failover, is a few seconds of counts: the limits start
counting again, which is what a new window does anyway."""

from django.db import migrations


def set_unlogged(apps, schema_editor, unlogged=True):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("kaikukanta", "RateCounter")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} SET {'UNLOGGED' if unlogged else 'LOGGED'}")


def set_logged(apps, schema_editor):
    set_unlogged(apps, schema_editor, unlogged=False)


class Migration(migrations.Migration):
    dependencies = [("kaikukanta", "0003_ratelimit")]

    operations = [migrations.RunPython(set_unlogged, set_logged, elidable=False)]
