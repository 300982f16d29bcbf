"""Byte links to a device: a serial port opened from a URL, or an in-memory pair for tests.

A URL is whatever pyserial's ``serial_for_url`` takes: ``/dev/ttyUSB0``, ``/dev/pts/7``,
``socket://127.0.0.1:7001``, ``spy:///dev/ttyUSB0`` (traffic dump)... Ports are always opened with
the protocol's exact settings and ``xonxoff=False, rtscts=False, dsrdtr=False``: with XON/XOFF on,
the tty layer deletes the bytes 0x11 and 0x13, which are legal data in every protocol here.

Reading never busy-waits: a serial port is read by one thread that blocks in ``read`` with a short
timeout and hands bytes to the asyncio loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass

import serial

logger = logging.getLogger(__name__)


class LinkClosed(Exception):
    """The other end went away (device unplugged, simulator stopped, socket closed)."""


@dataclass(frozen=True)
class SerialSettings:
    baudrate: int = 9600
    bytesize: int = serial.EIGHTBITS
    parity: str = serial.PARITY_NONE
    stopbits: float = serial.STOPBITS_ONE


class Link(ABC):
    """An asynchronous byte stream to one device."""

    name: str = "link"

    @abstractmethod
    async def write(self, data: bytes) -> None: ...

    @abstractmethod
    async def read(self, timeout: float) -> bytes:
        """Bytes that arrived (at least one), or b"" after ``timeout`` seconds of silence.

        Raises LinkClosed once the other end is gone and everything it sent has been read.
        """

    @abstractmethod
    async def close(self) -> None: ...


class _Inbox:
    """Bytes waiting to be read, filled from any thread through the loop."""

    def __init__(self) -> None:
        self._chunks = bytearray()
        self._closed = False
        self._event = asyncio.Event()

    def put(self, data: bytes) -> None:
        self._chunks += data
        self._event.set()

    def close(self) -> None:
        self._closed = True
        self._event.set()

    async def get(self, timeout: float) -> bytes:
        if not self._chunks and not self._closed:
            self._event.clear()
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives together with the data, and a cancelled measurement must stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, timeout)):
                    await self._event.wait()
        if self._chunks:
            data = bytes(self._chunks)
            self._chunks.clear()
            return data
        if self._closed:
            raise LinkClosed("the other end closed the link")
        return b""


class SerialLink(Link):
    """A pyserial port; one reader thread per port, stopped and joined by ``close``."""

    def __init__(self, port: serial.Serial, name: str) -> None:
        self.name = name
        self._port = port
        self._loop = asyncio.get_running_loop()
        self._inbox = _Inbox()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read_forever, name=f"serial-{name}")
        self._thread.start()

    @classmethod
    async def open(cls, url: str, settings: SerialSettings) -> SerialLink:
        """Open ``url``; raises OSError or serial.SerialException when it cannot be opened."""
        port = serial.serial_for_url(
            url,
            baudrate=settings.baudrate,
            bytesize=settings.bytesize,
            parity=settings.parity,
            stopbits=settings.stopbits,
            timeout=0.05,
            write_timeout=2.0,
            xonxoff=False,
            rtscts=False,
            dsrdtr=False,
        )
        return cls(port, url)

    def _read_forever(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    data = self._port.read(max(1, self._port.in_waiting))
                except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                    # TypeError/AttributeError: pyserial's socket handler after a concurrent close.
                    if not self._stop.is_set():
                        logger.info("link %s: read failed: %s", self.name, exc)
                    self._deliver_close()
                    return
                if data:
                    self._deliver(data)
        finally:
            # Closed here, not on the event loop: pyserial's socket:// close sleeps 0.3 s.
            self._close_port()

    def _close_port(self) -> None:
        # pyserial's socket:// handler leaves its socket open when shutdown() fails (the peer
        # already reset the connection): close it ourselves (closing twice is harmless).
        sock = getattr(self._port, "_socket", None)
        with contextlib.suppress(Exception):
            self._port.close()
        if sock is not None:
            with contextlib.suppress(Exception):
                sock.close()

    def _deliver(self, data: bytes) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closing
            self._loop.call_soon_threadsafe(self._inbox.put, data)

    def _deliver_close(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._inbox.close)

    async def write(self, data: bytes) -> None:
        try:
            self._port.write(data)
        except (serial.SerialException, OSError) as exc:
            raise LinkClosed(f"write failed: {exc}") from exc

    async def read(self, timeout: float) -> bytes:
        return await self._inbox.get(timeout)

    async def close(self) -> None:
        self._stop.set()
        # The reader wakes within its 50 ms read timeout and closes the port; wait for it
        # without blocking the loop (no executor thread that would outlive the link).
        for _ in range(200):
            if not self._thread.is_alive():
                break
            await asyncio.sleep(0.01)
        self._thread.join(timeout=0.5)


class MemoryLink(Link):
    """One end of an in-memory pair (unit tests, simulations): no file descriptors at all."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._inbox = _Inbox()
        self.peer: MemoryLink | None = None
        self.closed = False

    async def write(self, data: bytes) -> None:
        if self.closed or self.peer is None or self.peer.closed:
            raise LinkClosed("the other end closed the link")
        self.peer._inbox.put(bytes(data))

    async def read(self, timeout: float) -> bytes:
        return await self._inbox.get(timeout)

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._inbox.close()
            if self.peer is not None:
                self.peer._inbox.close()


def memory_pair(name: str = "memory") -> tuple[MemoryLink, MemoryLink]:
    """Two connected ends: what one writes, the other reads."""
    host, device = MemoryLink(f"{name}:host"), MemoryLink(f"{name}:device")
    host.peer, device.peer = device, host
    return host, device


async def open_link(target: str | Link, settings: SerialSettings) -> Link:
    """A Link from a URL (opened with ``settings``) or an already-open Link."""
    if isinstance(target, Link):
        return target
    return await SerialLink.open(target, settings)
