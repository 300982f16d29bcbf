"""Touch widgets: big buttons, a field with its error underneath, choice groups, a PIN pad."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)


def big_button(text: str = "", role: str | None = None, name: str | None = None) -> QPushButton:
    button = QPushButton(text)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if role:
        button.setProperty("role", role)
    if name:
        button.setObjectName(name)
    return button


def button_row(
    left: QWidget | None, right: QWidget | None, *more_right: QWidget, wide: int = 1
) -> QHBoxLayout:
    """The bottom row of a screen: a way back or out on the left, the way forward on the right.

    ``wide`` is the stretch of each right-hand button (the left one and the gap have 1).
    """
    row = QHBoxLayout()
    if left is not None:
        row.addWidget(left, 1)
    row.addStretch(1 if left is not None else 2)
    for widget in (right, *more_right):
        if widget is not None:
            row.addWidget(widget, wide)
    return row


def label(text: str = "", kind: str | None = None, wrap: bool = True) -> QLabel:
    widget = QLabel(text)
    widget.setWordWrap(wrap)
    if kind:
        widget.setObjectName(kind)
    return widget


class ErrorLabel(QLabel):
    """A plain-words message under a field; hidden when there is nothing to say."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("error")
        self.setWordWrap(True)
        self.hide()

    def show_error(self, text: str | None) -> None:
        self.setText(text or "")
        self.setVisible(bool(text))


class TextField(QWidget):
    """A caption, a line edit and its error message."""

    def __init__(self, name: str, max_length: int = 120) -> None:
        super().__init__()
        self.setObjectName(f"field_{name}")
        self.caption = label(kind="subtitle", wrap=False)
        self.edit = QLineEdit()
        self.edit.setObjectName(name)
        # Longer than the core's limit so that an over-long entry gets a message, not a silent cut.
        self.edit.setMaxLength(max_length)
        self.error = ErrorLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.caption)
        layout.addWidget(self.edit)
        layout.addWidget(self.error)

    def value(self) -> str:
        return self.edit.text()

    def set_value(self, text: str) -> None:
        self.edit.setText(text)

    def set_error(self, text: str | None) -> None:
        self.error.show_error(text)
        self.edit.setProperty("invalid", "true" if text else "false")
        self.edit.style().unpolish(self.edit)
        self.edit.style().polish(self.edit)


class ChoiceGroup(QWidget):
    """Exclusive big toggle buttons, one per code; ``value()`` is the chosen code or ''."""

    changed = Signal(str)

    def __init__(self, name: str, codes: Sequence[str], columns: int) -> None:
        super().__init__()
        self.setObjectName(name)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(10)
        for index, code in enumerate(codes):
            button = big_button(name=f"{name}_{code}")
            button.setCheckable(True)
            self.group.addButton(button)
            self.buttons[code] = button
            grid.addWidget(button, index // columns, index % columns)
            button.clicked.connect(lambda _=False, c=code: self.changed.emit(c))

    def value(self) -> str:
        for code, button in self.buttons.items():
            if button.isChecked():
                return code
        return ""

    def set_value(self, code: str) -> None:
        if code in self.buttons:
            self.buttons[code].setChecked(True)
        else:
            self.clear()

    def clear(self) -> None:
        self.group.setExclusive(False)
        for button in self.buttons.values():
            button.setChecked(False)
        self.group.setExclusive(True)


class YesNo(QWidget):
    """A question answered by two big buttons; ``value()`` is True, False or None."""

    changed = Signal()

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.question = label()
        self.choice = ChoiceGroup(name, ("yes", "no"), columns=2)
        self.choice.changed.connect(lambda _code: self.changed.emit())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.question, 3)
        layout.addWidget(self.choice, 2)

    def value(self) -> bool | None:
        chosen = self.choice.value()
        return None if not chosen else chosen == "yes"

    def clear(self) -> None:
        self.choice.clear()


class PinPad(QWidget):
    """Digits 0-9, erase and OK. The PIN is shown as dots and never leaves this widget but
    through ``submitted``."""

    submitted = Signal(str)
    MAX = 8

    def __init__(self) -> None:
        super().__init__()
        self._pin = ""
        self.display = label(wrap=False)
        self.display.setObjectName("pin_display")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setStyleSheet("font-size: 44px; letter-spacing: 12px;")
        grid = QGridLayout()
        grid.setSpacing(10)
        self.keys: dict[str, QPushButton] = {}
        for index, digit in enumerate("123456789"):
            self._add_key(grid, digit, index // 3, index % 3)
        self.erase = big_button("⌫", name="pin_erase")
        self.erase.clicked.connect(self._erase)
        grid.addWidget(self.erase, 3, 0)
        self._add_key(grid, "0", 3, 1)
        self.ok = big_button("OK", role="primary", name="pin_ok")
        self.ok.clicked.connect(self._submit)
        grid.addWidget(self.ok, 3, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.display)
        layout.addLayout(grid)
        self._refresh()

    def _add_key(self, grid: QGridLayout, digit: str, row: int, column: int) -> None:
        key = big_button(digit, name=f"pin_{digit}")
        key.clicked.connect(lambda _=False, d=digit: self._press(d))
        grid.addWidget(key, row, column)
        self.keys[digit] = key

    def _press(self, digit: str) -> None:
        if len(self._pin) < self.MAX:
            self._pin += digit
        self._refresh()

    def _erase(self) -> None:
        self._pin = self._pin[:-1]
        self._refresh()

    def _submit(self) -> None:
        pin, self._pin = self._pin, ""
        self._refresh()
        if pin:
            self.submitted.emit(pin)

    def clear(self) -> None:
        self._pin = ""
        self._refresh()

    def _refresh(self) -> None:
        self.display.setText("●" * len(self._pin) or " ")
        self.ok.setEnabled(bool(self._pin))
