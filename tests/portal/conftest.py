"""The portal under test: a real server on 127.0.0.1 (any free port), a real SQLite file in
tmp_path, a FakeClock, and aiohttp's own client as the doctors' pages and the cabins."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from kiosk.clock import FakeClock
from kiosk.config import Config, PortalConfig
from kiosk.portal.passwords import hash_password
from kiosk.portal.server import STATIC_DIR, PortalHandle, start_portal
from kiosk.portal.store import PortalStore

PASSWORD = "correct horse battery"
TIMEOUT_S = 5.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    """The package's static files, plus a stand-in console page if the real one is not there."""
    folder = tmp_path / "static"
    shutil.copytree(STATIC_DIR, folder)
    if not (folder / "index.html").exists():
        (folder / "index.html").write_text(
            "<!doctype html><title>console</title><p>stand-in console</p>", encoding="utf-8"
        )
    return folder


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[PortalStore]:
    opened = PortalStore(tmp_path / "portal.db", clock)
    yield opened
    opened.close()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(data_dir=tmp_path, portal=PortalConfig(host="127.0.0.1", port=0))


@dataclass
class Accounts:
    """Who exists: doctors by name, cabins' secrets by name."""

    secrets: dict[str, str]


@pytest.fixture
def accounts(store: PortalStore) -> Accounts:
    hashed = hash_password(PASSWORD)
    store.add_doctor("dr.martin", "Dr Martin", hashed, ["29"], rpps="10000000001")
    store.add_doctor("dr.leroy", "Dr Leroy", hashed, ["56"], rpps="10000000002")
    store.add_doctor("dr.any", "Dr Partout", hashed, ["*"])
    found: dict[str, str] = {}
    for name, territory in (("brest", "29"), ("vannes", "56"), ("paris", "75")):
        _, found[name] = store.add_cabin(name, territory)
    return Accounts(found)


@pytest_asyncio.fixture
async def portal(
    config: Config, store: PortalStore, clock: FakeClock, static_dir: Path, accounts: Accounts
) -> AsyncIterator[PortalHandle]:
    handle = await start_portal(config, store, clock, static_dir=static_dir)
    try:
        yield handle
    finally:
        await handle.close()
        await asyncio.get_running_loop().shutdown_default_executor()  # aiohttp's file reads


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A browser without any cookie (its jar accepts cookies from an IP address)."""
    async with client_session() as session:
        yield session
    await asyncio.get_running_loop().shutdown_default_executor()


def client_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def sign_in(
    session: aiohttp.ClientSession, portal: PortalHandle, name: str, password: str = PASSWORD
) -> aiohttp.ClientResponse:
    async with session.post(
        f"{portal.url}/login",
        data={"name": name, "password": password},
        allow_redirects=False,
    ) as response:
        await response.read()
        return response


async def doctor_page(
    session: aiohttp.ClientSession, portal: PortalHandle
) -> aiohttp.ClientWebSocketResponse:
    """The doctor's socket, after ``welcome`` (returned messages start after it)."""
    ws = await session.ws_connect(f"{portal.url}/ws/doctor", origin=portal.url)
    welcome = await receive(ws)
    assert welcome["type"] == "welcome", welcome
    return ws


async def cabin_link(
    session: aiohttp.ClientSession, portal: PortalHandle, name: str, secret: str
) -> aiohttp.ClientWebSocketResponse:
    ws = await session.ws_connect(f"{portal.url}/ws/cabin")
    await send(ws, "hello", id="h", cabin=name, secret=secret, kiosk_version="test")
    welcome = await receive(ws)
    assert welcome["type"] == "welcome", welcome
    assert welcome["re"] == "h"
    return ws


async def send(ws: aiohttp.ClientWebSocketResponse, kind: str, **fields: Any) -> None:
    await ws.send_str(json.dumps({"type": kind, "v": 1, **fields}))


async def receive(
    ws: aiohttp.ClientWebSocketResponse, timeout: float = TIMEOUT_S
) -> dict[str, Any]:
    msg = await ws.receive(timeout=timeout)
    assert msg.type is aiohttp.WSMsgType.TEXT, (msg.type, msg.data, msg.extra)
    data: dict[str, Any] = json.loads(msg.data)
    return data


async def expect(
    ws: aiohttp.ClientWebSocketResponse, kind: str, skip: tuple[str, ...] = ("queue",)
) -> dict[str, Any]:
    """The next message of type ``kind``, passing over the types in ``skip`` only."""
    while True:
        data = await receive(ws)
        if data["type"] == kind:
            return data
        assert data["type"] in skip, f"expected {kind}, got {data}"


async def queue_ids(ws: aiohttp.ClientWebSocketResponse) -> list[str]:
    data = await expect(ws, "queue", skip=())
    return [entry["call_id"] for entry in data["entries"]]


async def closed_with(ws: aiohttp.ClientWebSocketResponse) -> int | None:
    """Read until the socket closes; its close code."""
    while True:
        msg = await ws.receive(timeout=TIMEOUT_S)
        if msg.type in (
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSED,
            aiohttp.WSMsgType.CLOSING,
        ):
            return ws.close_code
        assert msg.type is aiohttp.WSMsgType.TEXT, (msg.type, msg.data)


async def nothing_more(ws: aiohttp.ClientWebSocketResponse, wait_s: float = 0.2) -> None:
    """No message arrives for ``wait_s``."""
    try:
        msg = await ws.receive(timeout=wait_s)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected message: {msg.type} {msg.data}")
