#!/bin/sh
# The replica's entrypoint: the first time, copy the primary with
# pg_basebackup -R (standby.signal and primary_conninfo written for us); then
# start PostgreSQL, which streams from the primary and answers reads.
set -eu
PGDATA=/var/lib/postgresql/data
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    rm -rf "${PGDATA:?}"/*
    pg_basebackup -h db -U replicator -D "$PGDATA" -R -X stream -c fast
    chmod 700 "$PGDATA"
fi
exec postgres -D "$PGDATA" -c hot_standby=on
