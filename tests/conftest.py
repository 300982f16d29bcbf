"""Test rules for the whole suite (no Qt here: the core's job runs without PySide6).

- Qt runs offscreen (set before any QApplication exists).
- A test fails if it leaves a thread or an asyncio task running, or logs a warning or an error it
  did not expect (mark it ``allow_log_warnings``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

if TYPE_CHECKING:
    from tests.support.cups import Cups
    from tests.unit.test_record import Kit

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
for _name in list(os.environ):
    if _name.startswith("KIOSK_"):  # a developer's shell must not change what the tests see
        del os.environ[_name]


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 3.0
    while True:
        extra = [
            t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon
        ]
        # Threads of executors that asyncio or sqlite may keep are daemon-free too: give them time.
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not extra, f"test left threads running: {[t.name for t in extra]}"


@pytest.fixture(autouse=True)
def no_logged_warnings(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    caplog.set_level(logging.INFO)
    yield
    if request.node.get_closest_marker("allow_log_warnings"):
        return
    bad = [r for r in caplog.get_records("call") if r.levelno >= logging.WARNING]
    assert not bad, "unexpected warnings or errors logged: " + "; ".join(
        f"{r.name}: {r.getMessage()}" for r in bad
    )


@pytest_asyncio.fixture
async def no_leaked_tasks() -> AsyncIterator[None]:
    yield
    current = asyncio.current_task()
    left = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    assert not left, f"test left asyncio tasks running: {left}"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--device-url",
        action="append",
        default=[],
        metavar="FAMILY=URL",
        help="also run a driver's contract tests against a real device, e.g. bp=/dev/ttyUSB0",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("asyncio") is not None:
            item.fixturenames.insert(0, "no_leaked_tasks")  # type: ignore[attr-defined]


# -- a kiosk database with a signed-in assistant, for the records' tests ----------------------
@pytest.fixture(scope="session")
def pin_hash() -> str:
    from kiosk.services.auth import hash_pin
    from tests.unit.test_record import PIN

    return hash_pin(PIN)  # scrypt is slow on purpose: once per run


@pytest.fixture
def kit(tmp_path: Path, pin_hash: str) -> Iterator[Kit]:
    """The session service on an encrypted database in ``tmp_path``, with a fake clock."""
    from tests.unit.test_record import make_kit

    made, opened = make_kit(tmp_path, pin_hash)
    yield made
    opened.close()


@pytest.fixture(scope="module")
def cups() -> Iterator[Cups]:
    """A private CUPS scheduler on 127.0.0.1 (tests/support/cups.py), for a module's tests."""
    from tests.support.cups import start_cups

    server = start_cups()
    try:
        yield server
    finally:
        server.stop()
