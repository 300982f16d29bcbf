"""Technician mode: the technician's sign-in, then the device panel.

Not patient-facing. Both screens render the ``TechnicianSnapshot`` the bridge keeps
(``bridge.last_technician``); commands go to the technician service on the core loop.
"""

from __future__ import annotations

import calendar
import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.services.panel import ALL_DEVICES, DevicePanel
from kiosk.services.session import Snapshot
from kiosk.services.technician import TechnicianSnapshot
from ui import messages
from ui.bridge import Bridge
from ui.screens.base import Screen
from ui.widgets.pin_sign_in import PinSignIn
from ui.widgets.touch import ChoiceGroup, big_button, button_row, label


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def local_time(iso: str) -> str:
    """``DD/MM/YYYY HH:MM`` in the cabin's time zone, from a stored ISO time."""
    try:
        return dt.datetime.fromisoformat(iso).astimezone().strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return iso


class TechnicianSignInScreen(Screen):
    patient_facing = False

    def __init__(self, bridge: Bridge) -> None:
        super().__init__(bridge)
        self.cancel = big_button(name="technician_cancel")
        self.cancel.clicked.connect(lambda: self.bridge.technician(lambda t: t.cancel_sign_in()))
        self.panel = PinSignIn(
            "technician",
            "no_technician",
            "technician_notice",
            lambda technician_id, pin: self.bridge.technician(
                lambda t: t.sign_in(technician_id, pin)
            ),
            below=(button_row(self.cancel, None),),
        )
        self.title, self.hint, self.none_yet = (
            self.panel.title,
            self.panel.hint,
            self.panel.none_yet,
        )
        self.pad, self.message = self.panel.pad, self.panel.message
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.panel)
        self.retranslate()

    @property
    def names(self) -> ChoiceGroup | None:
        return self.panel.names

    def retranslate(self) -> None:
        self.title.setText(self.tr("Technician sign-in"))
        self.hint.setText(self.tr("Touch your name, then type your technician PIN."))
        self.none_yet.setText(
            self.tr(
                "No technician is registered. Add one with the command: kiosk technician add NAME"
            )
        )
        self.cancel.setText(self.tr("Cancel"))

    def enter(self, snap: Snapshot) -> None:
        self.pad.clear()

    def render(self, snap: Snapshot) -> None:
        tech = self.bridge.last_technician
        if tech is None:
            return
        self.panel.show_people(
            tuple((t.id, t.name) for t in tech.technicians),
            tech.locked_for_s,
            tech.notice,
            tech.attempts_left,
        )


class DeviceCard(QFrame):
    """One device: identity, state, last self-test, calibration date, error history, a test."""

    def __init__(self, name: str, bridge: Bridge) -> None:
        super().__init__()
        self.name = name
        self.bridge = bridge
        self.setObjectName(f"device_card_{name}")
        self.title = label(kind="subtitle")
        self.identity = label()
        self.state = label()
        self.state.setObjectName(f"device_state_{name}")
        self.check = label()
        self.check.setObjectName(f"last_test_{name}")
        self.calibration = label()
        self.calibration.setObjectName(f"calibration_{name}")
        self.history = label()
        self.history.setObjectName(f"errors_{name}")
        self.pending: dt.date | None = None  # the date being set, not saved yet
        self._due_shown: str | None = "-"
        self.minus = big_button(name=f"calibration_minus_{name}")
        self.minus.clicked.connect(lambda: self._shift(-1))
        self.plus = big_button(name=f"calibration_plus_{name}")
        self.plus.clicked.connect(lambda: self._shift(1))
        self.plus_year = big_button(name=f"calibration_plus_year_{name}")
        self.plus_year.clicked.connect(lambda: self._shift(12))
        self.save = big_button(role="primary", name=f"calibration_save_{name}")
        self.save.clicked.connect(self._save)
        self.test = big_button(name=f"test_{name}")
        self.test.clicked.connect(
            lambda: self.bridge.technician(lambda t: t.run_self_tests([self.name]))
        )
        # Four buttons side by side on half the screen: tighter padding, same touch size.
        self.setStyleSheet(
            "QFrame { background: #ffffff; border-radius: 12px; }"
            "QLabel { font-size: 20px; }"
            "QPushButton { padding: 4px 6px; font-size: 21px; }"
        )
        dates = QHBoxLayout()
        for button, stretch in (
            (self.minus, 2),
            (self.plus, 2),
            (self.plus_year, 2),
            (self.save, 3),
        ):
            dates.addWidget(button, stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        for widget in (
            self.title,
            self.state,
            self.identity,
            self.check,
            self.calibration,
            self.history,
        ):
            layout.addWidget(widget)
        layout.addLayout(dates)
        layout.addWidget(self.test)

    def retranslate(self) -> None:
        self.minus.setText(self.tr("− 1 month"))
        self.plus.setText(self.tr("+ 1 month"))
        self.plus_year.setText(self.tr("+ 1 year"))
        self.save.setText(self.tr("Set date"))
        self.test.setText(self.tr("Test this device"))

    def _today(self) -> dt.date:
        return dt.date.today()

    def _shift(self, months: int) -> None:
        self.pending = add_months(self.pending or self._today(), months)
        self._show_calibration(self._due_shown if self._due_shown != "-" else None)

    def _save(self) -> None:
        day = self.pending or self._today()
        self.bridge.technician(lambda t: t.set_calibration_due(self.name, day))

    def render(self, panel: DevicePanel, testing: dict[str, str], busy: bool) -> None:
        status = messages.device_status(panel.status) if panel.status != "unknown" else ""
        self.title.setText(f"<b>{messages.device_name(panel.name)}</b>  ·  {status}")
        service = messages.device_service(
            panel.service, panel.service_reason, panel.calibration_due
        )
        step = testing.get(panel.name)
        state = messages.self_test_step(step) if step else service or self.tr("in service")
        self.state.setText(state)
        colour = {"out_of_service": "#b00020", "calibration_soon": "#8a4b00"}.get(panel.service)
        self.state.setStyleSheet(f"color: {colour}; font-weight: 700;" if colour else "")
        parts = [
            self.tr("Model: {v}").replace("{v}", panel.model or "?"),
            self.tr("Serial no.: {v}").replace("{v}", panel.serial or "?"),
            self.tr("Firmware: {v}").replace("{v}", panel.firmware or "?"),
        ]
        if panel.port:
            parts.append(self.tr("Port: {v}").replace("{v}", panel.port))
        self.identity.setText("  ·  ".join(parts))
        if panel.last_check is None:
            self.check.setText(self.tr("Last self-test: never"))
        else:
            self.check.setText(
                self.tr("Last self-test: {verdict} on {time} ({summary})")
                .replace("{verdict}", messages.self_test_verdict(panel.last_check.ok))
                .replace("{time}", local_time(panel.last_check.at))
                .replace("{summary}", panel.last_check.summary)
            )
        if panel.calibration_due != self._due_shown:
            self._due_shown = panel.calibration_due
            self.pending = (
                dt.date.fromisoformat(panel.calibration_due) if panel.calibration_due else None
            )
        self._show_calibration(panel.calibration_due)
        if panel.errors:
            lines = [
                self.tr("{code}: {n} time(s), last on {time}")
                .replace("{code}", e.code)
                .replace("{n}", str(e.count))
                .replace("{time}", local_time(e.last_at))
                for e in panel.errors[:4]
            ]
            self.history.setText(self.tr("Errors:") + "\n" + "\n".join(lines))
        else:
            self.history.setText(self.tr("Errors: none recorded"))
        self.test.setVisible(panel.installed)
        self.test.setEnabled(not busy)

    def _show_calibration(self, due: str | None) -> None:
        stored = messages.long_date(due) if due else self.tr("not set")
        text = self.tr("Calibration due: {date}").replace("{date}", stored)
        if self.pending is not None and self.pending.isoformat() != due:
            text += "  →  " + self.tr("new date: {date}").replace(
                "{date}", self.pending.strftime("%d/%m/%Y")
            )
        self.calibration.setText(text)


class TechnicianScreen(Screen):
    patient_facing = False
    physical_keyboard = True  # a technician may plug one in

    def __init__(self, bridge: Bridge) -> None:
        super().__init__(bridge)
        self.title = label(kind="title")
        self.progress = label(kind="subtitle")
        self.progress.setObjectName("test_progress")
        self.notice = label(kind="notice")
        self.notice.setObjectName("technician_notice")
        self.notice.hide()
        self.bundle_path = label()
        self.bundle_path.setObjectName("bundle_path")
        self.bundle_path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bundle_path.hide()
        self.cards: dict[str, DeviceCard] = {}
        grid = QGridLayout()
        grid.setSpacing(14)
        for index, name in enumerate(ALL_DEVICES):
            card = DeviceCard(name, bridge)
            self.cards[name] = card
            grid.addWidget(card, index // 2, index % 2)
        self.hygiene_title = label(kind="subtitle")
        self.hygiene = label()
        self.hygiene.setObjectName("hygiene_log")
        content = QWidget()
        inner = QVBoxLayout(content)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addLayout(grid)
        inner.addWidget(self.hygiene_title)
        inner.addWidget(self.hygiene)
        inner.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.verticalScrollBar().setStyleSheet("QScrollBar:vertical { width: 36px; }")
        self.scroll.setWidget(content)
        self.sign_out = big_button(name="technician_sign_out")
        self.sign_out.clicked.connect(lambda: self.bridge.technician(lambda t: t.sign_out()))
        self.bundle = big_button(name="support_bundle")
        self.bundle.clicked.connect(lambda: self.bridge.technician(lambda t: t.write_bundle()))
        self.test_all = big_button(role="primary", name="test_all")
        self.test_all.clicked.connect(lambda: self.bridge.technician(lambda t: t.run_self_tests()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(30, 10, 30, 16)
        layout.addWidget(self.title)
        layout.addWidget(self.progress)
        layout.addWidget(self.notice)
        layout.addWidget(self.bundle_path)
        layout.addWidget(self.scroll, 1)
        layout.addLayout(button_row(self.sign_out, self.bundle, self.test_all))
        self.retranslate()

    def retranslate(self) -> None:
        self.sign_out.setText(self.tr("Sign out"))
        self.bundle.setText(self.tr("Support bundle"))
        self.test_all.setText(self.tr("Test all"))
        self.hygiene_title.setText(self.tr("Cleaning log (newest first)"))
        for card in self.cards.values():
            card.retranslate()

    def render(self, snap: Snapshot) -> None:
        tech = self.bridge.last_technician
        if tech is None or tech.technician is None:
            return
        self.render_technician(tech)

    def render_technician(self, tech: TechnicianSnapshot) -> None:
        assert tech.technician is not None
        self.title.setText(
            self.tr("Technician mode: {name}").replace("{name}", tech.technician.name)
        )
        testing = dict(tech.testing)
        busy = bool(testing)
        if busy:
            done = sum(1 for _, step in tech.testing if step == "waiting")
            running = [n for n, step in tech.testing if step == "running"]
            text = self.tr("Testing {device}... ({n} more to test)")
            self.progress.setText(
                text.replace(
                    "{device}", messages.device_name(running[0]) if running else ""
                ).replace("{n}", str(done))
            )
        else:
            failed = [p for p in tech.devices if p.last_check is not None and not p.last_check.ok]
            out = [p for p in tech.devices if p.service == "out_of_service"]
            self.progress.setText(
                self.tr("Devices out of service: {n}").replace("{n}", str(len(out)))
                if out or failed
                else self.tr("Every device is in service.")
            )
        notice = tech.notice
        self.notice.setText(messages.notice(notice.code, notice.params) if notice else "")
        self.notice.setVisible(notice is not None)
        if tech.bundle_path:
            self.bundle_path.setText(
                self.tr("Support bundle written: {path}").replace("{path}", tech.bundle_path)
            )
        self.bundle_path.setVisible(bool(tech.bundle_path))
        for panel in tech.devices:
            card = self.cards.get(panel.name)
            if card is not None:
                card.render(panel, testing, busy)
        self.test_all.setEnabled(not busy)
        if tech.hygiene:
            self.hygiene.setText(
                "\n".join(
                    f"{local_time(line.done_at)}  ·  {line.session_id[:8]}  ·  {line.item}"
                    for line in tech.hygiene
                )
            )
        else:
            self.hygiene.setText(self.tr("No cleaning recorded yet."))


__all__ = ["TechnicianScreen", "TechnicianSignInScreen", "add_months"]
