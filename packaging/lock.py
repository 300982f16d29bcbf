"""Write packaging/requirements.lock: every distribution the installed kiosk needs at run time.

Run with the development environment's Python (``.venv/bin/python packaging/lock.py``): it walks
the requirements of ``cabin-kiosk[gui]`` through the installed distributions, evaluating markers
for this machine (Debian 12, CPython 3.11, x86_64, the cabin's platform), and pins each one to the
version installed here, the set the tests ran against. Test and development tools are not
reached, so they are not in the lock.
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
EXTRAS = ("gui",)


def _requirements(dist: metadata.Distribution, extras: tuple[str, ...]) -> list[Requirement]:
    wanted = []
    for line in dist.requires or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is None:
            wanted.append(requirement)
            continue
        # A requirement applies when its marker holds with no extra or with one we asked for.
        for extra in ("", *extras):
            if marker.evaluate({"extra": extra}):
                wanted.append(requirement)
                break
    return wanted


def _root_requirements() -> list[Requirement]:
    """The kiosk's own requirements, from pyproject.toml (the editable install's metadata can be
    older than the file)."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in EXTRAS:
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


def _installed_version(requirement: Requirement, needed_by: str) -> str:
    try:
        version = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        sys.exit(f"lock: {requirement.name} (for {needed_by}) is not installed in {sys.prefix}")
    if requirement.specifier and not requirement.specifier.contains(version, prereleases=True):
        sys.exit(f"lock: {needed_by} needs {requirement}, but {version} is installed")
    return version


def closure() -> dict[str, str]:
    """Canonical name -> installed version, for every run-time dependency of the kiosk."""
    pinned: dict[str, str] = {}
    pending = [(requirement, "cabin-kiosk") for requirement in _root_requirements()]
    seen: set[tuple[str, tuple[str, ...]]] = set()
    while pending:
        requirement, needed_by = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        pinned[name] = _installed_version(requirement, needed_by)
        extras = tuple(sorted(requirement.extras))
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        dist = metadata.distribution(requirement.name)
        pending += [(r, name) for r in _requirements(dist, extras)]
    return pinned


HEADER = """\
# Run-time dependencies of cabin-kiosk[gui], pinned to the versions the tests ran with.
# Generated from the development environment by:
#     .venv/bin/python packaging/lock.py > packaging/requirements.lock
# packaging/build-deb.sh downloads exactly these wheels (cp311, manylinux x86_64).
"""


def main() -> int:
    pinned = closure()
    sys.stdout.write(HEADER + "".join(f"{name}=={pinned[name]}\n" for name in sorted(pinned)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
