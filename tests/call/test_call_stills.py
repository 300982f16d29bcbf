"""Stills taken before the call, and doctor's requests that end without their result.

The kiosk's core with simulated devices, the real portal on 127.0.0.1, and the Python doctor of
tests/support/doctor.py (a real aiortc peer, written from docs/signaling.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from kiosk.call.state import CallPhase
from kiosk.core import Core
from kiosk.flow import CallDoctor, State
from kiosk.services.devices import DeviceStatus
from tests.call.test_call_service import (
    Cabin,
    at_measure_step,
    cabin_config,
    wait_until,
)
from tests.support.doctor import PythonDoctor

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

Portal = tuple[str, tuple[str, str, str, str]]


async def capture_before_the_call(core: Core, sites: list[str]) -> list[int]:
    """The assistant opens the otoscope in the measurement step, captures, and closes it."""
    measurements = core.measurements
    assert measurements is not None
    measurements.start("otoscope")

    def preview() -> bool:
        view = core.session.snapshot().measure
        return view is not None and view.run is not None and view.run.step == "preview"

    await wait_until(preview, 10, "the otoscope's picture")
    for site in sites:
        await measurements.capture(site)
    await measurements.close()
    session_id = core.session.current_session_id
    assert session_id is not None
    return [image.id for image in core.repo.images(session_id)]


async def into_the_call(core: Core, doctor: PythonDoctor) -> Cabin:
    response = await doctor.login()
    assert response.status == 303
    await doctor.connect()
    core.session.apply(CallDoctor(), State.MEASURE)
    cabin = Cabin(core, doctor)
    await wait_until(lambda: cabin.call().phase is CallPhase.WAITING, 15, "waiting room")
    entries = await doctor.queue()
    await doctor.pick(entries[0]["call_id"])
    await wait_until(lambda: cabin.state is State.IN_CALL, 15, "the doctor joined")
    await wait_until(lambda: cabin.call().phase is CallPhase.IN_CALL, 15, "media flowing")
    return cabin


@pytest_asyncio.fixture
async def core_and_doctor(tmp_path: Path, portal: Portal) -> AsyncIterator[tuple[Core, Any]]:
    url, (doctor_name, doctor_password, cabin_name, secret) = portal
    config = cabin_config(tmp_path, url, cabin_name, secret)
    # The thermometer answers every measurement with an error (state 20).
    config = replace(
        config, devices=replace(config.devices, simulation_scenarios="thermometer=error")
    )
    core = Core(config)
    doctor = PythonDoctor(url, doctor_name, doctor_password)
    try:
        await at_measure_step(core)
        yield core, doctor
    finally:
        await doctor.close()
        await core.stop()
        await asyncio.get_running_loop().shutdown_default_executor()


def begins(doctor: PythonDoctor, still_id: str) -> list[dict[str, Any]]:
    return [m for m in doctor.received("still.begin") if m["still_id"] == still_id]


async def test_stills_taken_before_the_call_reach_the_doctor_and_a_reloaded_page(
    core_and_doctor: tuple[Core, PythonDoctor], portal: Portal
) -> None:
    core, doctor = core_and_doctor
    image_ids = await capture_before_the_call(core, ["left_ear", "right_ear"])
    assert len(image_ids) == 2
    still_ids = [f"s-{i}" for i in image_ids]
    cabin = await into_the_call(core, doctor)
    await doctor.wait_for(lambda: all(s in doctor.stills for s in still_ids), 15)
    # After the patient's file, oldest first, in full resolution.
    types = [m["type"] for m in doctor.channel_messages if m["type"] in ("session", "still.begin")]
    assert types == ["session", "still.begin", "still.begin"]
    sent = doctor.received("still.begin")
    assert [m["still_id"] for m in sent] == still_ids
    assert [m["side"] for m in sent] == ["left", "right"]
    for begin in sent:
        assert (begin["width"], begin["height"]) == (1280, 960)
        jpeg = doctor.stills[begin["still_id"]]
        assert jpeg[:2] == b"\xff\xd8" and len(jpeg) == begin["size"]
        assert begin["taken_at"]
    # Acknowledged, then never sent again to this page.
    await wait_until(lambda: cabin.call().undelivered == 0, 5, "all delivered")
    await asyncio.sleep(1.0)
    assert [len(begins(doctor, s)) for s in still_ids] == [1, 1]

    # The page is reloaded: it gets the file and both stills again, once each.
    url, (name, password, _, _) = portal
    again = PythonDoctor(url, name, password)
    try:
        await doctor.close()
        await again.login()
        await again.connect()
        await again.wait_for(lambda: all(s in again.stills for s in still_ids), 20)
        assert again.received("session")
        assert [len(begins(again, s)) for s in still_ids] == [1, 1]
        assert again.stills == doctor.stills
        await wait_until(lambda: cabin.call().undelivered == 0, 10, "all delivered again")
    finally:
        await again.close()


async def final_status(doctor: PythonDoctor, request_id: str) -> dict[str, Any]:
    def final() -> dict[str, Any] | None:
        for msg in doctor.received("request.status"):
            if msg["request_id"] == request_id and msg["status"] != "confirmed":
                return msg
        return None

    result: dict[str, Any] = await doctor.wait_for(final, 20)
    return result


async def ask(cabin: Cabin, request_id: str, action: str) -> None:
    """The doctor asks; the assistant confirms, and the measurement starts."""
    cabin.doctor.send_reliable("request", request_id=request_id, action=action)
    await wait_until(
        lambda: [r for r in cabin.call().requests if r.request_id == request_id], 10, "shown"
    )
    assert cabin.core.call is not None
    cabin.core.call.confirm_request(request_id)
    assert not [r for r in cabin.call().requests if r.request_id == request_id]


def run_step(cabin: Cabin) -> tuple[str, str] | None:
    view = cabin.core.session.snapshot().measure
    run = view.run if view is not None else None
    return (run.phase, run.step) if run is not None else None


async def test_every_confirmed_request_ends_with_a_final_status_at_the_doctor(
    core_and_doctor: tuple[Core, PythonDoctor],
) -> None:
    core, doctor = core_and_doctor
    cabin = await into_the_call(core, doctor)
    measurements = core.measurements
    assert measurements is not None and core.devices is not None
    await core.devices.serial["bp"].wait_for(DeviceStatus.READY, 10.0)

    # "Stop" in the middle of a blood pressure: failed, stopped by the assistant.
    await ask(cabin, "r-bp", "take_bp")
    await wait_until(
        lambda: run_step(cabin) in (("running", "inflating"), ("running", "deflating")),
        10,
        "the cuff inflating",
    )
    await measurements.close()  # what the screen's "Stop" button runs
    status = await final_status(doctor, "r-bp")
    assert (status["status"], status["reason"]) == ("failed", "stopped")
    assert status["message"]

    # A result the assistant does not keep (left the screen without accepting it).
    await core.devices.serial["oximeter"].wait_for(DeviceStatus.READY, 10.0)
    await ask(cabin, "r-spo2", "take_spo2")
    await wait_until(lambda: (run_step(cabin) or ("",))[0] == "result", 40, "a result")
    await measurements.close()
    status = await final_status(doctor, "r-spo2")
    assert (status["status"], status["reason"]) == ("failed", "not_kept")

    # The thermometer fails: the failed measurement, then the request's final status.
    await core.devices.serial["thermometer"].wait_for(DeviceStatus.READY, 10.0)
    await ask(cabin, "r-temp", "take_temperature")
    status = await final_status(doctor, "r-temp")
    assert (status["status"], status["reason"]) == ("failed", "device_failed")
    failed = [m for m in doctor.received("measurement") if m["kind"] == "temperature"]
    assert failed and failed[0]["status"] == "failed" and status["error"] == failed[0]["error"]
    await measurements.close()

    # The otoscope shown live, then closed without a still: done, and said so.
    await ask(cabin, "r-oto", "show_otoscope")
    await wait_until(lambda: run_step(cabin) == ("running", "preview"), 10, "otoscope live")
    await measurements.close()
    status = await final_status(doctor, "r-oto")
    assert (status["status"], status["reason"]) == ("done", "closed_without_still")

    # A still answers the request: done, with no reason.
    await ask(cabin, "r-oto2", "show_otoscope")
    await wait_until(lambda: run_step(cabin) == ("running", "preview"), 10, "otoscope live")
    await measurements.capture("left_ear")
    await measurements.close()
    status = await final_status(doctor, "r-oto2")
    assert status["status"] == "done" and "reason" not in status
    await doctor.wait_for(lambda: doctor.stills, 10)

    # Each request got exactly one final status, after its "confirmed".
    statuses: dict[str, list[str]] = {}
    for msg in doctor.received("request.status"):
        statuses.setdefault(msg["request_id"], []).append(msg["status"])
    assert statuses == {
        "r-bp": ["confirmed", "failed"],
        "r-spo2": ["confirmed", "failed"],
        "r-temp": ["confirmed", "failed"],
        "r-oto": ["confirmed", "done"],
        "r-oto2": ["confirmed", "done"],
    }
    audit = [r.action for r in core.repo.audit_log(core.session.current_session_id)]
    assert audit.count("doctor_request_ended") == 4  # the still is audited as stored
