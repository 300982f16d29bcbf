"""The MEASURE step walked by taps, with the device simulators on real pseudo-terminals.

Each kiosk here runs its simulators inside its core thread, 20 times faster than real devices.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import sqlite_utils
from pytestqt.qtbot import QtBot

from kiosk.clock import SystemClock
from kiosk.config import DevicesConfig
from kiosk.flow import State
from kiosk.storage import Repository
from kiosk.storage.repository import ImageRow, MeasurementRow
from tests.gui.conftest import MakeKiosk
from tests.gui.helpers import (
    add_assistant,
    answer_all_flags,
    assert_language_button,
    assert_touch_targets,
    button,
    db_rows,
    go_to_consent,
    go_to_measure,
    tap,
    wait_for_screen,
)
from tests.support.kiosk_db import connect_kiosk_db
from ui.app import KioskApp
from ui.screens.measure import MeasureScreen

SPEED = 20
MENU, GUIDED = 0, 1


def simulated(scenarios: str = "") -> DevicesConfig:
    return DevicesConfig(simulate=True, simulation_speed=SPEED, simulation_scenarios=scenarios)


def screen_of(kiosk: KioskApp) -> MeasureScreen:
    screen = kiosk.window.by_state[State.MEASURE]
    assert isinstance(screen, MeasureScreen)
    return screen


def session_id(kiosk: KioskApp) -> str:
    snap = kiosk.bridge.last
    assert snap is not None and snap.session is not None
    return snap.session.id


def stored(tmp_path: Path, session: str) -> list[MeasurementRow]:
    conn = connect_kiosk_db(tmp_path / "kiosk.db")
    try:
        return Repository(sqlite_utils.Database(conn), SystemClock()).measurements(session)
    finally:
        conn.close()


def images(tmp_path: Path, session: str) -> list[ImageRow]:
    conn = connect_kiosk_db(tmp_path / "kiosk.db")
    try:
        return Repository(sqlite_utils.Database(conn), SystemClock()).images(session, None)
    finally:
        conn.close()


def wait_ready(qtbot: QtBot, screen: MeasureScreen, kind: str, timeout: int = 15000) -> None:
    tile = screen.tiles[kind]
    qtbot.waitUntil(lambda: tile.isEnabled() and "prêt" in tile.plain_text(), timeout=timeout)


def start(qtbot: QtBot, kiosk: KioskApp, kind: str) -> MeasureScreen:
    screen = screen_of(kiosk)
    wait_ready(qtbot, screen, kind)
    tap(qtbot, screen.tiles[kind])
    qtbot.waitUntil(lambda: screen.pages.currentIndex() == GUIDED)
    return screen


def wait_result(qtbot: QtBot, screen: MeasureScreen, timeout: int = 15000) -> None:
    qtbot.waitUntil(lambda: screen.accept.isVisible(), timeout=timeout)
    assert screen.live.currentWidget() is screen.live_result


def accept(qtbot: QtBot, screen: MeasureScreen) -> None:
    tap(qtbot, screen.accept)
    qtbot.waitUntil(lambda: screen.pages.currentIndex() == MENU)


def test_vital_signs_by_taps(qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk(devices=simulated("thermometer=fever oximeter=hypoxia"))
    go_to_measure(qtbot, kiosk)
    screen = screen_of(kiosk)
    session = session_id(kiosk)
    wait_ready(qtbot, screen, "blood_pressure")
    assert_touch_targets(kiosk)
    assert_language_button(kiosk)
    assert "Aucune mesure" in screen.readings.text()

    # Blood pressure: the posture, the gauge moving with the cuff, then the result.
    start(qtbot, kiosk, "blood_pressure")
    assert screen.posture.kind == "blood_pressure"
    assert screen.stop.isVisible() and not screen.accept.isVisible()
    assert "bras" in screen.instruction.text()
    assert_touch_targets(kiosk)
    wait_result(qtbot, screen)
    assert screen.gauge.peak > 100, "the gauge followed the cuff up"
    assert screen.gauge.updates >= 3
    bp_text = screen.result_value.text()
    assert re.fullmatch(r"\d{2,3}/\d{2,3} mmHg", bp_text), bp_text
    assert "Mesuré à" in screen.result_time.text()
    assert not screen.result_alerts.isVisible()
    assert screen.retake.isVisible()
    assert_touch_targets(kiosk)
    accept(qtbot, screen)
    assert bp_text in screen.readings.text() and "Tension artérielle" in screen.readings.text()
    assert bp_text in screen.tiles["blood_pressure"].plain_text()
    rows = stored(tmp_path, session)
    assert [(r.kind, r.status) for r in rows] == [("blood_pressure", "accepted")]
    assert f"{rows[0].reading['systolic']}/{rows[0].reading['diastolic']} mmHg" == bp_text
    assert rows[0].device["family"] == "bp" and rows[0].device["model"]
    assert bytes.fromhex(rows[0].raw), "the device's own bytes are kept"

    # Temperature with a fever: 39.8 in large type, highlighted, without a diagnosis.
    start(qtbot, kiosk, "temperature")
    assert screen.posture.kind == "temperature"
    wait_result(qtbot, screen)
    assert screen.result_value.text() == "39,8 °C"
    assert screen.result_value.property("alert") == "true"
    assert screen.result_alerts.isVisible()
    assert "Température élevée" in screen.result_alerts.text()
    assert "médecin" in screen.result_alerts.text()
    accept(qtbot, screen)
    tile = screen.tiles["temperature"]
    assert tile.property("alert") == "true"
    assert "39,8 °C" in tile.plain_text() and "Température élevée" in tile.plain_text()
    assert "Température élevée" in screen.readings.text()

    # SpO2 with hypoxia: live numbers and the pleth wave, then a low value flagged.
    start(qtbot, kiosk, "spo2")
    assert screen.posture.kind == "spo2"
    began, ui_cpu = time.monotonic(), time.thread_time()
    repaints = screen.pleth.repaints
    qtbot.waitUntil(lambda: screen.pleth.samples_received > 0, timeout=10000)
    qtbot.waitUntil(lambda: screen.spo2.text() != "SpO2 -- %", timeout=10000)
    wait_result(qtbot, screen)
    elapsed = time.monotonic() - began
    ui_cpu = time.thread_time() - ui_cpu
    assert screen.pleth.repaints - repaints <= 20 * elapsed + 5, "the pleth repaints at 20 Hz"
    # The Qt thread's share of a core while the oximeter streams (20 times faster than real).
    assert ui_cpu / elapsed < 0.10, f"UI thread: {ui_cpu / elapsed:.0%} of a core"
    assert screen.result_value.text().startswith("SpO2 ")
    assert "Saturation en oxygène basse" in screen.result_alerts.text()
    accept(qtbot, screen)
    assert screen.tiles["spo2"].property("alert") == "true"

    rows = stored(tmp_path, session)
    assert [(r.kind, r.status) for r in rows] == [
        ("blood_pressure", "accepted"),
        ("body_temperature", "accepted"),
        ("oximetry", "accepted"),
    ]
    assert rows[1].reading["celsius"] == 39.8
    assert rows[2].reading["spo2"] < 92
    assert all(r.device["model"] and r.raw for r in rows)


def test_retake_and_stop(qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk(devices=simulated("oximeter=finger_out"))
    go_to_measure(qtbot, kiosk)
    screen = start(qtbot, kiosk, "temperature")
    wait_result(qtbot, screen)
    first = screen.result_value.text()
    tap(qtbot, screen.retake)
    qtbot.waitUntil(lambda: screen.stop.isVisible())
    assert screen.probe.text() == "-- °C", "a retake starts the live value afresh"
    wait_result(qtbot, screen)
    accept(qtbot, screen)
    statuses = [(r.kind, r.status) for r in stored(tmp_path, session_id(kiosk))]
    assert statuses == [("body_temperature", "discarded"), ("body_temperature", "accepted")]
    assert first.endswith("°C")
    # No finger in the clip: the panel says so while it waits; Stop goes back, nothing stored.
    start(qtbot, kiosk, "spo2")
    qtbot.waitUntil(lambda: "doigt hors de la pince" in screen.sensor_hint.text(), timeout=10000)
    assert "pince" in screen.instruction.text()
    tap(qtbot, screen.stop)
    qtbot.waitUntil(lambda: screen.pages.currentIndex() == MENU)
    assert len(stored(tmp_path, session_id(kiosk))) == 2
    wait_ready(qtbot, screen, "spo2")
    # The cuff too can be stopped while it inflates.
    start(qtbot, kiosk, "blood_pressure")
    qtbot.waitUntil(lambda: screen.gauge.updates > 0, timeout=10000)
    tap(qtbot, screen.stop)
    qtbot.waitUntil(lambda: screen.pages.currentIndex() == MENU)
    assert len(stored(tmp_path, session_id(kiosk))) == 2
    wait_ready(qtbot, screen, "blood_pressure")


@pytest.mark.parametrize(
    ("scenario", "words", "retake"),
    [
        ("motion", "rester immobile et de ne pas parler", True),
        ("loose_cuff", "resserrez-le sur le bras nu", True),
        ("over_pressure", "appelez un technicien", False),
    ],
)
def test_blood_pressure_failures_in_plain_words(
    qtbot: QtBot,
    make_kiosk: MakeKiosk,
    tmp_path: Path,
    scenario: str,
    words: str,
    retake: bool,
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk(devices=simulated(f"bp={scenario}"))
    if scenario == "motion":
        # Before consent, and before the emergency signs are checked, the core measures
        # nothing, whatever asks it (the screens only offer it in MEASURE).
        go_to_consent(qtbot, kiosk)
        kiosk.bridge.measure(lambda m: m.start("blood_pressure"))
        kiosk.bridge.wait_idle()
        tap(qtbot, button(kiosk.window.by_state[State.CONSENT], "consent_yes"))
        wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.TRIAGE])
        kiosk.bridge.measure(lambda m: m.start("blood_pressure"))
        kiosk.bridge.wait_idle()
        assert kiosk.bridge.last is not None and kiosk.bridge.last.measure is not None
        assert kiosk.bridge.last.measure.run is None
        assert db_rows(tmp_path, "SELECT COUNT(*) FROM measurements") == [(0,)]
        assert db_rows(
            tmp_path, "SELECT COUNT(*) FROM events WHERE action = 'measurement_started'"
        ) == [(0,)]
        triage = kiosk.window.by_state[State.TRIAGE]
        assert kiosk.window.stack.currentWidget() is triage
        # Then on to MEASURE the usual way.
        answer_all_flags(qtbot, kiosk)
        tap(qtbot, triage.flags_next)
        tap(qtbot, triage.reasons.buttons["headache"])
        tap(qtbot, triage.submit)
        wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.MEASURE])
    else:
        go_to_measure(qtbot, kiosk)
    screen = start(qtbot, kiosk, "blood_pressure")
    qtbot.waitUntil(lambda: screen.live.currentWidget() is screen.live_failed, timeout=20000)
    message = screen.error.text()
    assert message.startswith("Tensiomètre : la mesure n'a pas abouti."), message
    assert words in message
    assert screen.run_back.isVisible() and screen.run_back.text() == "Retour aux mesures"
    assert screen.retake.isVisible() is retake
    assert not screen.accept.isVisible()
    assert_touch_targets(kiosk)
    rows = stored(tmp_path, session_id(kiosk))
    assert [(r.kind, r.status) for r in rows] == [("blood_pressure", "failed")]
    assert rows[0].error is not None and rows[0].error["code"] == "MEASUREMENT_FAILED"
    if retake:
        tap(qtbot, screen.retake)
        qtbot.waitUntil(lambda: len(stored(tmp_path, session_id(kiosk))) == 2, timeout=20000)
        qtbot.waitUntil(lambda: screen.run_back.isVisible())
    tap(qtbot, screen.run_back)
    qtbot.waitUntil(lambda: screen.pages.currentIndex() == MENU)
    assert "Tension artérielle" not in screen.readings.text(), "a failure is not a reading"


def test_otoscope_preview_and_stills(qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk(devices=simulated())
    go_to_measure(qtbot, kiosk, reason="ear_pain")
    screen = start(qtbot, kiosk, "otoscope")
    session = session_id(kiosk)
    qtbot.waitUntil(lambda: screen.preview.frames_painted >= 3, timeout=10000)
    assert screen.posture.kind == "otoscope"
    assert screen.run_back.text() == "Terminé"
    assert_touch_targets(kiosk)
    tap(qtbot, button(screen, "capture_left_ear"))
    qtbot.waitUntil(lambda: len(screen.card_widgets) == 1, timeout=10000)
    tap(qtbot, button(screen, "capture_right_ear"))
    qtbot.waitUntil(lambda: len(screen.card_widgets) == 2, timeout=10000)
    assert [card.site.text() for card in screen.card_widgets] == [
        "Oreille gauche",
        "Oreille droite",
    ]
    assert all(not card.picture.pixmap().isNull() for card in screen.card_widgets)
    assert_touch_targets(kiosk)
    kept = images(tmp_path, session)
    assert [(i.site, i.status) for i in kept] == [("left_ear", "kept"), ("right_ear", "kept")]
    # Retake the left ear: the old still is discarded, a new one kept.
    left = screen.card_widgets[0]
    tap(qtbot, left.retake)
    qtbot.waitUntil(
        lambda: (
            [(i.site, i.status) for i in images(tmp_path, session)]
            == [("left_ear", "discarded"), ("right_ear", "kept"), ("left_ear", "kept")]
        ),
        timeout=10000,
    )
    qtbot.waitUntil(lambda: left not in screen.card_widgets and len(screen.card_widgets) == 2)
    tap(qtbot, screen.run_back)
    qtbot.waitUntil(lambda: screen.pages.currentIndex() == MENU)
    assert len(screen.menu_still_labels) == 2
    assert "2 image(s)" in screen.tiles["otoscope"].plain_text()
    wait_ready(qtbot, screen, "otoscope")
    # A still the core could not save is said in words, until the assistant dismisses it.
    kiosk.bridge.command(lambda s: s.notify("STILL_NOT_SAVED"))
    qtbot.waitUntil(screen.notice.isVisible)
    assert "n'a pas pu être enregistrée" in screen.notice.text()
    assert_touch_targets(kiosk)
    tap(qtbot, button(screen, "notice_ok"))
    qtbot.waitUntil(lambda: not screen.notice.isVisible())


def test_missing_devices_are_said_and_disabled(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk(
        devices=DevicesConfig(
            bp=str(tmp_path / "no-such-bp"),
            thermometer="",
            oximeter="",
            otoscope="",
            room_camera="",
        )
    )
    go_to_measure(qtbot, kiosk)
    screen = screen_of(kiosk)
    bp = screen.tiles["blood_pressure"]
    qtbot.waitUntil(lambda: "non branché" in bp.plain_text(), timeout=10000)
    assert not bp.isEnabled()
    for kind in ("temperature", "spo2", "otoscope"):
        assert "non installé dans cette cabine" in screen.tiles[kind].plain_text()
        assert not screen.tiles[kind].isEnabled()
    assert_touch_targets(kiosk)
    tap(qtbot, kiosk.window.language)
    qtbot.waitUntil(lambda: "not connected" in bp.plain_text())
    assert "not installed in this cabin" in screen.tiles["otoscope"].plain_text()
    assert screen.title.text() == "Measurements"
