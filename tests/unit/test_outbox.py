"""The records outbox without a network: which sessions are queued and when, once; what waits
without a destination; what ``sent`` guarantees; retention of patient data and of the audit log on
an injected clock; the ``kiosk outbox`` command; the support bundle; the settings.

Deliveries to real endpoints are in tests/contract/test_outbox_delivery.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kiosk.clock import FakeClock
from kiosk.config import CallConfig, Config, RecordsConfig, load_config
from kiosk.errors import ConfigError
from kiosk.flow import State
from kiosk.records.delivery import TokenError, read_token
from kiosk.records.outbox import NO_DESTINATION, Outbox, RetentionRun
from kiosk.records.record import (
    ABANDONED,
    COMPLETED,
    REFERRED,
    ConsultationRecord,
    record_id_for,
)
from kiosk.services.support import write_support_bundle
from kiosk.storage import Repository
from kiosk.storage.repository import OutboxRow
from tests.unit.test_cli import assert_one_line_error, kiosk
from tests.unit.test_record import (
    ADVICE,
    CABIN,
    CONCLUSION,
    FAMILY_NAME,
    FORM,
    NIR,
    NO_FLAGS,
    Kit,
    abandoned_session,
    completed_session,
    make_kit,
    referred_session,
)

DAY = 86400.0
PATIENT_STRINGS = (FAMILY_NAME, FAMILY_NAME.upper(), FORM["given_names"], NIR, "1950-03-12")


def config_for(tmp_path: Path, endpoint: str = "", **records: Any) -> Config:
    return Config(
        data_dir=tmp_path,
        call=CallConfig(cabin=CABIN),
        records=RecordsConfig(endpoint=endpoint, **records),
    )


def outbox_of(kit: Kit, tmp_path: Path, endpoint: str = "", **records: Any) -> Outbox:
    return Outbox(kit.repo, config_for(tmp_path, endpoint, **records), kit.clock)


def row_of(repo: Repository, key: str) -> OutboxRow:
    row = repo.outbox_item(key)
    assert row is not None
    return row


def mark_sent(repo: Repository, key: str) -> None:
    """What a 2xx does to the row (the deliveries themselves are tested with real endpoints)."""
    row = row_of(repo, key)
    repo.outbox_mark_sending(row.id, "https://fhir.example.fr/fhir")
    repo.outbox_mark_sent(row.id, "https://fhir.example.fr/fhir")


def count(repo: Repository, table: str, session_id: str) -> int:
    row = repo.db.execute(
        f"SELECT COUNT(*) FROM {table} WHERE session_id = ?", [session_id]
    ).fetchone()
    return int(row[0])


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.02)


# -- queueing ------------------------------------------------------------------------------------
def test_every_ended_session_is_queued_once(kit: Kit, tmp_path: Path) -> None:
    completed = completed_session(kit)
    referred = referred_session(kit)
    abandoned = abandoned_session(kit)
    running = kit.begin()  # still going on: not a record yet
    outbox = outbox_of(kit, tmp_path)
    queued = outbox.queue_ended()
    assert queued == [record_id_for(s) for s in (completed, referred, abandoned)]
    assert outbox.queue_ended() == []  # once
    assert outbox.queue_session(completed) is None  # assembling it again queues nothing
    assert kit.repo.outbox_item(running) is None
    outcomes = {}
    for session_id in (completed, referred, abandoned):
        row = row_of(kit.repo, session_id)
        assert (row.state, row.attempts, row.record_id) == (
            "pending",
            0,
            record_id_for(session_id),
        )
        text = kit.repo.outbox_record(row.id)
        assert text is not None
        outcomes[session_id] = ConsultationRecord.from_json(text).outcome
    assert outcomes == {completed: COMPLETED, referred: REFERRED, abandoned: ABANDONED}
    with pytest.raises(sqlite3.IntegrityError):
        kit.repo.db.execute(
            "INSERT INTO outbox (record_id, session_id, created_at, created_at_epoch, state, "
            "updated_at) VALUES (?, ?, 'x', 0, 'pending', 'x')",
            [record_id_for(completed), completed],
        )


def test_the_record_is_queued_when_the_session_reaches_hygiene(kit: Kit, tmp_path: Path) -> None:
    kit.begin()
    kit.service.submit_triage("", "", {**NO_FLAGS, "stroke_signs": True})
    assert kit.state() is State.REFERRED
    session_id = kit.session_id
    outbox = outbox_of(kit, tmp_path)
    assert outbox.queue_ended() == []  # the emergency number is on screen: not over yet
    kit.tick(20)
    kit.service.close_session(State.REFERRED)
    assert kit.state() is State.HYGIENE
    reached_hygiene = kit.clock.now().isoformat()
    kit.tick(90)  # the cleaning takes its time: the record does not wait for it
    assert outbox.queue_ended() == [record_id_for(session_id)]
    text = kit.repo.outbox_record(row_of(kit.repo, session_id).id)
    assert text is not None
    record = ConsultationRecord.from_json(text)
    assert record.ended_at == reached_hygiene and record.outcome == REFERRED
    kit.clean_and_close()
    assert outbox.queue_ended() == []


@pytest.mark.asyncio
async def test_a_session_reaching_hygiene_wakes_the_outbox(kit: Kit, tmp_path: Path) -> None:
    outbox = outbox_of(kit, tmp_path)
    kit.service.subscribe(outbox.session_changed)
    await outbox.start()
    try:
        session_id = referred_session(kit)
        await wait_until(lambda: kit.repo.outbox_item(session_id) is not None)
        await wait_until(lambda: outbox.view().pending == 1)
    finally:
        await outbox.stop()
    assert outbox.view().items[0].session_id == session_id


@pytest.mark.asyncio
async def test_without_a_destination_records_wait_and_say_why(kit: Kit, tmp_path: Path) -> None:
    session_id = abandoned_session(kit)
    outbox = outbox_of(kit, tmp_path, endpoint="")
    outbox.queue_ended()
    assert await outbox.deliver_due() == 0
    row = row_of(kit.repo, session_id)
    assert (row.state, row.attempts, row.last_error_code) == ("pending", 0, NO_DESTINATION)
    assert row.last_error == "no destination configured (records.endpoint)"
    outbox.refresh()
    view = outbox.view()
    assert (view.pending, view.destination, view.items[0].last_error_code) == (
        1,
        "",
        NO_DESTINATION,
    )


def test_sent_is_final(kit: Kit, tmp_path: Path) -> None:
    session_id = referred_session(kit)
    outbox = outbox_of(kit, tmp_path)
    outbox.queue_ended()
    mark_sent(kit.repo, session_id)
    with pytest.raises(sqlite3.IntegrityError, match="never sent again"):
        kit.repo.db.execute("UPDATE outbox SET state = 'pending'")
    assert outbox.retry(session_id, "technician:1") is None
    assert kit.repo.outbox_due(kit.clock.now().timestamp() + 10 * DAY) == []
    assert row_of(kit.repo, session_id).state == "sent"


# -- retention -----------------------------------------------------------------------------------
def _patient_rows(repo: Repository, session_id: str) -> dict[str, int]:
    return {
        table: count(repo, table, session_id)
        for table in ("patients", "triage", "measurements", "images", "reports")
    }


@pytest.mark.allow_log_warnings
def test_retention_purges_only_delivered_records_after_the_delay(
    kit: Kit, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sent = completed_session(kit)
    waiting = abandoned_session(kit)
    outbox = outbox_of(kit, tmp_path, retention_days=7)
    outbox.queue_ended()
    mark_sent(kit.repo, sent)
    full = {"patients": 1, "triage": 1, "measurements": 5, "images": 1, "reports": 1}
    waiting_rows = _patient_rows(kit.repo, waiting)
    assert waiting_rows["patients"] == 1
    kit.tick(7 * DAY - 60)
    assert outbox.run_retention().purged == 0  # not yet
    assert _patient_rows(kit.repo, sent) == full
    kit.tick(60)
    run = outbox.run_retention()
    assert (run.purged, run.blocked) == (1, 1)
    assert _patient_rows(kit.repo, sent) == dict.fromkeys(full, 0)
    assert _patient_rows(kit.repo, waiting) == waiting_rows  # undelivered: never purged
    # What stays: the session, its consent answer, its outbox row (without the record), the
    # audit log.
    assert kit.repo.session(sent) is not None
    assert count(kit.repo, "consents", sent) == 1
    row = row_of(kit.repo, sent)
    assert row.purged_at is not None and kit.repo.outbox_record(row.id) is None
    actions = [r.action for r in kit.repo.audit_log(sent)]
    assert "transition" in actions and actions[-1] == "patient_data_purged"
    # Nothing about the patient is left in the rows that stay, nor in the file on the disk.
    kept = json.dumps(
        [list(r) for r in kit.repo.db.execute("SELECT * FROM sessions WHERE id = ?", [sent])]
        + [
            list(r)
            for r in kit.repo.db.execute("SELECT * FROM outbox WHERE session_id = ?", [sent])
        ]
        + [
            list(r)
            for r in kit.repo.db.execute("SELECT * FROM events WHERE session_id = ?", [sent])
        ]
        + [
            list(r)
            for r in kit.repo.db.execute("SELECT * FROM consents WHERE session_id = ?", [sent])
        ],
        ensure_ascii=False,
    )
    for text in (*PATIENT_STRINGS, CONCLUSION, ADVICE, '"systolic"', '"celsius"'):
        assert text not in kept
    assert "undelivered record(s) older than 7 days" in caplog.text
    assert FAMILY_NAME not in caplog.text and NIR not in caplog.text


def test_purged_data_is_gone_from_the_file_too(kit: Kit, tmp_path: Path) -> None:
    """Deleted rows leave their bytes in free pages and in the WAL unless they are scrubbed."""
    session_id = completed_session(kit)
    outbox = outbox_of(kit, tmp_path, retention_days=0)
    outbox.queue_ended()

    def on_disk() -> bytes:
        return b"".join(p.read_bytes() for p in sorted(tmp_path.glob("kiosk.db*")))

    assert FAMILY_NAME.encode() in on_disk()  # the test can see it (no encryption here)...
    mark_sent(kit.repo, session_id)
    assert outbox.run_retention().purged == 1
    raw = on_disk()
    for text in (*PATIENT_STRINGS, CONCLUSION, ADVICE):
        assert text.encode() not in raw, f"{text} is still in the database file"


@pytest.mark.allow_log_warnings
def test_undelivered_records_are_counted_for_the_technician(kit: Kit, tmp_path: Path) -> None:
    first = referred_session(kit)
    outbox = outbox_of(kit, tmp_path, retention_days=7)
    outbox.queue_ended()
    kit.tick(3 * DAY)
    referred_session(kit)
    outbox.queue_ended()
    kit.tick(4 * DAY)
    outbox.refresh()
    assert outbox.view().retention_blocked == 1  # only the first is past the delay
    assert outbox.run_retention().blocked == 1
    mark_sent(kit.repo, first)  # delivered at last: the delay starts from delivery
    outbox.refresh()
    assert outbox.view().retention_blocked == 0
    assert outbox.run_retention().purged == 0
    kit.tick(7 * DAY)
    assert outbox.run_retention() == RetentionRun(purged=1, audit_rows_deleted=0, blocked=1)
    assert kit.repo.identity(first) is None


def test_the_audit_log_rolls_after_six_months(kit: Kit, tmp_path: Path) -> None:
    outbox = outbox_of(kit, tmp_path)
    kit.repo.audit("system", "kiosk_started")
    old_ids = [r.id for r in kit.repo.audit_log()]
    kit.tick(100 * DAY)
    kit.repo.audit("system", "kiosk_started")
    kit.tick(83 * DAY + 60)  # the first row is now 183 days and a minute old
    assert outbox.run_retention().audit_rows_deleted == len(old_ids)
    remaining = kit.repo.audit_log()
    assert not {r.id for r in remaining} & set(old_ids)
    assert [r.action for r in remaining] == ["kiosk_started", "audit_log_rolled"]
    # The rows inside the six months are still append-only.
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        kit.repo.db.execute("DELETE FROM events")
    with pytest.raises(sqlite3.IntegrityError, match="only moves forward"):
        kit.repo.db.execute("UPDATE audit_rolling SET keep_from = '2000-01-01T00:00:00+00:00'")
    assert outbox.run_retention().audit_rows_deleted == 0


@pytest.mark.asyncio
async def test_retention_runs_at_start_and_then_hourly(kit: Kit, tmp_path: Path) -> None:
    session_id = referred_session(kit)
    outbox = outbox_of(kit, tmp_path, retention_days=0)
    outbox.queue_ended()
    mark_sent(kit.repo, session_id)
    await outbox.start()  # at start
    try:
        assert row_of(kit.repo, session_id).purged_at is not None
        second = referred_session(kit)
        await wait_until(lambda: kit.repo.outbox_item(second) is not None)
        mark_sent(kit.repo, second)
        kit.tick(1800)
        outbox.wake()
        await asyncio.sleep(0.2)
        assert row_of(kit.repo, second).purged_at is None  # not an hour since the last run
        kit.tick(1800)
        outbox.wake()
        await wait_until(lambda: row_of(kit.repo, second).purged_at is not None)
    finally:
        await outbox.stop()


# -- what people see ---------------------------------------------------------------------------
def test_the_support_bundle_lists_the_outbox_without_patient_data(kit: Kit, tmp_path: Path) -> None:
    sent = completed_session(kit)
    refused = referred_session(kit)
    config = config_for(tmp_path, "https://fhir.example.fr/fhir")
    outbox = Outbox(kit.repo, config, kit.clock)
    outbox.queue_ended()
    mark_sent(kit.repo, sent)
    row = row_of(kit.repo, refused)
    kit.repo.outbox_mark_sending(row.id, config.records.endpoint)
    kit.repo.outbox_mark_failed(row.id, "http_422", f"HTTP 422: birth date of {FAMILY_NAME}")
    path = write_support_bundle(tmp_path / "b.zip", config, kit.repo)
    with zipfile.ZipFile(path) as bundle:
        texts = {name: bundle.read(name).decode() for name in bundle.namelist()}
    state = json.loads(texts["outbox.json"])["outbox"]
    assert (state["sent"], state["failed"], state["destination_kind"]) == (1, 1, "https")
    failed = next(item for item in state["items"] if item["state"] == "failed")
    assert failed["record_id"] == record_id_for(refused) and failed["error"] == "http_422"
    for name, text in texts.items():
        for secret in PATIENT_STRINGS:
            assert secret not in text, f"{secret} found in {name}"


def test_kiosk_outbox_lists_and_retries(tmp_path: Path, pin_hash: str) -> None:
    clock = FakeClock(dt.datetime.now(dt.UTC))
    kit, opened = make_kit(tmp_path, pin_hash, clock)
    try:
        sent = completed_session(kit)
        refused = referred_session(kit)
        waiting = abandoned_session(kit)
        outbox = outbox_of(kit, tmp_path)
        outbox.queue_ended()
        mark_sent(kit.repo, sent)
        row = row_of(kit.repo, refused)
        kit.repo.outbox_mark_sending(row.id, "https://fhir.example.fr/fhir")
        kit.repo.outbox_mark_failed(row.id, "http_400", "HTTP 400 Bad Request: invalid")
    finally:
        opened.close()
    listed = kiosk(tmp_path, "outbox", "--json")
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert (data["pending"], data["sent"], data["failed"]) == (1, 1, 1)
    states = {item["session_id"]: item["state"] for item in data["items"]}
    assert states == {sent: "sent", refused: "failed", waiting: "pending"}
    text = kiosk(tmp_path, "outbox")
    assert text.returncode == 0, text.stderr
    assert "HTTP 400 Bad Request: invalid" in text.stdout
    assert "none configured" in text.stdout
    for secret in PATIENT_STRINGS:
        assert secret not in text.stdout + listed.stdout
    retried = kiosk(tmp_path, "outbox", "--retry", record_id_for(refused), "--json")
    assert retried.returncode == 0, retried.stderr
    data = json.loads(retried.stdout)
    assert data["retried"] == [record_id_for(refused)] and data["failed"] == 0
    again = kiosk(tmp_path, "outbox", "--retry", sent)
    assert "is sent: nothing to retry" in assert_one_line_error(again)
    unknown = kiosk(tmp_path, "outbox", "--retry", "nope")
    assert "no record 'nope'" in assert_one_line_error(unknown)


# -- settings ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("endpoint", "ok"),
    [
        ("", True),
        ("https://fhir.example.fr/fhir", True),
        ("file:///var/spool/kiosk-outbox", True),
        ("http://127.0.0.1:8080/fhir", True),
        ("http://fhir.example.fr/fhir", False),  # patient data in clear on the network
        ("https://user:pw@fhir.example.fr/fhir", False),  # the token goes in token_file
        ("file://server/share", False),
        ("ftp://example.fr/", False),
        ("https://fhir.example.fr/fhir?x=1", False),
    ],
)
def test_records_endpoint_setting(tmp_path: Path, endpoint: str, ok: bool) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[records]\nendpoint = "{endpoint}"\n', encoding="utf-8")
    if ok:
        assert load_config(path, environ={}).records.endpoint == endpoint
    else:
        with pytest.raises(ConfigError, match=r"records\.endpoint"):
            load_config(path, environ={})


def test_records_defaults_and_checks(tmp_path: Path) -> None:
    records = load_config(None, environ={"KIOSK_CONFIG": ""}).records
    assert (records.endpoint, records.retention_days, records.audit_keep_days) == ("", 7, 183)
    assert (records.retry_backoff_s, records.retry_backoff_max_s, records.timeout_s) == (
        30,
        3600,
        30,
    )
    env = {"KIOSK_RECORDS__RETENTION_DAYS": "-1"}
    with pytest.raises(ConfigError, match=r"records\.retention_days"):
        load_config(None, environ=env)
    env = {"KIOSK_RECORDS__RETRY_BACKOFF_MAX_S": "10"}
    with pytest.raises(ConfigError, match=r"records\.retry_backoff_max_s"):
        load_config(None, environ=env)


def test_the_token_file_must_be_private(tmp_path: Path) -> None:
    path = tmp_path / "token"
    with pytest.raises(TokenError, match="does not exist"):
        read_token(path)
    path.write_text("abc.def\n", encoding="utf-8")
    path.chmod(0o640)
    with pytest.raises(TokenError, match="chmod 600"):
        read_token(path)
    path.chmod(0o600)
    assert read_token(path) == "abc.def"
    path.write_text("two words\n", encoding="utf-8")
    with pytest.raises(TokenError, match="one token"):
        read_token(path)


@pytest.mark.asyncio
@pytest.mark.parametrize("turns", [0, 1, 2, 3, 4])
async def test_stop_right_after_a_wake_up_ends_the_worker(
    kit: Kit, tmp_path: Path, turns: int
) -> None:
    """A session published just before the kiosk stops: the stop must not be lost."""
    outbox = outbox_of(kit, tmp_path)
    await outbox.start()
    await asyncio.sleep(0.05)  # the worker waits for its next pass
    outbox.wake()
    for _ in range(turns):
        await asyncio.sleep(0)
    started = time.monotonic()
    await outbox.stop()
    assert time.monotonic() - started < 1.0


def test_sessions_closed_before_the_outbox_existed_are_queued(
    tmp_path: Path, pin_hash: str
) -> None:
    """A cabin upgraded from schema 4: what ended before is a record to deliver too."""
    from kiosk.storage import open_database
    from kiosk.storage.migrations import MIGRATIONS, migrate

    conn = sqlite3.connect(tmp_path / "kiosk.db")
    migrate(conn, "2026-01-05T08:00:00+00:00", MIGRATIONS[:4])
    conn.execute(
        "INSERT INTO assistants (id, name, pin_hash, created_at) VALUES (1, 'A', ?, 'x')",
        [pin_hash],
    )
    conn.execute(
        "INSERT INTO sessions (id, assistant_id, state, status, created_at, updated_at) "
        "VALUES ('old', 1, 'IDLE', 'closed', '2026-01-05T08:00:00+00:00', "
        "'2026-01-05T08:30:00+00:00')"
    )
    conn.execute(
        "INSERT INTO sessions (id, assistant_id, state, status, created_at, updated_at) "
        "VALUES ('parked', 1, 'MEASURE', 'parked', '2026-01-05T09:00:00+00:00', "
        "'2026-01-05T09:10:00+00:00')"
    )
    conn.commit()
    conn.close()
    clock = FakeClock()
    opened = open_database(tmp_path / "kiosk.db", clock)
    try:
        repo = Repository(opened.db, clock)
        outbox = Outbox(repo, config_for(tmp_path), clock)
        assert outbox.queue_ended() == [record_id_for("old")]
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            repo.db.execute("DELETE FROM events")
    finally:
        opened.close()
