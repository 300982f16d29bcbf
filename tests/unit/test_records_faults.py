"""Faults around the records: the disk full while saving (a still, a reading), and an abandoned
session's record through a flaky FHIR server. Each ends in a clear state: nothing lost, nothing
half-written, nothing sent twice.

The full disk is SQLite's own "database or disk is full" (SQLITE_FULL), raised here by
``PRAGMA max_page_count`` on the real encrypted database: the same error a full disk gives.
Deliveries against a scripted FHIR server one fault at a time are in
tests/contract/test_outbox_delivery.py; here the faults come one after the other, for a record
with a failed and a missing measurement and no doctor.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from kiosk import errors
from kiosk.config import CallConfig, Config, DevicesConfig, RecordsConfig
from kiosk.core import Core
from kiosk.flow import State
from kiosk.flow.triage import RED_FLAGS
from kiosk.records.outbox import Outbox
from kiosk.records.record import record_id_for
from kiosk.services.auth import hash_pin
from kiosk.services.devices import DeviceStatus
from kiosk.services.measurements import MeasurementService, RunView
from tests.contract.test_outbox_delivery import FhirServer, identifier_of, serve_fhir
from tests.unit.test_record import (
    CABIN,
    NO_FLAGS,
    PIN,
    THERMOMETER,
    Kit,
)

FORM = {
    "family_name": "Lemarchand",
    "given_names": "Josette",
    "birth_date": "09/05/1944",
    "sex": "female",
    "nir": "",
    "treating_physician": "",
}


async def wait_until(predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.02)
    return value


# -- the disk full ---------------------------------------------------------------------------------
@pytest_asyncio.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    config = Config(
        data_dir=tmp_path / "kiosk",
        devices=DevicesConfig(simulate=True, simulation_speed=25.0, room_camera=""),
    )
    made = Core(config)
    try:
        yield made
    finally:
        await made.stop()
        await asyncio.get_running_loop().shutdown_default_executor()


async def at_measure_step(core: Core) -> MeasurementService:
    await core.start()
    session = core.session
    assert session.sign_in(core.repo.add_assistant("Nadia", hash_pin(PIN)), PIN)
    session.start_session()
    session.submit_identity(FORM)
    session.record_consent(True)
    session.submit_triage("ear_pain", "", dict.fromkeys(RED_FLAGS, False))
    assert session.current_state() is State.MEASURE
    assert core.measurements is not None
    return core.measurements


def run_of(core: Core) -> RunView | None:
    view = core.session.snapshot().measure
    assert view is not None
    return view.run


async def measure(core: Core, kind: str, family: str) -> RunView:
    """Start a measurement and wait for its end: a result to accept, or a failure."""
    assert core.measurements is not None and core.devices is not None
    await core.devices.serial[family].wait_for(DeviceStatus.READY, 10.0)
    core.measurements.start(kind)
    done: RunView = await wait_until(
        lambda: (r := run_of(core)) is not None and r.phase != "running" and r, 40
    )
    return done


def set_page_limit(core: Core, pages: int) -> None:
    core.repo.db.execute(f"PRAGMA max_page_count = {pages}")


def page_count(core: Core) -> int:
    return int(core.repo.db.execute("PRAGMA page_count").fetchone()[0])


def fill_the_disk(core: Core, session_id: str) -> None:
    """No room left for a reading: no free page, and the last page of the measurements full.

    Rows of shrinking sizes until not even a small one fits: first in a table of their own
    (the free pages), then as discarded filler rows of the session (the measurements' last page).
    """
    db = core.repo.db
    db.execute("CREATE TABLE IF NOT EXISTS filler (b BLOB)")
    set_page_limit(core, page_count(core))
    inserts = (
        ("INSERT INTO filler VALUES (zeroblob(?))", lambda size: [size]),
        (
            "INSERT INTO measurements (session_id, kind, status, raw, taken_at) "
            "VALUES (?, 'filler', 'discarded', ?, '')",
            lambda size: [session_id, "0" * size],
        ),
    )
    for sql, args in inserts:
        for size in (4000, 1000, 200, 50, 10, 1):
            while True:
                try:
                    db.execute(sql, args(size))
                except Exception as exc:
                    assert "database or disk is full" in str(exc)
                    break


def free_the_disk(core: Core) -> None:
    core.repo.db.execute("DELETE FROM measurements WHERE kind = 'filler'")
    core.repo.db.execute("DROP TABLE filler")
    set_page_limit(core, 1_000_000_000)


def kept_readings(core: Core, session_id: str) -> list[tuple[int, str, Any]]:
    return [
        (m.id, m.status, m.reading)
        for m in core.repo.measurements(session_id)
        if m.kind != "filler"
    ]


def stored_stills(core: Core, session_id: str) -> dict[int, str]:
    rows = core.repo.db.execute(
        "SELECT id, png FROM images WHERE session_id = ? ORDER BY id", [session_id]
    ).fetchall()
    return {int(r[0]): hashlib.sha256(r[1]).hexdigest() for r in rows}


def assert_nothing_half_written(core: Core, session_id: str) -> None:
    db = core.repo.db
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    bare = db.execute(
        "SELECT COUNT(*) FROM images WHERE png IS NULL OR length(png) = 0 "
        "OR thumbnail IS NULL OR length(thumbnail) = 0"
    ).fetchone()[0]
    assert bare == 0, "a still row without its image"
    # Every "stored" line of the audit log names a row that exists, and the reverse.
    log = core.repo.audit_log(session_id)
    logged_images = {e.detail["image"] for e in log if e.action == "image_stored"}
    assert logged_images == set(stored_stills(core, session_id))
    logged = {e.detail["measurement"] for e in log if e.action == "measurement_stored"}
    assert logged == {m.id for m in core.repo.measurements(session_id) if m.status != "failed"}


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings  # the full disk is logged as an error, for the technician
async def test_a_full_disk_loses_nothing_stored_and_the_session_goes_on(
    core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    service = await at_measure_step(core)
    session_id = core.session.current_session_id
    assert session_id is not None
    # Before the disk fills: a blood pressure and a still of the left ear.
    bp = await measure(core, "blood_pressure", "bp")
    assert bp.phase == "result"
    service.accept()
    service.start("otoscope")
    await wait_until(lambda: (r := run_of(core)) is not None and r.step == "preview", 10)
    await service.capture("left_ear")
    before = stored_stills(core, session_id)
    assert len(before) == 1
    readings_before = kept_readings(core, session_id)

    # Almost full: small writes still fit, a 1280x960 still does not.
    set_page_limit(core, page_count(core) + 8)
    caplog.clear()
    await service.capture("right_ear")
    snap = core.session.snapshot()
    assert snap.notice is not None and snap.notice.code == errors.STORAGE_FULL
    assert stored_stills(core, session_id) == before  # nothing new, nothing damaged
    assert core.session.current_state() is State.MEASURE
    run = run_of(core)
    assert run is not None and run.step == "preview"  # the otoscope stays open: capture again
    full = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in full] == [
        "measure: the otoscope still not saved: the disk is full (database or disk is full); "
        "free some space"
    ]
    assert_nothing_half_written(core, session_id)
    await service.close()

    # Full while a reading is being taken: the reading is not kept, and the screen says why.
    assert core.devices is not None
    await core.devices.serial["thermometer"].wait_for(DeviceStatus.READY, 10.0)
    service.start("temperature")
    fill_the_disk(core, session_id)
    failed = await wait_until(
        lambda: (r := run_of(core)) is not None and r.phase != "running" and r, 40
    )
    assert (failed.phase, failed.error_code) == ("failed", errors.STORAGE_FULL)
    assert failed.error["device"] == "thermometer"
    assert "measure: the temperature reading not saved: the disk is full" in caplog.text
    assert kept_readings(core, session_id) == readings_before
    assert core.session.current_state() is State.MEASURE

    # Space is freed: nothing half-written is left, and the session goes on.
    free_the_disk(core)
    assert_nothing_half_written(core, session_id)

    # The next reading and the next still are stored, in the same session.
    temperature = await measure(core, "temperature", "thermometer")
    assert temperature.phase == "result"
    service.accept()
    service.start("otoscope")
    await wait_until(lambda: (r := run_of(core)) is not None and r.step == "preview", 10)
    await service.capture("right_ear")
    after = stored_stills(core, session_id)
    assert len(after) == 2 and after.items() >= before.items()
    assert [img.site for img in core.repo.images(session_id)] == ["left_ear", "right_ear"]
    kinds = [(m.kind, m.status) for m in core.repo.measurements(session_id)]
    assert kinds == [("blood_pressure", "accepted"), ("body_temperature", "accepted")]
    assert core.session.current_state() is State.MEASURE
    assert_nothing_half_written(core, session_id)


# -- an abandoned session through a flaky FHIR server ----------------------------------------------
@pytest_asyncio.fixture
async def server() -> AsyncIterator[FhirServer]:
    async with serve_fhir() as fhir:
        yield fhir
    await asyncio.get_running_loop().shutdown_default_executor()  # the Bundle and PDF builds


def abandoned_with_a_gap(kit: Kit) -> str:
    """The blood pressure failed, the temperature was taken, the SpO2 never was; then the
    patient left, before any doctor."""
    session_id = kit.begin(FORM)
    kit.service.submit_triage("fever", "", NO_FLAGS)
    kit.tick()
    kit.failure("blood_pressure", "bp", "DEVICE_TIMEOUT")
    kit.reading("body_temperature", {"celsius": 38.1, "site": "oral"}, THERMOMETER)
    kit.service.cancel(State.MEASURE, "patient_left")
    assert kit.state() is State.ABANDONED
    kit.tick()
    kit.service.close_session(State.ABANDONED)
    kit.clean_and_close()
    return session_id


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def codes(resource: dict[str, Any]) -> set[str]:
    return {c["code"] for c in resource["code"].get("coding", [])}


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings  # the attempts that fail are logged
async def test_an_abandoned_session_is_delivered_once_through_a_flaky_server(
    kit: Kit, tmp_path: Path, server: FhirServer
) -> None:
    session_id = abandoned_with_a_gap(kit)
    config = Config(
        data_dir=tmp_path,
        call=CallConfig(cabin=CABIN),
        records=RecordsConfig(endpoint=server.url, retry_backoff_s=30, timeout_s=5),
    )
    outbox = Outbox(kit.repo, config, kit.clock)
    assert outbox.queue_ended() == [record_id_for(session_id)]
    assert outbox.queue_ended() == []  # queued once

    # The line drops in the middle of the upload, then the server fails, then it takes it.
    server.script = ["close", "error", "created"]
    expected = ["interrupted", "http_500", "http_201"]
    for attempt, code in enumerate(expected, start=1):
        assert await outbox.deliver_due() == 1
        row = kit.repo.outbox_item(session_id)
        assert row is not None and row.attempts == attempt
        if code == "http_201":
            assert row.state == "sent"
        else:
            assert row.state == "pending" and row.last_error_code not in (None, "")
            assert await outbox.deliver_due() == 0  # not before its time: backoff
            kit.tick(3600)
    assert len(server.seen) == 3
    assert [s.if_none_exist is not None for s in server.seen] == [True] * 3
    assert list(server.stored) == [identifier_of(session_id)]  # exactly one bundle accepted

    bundle = json.loads(server.stored[identifier_of(session_id)])
    observations = resources(bundle, "Observation")
    by_code = {frozenset(codes(o)): o for o in observations}
    bp = next(o for o in observations if "85354-9" in codes(o))
    assert bp["status"] == "cancelled"
    assert "DEVICE_TIMEOUT" in bp["dataAbsentReason"]["text"]
    assert "component" not in bp and "valueQuantity" not in bp
    temperature = next(o for o in observations if "8310-5" in codes(o))
    assert temperature["status"] == "final"
    assert temperature["valueQuantity"]["value"] == pytest.approx(38.1)
    # The SpO2 never taken is not invented, nor is a doctor or a report.
    assert not any("59408-5" in c for c in by_code)
    assert len(observations) == 2
    assert not [p for p in resources(bundle, "Practitioner") if "Médecin" in json.dumps(p)]
    (composition,) = resources(bundle, "Composition")
    sections = {s["title"]: s for s in composition["section"]}
    report = sections["Compte rendu du médecin"]
    assert "emptyReason" in report and "entry" not in report
    assert "séance interrompue" in report["text"]["div"]
    assert "Conclusion" not in report["text"]["div"] and "Conseils" not in report["text"]["div"]
    assert "emptyReason" in sections["Prescription"]

    # The kiosk restarts: a new outbox on the same database sends nothing again.
    await outbox.stop()
    again = Outbox(kit.repo, config, kit.clock)
    await again.start()
    try:
        kit.tick(7200)
        again.wake()
        await asyncio.sleep(0.3)
        assert await again.deliver_due() == 0
        assert again.queue_ended() == []
    finally:
        await again.stop()
    assert len(server.seen) == 3
    row = kit.repo.outbox_item(session_id)
    assert row is not None and (row.state, row.attempts) == ("sent", 3)
