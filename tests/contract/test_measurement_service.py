"""The core with simulated devices on real pseudo-terminals: measurements stored as they happen,
failures explained and kept, no measurement outside the measurement step, a device unplugged and
plugged back found again without restarting.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from devices.simulators.runner import Served
from kiosk.clock import FakeClock
from kiosk.config import Config, DevicesConfig
from kiosk.core import Core
from kiosk.errors import ConfigError
from kiosk.flow import State
from kiosk.flow.triage import RED_FLAGS
from kiosk.services.auth import hash_pin
from kiosk.services.devices import (
    Devices,
    DeviceStatus,
    SerialDevice,
    make_driver,
    start_simulator,
)
from kiosk.services.measurements import MeasurementService, RunView

PIN = "2468"
FORM = {
    "family_name": "Vasseur",
    "given_names": "Paule",
    "birth_date": "02/11/1941",
    "sex": "female",
    "nir": "",
    "treating_physician": "",
}
SPEED = 25.0


async def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def simulated(scenarios: str = "", speed: float = SPEED) -> DevicesConfig:
    return DevicesConfig(
        simulate=True, simulation_speed=speed, simulation_scenarios=scenarios, room_camera=""
    )


@pytest_asyncio.fixture
async def make_core(tmp_path: Path) -> AsyncIterator[Callable[[DevicesConfig], Core]]:
    cores: list[Core] = []

    def make(devices: DevicesConfig) -> Core:
        core = Core(Config(data_dir=tmp_path / f"core{len(cores)}", devices=devices))
        cores.append(core)
        return core

    yield make
    for core in cores:
        await core.stop()
    await asyncio.get_running_loop().shutdown_default_executor()  # camera start/stop threads


async def at_measure_step(core: Core) -> MeasurementService:
    await core.start()
    session = core.session
    assistant = core.repo.add_assistant("Nadia", hash_pin(PIN))
    assert session.sign_in(assistant, PIN)
    session.start_session()
    session.submit_identity(FORM)
    session.record_consent(True)
    assert session.current_state() is State.TRIAGE
    session.submit_triage("fever", "", dict.fromkeys(RED_FLAGS, False))
    assert session.current_state() is State.MEASURE
    assert core.measurements is not None
    return core.measurements


def run(core: Core) -> RunView | None:
    view = core.session.snapshot().measure
    assert view is not None
    return view.run


async def ready(core: Core, family: str) -> None:
    assert core.devices is not None
    await core.devices.serial[family].wait_for(DeviceStatus.READY, 10.0)


@pytest.mark.asyncio
async def test_blood_pressure_is_stored_when_taken_and_accepted(
    make_core: Callable[[DevicesConfig], Core],
) -> None:
    core = make_core(simulated())
    service = await at_measure_step(core)
    await ready(core, "bp")
    seen: list[float] = []
    service.subscribe_live(
        lambda u: seen.append(float(u.value or 0)) if u.kind == "cuff_pressure" else None
    )
    service.start("blood_pressure")
    await wait_until(lambda: (r := run(core)) is not None and r.phase != "running", 30)
    result = run(core)
    assert result is not None and result.phase == "result", result
    assert result.result is not None
    assert (result.result.values["systolic"], result.result.values["diastolic"]) == (120, 80)
    # Polled every 200 ms of a cycle compressed 25 times: a few samples, high in the cycle.
    assert len(seen) >= 3 and max(seen) >= 100, f"cuff pressure shown live: {seen}"
    session_id = core.session.current_session_id
    assert session_id is not None
    # Stored at once, before the assistant decides: a crash now loses nothing.
    (pending,) = core.repo.measurements(session_id)
    assert pending.status == "pending" and pending.raw.startswith("3e18")
    assert pending.device["family"] == "bp" and pending.device["model"]
    service.accept()
    (accepted,) = core.repo.measurements(session_id)
    assert accepted.status == "accepted" and accepted.taken_by is not None
    view = core.session.snapshot().measure
    assert view is not None and view.run is None
    assert [r.values["systolic"] for r in view.readings] == [120]
    actions = [row.action for row in core.repo.audit_log(session_id)]
    assert "measurement_stored" in actions and "measurement_accepted" in actions


@pytest.mark.asyncio
async def test_a_failed_measurement_is_explained_and_kept(
    make_core: Callable[[DevicesConfig], Core],
) -> None:
    core = make_core(simulated("bp=motion"))
    service = await at_measure_step(core)
    await ready(core, "bp")
    service.start("blood_pressure")
    await wait_until(lambda: (r := run(core)) is not None and r.phase != "running", 30)
    failed = run(core)
    assert failed is not None and failed.phase == "failed"
    assert failed.error_code == "MEASUREMENT_FAILED"
    assert failed.error["advice"] == "stay_still" and failed.error["device_code"] == 2
    session_id = core.session.current_session_id
    assert session_id is not None
    (row,) = core.repo.measurements(session_id)
    assert row.status == "failed" and row.error is not None
    assert row.error["params"]["advice"] == "stay_still"


@pytest.mark.asyncio
async def test_a_failure_is_dated_by_the_cabin_clock(tmp_path: Path) -> None:
    # The record's timeline orders everything by the kiosk's clock: a failure too.
    clock = FakeClock(dt.datetime(2026, 5, 4, 10, 30, tzinfo=dt.UTC))
    core = Core(Config(data_dir=tmp_path, devices=simulated("bp=motion")), clock)
    try:
        service = await at_measure_step(core)
        await ready(core, "bp")
        service.start("blood_pressure")
        await wait_until(lambda: (r := run(core)) is not None and r.phase != "running", 30)
        session_id = core.session.current_session_id
        assert session_id is not None
        (row,) = core.repo.measurements(session_id)
        assert row.status == "failed"
        assert dt.datetime.fromisoformat(row.taken_at) == clock.now()
    finally:
        await core.stop()
        await asyncio.get_running_loop().shutdown_default_executor()


@pytest.mark.asyncio
async def test_retake_discards_the_unaccepted_reading(
    make_core: Callable[[DevicesConfig], Core],
) -> None:
    core = make_core(simulated("thermometer=fever"))
    service = await at_measure_step(core)
    await ready(core, "thermometer")
    service.start("temperature")
    await wait_until(lambda: (r := run(core)) is not None and r.phase == "result", 30)
    first = run(core)
    assert first is not None and first.result is not None
    assert first.result.values["celsius"] == 39.8
    assert "temperature_high" in first.result.alerts
    service.retake()
    await wait_until(lambda: (r := run(core)) is not None and r.phase == "result", 30)
    service.accept()
    session_id = core.session.current_session_id
    assert session_id is not None
    statuses = [row.status for row in core.repo.measurements(session_id)]
    assert statuses == ["discarded", "accepted"]


@pytest.mark.asyncio
async def test_no_measurement_before_the_measurement_step(
    make_core: Callable[[DevicesConfig], Core],
) -> None:
    core = make_core(simulated())
    await core.start()
    session = core.session
    assistant = core.repo.add_assistant("Nadia", hash_pin(PIN))
    assert session.sign_in(assistant, PIN)
    session.start_session()
    session.submit_identity(FORM)
    assert session.current_state() is State.CONSENT  # no consent yet
    assert core.measurements is not None
    core.measurements.start("blood_pressure")
    assert run(core) is None
    session_id = session.current_session_id
    assert session_id is not None
    assert core.repo.measurements(session_id) == []


@pytest.mark.asyncio
async def test_otoscope_stills_are_stored_in_full_resolution(
    make_core: Callable[[DevicesConfig], Core],
) -> None:
    core = make_core(simulated())
    service = await at_measure_step(core)
    frames: list[int] = []
    service.subscribe_live(lambda u: frames.append(1) if u.kind == "preview" else None)
    service.start("otoscope")
    await wait_until(lambda: len(frames) >= 5, 10)
    await service.capture("left_ear")
    await service.capture("right_ear")
    session_id = core.session.current_session_id
    assert session_id is not None
    images = core.repo.images(session_id)
    assert [i.site for i in images] == ["left_ear", "right_ear"]
    assert all(i.width >= 1024 and i.height >= 768 for i in images)
    png = core.repo.image_png(images[0].id)
    assert png is not None and png.startswith(b"\x89PNG")
    service.discard_still(images[1].id)
    assert [i.site for i in core.repo.images(session_id)] == ["left_ear"]
    await service.close()


@pytest.mark.asyncio
async def test_leaving_the_step_stops_a_running_measurement(
    make_core: Callable[[DevicesConfig], Core],
) -> None:
    core = make_core(simulated(speed=2.0))
    service = await at_measure_step(core)
    await ready(core, "bp")
    service.start("blood_pressure")
    await wait_until(lambda: (r := run(core)) is not None and r.step in ("inflating", "deflating"))
    core.session.go_back(State.MEASURE)
    await wait_until(lambda: run(core) is None)
    assert core.devices is not None
    await core.devices.serial["bp"].wait_for(DeviceStatus.READY, 5.0)


# -- unplug and replug ------------------------------------------------------------------------
async def _plug(link: Path, family: str) -> Served:
    served = await start_simulator(family)
    tmp = link.with_suffix(".new")
    os.symlink(served.url, tmp)
    os.replace(tmp, link)  # like udev's stable name pointing at the new port
    return served


@pytest.mark.asyncio
@pytest.mark.parametrize("family", ["bp", "thermometer", "oximeter"])
async def test_unplugged_device_is_reported_and_found_again(tmp_path: Path, family: str) -> None:
    link = tmp_path / family
    served = await _plug(link, family)
    states: list[tuple[float, DeviceStatus]] = []
    device = SerialDevice(
        family,
        str(link),
        lambda: make_driver(family, str(link)),
        lambda s: states.append((time.monotonic(), s.status)),
    )
    device.start()
    try:
        await device.wait_for(DeviceStatus.READY, 10.0)
        await served.stop()  # unplugged
        unplugged_at = time.monotonic()
        await device.wait_for(DeviceStatus.NOT_CONNECTED, 10.0)
        lost_after = time.monotonic() - unplugged_at
        served = await _plug(link, family)
        plugged_at = time.monotonic()
        await device.wait_for(DeviceStatus.READY, 10.0)
        back_after = time.monotonic() - plugged_at
    finally:
        await device.stop()
        await served.stop()
    assert lost_after < 3.0, f"the loss was noticed after {lost_after:.1f} s"
    assert back_after < 5.0, f"the device was back after {back_after:.1f} s"


@pytest.mark.asyncio
async def test_a_device_unplugged_mid_measurement_is_said_plainly_and_kept(
    make_core: Callable[[DevicesConfig], Core],
) -> None:
    core = make_core(simulated("oximeter=unplug"))
    service = await at_measure_step(core)
    await ready(core, "oximeter")
    service.start("spo2")
    await wait_until(lambda: (r := run(core)) is not None and r.phase != "running", 30)
    failed = run(core)
    assert failed is not None and failed.phase == "failed"
    assert failed.error_code == "DEVICE_NOT_CONNECTED" and failed.error["device"] == "oximeter"
    assert core.devices is not None
    assert core.devices.serial["oximeter"].state.status is DeviceStatus.NOT_CONNECTED
    session_id = core.session.current_session_id
    assert session_id is not None
    (row,) = core.repo.measurements(session_id)
    assert row.status == "failed" and row.error is not None
    assert row.error["code"] == "DEVICE_NOT_CONNECTED"


@pytest.mark.asyncio
async def test_an_unknown_simulator_scenario_is_a_plain_config_error() -> None:
    devices = Devices(DevicesConfig(simulate=True, simulation_scenarios="thermometer=nonsense"))
    with pytest.raises(ConfigError, match="nonsense") as caught:
        await devices.start()
    assert caught.value.params["key"] == "devices.simulation_scenarios"
    assert devices.serial == {}  # nothing left running (the leak checks also say so)
