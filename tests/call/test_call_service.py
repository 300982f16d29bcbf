"""The whole call, without a browser: the kiosk's core with simulated devices, the real portal on
127.0.0.1, and a doctor written in Python from docs/signaling.md (a real aiortc peer).

The doctor sees the patient (frame counters decoded from the picture) and hears them, gets the
measurements as they are accepted, asks for one, gets an otoscope still, and sends the report that
moves the session to REPORT. A lost connection is seen within 5 s, rebuilt, and what was measured
meanwhile arrives.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from kiosk.call.state import CALL_AUTH_FAILED, CALL_NOT_CONFIGURED, CallPhase
from kiosk.clock import SystemClock
from kiosk.config import CallConfig, Config, DevicesConfig, PortalConfig
from kiosk.core import Core
from kiosk.flow import CallCancelled, CallDoctor, State
from kiosk.flow.triage import RED_FLAGS
from kiosk.portal.server import start_portal
from kiosk.portal.store import PortalStore
from kiosk.portal_commands import ensure_demo_accounts
from kiosk.services.auth import hash_pin
from kiosk.services.devices import DeviceStatus
from tests.support.doctor import PythonDoctor

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

PIN = "2468"
FORM = {
    "family_name": "Morel",
    "given_names": "Jeanne",
    "birth_date": "02/03/1959",
    "sex": "female",
    "nir": "",
    # Free text, as assistants type it: the portal must still take the call (only an RPPS
    # number would be sent to it).
    "treating_physician": "Dr Lefèvre",
}


async def wait_until(predicate: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in time: {what}")
        await asyncio.sleep(0.02)


@dataclass
class Cabin:
    core: Core
    doctor: PythonDoctor

    @property
    def state(self) -> State:
        return self.core.session.current_state()

    def call(self) -> Any:
        snap = self.core.session.snapshot().call
        assert snap is not None
        return snap


def cabin_config(tmp_path: Path, url: str, cabin: str, secret: str) -> Config:
    return Config(
        data_dir=tmp_path / "kiosk",
        devices=DevicesConfig(simulate=True, simulation_speed=25.0),
        call=CallConfig(
            portal_url=url,
            cabin=cabin,
            cabin_secret=secret,
            loopback_only=True,
            heartbeat_s=0.5,
            speaker="alsa:null",  # the doctor's voice goes through the real playback path
        ),
    )


async def at_measure_step(core: Core) -> None:
    await core.start()
    session = core.session
    assistant = core.repo.add_assistant("Nadia", hash_pin(PIN))
    assert session.sign_in(assistant, PIN)
    session.start_session()
    session.submit_identity(FORM)
    session.record_consent(True)
    session.submit_triage("fever", "", dict.fromkeys(RED_FLAGS, False))
    assert session.current_state() is State.MEASURE


async def take(core: Core, kind: str) -> None:
    """Take one measurement with the simulator and accept it, as the assistant would."""
    assert core.measurements is not None and core.devices is not None
    family = {"blood_pressure": "bp", "temperature": "thermometer", "spo2": "oximeter"}[kind]
    await core.devices.serial[family].wait_for(DeviceStatus.READY, 10.0)
    core.measurements.start(kind)
    await accept_when_done(core)


async def accept_when_done(core: Core) -> None:
    def result() -> bool:
        view = core.session.snapshot().measure
        return view is not None and view.run is not None and view.run.phase == "result"

    await wait_until(result, 40, "a measurement result")
    assert core.measurements is not None
    core.measurements.accept()


@pytest_asyncio.fixture
async def cabin_in_call(
    tmp_path: Path, portal: tuple[str, tuple[str, str, str, str]]
) -> AsyncIterator[Cabin]:
    url, (doctor_name, doctor_password, cabin_name, secret) = portal
    core = Core(cabin_config(tmp_path, url, cabin_name, secret))
    doctor = PythonDoctor(url, doctor_name, doctor_password)
    try:
        await at_measure_step(core)
        await take(core, "blood_pressure")
        response = await doctor.login()
        assert response.status == 303
        await doctor.connect()
        core.session.apply(CallDoctor(), State.MEASURE)
        cabin = Cabin(core, doctor)
        await wait_until(lambda: cabin.call().phase is CallPhase.WAITING, 15, "waiting room")
        assert cabin.call().position == 1
        entries = await doctor.queue()
        assert entries[0]["reason"] == "fever" and entries[0]["age"] == 67
        assert "Morel" not in str(entries)  # nothing but what a doctor needs to choose
        await doctor.pick(entries[0]["call_id"])
        await wait_until(lambda: cabin.state is State.IN_CALL, 15, "the doctor joined")
        await wait_until(lambda: cabin.call().phase is CallPhase.IN_CALL, 15, "media flowing")
        yield cabin
    finally:
        await doctor.close()
        await core.stop()
        await asyncio.get_running_loop().shutdown_default_executor()


async def test_the_doctor_sees_hears_and_gets_the_file_and_the_measurements(
    cabin_in_call: Cabin,
) -> None:
    cabin, doctor = cabin_in_call, cabin_in_call.doctor
    # The patient's file, with the blood pressure taken before the call.
    session_msg = await doctor.wait_for(lambda: doctor.received("session"))
    file = session_msg[0]
    assert file["patient"]["last_name"] == "Morel" and file["patient"]["age"] == 67
    assert [m["kind"] for m in file["measurements"]] == ["bp"]
    assert file["measurements"][0]["values"]["systolic"] == 120
    # Video: frame counters decoded from the room camera's picture keep increasing.
    await doctor.wait_for(lambda: len(doctor.video_counters) >= 30, 20)
    counters = doctor.video_counters[-30:]
    assert counters == sorted(counters) and counters[-1] > counters[0]
    # Audio arrives, and the doctor's picture reaches the cabin's screen.
    await doctor.wait_for(lambda: doctor.audio_frames >= 50, 10)
    frames: list[str] = []
    assert cabin.core.call is not None
    cabin.core.call.subscribe_video(lambda who, image: frames.append(who))
    await wait_until(lambda: "doctor" in frames and "self" in frames, 10, "video on the cabin")
    # The doctor asks for a temperature: nothing starts before the assistant confirms.
    doctor.send_reliable("request", request_id="r-1", action="take_temperature")
    await wait_until(lambda: cabin.call().requests, 10, "the request on the cabin's screen")
    assert cabin.call().requests[0].action == "take_temperature"
    view = cabin.core.session.snapshot().measure
    assert view is not None and view.run is None
    cabin.core.call.confirm_request("r-1")
    await accept_when_done(cabin.core)
    measurement = await doctor.wait_for(
        lambda: [m for m in doctor.received("measurement") if m["kind"] == "temperature"]
    )
    assert measurement[0]["values"]["celsius"] == pytest.approx(37.0, abs=0.6)
    statuses = await doctor.wait_for(
        lambda: (
            [m["status"] for m in doctor.received("request.status")]
            if "done" in [m["status"] for m in doctor.received("request.status")]
            else None
        )
    )
    assert statuses[:2] == ["confirmed", "done"]
    # Everything the doctor acknowledged leaves the cabin's queue.
    await wait_until(lambda: cabin.call().undelivered == 0, 5, "all delivered")


async def test_an_otoscope_still_reaches_the_doctor_in_full_resolution(
    cabin_in_call: Cabin,
) -> None:
    cabin, doctor = cabin_in_call, cabin_in_call.doctor
    assert cabin.core.measurements is not None
    cabin.core.measurements.start("otoscope")
    await wait_until(
        lambda: [m for m in doctor.received("otoscope") if m["active"]], 10, "otoscope live"
    )
    began = time.monotonic()
    await cabin.core.measurements.capture("left_ear")
    await doctor.wait_for(lambda: doctor.stills, 10)
    elapsed = time.monotonic() - began
    begin = doctor.received("still.begin")[0]
    assert (begin["width"], begin["height"]) == (1280, 960) and begin["side"] == "left"
    jpeg = next(iter(doctor.stills.values()))
    assert jpeg[:2] == b"\xff\xd8" and len(jpeg) == begin["size"]
    assert elapsed < 3.0, f"the still took {elapsed:.1f} s"


async def test_the_report_is_stored_shown_and_ends_the_call(cabin_in_call: Cabin) -> None:
    cabin, doctor = cabin_in_call, cabin_in_call.doctor
    await doctor.wait_for(lambda: doctor.received("session"))
    doctor.send_reliable(
        "report",
        report_id="rep-1",
        observations="Tympans normaux.",
        conclusion="Virose probable.",
        advice="Buvez beaucoup d'eau et reposez-vous.",
        prescription=["Paracétamol 1 g, 3 fois par jour, 3 jours"],
        orientation="treating_physician",
        language="fr",
    )
    await wait_until(lambda: cabin.state is State.REPORT, 10, "the REPORT step")
    await doctor.wait_for(lambda: doctor.received("report.received"))
    report = cabin.call().report
    assert report is not None and report.conclusion == "Virose probable."
    assert report.prescription == ("Paracétamol 1 g, 3 fois par jour, 3 jours",)
    session_id = cabin.core.session.current_session_id
    assert session_id is not None
    stored = cabin.core.repo.report(session_id)
    assert stored is not None and stored.orientation == "treating_physician"
    # The same report sent again after a reconnection is not stored twice.
    doctor.send_reliable("report", **{**stored_fields(), "report_id": "rep-1"})
    await asyncio.sleep(0.5)
    count = cabin.core.repo.db.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
    assert count == 1
    ended = await doctor.wait_signal("call.ended")
    assert ended["call_id"] == doctor.call_id


def stored_fields() -> dict[str, Any]:
    return {
        "observations": "",
        "conclusion": "",
        "advice": "",
        "prescription": [],
        "orientation": "none",
        "language": "fr",
    }


@pytest.mark.allow_log_warnings  # the lost connection is logged, as it should be
async def test_a_lost_connection_is_rebuilt_and_nothing_measured_meanwhile_is_lost(
    cabin_in_call: Cabin,
) -> None:
    cabin, doctor = cabin_in_call, cabin_in_call.doctor
    await doctor.wait_for(lambda: doctor.received("session"))
    await doctor.wait_for(lambda: len(doctor.video_counters) >= 10, 20)
    # The doctor's network goes: the peer connection closes without a word, and the doctor
    # answers no offer until it comes back.
    doctor.answer_offers = False
    lost_at = time.monotonic()
    await doctor.drop_peer()
    await wait_until(lambda: cabin.call().phase is CallPhase.RECONNECTING, 6, "reconnecting shown")
    detected = time.monotonic() - lost_at
    assert detected <= 5.5, f"the loss was seen after {detected:.1f} s"
    # Measured while the doctor cannot hear: kept for later.
    await take(cabin.core, "spo2")
    assert cabin.call().undelivered >= 1
    # The network is back: the next offer is answered, media and the queued reading arrive.
    doctor.answer_offers = True
    back_at = time.monotonic()
    seen = len(doctor.video_counters)
    await wait_until(lambda: cabin.call().phase is CallPhase.IN_CALL, 15, "in call again")
    await doctor.wait_for(lambda: len(doctor.video_counters) > seen + 10, 15)
    media_back = time.monotonic() - back_at
    assert media_back < 10.0, f"media came back after {media_back:.1f} s"
    spo2 = await doctor.wait_for(
        lambda: [m for m in doctor.received("measurement") if m["kind"] == "spo2"]
    )
    assert spo2[0]["status"] == "accepted"
    await wait_until(lambda: cabin.call().undelivered == 0, 5, "all delivered")
    audit = [row.action for row in cabin.core.repo.audit_log(cabin.core.session.current_session_id)]
    assert "call_connection_lost" in audit and "call_reconnected" in audit


async def test_without_a_portal_configured_the_assistant_is_told_and_the_session_goes_on(
    tmp_path: Path,
) -> None:
    core = Core(
        Config(data_dir=tmp_path / "kiosk", devices=DevicesConfig(simulate=True, room_camera=""))
    )
    try:
        await at_measure_step(core)
        core.session.apply(CallDoctor(), State.MEASURE)
        snap = await wait_until(
            lambda: (
                (c := core.session.snapshot().call) is not None
                and c.phase is CallPhase.FAILED
                and c
            ),
            5,
        )
        assert snap.error == CALL_NOT_CONFIGURED
        core.session.apply(CallCancelled(), State.WAITING_FOR_DOCTOR)
        assert core.session.current_state() is State.MEASURE
    finally:
        await core.stop()


@pytest.mark.allow_log_warnings
async def test_a_wrong_cabin_secret_is_refused_and_said_plainly(
    tmp_path: Path, portal: tuple[str, tuple[str, str, str, str]]
) -> None:
    url, (_, _, cabin_name, _) = portal
    core = Core(cabin_config(tmp_path, url, cabin_name, "not-the-secret"))
    try:
        await at_measure_step(core)
        core.session.apply(CallDoctor(), State.MEASURE)
        snap = await wait_until(
            lambda: (
                (c := core.session.snapshot().call) is not None
                and c.phase is CallPhase.FAILED
                and c
            ),
            10,
        )
        assert snap.error == CALL_AUTH_FAILED
        assert core.session.current_state() is State.WAITING_FOR_DOCTOR
    finally:
        await core.stop()
        await asyncio.get_running_loop().shutdown_default_executor()


async def test_a_request_is_confirmed_only_when_its_measurement_can_start(
    cabin_in_call: Cabin,
) -> None:
    cabin, doctor = cabin_in_call, cabin_in_call.doctor
    measurements = cabin.core.measurements
    assert measurements is not None and cabin.core.call is not None
    measurements.start("spo2")  # the assistant is busy with another measurement
    doctor.send_reliable("request", request_id="r-9", action="take_temperature")
    await wait_until(lambda: cabin.call().requests, 10, "the request shown")
    cabin.core.call.confirm_request("r-9")
    # Refused: kept on screen, and the doctor is not told "confirmed".
    assert [r.request_id for r in cabin.call().requests] == ["r-9"]
    await asyncio.sleep(0.3)
    assert not doctor.received("request.status")
    await accept_when_done(cabin.core)
    cabin.core.call.confirm_request("r-9")
    assert cabin.call().requests == ()
    await doctor.wait_for(lambda: doctor.received("request.status"))
    assert doctor.received("request.status")[0]["status"] == "confirmed"
    await accept_when_done(cabin.core)


async def test_a_reloaded_doctor_page_gets_the_patient_file_again(
    cabin_in_call: Cabin, portal: tuple[str, tuple[str, str, str, str]]
) -> None:
    cabin, doctor = cabin_in_call, cabin_in_call.doctor
    await doctor.wait_for(lambda: doctor.received("session"))
    await take(cabin.core, "temperature")
    await doctor.wait_for(lambda: [m for m in doctor.received("measurement")])
    # The page is reloaded: a new socket (call.active, join) and a new peer connection.
    url, (name, password, _, _) = portal
    again = PythonDoctor(url, name, password)
    try:
        await doctor.close()
        await again.login()
        await again.connect()
        files = await again.wait_for(lambda: again.received("session"), 20)
        kinds = sorted(m["kind"] for m in files[-1]["measurements"])
        assert kinds == ["bp", "temperature"]
        assert files[-1]["patient"]["last_name"] == "Morel"
    finally:
        await again.close()


@pytest.mark.allow_log_warnings  # the lost portal is logged
async def test_a_portal_lost_while_waiting_is_said_and_the_cabin_comes_back_in_line(
    tmp_path: Path,
) -> None:
    config = Config(data_dir=tmp_path / "portal", portal=PortalConfig(port=0))
    config.data_dir.mkdir(parents=True)
    store = PortalStore(config.portal_database_path, SystemClock())
    _, _, cabin_name, secret = ensure_demo_accounts(store)
    handle = await start_portal(config, store=store)
    port = handle.port
    core = Core(cabin_config(tmp_path, handle.url, cabin_name, secret))
    try:
        await at_measure_step(core)
        core.session.apply(CallDoctor(), State.MEASURE)

        def phase() -> CallPhase:
            snap = core.session.snapshot().call
            assert snap is not None
            return snap.phase

        await wait_until(lambda: phase() is CallPhase.WAITING, 10, "waiting")
        await handle.close()
        await wait_until(lambda: phase() is CallPhase.CONNECTING, 10, "connecting again")
        snap = core.session.snapshot().call
        assert snap is not None and snap.error == "CALL_PORTAL_UNREACHABLE"
        # The portal is back on the same port: the cabin is in the waiting room again by itself.
        config = Config(data_dir=config.data_dir, portal=PortalConfig(port=port))
        handle = await start_portal(config, store=store)
        await wait_until(lambda: phase() is CallPhase.WAITING, 15, "back in the waiting room")
        snap = core.session.snapshot().call
        assert snap is not None and snap.error is None and snap.position == 1
    finally:
        await core.stop()
        await handle.close()
        store.close()
        await asyncio.get_running_loop().shutdown_default_executor()


@pytest.mark.allow_log_warnings  # the unreadable messages are logged
async def test_garbage_from_the_doctor_gets_an_error_and_the_call_goes_on(
    cabin_in_call: Cabin,
) -> None:
    cabin, doctor = cabin_in_call, cabin_in_call.doctor
    await doctor.wait_for(
        lambda: doctor.channel is not None and doctor.channel.readyState == "open"
    )
    for bad in (
        "not json",
        "[]",
        '{"type": "request", "v": 1, "seq": 5}',  # fields missing
        '{"type": "request", "v": 9, "seq": 6, "request_id": "x", "action": "take_bp"}',
        '{"type": "format_disk", "v": 1}',
        '{"type": "ack", "v": 1, "seq": "' + "9" * 70000 + '"}',
    ):
        doctor.channel.send(bad)
    codes = await doctor.wait_for(
        lambda: (c := [m["code"] for m in doctor.received("error")]) and len(c) >= 6 and c
    )
    assert codes == [
        "malformed",
        "malformed",
        "malformed",
        "bad_version",
        "unknown_type",
        "too_large",
    ]
    # Unknown actions are declined, not started.
    doctor.send_reliable("request", request_id="r-x", action="inflate_to_300")
    status = await doctor.wait_for(lambda: doctor.received("request.status"))
    assert status[0]["status"] == "declined"
    assert cabin.call().requests == () and cabin.state is State.IN_CALL
    assert cabin.call().phase is CallPhase.IN_CALL


@pytest.mark.allow_log_warnings  # the lost portal socket is logged
async def test_the_cabin_socket_lost_mid_call_comes_back_to_the_same_call(
    cabin_in_call: Cabin,
) -> None:
    cabin, doctor = cabin_in_call, cabin_in_call.doctor
    await doctor.wait_for(lambda: len(doctor.video_counters) >= 10, 20)
    assert cabin.core.call is not None and cabin.core.call._ws is not None
    call_id = doctor.call_id
    offers = len([m for m in doctor.signals if m["type"] == "sdp.offer"])
    await cabin.core.call._ws.close()  # the portal's socket drops; the peer connection lives on
    await doctor.wait_signal("cabin.left")
    # Back with the same call: the doctor gets a new offer for it, and media flows again.
    await doctor.wait_for(
        lambda: len([m for m in doctor.signals if m["type"] == "sdp.offer"]) > offers, 15
    )
    assert doctor.call_id == call_id
    seen = len(doctor.video_counters)
    await doctor.wait_for(lambda: len(doctor.video_counters) > seen + 10, 15)
    await wait_until(lambda: cabin.call().phase is CallPhase.IN_CALL, 10, "in call")
    assert cabin.state is State.IN_CALL
