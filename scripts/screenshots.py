"""Screenshots of every screen, from a real window on a real X server (Xvfb), into docs/screens/.

Run: xvfb-run -s "-screen 0 1280x800x24" .venv/bin/python scripts/screenshots.py
The patient shown is fictional.
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kiosk.clock import SystemClock
from kiosk.config import Config, DevicesConfig, SessionConfig, UiConfig
from kiosk.flow import HYGIENE_ITEMS, State
from kiosk.services.auth import hash_pin
from kiosk.services.session import SessionService
from kiosk.storage import Repository, open_database
from ui.app import KioskApp

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screens"
PATIENT = {
    "family_name": "Martin",
    "given_names": "Jeanne",
    "birth_date": "24/06/1942",
    "sex": "female",
    "nir": "2 42 06 75 112 233 80",
    "treating_physician": "Dr Lefèvre",
}


def settle(app: QApplication, seconds: float = 0.4) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def wait(app: QApplication, condition: Callable[[], bool], timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise RuntimeError("the screen did not reach the expected state")
        app.processEvents()
        time.sleep(0.02)


def main() -> int:
    if os.environ.get("QT_QPA_PLATFORM", "xcb") != "xcb" or not os.environ.get("DISPLAY"):
        print("run under Xvfb: xvfb-run -s '-screen 0 1280x800x24' ...", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as data:
        opened = open_database(Path(data) / "kiosk.db", SystemClock())
        repo = Repository(opened.db, SystemClock())
        claire = repo.add_assistant("Claire", hash_pin("1234"))
        repo.add_assistant("Karim", hash_pin("5678"))
        luc = repo.add_technician("Luc", hash_pin("4321"))
        opened.close()
        config = Config(
            data_dir=Path(data),
            ui=UiConfig(fullscreen=True),
            session=SessionConfig(idle_timeout_s=3600),
            # Simulated devices, a little faster than life; a high blood pressure to show how
            # values are highlighted, a thermometer without its probe to show a device problem.
            devices=DevicesConfig(
                simulate=True,
                simulation_speed=3.0,
                simulation_scenarios="bp=hypertension thermometer=no_probe",
            ),
        )
        kiosk = KioskApp(config, app)
        kiosk.show()
        screen = app.primaryScreen()

        def shot(name: str, action: Callable[[SessionService], object] | None = None) -> None:
            if action is not None:
                kiosk.bridge.command(action)
                kiosk.bridge.wait_idle()
            settle(app)
            path = OUT / f"{name}.png"
            screen.grabWindow(0).save(str(path))  # the whole X screen, as a person sees it
            print(path.relative_to(ROOT))

        shot("01-sign-in")
        kiosk.bridge.command(lambda s: s.sign_in(claire, "1234"))
        shot("03-identify", lambda s: s.start_session())
        identify = kiosk.window.by_state[State.IDENTIFY]

        def fill(values: dict[str, str]) -> None:
            for name, field in identify.fields.items():
                field.set_value(values.get(name, ""))
            identify.sex.set_value(values["sex"])
            identify.next.click()

        fill(dict(PATIENT, birth_date="31/02/1942", nir="2 42 06 75 112 233 99"))
        shot("04-identify-errors")
        fill(PATIENT)
        shot("05-consent")
        shot("06-triage-emergency-signs", lambda s: s.record_consent(True))
        triage = kiosk.window.by_state[State.TRIAGE]
        for flag in triage.flags.values():
            flag.choice.buttons["no"].click()
        triage.flags_next.click()
        triage.reasons.buttons["ear_pain"].click()
        triage.details.set_value("Douleur à l'oreille droite depuis deux jours")
        shot("07-triage-reason")
        no_flags = {code: False for code in triage.flags}
        kiosk.bridge.command(
            lambda s: s.submit_triage(
                "ear_pain", "Douleur à l'oreille droite depuis deux jours", no_flags
            )
        )

        def measure() -> object:
            snap = kiosk.bridge.last
            return snap.measure if snap is not None else None

        def run_phase() -> str | None:
            view = measure()
            run = getattr(view, "run", None)
            return None if run is None else str(run.phase)

        def all_ready() -> bool:
            view = measure()
            wanted = {"bp", "oximeter", "otoscope"}
            return view is not None and all(
                d.status == "ready" for d in view.devices if d.family in wanted
            )

        wait(app, all_ready)
        shot("08-measure")
        pressures: list[float] = []
        kiosk.bridge.live.connect(
            lambda u: pressures.append(u.value or 0) if u.kind == "cuff_pressure" else None
        )
        kiosk.bridge.measure(lambda m: m.start("blood_pressure"))
        wait(app, lambda: bool(pressures) and pressures[-1] >= 120)
        shot("12-measure-bp-live")
        wait(app, lambda: run_phase() == "result")
        shot("13-measure-bp-result")
        kiosk.bridge.measure(lambda m: m.accept())
        kiosk.bridge.measure(lambda m: m.start("spo2"))
        pleth: list[int] = []
        kiosk.bridge.live.connect(lambda u: pleth.append(1) if u.kind == "oximetry" else None)
        wait(app, lambda: len(pleth) >= 3)
        shot("14-measure-spo2-live")
        wait(app, lambda: run_phase() == "result")
        kiosk.bridge.measure(lambda m: m.accept())
        kiosk.bridge.measure(lambda m: m.start("temperature"))
        wait(app, lambda: run_phase() == "failed")
        shot("15-measure-device-problem")
        kiosk.bridge.measure(lambda m: m.close())
        kiosk.bridge.measure(lambda m: m.start("otoscope"))
        wait(app, lambda: run_phase() == "running")
        settle(app, 1.0)
        kiosk.bridge.measure(lambda m: m.capture("right_ear"))
        kiosk.bridge.wait_idle()
        settle(app, 0.5)
        shot("16-measure-otoscope")
        kiosk.bridge.measure(lambda m: m.close())
        kiosk.bridge.wait_idle()
        shot("17-measure-summary")
        shot(
            "09-referred",
            lambda s: (
                s.go_back(State.MEASURE),
                s.submit_triage("", "", dict(no_flags, chest_pain=True)),
            ),
        )
        # After every patient, the cabin is cleaned: the checklist, half done.
        shot(
            "18-hygiene",
            lambda s: (
                s.close_session(State.REFERRED),
                s.check_hygiene("cuff"),
                s.check_hygiene("probe_cover"),
                s.check_hygiene("oximeter_clip"),
            ),
        )
        shot(
            "10-consent-refused",
            lambda s: (
                *(s.check_hygiene(item) for item in HYGIENE_ITEMS),
                s.finish_hygiene(),
                s.start_session(),
                s.submit_identity(PATIENT),
                s.record_consent(False),
            ),
        )
        kiosk.bridge.command(
            lambda s: (
                s.close_session(State.ABANDONED),
                *(s.check_hygiene(item) for item in HYGIENE_ITEMS),
                s.finish_hygiene(),
                s.start_session(),
                s.submit_identity(PATIENT),
            )
        )
        kiosk.bridge.wait_idle()
        settle(app)
        kiosk.window.overlay.show_countdown(24)  # what the idle warning looks like
        shot("11-idle-warning")
        kiosk.window.overlay.show_countdown(None)
        # The home, with the session just left open: the assistant can resume it.
        shot("02-home", lambda s: (s.sign_out(), s.sign_in(claire, "1234")))
        # The technician's panel, after "Test all", with a calibration due in three weeks.
        kiosk.bridge.command(lambda s: s.sign_out())
        kiosk.bridge.technician(lambda t: (t.open_sign_in(), t.sign_in(luc, "4321")))
        kiosk.bridge.wait_idle()
        kiosk.bridge.technician(
            lambda t: t.set_calibration_due("bp", t.today() + datetime.timedelta(days=21))
        )
        seen: list[bool] = []

        def tests_done() -> bool:
            snap = kiosk.bridge.last_technician
            busy = bool(snap and snap.testing)
            seen.append(busy)
            return any(seen) and not busy

        kiosk.bridge.technician(lambda t: t.run_self_tests())
        wait(app, tests_done, timeout=120)
        shot("19-technician")
        # The records of the sessions above, waiting: this cabin has no destination configured.
        panel = kiosk.window.technician
        panel.scroll.verticalScrollBar().setValue(panel.records.y())
        shot("26-technician-records")
        kiosk.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
