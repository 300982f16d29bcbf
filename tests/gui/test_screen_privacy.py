"""Screen privacy: the patient's data leaves the screen when the patient does.

A real session with simulated devices, a distinctive patient, measurements; then the session ends
(normally through the cleaning, abandoned, or parked by the idle timeout) and every widget of the
window, shown or hidden, is read: texts, fields, buttons, text boxes, item views, titles, tooltips,
accessible names. None may still hold the patient's name, social security number (NIR), date of
birth, own words, or a value measured on them. While the session runs, the summary shows the NIR
masked but for its last digits.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from kiosk.flow import CallDoctor, CallEnded, DoctorJoined, State
from kiosk.identity import mask_nir
from tests.gui.conftest import MakeKiosk
from tests.gui.helpers import (
    add_assistant,
    answer_all_flags,
    button,
    clean_the_cabin,
    fill_identity,
    nir_with_key,
    sign_in,
    tap,
    type_text,
    wait_for_screen,
)
from tests.gui.test_measure import accept, screen_of, simulated, start, wait_result
from ui.app import KioskApp

FAMILY = "Quillivic"
GIVEN = "Zephyrine Anaelle"
BIRTH = "17/09/1938"
NIR = nir_with_key("2380929232417")  # a woman born in September 1938 in the Finistère
PHYSICIAN = "Dr Tanguy-Morvan"
WORDS = "Fievre et frissons depuis jeudi soir"


def texts_of(widget: QWidget) -> list[str]:
    """Everything a widget can show or tell (to the eye or to a screen reader)."""
    found = [
        widget.windowTitle(),
        widget.toolTip(),
        widget.statusTip(),
        widget.whatsThis(),
        widget.accessibleName(),
        widget.accessibleDescription(),
    ]
    if isinstance(widget, QLabel):
        found.append(widget.text())
    if isinstance(widget, QLineEdit):
        found += [widget.text(), widget.placeholderText()]
    if isinstance(widget, QAbstractButton):
        found.append(widget.text())
    if isinstance(widget, (QTextEdit, QPlainTextEdit)):
        found.append(widget.toPlainText())
    if isinstance(widget, QComboBox):
        found += [widget.itemText(i) for i in range(widget.count())]
    if isinstance(widget, QAbstractItemView) and widget.model() is not None:
        model = widget.model()
        for row in range(model.rowCount()):
            for column in range(model.columnCount()):
                for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                    value = model.data(model.index(row, column), role)
                    if value is not None:
                        found.append(str(value))
    return [text for text in found if text]


def everything_on(kiosk: KioskApp) -> list[tuple[str, str]]:
    """(widget, text) for the window and every widget in it, visible or hidden."""
    QApplication.processEvents()  # widgets deleted later are gone
    window = kiosk.window
    return [
        (f"{type(w).__name__}#{w.objectName()}", text)
        for w in (window, *window.findChildren(QWidget))
        for text in texts_of(w)
    ]


class Patient:
    """What must not outlive the session on screen."""

    def __init__(self) -> None:
        self.values: list[str] = []  # measured values, as the screens wrote them

    def leaks(self, text: str) -> list[str]:
        found = []
        lowered = text.casefold()
        for word in (FAMILY, *GIVEN.split(), PHYSICIAN, WORDS):
            if word.casefold() in lowered:
                found.append(word)
        for birth in (BIRTH, "1938-09-17", "1938"):
            if birth in text:
                found.append(birth)
        # The NIR, or any six digits in a row of it, written with or without spaces.
        for run in re.findall(r"\d[\d \u00a0.]*\d", text):
            digits = re.sub(r"\D", "", run)
            parts = [NIR[i : i + 6] for i in range(len(NIR) - 5) if NIR[i : i + 6] in digits]
            if parts:
                found.append(f"NIR digits {parts[0]}")
        found += [value for value in self.values if value in text]
        return found

    def assert_gone(self, kiosk: KioskApp) -> None:
        leaks = [
            f"{where}: {found} in {text!r}"
            for where, text in everything_on(kiosk)
            if (found := self.leaks(text))
        ]
        assert not leaks, "the patient is still on screen:\n" + "\n".join(leaks)


def measure_the_patient(qtbot: QtBot, kiosk: KioskApp) -> Patient:
    """Sign in, identify the patient, consent, triage in their words, two measurements."""
    sign_in(qtbot, kiosk)
    tap(qtbot, kiosk.window.home.start)
    identify = kiosk.window.by_state[State.IDENTIFY]
    wait_for_screen(qtbot, kiosk, identify)
    fill_identity(
        qtbot,
        kiosk,
        family_name=FAMILY,
        given_names=GIVEN,
        birth_date=BIRTH,
        sex="female",
        nir=NIR,
        treating_physician=PHYSICIAN,
    )
    tap(qtbot, button(identify, "next"))
    consent = kiosk.window.by_state[State.CONSENT]
    wait_for_screen(qtbot, kiosk, consent)
    tap(qtbot, button(consent, "consent_yes"))
    triage = kiosk.window.by_state[State.TRIAGE]
    wait_for_screen(qtbot, kiosk, triage)
    answer_all_flags(qtbot, kiosk)
    tap(qtbot, triage.flags_next)
    tap(qtbot, triage.reasons.buttons["other"])
    type_text(triage.details.edit, WORDS)
    tap(qtbot, triage.submit)
    screen = screen_of(kiosk)
    wait_for_screen(qtbot, kiosk, screen)

    # The summary names the patient, with the NIR masked but for its last two digits (the key).
    summary = screen.summary.text()
    assert FAMILY.upper() in summary
    assert mask_nir(NIR) in summary and mask_nir(NIR).endswith(NIR[-2:])
    assert not re.search(r"\d{3,}", summary), summary
    assert not [found for found in Patient().leaks(summary) if found.startswith("NIR")]
    patient = Patient()
    for kind in ("blood_pressure", "temperature"):
        start(qtbot, kiosk, kind)
        wait_result(qtbot, screen)
        patient.values.append(screen.result_value.text())
        accept(qtbot, screen)
    assert all(value in screen.readings.text() for value in patient.values)
    # The check itself finds the patient while the session runs.
    shown = "\n".join(text for _, text in everything_on(kiosk))
    assert FAMILY in patient.leaks(shown) and WORDS in patient.leaks(shown)
    assert all(value in shown for value in patient.values)
    return patient


def test_a_session_that_ends_normally_leaves_nothing_on_screen(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk(devices=simulated())
    patient = measure_the_patient(qtbot, kiosk)
    # The doctor's call (the call service's events stand for the doctor), then the report.
    for event, state in (
        (CallDoctor(), State.MEASURE),
        (DoctorJoined("Dr Bernard"), State.WAITING_FOR_DOCTOR),
    ):
        kiosk.bridge.command(lambda s, e=event, st=state: s.apply(e, st))
    call = kiosk.window.by_state[State.IN_CALL]
    wait_for_screen(qtbot, kiosk, call)
    tap(qtbot, button(call, "call_measures"))  # the measurements inside the call, once
    qtbot.waitUntil(lambda: patient.values[0] in call.measure.readings.text())
    kiosk.bridge.command(lambda s: s.apply(CallEnded(), State.IN_CALL))
    report = kiosk.window.by_state[State.REPORT]
    wait_for_screen(qtbot, kiosk, report)
    tap(qtbot, button(report, "report_delivered"))
    wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.HYGIENE])
    # The patient has left: the cleaning screen, and every hidden screen behind it, are clean.
    patient.assert_gone(kiosk)
    clean_the_cabin(qtbot, kiosk)
    patient.assert_gone(kiosk)


@pytest.mark.parametrize("ending", ["abandoned", "idle"])
def test_a_session_that_is_left_leaves_nothing_on_screen(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path, ending: str
) -> None:
    add_assistant(tmp_path)
    idle = ending == "idle"
    kiosk = make_kiosk(
        devices=simulated(),
        idle_timeout_s=8.0 if idle else 600.0,
        idle_warning_s=2.0 if idle else 30.0,
    )
    patient = measure_the_patient(qtbot, kiosk)
    if idle:
        # Nobody touches anything: the warning, then the session is parked and the assistant
        # signed out.
        qtbot.waitUntil(kiosk.window.overlay.isVisible, timeout=15000)
        wait_for_screen(qtbot, kiosk, kiosk.window.signin, timeout=15000)
    else:
        tap(qtbot, screen_of(kiosk).end)  # the patient leaves
        tap(qtbot, screen_of(kiosk).confirm.yes)
        ending_screen = kiosk.window.by_state[State.ABANDONED]
        wait_for_screen(qtbot, kiosk, ending_screen)
        tap(qtbot, button(ending_screen, "close"))
        wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.HYGIENE])
        patient.assert_gone(kiosk)
        clean_the_cabin(qtbot, kiosk)
    patient.assert_gone(kiosk)
