"""Technician mode on the real core: sign-in and lockout, calibration dates that warn and then put
a device out of service, self-tests on the simulators' fault scenarios stored per device, device
events on unplug, and a support bundle that holds no patient data.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import time
import zipfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from devices.simulators.runner import Served
from kiosk.config import Config, DevicesConfig, SecurityConfig
from kiosk.core import Core
from kiosk.flow import State
from kiosk.flow.triage import RED_FLAGS
from kiosk.logs import install_file_log
from kiosk.services.auth import hash_pin
from kiosk.services.devices import DeviceStatus, start_simulator
from kiosk.services.panel import device_panel
from kiosk.services.support import write_support_bundle
from kiosk.services.technician import TechnicianService

PIN = "8642"
NONE = DevicesConfig(bp="", thermometer="", oximeter="", otoscope="", room_camera="")
SPEED = 40.0


async def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


MakeCore = Callable[..., Core]


@pytest_asyncio.fixture
async def make_core(tmp_path: Path) -> AsyncIterator[MakeCore]:
    cores: list[Core] = []

    def make(devices: DevicesConfig = NONE, max_attempts: int = 5) -> Core:
        core = Core(
            Config(
                data_dir=tmp_path / f"core{len(cores)}",
                devices=devices,
                security=SecurityConfig(pin_max_attempts=max_attempts, pin_lockout_s=60),
            )
        )
        cores.append(core)
        return core

    yield make
    for core in cores:
        await core.stop()
    await asyncio.get_running_loop().shutdown_default_executor()


def tech(core: Core) -> TechnicianService:
    assert core.technician is not None
    return core.technician


async def signed_in_technician(core: Core) -> TechnicianService:
    await core.start()
    technician_id = core.repo.add_technician("Marc", hash_pin(PIN))
    service = tech(core)
    service.open_sign_in()
    assert service.sign_in(technician_id, PIN)
    return service


@pytest.mark.asyncio
async def test_technician_sign_in_locks_after_wrong_pins_and_is_audited(
    make_core: MakeCore,
) -> None:
    core = make_core(max_attempts=3)
    await core.start()
    technician_id = core.repo.add_technician("Marc", hash_pin(PIN))
    assistant_id = core.repo.add_assistant("Nadia", hash_pin("1111"))
    service = tech(core)
    service.open_sign_in()
    assert service.last.signing_in and [t.name for t in service.last.technicians] == ["Marc"]
    # An assistant's PIN is no technician PIN.
    assert not service.sign_in(technician_id, "1111")
    assert service.last.notice is not None and service.last.notice.code == "WRONG_PIN"
    assert service.last.attempts_left == 2
    assert not service.sign_in(technician_id, "0000")
    assert not service.sign_in(technician_id, "0001")
    assert service.last.locked_for_s > 50
    # Locked: even the right PIN is refused, and the assistants' own lock is untouched.
    assert not service.sign_in(technician_id, PIN)
    assert service.last.notice is not None and service.last.notice.code == "SCREEN_LOCKED"
    assert core.session.sign_in(assistant_id, "1111")
    actions = [row.action for row in core.repo.audit_log()]
    assert actions.count("technician_sign_in_failed") == 3
    assert "technician_sign_in_refused_locked" in actions


@pytest.mark.asyncio
async def test_disabled_technician_cannot_sign_in_and_idle_signs_out(
    make_core: MakeCore,
) -> None:
    core = make_core()
    await core.start()
    service = tech(core)
    technician_id = core.repo.add_technician("Marc", hash_pin(PIN))
    core.repo.set_technician_disabled(technician_id, True)
    service.open_sign_in()
    assert not service.sign_in(technician_id, PIN)
    core.repo.set_technician_disabled(technician_id, False)
    assert service.sign_in(technician_id, PIN)
    assert service.last.technician is not None
    assert len(service.last.devices) == 6  # the panel lists every device, installed or not
    # Nobody touches the screen for longer than the session's idle time: signed out.
    service._last_activity -= core.config.session.idle_timeout_s + 31
    service.check_idle()
    assert service.last.technician is None and not service.last.signing_in
    assert any(
        r.action == "technician_sign_out" and r.detail["reason"] == "idle"
        for r in core.repo.audit_log()
    )


async def at_measure_step(core: Core) -> None:
    assistant = core.repo.add_assistant("Nadia", hash_pin("1111"))
    session = core.session
    assert session.sign_in(assistant, "1111")
    session.start_session()
    session.submit_identity(
        {
            "family_name": "Lemaire",
            "given_names": "Odette",
            "birth_date": "12/03/1938",
            "sex": "female",
            "nir": "2380375112345" + f"{97 - int('2380375112345') % 97:02d}",
            "treating_physician": "",
        }
    )
    session.record_consent(True)
    session.submit_triage("fever", "", dict.fromkeys(RED_FLAGS, False))
    assert session.current_state() is State.MEASURE


@pytest.mark.asyncio
async def test_calibration_warns_then_puts_the_device_out_of_service(
    make_core: MakeCore,
) -> None:
    core = make_core(
        DevicesConfig(simulate=True, simulation_speed=SPEED, otoscope="", room_camera="")
    )
    service = await signed_in_technician(core)
    today = service.today()
    service.set_calibration_due("thermometer", today + dt.timedelta(days=20))
    service.set_calibration_due("bp", today - dt.timedelta(days=1))
    service.set_calibration_due("oximeter", today + dt.timedelta(days=200))
    panel = {p.name: p for p in service.last.devices}
    assert panel["thermometer"].service == "calibration_soon"
    assert panel["bp"].service == "out_of_service"
    assert panel["bp"].service_reason == "calibration_overdue"
    assert panel["oximeter"].service == "ok"
    assert panel["oximeter"].calibration_due == (today + dt.timedelta(days=200)).isoformat()
    service.sign_out()
    # The assistant's menu says so, and the cuff cannot be started; the session goes on.
    await at_measure_step(core)
    view = core.session.snapshot().measure
    assert view is not None
    states = {s.family: s for s in view.devices}
    assert states["bp"].service == "out_of_service"
    assert states["thermometer"].service == "calibration_soon"
    assert states["thermometer"].calibration_due == (today + dt.timedelta(days=20)).isoformat()
    assert core.measurements is not None
    core.measurements.start("blood_pressure")
    assert core.session.snapshot().measure.run is None  # type: ignore[union-attr]
    assert any(r.action == "measurement_refused" for r in core.repo.audit_log())
    assert core.devices is not None
    await core.devices.serial["thermometer"].wait_for(DeviceStatus.READY, 10.0)
    core.measurements.start("temperature")
    run = core.session.snapshot().measure.run  # type: ignore[union-attr]
    assert run is not None and run.kind == "temperature"


@pytest.mark.asyncio
async def test_self_test_verdicts_are_stored_per_device_with_fault_scenarios(
    make_core: MakeCore,
) -> None:
    core = make_core(
        DevicesConfig(
            simulate=True,
            simulation_speed=SPEED,
            simulation_scenarios="thermometer=post_fail bp=silence oximeter=babble",
            room_camera="",
        )
    )
    service = await signed_in_technician(core)
    seen: list[tuple[tuple[str, str], ...]] = []
    service.subscribe(lambda snap: seen.append(snap.testing))
    service.run_self_tests()
    await wait_until(lambda: service._test_task is not None and service._test_task.done(), 90)
    # Progress went device by device.
    running = [dict(t) for t in seen if t]
    assert {name for t in running for name, step in t.items() if step == "running"} == {
        "bp",
        "thermometer",
        "oximeter",
        "otoscope",
        "room_camera",  # simulated cabins draw both cameras
        "microphone",  # and a tone for a microphone
    }
    checks = {c.family: c for c in core.repo.device_checks()}
    assert set(checks) == {"bp", "thermometer", "oximeter", "otoscope", "room_camera", "microphone"}
    assert checks["otoscope"].ok, checks["otoscope"].summary
    assert checks["microphone"].ok, checks["microphone"].summary
    assert "power-on self-test failed" in checks["thermometer"].summary
    for name in ("bp", "thermometer", "oximeter"):
        assert not checks[name].ok, (name, checks[name].summary)
    panel = {p.name: p for p in service.last.devices}
    assert panel["thermometer"].service == "out_of_service"
    assert panel["thermometer"].service_reason == "self_test_failed"
    assert panel["thermometer"].last_check is not None and not panel["thermometer"].last_check.ok
    assert panel["otoscope"].service == "ok"
    # The failures joined each device's error history.
    assert any(e.kind == "self_test_failed" for e in core.repo.device_events("thermometer"))
    assert panel["thermometer"].errors and panel["thermometer"].errors[0].count == 1


@pytest.mark.asyncio
async def test_a_missing_camera_fails_its_self_test(make_core: MakeCore, tmp_path: Path) -> None:
    core = make_core(
        DevicesConfig(
            bp="", thermometer="", oximeter="", otoscope=str(tmp_path / "video9"), room_camera=""
        )
    )
    service = await signed_in_technician(core)
    service.run_self_tests(["otoscope"])
    await wait_until(lambda: bool(core.repo.device_checks("otoscope")), 30)
    (check,) = core.repo.device_checks("otoscope")
    assert not check.ok and "not connected" in check.summary
    await wait_until(lambda: service._test_task is not None and service._test_task.done())
    panel = {p.name: p for p in service.last.devices}
    assert panel["otoscope"].service == "out_of_service"


async def _plug(link: Path) -> Served:
    served = await start_simulator("bp", speed=SPEED)
    tmp = link.with_suffix(".new")
    os.symlink(served.url, tmp)
    os.replace(tmp, link)
    return served


@pytest.mark.asyncio
async def test_unplug_and_replug_are_recorded_in_the_device_history(
    make_core: MakeCore, tmp_path: Path
) -> None:
    link = tmp_path / "bp"
    served = await _plug(link)
    core = make_core(
        DevicesConfig(bp=str(link), thermometer="", oximeter="", otoscope="", room_camera="")
    )
    try:
        await core.start()
        assert core.devices is not None
        device = core.devices.serial["bp"]
        await device.wait_for(DeviceStatus.READY, 10.0)
        await served.stop()
        await device.wait_for(DeviceStatus.NOT_CONNECTED, 10.0)
        served = await _plug(link)
        await device.wait_for(DeviceStatus.READY, 10.0)
    finally:
        await served.stop()
    kinds = [e.kind for e in core.repo.device_events("bp")]
    assert kinds == ["back", "lost"]  # newest first


@pytest.mark.asyncio
async def test_a_failed_measurement_joins_the_device_history(make_core: MakeCore) -> None:
    core = make_core(
        DevicesConfig(
            simulate=True,
            simulation_speed=SPEED,
            simulation_scenarios="bp=motion",
            otoscope="",
            room_camera="",
        )
    )
    await core.start()
    await at_measure_step(core)
    assert core.devices is not None and core.measurements is not None
    await core.devices.serial["bp"].wait_for(DeviceStatus.READY, 10.0)
    core.measurements.start("blood_pressure")

    def failed() -> bool:
        view = core.session.snapshot().measure
        return view is not None and view.run is not None and view.run.phase == "failed"

    await wait_until(failed, 60)
    (event,) = core.repo.device_events("bp")
    assert event.kind == "measurement_failed" and event.code == "MEASUREMENT_FAILED"
    panel = {p.name: p for p in device_panel(core.repo, core.config, dt.date.today(), core.devices)}
    assert panel["bp"].errors[0].count == 1
    assert panel["bp"].errors[0].code.startswith("MEASUREMENT_FAILED")


@pytest.mark.asyncio
async def test_support_bundle_holds_the_history_and_no_patient_data(
    make_core: MakeCore,
) -> None:
    core = make_core(
        DevicesConfig(simulate=True, simulation_speed=SPEED, otoscope="", room_camera="")
    )
    handler = install_file_log(core.config.data_dir)
    try:
        service = await signed_in_technician(core)
        service.set_calibration_due("bp", service.today() + dt.timedelta(days=90))
        service.run_self_tests(["thermometer"])
        await wait_until(lambda: service._test_task is not None and service._test_task.done())
        service.sign_out()
        await at_measure_step(core)
        assert core.devices is not None and core.measurements is not None
        await core.devices.serial["thermometer"].wait_for(DeviceStatus.READY, 10.0)
        core.measurements.start("temperature")

        def result() -> bool:
            view = core.session.snapshot().measure
            return view is not None and view.run is not None and view.run.phase == "result"

        await wait_until(result, 60)
        core.measurements.accept()
        core.session.sign_out()
        service.open_sign_in()
        technician = core.repo.technician_by_name("Marc")
        assert technician is not None and service.sign_in(technician.id, PIN)
        path = service.write_bundle()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert path is not None and path.parent == core.config.data_dir / "support"
    assert service.last.bundle_path == str(path)
    with zipfile.ZipFile(path) as bundle:
        names = set(bundle.namelist())
        texts = {name: bundle.read(name).decode() for name in names}
    assert {
        "versions.json",
        "config.json",
        "logs/kiosk.log",
        "device_panel.json",
        "self_tests.json",
        "device_events.json",
        "hygiene_log.json",
        "outbox.json",
    } <= names
    assert "flow: " in texts["logs/kiosk.log"]  # the session's transitions are logged...
    nir = "2380375112345"
    for name, text in texts.items():  # ... but nothing about the patient, in any file
        for secret in ("Lemaire", "LEMAIRE", "Odette", nir, "1938-03-12", "12/03/1938"):
            assert secret not in text, f"{secret} found in {name}"
    assert '"pin_max_attempts": "(removed)"' in texts["config.json"]
    assert '"due_date"' not in texts["device_panel.json"]  # the panel's own field names
    assert '"calibration_due"' in texts["device_panel.json"]
    assert '"python"' in texts["versions.json"] and '"sqlite"' in texts["versions.json"]


def test_bundle_from_an_empty_database(tmp_path: Path) -> None:
    from kiosk.clock import SystemClock
    from kiosk.storage import Repository, open_database

    config = Config(data_dir=tmp_path, devices=NONE)
    opened = open_database(config.database_path, SystemClock())
    try:
        path = write_support_bundle(
            tmp_path / "out" / "b.zip", config, Repository(opened.db, SystemClock())
        )
    finally:
        opened.close()
    with zipfile.ZipFile(path) as bundle:
        assert bundle.read("logs/kiosk.log").decode() == "\n"
