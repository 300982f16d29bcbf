"""The REPORT screen prints the patient's report through a real CUPS (tests/support/cups.py),
shows it on the screen when there is no printer, and speaks the language of the doctor's advice.

The session is walked by taps up to the call; the doctor's joining and report are fed to the
real core as the call service receives them (see test_call_screens.py).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader
from pytestqt.qtbot import QtBot

from kiosk.config import RecordsConfig
from kiosk.flow import DoctorJoined, State
from tests.gui.conftest import MakeKiosk
from tests.gui.helpers import (
    add_assistant,
    assert_touch_targets,
    db_rows,
    go_to_measure,
    tap,
    wait_for_screen,
)
from tests.gui.test_call_screens import from_doctor, measure_screen, report_screen, waiting_screen
from tests.support.cups import Cups, needs_cups
from ui.app import KioskApp

pytestmark = needs_cups

MakePrintingKiosk = Callable[[str], KioskApp]


@pytest.fixture
def make_kiosk(
    make_kiosk: MakeKiosk, cups: Cups, monkeypatch: pytest.MonkeyPatch
) -> MakePrintingKiosk:
    """A kiosk whose CUPS clients reach the private scheduler; ``printer`` as in the config."""
    for name, value in cups.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LPDEST", raising=False)
    monkeypatch.delenv("PRINTER", raising=False)
    return lambda printer: make_kiosk(records=RecordsConfig(printer=printer))


def to_report(qtbot: QtBot, kiosk: KioskApp, language: str = "fr") -> None:
    go_to_measure(qtbot, kiosk)
    tap(qtbot, measure_screen(kiosk).call_doctor)
    wait_for_screen(qtbot, kiosk, waiting_screen(kiosk))
    kiosk.bridge.command(
        lambda s: s.apply(DoctorJoined("Dr Anne Bernard"), State.WAITING_FOR_DOCTOR)
    )
    wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.IN_CALL])
    advice = "Drink water; paracetamol if needed." if language == "en" else "Buvez de l'eau."
    from_doctor(
        kiosk,
        "report",
        seq=1,
        report_id="rep-1",
        observations="Right eardrum red.",
        conclusion="Acute otitis media.",
        advice=advice,
        prescription=["Paracetamol 1 g"],
        orientation="treating_physician",
        language=language,
    )
    screen = report_screen(kiosk)
    wait_for_screen(qtbot, kiosk, screen)
    qtbot.waitUntil(lambda: screen.conclusion.text() == "Acute otitis media.")


def test_printing_the_report(
    qtbot: QtBot, make_kiosk: MakePrintingKiosk, cups: Cups, tmp_path: Path
) -> None:
    cups.add_queue("cabin")
    add_assistant(tmp_path)
    kiosk = make_kiosk("cabin")
    to_report(qtbot, kiosk)
    screen = report_screen(kiosk)
    assert screen.print_button.text() == "Imprimer" and screen.print_button.isVisible()
    assert not screen.print_status.isVisible() and not screen.show_pdf.isVisible()
    assert_touch_targets(kiosk)
    tap(qtbot, screen.print_button)
    qtbot.waitUntil(lambda: screen.print_status.text() == "Imprimé sur cabin.", timeout=15000)
    assert screen.print_button.isEnabled() and screen.print_button.text() == "Imprimer à nouveau"
    printed = cups.printed("cabin")
    pages = len(PdfReader(io.BytesIO(printed)).pages)
    assert pages >= 1
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(printed)).pages)
    assert "Compte rendu de téléconsultation assistée" in text and "Acute otitis media." in text
    jobs = db_rows(
        tmp_path,
        "SELECT json_extract(detail, '$.printer') FROM events WHERE action = 'report_printed'",
    )
    assert jobs == [("cabin",)]
    # Large type still fits the 1280x800 screen: the report and both buttons show.
    assert screen.conclusion.isVisible() and screen.delivered.isVisible()
    assert screen.print_button.geometry().bottom() <= screen.height()
    tap(qtbot, screen.delivered)
    wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.HYGIENE])


def test_no_printer_shows_the_report_on_the_screen(
    qtbot: QtBot, make_kiosk: MakePrintingKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk("")  # the system's default destination, and there is none
    to_report(qtbot, kiosk)
    screen = report_screen(kiosk)
    tap(qtbot, screen.print_button)
    qtbot.waitUntil(screen.show_pdf.isVisible, timeout=15000)
    assert screen.print_status.text() == (
        "Aucune imprimante n'est installée : montrez le compte-rendu à l'écran."
    )
    assert screen.show_pdf.text() == "Montrer à l'écran"
    assert_touch_targets(kiosk)
    tap(qtbot, screen.show_pdf)
    qtbot.waitUntil(screen.viewer.isVisible, timeout=15000)
    snap = kiosk.bridge.last
    assert snap is not None and snap.printing is not None and snap.printing.pdf is not None
    expected = len(PdfReader(io.BytesIO(snap.printing.pdf)).pages)
    assert screen.viewer.page_count == expected >= 1
    assert screen.viewer.geometry() == screen.rect(), "the report covers the screen"
    assert screen.viewer.close_button.text() == "Fermer"
    assert_touch_targets(kiosk)
    tap(qtbot, screen.viewer.close_button)
    qtbot.waitUntil(lambda: not screen.viewer.isVisible())
    qtbot.waitUntil(
        lambda: (
            kiosk.bridge.last is not None
            and kiosk.bridge.last.printing is not None
            and kiosk.bridge.last.printing.pdf is None
        )
    )
    # A failed print never holds up handing the report over.
    tap(qtbot, screen.delivered)
    wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.HYGIENE])
    assert screen.viewer.page_count == 0, "the report's PDF left with the patient"


def test_a_report_written_in_english_switches_the_screen_to_english(
    qtbot: QtBot, make_kiosk: MakePrintingKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk("")
    to_report(qtbot, kiosk, language="en")
    screen = report_screen(kiosk)
    qtbot.waitUntil(lambda: screen.title.text() == "The doctor's report")
    assert screen.print_button.text() == "Print"
    assert kiosk.window.language.text() == "Français"
    # The patient may switch back to French: it stays French.
    tap(qtbot, kiosk.window.language)
    qtbot.waitUntil(lambda: screen.title.text() == "Compte-rendu du médecin")
    qtbot.wait(200)
    assert screen.title.text() == "Compte-rendu du médecin"
    tap(qtbot, screen.delivered)
    wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.HYGIENE])
