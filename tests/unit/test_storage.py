"""Tests of kiosk.storage on real SQLite files: pragmas, migrations, recovery, repository."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.clock import FakeClock
from kiosk.errors import StorageError
from kiosk.identity import PatientIdentity, Sex
from kiosk.storage import OpenedDatabase, Repository, open_database
from kiosk.storage.migrations import MIGRATIONS, Migration, current_version, migrate

NEWEST = max(m.version for m in MIGRATIONS)
TABLES = {
    "schema_migrations",
    "assistants",
    "pin_attempts",
    "sessions",
    "patients",
    "consents",
    "triage",
    "events",
}
IDENTITY = PatientIdentity(
    family_name="Lefèvre",
    given_names="Anne-Marie",
    birth_date=datetime.date(1948, 11, 30),
    sex=Sex.FEMALE,
    nir="248113512345697",
    treating_physician="Dr Roux",
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def opened(tmp_path: Path, clock: FakeClock) -> Iterator[OpenedDatabase]:
    opened = open_database(tmp_path / "kiosk.db", clock)
    yield opened
    opened.close()


@pytest.fixture
def repo(opened: OpenedDatabase, clock: FakeClock) -> Repository:
    return Repository(opened.db, clock)


def tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def count(repo: Repository, table: str) -> int:
    return int(repo.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def aside_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".unreadable-" in p.name)


# -- opening and migrations ------------------------------------------------------------------


def test_empty_database_migrates_to_the_newest_version(opened: OpenedDatabase) -> None:
    conn = opened.db.conn
    assert opened.set_aside is None
    assert current_version(conn) == NEWEST
    assert tables(conn) >= TABLES
    rows = conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    assert [v for (v,) in rows] == [m.version for m in MIGRATIONS]


def test_opening_twice_is_idempotent(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "kiosk.db"
    first = open_database(path, clock)
    applied = first.db.conn.execute("SELECT * FROM schema_migrations").fetchall()
    Repository(first.db, clock).add_assistant("Alice", "hash")
    first.close()
    clock.advance(3600)
    second = open_database(path, clock)
    try:
        assert second.set_aside is None
        assert current_version(second.db.conn) == NEWEST
        # Same rows, same dates: nothing was applied again.
        assert second.db.conn.execute("SELECT * FROM schema_migrations").fetchall() == applied
        assert [a.name for a in Repository(second.db, clock).assistants()] == ["Alice"]
    finally:
        second.close()


def test_migrations_are_numbered_in_order() -> None:
    versions = [m.version for m in MIGRATIONS]
    assert versions == list(range(1, len(versions) + 1))


def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db")
    try:
        assert migrate(conn, "t0") == NEWEST
        broken = Migration(
            NEWEST + 1,
            "half-broken",
            ("CREATE TABLE extra (x INTEGER)", "INSERT INTO no_such_table VALUES (1)"),
        )
        with pytest.raises(sqlite3.OperationalError):
            migrate(conn, "t1", (*MIGRATIONS, broken))
        assert current_version(conn) == NEWEST
        assert "extra" not in tables(conn)  # the first statement was rolled back too
        # A working next migration applies once, on top.
        fixed = Migration(NEWEST + 1, "fixed", ("CREATE TABLE extra (x INTEGER)",))
        assert migrate(conn, "t2", (*MIGRATIONS, fixed)) == NEWEST + 1
        assert migrate(conn, "t3", (*MIGRATIONS, fixed)) == NEWEST + 1
        assert "extra" in tables(conn)
    finally:
        conn.close()


def test_pragmas(opened: OpenedDatabase) -> None:
    conn = opened.db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)


def test_integrity_check_ok(repo: Repository) -> None:
    repo.add_assistant("Alice", "hash")
    assert repo.db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_database_file_is_private(opened: OpenedDatabase) -> None:
    assert opened.path.stat().st_mode & 0o777 == 0o600


# -- the audit log is append-only ------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET action = 'nothing happened'",
        "UPDATE events SET detail = '{}' WHERE id = 1",
        "DELETE FROM events",
        "DELETE FROM events WHERE id = 1",
    ],
)
def test_audit_log_refuses_updates_and_deletions(repo: Repository, statement: str) -> None:
    repo.audit("assistant:1", "sign_in", None, {"n": 1})
    before = repo.audit_log()
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        repo.db.execute(statement)
    assert repo.audit_log() == before
    repo.audit("assistant:1", "sign_out")  # still writable afterwards (no transaction left open)
    assert [row.action for row in repo.audit_log()] == ["sign_in", "sign_out"]


def test_audit_log_round_trip(repo: Repository, clock: FakeClock) -> None:
    repo.audit("system", "kiosk_started")
    clock.advance(5)
    repo.audit("assistant:3", "session_parked", "s1", {"reason": "signed out"})
    everything = repo.audit_log()
    assert [(r.actor, r.action, r.session_id, r.detail) for r in everything] == [
        ("system", "kiosk_started", None, {}),
        ("assistant:3", "session_parked", "s1", {"reason": "signed out"}),
    ]
    assert everything[1].at == "2026-03-02T09:00:05+00:00"
    assert [r.action for r in repo.audit_log("s1")] == ["session_parked"]


# -- recovery from an unreadable file --------------------------------------------------------


def _valid_database_bytes(tmp_path: Path) -> bytes:
    source = tmp_path / "source" / "kiosk.db"
    opened = open_database(source, FakeClock())
    opened.close()
    return source.read_bytes()


@pytest.mark.allow_log_warnings
@pytest.mark.parametrize("kind", ["random", "truncated-header", "truncated-pages", "text"])
def test_unreadable_file_is_moved_aside_untouched(tmp_path: Path, kind: str) -> None:
    if kind == "random":
        content = os.urandom(8192)
    elif kind == "truncated-header":
        content = _valid_database_bytes(tmp_path)[:50]
    elif kind == "truncated-pages":
        valid = _valid_database_bytes(tmp_path)
        content = valid[: len(valid) // 2]
    else:
        content = b"# kiosk notes\nThis is not a database at all.\n" * 20
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "kiosk.db"
    path.write_bytes(content)

    opened = open_database(path, FakeClock())
    try:
        assert opened.set_aside is not None
        assert opened.set_aside.parent == folder
        assert opened.set_aside.name == "kiosk.db.unreadable-20260302T090000"
        assert opened.set_aside.read_bytes() == content
        # A fresh, working database took its place.
        assert current_version(opened.db.conn) == NEWEST
        repo = Repository(opened.db, FakeClock())
        assert repo.assistants() == []
        repo.add_assistant("Alice", "hash")
    finally:
        opened.close()


@pytest.mark.allow_log_warnings
@pytest.mark.parametrize("damage", ["truncated", "random-main", "bad-page"])
def test_unreadable_file_is_moved_aside_with_its_wal(tmp_path: Path, damage: str) -> None:
    """Committed rows still in the WAL must reach the set-aside copy, and the file must not be
    changed (a read-write close would checkpoint the WAL into it and delete the WAL)."""
    source = tmp_path / "source" / "kiosk.db"
    open_database(source, FakeClock()).close()
    writer = sqlite3.connect(source)
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("CREATE TABLE notes (x BLOB)")
        for _ in range(50):
            writer.execute("INSERT INTO notes VALUES (?)", (os.urandom(300),))
        writer.commit()
        main = source.read_bytes()
        wal = source.with_name("kiosk.db-wal").read_bytes()
    finally:
        writer.close()
    assert wal  # the test needs committed data that only the WAL holds
    if damage == "truncated":
        main = main[: len(main) // 2]
    elif damage == "random-main":
        main = os.urandom(len(main))
    else:
        page = 4096
        main = main[: 2 * page] + os.urandom(page) + main[3 * page :]
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "kiosk.db"
    path.write_bytes(main)
    path.with_name("kiosk.db-wal").write_bytes(wal)

    opened = open_database(path, FakeClock())
    try:
        aside = opened.set_aside
        assert aside is not None
        assert aside.read_bytes() == main
        assert aside.with_name(aside.name + "-wal").read_bytes() == wal
        assert current_version(opened.db.conn) == NEWEST
        assert "notes" not in tables(opened.db.conn)
    finally:
        opened.close()


def test_valid_database_with_a_wal_keeps_its_rows(tmp_path: Path) -> None:
    """A database copied (or left by a power cut) with its WAL is not mistaken for a bad one."""
    source = tmp_path / "source" / "kiosk.db"
    open_database(source, FakeClock()).close()
    writer = sqlite3.connect(source)
    folder = tmp_path / "data"
    folder.mkdir()
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute(
            "INSERT INTO assistants (name, pin_hash, created_at) VALUES ('Alice', 'h', 't')"
        )
        writer.commit()
        for name in ("kiosk.db", "kiosk.db-wal"):
            shutil.copyfile(source.with_name(name), folder / name)
    finally:
        writer.close()
    opened = open_database(folder / "kiosk.db", FakeClock())
    try:
        assert opened.set_aside is None
        assert [a.name for a in Repository(opened.db, FakeClock()).assistants()] == ["Alice"]
    finally:
        opened.close()
    assert aside_files(folder) == []


@pytest.mark.allow_log_warnings
def test_two_bad_files_in_the_same_second_do_not_collide(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    clock = FakeClock()
    contents = [b"first bad file" * 100, b"second bad file" * 100]
    asides = []
    for content in contents:
        path.write_bytes(content)
        opened = open_database(path, clock)
        asides.append(opened.set_aside)
        opened.close()
        # Remove the fresh database so the next bad file takes its place.
        for name in ("kiosk.db", "kiosk.db-wal", "kiosk.db-shm"):
            (tmp_path / name).unlink(missing_ok=True)
    assert asides[0] is not None and asides[1] is not None
    assert asides[0] != asides[1]
    assert [a.read_bytes() for a in asides] == contents


def test_newer_schema_is_refused_and_not_moved(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    opened = open_database(path, FakeClock())
    Repository(opened.db, FakeClock()).add_assistant("Alice", "hash")
    opened.db.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 't')",
        [NEWEST + 1],
    )
    opened.close()

    with pytest.raises(StorageError) as info:
        open_database(path, FakeClock())
    assert info.value.code == "STORAGE_FAILED"
    assert info.value.params == {"path": str(path)}
    assert str(NEWEST + 1) in str(info.value)
    assert aside_files(tmp_path) == []
    # The file is where it was, with its data.
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT name FROM assistants").fetchall() == [("Alice",)]
        assert current_version(conn) == NEWEST + 1
    finally:
        conn.close()


def test_locked_database_is_not_moved_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program holding the file is no sign of damage: refuse, do not start afresh."""
    path = tmp_path / "kiosk.db"
    opened = open_database(path, FakeClock())
    Repository(opened.db, FakeClock()).add_assistant("Alice", "hash")
    opened.close()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        real_connect = sqlite3.connect

        def impatient_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            kwargs["timeout"] = 0.05  # the kiosk waits 5 s; the test need not
            return real_connect(*args, **kwargs)

        monkeypatch.setattr(sqlite3, "connect", impatient_connect)
        with pytest.raises(StorageError, match="locked") as info:
            open_database(path, FakeClock())
        assert info.value.params == {"path": str(path)}
        monkeypatch.undo()
        assert aside_files(tmp_path) == []
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    reopened = open_database(path, FakeClock())
    try:
        assert reopened.set_aside is None
        assert [a.name for a in Repository(reopened.db, FakeClock()).assistants()] == ["Alice"]
    finally:
        reopened.close()


# -- repository ------------------------------------------------------------------------------


def new_session(repo: Repository, name: str = "Alice") -> tuple[int, str]:
    assistant_id = repo.add_assistant(name, "hash")
    return assistant_id, repo.create_session(assistant_id, "IDENTIFY")


def test_assistant_names_are_unique_ignoring_case(repo: Repository) -> None:
    alice = repo.add_assistant("Alice", "hash-a")
    events_before = count(repo, "events")
    with pytest.raises(sqlite3.IntegrityError):
        repo.add_assistant("ALICE", "hash-b")
    assert count(repo, "events") == events_before  # no audit row for what did not happen
    found = repo.assistant_by_name("aLiCe")
    assert found is not None
    assert (found.id, found.name, found.pin_hash, found.disabled) == (
        alice,
        "Alice",
        "hash-a",
        False,
    )
    assert repo.assistant_by_name("Bob") is None


def test_assistants_listing_and_disabling(repo: Repository) -> None:
    bob = repo.add_assistant("bob", "h")
    alice = repo.add_assistant("Alice", "h")
    assert [a.name for a in repo.assistants()] == ["Alice", "bob"]  # by name, any case
    repo.set_assistant_disabled(bob, True)
    assert [a.id for a in repo.assistants(include_disabled=False)] == [alice]
    disabled = repo.assistant(bob)
    assert disabled is not None and disabled.disabled is True
    assert [r.action for r in repo.audit_log()][-1] == "assistant_disabled"
    assert repo.assistant(9999) is None


def test_pin_attempts_newest_first(repo: Repository, clock: FakeClock) -> None:
    alice = repo.add_assistant("Alice", "h")
    start = clock.now().timestamp()
    repo.record_pin_attempt(alice, False)
    clock.advance(2)
    repo.record_pin_attempt(None, False)
    clock.advance(2)
    repo.record_pin_attempt(alice, True)
    assert repo.recent_pin_attempts(2) == [(start + 4, True), (start + 2, False)]
    actions = [(r.actor, r.action) for r in repo.audit_log()][-3:]
    assert actions == [
        (f"assistant:{alice}", "sign_in_failed"),
        ("unknown", "sign_in_failed"),
        (f"assistant:{alice}", "sign_in"),
    ]


def test_session_round_trip(repo: Repository, clock: FakeClock) -> None:
    assistant_id, session_id = new_session(repo)
    row = repo.session(session_id)
    assert row is not None
    assert (row.assistant_id, row.state, row.status, row.end_reason) == (
        assistant_id,
        "IDENTIFY",
        "open",
        None,
    )
    clock.advance(10)
    repo.update_session(session_id, "ABANDONED", "open", "cancelled (patient_left)")
    repo.update_session(session_id, "IDLE", "closed")
    row = repo.session(session_id)
    assert row is not None
    assert (row.state, row.status, row.end_reason) == ("IDLE", "closed", "cancelled (patient_left)")
    assert row.updated_at == "2026-03-02T09:00:10+00:00"
    assert repo.session("nope") is None


def test_unfinished_sessions_newest_first(repo: Repository, clock: FakeClock) -> None:
    assistant_id, older = new_session(repo)
    clock.advance(1)
    newer = repo.create_session(assistant_id, "CONSENT")
    clock.advance(1)
    closed = repo.create_session(assistant_id, "TRIAGE")
    repo.update_session(older, "IDENTIFY", "parked")
    clock.advance(1)
    repo.update_session(newer, "CONSENT", "open")
    repo.update_session(closed, "IDLE", "closed")
    assert [s.id for s in repo.unfinished_sessions()] == [newer, older]


def test_identity_round_trip_and_upsert(repo: Repository) -> None:
    _, session_id = new_session(repo)
    assert repo.identity(session_id) is None
    repo.save_identity(session_id, IDENTITY)
    assert repo.identity(session_id) == IDENTITY
    corrected = PatientIdentity(
        family_name="Lefèvre",
        given_names="Anne",
        birth_date=datetime.date(1948, 11, 30),
        sex=Sex.FEMALE,
        nir=None,
        treating_physician=None,
    )
    repo.save_identity(session_id, corrected)
    assert repo.identity(session_id) == corrected
    assert count(repo, "patients") == 1


def test_consent_latest_row_wins(repo: Repository, clock: FakeClock) -> None:
    assistant_id, session_id = new_session(repo)
    assert repo.consent(session_id) is None
    repo.save_consent(session_id, False, ("who_sees_the_data",), assistant_id)
    clock.advance(30)
    repo.save_consent(
        session_id, True, ("what_is_teleconsultation", "may_stop_anytime"), assistant_id
    )
    consent = repo.consent(session_id)
    assert consent is not None
    assert consent.accepted is True
    assert consent.explained == ("what_is_teleconsultation", "may_stop_anytime")
    assert consent.recorded_at == "2026-03-02T09:00:30+00:00"
    assert count(repo, "consents") == 2  # the earlier answer is kept


def test_triage_round_trip(repo: Repository) -> None:
    _, session_id = new_session(repo)
    assert repo.triage(session_id) is None
    repo.save_triage(session_id, "fever", "since Monday", ())
    repo.save_triage(session_id, "other", "", ("chest_pain", "stroke_signs"))
    triage = repo.triage(session_id)
    assert triage is not None
    assert (triage.reason, triage.details, triage.red_flags) == (
        "other",
        "",
        ("chest_pain", "stroke_signs"),
    )
    assert count(repo, "triage") == 1


def test_purge_patient_data_keeps_consent_and_session(
    tmp_path: Path, opened: OpenedDatabase, repo: Repository
) -> None:
    assistant_id, session_id = new_session(repo)
    _, other_session = new_session(repo, "Bob")
    for sid in (session_id, other_session):
        repo.save_identity(sid, IDENTITY)
        repo.save_consent(sid, False, ("who_sees_the_data",), assistant_id)
        repo.save_triage(sid, "fever", "", ())
    repo.purge_patient_data(session_id)
    opened.close()

    # Read back from a new connection: the purge is committed, not just visible to its writer.
    reopened = open_database(tmp_path / "kiosk.db", FakeClock())
    try:
        fresh = Repository(reopened.db, FakeClock())
        assert fresh.identity(session_id) is None
        assert fresh.triage(session_id) is None
        consent = fresh.consent(session_id)
        assert consent is not None and consent.accepted is False
        assert fresh.session(session_id) is not None
        # Another session's patient is untouched.
        assert fresh.identity(other_session) == IDENTITY
        assert fresh.triage(other_session) is not None
    finally:
        reopened.close()


def test_atomic_groups_writes(repo: Repository, opened: OpenedDatabase) -> None:
    _, session_id = new_session(repo)
    events_before = count(repo, "events")
    with pytest.raises(RuntimeError, match="power cut"), opened.db.atomic():
        repo.update_session(session_id, "CONSENT", "open")
        repo.audit("assistant:1", "transition", session_id, {"to": "CONSENT"})
        raise RuntimeError("power cut")
    row = repo.session(session_id)
    assert row is not None and row.state == "IDENTIFY"
    assert count(repo, "events") == events_before
    # And without the exception both rows land.
    with repo.atomic():
        repo.update_session(session_id, "CONSENT", "open")
        repo.audit("assistant:1", "transition", session_id, {"to": "CONSENT"})
    row = repo.session(session_id)
    assert row is not None and row.state == "CONSENT"
    assert count(repo, "events") == events_before + 1


def test_atomic_rolls_back_a_nested_operation(repo: Repository) -> None:
    """add_assistant has its own atomic block: an outer failure still undoes it."""
    with pytest.raises(RuntimeError), repo.atomic():
        repo.add_assistant("Alice", "hash")
        raise RuntimeError("later step failed")
    assert repo.assistants() == []
    assert repo.audit_log() == []


def test_audit_details_are_json(repo: Repository) -> None:
    repo.audit("system", "x", None, {"b": 2, "a": [1, "é"]})
    raw = repo.db.execute("SELECT detail FROM events").fetchone()[0]
    assert json.loads(raw) == {"a": [1, "é"], "b": 2}


# -- measurements, stills, device checks (schema version 2) ------------------------------------
def test_a_reading_keeps_its_values_device_raw_bytes_and_author(repo: Repository) -> None:
    assistant_id, session_id = new_session(repo)
    device = {"family": "bp", "model": "SunTech Advantage", "serial": None}
    measurement_id = repo.add_measurement(
        session_id,
        "blood_pressure",
        "pending",
        {"systolic": 121, "diastolic": 79, "mean": 93, "pulse": 70},
        ("artifact",),
        device,
        "2026-11-23T10:00:00+00:00",
        assistant_id,
        raw=bytes.fromhex("3e18"),
    )
    repo.set_measurement_status(measurement_id, "accepted")
    (row,) = repo.measurements(session_id, status="accepted")
    assert row.reading["systolic"] == 121 and row.flags == ("artifact",)
    assert row.device == device and row.raw == "3e18" and row.taken_by == assistant_id
    assert row.error is None


def test_a_failed_attempt_is_kept_with_its_error(repo: Repository) -> None:
    assistant_id, session_id = new_session(repo)
    repo.add_measurement(
        session_id,
        "blood_pressure",
        "failed",
        {},
        (),
        {"family": "bp"},
        "2026-11-23T10:00:00+00:00",
        assistant_id,
        error={"code": "MEASUREMENT_FAILED", "params": {"advice": "stay_still"}},
    )
    (row,) = repo.measurements(session_id)
    assert row.status == "failed" and row.error == {
        "code": "MEASUREMENT_FAILED",
        "params": {"advice": "stay_still"},
    }
    with pytest.raises(sqlite3.IntegrityError):
        repo.add_measurement(
            session_id, "x", "lost", {}, (), {}, "2026-11-23T10:00:00+00:00", assistant_id
        )


def test_stills_are_kept_whole_and_discarded_by_status(repo: Repository) -> None:
    assistant_id, session_id = new_session(repo)
    png = b"\x89PNG" + bytes(range(256)) * 100
    kept = repo.add_image(
        session_id,
        "left_ear",
        png,
        b"jpeg",
        1280,
        960,
        812.5,
        {"family": "camera"},
        "2026-11-23T10:00:00+00:00",
        assistant_id,
    )
    dropped = repo.add_image(
        session_id,
        "right_ear",
        png,
        b"jpeg",
        1280,
        960,
        12.0,
        {"family": "camera"},
        "2026-11-23T10:00:01+00:00",
        assistant_id,
    )
    repo.discard_image(dropped)
    assert [row.id for row in repo.images(session_id)] == [kept]
    assert [row.id for row in repo.images(session_id, status=None)] == [kept, dropped]
    assert repo.image_png(kept) == png


def test_consent_refused_purges_measurements_and_stills(repo: Repository) -> None:
    assistant_id, session_id = new_session(repo)
    repo.add_measurement(
        session_id,
        "oximetry",
        "accepted",
        {"spo2": 97},
        (),
        {},
        "2026-11-23T10:00:00+00:00",
        assistant_id,
    )
    repo.add_image(
        session_id,
        "left_ear",
        b"png",
        b"jpeg",
        1,
        1,
        1.0,
        {},
        "2026-11-23T10:00:00+00:00",
        assistant_id,
    )
    repo.purge_patient_data(session_id)
    assert repo.measurements(session_id) == [] and repo.images(session_id, status=None) == []


def test_device_checks_history(repo: Repository) -> None:
    repo.add_device_check("bp", True, "all good", {"post": 0}, {"model": "SunTech Advantage"})
    repo.add_device_check("bp", False, "no answer", {}, {})
    assert [(c.ok, c.summary) for c in repo.device_checks("bp")] == [
        (True, "all good"),
        (False, "no answer"),
    ]
