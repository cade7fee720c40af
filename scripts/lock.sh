#!/usr/bin/env bash
# Recompiles the pinned, hashed lock files from pyproject.toml. Run it after adding a dependency or
# changing a range in pyproject.toml, and commit both files:
#   scripts/lock.sh             # keeps every pin that still fits the ranges, adds what is new
#   scripts/lock.sh --upgrade   # moves every pin to the newest release the ranges allow
# requirements.lock      the runtime dependencies: production installs it (docs/operations.md);
# requirements-dev.lock  the same pins plus the development tools: scripts/demo.sh, scripts/test.sh, CI.
# pip-tools runs from a virtual environment of its own (.venv-lock), apart from the portal's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/_venv.sh
. scripts/_venv.sh
python=$(portal_python)
if [ ! -x .venv-lock/bin/pip-compile ]; then
    "$python" -m venv .venv-lock
    .venv-lock/bin/python -m pip install --quiet --disable-pip-version-check "pip-tools>=7.4,<8"
fi
export CUSTOM_COMPILE_COMMAND="scripts/lock.sh"
options=(--quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links "$@")
.venv-lock/bin/pip-compile "${options[@]}" --output-file requirements.lock pyproject.toml
# The development lock is constrained by the runtime one, so tests run on the wheels production gets.
.venv-lock/bin/pip-compile "${options[@]}" --extra dev --constraint requirements.lock \
    --output-file requirements-dev.lock pyproject.toml
