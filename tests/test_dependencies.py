"""The lock files agree with pyproject.toml, with each other and with the environment the
suite runs in, so every machine tests the same versions (scripts/update-deps makes them)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    """Package name (normalised) to pinned version, as pip-compile writes them."""
    text = (ROOT / lock).read_text(encoding="utf-8")
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def declared() -> tuple[list[Requirement], list[Requirement]]:
    """The runtime requirements (the build backend's included) and the dev extra's."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = [*project["build-system"]["requires"], *project["project"]["dependencies"]]
    dev = project["project"]["optional-dependencies"]["dev"]
    return [Requirement(r) for r in runtime], [Requirement(r) for r in dev]


def unmet(requirements: list[Requirement], locked: dict[str, str]) -> list[str]:
    """The requirements the lock leaves out or pins outside their bounds."""
    wrong = []
    for requirement in requirements:
        version = locked.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            wrong.append(f"{requirement} (locked: {version})")
    return wrong


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_each_lock_pins_what_pyproject_asks_for_within_its_bounds(lock):
    runtime, dev = declared()
    wanted = runtime + (dev if lock == "requirements-dev.lock" else [])
    assert unmet(wanted, pins(lock)) == [], "run scripts/update-deps --no-upgrade"


def test_the_dev_lock_holds_the_runtime_lock_versions():
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    differ = {name: (v, dev.get(name)) for name, v in runtime.items() if dev.get(name) != v}
    assert differ == {}


def test_the_suite_runs_on_the_locked_versions():
    def installed(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    drift = {
        name: (version, installed(name))
        for name, version in pins("requirements-dev.lock").items()
        if installed(name) != version
    }
    assert drift == {}, "(locked, installed): scripts/test installs the lock into .venv"
