"""HYGIENE walked by taps: the cleaning checklist after every patient, before the next one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from kiosk.config import DevicesConfig
from kiosk.flow import CallDoctor, CallEnded, DoctorJoined, State
from tests.gui.conftest import MakeKiosk
from tests.gui.helpers import (
    add_assistant,
    answer_all_flags,
    assert_touch_targets,
    button,
    clean_the_cabin,
    db_rows,
    go_to_consent,
    go_to_measure,
    sign_in,
    tap,
    wait_for_screen,
)
from ui.app import KioskApp
from ui.screens.hygiene import HygieneScreen
from ui.screens.measure import MeasureScreen

ITEMS_FR = {
    "cuff": "Brassard du tensiomètre",
    "probe_cover": "Protège-sonde du thermomètre",
    "oximeter_clip": "Pince de l'oxymètre",
    "speculum": "Spéculum de l'otoscope",
    "screen": "Écran",
    "seat": "Siège",
}


def hygiene_screen(kiosk: KioskApp) -> HygieneScreen:
    screen = kiosk.window.by_state[State.HYGIENE]
    assert isinstance(screen, HygieneScreen)
    return screen


def texts_on(screen: HygieneScreen) -> str:
    shown = [w.text() for w in screen.findChildren(QLabel) if w.isVisible()]
    shown += [w.text() for w in screen.findChildren(QPushButton) if w.isVisible()]
    return "\n".join(shown)


def refer_and_close(qtbot: QtBot, kiosk: KioskApp) -> None:
    go_to_consent(qtbot, kiosk)
    tap(qtbot, button(kiosk.window.by_state[State.CONSENT], "consent_yes"))
    triage = kiosk.window.by_state[State.TRIAGE]
    wait_for_screen(qtbot, kiosk, triage)
    answer_all_flags(qtbot, kiosk, yes=("stroke_signs",))
    tap(qtbot, triage.flags_next)
    referred = kiosk.window.by_state[State.REFERRED]
    wait_for_screen(qtbot, kiosk, referred)
    tap(qtbot, button(referred, "close"))
    wait_for_screen(qtbot, kiosk, hygiene_screen(kiosk))


def test_checklist_after_a_referral(qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk()
    refer_and_close(qtbot, kiosk)
    screen = hygiene_screen(kiosk)
    assert screen.title.text() == "Nettoyer la cabine"
    assert not kiosk.window.language.isVisible(), "the assistant's screen"
    assert "Martin" not in texts_on(screen) and "1942" not in texts_on(screen)
    assert_touch_targets(kiosk)
    for item, name in ITEMS_FR.items():
        assert screen.items[item].text() == f"{name}\ntouchez une fois nettoyé"
    assert not screen.finish.isEnabled()

    # Each touch is kept with its time, and the time is shown on the item.
    for item in ("cuff", "seat", "screen"):
        tap(qtbot, screen.items[item])
        qtbot.waitUntil(lambda i=item: screen.items[i].property("done") == "true")
        assert not screen.finish.isEnabled(), "Finish waits for every item"
    stored = dict(db_rows(tmp_path, "SELECT item, done_at FROM hygiene_checks"))
    assert set(stored) == {"cuff", "seat", "screen"}
    for item in stored:
        hhmm = dt.datetime.fromisoformat(str(stored[item])).astimezone().strftime("%H:%M")
        assert screen.items[item].text() == f"✓  {ITEMS_FR[item]}\nfait à {hhmm}"
    tap(qtbot, screen.items["cuff"])  # a second touch changes nothing
    for item in ("probe_cover", "oximeter_clip", "speculum"):
        tap(qtbot, screen.items[item])
    qtbot.waitUntil(screen.finish.isEnabled)
    assert db_rows(tmp_path, "SELECT done_at FROM hygiene_checks WHERE item = 'cuff'") == [
        (stored["cuff"],)
    ]
    assert_touch_targets(kiosk)
    tap(qtbot, screen.finish)
    wait_for_screen(qtbot, kiosk, kiosk.window.home)
    assert db_rows(tmp_path, "SELECT state, status, end_reason FROM sessions") == [
        ("IDLE", "closed", "red flag")
    ]
    assert db_rows(tmp_path, "SELECT COUNT(*) FROM hygiene_checks") == [(6,)]

    # The next patient can come in.
    assert kiosk.window.home.start.isEnabled()
    assert not kiosk.window.home.cleaning.isVisible()
    tap(qtbot, kiosk.window.home.start)
    wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.IDENTIFY])


def test_checklist_after_a_measured_session(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    none = {"bp": "", "oximeter": "", "otoscope": "", "room_camera": ""}
    devices = DevicesConfig(simulate=True, simulation_speed=50, **none)
    kiosk = make_kiosk(devices=devices)
    go_to_measure(qtbot, kiosk)
    measure = kiosk.window.by_state[State.MEASURE]
    assert isinstance(measure, MeasureScreen)
    tile = measure.tiles["temperature"]
    qtbot.waitUntil(lambda: tile.isEnabled() and "prêt" in tile.plain_text(), timeout=15000)
    tap(qtbot, tile)
    qtbot.waitUntil(measure.accept.isVisible, timeout=15000)
    tap(qtbot, measure.accept)
    qtbot.waitUntil(lambda: db_rows(tmp_path, "SELECT status FROM measurements") == [("accepted",)])
    # No portal here: the call service's events stand for the doctor, then the report step.
    for event, state in (
        (CallDoctor(), State.MEASURE),
        (DoctorJoined("Dr Bernard"), State.WAITING_FOR_DOCTOR),
        (CallEnded(), State.IN_CALL),
    ):
        kiosk.bridge.command(lambda s, e=event, st=state: s.apply(e, st))
    report = kiosk.window.by_state[State.REPORT]
    qtbot.waitUntil(
        lambda: (
            kiosk.bridge.last is not None
            and kiosk.bridge.last.session is not None
            and kiosk.bridge.last.session.state is State.REPORT
        )
    )
    wait_for_screen(qtbot, kiosk, report)
    tap(qtbot, button(report, "report_delivered"))  # the report is handed over
    clean_the_cabin(qtbot, kiosk)
    assert db_rows(tmp_path, "SELECT state, status FROM sessions") == [("IDLE", "closed")]
    transitions = db_rows(
        tmp_path,
        "SELECT json_extract(detail, '$.from'), json_extract(detail, '$.to') FROM events "
        "WHERE action = 'transition' ORDER BY id DESC LIMIT 2",
    )
    assert transitions == [("HYGIENE", "IDLE"), ("REPORT", "HYGIENE")]
    assert kiosk.window.home.start.isEnabled()


def test_a_parked_cleaning_comes_before_the_next_patient(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk()
    refer_and_close(qtbot, kiosk)
    screen = hygiene_screen(kiosk)
    tap(qtbot, screen.items["speculum"])
    qtbot.waitUntil(lambda: screen.items["speculum"].property("done") == "true")
    # The assistant is called away: the cleaning is parked with the sign-out (the idle timeout
    # does the same), and the home then asks for it before anything else.
    kiosk.bridge.command(lambda s: s.sign_out())
    sign_in(qtbot, kiosk)
    home = kiosk.window.home
    qtbot.waitUntil(home.cleaning.isVisible)
    assert "Nettoyage à terminer" in home.cleaning.text()
    assert not home.start.isEnabled()
    assert not home.resume_buttons, "the cleaning is offered once, by its own button"
    assert_touch_targets(kiosk)
    tap(qtbot, home.finish_cleaning)
    wait_for_screen(qtbot, kiosk, screen)
    assert screen.items["speculum"].property("done") == "true", "what was done is kept"
    assert screen.items["cuff"].property("done") == "false"
    clean_the_cabin(qtbot, kiosk)
    assert home.start.isEnabled() and not home.cleaning.isVisible()
