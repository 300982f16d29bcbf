"""WAITING_FOR_DOCTOR, IN_CALL and REPORT: the call with the remote doctor, as the cabin sees it.

The call service runs the call by itself (it follows the session's state); these screens show its
``CallSnapshot`` and send the assistant's few decisions: retry, cancel, confirm or decline what the
doctor asks, hang up, hand the report over. Touches that cannot be undone (hanging up, ending the
session) ask first, over the whole screen, with two large answers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QScroller,
    QVBoxLayout,
    QWidget,
)

from kiosk.call.service import ACTION_KIND
from kiosk.call.state import CallPhase, CallSnapshot, DoctorRequest, ReportView
from kiosk.flow import CallCancelled, ReportDelivered, State
from kiosk.records.printing import FAILED, PRINTED, PRINTING, PrintView
from kiosk.services.devices import DeviceStatus
from kiosk.services.measurements import KIND_DEVICE, MeasureView
from kiosk.services.session import Snapshot
from ui import messages
from ui.bridge import Bridge
from ui.screens.base import Screen, blank_texts
from ui.screens.measure import MeasureScreen, local_time, repolish
from ui.widgets.confirm import ConfirmOverlay
from ui.widgets.pdf_view import PdfViewer
from ui.widgets.preview import PreviewView
from ui.widgets.touch import big_button, label

SELF_VIEW_CORNER = (256, 192)  # the cabin's own picture over the doctor's
DOCTOR_VIEW_SMALL = (240, 180)  # the doctor beside a measurement panel
SIDE_WIDTH = 470  # the call screen's column: the doctor's name and requests
SIDE_WIDTH_MEASURING = 270


def mirrored(image: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The cabin's own picture as in a mirror: the patient moves the way they expect."""
    return image[:, ::-1]


class NoticeBox(QWidget):
    """A message from the core (a step not saved, not allowed...) with OK to dismiss it."""

    def __init__(self, bridge: Bridge) -> None:
        super().__init__()
        self.text = label(kind="notice")
        self.ok = big_button("OK", name="notice_ok")
        self.ok.setFixedWidth(140)
        self.ok.clicked.connect(lambda: bridge.command(lambda s: s.dismiss_notice()))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.text, 1)
        row.addWidget(self.ok)
        self.hide()

    def show_notice(self, snap: Snapshot | None) -> None:
        notice = snap.notice if snap is not None else None
        text = messages.notice(notice.code, notice.params) if notice else ""
        self.text.setText(text)
        self.setVisible(bool(text))


class VideoStage(QWidget):
    """The doctor's picture filling the space, the cabin's own picture small in a corner."""

    def __init__(self) -> None:
        super().__init__()
        self.doctor = PreviewView()
        self.doctor.setObjectName("doctor_video")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.doctor)
        self.self_view = PreviewView()
        self.self_view.setObjectName("self_view")
        self.self_view.setParent(self)
        self.self_view.setFixedSize(*SELF_VIEW_CORNER)
        self.self_view.raise_()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        margin = 12
        self.self_view.move(
            self.width() - self.self_view.width() - margin,
            self.height() - self.self_view.height() - margin,
        )
        self.self_view.raise_()


# -- WAITING_FOR_DOCTOR --------------------------------------------------------------------------
class WaitingScreen(Screen):
    """The waiting room: the place in the queue, the expected wait, and the patient's own picture."""

    def __init__(self, bridge: Bridge) -> None:
        super().__init__(bridge)
        self.notice_box = NoticeBox(bridge)
        self.title = label(kind="title")
        self.position = label()
        self.position.setObjectName("call_position")
        self.wait = label(kind="subtitle")
        self.doctors = label(kind="subtitle")
        self.error = label()
        self.error.setObjectName("call_error")
        self.hint = label(kind="subtitle")
        status = QVBoxLayout()
        status.setSpacing(14)
        for widget in (self.position, self.wait, self.doctors, self.error, self.hint):
            status.addWidget(widget)
        status.addStretch(1)
        self.self_view = PreviewView()
        self.self_view.setObjectName("self_view")
        self.caption = label()
        self.caption.setObjectName("self_view_caption")
        picture = QVBoxLayout()
        picture.addWidget(self.self_view, 1)
        picture.addWidget(self.caption)
        body = QHBoxLayout()
        body.setSpacing(30)
        body.addLayout(status, 3)
        body.addLayout(picture, 2)
        self.cancel_call = big_button(name="call_cancel")
        self.cancel_call.clicked.connect(self._cancel_call)
        self.end = big_button(role="danger", name="call_end_session")
        self.end.clicked.connect(self._ask_end)
        self.retry = big_button(role="primary", name="call_retry")
        self.retry.clicked.connect(self._retry)
        row = QHBoxLayout()
        row.addWidget(self.cancel_call, 1)
        row.addWidget(self.end, 1)
        row.addStretch(1)
        row.addWidget(self.retry, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 10, 40, 20)
        layout.addWidget(self.notice_box)
        layout.addWidget(self.title)
        layout.addLayout(body, 1)
        layout.addLayout(row)
        self.confirm = ConfirmOverlay(self)
        bridge.video.connect(self._video)
        self.retranslate()

    def retranslate(self) -> None:
        self.caption.setText(
            self.tr("The patient sees themselves here: sit well back, face in the middle.")
        )
        self.self_view.placeholder = self.tr("Waiting for the cabin's camera...")
        self.cancel_call.setText(self.tr("Cancel the call"))
        self.end.setText(self.tr("End the session"))
        self.retry.setText(self.tr("Try again"))
        self.confirm.reset()  # a question left open would stay in the old language

    def enter(self, snap: Snapshot) -> None:
        self.confirm.reset()
        self.self_view.clear()  # never the previous patient's picture

    def forget(self) -> None:
        super().forget()
        self.confirm.reset()
        self.self_view.clear()

    def render(self, snap: Snapshot) -> None:
        self.notice_box.show_notice(snap)
        call = snap.call or CallSnapshot(phase=CallPhase.CONNECTING)
        phase = call.phase
        failed = phase is CallPhase.FAILED
        waiting = phase is CallPhase.WAITING
        if failed:
            self.title.setText(self.tr("The call could not be started"))
        elif waiting:
            self.title.setText(self.tr("Looking for a doctor..."))
        elif phase is CallPhase.IN_CALL:
            self.title.setText(self.tr("A doctor is joining the call..."))
        else:
            self.title.setText(self.tr("Connecting to the teleconsultation service..."))
        self.position.setText(self._position(call) if waiting else "")
        self.position.setVisible(waiting and call.position is not None)
        self.wait.setText(self._wait(call.estimated_wait_s) if waiting else "")
        self.wait.setVisible(waiting and call.estimated_wait_s is not None)
        self.doctors.setText(self._doctors(call.doctors_online))
        self.doctors.setVisible(waiting and call.doctors_online is not None)
        self.error.setText(messages.call_error(call.error) if call.error else "")
        self.error.setVisible(bool(call.error))
        self.hint.setText(
            ""
            if failed
            else self.tr(
                "While waiting, the patient sits comfortably facing the camera. The doctor will "
                "appear on this screen."
            )
        )
        self.hint.setVisible(not failed)
        self.retry.setVisible(failed)

    def _position(self, call: CallSnapshot) -> str:
        if call.position is None:
            return ""
        if call.position <= 1:
            return self.tr("You are next in the queue.")
        return self.tr("You are number {n} in the queue.").replace("{n}", str(call.position))

    def _wait(self, seconds: float | None) -> str:
        if seconds is None:
            return ""
        if seconds < 60:
            return self.tr("Estimated wait: less than a minute.")
        minutes = math.ceil(seconds / 60)
        return self.tr("Estimated wait: about {minutes} min.").replace("{minutes}", str(minutes))

    def _doctors(self, online: int | None) -> str:
        if online is None:
            return ""
        if online == 0:
            return self.tr("No doctor is online right now: the call keeps its place in the queue.")
        if online == 1:
            return self.tr("1 doctor online.")
        return self.tr("{n} doctors online.").replace("{n}", str(online))

    # -- commands ----------------------------------------------------------------------------
    def _retry(self) -> None:
        self.bridge.call(lambda service: service.retry())

    def _cancel_call(self) -> None:
        self.bridge.command(lambda s: s.apply(CallCancelled(), State.WAITING_FOR_DOCTOR))

    def _ask_end(self) -> None:
        self.confirm.ask(
            self.tr("End the session? The call is cancelled and the patient leaves the cabin."),
            self.tr("Yes, end the session"),
            self.tr("No, keep waiting"),
            lambda: self.bridge.command(lambda s: s.cancel(State.WAITING_FOR_DOCTOR)),
        )

    def _video(self, who: str, image: object) -> None:
        if who == "self" and isinstance(image, np.ndarray):
            self.self_view.set_frame(mirrored(image))


# -- IN_CALL -------------------------------------------------------------------------------------
class RequestCard(QFrame):
    """One thing the doctor asked for; nothing starts before the assistant touches "Start"."""

    def __init__(self, request: DoctorRequest) -> None:
        super().__init__()
        self.request = request
        self.setObjectName("request_card")
        self.asks = label()
        self.what = label()
        self.what.setObjectName("request_what")
        self.hint = label()
        self.hint.setObjectName("warning")
        self.hint.hide()
        self.decline = big_button(name=f"request_decline_{request.request_id}")
        self.start = big_button(role="primary", name=f"request_start_{request.request_id}")
        buttons = QHBoxLayout()
        buttons.addWidget(self.decline)  # as wide as its words; "Start" takes the rest
        buttons.addWidget(self.start, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.addWidget(self.asks)
        layout.addWidget(self.what)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)


class CallScreen(Screen):
    """The doctor large, the patient small in a corner, the doctor's requests beside them.

    While a measurement runs (the doctor asked for it, or the assistant took it from the
    "Measurements" page) its guided panel takes the video's place and the doctor stays small in
    the column.
    """

    def __init__(self, bridge: Bridge) -> None:
        super().__init__(bridge)
        self._measures_open = False  # the assistant opened the measurements page
        self.cards: dict[str, RequestCard] = {}
        self.banner = label()
        self.banner.setObjectName("call_banner")
        self.banner.hide()
        self.notice_box = NoticeBox(bridge)
        # The main area: the video, or the measurements (the MEASURE step's own widgets).
        self.stage = VideoStage()
        self.measure = MeasureScreen(bridge, in_call=True)
        self.measure.hide()
        # Not a stacked widget: the hidden page must not impose its minimum size on the shown one.
        self.main = QWidget()
        main = QVBoxLayout(self.main)
        main.setContentsMargins(0, 0, 0, 0)
        main.addWidget(self.stage)
        main.addWidget(self.measure)
        # The column: who the doctor is, what they ask, and the call's two buttons.
        self.doctor_name = label(kind="subtitle")
        self.doctor_name.setObjectName("call_doctor_name")
        self.doctor_small = PreviewView()
        self.doctor_small.setObjectName("doctor_video_small")
        self.doctor_small.setFixedSize(*DOCTOR_VIEW_SMALL)
        self.doctor_small.hide()
        self.otoscope_note = label()
        self.otoscope_note.setObjectName("call_otoscope")
        self.otoscope_note.hide()
        self.requests_waiting = label()
        self.requests_waiting.setObjectName("warning")
        self.requests_waiting.hide()
        cards = QWidget()
        cards.setObjectName("request_cards")
        self.cards_layout = QVBoxLayout(cards)
        self.cards_layout.setContentsMargins(0, 0, 0, 0)
        self.cards_layout.setSpacing(12)
        self.cards_layout.addStretch(1)
        self.cards_scroll = QScrollArea()
        self.cards_scroll.setObjectName("request_scroll")
        self.cards_scroll.setWidgetResizable(True)
        self.cards_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.cards_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.cards_scroll.setWidget(cards)
        QScroller.grabGesture(
            self.cards_scroll.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture
        )
        self.measures = big_button(name="call_measures")
        self.measures.clicked.connect(self._toggle_measures)
        self.hang_up = big_button(role="danger", name="call_hang_up")
        self.hang_up.clicked.connect(self._ask_hang_up)
        self.side = QWidget()
        self.side.setFixedWidth(SIDE_WIDTH)
        side = QVBoxLayout(self.side)
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(12)
        side.addWidget(self.doctor_name)
        side.addWidget(self.doctor_small)
        side.addWidget(self.otoscope_note)
        side.addWidget(self.requests_waiting)
        side.addWidget(self.cards_scroll, 1)
        side.addStretch(0)  # takes the room when the cards are hidden
        side.addWidget(self.measures)
        side.addWidget(self.hang_up)
        body = QHBoxLayout()
        body.setSpacing(16)
        body.addWidget(self.main, 1)
        body.addWidget(self.side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 20)
        layout.addWidget(self.banner)
        layout.addWidget(self.notice_box)
        layout.addLayout(body, 1)
        self.confirm = ConfirmOverlay(self)
        bridge.video.connect(self._video)
        self.retranslate()

    def retranslate(self) -> None:
        self.stage.doctor.placeholder = self.tr("Waiting for the doctor's picture...")
        self.stage.self_view.placeholder = self.tr("No camera picture")
        self.doctor_small.placeholder = ""
        self.hang_up.setText(self.tr("Hang up"))
        self.confirm.reset()

    def enter(self, snap: Snapshot) -> None:
        self._measures_open = False
        self.confirm.reset()
        # Never the previous call's pictures.
        for view in (self.stage.doctor, self.stage.self_view, self.doctor_small):
            view.clear()

    def forget(self) -> None:
        super().forget()
        self._measures_open = False
        self.confirm.reset()
        for view in (self.stage.doctor, self.stage.self_view, self.doctor_small):
            view.clear()
        self.measure.forget()
        self._render_requests((), MeasureView())
        for text in (self.doctor_name, self.banner, self.requests_waiting):
            text.setText("")

    # -- rendering ---------------------------------------------------------------------------
    @property
    def measuring(self) -> bool:
        """The measurements take the video's place."""
        return not self.measure.isHidden()

    def render(self, snap: Snapshot) -> None:
        call = snap.call or CallSnapshot()
        view = snap.measure or MeasureView()
        measuring = view.run is not None or self._measures_open
        if measuring:
            self.measure.show_snapshot(snap)
        self.notice_box.show_notice(None if measuring else snap)  # the panel shows its own
        self.measures.setText(
            self.tr("Back to the video") if measuring else self.tr("Measurements")
        )
        self.measures.setEnabled(view.run is None)  # a running measurement keeps its panel
        self._render_doctor(call, measuring)
        self._render_banner(call)
        self._render_requests(call.requests, view)
        self.requests_waiting.setText(
            self.tr("The doctor is waiting for an answer ({n}): see the video page.").replace(
                "{n}", str(len(call.requests))
            )
        )
        # Hide what leaves before showing what comes: both at once would grow the window for a
        # moment, and a window does not shrink back by itself.
        video = (self.stage, self.cards_scroll)
        # While the connection is lost the doctor's picture is frozen: the banner takes its room.
        lost = not self.banner.isHidden()
        panel = (self.measure,) if lost else (self.measure, self.doctor_small)
        if lost:
            self.doctor_small.hide()
        leaving, coming = (video, panel) if measuring else (panel, video)
        waiting = measuring and bool(call.requests)
        for widget in (*leaving, *(() if waiting else (self.requests_waiting,))):
            widget.hide()
        self.side.setFixedWidth(SIDE_WIDTH_MEASURING if measuring else SIDE_WIDTH)
        for widget in (*coming, *((self.requests_waiting,) if waiting else ())):
            widget.show()

    def _render_doctor(self, call: CallSnapshot, measuring: bool) -> None:
        if call.doctor and measuring:
            self.doctor_name.setText(call.doctor)  # the column is narrow: the name only
        elif call.doctor:
            self.doctor_name.setText(
                self.tr("In consultation with {doctor}").replace("{doctor}", call.doctor)
            )
        else:
            self.doctor_name.setText(self.tr("The doctor is joining the call..."))
        self.otoscope_note.setText(self.tr("The doctor sees the otoscope's picture."))
        self.otoscope_note.setVisible(call.otoscope_active)

    def _render_banner(self, call: CallSnapshot) -> None:
        text = ""
        if call.phase is CallPhase.RECONNECTING:
            text = self.tr(
                "Connection to the doctor lost: reconnecting... Stay in front of the screen."
            )
            if call.undelivered > 0:
                text += "\n" + self.tr(
                    "{n} item(s) waiting to be sent to the doctor: nothing is lost, they leave "
                    "as soon as the connection is back."
                ).replace("{n}", str(call.undelivered))
        elif call.phase is CallPhase.FAILED and call.error:
            text = messages.call_error(call.error)
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def _render_requests(self, requests: tuple[DoctorRequest, ...], view: MeasureView) -> None:
        wanted = {r.request_id: r for r in requests}
        for request_id in [i for i in self.cards if i not in wanted]:
            gone = self.cards.pop(request_id)
            gone.setParent(None)
            gone.deleteLater()
        for request in requests:
            card = self.cards.get(request.request_id)
            if card is None:
                card = RequestCard(request)
                card.start.clicked.connect(lambda _=False, i=request.request_id: self._confirm(i))
                card.decline.clicked.connect(lambda _=False, i=request.request_id: self._decline(i))
                self.cards[request.request_id] = card
                self.cards_layout.insertWidget(self.cards_layout.count() - 1, card)
            self._render_card(card, view)

    def _render_card(self, card: RequestCard, view: MeasureView) -> None:
        card.asks.setText(self.tr("The doctor asks:"))
        card.what.setText(messages.doctor_request(card.request.action))
        card.decline.setText(self.tr("Not now"))
        card.start.setText(self.tr("Start"))
        hint = ""
        kind = ACTION_KIND.get(card.request.action)
        if kind is None:
            hint = self.tr("This cabin cannot do this.")
        elif view.run is not None:
            hint = self.tr("Finish the current measurement first.")
        else:
            state = next((d for d in view.devices if d.family == KIND_DEVICE[kind]), None)
            status = state.status if state is not None else DeviceStatus.NOT_INSTALLED
            if state is not None and state.service == "out_of_service":
                hint = messages.device_service(
                    state.service, state.service_reason, state.calibration_due
                )
            elif status != DeviceStatus.READY:
                hint = self.tr('Device {status}: tell the doctor, then touch "Not now".').replace(
                    "{status}", messages.device_status(str(status))
                )
        card.hint.setText(hint)
        card.hint.setVisible(bool(hint))
        card.start.setEnabled(not hint)

    # -- commands ----------------------------------------------------------------------------
    def _confirm(self, request_id: str) -> None:
        self.bridge.call(lambda service: service.confirm_request(request_id))

    def _decline(self, request_id: str) -> None:
        self.bridge.call(lambda service: service.decline_request(request_id))

    def _toggle_measures(self) -> None:
        self._measures_open = not self.measuring
        if self.snap is not None:
            self.render(self.snap)

    def _ask_hang_up(self) -> None:
        self.confirm.ask(
            self.tr("Hang up? The doctor will no longer see or hear the patient."),
            self.tr("Yes, hang up"),
            self.tr("No, stay in the call"),
            lambda: self.bridge.call(lambda service: service.end_call()),
        )

    def _video(self, who: str, image: object) -> None:
        if not isinstance(image, np.ndarray):
            return
        if who == "doctor":
            self.stage.doctor.set_frame(image)
            self.doctor_small.set_frame(image)
        elif who == "self":
            self.stage.self_view.set_frame(mirrored(image))


# -- REPORT --------------------------------------------------------------------------------------
class ReportScreen(Screen):
    """The doctor's report in large type, for the patient to read before it is handed over."""

    def __init__(self, bridge: Bridge) -> None:
        super().__init__(bridge)
        self.notice_box = NoticeBox(bridge)
        self.title = label(kind="title")
        self.byline = label(kind="subtitle")
        self.orientation = label()
        self.orientation.setObjectName("report_orientation")
        self.emergency = label(wrap=False)
        self.emergency.setObjectName("report_emergency")
        self.emergency.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.emergency.hide()
        self.missing = label(kind="subtitle")
        self.missing.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.missing.hide()
        self.conclusion_title = _heading()
        self.conclusion = _body("report_conclusion")
        self.advice_title = _heading()
        self.advice = _body("report_advice")
        self.prescription_title = _heading()
        self.prescription = _body("report_prescription")
        self.observations_title = _heading()
        self.observations = _body("report_observations")
        content = QWidget()
        content.setObjectName("report_content")
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 16, 0)
        column.setSpacing(6)
        for heading, body in (
            (self.conclusion_title, self.conclusion),
            (self.advice_title, self.advice),
            (self.prescription_title, self.prescription),
            (self.observations_title, self.observations),
        ):
            column.addWidget(heading)
            column.addWidget(body)
            column.addSpacing(14)
        column.addStretch(1)
        self.body_scroll = QScrollArea()
        self.body_scroll.setObjectName("report_scroll")
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body_scroll.setWidget(content)
        # A finger drags the report up and down, as on a phone.
        QScroller.grabGesture(
            self.body_scroll.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture
        )
        self.delivered = big_button(role="primary", name="report_delivered")
        self.delivered.clicked.connect(
            lambda: self.bridge.command(lambda s: s.apply(ReportDelivered(), State.REPORT))
        )
        # Printing: the report on paper, or on the screen when there is no printer. It never
        # holds up "Handed to the patient".
        self.print_button = big_button(name="report_print")
        self.print_button.clicked.connect(self._print)
        self.print_status = label(kind="subtitle")
        self.print_status.setObjectName("report_print_status")
        self.print_status.hide()
        self.show_pdf = big_button(name="report_show_pdf")
        self.show_pdf.setFixedWidth(380)
        self.show_pdf.clicked.connect(self._show_pdf)
        self.show_pdf.hide()
        self.viewer = PdfViewer(self)
        self.viewer.close_button.clicked.connect(self._close_pdf)
        status_row = QHBoxLayout()
        status_row.addWidget(self.print_status, 1)
        status_row.addWidget(self.show_pdf)
        row = QHBoxLayout()
        row.addWidget(self.print_button, 1)
        row.addWidget(self.delivered, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 10, 40, 20)
        layout.addWidget(self.notice_box)
        layout.addWidget(self.title)
        layout.addWidget(self.byline)
        layout.addWidget(self.orientation)
        layout.addWidget(self.emergency)
        layout.addWidget(self.missing, 1)  # one or the other takes the room
        layout.addWidget(self.body_scroll, 1)
        layout.addLayout(status_row)
        layout.addLayout(row)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("The doctor's report"))
        self.conclusion_title.setText(self.tr("Conclusion"))
        self.prescription_title.setText(self.tr("Prescription"))
        self.observations_title.setText(self.tr("The doctor's observations"))
        self.show_pdf.setText(self.tr("Show on the screen"))
        self.viewer.title.setText(self.tr("The report, as it would be printed"))
        self.viewer.close_button.setText(self.tr("Close"))
        self.print_button.setText(self.tr("Print"))

    def enter(self, snap: Snapshot) -> None:
        self.body_scroll.verticalScrollBar().setValue(0)

    def render(self, snap: Snapshot) -> None:
        self.notice_box.show_notice(snap)
        report = snap.call.report if snap.call is not None else None
        if report is None:
            self._render_missing()
        else:
            self._render_report(report, snap.emergency_number)
        self._render_printing(snap.printing, report is not None)

    def _render_printing(self, view: PrintView | None, has_report: bool) -> None:
        # Without a report there is nothing of the doctor's to print.
        self.print_button.setVisible(has_report)
        if not has_report:
            view = None
        status = view.status if view is not None else None
        self.print_button.setEnabled(status != PRINTING)
        text = ""
        if view is not None and status == PRINTING:
            text = self.tr("Printing... The report is on its way to the printer.")
            self.print_button.setText(self.tr("Printing..."))
        elif view is not None and status == PRINTED:
            text = self.tr("Printed on {printer}.").replace("{printer}", view.printer)
            self.print_button.setText(self.tr("Print again"))
        elif view is not None and status == FAILED:
            text = messages.print_error(view.error or "PRINT_FAILED")
            retry = view.error not in messages.NO_PRINTER_ERRORS
            self.print_button.setText(self.tr("Try again") if retry else self.tr("Print"))
        else:
            self.print_button.setText(self.tr("Print"))
        self.print_status.setText(text)
        self.print_status.setVisible(bool(text))
        repolish(self.print_status, "alert", "true" if status == FAILED else "false")
        self.show_pdf.setVisible(status == FAILED)
        pdf = view.pdf if view is not None else None
        if pdf is None:
            self.viewer.clear()
        elif not self.viewer.show_pdf(pdf):
            self._close_pdf()

    def _print(self) -> None:
        self.bridge.command(lambda s: s.printing.print_report() if s.printing else None)

    def _show_pdf(self) -> None:
        self.bridge.command(lambda s: s.printing.show_pdf() if s.printing else None)

    def _close_pdf(self) -> None:
        self.viewer.clear()
        self.bridge.command(lambda s: s.printing.close_pdf() if s.printing else None)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.viewer.follow_parent()

    def _render_missing(self) -> None:
        self.byline.setText("")
        self.byline.hide()
        self.orientation.hide()
        self.emergency.hide()
        self.body_scroll.hide()
        self.missing.setText(
            self.tr(
                "The call ended without a written report from the doctor. Remind the patient of "
                "what the doctor said; for any question, the patient can see their treating "
                "physician."
            )
        )
        self.missing.show()
        self.delivered.setText(self.tr("Continue"))

    def _render_report(self, report: ReportView, emergency_number: str) -> None:
        self.missing.hide()
        self.body_scroll.show()
        byline = [report.doctor] if report.doctor else []
        when = local_time(report.received_at)
        if when:
            byline.append(self.tr("received at {time}").replace("{time}", when))
        self.byline.setText("  ·  ".join(byline))
        self.byline.setVisible(bool(byline))
        emergency = report.orientation == "emergency"
        self.orientation.setText(messages.orientation(report.orientation, emergency_number))
        repolish(self.orientation, "alert", "true" if emergency else "false")
        self.orientation.show()
        self.emergency.setText(f"{emergency_number}  ·  112")
        self.emergency.setVisible(emergency)
        self.conclusion.setText(report.conclusion or "-")
        self.advice_title.setText(
            self.tr("Advice for the patient (written in {language})").replace(
                "{language}", messages.language_name(report.language)
            )
        )
        self.advice.setText(report.advice or "-")
        self.prescription.setText(
            "\n".join(f"•  {line}" for line in report.prescription)
            if report.prescription
            else self.tr("No prescription.")
        )
        self.observations.setText(report.observations or "-")
        self.delivered.setText(self.tr("Handed to the patient"))

    def forget(self) -> None:
        super().forget()
        self.viewer.clear()  # the report's PDF goes too
        # Every text of the report goes (whatever the report showed), then the fixed ones return.
        blank_texts(self)
        self.retranslate()


def _heading() -> QLabel:
    heading = label()
    heading.setObjectName("report_heading")
    return heading


def _body(name: str) -> QLabel:
    # The doctor's own words: plain text, never read as markup.
    body = label()
    body.setObjectName(name)
    body.setTextFormat(Qt.TextFormat.PlainText)
    body.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return body


__all__ = ["CallScreen", "ReportScreen", "WaitingScreen"]
