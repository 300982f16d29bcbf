"""The kiosk database encrypted at rest (SQLCipher), on real files.

- After a whole session stored through the real services (identity with a NIR, measurements from
  the simulated devices, an otoscope still), neither the database file nor its WAL holds the
  patient's name, NIR, measurement values or picture in clear; the plain sqlite3 module cannot read
  it; the right key can.
- A wrong key: the kiosk does not start, says so in words, and the file and its WAL stay byte for
  byte as they were, where they were (never "moved aside" as if damaged).
- sqlite-utils' schema changes (``insert(alter=True)``, ``drop(ignore=True)``) work on it.
- Where the key comes from (systemd credential, key file, data folder), and the key file's
  permissions (anything but owner-only is refused).
- A plain database from an older kiosk is encrypted on first start, all or nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlcipher3

import kiosk.storage.database as database
from kiosk.clock import FakeClock
from kiosk.config import Config, DevicesConfig, StorageConfig
from kiosk.core import Core
from kiosk.errors import StorageError
from kiosk.flow import State
from kiosk.flow.triage import RED_FLAGS
from kiosk.services.auth import hash_pin
from kiosk.services.devices import DeviceStatus
from kiosk.storage import Repository, open_database
from kiosk.storage.database import (
    DATA_DIR_KEY_NAME,
    DatabaseKey,
    connect,
    load_key,
    read_key_file,
)
from tests.support.kiosk_db import connect_kiosk_db, data_dir_key, open_kiosk_db
from tests.unit.test_cli import assert_one_line_error, kiosk

PIN = "2468"
FAMILY_NAME = "Quenneville"
GIVEN_NAMES = "Odile Marie"
NIR = "250037510000138"  # woman, born 03/1950 in Paris (75), key 38
PHYSICIAN = "Dr Le Goff-Kervella"
FORM = {
    "family_name": FAMILY_NAME,
    "given_names": GIVEN_NAMES,
    "birth_date": "12/03/1950",
    "sex": "female",
    "nir": NIR,
    "treating_physician": PHYSICIAN,
}
WRONG_KEY_WORDS = "does not open the database"
NO_ENV: dict[str, str] = {}  # no systemd credential


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def set_aside_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".unreadable-" in p.name)


def write_key(path: Path, raw: bytes | None = None, mode: int = 0o600) -> DatabaseKey:
    raw = os.urandom(32) if raw is None else raw
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(raw.hex() + "\n", encoding="ascii")
    path.chmod(mode)
    return DatabaseKey(raw, str(path))


async def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


# -- a whole session, then the file ----------------------------------------------------------


async def _measure(core: Core, kind: str, family: str) -> None:
    assert core.measurements is not None and core.devices is not None
    await core.devices.serial[family].wait_for(DeviceStatus.READY, 10.0)
    core.measurements.start(kind)

    def done() -> bool:
        view = core.session.snapshot().measure
        return view is not None and view.run is not None and view.run.phase == "result"

    await wait_until(done, 40)
    core.measurements.accept()


async def _a_whole_session(core: Core) -> str:
    await core.start()
    session = core.session
    assistant = core.repo.add_assistant("Nadia", hash_pin(PIN))
    assert session.sign_in(assistant, PIN)
    session.start_session()
    session.submit_identity(FORM)
    session.record_consent(True)
    session.submit_triage("fever", "", dict.fromkeys(RED_FLAGS, False))
    assert session.current_state() is State.MEASURE
    await _measure(core, "blood_pressure", "bp")
    await _measure(core, "temperature", "thermometer")
    await _measure(core, "spo2", "oximeter")
    assert core.measurements is not None
    frames: list[int] = []
    core.measurements.subscribe_live(lambda u: frames.append(1) if u.kind == "preview" else None)
    core.measurements.start("otoscope")
    await wait_until(lambda: len(frames) >= 3, 10)
    await core.measurements.capture("left_ear")
    await core.measurements.close()
    session_id = session.current_session_id
    assert session_id is not None
    return session_id


def _secrets_of(conn: sqlite3.Connection, session_id: str) -> list[bytes]:
    """What SQLite stores for this patient, exactly as it would be written in clear."""
    needles = [FAMILY_NAME.encode(), GIVEN_NAMES.encode(), NIR.encode(), PHYSICIAN.encode()]
    row = conn.execute(
        "SELECT family_name, given_names, nir, treating_physician FROM patients"
        " WHERE session_id = ?",
        (session_id,),
    ).fetchone()
    assert row is not None and NIR in row and FAMILY_NAME in row[0]
    needles += [str(value).encode() for value in row]
    readings = conn.execute(
        "SELECT kind, reading FROM measurements WHERE session_id = ? AND status = 'accepted'",
        (session_id,),
    ).fetchall()
    assert len(readings) == 3, readings  # blood pressure, temperature, SpO2
    needles += [reading.encode() for _, reading in readings]  # the values as JSON text
    (png,) = conn.execute("SELECT png FROM images WHERE session_id = ?", (session_id,)).fetchone()
    assert png.startswith(b"\x89PNG")
    needles.append(bytes(png[:64]))  # the still's signature and header
    needles.append(b"CREATE TABLE patients")  # even the schema is not readable
    return needles


def _plain_copy(source: Path, key: DatabaseKey, target: Path) -> bytes:
    """The same database decrypted (sqlcipher_export): proves the needles are what SQLite
    would have written, so their absence from the encrypted file means something."""
    conn = connect(source, key)
    try:
        conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(target),))
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")
    finally:
        conn.close()
    return target.read_bytes()


@pytest.mark.asyncio
@pytest.mark.slow
async def test_a_whole_session_leaves_nothing_in_clear(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "data"
    config = Config(
        data_dir=data_dir,
        devices=DevicesConfig(simulate=True, simulation_speed=25.0, room_camera=""),
    )
    core = Core(config)
    try:
        session_id = await _a_whole_session(core)
        key = data_dir_key(data_dir)
        reader = connect_kiosk_db(config.database_path, read_only=True)
        try:
            needles = _secrets_of(reader, session_id)
        finally:
            reader.close()
        # While the kiosk runs: the main file and the WAL (where recent pages are).
        wal = config.database_path.with_name("kiosk.db-wal")
        running = config.database_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        assert wal.exists() and wal.stat().st_size > 0, "the session's pages are in the WAL"
    finally:
        await core.stop()
        await asyncio.get_running_loop().shutdown_default_executor()
    stopped = b"".join(files(data_dir)[name] for name in files(data_dir) if "kiosk.db" in name)
    plain = _plain_copy(config.database_path, key, tmp_path / "decrypted.db")
    for needle in needles:
        assert needle in plain, needle  # the search would find it, were it in clear
        assert needle not in running, needle
        assert needle not in stopped, needle
    assert not config.database_path.read_bytes().startswith(b"SQLite format 3")

    # The plain sqlite3 module cannot read it...
    conn = sqlite3.connect(config.database_path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="not a database"):
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        conn.close()
    # ...the right key does.
    conn = connect_kiosk_db(config.database_path)
    try:
        assert conn.execute(
            "SELECT family_name, nir FROM patients WHERE session_id = ?", (session_id,)
        ).fetchone() == (FAMILY_NAME, NIR)
    finally:
        conn.close()
    # The key, the patient: in no log line.
    for record in caplog.get_records("call"):
        message = record.getMessage()
        assert key.raw.hex() not in message
        assert NIR not in message and FAMILY_NAME.lower() not in message.lower()


# -- the encrypted database itself -----------------------------------------------------------


def test_pragmas_apply_and_sqlite_utils_schema_changes_work(tmp_path: Path) -> None:
    opened = open_kiosk_db(tmp_path)
    try:
        assert opened.encrypted and opened.set_aside is None
        conn = opened.db.conn
        assert conn.execute("PRAGMA cipher_version").fetchone()[0]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
        db = opened.db
        db["notes"].insert({"a": 1})
        db["notes"].insert({"a": 2, "b": "deux"}, alter=True)  # adds the column
        assert db["notes"].columns_dict == {"a": int, "b": str}
        assert [r["b"] for r in db["notes"].rows] == [None, "deux"]
        db["no_such_table"].drop(ignore=True)
        db["notes"].drop()
        db["notes"].drop(ignore=True)
        assert "notes" not in db.table_names()
        with pytest.raises(sqlcipher3.OperationalError):
            db["no_such_table"].drop()
        # The repository works on it as ever.
        repo = Repository(db, FakeClock())
        repo.add_assistant("Alice", "hash")
        assert [a.name for a in repo.assistants()] == ["Alice"]
    finally:
        opened.close()
    assert stat.S_IMODE((tmp_path / "kiosk.db").stat().st_mode) == 0o600


def _encrypted_with_a_wal(data_dir: Path) -> dict[str, bytes]:
    """An encrypted kiosk database left with committed rows in its WAL (as after a power cut)."""
    source = data_dir.parent / "source"
    opened = open_kiosk_db(source)
    Repository(opened.db, FakeClock()).add_assistant("Alice", "hash")
    opened.close()
    writer = connect_kiosk_db(source / "kiosk.db")
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute(
            "INSERT INTO assistants (name, pin_hash, created_at) VALUES ('Bruno', 'h', 't')"
        )
        writer.commit()
        data_dir.mkdir()
        for name in ("kiosk.db", "kiosk.db-wal", DATA_DIR_KEY_NAME):
            shutil.copy2(source / name, data_dir / name)
    finally:
        writer.close()
    assert (data_dir / "kiosk.db-wal").stat().st_size > 0
    return files(data_dir)


@pytest.mark.asyncio
async def test_a_wrong_key_refuses_to_start_and_changes_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    before = _encrypted_with_a_wal(data_dir)
    right = data_dir_key(data_dir)
    wrong = write_key(data_dir / DATA_DIR_KEY_NAME)
    before[DATA_DIR_KEY_NAME] = (data_dir / DATA_DIR_KEY_NAME).read_bytes()

    with pytest.raises(StorageError, match=WRONG_KEY_WORDS) as info:
        open_database(data_dir / "kiosk.db", FakeClock(), key=wrong)
    assert "changed nothing" in str(info.value)
    assert wrong.raw.hex() not in str(info.value)
    assert files(data_dir).keys() >= before.keys()
    assert {name: files(data_dir)[name] for name in before} == before  # byte for byte
    assert set_aside_files(data_dir) == []

    # The core does not start either (and leaves no thread behind).
    core = Core(Config(data_dir=data_dir))
    with pytest.raises(StorageError, match=WRONG_KEY_WORDS):
        await core.start()
    await core.stop()
    assert {name: files(data_dir)[name] for name in before} == before
    assert set_aside_files(data_dir) == []

    # The right key still opens everything, the WAL's rows included.
    opened = open_database(data_dir / "kiosk.db", FakeClock(), key=right)
    try:
        names = [a.name for a in Repository(opened.db, FakeClock()).assistants()]
        assert names == ["Alice", "Bruno"]
    finally:
        opened.close()


def test_a_wrong_key_is_one_plain_line_from_a_command(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    before = _encrypted_with_a_wal(data_dir)
    write_key(data_dir / DATA_DIR_KEY_NAME)
    before[DATA_DIR_KEY_NAME] = (data_dir / DATA_DIR_KEY_NAME).read_bytes()
    line = assert_one_line_error(kiosk(data_dir, "assistant", "list"))
    assert WRONG_KEY_WORDS in line and str(data_dir / "kiosk.db") in line
    assert {name: files(data_dir)[name] for name in before} == before
    assert set_aside_files(data_dir) == []


@pytest.mark.allow_log_warnings  # the recovery logs the unreadable file, on purpose
def test_what_could_be_ciphertext_is_refused_and_what_cannot_is_set_aside(tmp_path: Path) -> None:
    key = write_key(tmp_path / "key" / "db.key")
    random_file = tmp_path / "random" / "kiosk.db"
    random_file.parent.mkdir()
    content = os.urandom(3 * 4096)  # as an encrypted database looks to the wrong key
    random_file.write_bytes(content)
    with pytest.raises(StorageError, match=WRONG_KEY_WORDS):
        open_database(random_file, FakeClock(), key=key)
    assert random_file.read_bytes() == content
    assert set_aside_files(random_file.parent) == []

    # Text, or a damaged plain database, is no encrypted database: recovery as ever.
    for name, garbage in (
        ("text", b"this is not a database, but it may be the only copy of something" * 64),
        ("plain", b"SQLite format 3\x00" + bytes(range(256)) * 16),
    ):
        path = tmp_path / name / "kiosk.db"
        path.parent.mkdir()
        path.write_bytes(garbage)
        opened = open_database(path, FakeClock(), key=key)
        try:
            assert opened.set_aside is not None and opened.set_aside.read_bytes() == garbage
            assert opened.encrypted
        finally:
            opened.close()
        assert not path.read_bytes().startswith(b"SQLite format 3")


# -- where the key comes from ----------------------------------------------------------------


def test_with_no_key_anywhere_the_data_folder_gets_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    if StorageConfig().key_file.exists():
        pytest.skip("this machine has a kiosk key file")
    config = Config(data_dir=tmp_path / "data")
    key = load_key(config, NO_ENV)
    path = config.data_dir / DATA_DIR_KEY_NAME
    assert key.source == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="ascii") == key.raw.hex() + "\n"
    assert str(path) in caplog.text and "created" in caplog.text
    assert key.raw.hex() not in caplog.text and key.raw.hex() not in repr(key)
    assert load_key(config, NO_ENV) == key  # the same key from then on
    assert list(config.data_dir.iterdir()) == [path]  # no partial file left


def test_a_cabin_without_a_key_does_not_start(tmp_path: Path) -> None:
    if StorageConfig().key_file.exists():
        pytest.skip("this machine has a kiosk key file")
    config = Config(data_dir=tmp_path / "data", storage=StorageConfig(data_dir_key=False))
    with pytest.raises(StorageError, match="no database key"):
        load_key(config, NO_ENV)
    assert not config.data_dir.exists()


def test_the_systemd_credential_comes_first(tmp_path: Path) -> None:
    credential = write_key(tmp_path / "credentials" / "db-key", mode=0o400)
    key_file = write_key(key_file_path(tmp_path))
    config = Config(
        data_dir=tmp_path / "data", storage=StorageConfig(key_file=Path(key_file.source))
    )
    env = {"CREDENTIALS_DIRECTORY": str(tmp_path / "credentials")}
    key = load_key(config, env)
    assert key.raw == credential.raw and "systemd credential" in key.source
    # Without the credential: the key file; never a key in the data folder.
    assert load_key(config, NO_ENV).raw == key_file.raw
    assert load_key(config, {"CREDENTIALS_DIRECTORY": str(tmp_path / "empty")}).raw == key_file.raw
    assert not (config.data_dir / DATA_DIR_KEY_NAME).exists()


def key_file_path(tmp_path: Path) -> Path:
    return tmp_path / "etc" / "db.key"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    """Refused, not warned about: a key any local account can read protects nothing, and a
    warning on an unattended cabin is read by no one. The fix is one chmod, named in the error."""
    path = key_file_path(tmp_path)
    key = write_key(path, mode=mode)
    config = Config(data_dir=tmp_path / "data", storage=StorageConfig(key_file=path))
    with pytest.raises(StorageError, match=f"chmod 600 {path}") as info:
        load_key(config, NO_ENV)
    assert key.raw.hex() not in str(info.value)
    assert not config.data_dir.exists()  # no database, no other key made instead


@pytest.mark.parametrize(
    "content", [b"", b"not a key\n", b"ab" * 31 + b"\n", b"zz" * 32, b"ab" * 33, "é".encode() * 32]
)
def test_a_key_file_without_a_key_is_refused(tmp_path: Path, content: bytes) -> None:
    path = key_file_path(tmp_path)
    path.parent.mkdir()
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(StorageError, match="does not hold a key"):
        read_key_file(path)


def test_a_named_key_file_must_exist(tmp_path: Path) -> None:
    config = Config(
        data_dir=tmp_path / "data", storage=StorageConfig(key_file=tmp_path / "nowhere.key")
    )
    with pytest.raises(StorageError, match="does not exist"):
        load_key(config, NO_ENV)
    assert not config.data_dir.exists()


def test_a_lost_key_is_not_replaced_by_a_new_one(tmp_path: Path) -> None:
    if StorageConfig().key_file.exists():
        pytest.skip("this machine has a kiosk key file")
    data_dir = tmp_path / "data"
    open_kiosk_db(data_dir).close()
    (data_dir / DATA_DIR_KEY_NAME).unlink()
    before = files(data_dir)
    with pytest.raises(StorageError, match="its key is missing"):
        load_key(Config(data_dir=data_dir), NO_ENV)
    assert files(data_dir) == before  # no new key beside a database it cannot open


# -- a plain database from an older kiosk ----------------------------------------------------


def _plain_database(path: Path) -> None:
    """A plain kiosk database, as an older kiosk left it: its last commit still in the WAL."""
    source = path.parent / "older-kiosk" / "kiosk.db"
    opened = open_database(source, FakeClock())  # no key: plain
    try:
        Repository(opened.db, FakeClock()).add_assistant(FAMILY_NAME, "hash")
    finally:
        opened.close()
    writer = sqlite3.connect(source)
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute(
            "INSERT INTO assistants (name, pin_hash, created_at) VALUES (?, 'h', 't')", [NIR]
        )
        writer.commit()
        for name in ("kiosk.db", "kiosk.db-wal"):
            shutil.copy2(source.with_name(name), path.with_name(name))
    finally:
        writer.close()
    shutil.rmtree(source.parent)


def test_a_plain_database_is_encrypted_on_first_start(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    _plain_database(path)
    assert path.read_bytes().startswith(b"SQLite format 3")
    assert path.with_name("kiosk.db-wal").stat().st_size > 0
    (path.with_name("kiosk.db.encrypting")).write_bytes(b"left by a crash")  # and cleaned up
    opened = open_kiosk_db(tmp_path)
    try:
        assert opened.encrypted and opened.set_aside is None
        names = sorted(a.name for a in Repository(opened.db, FakeClock()).assistants())
        assert names == sorted([FAMILY_NAME, NIR])
    finally:
        opened.close()
    content = path.read_bytes()
    assert not content.startswith(b"SQLite format 3")
    assert FAMILY_NAME.encode() not in content and NIR.encode() not in content
    assert sorted(p.name for p in tmp_path.iterdir()) == [DATA_DIR_KEY_NAME, "kiosk.db"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.allow_log_warnings
def test_an_encryption_that_fails_leaves_the_plain_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kiosk.db"
    _plain_database(path)
    opened = open_database(path, FakeClock())  # checkpoint: the plain file alone holds it all
    opened.close()
    before = files(tmp_path)
    key = write_key(tmp_path / "key" / "db.key")

    def no_rename(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(database.os, "replace", no_rename)
    with pytest.raises(StorageError, match="could not be encrypted") as info:
        open_database(path, FakeClock(), key=key)
    assert "kept" in str(info.value)
    monkeypatch.undo()
    # The plain file is still there, plain, with all its rows; no partial copy is left.
    assert sorted(files(tmp_path)) == sorted(before)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT count(*) FROM assistants").fetchone() == (2,)
    finally:
        conn.close()
    opened = open_database(path, FakeClock(), key=key)  # the next start succeeds
    try:
        assert len(Repository(opened.db, FakeClock()).assistants()) == 2
    finally:
        opened.close()


def test_a_plain_database_in_use_is_not_encrypted_under_its_user(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    _plain_database(path)
    key = write_key(tmp_path / "key" / "db.key")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            f"c = sqlite3.connect({str(path)!r})\n"
            "c.execute('SELECT count(*) FROM assistants').fetchone()\n"
            "print('open', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        before = files(tmp_path)
        with pytest.raises(StorageError, match="another program has it open"):
            open_database(path, FakeClock(), key=key)
        assert files(tmp_path) == before
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
        assert holder.stdout is not None
        holder.stdout.close()
    opened = open_database(path, FakeClock(), key=key)
    opened.close()
    assert not path.read_bytes().startswith(b"SQLite format 3")


def test_logs_say_where_the_key_is_never_what(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "kiosk.db"
    _plain_database(path)
    key = write_key(tmp_path / "key" / "db.key")
    open_database(path, FakeClock(), key=key).close()
    assert "encrypting the plain database" in caplog.text
    assert str(tmp_path / "key" / "db.key") in caplog.text
    assert key.raw.hex() not in caplog.text and key.raw.hex().upper() not in caplog.text
