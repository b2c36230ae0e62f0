#!/usr/bin/env bash
# CI: makes sure PostgreSQL answers on 127.0.0.1:5432 for user postgres without a password, as the PostgreSQL tests
# expect (test/helpers/postgres.ts). On the CI machine it normally runs already and this does nothing; otherwise the
# Debian package is installed and its cluster started with trust auth on the loopback address only.
set -euo pipefail
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then exit 0; fi
if ! command -v pg_ctlcluster >/dev/null; then
  apt-get update -q && apt-get install -y -q postgresql
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
pg_lsclusters -h | grep -q "^$version main" || pg_createcluster "$version" main
hba="/etc/postgresql/$version/main/pg_hba.conf"
grep -q '^host all postgres 127.0.0.1/32 trust' "$hba" || sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
pg_ctlcluster "$version" main start || pg_ctlcluster "$version" main reload
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && exit 0
  sleep 1
done
echo "PostgreSQL did not start on 127.0.0.1:5432" >&2
exit 1
