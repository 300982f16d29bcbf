"""TRIAGE: first the signs of an emergency (any yes ends here), then the reason for the visit."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk.flow import State
from kiosk.flow.triage import DETAILS_MAX, REASONS, RED_FLAGS
from kiosk.services.session import Snapshot
from ui import messages
from ui.bridge import Bridge
from ui.screens.base import Screen
from ui.widgets.touch import (
    ChoiceGroup,
    ErrorLabel,
    TextField,
    YesNo,
    big_button,
    button_row,
    label,
)


class TriageScreen(Screen):
    def __init__(self, bridge: Bridge) -> None:
        super().__init__(bridge)
        self.pages = QStackedWidget()
        # Page 1: red flags
        self.flags_title = label(kind="title")
        self.flags_hint = label(kind="subtitle")
        self.flags = {code: YesNo(f"flag_{code}") for code in RED_FLAGS}
        for flag in self.flags.values():
            flag.changed.connect(self._refresh_buttons)
        grid = QGridLayout()
        grid.setHorizontalSpacing(30)
        for index, flag in enumerate(self.flags.values()):
            grid.addWidget(flag, index // 2, index % 2)
        self.flags_error = ErrorLabel()
        self.back = big_button(name="back")
        self.back.clicked.connect(lambda: self.bridge.command(lambda s: s.go_back(State.TRIAGE)))
        self.flags_next = big_button(role="primary", name="flags_next")
        self.flags_next.clicked.connect(self._flags_done)
        row = button_row(self.back, self.flags_next)
        page1 = QWidget()
        layout1 = QVBoxLayout(page1)
        layout1.setContentsMargins(0, 0, 0, 0)
        layout1.addWidget(self.flags_title)
        layout1.addWidget(self.flags_hint)
        layout1.addLayout(grid)
        layout1.addStretch(1)
        layout1.addWidget(self.flags_error)
        layout1.addLayout(row)
        # Page 2: reason for the visit
        self.reason_title = label(kind="title")
        self.reasons = ChoiceGroup("reason", REASONS, columns=4)
        self.reason_error = ErrorLabel()
        self.details = TextField("details", max_length=DETAILS_MAX + 100)
        self.reason_back = big_button(name="reason_back")
        self.reason_back.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self.submit = big_button(role="primary", name="triage_submit")
        self.submit.clicked.connect(self._submit)
        row2 = button_row(self.reason_back, self.submit)
        page2 = QWidget()
        layout2 = QVBoxLayout(page2)
        layout2.setContentsMargins(0, 0, 0, 0)
        layout2.addWidget(self.reason_title)
        layout2.addWidget(self.reasons)
        layout2.addWidget(self.reason_error)
        layout2.addWidget(self.details)
        layout2.addStretch(1)
        layout2.addLayout(row2)
        self.pages.addWidget(page1)
        self.pages.addWidget(page2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 10, 40, 20)
        layout.addWidget(self.pages)
        self.retranslate()
        self._refresh_buttons()

    def retranslate(self) -> None:
        self.flags_title.setText(self.tr("Signs of an emergency"))
        self.flags_hint.setText(self.tr("Ask the patient each question. Does the patient have:"))
        for code, flag in self.flags.items():
            flag.question.setText(messages.red_flag_question(code))
            flag.choice.buttons["yes"].setText(self.tr("Yes"))
            flag.choice.buttons["no"].setText(self.tr("No"))
        self.back.setText(self.tr("Back"))
        self.flags_next.setText(self.tr("Continue"))
        self.reason_title.setText(self.tr("Reason for the visit"))
        for code, button in self.reasons.buttons.items():
            button.setText(messages.reason_label(code))
        self.details.caption.setText(
            self.tr("In the patient's words (optional, required for 'Other reason')")
        )
        self.reason_back.setText(self.tr("Back"))
        self.submit.setText(self.tr("Continue"))

    def answers(self) -> dict[str, bool]:
        return {
            code: value for code, flag in self.flags.items() if (value := flag.value()) is not None
        }

    def _refresh_buttons(self) -> None:
        self.flags_next.setEnabled(len(self.answers()) == len(RED_FLAGS))

    def _flags_done(self) -> None:
        answers = self.answers()
        if any(answers.values()):
            # Do not ask anything more: the patient needs emergency care now.
            self.bridge.command(lambda s: s.submit_triage("", "", answers))
        else:
            self.pages.setCurrentIndex(1)

    def _submit(self) -> None:
        answers, reason, details = self.answers(), self.reasons.value(), self.details.value()
        self.bridge.command(lambda s: s.submit_triage(reason, details, answers))

    def enter(self, snap: Snapshot) -> None:
        self.pages.setCurrentIndex(0)
        triage = snap.session.triage if snap.session else None
        for code, flag in self.flags.items():
            flag.clear()
            if triage is not None:
                flag.choice.set_value("yes" if code in triage.red_flags else "no")
        self.reasons.set_value(triage.reason if triage else "")
        self.details.set_value(triage.details if triage else "")
        self._refresh_buttons()

    def forget(self) -> None:
        super().forget()
        self.pages.setCurrentIndex(0)
        for flag in self.flags.values():
            flag.clear()
        self.reasons.clear()
        self.details.set_value("")
        self.details.set_error(None)
        self.flags_error.show_error(None)
        self.reason_error.show_error(None)
        self._refresh_buttons()

    def render(self, snap: Snapshot) -> None:
        errors = {e.field: messages.field_error(e.code, e.params) for e in snap.field_errors}
        self.flags_error.show_error(errors.get("red_flags"))
        self.reason_error.show_error(errors.get("reason"))
        self.details.set_error(errors.get("details"))
        if "red_flags" in errors:
            self.pages.setCurrentIndex(0)
