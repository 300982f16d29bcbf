"""Idle timeout (warning, countdown, parking) and resuming an interrupted session."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from kiosk.clock import SystemClock
from kiosk.config import Config
from kiosk.flow import State
from kiosk.services.session import SessionService
from kiosk.storage import Repository
from tests.gui.conftest import MakeKiosk
from tests.gui.helpers import (
    PIN,
    add_assistant,
    button,
    db_rows,
    go_to_consent,
    sign_in,
    tap,
    wait_for_screen,
)
from tests.support.kiosk_db import open_kiosk_db
from ui.app import KioskApp


def visible_texts(kiosk: KioskApp) -> str:
    texts = [w.text() for w in kiosk.window.findChildren(QLabel) if w.isVisible()]
    texts += [w.text() for w in kiosk.window.findChildren(QLineEdit) if w.isVisible()]
    return "\n".join(texts)


def test_idle_warning_then_parking_hides_the_patient(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk(idle_timeout_s=1.0, idle_warning_s=3.0)
    go_to_consent(qtbot, kiosk)
    overlay = kiosk.window.overlay
    qtbot.waitUntil(overlay.isVisible, timeout=4000)
    assert "secondes" in overlay.countdown.text()
    tap(qtbot, overlay.stay)
    qtbot.waitUntil(lambda: not overlay.isVisible(), timeout=2000)
    assert kiosk.window.stack.currentWidget() is kiosk.window.by_state[State.CONSENT]
    # Nobody touches anything now: warning, countdown, then back to sign-in.
    qtbot.waitUntil(overlay.isVisible, timeout=4000)
    wait_for_screen(qtbot, kiosk, kiosk.window.signin, timeout=8000)
    assert not overlay.isVisible()
    shown = visible_texts(kiosk)
    assert "Martin" not in shown and "MARTIN" not in shown
    assert db_rows(tmp_path, "SELECT state, status FROM sessions") == [("CONSENT", "parked")]
    # The assistant signs in again and picks the session up where it stopped.
    sign_in(qtbot, kiosk)
    home = kiosk.window.home
    assert len(home.resume_buttons) == 1
    assert "MARTIN Jeanne Marie" in home.resume_buttons[0].text()
    tap(qtbot, home.resume_buttons[0])
    wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.CONSENT])


def test_resume_after_a_crash(qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path) -> None:
    """The database as a killed kiosk leaves it: a session still 'open' at TRIAGE."""
    assistant_id = add_assistant(tmp_path)
    clock = SystemClock()
    opened = open_kiosk_db(tmp_path, clock)
    service = SessionService(Repository(opened.db, clock), Config(data_dir=tmp_path), clock)
    assert service.sign_in(assistant_id, PIN)
    service.start_session()
    service.submit_identity(
        {
            "family_name": "Durand",
            "given_names": "Paul",
            "birth_date": "02/03/1938",
            "sex": "male",
            "treating_physician": "Dr Lefèvre",
        }
    )
    service.record_consent(True)
    opened.close()  # no parking, no sign-out: as if the power went off
    assert db_rows(tmp_path, "SELECT state, status FROM sessions") == [("TRIAGE", "open")]

    kiosk = make_kiosk()
    signin = kiosk.window.signin
    wait_for_screen(qtbot, kiosk, signin)
    qtbot.waitUntil(lambda: signin.waiting.isVisible() and bool(signin.waiting.text()))
    assert "1" in signin.waiting.text()
    assert "Durand" not in visible_texts(kiosk) and "DURAND" not in visible_texts(kiosk)
    sign_in(qtbot, kiosk)
    home = kiosk.window.home
    assert len(home.resume_buttons) == 1
    assert "DURAND Paul" in home.resume_buttons[0].text()
    tap(qtbot, home.resume_buttons[0])
    triage = kiosk.window.by_state[State.TRIAGE]
    wait_for_screen(qtbot, kiosk, triage)
    tap(qtbot, button(triage, "back"))
    consent = kiosk.window.by_state[State.CONSENT]
    wait_for_screen(qtbot, kiosk, consent)
    tap(qtbot, button(consent, "back"))
    identify = kiosk.window.by_state[State.IDENTIFY]
    wait_for_screen(qtbot, kiosk, identify)
    assert identify.fields["family_name"].value() == "Durand"
    assert identify.fields["birth_date"].value() == "02/03/1938"
    assert identify.fields["treating_physician"].value() == "Dr Lefèvre"
    assert identify.sex.value() == "male"
