#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster: initdb into a temp directory (as the
# postgres user when run as root), listen on 127.0.0.1 at a free port below 32768, export
# REFLEXIO_TEST_POSTGRES_URL (a superuser URL the tests use to create one database per test),
# run the command, then stop the cluster and delete it whatever the command's outcome.
#   scripts/with-postgres.sh ctest --output-on-failure
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$bin/initdb" ]] || { echo "with-postgres: PostgreSQL server binaries not found (install postgresql)" >&2; exit 1; }

dir=$(mktemp -d /tmp/reflexio-pg.XXXXXX)
as_owner=()
if [[ $EUID -eq 0 ]]; then
  chown postgres "$dir"
  as_owner=(runuser -u postgres --)
fi
port=""
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 12000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[[ -n "$port" ]] || { echo "with-postgres: no free port found" >&2; exit 1; }

cleanup() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
"${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
export REFLEXIO_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/postgres"
"$@"
