# Sourced by scripts/demo.sh, scripts/test.sh and .ci/run (not run on its own).
# ensure_venv: creates .venv in the repository with python3.11 (or $PYTHON) when it is missing, and
# installs the pinned dependencies and development tools of requirements-dev.lock (each wheel checked
# against its hash) whenever that file has changed since the last install, so that repeated runs
# start at once. The portal itself is not installed: it runs from the repository.
# After changing a dependency in pyproject.toml, recompile the lock files with scripts/lock.sh.

ensure_venv() {
    local root python stamp wanted
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    python=${PYTHON:-python3.11}
    if [ ! -x "$root/.venv/bin/python" ]; then
        if ! command -v "$python" >/dev/null 2>&1; then
            echo "error: $python not found; on Debian: apt-get install python3.11 python3.11-venv" >&2
            return 1
        fi
        echo "Creating the virtual environment .venv with $python"
        "$python" -m venv "$root/.venv"
    fi
    stamp="$root/.venv/.requirements-dev.sha256"
    wanted=$(sha256sum "$root/requirements-dev.lock" | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
        echo "Installing the pinned dependencies into .venv (pip install --require-hashes -r requirements-dev.lock)"
        (cd "$root" && .venv/bin/python -m pip install --quiet --disable-pip-version-check \
            --require-hashes --no-deps -r requirements-dev.lock)
        echo "$wanted" >"$stamp"
    fi
}
