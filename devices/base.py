"""The lifecycle every driver shares: open, identify, self-test, measure or stream, abort, close.

Errors name the step that failed (``DeviceError.step``), and ``close`` always runs (use the driver
as an async context manager). A driver is opened from a URL (a tty path, ``socket://``, ``spy://``)
or handed an already-open Link (tests, simulations): the same code runs against all of them.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import ClassVar

import serial

from devices.errors import DeviceError, DeviceNotConnected
from devices.link import Link, LinkClosed, SerialSettings, open_link
from devices.readings import DeviceIdentity, Progress, Reading

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class SelfTestResult:
    ok: bool
    summary: str  # plain English for logs and the technician's command line
    details: dict[str, object] = field(default_factory=dict)


class Driver(ABC):
    family: ClassVar[str]  # "bp", "thermometer", "oximeter"
    settings: ClassVar[SerialSettings] = SerialSettings()

    def __init__(self, target: str | Link) -> None:
        self.target = target
        self.link: Link | None = None

    @property
    def port_name(self) -> str:
        return self.target if isinstance(self.target, str) else self.target.name

    def error(
        self, kind: type[DeviceError], message: str, step: str, **params: object
    ) -> DeviceError:
        return kind(message, device=self.family, step=step, params=params)

    @asynccontextmanager
    async def step(self, name: str) -> AsyncIterator[Link]:
        """Run one lifecycle step: a vanished link becomes DeviceNotConnected naming the step."""
        if self.link is None:
            raise self.error(DeviceNotConnected, "the device is not open", name)
        try:
            yield self.link
        except LinkClosed as exc:
            raise self.error(DeviceNotConnected, f"the device went away ({exc})", name) from exc

    async def open(self) -> None:
        try:
            self.link = await open_link(self.target, self.settings)
        except (OSError, serial.SerialException, ValueError) as exc:
            raise self.error(
                DeviceNotConnected, f"cannot open {self.port_name}: {exc}", "open"
            ) from exc
        logger.info("%s: opened %s", self.family, self.port_name)

    async def close(self) -> None:
        link, self.link = self.link, None
        if link is not None:
            await link.close()
            logger.info("%s: closed %s", self.family, self.port_name)

    async def __aenter__(self) -> Driver:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @abstractmethod
    async def identify(self) -> DeviceIdentity: ...

    @abstractmethod
    async def self_test(self) -> SelfTestResult: ...

    @abstractmethod
    async def abort(self) -> None:
        """Stop a running measurement (the cuff really deflates); harmless when none runs."""

    @abstractmethod
    async def measure(self, on_progress: ProgressCallback | None = None) -> Reading:
        """Take one reading, reporting live ``Progress``; raise a DeviceError naming the step.

        Cancelling the task that awaits it must leave the device safe (the bp driver deflates).
        """

    @abstractmethod
    async def ping(self) -> None:
        """Cheap presence check used by the device monitor when no measurement runs.

        Returns within about 1.5 s; raises DeviceNotConnected, DeviceTimeout or
        DeviceProtocolError when the device is gone, silent or speaking something else.
        """
