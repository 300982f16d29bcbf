"""Shared fixtures of the driver contract tests.

Every driver's contract class runs against its simulator in memory, on a real pseudo-terminal and
over TCP on 127.0.0.1, and against a real device when one is given on the command line:
``pytest tests/contract --device-url bp=/dev/ttyUSB0``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from devices.link import Link
from devices.simulators.runner import DeviceModel, serve_memory, serve_pty, serve_tcp

BACKENDS = ("memory", "pty", "tcp")


def device_url(config: pytest.Config, family: str) -> str | None:
    """The real device's URL given with ``--device-url FAMILY=URL``, or None."""
    for item in config.getoption("device_url") or []:
        name, _, url = str(item).partition("=")
        if name == family and url:
            return url
    return None


@pytest.fixture(params=[*BACKENDS, "device"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each simulator backend, then the real device of the test module's ``FAMILY`` if given."""
    family = str(request.module.FAMILY)
    if request.param == "device" and device_url(request.config, family) is None:
        pytest.skip(f"no real {family} device given (--device-url {family}=URL)")
    return str(request.param)


@asynccontextmanager
async def served(
    backend: str, model_factory: Callable[[], DeviceModel], speed: float = 1.0
) -> AsyncIterator[str | Link]:
    """Serve a fresh simulated device on ``backend``; yield what a driver is opened with."""
    if backend == "memory":
        running = await serve_memory(model_factory(), speed=speed)
        assert running.host_link is not None
        target: str | Link = running.host_link
    elif backend == "pty":
        running = await serve_pty(model_factory(), speed=speed)
        target = running.url
    elif backend == "tcp":
        running = await serve_tcp(model_factory, speed=speed)
        target = running.url
    else:  # pragma: no cover - a typo in a test
        raise ValueError(backend)
    try:
        yield target
    finally:
        await running.stop()
