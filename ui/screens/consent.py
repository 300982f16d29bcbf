"""CONSENT: explain the teleconsultation in plain words; record the patient's answer."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout

from kiosk.flow import State
from kiosk.flow.triage import CONSENT_POINTS
from ui import messages
from ui.bridge import Bridge
from ui.screens.base import Screen
from ui.widgets.touch import big_button, button_row, label


class ConsentScreen(Screen):
    def __init__(self, bridge: Bridge) -> None:
        super().__init__(bridge)
        self.title = label(kind="title")
        self.points = {code: label() for code in CONSENT_POINTS}
        for point in self.points.values():
            point.setStyleSheet("font-size: 27px; padding: 6px 0;")
        self.question = label(kind="subtitle")
        self.question.setStyleSheet("font-weight: 600;")
        self.back = big_button(name="back")
        self.back.clicked.connect(lambda: self.bridge.command(lambda s: s.go_back(State.CONSENT)))
        self.refuse = big_button(role="danger", name="consent_no")
        self.refuse.clicked.connect(lambda: self.bridge.command(lambda s: s.record_consent(False)))
        self.accept = big_button(role="primary", name="consent_yes")
        self.accept.clicked.connect(lambda: self.bridge.command(lambda s: s.record_consent(True)))
        buttons = button_row(self.back, self.refuse, self.accept, wide=2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(60, 10, 60, 20)
        layout.addWidget(self.title)
        for point in self.points.values():
            layout.addWidget(point)
        layout.addStretch(1)
        layout.addWidget(self.question)
        layout.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Before we start"))
        for code, point in self.points.items():
            point.setText("•  " + messages.consent_point(code))
        self.question.setText(self.tr("Does the patient agree to the teleconsultation?"))
        self.back.setText(self.tr("Back"))
        self.refuse.setText(self.tr("No, the patient refuses"))
        self.accept.setText(self.tr("Yes, the patient agrees"))
