# Sourced by scripts/demo.sh, scripts/test.sh and .ci/run (not run on its own).
# ensure_venv: creates .venv in the repository with python3.11 (or $PYTHON) when it is missing, and
# installs the portal with its development tools (pip install -e ".[dev]") whenever pyproject.toml
# has changed since the last install, so that repeated runs start at once.

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
    stamp="$root/.venv/.pyproject.sha256"
    wanted=$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
        echo "Installing the portal and its development tools into .venv (pip install -e \".[dev]\")"
        (cd "$root" && .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]")
        echo "$wanted" >"$stamp"
    fi
}
