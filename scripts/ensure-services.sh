#!/usr/bin/env bash
# Makes sure the services the test suite talks to are up: PostgreSQL on 127.0.0.1:5432 with wal_level=logical
# (change capture needs logical decoding) and NATS with JetStream on 127.0.0.1:4222. Both are Debian packages; on
# the CI machine they are normally running already, so this mostly checks. Idempotent; safe to run by hand.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done
  echo "ensure-services: nothing listens on 127.0.0.1:$1 after 30 s" >&2
  return 1
}

# --- PostgreSQL --------------------------------------------------------------------------------------------------
if ! command -v pg_ctlcluster >/dev/null; then
  apt-get update -q && apt-get install -y -q postgresql
fi
PG_VERSION="$(ls /etc/postgresql | sort -V | tail -1)"
if ! port_open 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start
  wait_port 5432
fi
psql_admin() { psql -h 127.0.0.1 -U postgres -d postgres -Atqc "$1"; }
if [ "$(psql_admin 'show wal_level')" != "logical" ]; then
  echo "ensure-services: setting PostgreSQL wal_level=logical (needs a restart)"
  psql_admin "ALTER SYSTEM SET wal_level = logical"
  psql_admin "ALTER SYSTEM SET max_replication_slots = 20"
  psql_admin "ALTER SYSTEM SET max_wal_senders = 20"
  pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main restart
  wait_port 5432
fi
echo "ensure-services: PostgreSQL $PG_VERSION up, wal_level=$(psql_admin 'show wal_level')"

# --- NATS with JetStream ------------------------------------------------------------------------------------------
if ! command -v nats-server >/dev/null; then
  apt-get update -q && apt-get install -y -q nats-server
fi
if ! port_open 4222; then
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_port 4222
fi
echo "ensure-services: NATS up on 127.0.0.1:4222"
