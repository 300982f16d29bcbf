"""Opening the database: pragmas, integrity check, migrations, and recovery from a bad file.

A file that SQLite cannot read is never deleted: it is moved aside with its WAL, the kiosk starts on
a fresh database, and the caller tells the user where the old file went.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from kiosk.clock import Clock
from kiosk.errors import StorageError
from kiosk.storage.migrations import migrate

logger = logging.getLogger(__name__)

_SIDE_FILES = ("-wal", "-shm", "-journal")


@dataclass
class OpenedDatabase:
    db: sqlite_utils.Database
    path: Path
    set_aside: Path | None  # where an unreadable file was moved, if that happened

    def close(self) -> None:
        self.db.conn.close()


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=5.0)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a transition the screen shows has reached the disk (power cuts happen in pharmacies).
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


class _Damaged(sqlite3.DatabaseError):
    """The integrity check found damage."""


# SQLITE_CORRUPT, SQLITE_NOTADB: the file itself is bad. Anything else (locked, cannot open, disk
# full...) says nothing about the file, which must then stay where it is.
_DAMAGE_CODES = frozenset({11, 26})


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, _Damaged) or (code is not None and code & 0xFF in _DAMAGE_CODES)


def _check(conn: sqlite3.Connection) -> None:
    rows = conn.execute("PRAGMA quick_check").fetchall()
    if rows != [("ok",)]:
        raise _Damaged("integrity check failed: " + "; ".join(str(r[0]) for r in rows[:3]))


def _check_untouched(path: Path) -> None:
    """Check an existing file through a read-only connection before anything writes to it.

    Closing the last read-write connection checkpoints the WAL into the main file: on a damaged
    database that would change the file (and drop its WAL) before it is moved aside.
    """
    if not path.exists() or path.stat().st_size == 0:
        return
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
    try:
        _check(conn)
    finally:
        conn.close()


def _set_aside(path: Path, stamp: str) -> Path:
    aside = path.with_name(f"{path.name}.unreadable-{stamp}")
    counter = 1
    while aside.exists():
        counter += 1
        aside = path.with_name(f"{path.name}.unreadable-{stamp}-{counter}")
    try:
        path.rename(aside)
        for suffix in _SIDE_FILES:
            side = path.with_name(path.name + suffix)
            if side.exists():
                side.rename(aside.with_name(aside.name + suffix))
    except OSError as exc:
        raise StorageError(
            f"the database {path} cannot be read and cannot be moved aside ({exc.strerror})",
            {"path": str(path)},
        ) from exc
    return aside


def open_database(path: Path, clock: Clock) -> OpenedDatabase:
    """Open (or create) the kiosk database at ``path`` and bring its schema up to date."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StorageError(f"cannot create the data folder {path.parent} ({exc.strerror})") from exc
    set_aside: Path | None = None
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    conn: sqlite3.Connection | None = None
    for attempt in (1, 2):
        try:
            _check_untouched(path)
            conn = _connect(path)
            _check(conn)
            migrate(conn, clock.now().isoformat())
            break
        except RuntimeError as exc:  # schema from a newer kiosk: do not touch the file
            if conn is not None:
                conn.close()
            raise StorageError(str(exc), {"path": str(path)}) from exc
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
                conn = None
            if attempt == 2 or not path.exists() or not _damaged(exc):
                raise StorageError(
                    f"cannot open the database {path}: {exc}", {"path": str(path)}
                ) from exc
            logger.error("storage: %s is unreadable (%s); moving it aside", path, exc)
            set_aside = _set_aside(path, stamp)
    assert conn is not None
    try:
        os.chmod(path, 0o600)
    except OSError:
        logger.warning("storage: could not restrict the permissions of %s", path)
    db = sqlite_utils.Database(conn, execute_plugins=False)
    return OpenedDatabase(db=db, path=path, set_aside=set_aside)
