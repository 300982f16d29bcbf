"""The call's screens: waiting for a doctor, the call itself, and the doctor's report.

Without a portal the call service fails with CALL_NOT_CONFIGURED: that screen is walked by taps.
What only a doctor can cause (joining, asking for a measurement, sending a report) is fed to the
real core the way the call service receives it: the flow event a joining doctor produces, and the
data-channel messages of docs/signaling.md handed to the call service's receiver. The pure
rendering checks give a screen a hand-made snapshot.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from kiosk import signaling
from kiosk.call.state import (
    CALL_AUTH_FAILED,
    CALL_CABIN_REVOKED,
    CALL_NOT_CONFIGURED,
    CALL_PORTAL_UNREACHABLE,
    CALL_REFUSED,
    CallPhase,
    CallSnapshot,
    DoctorRequest,
    ReportView,
)
from kiosk.config import DevicesConfig
from kiosk.flow import DoctorJoined, State
from kiosk.services.devices import DeviceState, DeviceStatus
from kiosk.services.measurements import MeasureView, RunView
from kiosk.services.session import AssistantView, SessionView, Snapshot
from tests.gui.conftest import MakeKiosk
from tests.gui.helpers import (
    add_assistant,
    assert_language_button,
    assert_touch_targets,
    button,
    db_rows,
    go_to_measure,
    tap,
    wait_for_screen,
)
from ui import messages
from ui.app import KioskApp
from ui.screens.call import CallScreen, ReportScreen, WaitingScreen
from ui.screens.measure import MeasureScreen

RED = QColor("#b00020")


def snapshot(
    state: State, call: CallSnapshot | None, measure: MeasureView | None = None
) -> Snapshot:
    return Snapshot(
        assistant=AssistantView(1, "Claire"),
        session=SessionView("s-test", state, None, True, None, None),
        call=call,
        measure=measure,
        emergency_number="15",
    )


def waiting_screen(kiosk: KioskApp) -> WaitingScreen:
    screen = kiosk.window.by_state[State.WAITING_FOR_DOCTOR]
    assert isinstance(screen, WaitingScreen)
    return screen


def call_screen(kiosk: KioskApp) -> CallScreen:
    screen = kiosk.window.by_state[State.IN_CALL]
    assert isinstance(screen, CallScreen)
    return screen


def report_screen(kiosk: KioskApp) -> ReportScreen:
    screen = kiosk.window.by_state[State.REPORT]
    assert isinstance(screen, ReportScreen)
    return screen


def measure_screen(kiosk: KioskApp) -> MeasureScreen:
    screen = kiosk.window.by_state[State.MEASURE]
    assert isinstance(screen, MeasureScreen)
    return screen


def state_of(kiosk: KioskApp) -> State | None:
    snap = kiosk.bridge.last
    return snap.session.state if snap is not None and snap.session is not None else None


def from_doctor(kiosk: KioskApp, msg_type: str, **fields: Any) -> None:
    """A data-channel message from the doctor's console, as the call service receives it."""
    text = signaling.message(msg_type, **fields)
    kiosk.bridge.call(lambda service: service._on_channel(text))


def report_view(**changes: object) -> ReportView:
    fields: dict[str, object] = {
        "report_id": "rep-1",
        "doctor": "Dr Anne Bernard",
        "observations": "Tympan droit inflammatoire.",
        "conclusion": "Otite moyenne aiguë droite.",
        "advice": "Paracétamol si douleur.",
        "prescription": ("Amoxicilline 1 g matin et soir, 5 jours", "Paracétamol 1 g si douleur"),
        "orientation": "treating_physician",
        "language": "fr",
        "received_at": dt.datetime(2025, 3, 12, 14, 32, tzinfo=dt.UTC).isoformat(),
    }
    fields.update(changes)
    return ReportView(**fields)  # type: ignore[arg-type]


def frame(left: tuple[int, int, int], right: tuple[int, int, int]) -> np.ndarray:
    """A 640x480 BGR picture whose two halves have different colours."""
    image = np.zeros((480, 640, 3), np.uint8)
    image[:, :320] = left
    image[:, 320:] = right
    return image


def colour_at(widget: QWidget, x_fraction: float) -> QColor:
    image = widget.grab().toImage()
    return image.pixelColor(int(image.width() * x_fraction), image.height() // 2)


# -- rendering ------------------------------------------------------------------------------------
def test_waiting_screen_shows_the_queue_and_each_failure(make_kiosk: MakeKiosk) -> None:
    kiosk = make_kiosk()
    screen = waiting_screen(kiosk)
    queued = CallSnapshot(CallPhase.WAITING, position=2, estimated_wait_s=420, doctors_online=3)
    screen.render(snapshot(State.WAITING_FOR_DOCTOR, queued))
    assert screen.title.text() == "Recherche d'un médecin…"
    assert screen.position.text() == "Vous êtes 2e dans la file."
    assert screen.wait.text() == "Attente estimée : environ 7 min."
    assert screen.doctors.text() == "3 médecins en ligne."
    assert screen.error.isHidden() and screen.retry.isHidden()

    screen.render(
        snapshot(
            State.WAITING_FOR_DOCTOR,
            CallSnapshot(CallPhase.WAITING, position=1, estimated_wait_s=40, doctors_online=0),
        )
    )
    assert "prochain" in screen.position.text()
    assert "moins d'une minute" in screen.wait.text()
    assert "Aucun médecin" in screen.doctors.text() and "garde sa place" in screen.doctors.text()

    # The portal cannot be reached: the cabin keeps trying by itself, nothing to press.
    screen.render(
        snapshot(
            State.WAITING_FOR_DOCTOR,
            CallSnapshot(CallPhase.CONNECTING, error=CALL_PORTAL_UNREACHABLE),
        )
    )
    assert screen.title.text() == "Connexion au service de téléconsultation…"
    assert not screen.error.isHidden()
    assert "Nouvel essai automatique" in screen.error.text()
    assert screen.retry.isHidden()
    assert screen.position.isHidden() and screen.wait.isHidden()

    # No call is possible: what happened in plain words, what to do, and "Try again".
    for code in (CALL_NOT_CONFIGURED, CALL_AUTH_FAILED, CALL_CABIN_REVOKED, CALL_REFUSED):
        screen.render(
            snapshot(State.WAITING_FOR_DOCTOR, CallSnapshot(CallPhase.FAILED, error=code))
        )
        assert screen.title.text() == "L'appel n'a pas pu être lancé"
        assert screen.error.text() == messages.call_error(code)
        assert code not in screen.error.text(), "a known code gets its own words"
        assert "technicien" in screen.error.text()
        assert not screen.retry.isHidden()
    assert "pas configurée" in messages.call_error(CALL_NOT_CONFIGURED)
    assert "retiré" in messages.call_error(CALL_CABIN_REVOKED)
    assert "CALL_SOMETHING_NEW" in messages.call_error("CALL_SOMETHING_NEW")


def test_call_screen_shows_requests_reconnection_and_the_measurement_panel(
    make_kiosk: MakeKiosk,
) -> None:
    kiosk = make_kiosk()
    screen = call_screen(kiosk)
    devices = (
        DeviceState("bp", DeviceStatus.READY),
        DeviceState("thermometer", DeviceStatus.NOT_CONNECTED),
    )
    requests = (DoctorRequest("r-1", "take_bp"), DoctorRequest("r-2", "take_temperature"))
    call = CallSnapshot(CallPhase.IN_CALL, doctor="Dr Anne Bernard", requests=requests)
    screen.render(snapshot(State.IN_CALL, call, MeasureView(devices=devices)))
    assert screen.doctor_name.text() == "En consultation avec Dr Anne Bernard"
    assert screen.banner.isHidden()
    assert not screen.measuring
    bp, temperature = screen.cards["r-1"], screen.cards["r-2"]
    assert bp.asks.text() == "Le médecin demande :"
    assert bp.what.text() == "prendre la tension"
    assert bp.start.text() == "Commencer" and bp.decline.text() == "Pas maintenant"
    assert bp.start.isEnabled() and bp.hint.isHidden()
    # A device that cannot measure: "Start" is off, the card says why and what to do.
    assert temperature.what.text() == "prendre la température"
    assert not temperature.start.isEnabled() and temperature.decline.isEnabled()
    assert "non branché" in temperature.hint.text() and "Pas maintenant" in temperature.hint.text()

    # The connection is lost: a banner, with what waits to be sent.
    lost = CallSnapshot(
        CallPhase.RECONNECTING, doctor="Dr Anne Bernard", requests=requests[:1], undelivered=3
    )
    screen.render(snapshot(State.IN_CALL, lost, MeasureView(devices=devices)))
    assert not screen.banner.isHidden()
    assert "reconnexion" in screen.banner.text()
    assert "3 envoi(s) en attente" in screen.banner.text()
    assert list(screen.cards) == ["r-1"], "an answered request leaves the column"

    # A measurement runs: its guided panel takes the video's place; requests wait for it.
    running = MeasureView(devices=devices, run=RunView("blood_pressure", "running", "inflating"))
    screen.render(snapshot(State.IN_CALL, call, running))
    assert screen.measuring
    assert screen.stage.isHidden() and not screen.measure.isHidden()
    assert screen.measure.pages.currentIndex() == 1
    assert screen.measure.run_title.text() == "Tension artérielle"
    assert "brassard" in screen.measure.instruction.text()
    assert not screen.measures.isEnabled(), "a running measurement keeps its panel"
    assert screen.cards_scroll.isHidden()
    assert not screen.requests_waiting.isHidden()
    assert "(2)" in screen.requests_waiting.text()
    assert not screen.doctor_small.isHidden(), "the doctor stays in sight, small"
    # The MEASURE step's own ways out are not offered inside a call.
    assert screen.measure.back.isHidden() and screen.measure.end.isHidden()
    assert screen.measure.call_doctor.isHidden()

    # Done: back to the video, the requests again.
    screen.render(snapshot(State.IN_CALL, call, MeasureView(devices=devices)))
    assert not screen.measuring and not screen.stage.isHidden()
    assert not screen.cards_scroll.isHidden()
    assert screen.measures.isEnabled() and screen.measures.text() == "Mesures"


def test_report_screen_shows_the_report_in_large_type(make_kiosk: MakeKiosk) -> None:
    kiosk = make_kiosk()
    screen = report_screen(kiosk)
    report = report_view(language="en", conclusion="<b>Otite</b> droite")
    screen.render(snapshot(State.REPORT, CallSnapshot(CallPhase.ENDED, report=report)))
    assert screen.title.text() == "Compte-rendu du médecin"
    assert "Dr Anne Bernard" in screen.byline.text() and "reçu à" in screen.byline.text()
    assert screen.orientation.text() == "Consultez votre médecin traitant."
    assert screen.orientation.property("alert") == "false"
    assert screen.emergency.isHidden()
    assert screen.conclusion.text() == "<b>Otite</b> droite"
    assert screen.conclusion.textFormat() == Qt.TextFormat.PlainText, "the doctor's words, as typed"
    assert screen.advice.text() == "Paracétamol si douleur."
    assert screen.advice_title.text() == "Conseils pour le patient (rédigés en anglais)"
    assert screen.prescription.text().splitlines() == [
        "•  Amoxicilline 1 g matin et soir, 5 jours",
        "•  Paracétamol 1 g si douleur",
    ]
    assert screen.observations.text() == "Tympan droit inflammatoire."
    assert screen.missing.isHidden() and not screen.body_scroll.isHidden()
    assert screen.delivered.text() == "Remis au patient"

    for code, words in (
        ("none", "Pas d'orientation particulière."),
        ("specialist", "Consultez un médecin spécialiste."),
    ):
        view = report_view(orientation=code, prescription=())
        screen.render(snapshot(State.REPORT, CallSnapshot(CallPhase.ENDED, report=view)))
        assert screen.orientation.text() == words
        assert screen.prescription.text() == "Pas d'ordonnance."

    emergency = report_view(orientation="emergency")
    screen.render(snapshot(State.REPORT, CallSnapshot(CallPhase.ENDED, report=emergency)))
    assert screen.orientation.property("alert") == "true"
    assert "15" in screen.orientation.text() and "112" in screen.orientation.text()
    assert not screen.emergency.isHidden()
    assert screen.emergency.text() == "15  ·  112"

    # The call ended without a report: said plainly, and the way on is "Continue".
    screen.render(snapshot(State.REPORT, CallSnapshot(CallPhase.IDLE)))
    assert not screen.missing.isHidden()
    assert "sans compte-rendu" in screen.missing.text()
    assert screen.body_scroll.isHidden() and screen.orientation.isHidden()
    assert screen.delivered.text() == "Continuer"
    screen.render(snapshot(State.REPORT, None))
    assert not screen.missing.isHidden()


# -- walked by taps -------------------------------------------------------------------------------
def test_without_a_portal_the_call_fails_plainly(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk()
    go_to_measure(qtbot, kiosk)
    tap(qtbot, measure_screen(kiosk).call_doctor)
    screen = waiting_screen(kiosk)
    wait_for_screen(qtbot, kiosk, screen)
    qtbot.waitUntil(lambda: screen.retry.isVisible())
    assert screen.title.text() == "L'appel n'a pas pu être lancé"
    assert "pas configurée" in screen.error.text() and "technicien" in screen.error.text()
    assert screen.cancel_call.text() == "Annuler l'appel"
    assert screen.end.text() == "Terminer la séance"
    assert screen.retry.text() == "Réessayer"
    assert_touch_targets(kiosk)
    assert_language_button(kiosk)

    # "Try again" asks the call service once more (it answers with a new snapshot, same words).
    assert kiosk.bridge.last is not None
    before = kiosk.bridge.last.seq
    tap(qtbot, screen.retry)
    qtbot.waitUntil(lambda: kiosk.bridge.last is not None and kiosk.bridge.last.seq > before)
    snap = kiosk.bridge.last
    assert snap.call is not None and snap.call.phase is CallPhase.FAILED
    assert snap.call.error == CALL_NOT_CONFIGURED
    assert screen.retry.isVisible()

    # In English too.
    tap(qtbot, kiosk.window.language)
    qtbot.waitUntil(lambda: screen.cancel_call.text() == "Cancel the call")
    assert screen.title.text() == "The call could not be started"
    assert "technician" in screen.error.text()
    tap(qtbot, kiosk.window.language)
    qtbot.waitUntil(lambda: screen.cancel_call.text() == "Annuler l'appel")

    # Cancel the call: back to the measurements, and the doctor can be called again.
    tap(qtbot, screen.cancel_call)
    wait_for_screen(qtbot, kiosk, measure_screen(kiosk))
    tap(qtbot, measure_screen(kiosk).call_doctor)
    wait_for_screen(qtbot, kiosk, screen)

    # Ending the session asks first; "No" changes nothing.
    tap(qtbot, screen.end)
    assert screen.confirm.isVisible()
    assert "Terminer la séance ?" in screen.confirm.question.text()
    assert_touch_targets(kiosk)
    tap(qtbot, screen.confirm.no)
    assert not screen.confirm.isVisible()
    assert state_of(kiosk) is State.WAITING_FOR_DOCTOR
    tap(qtbot, screen.end)
    tap(qtbot, screen.confirm.yes)
    wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.ABANDONED])
    transitions = db_rows(
        tmp_path,
        "SELECT json_extract(detail, '$.from'), json_extract(detail, '$.to'), "
        "json_extract(detail, '$.reason') FROM events WHERE action = 'transition' "
        "AND json_extract(detail, '$.from') = 'WAITING_FOR_DOCTOR' ORDER BY id",
    )
    assert transitions == [
        ("WAITING_FOR_DOCTOR", "MEASURE", "call cancelled"),
        ("WAITING_FOR_DOCTOR", "ABANDONED", "cancelled (assistant_cancelled)"),
    ]


def test_a_call_with_requests_video_and_report(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk(devices=DevicesConfig(simulate=True, simulation_speed=50))
    go_to_measure(qtbot, kiosk)
    measure = measure_screen(kiosk)
    qtbot.waitUntil(lambda: measure.tiles["temperature"].isEnabled(), timeout=15000)
    tap(qtbot, measure.call_doctor)
    wait_for_screen(qtbot, kiosk, waiting_screen(kiosk))

    # The waiting room shows the cabin's own picture, as in a mirror.
    waiting = waiting_screen(kiosk)
    green, black = (0, 160, 0), (0, 0, 0)
    kiosk.bridge.video.emit("self", frame(green, black))
    assert waiting.self_view.frames_received == 1
    qtbot.waitUntil(lambda: waiting.self_view.frames_painted > 0)
    assert colour_at(waiting.self_view, 0.75).green() > 100, "the left half shows on the right"

    # A doctor joins.
    kiosk.bridge.command(
        lambda s: s.apply(DoctorJoined("Dr Anne Bernard"), State.WAITING_FOR_DOCTOR)
    )
    screen = call_screen(kiosk)
    wait_for_screen(qtbot, kiosk, screen)
    assert_language_button(kiosk)
    doctor_frames = screen.stage.doctor.frames_received
    self_frames = screen.stage.self_view.frames_received
    kiosk.bridge.video.emit("doctor", frame((200, 0, 0), (200, 0, 0)))
    kiosk.bridge.video.emit("self", frame(green, black))
    assert screen.stage.doctor.frames_received == doctor_frames + 1
    assert screen.doctor_small.frames_received == doctor_frames + 1
    assert screen.stage.self_view.frames_received == self_frames + 1
    qtbot.waitUntil(lambda: screen.stage.doctor.frames_painted > 0)
    qtbot.waitUntil(lambda: screen.stage.self_view.frames_painted > 0)
    assert colour_at(screen.stage.doctor, 0.25).blue() > 150
    self_view = screen.stage.self_view
    assert self_view.geometry().right() > screen.stage.width() - 40, "in the corner"
    assert self_view.width() < screen.stage.width() // 2

    # The doctor asks for the temperature: a card, and nothing starts before "Start".
    from_doctor(kiosk, "request", seq=1, request_id="r-1", action="take_temperature")
    qtbot.waitUntil(lambda: "r-1" in screen.cards)
    card = screen.cards["r-1"]
    assert card.what.text() == "prendre la température"
    qtbot.wait(300)
    assert kiosk.bridge.last is not None and kiosk.bridge.last.measure is not None
    assert kiosk.bridge.last.measure.run is None
    assert db_rows(tmp_path, "SELECT COUNT(*) FROM measurements") == [(0,)]
    assert_touch_targets(kiosk)
    tap(qtbot, card.start)
    qtbot.waitUntil(lambda: screen.measuring)
    qtbot.waitUntil(lambda: "r-1" not in screen.cards)
    assert screen.measure.run_title.text() == "Température"
    # Meanwhile the doctor asks for the blood pressure: it waits for this measurement to end.
    from_doctor(kiosk, "request", seq=2, request_id="r-2", action="take_bp")
    qtbot.waitUntil(lambda: "r-2" in screen.cards)
    card = screen.cards["r-2"]
    assert not card.isVisible() and screen.requests_waiting.isVisible()
    assert not card.start.isEnabled() and "mesure en cours" in card.hint.text()
    qtbot.waitUntil(screen.measure.accept.isVisible, timeout=15000)
    assert_touch_targets(kiosk)
    tap(qtbot, screen.measure.accept)
    qtbot.waitUntil(lambda: not screen.measuring)
    assert db_rows(tmp_path, "SELECT kind, status FROM measurements") == [
        ("body_temperature", "accepted")
    ]
    # Back to the video: the waiting request can now be started, or put off.
    assert card.isVisible() and card.start.isEnabled()
    tap(qtbot, card.decline)
    qtbot.waitUntil(lambda: "r-2" not in screen.cards)
    assert kiosk.bridge.last is not None and kiosk.bridge.last.measure is not None
    assert kiosk.bridge.last.measure.run is None, "declined: nothing starts"
    actions = db_rows(
        tmp_path,
        "SELECT action, json_extract(detail, '$.request') FROM events "
        "WHERE action LIKE 'doctor_request%' ORDER BY id",
    )
    assert actions == [
        ("doctor_request", "r-1"),
        ("doctor_request_confirmed", "r-1"),
        ("doctor_request", "r-2"),
        ("doctor_request_declined", "r-2"),
    ]

    # The assistant may open the measurements during the call, and come back to the video.
    tap(qtbot, screen.measures)
    assert screen.measuring and screen.measure.pages.currentIndex() == 0
    assert screen.measures.text() == "Retour à la vidéo"
    assert "Température" in screen.measure.readings.text()
    assert_touch_targets(kiosk)
    tap(qtbot, screen.measures)
    assert not screen.measuring

    # Hanging up asks first; "No" keeps the call.
    tap(qtbot, screen.hang_up)
    assert screen.confirm.isVisible() and "Raccrocher ?" in screen.confirm.question.text()
    tap(qtbot, screen.confirm.no)
    assert not screen.confirm.isVisible() and state_of(kiosk) is State.IN_CALL

    # The doctor's report arrives: the report step, emergency in red with the numbers.
    from_doctor(
        kiosk,
        "report",
        seq=3,
        report_id="rep-1",
        observations="Tympan droit bombant.",
        conclusion="Otite moyenne aiguë droite compliquée.",
        advice="Allez aux urgences maintenant.",
        prescription=["Paracétamol 1 g"],
        orientation="emergency",
        language="fr",
    )
    report = report_screen(kiosk)
    wait_for_screen(qtbot, kiosk, report)
    qtbot.waitUntil(lambda: report.conclusion.text() == "Otite moyenne aiguë droite compliquée.")
    assert report.emergency.isVisible() and report.emergency.text() == "15  ·  112"
    assert report.orientation.isVisible()
    assert colour_at(report.orientation, 0.01) == RED
    assert report.prescription.text() == "•  Paracétamol 1 g"
    assert_touch_targets(kiosk)
    assert_language_button(kiosk)
    tap(qtbot, button(report, "report_delivered"))
    wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.HYGIENE])


def test_hanging_up_without_a_report(qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk()
    go_to_measure(qtbot, kiosk)
    tap(qtbot, measure_screen(kiosk).call_doctor)
    wait_for_screen(qtbot, kiosk, waiting_screen(kiosk))
    kiosk.bridge.command(lambda s: s.apply(DoctorJoined("Dr Bernard"), State.WAITING_FOR_DOCTOR))
    screen = call_screen(kiosk)
    wait_for_screen(qtbot, kiosk, screen)
    tap(qtbot, screen.hang_up)
    assert_touch_targets(kiosk)
    tap(qtbot, screen.confirm.yes)
    report = report_screen(kiosk)
    wait_for_screen(qtbot, kiosk, report)
    assert report.missing.isVisible() and "sans compte-rendu" in report.missing.text()
    assert report.delivered.text() == "Continuer"
    tap(qtbot, report.delivered)
    wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.HYGIENE])
    reasons = db_rows(
        tmp_path,
        "SELECT json_extract(detail, '$.reason') FROM events WHERE action = 'transition' "
        "AND json_extract(detail, '$.from') IN ('IN_CALL', 'REPORT') ORDER BY id",
    )
    assert reasons == [("call ended",), ("report handed to the patient",)]
