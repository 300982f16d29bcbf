"""Opening the database: its key, pragmas, integrity check, migrations, and recovery from a bad file.

The kiosk database is encrypted at rest with SQLCipher (``sqlcipher3``, statically linked). Its key
is 32 random bytes written as 64 hexadecimal characters, read by ``load_key`` from, in order:

1. the systemd credential ``db-key`` (``$CREDENTIALS_DIRECTORY/db-key``, from
   ``LoadCredential=db-key:/etc/kiosk/db.key``): the root-only key file of a cabin, handed to the
   service without the service being able to read /etc/kiosk itself;
2. ``storage.key_file`` (default /etc/kiosk/db.key), when the kiosk can read it;
3. with ``storage.data_dir_key`` true (the default: demonstrations, development, tests),
   ``DATA_DIR/db.key``, created with mode 600 on first start; false on a cabin: no key, no start.

A key file must be readable by its owner only (mode 600 or 400): any other mode is refused, because
a key every local account can read protects nothing, and a warning in a log nobody reads on a cabin
would leave it so. The key never appears in the configuration, the logs or an error message.

A file that SQLite cannot read is never deleted: it is moved aside with its WAL, the kiosk starts on
a fresh database, and the caller tells the user where the old file went. A key that does not open
the file is not a bad file: the kiosk refuses to start and changes nothing, since the right key
would read it. SQLCipher cannot tell a wrong key from a damaged first page, so a file whose start
looks like ciphertext is never moved aside for that reason; only a file whose start is plainly not
an encrypted database (text, zeros, a plain SQLite file) is.

A plain database (from a kiosk before encryption) is encrypted on the first start that has a key:
written to ``kiosk.db.encrypting`` with ``sqlcipher_export``, checked (integrity, same tables, same
row counts), flushed to disk, then renamed over the plain file, which is held locked meanwhile. At
every moment ``kiosk.db`` is either the whole plain database or the whole encrypted one; a crash
leaves the plain file as it was and the next start tries again. If another program has the plain
database open, nothing is done and the kiosk refuses to start, saying so.
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import sqlcipher3
import sqlite_utils
import sqlite_utils.db
import sqlite_utils.utils

from kiosk.clock import Clock
from kiosk.config import Config, StorageConfig
from kiosk.errors import StorageError
from kiosk.storage.migrations import migrate

logger = logging.getLogger(__name__)

_SIDE_FILES = ("-wal", "-shm", "-journal")
_PLAIN_HEADER = b"SQLite format 3\x00"
KEY_BYTES = 32
CREDENTIAL_NAME = "db-key"
DATA_DIR_KEY_NAME = "db.key"

# What a failing database raises: the plain module's errors (a plain database, in tests and in the
# benchmark's baseline) or SQLCipher's (the kiosk's database). They share no base class.
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher3.Error)


def _sqlite_utils_on_sqlcipher() -> None:
    """sqlite-utils catches the exception classes of the sqlite module it imported itself: with
    the standard one, a SQLCipher connection's errors slip through and ``insert(alter=True)`` or
    ``table.drop(ignore=True)`` fail (../shared/traps.md). Point it at sqlcipher3, which it would
    have used had it been installed as pysqlite3. Unkeyed, sqlcipher3 is plain SQLite.

    This holds for the whole process: a plain ``sqlite3`` connection given to sqlite-utils here (the
    portal's own database, when ``kiosk run --demo`` starts the portal beside the kiosk) must not
    count on sqlite-utils catching its errors (``alter=True``, ``drop(ignore=True)``).
    """
    for module in (sqlite_utils.utils, sqlite_utils.db):
        if hasattr(module, "sqlite3"):
            module.sqlite3 = sqlcipher3  # type: ignore[attr-defined]
        if hasattr(module, "OperationalError"):
            module.OperationalError = sqlcipher3.OperationalError  # type: ignore[attr-defined]


_sqlite_utils_on_sqlcipher()


@dataclass(frozen=True)
class DatabaseKey:
    """The database key and where it came from (``source`` is said in logs; the key never)."""

    raw: bytes = field(repr=False)
    source: str

    def __post_init__(self) -> None:
        if len(self.raw) != KEY_BYTES:
            raise ValueError(f"a database key is {KEY_BYTES} bytes")

    def sql_literal(self) -> str:
        """SQLCipher's raw-key form: used as the key itself, with no passphrase derivation."""
        return f"x'{self.raw.hex()}'"


@dataclass
class OpenedDatabase:
    db: sqlite_utils.Database
    path: Path
    set_aside: Path | None  # where an unreadable file was moved, if that happened
    encrypted: bool = False

    def close(self) -> None:
        self.db.conn.close()


# -- the key ---------------------------------------------------------------------------------


def read_key_file(path: Path, source: str | None = None) -> DatabaseKey:
    """Read a key file: 64 hexadecimal characters, readable by its owner only.

    A missing file raises FileNotFoundError (the caller decides what that means); anything else
    wrong raises StorageError in plain words.
    """
    name = source or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except PermissionError as exc:
        raise StorageError(
            f"cannot read the database key file {path} (permission denied): give it to the "
            f"kiosk service with LoadCredential={CREDENTIAL_NAME}:{path}, or make it the kiosk "
            "user's own file (mode 600)",
            {"path": str(path)},
        ) from exc
    except OSError as exc:
        raise StorageError(
            f"cannot read the database key file {path} ({exc.strerror})", {"path": str(path)}
        ) from exc
    try:
        mode = os.fstat(fd).st_mode
        if mode & 0o077:
            raise StorageError(
                f"the database key file {path} can be read or changed by other users "
                f"(mode {mode & 0o777:o}); it must be its owner's only: chmod 600 {path}",
                {"path": str(path)},
            )
        with os.fdopen(fd, "rb", closefd=False) as handle:
            content = handle.read(4 * KEY_BYTES + 16)
    finally:
        os.close(fd)
    text = content.strip()
    try:
        raw = bytes.fromhex(text.decode("ascii")) if len(text) == 2 * KEY_BYTES else b""
    except (UnicodeDecodeError, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise StorageError(
            f"the database key file {path} does not hold a key ({2 * KEY_BYTES} hexadecimal "
            "characters, e.g. from: openssl rand -hex 32)",
            {"path": str(path)},
        )
    return DatabaseKey(raw, name)


def _create_data_dir_key(path: Path) -> DatabaseKey:
    """Create ``path`` with a new random key, unless another process just did (then use it)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(KEY_BYTES).hex().encode("ascii") + b"\n")
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(partial, path)  # all or nothing, and never over an existing key
            except FileExistsError:
                pass
            else:
                _fsync_dir(path.parent)
                logger.info(
                    "storage: no database key in a systemd credential or the key file: created "
                    "%s (for demonstrations, development and tests; a cabin keeps its key in "
                    "/etc/kiosk/db.key and sets storage.data_dir_key = false)",
                    path,
                )
        finally:
            partial.unlink(missing_ok=True)
    except OSError as exc:
        raise StorageError(
            f"cannot create the database key {path} ({exc.strerror})", {"path": str(path)}
        ) from exc
    return read_key_file(path)


def load_key(config: Config, environ: Mapping[str, str] | None = None) -> DatabaseKey:
    """The key of the kiosk database (the rule is in this module's docstring)."""
    env = os.environ if environ is None else environ
    credentials = env.get("CREDENTIALS_DIRECTORY")
    if credentials:
        try:
            return read_key_file(
                Path(credentials) / CREDENTIAL_NAME, f"the systemd credential {CREDENTIAL_NAME}"
            )
        except FileNotFoundError:
            pass  # the service has other credentials, not this one
    key_file = config.storage.key_file
    try:
        return read_key_file(key_file)
    except FileNotFoundError:
        if key_file != StorageConfig().key_file:
            raise StorageError(
                f"the database key file {key_file} (storage.key_file) does not exist",
                {"path": str(key_file)},
            ) from None
    if not config.storage.data_dir_key:
        raise StorageError(
            f"no database key: neither the systemd credential {CREDENTIAL_NAME} nor {key_file} "
            "exists, and storage.data_dir_key is false; the kiosk does not start",
            {"path": str(key_file)},
        )
    path = config.data_dir / DATA_DIR_KEY_NAME
    try:
        return read_key_file(path)
    except FileNotFoundError:
        pass
    if _looks_encrypted(config.database_path):
        # A new key could not open it: say what is missing rather than "wrong key".
        raise StorageError(
            f"the database {config.database_path} is encrypted and its key is missing (no "
            f"systemd credential {CREDENTIAL_NAME}, no {key_file}, no {path}); the kiosk does not "
            "start and changed nothing",
            {"path": str(config.database_path)},
        )
    return _create_data_dir_key(path)


# -- connections -----------------------------------------------------------------------------


class _KeyRefused(Exception):
    """The key does not open a file that looks encrypted."""


def _looks_encrypted(path: Path) -> bool:
    """Could ``path`` be a SQLCipher database? No plain header, and a first page that looks like
    ciphertext (nearly every byte value present, as in random data). Text, zeros, a truncated or
    plain SQLite file do not."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    if len(head) < 512 or head.startswith(_PLAIN_HEADER):
        return False
    expected = 256 * (1 - (255 / 256) ** len(head))  # distinct values in random bytes
    return len(set(head)) >= 0.9 * expected


def _is_plain(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(_PLAIN_HEADER)) == _PLAIN_HEADER
    except OSError:
        return False


def _raw_connect(target: str, key: DatabaseKey | None, *, uri: bool = False) -> sqlite3.Connection:
    """A connection with the key applied (first, before anything reads the file).

    Without a key: a plain database through the standard module (tests of the storage layer and
    the benchmark's baseline; the kiosk itself always has a key).
    """
    if key is None:
        return sqlite3.connect(target, timeout=5.0, uri=uri)
    conn = sqlcipher3.connect(target, timeout=5.0, uri=uri)
    try:
        # SQLCipher prints its own lines on stderr for a wrong key; the error says it in words.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f'PRAGMA key = "{key.sql_literal()}"')
    except BaseException:
        conn.close()
        raise
    return cast(sqlite3.Connection, conn)


def _verify_key(conn: sqlite3.Connection, path: Path) -> None:
    """SQLCipher checks a key only when it first reads a page: read the schema now."""
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except DATABASE_ERRORS as exc:
        if _damaged(exc) and _looks_encrypted(path):
            raise _KeyRefused(str(exc)) from exc
        raise


def connect(path: Path, key: DatabaseKey | None, *, read_only: bool = False) -> sqlite3.Connection:
    """A bare connection to a kiosk database (tools, tests): keyed and checked, no pragmas.

    Raises StorageError when the key does not open the file.
    """
    target, uri = (f"{path.resolve().as_uri()}?mode=ro", True) if read_only else (str(path), False)
    conn = _raw_connect(target, key, uri=uri)
    if key is not None:
        try:
            _verify_key(conn, path)
        except _KeyRefused:
            conn.close()
            raise StorageError(_wrong_key_message(path, key), {"path": str(path)}) from None
        except BaseException:
            conn.close()
            raise
    return conn


def _wrong_key_message(path: Path, key: DatabaseKey) -> str:
    return (
        f"the database key ({key.source}) does not open the database {path}: the key is wrong, "
        "or the file is damaged at its start. The kiosk does not start and changed nothing; give "
        f"it the key this database was made with (or move {path} and its -wal file away to start "
        "an empty database)"
    )


def _connect(path: Path, key: DatabaseKey | None) -> sqlite3.Connection:
    conn = _raw_connect(str(path), key)
    try:
        if key is not None:
            _verify_key(conn, path)
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a transition the screen shows has reached the disk (power cuts happen in pharmacies).
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
    except BaseException:
        conn.close()
        raise
    return conn


class _Damaged(sqlite3.DatabaseError):
    """The integrity check found damage."""


# SQLITE_CORRUPT, SQLITE_NOTADB: the file itself is bad. Anything else (locked, cannot open, disk
# full...) says nothing about the file, which must then stay where it is.
_DAMAGE_CODES = frozenset({11, 26})


def _damaged(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, _Damaged) or (code is not None and code & 0xFF in _DAMAGE_CODES)


def _check(conn: sqlite3.Connection) -> None:
    rows = conn.execute("PRAGMA quick_check").fetchall()
    if rows != [("ok",)]:
        raise _Damaged("integrity check failed: " + "; ".join(str(r[0]) for r in rows[:3]))


def _check_untouched(path: Path, key: DatabaseKey | None) -> bool:
    """Check an existing file through a read-only connection before anything writes to it;
    False when there was nothing to check (no file yet, or an empty one).

    Closing the last read-write connection checkpoints the WAL into the main file: on a damaged
    database that would change the file (and drop its WAL) before it is moved aside. With a wrong
    key, nothing at all may change.
    """
    if not path.exists() or path.stat().st_size == 0:
        return False
    conn = _raw_connect(f"{path.resolve().as_uri()}?mode=ro", key, uri=True)
    try:
        if key is not None:
            _verify_key(conn, path)
        _check(conn)
    finally:
        conn.close()
    return True


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


# -- a plain database becomes encrypted ------------------------------------------------------


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _contents(conn: sqlite3.Connection, schema: str) -> dict[str, object]:
    """The schema and each table's row count: what a faithful copy must have too."""
    master = conn.execute(
        f"SELECT type, name, sql FROM {schema}.sqlite_master ORDER BY type, name"
    ).fetchall()
    out: dict[str, object] = {"schema": master}
    for kind, name, _sql in master:
        if kind == "table":
            quoted = '"' + str(name).replace('"', '""') + '"'
            out[str(name)] = conn.execute(f"SELECT count(*) FROM {schema}.{quoted}").fetchone()[0]
    return out


def _remove_partial(partial: Path) -> None:
    for suffix in ("", *_SIDE_FILES):
        partial.with_name(partial.name + suffix).unlink(missing_ok=True)


def _encrypt_plain(path: Path, key: DatabaseKey) -> None:
    """Replace the plain database at ``path`` by an encrypted copy, all or nothing."""
    partial = path.with_name(path.name + ".encrypting")
    _remove_partial(partial)  # left by a crash during an earlier attempt
    logger.info("storage: encrypting the plain database %s (key: %s)", path, key.source)
    plain = sqlcipher3.connect(str(path), timeout=5.0, isolation_level=None)
    try:
        try:
            # Out of WAL (its content goes into the file), then locked until the rename: no one
            # else writes to the plain file while it is copied. Both fail if it is in use.
            mode = plain.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            plain.execute("PRAGMA locking_mode=EXCLUSIVE")
            plain.execute("BEGIN EXCLUSIVE")
            plain.execute("COMMIT")
        except sqlcipher3.OperationalError as exc:
            raise StorageError(
                f"the plain database {path} cannot be encrypted now: another program has it "
                f"open ({exc}). Nothing was changed; stop the other kiosk program and start again",
                {"path": str(path)},
            ) from exc
        if str(mode).lower() != "delete" or path.with_name(path.name + "-wal").exists():
            raise StorageError(
                f"the plain database {path} cannot be encrypted now: its journal is still in use."
                " Nothing was changed; stop the other kiosk program and start again",
                {"path": str(path)},
            )
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        os.close(fd)
        plain.execute("ATTACH DATABASE ? AS encrypted KEY ?", (str(partial), key.sql_literal()))
        plain.execute("SELECT sqlcipher_export('encrypted')")
        version = int(plain.execute("PRAGMA main.user_version").fetchone()[0])
        plain.execute(f"PRAGMA encrypted.user_version = {version}")
        expected = _contents(cast(sqlite3.Connection, plain), "main")
        plain.execute("DETACH DATABASE encrypted")
        copy = connect(partial, key)
        try:
            _check(copy)
            if _contents(copy, "main") != expected:
                raise StorageError(
                    f"the encrypted copy of {path} differs from it; the plain file was kept",
                    {"path": str(path)},
                )
        finally:
            copy.close()
        _fsync(partial)
        os.replace(partial, path)
        _fsync_dir(path.parent)
    except StorageError:
        _remove_partial(partial)
        raise
    except BaseException as exc:
        _remove_partial(partial)
        if isinstance(exc, (*DATABASE_ERRORS, OSError)):
            raise StorageError(
                f"the plain database {path} could not be encrypted ({exc}); it was kept as it is",
                {"path": str(path)},
            ) from exc
        raise
    finally:
        plain.close()
    logger.info("storage: %s is encrypted now; the plain file is gone", path)


# -- opening ---------------------------------------------------------------------------------


def open_database(path: Path, clock: Clock, key: DatabaseKey | None = None) -> OpenedDatabase:
    """Open (or create) the kiosk database at ``path`` and bring its schema up to date.

    With ``key`` (the kiosk, always: ``load_key``), the database is encrypted, and a plain one is
    encrypted first. Without, a plain database (tests of the storage layer, benchmarks).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StorageError(f"cannot create the data folder {path.parent} ({exc.strerror})") from exc
    set_aside: Path | None = None
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    conn: sqlite3.Connection | None = None
    for attempt in (1, 2):
        try:
            if key is not None and _is_plain(path):
                _check_untouched(path, None)  # a damaged plain file goes aside, as ever
                _encrypt_plain(path, key)
            checked = _check_untouched(path, key)
            conn = _connect(path, key)
            if not checked:  # once is enough: decrypting every page twice doubles the start
                _check(conn)
            migrate(conn, clock.now().isoformat())
            break
        except _KeyRefused:
            if conn is not None:
                conn.close()
            assert key is not None
            raise StorageError(_wrong_key_message(path, key), {"path": str(path)}) from None
        except RuntimeError as exc:  # schema from a newer kiosk: do not touch the file
            if conn is not None:
                conn.close()
            raise StorageError(str(exc), {"path": str(path)}) from exc
        except DATABASE_ERRORS as exc:
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
    if key is not None:
        logger.info("storage: %s opened, encrypted (key: %s)", path, key.source)
    db = sqlite_utils.Database(conn, execute_plugins=False)
    return OpenedDatabase(db=db, path=path, set_aside=set_aside, encrypted=key is not None)


def open_kiosk_database(
    config: Config, clock: Clock, environ: Mapping[str, str] | None = None
) -> OpenedDatabase:
    """The kiosk's own database, with its key: what the core and every command open."""
    return open_database(config.database_path, clock, key=load_key(config, environ))
