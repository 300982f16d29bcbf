"""Touchscreen fixes from a review: ending a session asks first, every button's words fit it at
1280x800 in both languages, and the home reaches every interrupted session however many."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from kiosk.call.state import CALL_NOT_CONFIGURED, CallPhase, CallSnapshot, DoctorRequest, ReportView
from kiosk.flow import State
from kiosk.services.devices import DeviceState, DeviceStatus
from kiosk.services.measurements import MeasureView, RunView
from kiosk.services.session import AssistantView, SessionView, Snapshot
from tests.gui.conftest import MakeKiosk
from tests.gui.helpers import (
    PIN,
    add_assistant,
    assert_touch_targets,
    button,
    db_rows,
    fill_identity,
    go_to_measure,
    sign_in,
    tap,
    wait_for_screen,
)
from tests.gui.test_measure import accept, screen_of, simulated, start, wait_result
from ui.app import KioskApp
from ui.screens.base import Screen

QUESTION_FR = "Terminer la séance ? Les mesures déjà prises sont conservées."


def state_of(kiosk: KioskApp) -> State | None:
    snap = kiosk.bridge.last
    return snap.session.state if snap is not None and snap.session is not None else None


def transitions_to(tmp_path: Path, state: str) -> int:
    rows = db_rows(
        tmp_path,
        "SELECT COUNT(*) FROM events WHERE action = 'transition' "
        f"AND json_extract(detail, '$.to') = '{state}'",
    )
    return int(rows[0][0])  # type: ignore[call-overload]


# -- ending asks first ---------------------------------------------------------------------------
def test_no_continue_keeps_the_session_and_its_measurements(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk(devices=simulated("thermometer=fever"))
    go_to_measure(qtbot, kiosk)
    screen = screen_of(kiosk)
    start(qtbot, kiosk, "temperature")
    wait_result(qtbot, screen)
    accept(qtbot, screen)
    assert "39,8 °C" in screen.readings.text()
    kept = db_rows(tmp_path, "SELECT id, kind, status FROM measurements")
    assert len(kept) == 1

    tap(qtbot, screen.end)
    assert screen.confirm.isVisible(), "one touch does not end the session"
    assert screen.confirm.question.text() == QUESTION_FR
    assert screen.confirm.no.text() == "Non, continuer"
    assert screen.confirm.yes.text() == "Oui, terminer"
    assert screen.confirm.no.property("role") == "primary", "the safe answer stands out"
    assert screen.confirm.geometry() == screen.rect(), "the question covers the whole screen"
    assert_touch_targets(kiosk)
    assert_texts_fit(kiosk)

    tap(qtbot, screen.confirm.no)
    assert not screen.confirm.isVisible()
    assert kiosk.window.stack.currentWidget() is screen and screen.pages.currentIndex() == 0
    assert state_of(kiosk) is State.MEASURE
    assert (
        "39,8 °C" in screen.readings.text()
        and "39,8 °C" in screen.tiles["temperature"].plain_text()
    )
    assert db_rows(tmp_path, "SELECT id, kind, status FROM measurements") == kept
    assert transitions_to(tmp_path, "ABANDONED") == 0
    # The session goes on where it was: another measurement can be taken.
    start(qtbot, kiosk, "temperature")
    wait_result(qtbot, screen)
    accept(qtbot, screen)

    # "Yes": the session ends, and what was measured stays.
    tap(qtbot, screen.end)
    tap(qtbot, screen.confirm.yes)
    wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.ABANDONED])
    assert transitions_to(tmp_path, "ABANDONED") == 1
    assert len(db_rows(tmp_path, "SELECT id FROM measurements WHERE status = 'accepted'")) == 2


def test_cancelling_on_the_identity_screen_asks_in_the_patients_language(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk()
    sign_in(qtbot, kiosk)
    tap(qtbot, kiosk.window.home.start)
    identify = kiosk.window.by_state[State.IDENTIFY]
    wait_for_screen(qtbot, kiosk, identify)
    fill_identity(qtbot, kiosk, family_name="Martin", given_names="Jeanne")
    tap(qtbot, button(identify, "cancel"))
    assert identify.confirm.isVisible()
    assert identify.confirm.question.text() == QUESTION_FR
    tap(qtbot, identify.confirm.no)
    assert state_of(kiosk) is State.IDENTIFY
    assert identify.fields["family_name"].value() == "Martin", "nothing typed is lost"
    assert identify.fields["given_names"].value() == "Jeanne"

    # A question left open when the language changes goes (it would stay in French).
    tap(qtbot, button(identify, "cancel"))
    tap(qtbot, kiosk.window.language)
    qtbot.waitUntil(lambda: button(identify, "cancel").text() == "Cancel the session")
    assert not identify.confirm.isVisible()
    tap(qtbot, button(identify, "cancel"))
    assert identify.confirm.question.text() == (
        "End the session? The measurements already taken are kept."
    )
    assert (identify.confirm.yes.text(), identify.confirm.no.text()) == (
        "Yes, end it",
        "No, continue",
    )
    assert_texts_fit(kiosk)
    tap(qtbot, identify.confirm.yes)
    wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.ABANDONED])


# -- every button's words fit it -----------------------------------------------------------------
def assert_texts_fit(kiosk: KioskApp) -> None:
    """No visible button is narrower than its words need (bold words clip at both ends)."""
    clipped = [
        f"{b.objectName()} {b.text()!r}: {b.width()} px < {b.sizeHint().width()} px"
        for b in kiosk.window.findChildren(QPushButton)
        if b.isVisible() and b.text() and b.width() < b.sizeHint().width()
    ]
    assert not clipped, f"texts wider than their buttons: {clipped}"


def hand_made(state: State, **fields: object) -> Snapshot:
    return Snapshot(
        assistant=AssistantView(1, "Claire"),
        session=SessionView("s-test", state, None, True, None, None),
        emergency_number="15",
        **fields,  # type: ignore[arg-type]
    )


def show(qtbot: QtBot, kiosk: KioskApp, snap: Snapshot, language: str) -> Screen:
    """The screen of ``snap`` filling the 1280x800 window, laid out, as the window shows it."""
    assert snap.session is not None
    screen = kiosk.window.by_state[snap.session.state]
    # As if the core had sent it: the window shows the last snapshot again on a language change.
    kiosk.bridge.last = snap
    kiosk.window.show_snapshot(snap)
    kiosk.translations.switch(language)
    qtbot.wait(30)  # the language change and the layouts it asks for
    assert kiosk.window.stack.currentWidget() is screen
    return screen


def test_the_words_of_every_button_fit_at_1280x800(qtbot: QtBot, make_kiosk: MakeKiosk) -> None:
    kiosk = make_kiosk()
    wait_for_screen(qtbot, kiosk, kiosk.window.signin)
    qtbot.waitUntil(lambda: kiosk.bridge.last is not None)  # the core is up and quiet
    assert (kiosk.window.width(), kiosk.window.height()) == (1280, 800)
    ready = MeasureView(
        devices=tuple(
            DeviceState(family, DeviceStatus.READY)
            for family in ("bp", "thermometer", "oximeter", "otoscope")
        )
    )
    report = ReportView(
        report_id="rep-1",
        doctor="Dr Anne Bernard",
        observations="Tympan droit inflammatoire.",
        conclusion="Otite moyenne aiguë droite.",
        advice="Paracétamol si douleur.",
        prescription=("Amoxicilline 1 g matin et soir, 5 jours",),
        orientation="treating_physician",
        language="fr",
        received_at=dt.datetime(2025, 3, 12, 14, 32, tzinfo=dt.UTC).isoformat(),
    )
    requests = (DoctorRequest("r-1", "take_bp"), DoctorRequest("r-2", "show_otoscope"))
    in_call = CallSnapshot(CallPhase.IN_CALL, doctor="Dr Anne Bernard", requests=requests)
    snapshots = [
        hand_made(State.MEASURE, measure=ready),
        hand_made(
            State.MEASURE,
            measure=MeasureView(
                devices=ready.devices, run=RunView("otoscope", "running", "preview")
            ),
        ),
        hand_made(
            State.MEASURE,
            measure=MeasureView(
                devices=ready.devices,
                run=RunView("blood_pressure", "failed", error_code="DEVICE_TIMEOUT"),
            ),
        ),
        hand_made(
            State.WAITING_FOR_DOCTOR,
            call=CallSnapshot(CallPhase.FAILED, error=CALL_NOT_CONFIGURED),
        ),
        hand_made(State.IN_CALL, call=in_call, measure=ready),
        hand_made(State.REPORT, call=CallSnapshot(CallPhase.ENDED, report=report)),
        hand_made(State.REPORT, call=CallSnapshot(CallPhase.IDLE)),
        hand_made(State.HYGIENE),
        hand_made(State.IDENTIFY),
        hand_made(State.CONSENT),
        hand_made(State.TRIAGE),
    ]
    for language in ("fr", "en"):
        for snap in snapshots:
            screen = show(qtbot, kiosk, snap, language)
            # The assistant's own screens (cleaning) stay in the cabin's language.
            assert kiosk.translations.language == (language if screen.patient_facing else "fr")
            try:
                assert_texts_fit(kiosk)
            except AssertionError as exc:
                raise AssertionError(f"{type(screen).__name__} in {language}: {exc}") from None


# -- the home lists every interrupted session ----------------------------------------------------
def test_the_home_reaches_every_interrupted_session(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    claire = add_assistant(tmp_path)
    kiosk = make_kiosk()
    sign_in(qtbot, kiosk)
    names = ["Arnaud", "Bernard", "Chevalier", "Dupont", "Etienne", "Fabre"]
    for name in names:  # each session left at IDENTIFY when the assistant signed out
        identity = {"family_name": name, "given_names": "Jeanne", "birth_date": "24/06/1942"}
        identity["sex"] = "female"
        kiosk.bridge.command(
            lambda s, i=identity: (
                s.start_session(),
                s.submit_identity(i),
                s.sign_out(),
                s.sign_in(claire, PIN),
            )
        )
    home = kiosk.window.home
    qtbot.waitUntil(lambda: len(home.resume_buttons) == len(names), timeout=10000)
    wait_for_screen(qtbot, kiosk, home)
    texts = [b.text() for b in home.resume_buttons]
    assert all(any(name.upper() in text for text in texts) for name in names), texts
    assert_touch_targets(kiosk)
    # The oldest is at the end of the list: scrolled to, touched, resumed.
    oldest = home.resume_buttons[-1]
    assert "ARNAUD" in oldest.text()
    home.resume_scroll.ensureWidgetVisible(oldest)
    QApplication.processEvents()
    assert (
        home.resume_scroll.viewport()
        .rect()
        .contains(oldest.mapTo(home.resume_scroll.viewport(), oldest.rect().center()))
    )
    tap(qtbot, oldest)
    consent = kiosk.window.by_state[State.CONSENT]
    wait_for_screen(qtbot, kiosk, consent)
    snap = kiosk.bridge.last
    assert snap is not None and snap.session is not None and snap.session.identity is not None
    assert snap.session.identity.family_name == "Arnaud"
