"""IDLE, an assistant signed in: start a session, resume an interrupted one, or sign out.

Every interrupted session is listed, however many there are: the list scrolls (by dragging it,
with a wide scroll bar) rather than leaving any session out of reach.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QPushButton, QScrollArea, QScroller, QVBoxLayout, QWidget

from kiosk.flow import State
from kiosk.services.session import Snapshot
from ui import messages
from ui.bridge import Bridge
from ui.screens.base import Screen
from ui.widgets.touch import big_button, button_row, label

if TYPE_CHECKING:
    from kiosk.records.outbox import OutboxView

RECORDS_CALM = "font-size: 22px; color: #33415c;"
RECORDS_ALERT = "font-size: 24px; font-weight: 600; color: #b00020;"
# The list and its viewport show the screen's background, not a grey box.
RESUME_LIST_STYLE = "QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }"


class HomeScreen(Screen):
    patient_facing = False

    def __init__(self, bridge: Bridge) -> None:
        super().__init__(bridge)
        self.title = label(kind="title")
        self.start = big_button(role="primary", name="start_session")
        self.start.setMinimumHeight(140)
        self.start.clicked.connect(lambda: self.bridge.command(lambda s: s.start_session()))
        # A session that still owes the cabin a cleaning comes before any new patient.
        self.cleaning = label(kind="notice")
        self.cleaning.setObjectName("cleaning_due")
        self.finish_cleaning = big_button(role="primary", name="resume_cleaning")
        self.finish_cleaning.clicked.connect(self._finish_cleaning)
        self.resume_title = label(kind="subtitle")
        resume_list = QWidget()
        self.resume_box = QVBoxLayout(resume_list)
        self.resume_box.setContentsMargins(0, 0, 0, 0)
        self.resume_box.setSpacing(12)
        self.resume_box.addStretch(1)  # the buttons go above it, at the top of the list
        self.resume_scroll = QScrollArea()
        self.resume_scroll.setObjectName("resume_scroll")
        self.resume_scroll.setStyleSheet(RESUME_LIST_STYLE)
        self.resume_scroll.setWidgetResizable(True)
        self.resume_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.resume_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.resume_scroll.setWidget(resume_list)
        self.resume_scroll.hide()
        QScroller.grabGesture(
            self.resume_scroll.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture
        )
        self.resume_buttons: list[QPushButton] = []
        self._shown: tuple[tuple[str, str, str], ...] = ()
        self.notice = label(kind="notice")
        self.notice.hide()
        # One calm line about the consultation records (no patient in it).
        self.records = label()
        self.records.setObjectName("records_state")
        self.records.hide()
        self.sign_out = big_button(name="sign_out")
        self.sign_out.clicked.connect(lambda: self.bridge.command(lambda s: s.sign_out()))
        bottom = button_row(None, self.sign_out)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(60, 30, 60, 30)
        layout.setSpacing(20)
        layout.addWidget(self.title)
        layout.addWidget(self.start)
        layout.addWidget(self.cleaning)
        layout.addWidget(self.finish_cleaning)
        layout.addWidget(self.resume_title)
        layout.addWidget(self.resume_scroll, 1)
        layout.addStretch(0)  # takes the room when there is nothing to resume
        layout.addWidget(self.records)
        layout.addWidget(self.notice)
        layout.addLayout(bottom)
        self.retranslate()

    def retranslate(self) -> None:
        self._shown = ()  # the resume buttons are rebuilt in the new language
        self.start.setText(self.tr("Start a teleconsultation"))
        self.resume_title.setText(
            self.tr("Interrupted sessions: touch one to resume it where it stopped")
        )
        self.sign_out.setText(self.tr("Sign out"))
        self.cleaning.setText(
            self.tr("Cleaning to finish: the cabin has not been cleaned since the last patient.")
        )
        self.finish_cleaning.setText(self.tr("Finish the cleaning"))

    def render(self, snap: Snapshot) -> None:
        name = snap.assistant.name if snap.assistant else ""
        self.title.setText(self.tr("Hello {name}").replace("{name}", name))
        due = snap.cleaning_due
        self.start.setEnabled(due is None)
        self.cleaning.setVisible(due is not None)
        self.finish_cleaning.setVisible(due is not None)
        others = [item for item in snap.resumable if due is None or item.id != due.id]
        shown = tuple((item.id, item.patient, item.state) for item in others)
        if shown != self._shown:  # rebuild only when the list changes: no flicker, no lost tap
            self._shown = shown
            for button in self.resume_buttons:
                button.setParent(None)
                button.deleteLater()
            self.resume_buttons = []
            for session_id, patient, state in shown:
                who = patient or self.tr("patient not identified yet")
                text = self.tr("Resume: {who} (step: {step})").replace("{who}", who)
                button = big_button(text.replace("{step}", messages.state_name(State(state))))
                button.setObjectName(f"resume_{session_id}")
                button.clicked.connect(
                    lambda _=False, sid=session_id: self.bridge.command(
                        lambda s: s.resume_session(sid)
                    )
                )
                self.resume_box.insertWidget(self.resume_box.count() - 1, button)
                button.show()
                self.resume_buttons.append(button)
        self.resume_title.setVisible(bool(others))
        self.resume_scroll.setVisible(bool(others))
        text = messages.notice(snap.notice.code, snap.notice.params) if snap.notice else ""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        self._render_records(snap.outbox)

    def _render_records(self, outbox: OutboxView | None) -> None:
        text = ""
        alert = False
        if outbox is not None:
            waiting = outbox.pending + outbox.sending
            parts = []
            if outbox.failed:
                alert = True
                parts.append(
                    self.tr(
                        "{n} consultation record(s) refused by the recipient: call the technician."
                    ).replace("{n}", str(outbox.failed))
                )
            if waiting and not outbox.destination:
                parts.append(
                    self.tr(
                        "{n} consultation record(s) waiting to be sent: no destination is "
                        "configured. Tell the technician."
                    ).replace("{n}", str(waiting))
                )
            elif waiting:
                parts.append(
                    self.tr(
                        "{n} consultation record(s) waiting to be sent: the kiosk keeps trying."
                    ).replace("{n}", str(waiting))
                )
            if not parts and outbox.sent:
                parts.append(self.tr("Every consultation record has been sent."))
            text = " ".join(parts)
        self.records.setText(text)
        self.records.setVisible(bool(text))
        # Refused records need someone: in red; otherwise a calm grey line.
        style = RECORDS_ALERT if alert else RECORDS_CALM
        if self.records.styleSheet() != style:
            self.records.setStyleSheet(style)

    def forget(self) -> None:
        super().forget()
        # The interrupted sessions' names are shown again only to a signed-in assistant.
        self._shown = ()
        for button in self.resume_buttons:
            button.setParent(None)
            button.deleteLater()
        self.resume_buttons = []
        self.resume_title.hide()
        self.resume_scroll.hide()
        self.notice.setText("")
        self.title.setText("")

    def _finish_cleaning(self) -> None:
        due = self.snap.cleaning_due if self.snap else None
        if due is not None:
            session_id = due.id
            self.bridge.command(lambda s: s.resume_session(session_id))
