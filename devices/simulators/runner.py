"""Serve a sans-IO device model over a link: in memory, on a pseudo-terminal, or over TCP.

A model (``DeviceModel``) never does I/O: it is given the bytes the host sent and the current
simulated time, and returns the bytes the device sends back. The runner moves bytes and time.
Time can be compressed (``speed`` > 1) so a 40-second blood-pressure cycle runs in a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pty
import termios
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from devices.link import Link, LinkClosed, MemoryLink, memory_pair

logger = logging.getLogger(__name__)

TICK_S = 0.01  # how often a model's unsolicited output (streams, timers) is checked


class DeviceModel(Protocol):
    """A simulated device, sans I/O. Times are simulated seconds from the connection."""

    def receive(self, data: bytes, now: float) -> bytes:
        """Bytes from the host; return the bytes to send back at once."""
        ...

    def tick(self, now: float) -> bytes:
        """Return the unsolicited bytes due by ``now`` (streams, end-of-cycle messages)."""
        ...

    @property
    def connected(self) -> bool:
        """False once the scenario unplugs the device: the runner then closes the link."""
        ...


class SimClock:
    """Simulated seconds since start, ``speed`` times faster than the wall clock."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self._start = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._start) * self.speed


async def run_model(
    model: DeviceModel, link: Link, clock: SimClock, baud_ok: Callable[[], bool] | None = None
) -> None:
    """Move bytes between ``link`` and ``model`` until the link closes or the model unplugs."""
    try:
        while model.connected:
            data = await link.read(TICK_S)
            now = clock.now()
            if data and (baud_ok is None or baud_ok()):
                # A real device at another speed sees only noise: it stays silent.
                out = model.receive(data, now)
                if out:
                    await link.write(out)
            out = model.tick(now)
            if out:
                await link.write(out)
    except LinkClosed:
        return
    finally:
        await link.close()


class PtyLink(Link):
    """The simulator's end of a pseudo-terminal (the master), read through the event loop."""

    def __init__(self, master_fd: int, name: str) -> None:
        self.name = name
        self._fd = master_fd
        self._loop = asyncio.get_running_loop()
        self._buffer = bytearray()
        self._event = asyncio.Event()
        self._closed = False
        self._loop.add_reader(self._fd, self._on_readable)

    def _on_readable(self) -> None:
        try:
            data = os.read(self._fd, 4096)
        except OSError:  # EIO: the driver closed the slave; it may reopen it
            data = b""
        if data:
            self._buffer += data
            self._event.set()

    async def read(self, timeout: float) -> bytes:
        if self._closed:
            raise LinkClosed("closed")
        if not self._buffer:
            self._event.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._event.wait()
        data = bytes(self._buffer)
        self._buffer.clear()
        return data

    async def write(self, data: bytes) -> None:
        if self._closed:
            raise LinkClosed("closed")
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._fd, view)
            except BlockingIOError:
                await asyncio.sleep(0.005)
                continue
            except OSError as exc:
                raise LinkClosed(str(exc)) from exc
            view = view[written:]

    def speed(self) -> int:
        """The baud rate the driver set on its end (a pty keeps it, though it cannot use it)."""
        attrs = termios.tcgetattr(self._fd)
        return int(attrs[5])  # ospeed as a termios constant, e.g. termios.B9600

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._loop.remove_reader(self._fd)
            os.close(self._fd)


@dataclass
class Served:
    """A running simulator: the URL (or Link) for the driver, and how to stop it."""

    url: str
    host_link: MemoryLink | None = None  # set for in-memory serving
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _fds: list[int] = field(default_factory=list)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds.clear()


def _expected_speed(baudrate: int) -> int:
    return int(getattr(termios, f"B{baudrate}"))


async def serve_memory(model: DeviceModel, speed: float = 1.0) -> Served:
    host, device = memory_pair("simulator")
    task = asyncio.create_task(run_model(model, device, SimClock(speed)), name="simulator-memory")
    return Served(url="memory://", host_link=host, tasks=[task])


async def serve_pty(model: DeviceModel, speed: float = 1.0, baudrate: int = 9600) -> Served:
    """A pseudo-terminal: the driver opens ``url`` (``/dev/pts/N``) like a real serial port."""
    master, slave = pty.openpty()
    tty.setraw(master)  # or early bytes echo back to the simulator
    os.set_blocking(master, False)
    url = os.ttyname(slave)
    # Keep our slave fd open: with no slave open, the master reads EIO in a loop. The driver
    # opens the same terminal by name.
    link = PtyLink(master, url)
    expected = _expected_speed(baudrate)
    task = asyncio.create_task(
        run_model(model, link, SimClock(speed), baud_ok=lambda: link.speed() == expected),
        name=f"simulator-pty-{url}",
    )
    return Served(url=url, tasks=[task], _fds=[slave])


class _StreamLink(Link):
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.name = "tcp"
        self._reader = reader
        self._writer = writer

    async def read(self, timeout: float) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                data = await self._reader.read(4096)
        except TimeoutError:
            return b""
        if not data:
            raise LinkClosed("the host disconnected")
        return data

    async def write(self, data: bytes) -> None:
        try:
            self._writer.write(data)
            await self._writer.drain()
        except (ConnectionError, RuntimeError) as exc:
            raise LinkClosed(str(exc)) from exc

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(ConnectionError):
            await self._writer.wait_closed()


async def serve_tcp(model_factory: Callable[[], DeviceModel], speed: float = 1.0) -> Served:
    """A TCP server on 127.0.0.1: each connection talks to a fresh model (``socket://`` URL)."""
    served = Served(url="")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            served.tasks.append(task)
        try:
            await run_model(model_factory(), _StreamLink(reader, writer), SimClock(speed))
        except asyncio.CancelledError:
            # Served.stop cancels a connection still running. Python 3.11's stream server calls
            # task.exception() on its handler task, which raises (and logs an ERROR) when the
            # task ended cancelled: end normally instead; run_model has closed the link.
            return

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    served.url = f"socket://127.0.0.1:{port}"
    served._server = server
    return served
