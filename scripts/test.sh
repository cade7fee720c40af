#!/usr/bin/env bash
# Runs the whole test suite in .venv (created or updated first). SQLite by default; PostgreSQL when
# DATABASE_URL is set, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal scripts/test.sh
# (the tests run in a separate test_<name> database). Extra arguments go to pytest:
#   scripts/test.sh tests/agencies -k fixture
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/_venv.sh
. scripts/_venv.sh
ensure_venv

exec .venv/bin/pytest "$@"
