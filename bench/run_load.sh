#!/usr/bin/env bash
# Runs bench/load.py against gunicorn on loopback, on a private PostgreSQL cluster.
#
#   bench/run_load.sh                                   # 20 users, 60 s
#   bench/run_load.sh --restart-db-at 20 --db-down-for 5 # the same, PostgreSQL stopped at 20 s for 5 s
#   bench/run_load.sh --users 10 --duration 30          # any load.py option passes through
#
# The cluster "15 load" on port 5433 (created on first use, as root) holds only the database
# portal_load, so stopping it disturbs nobody's tests on the main cluster. The database is migrated
# and filled once (seed_demo when it exists, else load.py's small tree); delete it to start afresh:
#   psql -h 127.0.0.1 -p 5433 -U postgres -c 'DROP DATABASE portal_load'
# The result cache is a private Redis on REDIS_PORT (default 6390, started here, emptied at each run),
# so --restart-redis-at stops only it; REDIS_PORT=none runs without Redis (per-process caches).
#   bench/run_load.sh --restart-redis-at 20 --redis-down-for 5
# Environment: PYTHON (default the repository's .venv, created or updated as scripts/test.sh does),
# WORKERS (gunicorn workers, default deploy/gunicorn.conf.py's: one per core), PORT (default 8200), LOAD_DB (default portal_load),
# PG_PORT and CLUSTER (5433, "load"), REDIS_PORT. Reports land in test-artifacts/load-*.json.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${PYTHON:-}" ]; then
  # shellcheck source=scripts/_venv.sh
  . scripts/_venv.sh
  ensure_venv
  PYTHON=.venv/bin/python
fi
GUNICORN="$(dirname "$PYTHON")/gunicorn"
PG_VERSION="${PG_VERSION:-15}"
CLUSTER="${CLUSTER:-load}"
PG_PORT="${PG_PORT:-5433}"
PORT="${PORT:-8200}"
LOAD_DB="${LOAD_DB:-portal_load}"
export DATABASE_URL="postgres://postgres@127.0.0.1:${PG_PORT}/${LOAD_DB}"
mkdir -p test-artifacts

if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$PG_VERSION $CLUSTER"; then
  pg_createcluster "$PG_VERSION" "$CLUSTER" -p "$PG_PORT" -- --auth=trust > /dev/null
fi
pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$CLUSTER" start 2>/dev/null || true
if ! psql -X -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$LOAD_DB'" | grep -q 1; then
  psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE DATABASE \"$LOAD_DB\""
fi

"$PYTHON" manage.py migrate --noinput > /dev/null
"$PYTHON" bench/load.py --prepare

REDIS_PORT="${REDIS_PORT:-6390}"
redis_args=()
if [ "$REDIS_PORT" != "none" ]; then
  redis-cli -p "$REDIS_PORT" shutdown nosave > /dev/null 2>&1 || true
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --daemonize yes > /dev/null
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  redis_args=(--redis-port "$REDIS_PORT")
fi

export DEBUG=False ALLOWED_HOSTS=127.0.0.1,localhost CONN_MAX_AGE="${CONN_MAX_AGE:-60}"
SECRET_KEY="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(64))')"
export SECRET_KEY
"$PYTHON" manage.py collectstatic --noinput > /dev/null

stamp=$(date +%Y%m%d-%H%M%S)
log="test-artifacts/load-gunicorn-$stamp.log"
[ -z "${WORKERS:-}" ] || export WEB_CONCURRENCY="$WORKERS"
GUNICORN_BIND="127.0.0.1:$PORT" \
  setsid "$GUNICORN" --config deploy/gunicorn.conf.py > "$log" 2>&1 &
gunicorn_pid=$!
trap 'kill -TERM -- -"$gunicorn_pid" 2>/dev/null || true; wait "$gunicorn_pid" 2>/dev/null || true
      [ "$REDIS_PORT" = none ] || redis-cli -p "$REDIS_PORT" shutdown nosave > /dev/null 2>&1 || true' EXIT

status=0
"$PYTHON" bench/load.py --base-url "http://127.0.0.1:$PORT" --pg-cluster "$PG_VERSION $CLUSTER" \
  --server-log "$log" --server-pid "$gunicorn_pid" --json "test-artifacts/load-$stamp.json" "${redis_args[@]}" "$@" || status=$?
echo "gunicorn log: $log"
exit "$status"
