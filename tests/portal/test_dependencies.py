"""The lock files match pyproject.toml: every dependency pinned, within its range, with hashes.

When this fails after a dependency was added or a range changed, run scripts/lock.sh and commit
requirements.lock and requirements-dev.lock.
"""
import re
import tomllib

import pytest
from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = settings.BASE_DIR
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\;]+)")


def declared(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return [Requirement(name) for name in names]


def pins(lock: str) -> dict[str, tuple[str, int]]:
    """{name: (version, number of hashes)} of a pip-compile --generate-hashes file."""
    found: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / lock).read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            found[current] = (match.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = found[current]
            found[current] = (version, hashes + 1)
    return found


@pytest.mark.parametrize("lock, extra", [("requirements.lock", None), ("requirements-dev.lock", "dev")])
def test_every_declared_dependency_is_pinned_within_its_range(lock, extra):
    pinned = pins(lock)
    for requirement in declared(extra):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is missing from {lock}: run scripts/lock.sh"
        version = pinned[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {requirement.name}=={version}, outside {requirement.specifier}: run scripts/lock.sh"
        )


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_pin_carries_its_hashes(lock):
    unhashed = [name for name, (_version, hashes) in pins(lock).items() if hashes == 0]
    assert pins(lock) and not unhashed


def test_development_runs_on_the_wheels_production_gets():
    production, development = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: development[name][0] for name in production} == {name: v for name, (v, _h) in production.items()}


def test_dev_only_tools_stay_out_of_production():
    runtime = {canonicalize_name(r.name) for r in declared()}
    dev_only = {canonicalize_name(r.name) for r in declared("dev")} - runtime
    assert dev_only and not dev_only & pins("requirements.lock").keys()
