"""The line faults of the issue, as the assistant meets them on the measurement screens: noise on
the line, a silent device, a slow device, a low battery, a device unplugged mid-measurement."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.gui.conftest import MakeKiosk
from tests.gui.helpers import add_assistant, go_to_measure, tap
from tests.gui.test_measure import (
    GUIDED,
    MENU,
    accept,
    screen_of,
    session_id,
    simulated,
    start,
    stored,
    wait_ready,
    wait_result,
)


def test_noise_silence_and_a_low_battery(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk(devices=simulated("bp=garbage thermometer=silence oximeter=low_battery"))
    go_to_measure(qtbot, kiosk)
    screen = screen_of(kiosk)
    # A thermometer that never answers is "not connected", and its tile cannot be touched.
    tile = screen.tiles["temperature"]
    qtbot.waitUntil(lambda: "non branché" in tile.plain_text(), timeout=15000)
    assert not tile.isEnabled()
    # Noise between the cuff's frames costs nothing: the right reading comes through.
    start(qtbot, kiosk, "blood_pressure")
    wait_result(qtbot, screen)
    assert screen.result_value.text() == "120/80 mmHg"
    accept(qtbot, screen)
    # A low battery is said with the reading, which is still kept.
    start(qtbot, kiosk, "spo2")
    wait_result(qtbot, screen, timeout=30000)
    assert "pile de l'appareil faible" in screen.result_flags.text()
    accept(qtbot, screen)
    rows = stored(tmp_path, session_id(kiosk))
    assert [(r.kind, r.status) for r in rows] == [
        ("blood_pressure", "accepted"),
        ("oximetry", "accepted"),
    ]
    assert "low_battery" in rows[1].flags


def test_a_slow_device_and_one_unplugged_mid_measurement(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk(devices=simulated("bp=slow oximeter=unplug"))
    go_to_measure(qtbot, kiosk)
    screen = screen_of(kiosk)
    start(qtbot, kiosk, "blood_pressure")
    wait_result(qtbot, screen, timeout=30000)
    assert screen.result_value.text() == "120/80 mmHg"
    accept(qtbot, screen)
    start(qtbot, kiosk, "spo2")
    qtbot.waitUntil(lambda: screen.error.isVisible(), timeout=30000)
    assert "non branché" in screen.error.text() and "câble" in screen.error.text()
    assert screen.pages.currentIndex() == GUIDED
    rows = stored(tmp_path, session_id(kiosk))
    assert [(r.kind, r.status) for r in rows] == [
        ("blood_pressure", "accepted"),
        ("oximetry", "failed"),
    ]
    assert rows[1].error is not None and rows[1].error["code"] == "DEVICE_NOT_CONNECTED"
    back = screen.findChild(type(screen.accept), "measure_back")
    assert back is not None
    tap(qtbot, back)
    qtbot.waitUntil(lambda: screen.pages.currentIndex() == MENU)
    # The menu says the oximeter is gone; the cuff is still there.
    qtbot.waitUntil(lambda: "non branché" in screen.tiles["spo2"].plain_text(), timeout=5000)
    assert not screen.tiles["spo2"].isEnabled()
    wait_ready(qtbot, screen, "blood_pressure")
