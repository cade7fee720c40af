#!/usr/bin/env bash
# Installs everything into .venv, prepares the database (SQLite file db.sqlite3 unless DATABASE_URL
# says otherwise) with the Đắk Nông demo, prints the demo log-ins and serves the portal at
# http://127.0.0.1:8000 with the import worker beside it. Safe to run again: nothing is installed or seeded twice.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/_venv.sh
. scripts/_venv.sh
ensure_venv

.venv/bin/python manage.py migrate --noinput
# Loads the fixture and seeds the demo into an empty database; when the demo is already there it
# writes nothing and only prints the log-ins. In DEBUG mode static files are served from static/
# without collectstatic.
.venv/bin/python manage.py seed_demo

# The import worker checks and writes uploaded Excel files in the background (docs/operations.md);
# it stops with the portal.
.venv/bin/python manage.py db_worker --no-reload --interval 0.5 &
worker=$!
trap 'kill "$worker" 2>/dev/null; wait "$worker" 2>/dev/null' EXIT

echo
echo "The portal is at http://127.0.0.1:8000 (Ctrl+C stops it and the import worker)."
.venv/bin/python manage.py runserver 127.0.0.1:8000
