"""End to end: the kiosk with simulated devices, the portal, and the doctor console in a real
headless Chromium with its fake camera and microphone.

The doctor logs in, takes the waiting cabin, receives its video (frame counters decoded from the
picture in the page) and audio (a WebAudio analyser's level), sees a blood pressure taken in the
cabin appear with the simulator's values, asks for a temperature, receives an otoscope still taken
before the call and one taken during it, and sends the report, which the kiosk shows and stores. The second test cuts the network in the middle.

Run inside a network namespace with only ``lo`` (scripts/test.sh does, through
../shared/tools/loopback-only): that proves nothing leaves the machine, and lets the second test
cut the network for real by taking ``lo`` down.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kiosk.call.state import CallPhase, CallSnapshot
from kiosk.clock import SystemClock
from kiosk.config import CallConfig, Config, DevicesConfig, PortalConfig
from kiosk.core import Core, CoreThread
from kiosk.flow import CallDoctor, State
from kiosk.flow.triage import RED_FLAGS
from kiosk.portal.background import PortalThread
from kiosk.portal.store import PortalStore
from kiosk.portal_commands import ensure_demo_accounts
from kiosk.services.auth import hash_pin
from kiosk.services.devices import DeviceStatus
from kiosk.storage import Repository, open_database
from tests.support import browser
from tests.support.browser import page_errors, wait_js, wait_py

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not browser.available(), reason="Debian's chromium and chromedriver"),
]

FORM = {
    "family_name": "Morel",
    "given_names": "Jeanne",
    "birth_date": "02/03/1959",
    "sex": "female",
    "nir": "",
    "treating_physician": "",
}
FAMILY = {"blood_pressure": "bp", "temperature": "thermometer", "spo2": "oximeter"}


def only_loopback() -> bool:
    """True inside a network namespace whose only interface is lo."""
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=False)
    names = [line.split(":")[1].strip() for line in links.stdout.splitlines() if ":" in line]
    return names == ["lo"]


@dataclass
class Stack:
    core: Core
    core_thread: CoreThread
    portal: PortalThread
    doctor: tuple[str, str]

    def run(self, fn: Any) -> Any:
        return self.core_thread.call(fn).result(30)

    def run_async(self, coro: Any) -> Any:
        return self.core_thread.submit(coro).result(60)

    @property
    def state(self) -> State:
        return self.run(self.core.session.current_state)  # type: ignore[no-any-return]

    def call(self) -> CallSnapshot:
        snap = self.run(lambda: self.core.session.snapshot().call)
        assert snap is not None
        return snap  # type: ignore[no-any-return]

    def run_view(self) -> tuple[str, str, str] | None:
        view = self.run(lambda: self.core.session.snapshot().measure)
        run = view.run if view is not None else None
        return (run.kind, run.phase, run.step) if run is not None else None

    def images(self) -> int:
        session_id = self.run(lambda: self.core.session.current_session_id)
        return len(self.run(lambda: self.core.repo.images(session_id)))

    def take(self, kind: str) -> None:
        """The assistant takes and accepts a measurement in the cabin (simulated device)."""

        async def ready() -> None:
            assert self.core.devices is not None
            await self.core.devices.serial[FAMILY[kind]].wait_for(DeviceStatus.READY, 10.0)

        self.run_async(ready())
        self.run(lambda: self.core.measurements.start(kind))  # type: ignore[union-attr]
        self.accept_when_done()

    def accept_when_done(self) -> None:
        def result() -> bool:
            view = self.run(lambda: self.core.session.snapshot().measure)
            return view is not None and view.run is not None and view.run.phase == "result"

        wait_py(result, 40, "a measurement result in the cabin")
        self.run(lambda: self.core.measurements.accept())  # type: ignore[union-attr]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    portal_config = Config(data_dir=tmp_path / "portal", portal=PortalConfig(port=0))
    portal_config.data_dir.mkdir(parents=True)
    store = PortalStore(portal_config.portal_database_path, SystemClock())
    doctor_name, password, cabin, secret = ensure_demo_accounts(store)
    portal = PortalThread(portal_config, store)
    portal.start()
    # The oximeter's calibration date has passed: out of service, and the doctor must see that
    # SpO2 cannot be taken in this cabin.
    opened = open_database(tmp_path / "kiosk" / "kiosk.db", SystemClock())
    Repository(opened.db, SystemClock()).set_calibration_due("oximeter", "2020-01-01", None)
    opened.close()
    core = Core(
        Config(
            data_dir=tmp_path / "kiosk",
            devices=DevicesConfig(simulate=True, simulation_speed=25.0),
            call=CallConfig(
                portal_url=portal.url, cabin=cabin, cabin_secret=secret, loopback_only=True
            ),
        )
    )
    core_thread = CoreThread(core)
    core_thread.start()
    stack = Stack(core, core_thread, portal, (doctor_name, password))
    try:

        def to_measure() -> None:
            session = core.session
            assistant = core.repo.add_assistant("Nadia", hash_pin("2468"))
            assert session.sign_in(assistant, "2468")
            session.start_session()
            session.submit_identity(FORM)
            session.record_consent(True)
            session.submit_triage("fever", "", dict.fromkeys(RED_FLAGS, False))

        stack.run(to_measure)
        assert stack.state is State.MEASURE
        yield stack
    finally:
        core_thread.stop()
        portal.stop()
        store.close()


def log_in_and_take_the_patient(stack: Stack, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.get(stack.portal.url + "/")
    assert "/login" in driver.current_url  # no console without a login
    driver.find_element(By.NAME, "name").send_keys(stack.doctor[0])
    driver.find_element(By.NAME, "password").send_keys(stack.doctor[1])
    driver.find_element(By.CSS_SELECTOR, "form").submit()
    wait_js(driver, "window.consoleState && window.consoleState.socket === 'open'", 15, "socket")
    stack.run(lambda: stack.core.session.apply(CallDoctor(), State.MEASURE))
    wait_py(lambda: stack.call().phase is CallPhase.WAITING, 15, "the cabin in the waiting room")
    wait_js(driver, "window.consoleState.queue.length === 1", 15, "the cabin in the queue")
    entry = driver.execute_script("return window.consoleState.queue[0]")
    assert entry["reason"] == "fever" and entry["age"] == 67
    driver.find_element(By.XPATH, "//button[contains(., 'Prendre en charge')]").click()
    wait_py(lambda: stack.state is State.IN_CALL, 15, "the cabin in call")
    wait_js(driver, "window.consoleState.phase === 'in_call'", 15, "the page in call")


def assert_video_flows(driver: Any, frames: int = 60) -> list[int]:
    start = driver.execute_script("return window.consoleState.video.frames")
    wait_js(
        driver, f"window.consoleState.video.frames >= {start + frames}", 20, "video frames decoded"
    )
    counters: list[int] = driver.execute_script("return window.consoleState.video.counters")
    recent = counters[-30:]
    assert len(recent) == 30 and recent == sorted(recent) and recent[-1] > recent[0], recent
    return counters


def send_report(driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.NAME, "observations").send_keys("Tympans normaux, gorge rouge.")
    driver.find_element(By.NAME, "conclusion").send_keys("Angine virale probable.")
    driver.find_element(By.NAME, "advice").send_keys("Buvez beaucoup et reposez-vous.")
    driver.find_element(By.NAME, "prescription").send_keys(
        "Paracétamol 1 g, 3 fois par jour, 3 jours\n\nPastilles pour la gorge"
    )
    driver.find_element(
        By.CSS_SELECTOR, "select[name=orientation] option[value=treating_physician]"
    ).click()
    driver.find_element(By.XPATH, "//button[contains(., 'Envoyer le compte-rendu')]").click()


def test_a_whole_consultation_from_the_doctors_browser(stack: Stack) -> None:
    from selenium.webdriver.common.by import By

    # A still of the left ear, taken before the call.
    stack.run(lambda: stack.core.measurements.start("otoscope"))  # type: ignore[union-attr]
    wait_py(lambda: stack.run_view() == ("otoscope", "running", "preview"), 10, "otoscope on")
    stack.run_async(stack.core.measurements.capture("left_ear"))  # type: ignore[union-attr]
    stack.run_async(stack.core.measurements.close())  # type: ignore[union-attr]
    assert stack.images() == 1
    with browser.chromium() as driver:
        log_in_and_take_the_patient(stack, driver)
        # The patient's file, with what was measured before the call, and the still.
        wait_js(driver, "window.consoleState.patient && window.consoleState.patient.last_name")
        assert driver.execute_script("return window.consoleState.patient.age") == 67
        early = wait_js(driver, "window.consoleState.stills[0]", 10, "the early still")
        assert early["side"] == "left" and (early["width"], early["height"]) == (1280, 960)
        # SpO2 cannot be taken here, and the page says why.
        note = wait_js(driver, "document.getElementById('unavailable-spo2')", 5)
        assert "hors service" in note.text and note.is_displayed()
        # Video and audio from the cabin.
        assert_video_flows(driver)
        wait_js(driver, "window.consoleState.audioLevel > 0.01", 15, "the patient heard")
        # A blood pressure taken in the cabin appears with the simulator's values.
        stack.take("blood_pressure")
        bp = wait_js(
            driver,
            "window.consoleState.measurements.find(m => m.kind === 'bp' && m.status === 'accepted')",
            15,
        )
        assert (bp["values"]["systolic"], bp["values"]["diastolic"]) == (120, 80)
        # The doctor asks for a temperature; the assistant confirms; the value comes back.
        driver.find_element(By.XPATH, "//button[contains(., 'température')]").click()
        wait_py(lambda: stack.call().requests, 10, "the request in the cabin")
        request = stack.call().requests[0]
        assert request.action == "take_temperature"
        stack.run(lambda: stack.core.call.confirm_request(request.request_id))  # type: ignore[union-attr]
        stack.accept_when_done()
        temperature = wait_js(
            driver, "window.consoleState.measurements.find(m => m.kind === 'temperature')", 15
        )
        assert 36.0 <= temperature["values"]["celsius"] <= 38.0
        wait_js(
            driver,
            "Object.values(window.consoleState.requests).includes('done')",
            10,
            "the request shown as done",
        )
        # An otoscope still, in full resolution, within 3 s of the capture.
        stack.run(lambda: stack.core.measurements.start("otoscope"))  # type: ignore[union-attr]
        wait_py(lambda: stack.run_view() == ("otoscope", "running", "preview"), 10, "otoscope on")
        began = time.monotonic()
        stack.run_async(stack.core.measurements.capture("right_ear"))  # type: ignore[union-attr]
        assert stack.images() == 2, f"no still stored: {stack.run_view()}"
        still = wait_js(
            driver,
            "window.consoleState.stills.find(s => s.side === 'right')",
            10,
            "the still on the page",
        )
        assert driver.execute_script("return window.consoleState.stills.length") == 2
        assert time.monotonic() - began < 3.0
        assert (still["width"], still["height"]) == (1280, 960)
        # The report: shown and stored in the cabin, which moves to REPORT.
        send_report(driver)
        wait_py(lambda: stack.state is State.REPORT, 15, "the cabin at the REPORT step")
        wait_js(driver, "window.consoleState.reportAcked === true", 10)
        report = stack.call().report
        assert report is not None and report.conclusion == "Angine virale probable."
        assert report.prescription == (
            "Paracétamol 1 g, 3 fois par jour, 3 jours",
            "Pastilles pour la gorge",
        )
        assert report.orientation == "treating_physician"
        session_id = stack.run(lambda: stack.core.session.current_session_id)
        assert stack.run(lambda: stack.core.repo.report(session_id)) is not None
        assert page_errors(driver) == []


@pytest.mark.allow_log_warnings  # the lost network is logged, as it should be
def test_the_call_survives_a_network_cut(stack: Stack) -> None:
    if not only_loopback():
        pytest.skip("cuts the network by taking lo down: run inside ../shared/tools/loopback-only")
    with browser.chromium() as driver:
        log_in_and_take_the_patient(stack, driver)
        assert_video_flows(driver, 30)
        # The page's phases are recorded, since the page cannot be asked while the network is down.
        driver.execute_script(
            "window.__phases = []; setInterval(() => { const p = window.consoleState.phase;"
            " if (window.__phases[window.__phases.length - 1] !== p) window.__phases.push(p); }, 100);"
        )
        subprocess.run(["ip", "link", "set", "lo", "down"], check=True)
        cut_at = time.monotonic()
        try:
            wait_py(lambda: stack.call().phase is CallPhase.RECONNECTING, 8, "reconnecting")
            detected = time.monotonic() - cut_at
            # Measured while the doctor cannot see it: queued, not lost.
            stack.take("temperature")
            assert stack.call().undelivered >= 1
            time.sleep(max(0.0, 7.0 - (time.monotonic() - cut_at)))
        finally:
            subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        back_at = time.monotonic()
        seen = driver.execute_script("return window.consoleState.video.frames")
        wait_js(driver, f"window.consoleState.video.frames > {seen + 30}", 15, "video again")
        media_back = time.monotonic() - back_at
        late = wait_js(
            driver, "window.consoleState.measurements.find(m => m.kind === 'temperature')", 15
        )
        assert late["status"] == "accepted"  # measured during the cut, delivered after it
        phases = driver.execute_script("return window.__phases")
        assert "reconnecting" in phases and phases[-1] == "in_call", phases
        wait_py(lambda: stack.call().phase is CallPhase.IN_CALL, 10, "the cabin in call again")
        wait_py(lambda: stack.call().undelivered == 0, 10, "everything delivered")
        assert detected <= 5.5, f"the cut was seen after {detected:.1f} s"
        assert media_back < 10.0, f"media came back {media_back:.1f} s after the network"
        send_report(driver)
        wait_py(lambda: stack.state is State.REPORT, 15, "the report after the cut")
