# Sourced by scripts/demo.sh, scripts/test.sh, scripts/lock.sh and .ci/run (not run on its own).
# ensure_venv: creates .venv in the repository with Debian's python3.11 (or $PYTHON) when it is missing, and
# installs the pinned dependencies and development tools of requirements-dev.lock (each wheel checked
# against its hash) whenever that file has changed since the last install, so that repeated runs
# start at once. The portal itself is not installed: it runs from the repository.
# After changing a dependency in pyproject.toml, recompile the lock files with scripts/lock.sh.

# portal_python: the interpreter for .venv and for compiling the locks: $PYTHON if set, else Debian's
# /usr/bin/python3.11 when it is there (with its venv module), even if another python3.11 (pyenv's,
# say) is earlier on PATH, else python3.11 from PATH. Debian's is the one servers install
# (docs/operations.md): the locks must hold what it needs (redis needs async-timeout before 3.11.3),
# and it links libpython into the executable, where a --enable-shared build calls through the shared
# library and spends 10-15 % more CPU on every page.
portal_python() {
    if [ -n "${PYTHON:-}" ]; then
        echo "$PYTHON"
    elif /usr/bin/python3.11 -c "import ensurepip, venv" 2>/dev/null; then
        echo /usr/bin/python3.11
    else
        echo python3.11
    fi
}

ensure_venv() {
    local root python stamp wanted
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    if [ ! -x "$root/.venv/bin/python" ]; then
        python=$(portal_python)
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
