"""Technician mode walked by taps: sign-in from the assistants' screen, the device panel, "Test all"
with progress and verdicts, a calibration date set in the past that takes the cuff out of service
on the assistant's menu, the support bundle, sign-out.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kiosk.clock import SystemClock
from kiosk.config import DevicesConfig
from kiosk.flow import State
from kiosk.services.auth import hash_pin
from kiosk.storage import Repository
from tests.gui.conftest import MakeKiosk
from tests.gui.helpers import (
    add_assistant,
    assert_touch_targets,
    db_rows,
    go_to_measure,
    tap,
    wait_for_screen,
)
from tests.support.kiosk_db import open_kiosk_db
from ui import messages
from ui.app import KioskApp
from ui.screens.measure import MeasureScreen

TECH_PIN = "97531"


def add_technician(data_dir: Path, name: str = "Marc") -> int:
    opened = open_kiosk_db(data_dir)
    try:
        return Repository(opened.db, SystemClock()).add_technician(name, hash_pin(TECH_PIN))
    finally:
        opened.close()


def simulated(scenarios: str = "") -> DevicesConfig:
    return DevicesConfig(simulate=True, simulation_speed=40, simulation_scenarios=scenarios)


def technician_signs_in(qtbot: QtBot, kiosk: KioskApp, pin: str = TECH_PIN) -> None:
    window = kiosk.window
    wait_for_screen(qtbot, kiosk, window.signin)
    tap(qtbot, window.signin.technician)
    wait_for_screen(qtbot, kiosk, window.technician_signin)
    screen = window.technician_signin
    qtbot.waitUntil(lambda: screen.names is not None and bool(screen.names.value()))
    for digit in pin:
        tap(qtbot, screen.pad.keys[digit])
    tap(qtbot, screen.pad.ok)


def test_technician_signs_in_tests_all_and_writes_a_bundle(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    add_technician(tmp_path)
    kiosk = make_kiosk(devices=simulated("thermometer=post_fail"))
    window = kiosk.window
    # A wrong PIN says so, and the technician stays on the sign-in.
    technician_signs_in(qtbot, kiosk, "1234")
    message = window.technician_signin.message
    qtbot.waitUntil(lambda: message.isVisible() and "4" in message.text())
    assert message.text().startswith(messages.notice("WRONG_PIN", {}))
    screen = window.technician_signin
    for digit in TECH_PIN:
        tap(qtbot, screen.pad.keys[digit])
    tap(qtbot, screen.pad.ok)
    panel = window.technician
    wait_for_screen(qtbot, kiosk, panel)
    assert not window.language.isVisible()  # not a patient's screen
    cards = panel.cards
    qtbot.waitUntil(lambda: "SunTech" in cards["bp"].identity.text(), timeout=10000)
    assert "Welch Allyn" in cards["thermometer"].identity.text()
    assert_touch_targets(kiosk)

    idle_progress = panel.progress.text()
    tap(qtbot, panel.test_all)
    qtbot.waitUntil(
        lambda: (
            len(db_rows(tmp_path, "SELECT id FROM device_checks")) == 6
            and panel.test_all.isEnabled()
        ),
        timeout=60000,
    )
    assert panel.progress.text() != idle_progress  # one device out of service now
    passed, failed = messages.self_test_verdict(True), messages.self_test_verdict(False)
    for name in ("bp", "oximeter", "otoscope", "room_camera", "microphone"):
        assert passed in cards[name].check.text(), (name, cards[name].check.text())
    assert failed in cards["thermometer"].check.text()
    assert cards["thermometer"].state.text() == messages.device_service(
        "out_of_service", "self_test_failed", None
    )
    assert "SELF_TEST_FAILED" in cards["thermometer"].history.text()

    # Testing one device again: its verdict is replaced by the new one.
    tap(qtbot, cards["otoscope"].test)
    otoscope_checks = "SELECT id FROM device_checks WHERE family = 'otoscope'"
    qtbot.waitUntil(
        lambda: len(db_rows(tmp_path, otoscope_checks)) == 2 and panel.test_all.isEnabled(),
        timeout=30000,
    )

    tap(qtbot, panel.bundle)
    qtbot.waitUntil(lambda: panel.bundle_path.isVisible(), timeout=10000)
    written = list((tmp_path / "support").glob("bundle-*.zip"))
    assert len(written) == 1 and str(written[0]) in panel.bundle_path.text()
    with zipfile.ZipFile(written[0]) as bundle:
        assert "device_panel.json" in bundle.namelist()

    tap(qtbot, panel.sign_out)
    wait_for_screen(qtbot, kiosk, window.signin)


def test_calibration_date_in_the_past_takes_the_cuff_out_of_service(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    add_technician(tmp_path)
    kiosk = make_kiosk(devices=simulated())
    window = kiosk.window
    technician_signs_in(qtbot, kiosk)
    wait_for_screen(qtbot, kiosk, window.technician)
    card = window.technician.cards["bp"]
    tap(qtbot, card.minus)  # a month before today
    assert card.pending is not None
    tap(qtbot, card.save)
    due = card.pending.isoformat()
    qtbot.waitUntil(
        lambda: (
            card.state.text()
            == messages.device_service("out_of_service", "calibration_overdue", due)
        )
    )
    assert messages.long_date(due) in card.calibration.text()
    thermometer = window.technician.cards["thermometer"]
    tap(qtbot, thermometer.save)  # due today: still usable, with a warning
    today = dt.date.today().isoformat()
    qtbot.waitUntil(lambda: messages.long_date(today) in thermometer.calibration.text())
    tap(qtbot, window.technician.sign_out)
    wait_for_screen(qtbot, kiosk, window.signin)

    go_to_measure(qtbot, kiosk)
    screen = window.by_state[State.MEASURE]
    assert isinstance(screen, MeasureScreen)
    tile = screen.tiles["blood_pressure"]
    expected = messages.device_service("out_of_service", "calibration_overdue", due)
    qtbot.waitUntil(lambda: expected in tile.plain_text(), timeout=10000)
    assert not tile.isEnabled()
    # The other devices still work; the thermometer warns; the session goes on without the cuff.
    temperature = screen.tiles["temperature"]
    qtbot.waitUntil(lambda: temperature.isEnabled(), timeout=10000)
    warning = messages.device_service("calibration_soon", "calibration_due", today)
    assert warning in temperature.plain_text()
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    qtbot.wait(200)
    assert kiosk.bridge.last is not None and kiosk.bridge.last.measure is not None
    assert kiosk.bridge.last.measure.run is None
    tap(qtbot, temperature)
    qtbot.waitUntil(lambda: screen.pages.currentIndex() == 1, timeout=5000)


@pytest.mark.allow_log_warnings  # the microphone that cannot be opened is logged
def test_a_microphone_that_fails_its_self_test_warns_the_assistant(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    add_technician(tmp_path)
    kiosk = make_kiosk(devices=simulated(), microphone="alsa:no_such_card")
    window = kiosk.window
    technician_signs_in(qtbot, kiosk)
    panel = window.technician
    wait_for_screen(qtbot, kiosk, panel)
    card = panel.cards["microphone"]
    assert "alsa:no_such_card" in card.identity.text()  # where it is set up
    tap(qtbot, card.test)
    failed = messages.self_test_verdict(False)
    qtbot.waitUntil(lambda: failed in card.check.text(), timeout=30000)
    assert "cannot be opened" in card.check.text()
    assert card.state.text() == messages.device_service("out_of_service", "self_test_failed", None)
    tap(qtbot, panel.sign_out)
    wait_for_screen(qtbot, kiosk, window.signin)

    go_to_measure(qtbot, kiosk)
    screen = window.by_state[State.MEASURE]
    assert isinstance(screen, MeasureScreen)
    qtbot.waitUntil(lambda: screen.microphone_warning.isVisible(), timeout=10000)
    assert "microphone" in screen.microphone_warning.text().lower() or (
        "micro" in screen.microphone_warning.text().lower()
    )
    # The call can still be made: the doctor still sees the patient and the measurements.
    assert screen.call_doctor.isEnabled()
