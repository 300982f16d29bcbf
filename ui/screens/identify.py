"""IDENTIFY: who the patient is. Errors appear next to each field; nothing typed is lost."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from kiosk.flow import State
from kiosk.services.session import Snapshot
from ui import messages
from ui.bridge import Bridge
from ui.screens.base import Screen
from ui.widgets.confirm import ConfirmOverlay
from ui.widgets.touch import ChoiceGroup, ErrorLabel, TextField, big_button, button_row, label

FIELDS = ("family_name", "given_names", "birth_date", "nir", "treating_physician")


class IdentifyScreen(Screen):
    def __init__(self, bridge: Bridge) -> None:
        super().__init__(bridge)
        self.fields = {name: TextField(name) for name in FIELDS}
        self.sex_caption = label(kind="subtitle", wrap=False)
        self.sex = ChoiceGroup("sex", ("female", "male", "other"), columns=3)
        self.sex_error = ErrorLabel()
        sex_box = QWidget()
        sex_layout = QVBoxLayout(sex_box)
        sex_layout.setContentsMargins(0, 0, 0, 0)
        sex_layout.addWidget(self.sex_caption)
        sex_layout.addWidget(self.sex)
        sex_layout.addWidget(self.sex_error)
        grid = QGridLayout()
        grid.setHorizontalSpacing(30)
        grid.setVerticalSpacing(14)
        grid.addWidget(self.fields["family_name"], 0, 0)
        grid.addWidget(self.fields["given_names"], 1, 0)
        grid.addWidget(self.fields["birth_date"], 2, 0)
        grid.addWidget(sex_box, 0, 1)
        grid.addWidget(self.fields["nir"], 1, 1)
        grid.addWidget(self.fields["treating_physician"], 2, 1)
        self.cancel = big_button(role="danger", name="cancel")
        self.cancel.clicked.connect(self._ask_cancel)
        self.next = big_button(role="primary", name="next")
        self.next.clicked.connect(self._submit)
        buttons = button_row(self.cancel, self.next)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 10, 40, 20)
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addLayout(buttons)
        # Cancelling asks first: a touch in a small booth is easily an accident.
        self.confirm = ConfirmOverlay(self)
        self.retranslate()

    def retranslate(self) -> None:
        captions = {
            "family_name": self.tr("Family name"),
            "given_names": self.tr("Given names"),
            "birth_date": self.tr("Date of birth (day/month/year)"),
            "nir": self.tr("Social security number (optional)"),
            "treating_physician": self.tr("Treating physician (optional)"),
        }
        for name, caption in captions.items():
            self.fields[name].caption.setText(caption)
        self.fields["birth_date"].edit.setPlaceholderText(self.tr("dd/mm/yyyy"))
        self.sex_caption.setText(self.tr("Sex"))
        self.sex.buttons["female"].setText(self.tr("Female"))
        self.sex.buttons["male"].setText(self.tr("Male"))
        self.sex.buttons["other"].setText(self.tr("Other"))
        self.cancel.setText(self.tr("Cancel the session"))
        self.next.setText(self.tr("Next"))

    def enter(self, snap: Snapshot) -> None:
        self.confirm.reset()
        identity = snap.session.identity if snap.session else None
        values = identity.to_dict() if identity else {}
        for name, field in self.fields.items():
            field.set_value(values.get(name) or "")
        if identity is not None:
            self.fields["birth_date"].set_value(identity.birth_date.strftime("%d/%m/%Y"))
        self.sex.set_value(str(values.get("sex") or ""))

    def forget(self) -> None:
        super().forget()
        self.confirm.reset()
        for field in self.fields.values():
            field.set_value("")
            field.set_error(None)
        self.sex.clear()
        self.sex_error.show_error(None)

    def render(self, snap: Snapshot) -> None:
        errors = {e.field: messages.field_error(e.code, e.params) for e in snap.field_errors}
        for name, field in self.fields.items():
            field.set_error(errors.get(name))
        self.sex_error.show_error(errors.get("sex"))

    def _ask_cancel(self) -> None:
        self.confirm.ask_end_session(
            lambda: self.bridge.command(lambda s: s.cancel(State.IDENTIFY))
        )

    def _submit(self) -> None:
        raw = {name: field.value() for name, field in self.fields.items()}
        raw["sex"] = self.sex.value()
        self.bridge.command(lambda s: s.submit_identity(raw))
