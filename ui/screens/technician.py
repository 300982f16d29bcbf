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

from kiosk.records.outbox import OutboxItem, OutboxView
from kiosk.services.panel import ALL_DEVICES, DevicePanel
from kiosk.services.session import Snapshot
from kiosk.services.technician import TechnicianSnapshot
from ui import messages
from ui.bridge import Bridge
from ui.screens.base import Screen
from ui.widgets.pin_sign_in import PinSignIn
from ui.widgets.touch import ChoiceGroup, big_button, button_row, label

# The coloured edge of a record's row: its state at a glance.
RECORD_COLOURS = {
    "pending": "#c77700",
    "sending": "#0b3d91",
    "sent": "#1b7a3a",
    "failed": "#b00020",
}


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


class RecordRow(QFrame):
    """One consultation record of the outbox: what it is, where it stands, and "Retry" when the
    recipient refused it. No patient data: the record's short id and times only."""

    def __init__(self, item: OutboxItem, bridge: Bridge) -> None:
        super().__init__()
        self.item = item
        self.setObjectName(f"record_{item.record_id}")
        self.text = label()
        self.text.setObjectName(f"record_text_{item.record_id}")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry = big_button(role="primary", name=f"retry_record_{item.record_id}")
        self.retry.setMinimumWidth(220)
        record_id = item.record_id
        self.retry.clicked.connect(lambda: bridge.retry_record(record_id))
        self.retry.setVisible(item.state == "failed")
        colour = RECORD_COLOURS.get(item.state, "#d0d7e2")
        self.setStyleSheet(
            f"QFrame#record_{item.record_id} {{ background: #ffffff; border-radius: 12px; "
            f"border: 3px solid {colour}; }} QLabel {{ font-size: 20px; }}"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 14, 8)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.retry)
        self.retranslate()

    def retranslate(self) -> None:
        item = self.item
        states = {
            "pending": self.tr("waiting to be sent"),
            "sending": self.tr("being sent"),
            "sent": self.tr("sent"),
            "failed": self.tr("refused by the recipient"),
        }
        first = [
            f"<b>{item.record_id[:8]}</b>",
            _html(self.tr("consultation of {date}").replace("{date}", local_time(item.created_at))),
            f"<b>{_html(states.get(item.state, item.state))}</b>",
        ]
        if item.state == "sent" and item.sent_at:
            first[-1] = "<b>{}</b>".format(
                _html(self.tr("sent on {date}").replace("{date}", local_time(item.sent_at)))
            )
        lines = ["  ·  ".join(first)]
        second = [self.tr("Attempts: {n}").replace("{n}", str(item.attempts))]
        waiting_for_a_destination = item.last_error_code == "no_destination"
        if item.next_attempt_at and item.state == "pending" and not waiting_for_a_destination:
            second.append(
                self.tr("next attempt: {time}").replace("{time}", local_time(item.next_attempt_at))
            )
        if item.purged:
            second.append(self.tr("patient data erased after delivery"))
        lines.append(_html("  ·  ".join(second)))
        if item.last_error and item.state != "sent":
            error = (
                self.tr("no destination configured (records.endpoint)")
                if item.last_error_code == "no_destination"
                else item.last_error
            )
            lines.append(_html(self.tr("Last error: {error}").replace("{error}", error)))
        self.text.setText("<br>".join(lines))
        self.retry.setText(self.tr("Retry"))


class RecordsSection(QWidget):
    """The outbox for the technician: counts, the destination, and one row per record."""

    def __init__(self, bridge: Bridge) -> None:
        super().__init__()
        self.bridge = bridge
        self.setObjectName("records_section")
        self.title = label(kind="subtitle")
        self.counts = label()
        self.counts.setObjectName("records_counts")
        self.destination = label()
        self.destination.setObjectName("records_destination")
        self.destination.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.empty = label()
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(10)
        self.rows: list[RecordRow] = []
        self._items: tuple[OutboxItem, ...] | None = None
        self._view: OutboxView | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 10, 0, 10)
        layout.addWidget(self.title)
        layout.addWidget(self.counts)
        layout.addWidget(self.destination)
        layout.addWidget(self.empty)
        layout.addLayout(self.rows_box)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Consultation records"))
        self.empty.setText(self.tr("No consultation record yet."))
        for row in self.rows:
            row.retranslate()
        if self._view is not None:
            self.show_outbox(self._view)

    def show_outbox(self, view: OutboxView) -> None:
        self._view = view
        self.counts.setText(
            self.tr(
                "Waiting: {pending}  ·  Being sent: {sending}  ·  Sent: {sent}  ·  Refused: {failed}"
            )
            .replace("{pending}", str(view.pending))
            .replace("{sending}", str(view.sending))
            .replace("{sent}", str(view.sent))
            .replace("{failed}", str(view.failed))
        )
        self.destination.setText(
            self.tr("Destination: {destination}").replace("{destination}", view.destination)
            if view.destination
            else self.tr("No destination configured: records wait here (records.endpoint).")
        )
        self.empty.setVisible(not view.items)
        if view.items == self._items:
            return  # rebuilt only when a record changes: no flicker, no lost tap
        self._items = view.items
        for row in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        for item in view.items:
            row = RecordRow(item, self.bridge)
            self.rows_box.addWidget(row)
            self.rows.append(row)


class TechnicianScreen(Screen):
    patient_facing = False
    physical_keyboard = True  # a technician may plug one in

    def __init__(self, bridge: Bridge, retention_days: float = 7.0) -> None:
        super().__init__(bridge)
        self.retention_days = retention_days
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
        # Undelivered records past the retention delay: their patient data cannot be erased.
        self.retention = label()
        self.retention.setObjectName("retention_warning")
        self.retention.setStyleSheet(
            "font-size: 24px; font-weight: 700; color: #ffffff; background: #b00020; "
            "border-radius: 10px; padding: 10px 16px;"
        )
        self.retention.hide()
        self.records = RecordsSection(bridge)
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
        inner.addWidget(self.records)
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
        layout.addWidget(self.retention)
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
        self.records.retranslate()

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
        self._render_retention(tech.retention_blocked)
        if tech.outbox is not None:
            self.records.show_outbox(tech.outbox)
        self.records.setVisible(tech.outbox is not None)
        if tech.hygiene:
            self.hygiene.setText(
                "\n".join(
                    f"{local_time(line.done_at)}  ·  {line.session_id[:8]}  ·  "
                    f"{messages.hygiene_item(line.item)}"
                    for line in tech.hygiene
                )
            )
        else:
            self.hygiene.setText(self.tr("No cleaning recorded yet."))

    def _render_retention(self, blocked: int) -> None:
        if blocked:
            self.retention.setText(
                self.tr(
                    "{n} record(s) not sent for more than {days} days: their data cannot be "
                    "erased. Check the destination (kiosk outbox)."
                )
                .replace("{n}", str(blocked))
                .replace("{days}", f"{self.retention_days:g}")
            )
        self.retention.setVisible(blocked > 0)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["TechnicianScreen", "TechnicianSignInScreen", "add_months"]
