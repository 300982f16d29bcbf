"""Screenshots of the call with a remote doctor, the cabin's side and the doctor's, into docs/screens/.

A doctor portal runs on 127.0.0.1 (a free port) with its demonstration doctor and cabin; the
touchscreen runs in a real window on a real X server (Xvfb) with simulated devices and calls that
portal; a headless Chromium (Debian's, its fake camera as the doctor's) plays the doctor: logs in,
takes the patient, asks for a temperature and sends a report. Everything stays on 127.0.0.1.

Run: xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/call_screenshots.py
(it also runs inside ../shared/tools/loopback-only). The patient shown is fictional.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from kiosk.call.state import CallPhase
from kiosk.clock import SystemClock
from kiosk.config import CallConfig, Config, DevicesConfig, PortalConfig, SessionConfig, UiConfig
from kiosk.flow import State
from kiosk.flow.triage import RED_FLAGS
from kiosk.portal.background import PortalThread
from kiosk.portal.store import PortalStore
from kiosk.portal_commands import ensure_demo_accounts
from kiosk.services.auth import hash_pin
from kiosk.storage import Repository, open_database
from ui.app import KioskApp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for the two imports below, as when run from the repository

from scripts.screenshots import PATIENT, settle, wait  # noqa: E402
from tests.support import browser  # noqa: E402

OUT = ROOT / "docs" / "screens"
# No treating physician typed: the call sends none to the portal.
CALL_PATIENT = dict(PATIENT, treating_physician="")
REASON = ("ear_pain", "Douleur à l'oreille droite depuis deux jours")
REPORT = {
    "observations": (
        "Douleur de l'oreille droite depuis deux jours, sans fièvre. Tension artérielle et "
        "température normales. Douleur à la pression devant l'oreille droite ; pas "
        "d'écoulement, pas de vertige, audition conservée selon la patiente."
    ),
    "conclusion": (
        "Otite externe droite probable : une inflammation du conduit de l'oreille, sans signe "
        "de gravité."
    ),
    "advice": (
        "Gardez l'oreille droite au sec pendant une semaine : pas de baignade, et protégez-la "
        "sous la douche. N'utilisez pas de coton-tige. Si la fièvre apparaît, si l'oreille coule "
        "ou si la douleur augmente, consultez sans attendre."
    ),
    "prescription": (
        "Paracétamol 1 g : 1 comprimé si douleur, jusqu'à 3 fois par jour, 5 jours au plus\n"
        "Ciprofloxacine gouttes auriculaires : 4 gouttes matin et soir, 7 jours"
    ),
}


def waited(
    app: QApplication,
    condition: Callable[[], object],
    what: str,
    timeout: float,
    detail: Callable[[], str] | None = None,
) -> None:
    """Wait for ``condition`` while Qt runs; a timeout says what was awaited (and ``detail()``)."""
    try:
        wait(app, lambda: bool(condition()), timeout)
    except RuntimeError:
        more = f"; {detail()}" if detail is not None else ""
        raise RuntimeError(f"not reached in time: {what}{more}") from None


def main() -> int:
    if os.environ.get("QT_QPA_PLATFORM", "xcb") != "xcb" or not os.environ.get("DISPLAY"):
        print("run under Xvfb: xvfb-run -a -s '-screen 0 1280x800x24' ...", file=sys.stderr)
        return 2
    if not browser.available():
        print("needs Debian's chromium and chromium-driver", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as data:
        portal_config = Config(data_dir=Path(data) / "portal", portal=PortalConfig(port=0))
        portal_config.data_dir.mkdir(parents=True)
        store = PortalStore(portal_config.portal_database_path, SystemClock())
        portal = PortalThread(portal_config, store)
        try:
            doctor, password, cabin, secret = ensure_demo_accounts(store)
            portal.start()
            run(app, Path(data) / "kiosk", portal.url, (doctor, password), cabin, secret)
        finally:
            portal.stop()
            store.close()
    print(f"done in {time.monotonic() - began:.0f} s")
    return 0


def run(
    app: QApplication,
    data: Path,
    portal_url: str,
    doctor: tuple[str, str],
    cabin: str,
    secret: str,
) -> None:
    data.mkdir(parents=True)
    opened = open_database(data / "kiosk.db", SystemClock())
    claire = Repository(opened.db, SystemClock()).add_assistant("Claire", hash_pin("1234"))
    opened.close()
    config = Config(
        data_dir=data,
        ui=UiConfig(fullscreen=True),
        session=SessionConfig(idle_timeout_s=3600),
        devices=DevicesConfig(simulate=True, simulation_speed=4.0),
        call=CallConfig(
            portal_url=portal_url, cabin=cabin, cabin_secret=secret, loopback_only=True
        ),
    )
    kiosk = KioskApp(config, app)
    kiosk.show()
    screen = app.primaryScreen()

    def shot(name: str) -> None:
        settle(app)
        path = OUT / f"{name}.png"
        screen.grabWindow(0).save(str(path))  # the whole X screen, as a person sees it
        print(path.relative_to(ROOT))

    def state() -> State | None:
        snap = kiosk.bridge.last
        return snap.session.state if snap is not None and snap.session is not None else None

    def call_phase() -> CallPhase | None:
        snap = kiosk.bridge.last
        return snap.call.phase if snap is not None and snap.call is not None else None

    def run_phase() -> str | None:
        snap = kiosk.bridge.last
        run = snap.measure.run if snap is not None and snap.measure is not None else None
        return None if run is None else str(run.phase)

    def device_ready(family: str) -> bool:
        snap = kiosk.bridge.last
        view = snap.measure if snap is not None else None
        return view is not None and any(
            d.family == family and d.status == "ready" for d in view.devices
        )

    def until(condition: Callable[[], object], what: str, timeout: float = 30.0) -> None:
        waited(app, condition, what, timeout)

    try:
        # The assistant brings the patient to the measurements and takes a blood pressure.
        kiosk.bridge.command(
            lambda s: (
                s.sign_in(claire, "1234"),
                s.start_session(),
                s.submit_identity(CALL_PATIENT),
                s.record_consent(True),
                s.submit_triage(*REASON, dict.fromkeys(RED_FLAGS, False)),
            )
        )
        until(lambda: state() is State.MEASURE and device_ready("bp"), "the measurements")
        kiosk.bridge.measure(lambda m: m.start("blood_pressure"))
        until(lambda: run_phase() == "result", "a blood pressure", 40)
        kiosk.bridge.measure(lambda m: m.accept())
        until(lambda: run_phase() is None, "the blood pressure accepted")

        with browser.chromium() as driver:
            play(driver, kiosk, app, portal_url, doctor, shot, state, call_phase, run_phase)
    finally:
        kiosk.close()


def play(
    driver: Any,
    kiosk: KioskApp,
    app: QApplication,
    portal_url: str,
    doctor: tuple[str, str],
    shot: Callable[[str], None],
    state: Callable[[], State | None],
    call_phase: Callable[[], CallPhase | None],
    run_phase: Callable[[], str | None],
) -> None:
    from selenium.webdriver.common.by import By

    window = kiosk.window

    def until(condition: Callable[[], object], what: str, timeout: float = 30.0) -> None:
        waited(app, condition, what, timeout)

    def page(script: str) -> Any:
        return driver.execute_script("return " + script)

    def page_state() -> str:
        return f"page: {page('JSON.stringify(window.consoleState)')[:800]}"

    def page_until(script: str, what: str, timeout: float = 20.0) -> None:
        waited(app, lambda: page(script), what, timeout, page_state)

    def doctor_shot(name: str) -> None:
        time.sleep(0.3)
        path = OUT / f"{name}.png"
        driver.save_screenshot(str(path))
        print(path.relative_to(ROOT))

    # The page 1400 x 900, as a doctor's screen (the window's size leaves less to the page).
    chrome = page(
        "[window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]"
    )
    driver.set_window_size(1400 + chrome[0], 900 + chrome[1])
    # The doctor logs in and waits for patients.
    driver.get(portal_url + "/")
    driver.find_element(By.NAME, "name").send_keys(doctor[0])
    driver.find_element(By.NAME, "password").send_keys(doctor[1])
    driver.find_element(By.CSS_SELECTOR, "form").submit()
    page_until("window.consoleState && window.consoleState.socket === 'open'", "the socket")

    # The assistant calls a doctor: the cabin enters the waiting room.
    window.by_state[State.MEASURE].call_doctor.click()
    until(lambda: call_phase() is CallPhase.WAITING, "the cabin in the waiting room")
    waiting = window.by_state[State.WAITING_FOR_DOCTOR]
    until(lambda: waiting.self_view.frames_received >= 5, "the cabin's own picture")
    page_until("window.consoleState.queue.length === 1", "the cabin in the queue")
    settle(app, 3.0)  # a few seconds of waiting on the doctor's clock
    shot("20-call-waiting")
    doctor_shot("31-doctor-queue")

    # The doctor takes the patient: video both ways.
    driver.find_element(By.XPATH, "//button[contains(., 'Prendre en charge')]").click()
    until(lambda: state() is State.IN_CALL, "the cabin in the call")
    page_until("window.consoleState.phase === 'in_call'", "the page in the call")
    call = window.by_state[State.IN_CALL]
    until(
        lambda: (
            call.stage.doctor.frames_received >= 30 and call.stage.self_view.frames_received >= 5
        ),
        "the doctor's picture in the cabin",
    )
    page_until("window.consoleState.video.frames >= 60", "the cabin's picture in the page")
    page_until("window.consoleState.measurements.some(m => m.kind === 'bp')", "the blood pressure")
    page_until("window.consoleState.patient && window.consoleState.patient.last_name", "the file")
    shot("21-call")

    # The doctor asks for a temperature: a card in the cabin, a pending request in the page.
    driver.find_element(By.XPATH, "//button[contains(., 'Prendre la température')]").click()
    until(lambda: call.cards, "the doctor's request in the cabin")
    shot("22-call-request")
    page_until("Object.values(window.consoleState.requests).length === 1", "the request")
    doctor_shot("30-doctor-console")

    # The assistant starts it; the temperature goes to the doctor.
    next(iter(call.cards.values())).start.click()
    until(lambda: run_phase() == "result", "a temperature", 40)
    kiosk.bridge.measure(lambda m: m.accept())
    page_until(
        "window.consoleState.measurements.some(m => m.kind === 'temperature')", "the temperature"
    )

    # The report, written and sent; the cabin shows it.
    for name, text in REPORT.items():
        driver.find_element(By.NAME, name).send_keys(text)
    driver.find_element(
        By.CSS_SELECTOR, "select[name=orientation] option[value=treating_physician]"
    ).click()
    driver.find_element(By.XPATH, "//button[contains(., 'Envoyer le compte-rendu')]").click()
    until(lambda: state() is State.REPORT, "the report in the cabin")
    page_until("window.consoleState.reportAcked === true", "the report's receipt")
    shot("23-report")
    # Printing with no printer: the kiosk says so and offers the PDF on the screen. CUPS_SERVER
    # points at a closed loopback port, so a printer of this machine never prints the demo.
    os.environ["CUPS_SERVER"] = "127.0.0.1:1"
    report = kiosk.window.by_state[State.REPORT]
    report.print_button.click()
    until(lambda: report.show_pdf.isVisible(), "the printing's answer")
    shot("25-report-print")
    errors = browser.page_errors(driver)
    if errors:
        print("errors in the doctor's page:", *errors, sep="\n  ", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
