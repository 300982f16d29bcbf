"""The byte links under every driver: in memory, on a real pty, over TCP (127.0.0.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio

from devices.link import Link, LinkClosed, SerialSettings, open_link
from devices.simulators.runner import Served, serve_memory, serve_pty, serve_tcp


class Echo:
    """Sends back every byte; ``bye`` unplugs it."""

    def __init__(self) -> None:
        self.connected = True

    def receive(self, data: bytes, now: float) -> bytes:
        if data == b"bye":
            self.connected = False
            return b""
        return data

    def tick(self, now: float) -> bytes:
        return b""


async def _memory() -> Served:
    return await serve_memory(Echo())


async def _pty() -> Served:
    return await serve_pty(Echo())


async def _tcp() -> Served:
    return await serve_tcp(Echo)


BACKENDS: dict[str, Callable[[], Awaitable[Served]]] = {"memory": _memory, "pty": _pty, "tcp": _tcp}


@pytest_asyncio.fixture(params=sorted(BACKENDS))
async def link(request: pytest.FixtureRequest) -> AsyncIterator[Link]:
    served = await BACKENDS[request.param]()
    target: str | Link = served.host_link if served.host_link is not None else served.url
    opened = await open_link(target, SerialSettings())
    try:
        yield opened
    finally:
        await opened.close()
        await served.stop()


async def read_exactly(link: Link, size: int, timeout: float = 2.0) -> bytes:
    data = b""
    for _ in range(int(timeout / 0.05)):
        data += await link.read(0.05)
        if len(data) >= size:
            break
    return data


@pytest.mark.asyncio
async def test_binary_bytes_go_both_ways_untouched(link: Link) -> None:
    payload = bytes([0x11, 0x80, 0x81, 0x13, 0x11, 0x55, 0x00, 0xFF, 0x0A, 0x0D])
    await link.write(payload)
    assert await read_exactly(link, len(payload)) == payload


@pytest.mark.asyncio
async def test_silence_is_an_empty_read(link: Link) -> None:
    assert await link.read(0.1) == b""


@pytest.mark.asyncio
async def test_unplugged_device_closes_the_link(link: Link) -> None:
    await link.write(b"bye")
    with pytest.raises(LinkClosed):
        for _ in range(100):
            await link.read(0.05)
