#!/bin/sh
# Runs once, when the primary's data folder is created (docker-entrypoint-initdb.d):
# a role that may stream the WAL, and a pg_hba.conf line that lets it.
set -eu
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '$REPLICATOR_PASSWORD';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
