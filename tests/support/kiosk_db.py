"""The kiosk's database as tests read it behind the kiosk's back.

The kiosk's database is encrypted (kiosk.storage.database); in tests its key is the data folder's
``db.key``, which the core or a command created on first start (``storage.data_dir_key``). The
plain ``sqlite3`` module cannot read the file: tests read it through these.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kiosk.clock import Clock, SystemClock
from kiosk.config import Config
from kiosk.storage import OpenedDatabase, open_database
from kiosk.storage.database import DATA_DIR_KEY_NAME, DatabaseKey, connect, load_key, read_key_file


def data_dir_key(data_dir: Path) -> DatabaseKey:
    return read_key_file(data_dir / DATA_DIR_KEY_NAME)


def connect_kiosk_db(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A bare connection to ``DATA_DIR/kiosk.db`` with the data folder's key."""
    return connect(path, data_dir_key(path.parent), read_only=read_only)


def open_kiosk_db(data_dir: Path, clock: Clock | None = None) -> OpenedDatabase:
    """Open ``DATA_DIR/kiosk.db`` as the core does (its key created on first use)."""
    config = Config(data_dir=data_dir)
    return open_database(config.database_path, clock or SystemClock(), key=load_key(config))
