"""The call's tests: a real portal on 127.0.0.1 with the demo doctor and cabin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from kiosk.clock import SystemClock
from kiosk.config import Config, PortalConfig
from kiosk.portal.server import start_portal
from kiosk.portal.store import PortalStore
from kiosk.portal_commands import ensure_demo_accounts


@pytest_asyncio.fixture
async def portal(tmp_path: Path) -> AsyncIterator[tuple[str, tuple[str, str, str, str]]]:
    """The portal's URL, and the demo accounts (doctor, password, cabin, cabin secret)."""
    config = Config(data_dir=tmp_path / "portal", portal=PortalConfig(port=0))
    config.data_dir.mkdir(parents=True)
    store = PortalStore(config.portal_database_path, SystemClock())
    accounts = ensure_demo_accounts(store)
    handle = await start_portal(config, store=store)
    yield handle.url, accounts
    await handle.close()
    store.close()
