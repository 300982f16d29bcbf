"""REFERRED and ABANDONED: the session ends here."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.flow import State
from kiosk.services.session import Snapshot
from ui import messages
from ui.bridge import Bridge
from ui.screens.base import Screen
from ui.widgets.touch import big_button, button_row, label


class ReferredScreen(Screen):
    def __init__(self, bridge: Bridge) -> None:
        super().__init__(bridge)
        panel = QWidget()
        panel.setObjectName("referred")
        panel.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.title = label(kind="title")
        self.title.setStyleSheet("color: #ffffff;")
        self.number = label(kind="emergency", wrap=False)
        self.number.setObjectName("emergency")
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.explain = label(kind="subtitle")
        self.why = label()
        self.why.setObjectName("referral_reasons")
        self.close = big_button(name="close")
        self.close.clicked.connect(
            lambda: self.bridge.command(lambda s: s.close_session(State.REFERRED))
        )
        inner = QVBoxLayout(panel)
        inner.setContentsMargins(50, 20, 50, 20)
        inner.addWidget(self.title)
        inner.addWidget(self.number)
        inner.addWidget(self.explain)
        inner.addWidget(self.why)
        inner.addStretch(1)
        inner.addLayout(button_row(None, self.close))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(panel)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Call the emergency services now"))
        self.explain.setText(
            self.tr(
                "A teleconsultation is not suitable for this patient. Call the number above "
                "and stay with the patient until help arrives."
            )
        )
        self.close.setText(self.tr("Close"))

    def render(self, snap: Snapshot) -> None:
        self.number.setText(f"{snap.emergency_number}  ·  112")
        flags = snap.session.triage.red_flags if snap.session and snap.session.triage else ()
        lines = [self.tr("Emergency signs reported:")] + [
            "•  " + messages.red_flag_question(f) for f in flags
        ]
        self.why.setText("\n".join(lines) if flags else "")

    def forget(self) -> None:
        super().forget()
        self.why.setText("")


class AbandonedScreen(Screen):
    def __init__(self, bridge: Bridge) -> None:
        super().__init__(bridge)
        self.title = label(kind="title")
        self.body = label(kind="subtitle")
        self.body.setObjectName("ending_text")
        self.close = big_button(role="primary", name="close")
        self.close.clicked.connect(
            lambda: self.bridge.command(lambda s: s.close_session(State.ABANDONED))
        )
        row = button_row(None, self.close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(60, 40, 60, 20)
        layout.addWidget(self.title)
        layout.addWidget(self.body)
        layout.addStretch(1)
        layout.addLayout(row)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Thank you"))
        self.close.setText(self.tr("Close"))

    def render(self, snap: Snapshot) -> None:
        reason = snap.session.end_reason if snap.session else None
        if reason == "consent refused":
            self.body.setText(
                self.tr(
                    "The patient did not agree to a teleconsultation; that is their right. Only "
                    "the refusal is kept, nothing else about the patient."
                )
            )
        else:
            self.body.setText(self.tr("The session has ended. The patient may leave the cabin."))

    def forget(self) -> None:
        super().forget()
        self.body.setText("")
