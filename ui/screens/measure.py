"""MEASURE: the device menu, the session summary, and a guided panel for each measurement.

The menu shows one tile per measurement with its device's state and the last accepted value
(values out of the usual range are highlighted, without any diagnosis). While the core runs a
measurement (``snap.measure.run``), a guided panel takes the screen: how to place the patient and
the device, the live value, then the result to accept or retake, or the failure in plain words.
The otoscope's panel shows its live picture and captures a still of each ear.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.flow import CallDoctor, State
from kiosk.identity import mask_nir
from kiosk.services.devices import DeviceStatus
from kiosk.services.measurements import (
    KIND_DEVICE,
    STORED_KIND,
    LiveUpdate,
    MeasureView,
    ReadingView,
    RunView,
    StillView,
)
from kiosk.services.session import Snapshot
from ui import messages
from ui.bridge import Bridge
from ui.screens.base import Screen
from ui.widgets.confirm import ConfirmOverlay
from ui.widgets.gauge import CuffGauge
from ui.widgets.pleth import PlethWave
from ui.widgets.posture import PosturePicture
from ui.widgets.preview import PreviewView
from ui.widgets.touch import big_button, label

KINDS = ("blood_pressure", "temperature", "spo2", "otoscope")
SUMMARY_LINES = 6  # the newest readings listed under the tiles
THUMB_MENU = (96, 72)
THUMB_PANEL = (128, 96)


def local_time(iso: str) -> str:
    """``HH:MM`` in the cabin's time zone, from a stored ISO time."""
    try:
        return dt.datetime.fromisoformat(iso).astimezone().strftime("%H:%M")
    except ValueError:
        return ""


def repolish(widget: QWidget, name: str, value: str) -> None:
    """Set a style property and let the stylesheet see it."""
    if widget.property(name) != value:
        widget.setProperty(name, value)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


class DeviceTile(QPushButton):
    """A measurement on the menu: its name, the last value kept, any alert, the device's state.

    A push button cannot wrap its text, so a word-wrapped label inside draws it; touches go
    through the label to the button.
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.setObjectName(f"measure_{kind}")
        self.setProperty("role", "tile")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.body)
        self.lines: tuple[str, ...] = ()

    def show_lines(self, name: str, value: str, when: str, alerts: list[str], status: str) -> None:
        lines = (name, value, when, *alerts, status)
        if lines == self.lines:
            return
        self.lines = lines
        html = [f"<b>{_html(name)}</b>"]
        if value:
            html.append(f'<span style="font-size:27px; font-weight:700">{_html(value)}</span>')
        if when:
            html.append(_html(when))
        html += [
            f'<span style="color:#b00020; font-weight:700">⚠ {_html(a)}</span>' for a in alerts
        ]
        html.append(f"<i>{_html(status)}</i>")
        self.body.setText("<br>".join(html))

    def plain_text(self) -> str:
        return "\n".join(line for line in self.lines if line)


class StillCard(QFrame):
    """A kept otoscope still on the guided panel: thumbnail, ear, and a button to retake it."""

    def __init__(self, still: StillView, pixmap: QPixmap) -> None:
        super().__init__()
        self.still = still
        self.setObjectName("still_card")
        self.picture = QLabel()
        self.picture.setPixmap(pixmap)
        self.picture.setFixedSize(*THUMB_PANEL)
        self.picture.setScaledContents(True)
        self.site = label(wrap=False)
        self.retake = big_button(name=f"retake_still_{still.id}")
        self.retake.setProperty("site", still.site)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.site)
        column.addWidget(self.retake)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.picture)
        layout.addLayout(column)


class MeasureScreen(Screen):
    """The MEASURE step; with ``in_call`` the same menu and panels inside the call screen.

    In a call the ways out of the step (back, end the session, call a doctor) are hidden: the
    call screen has its own.
    """

    def __init__(self, bridge: Bridge, in_call: bool = False) -> None:
        super().__init__(bridge)
        self.in_call = in_call
        self._run: RunView | None = None
        self.runs_seen = 0  # measurements shown since start (each resets the live values)
        self._pixmaps: dict[int, QPixmap] = {}
        self._cards_shown: tuple[int, ...] | None = None
        self._menu_stills_shown: tuple[int, ...] | None = None
        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_menu())
        self.pages.addWidget(self._build_guided())
        # A message from the core (a still not saved, a step not saved...), until dismissed.
        self.notice = label(kind="notice")
        self.notice_ok = big_button("OK", name="notice_ok")
        self.notice_ok.setFixedWidth(140)
        self.notice_ok.clicked.connect(lambda: self.bridge.command(lambda s: s.dismiss_notice()))
        self.notice_box = QWidget()
        notice_row = QHBoxLayout(self.notice_box)
        notice_row.setContentsMargins(0, 0, 0, 0)
        notice_row.addWidget(self.notice, 1)
        notice_row.addWidget(self.notice_ok)
        self.notice_box.hide()
        layout = QVBoxLayout(self)
        if in_call:
            layout.setContentsMargins(0, 0, 0, 0)
        else:
            layout.setContentsMargins(40, 10, 40, 20)
        layout.addWidget(self.notice_box)
        layout.addWidget(self.pages)
        # Ending the session asks first: a touch in a small booth is easily an accident.
        self.confirm = ConfirmOverlay(self)
        bridge.live.connect(self._live)
        self.retranslate()

    # -- building ----------------------------------------------------------------------------
    def _build_menu(self) -> QWidget:
        self.title = label(kind="title")
        self.summary = label(kind="subtitle")
        self.summary.setObjectName("patient_summary")
        self.tiles: dict[str, DeviceTile] = {}
        tiles = QHBoxLayout()
        tiles.setSpacing(16)
        for kind in KINDS:
            tile = DeviceTile(kind)
            tile.setEnabled(False)
            tile.clicked.connect(lambda _=False, k=kind: self._start(k))
            tiles.addWidget(tile, 1)
            self.tiles[kind] = tile
        self.summary_title = label(kind="subtitle")
        self.readings = label()
        self.readings.setObjectName("measure_summary")
        self.readings.setTextFormat(Qt.TextFormat.RichText)
        self.menu_stills = QHBoxLayout()
        self.menu_stills.setSpacing(10)
        self.menu_still_labels: list[QWidget] = []
        self.back = big_button(name="back")
        self.back.clicked.connect(lambda: self.bridge.command(lambda s: s.go_back(State.MEASURE)))
        self.end = big_button(role="danger", name="cancel")
        self.end.clicked.connect(self._ask_end)
        self.call_doctor = big_button(role="primary", name="call_doctor")
        self.call_doctor.clicked.connect(
            lambda: self.bridge.command(lambda s: s.apply(CallDoctor(), State.MEASURE))
        )
        # A microphone that failed its self-test: the call can still be made, but the assistant
        # should know the doctor may not hear the patient.
        self.microphone_warning = label()
        self.microphone_warning.setObjectName("warning")
        self.microphone_warning.hide()
        # Ways back or out on the left, the way forward (the doctor) on the right, wider: its
        # bold words are the longest, and it never gets narrower than they are.
        self.call_doctor.setSizePolicy(
            QSizePolicy.Policy.MinimumExpanding, QSizePolicy.Policy.Fixed
        )
        row = QHBoxLayout()
        row.addWidget(self.back, 2)
        row.addWidget(self.end, 2)
        row.addStretch(1)
        row.addWidget(self.call_doctor, 3)
        if self.in_call:
            for button in (self.back, self.end, self.call_doctor):
                button.hide()
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addLayout(tiles)
        layout.addSpacing(10)
        layout.addWidget(self.summary_title)
        kept = QHBoxLayout()
        kept.addWidget(self.readings, 1)
        kept.addLayout(self.menu_stills)
        layout.addLayout(kept)
        layout.addStretch(1)
        layout.addWidget(self.microphone_warning)
        layout.addLayout(row)
        return page

    def _build_guided(self) -> QWidget:
        self.run_title = label(kind="title")
        self.posture = PosturePicture()
        self.instruction = label(kind="subtitle")
        self.instruction.setObjectName("measure_instruction")
        left = QVBoxLayout()
        left.addWidget(self.posture, 3)
        left.addWidget(self.instruction, 2)
        self.left_box = QWidget()
        self.left_box.setLayout(left)
        self.left_box.setFixedWidth(380)

        self.live = QStackedWidget()
        # Blood pressure: the cuff gauge.
        self.gauge = CuffGauge()
        self.live_bp = self._page(self.gauge)
        # Temperature: the probe's value in large type.
        self.probe = label(wrap=False)
        self.probe.setObjectName("live_value")
        self.probe.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.live_temperature = self._page(self.probe)
        # Oximetry: SpO2 and pulse, the pleth wave, and what the sensor says.
        self.spo2 = label(wrap=False)
        self.spo2.setObjectName("live_value")
        self.spo2.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pulse = label(wrap=False)
        self.pulse.setObjectName("live_secondary")
        self.pulse.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pleth = PlethWave()
        self.sensor_hint = label()
        self.sensor_hint.setObjectName("warning")
        for number in (self.spo2, self.pulse):
            number.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        oximetry = QWidget()
        ox_layout = QVBoxLayout(oximetry)
        ox_layout.setContentsMargins(0, 0, 0, 0)
        ox_layout.addWidget(self.spo2)
        ox_layout.addWidget(self.pulse)
        ox_layout.addWidget(self.pleth, 1)
        ox_layout.addWidget(self.sensor_hint)
        self.live_spo2 = oximetry
        # Otoscope: the live picture and the stills kept so far.
        self.preview = PreviewView()
        self.cards = QHBoxLayout()
        self.cards.setSpacing(10)
        self.cards.addStretch(1)
        self.card_widgets: list[StillCard] = []
        otoscope = QWidget()
        ot_layout = QVBoxLayout(otoscope)
        ot_layout.setContentsMargins(0, 0, 0, 0)
        ot_layout.addWidget(self.preview, 1)
        ot_layout.addLayout(self.cards)
        self.live_otoscope = otoscope
        # The result, in large type, with its time, its quality notes and any alert.
        self.result_value = label(wrap=False)
        self.result_value.setObjectName("measure_value")
        self.result_value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.result_details = label(kind="subtitle")
        self.result_details.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.result_time = label()
        self.result_time.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.result_alerts = label()
        self.result_alerts.setObjectName("measure_alerts")
        self.result_alerts.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.result_flags = label()
        self.result_flags.setObjectName("warning")
        self.result_flags.setAlignment(Qt.AlignmentFlag.AlignCenter)
        result = QWidget()
        res_layout = QVBoxLayout(result)
        res_layout.addStretch(1)
        for widget in (
            self.result_value,
            self.result_details,
            self.result_time,
            self.result_alerts,
            self.result_flags,
        ):
            res_layout.addWidget(widget)
        res_layout.addStretch(1)
        self.live_result = result
        # A failure: what happened and what to do, in plain words.
        self.error = label()
        self.error.setObjectName("measure_error")
        self.live_failed = self._page(self.error)
        for page in (
            self.live_bp,
            self.live_temperature,
            self.live_spo2,
            self.live_otoscope,
            self.live_result,
            self.live_failed,
        ):
            self.live.addWidget(page)

        body = QHBoxLayout()
        body.setSpacing(24)
        body.addWidget(self.left_box)
        body.addWidget(self.live, 1)
        self.stop = big_button(role="danger", name="measure_stop")
        self.stop.clicked.connect(self._close)
        self.run_back = big_button(name="measure_back")
        self.run_back.clicked.connect(self._close)
        self.retake = big_button(name="measure_retake")
        self.retake.clicked.connect(lambda: self.bridge.measure(lambda m: m.retake()))
        self.accept = big_button(role="primary", name="measure_accept")
        self.accept.clicked.connect(lambda: self.bridge.measure(lambda m: m.accept()))
        self.capture_left = big_button(role="primary", name="capture_left_ear")
        self.capture_left.clicked.connect(lambda: self._capture("left_ear"))
        self.capture_right = big_button(role="primary", name="capture_right_ear")
        self.capture_right.clicked.connect(lambda: self._capture("right_ear"))
        row = QHBoxLayout()
        row.addWidget(self.stop, 1)
        row.addWidget(self.run_back, 1)
        row.addWidget(self.capture_left, 2)
        row.addWidget(self.capture_right, 2)
        row.addStretch(1)
        row.addWidget(self.retake, 1)
        row.addWidget(self.accept, 1)
        self.run_row = row
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.run_title)
        layout.addLayout(body, 1)
        layout.addLayout(row)
        return page

    @staticmethod
    def _page(widget: QWidget) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(widget, 1)
        return page

    # -- texts -------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.title.setText(self.tr("Measurements"))
        self.summary_title.setText(self.tr("Kept for this session"))
        self.back.setText(self.tr("Back"))
        self.end.setText(self.tr("End the session"))
        self.call_doctor.setText(self.tr("Call a doctor"))
        self.capture_left.setText(self.tr("Capture left ear"))
        self.capture_right.setText(self.tr("Capture right ear"))
        self.stop.setText(self.tr("Stop"))
        self.retake.setText(self.tr("Retake"))
        self.accept.setText(self.tr("Accept"))
        self.preview.placeholder = self.tr("Waiting for the picture...")
        self._cards_shown = None  # rebuilt in the new language
        self._menu_stills_shown = None

    def enter(self, snap: Snapshot) -> None:
        self.confirm.reset()  # a question left open belongs to the last time on this step

    def forget(self) -> None:
        super().forget()
        self.confirm.reset()
        self._run = None
        self.summary.setText("")
        self.readings.setText("")
        for kind, tile in self.tiles.items():
            tile.show_lines(messages.measurement_name(kind), "", "", [], "")
        self._render_menu_stills(())
        self._render_cards(())
        self._pixmaps = {}
        for text in (
            self.result_value,
            self.result_details,
            self.result_time,
            self.result_alerts,
            self.result_flags,
            self.error,
            self.instruction,
            self.notice,
        ):
            text.setText("")
        self.notice_box.hide()
        self._reset_live()
        self.pages.setCurrentIndex(0)

    # -- commands ----------------------------------------------------------------------------
    def _start(self, kind: str) -> None:
        self.bridge.measure(lambda m: m.start(kind))

    def _close(self) -> None:
        self.bridge.measure(lambda m: m.close())

    def _ask_end(self) -> None:
        self.confirm.ask_end_session(lambda: self.bridge.command(lambda s: s.cancel(State.MEASURE)))

    def _capture(self, site: str) -> None:
        self.bridge.measure(lambda m: m.capture(site))

    def _retake_still(self, still: StillView) -> None:
        """Throw the still away and capture the same ear again, in that order on the core loop."""
        self.bridge.measure(lambda m: m.discard_still(still.id))
        self.bridge.measure(lambda m: m.capture(still.site))

    # -- rendering ---------------------------------------------------------------------------
    def render(self, snap: Snapshot) -> None:
        self._render_patient(snap)
        text = messages.notice(snap.notice.code, snap.notice.params) if snap.notice else ""
        self.notice.setText(text)
        self.notice_box.setVisible(bool(text))
        view = snap.measure or MeasureView()
        self._render_menu(view)
        run = view.run
        if run is None:
            self._run = None
            self.pages.setCurrentIndex(0)
            return
        self._render_run(run, view)
        self.pages.setCurrentIndex(1)

    def _render_patient(self, snap: Snapshot) -> None:
        session = snap.session
        if session is None or session.identity is None:
            self.summary.setText("")
            return
        who = session.identity
        today = dt.date.today()
        age = (
            today.year
            - who.birth_date.year
            - ((today.month, today.day) < (who.birth_date.month, who.birth_date.day))
        )
        parts = [
            f"{who.family_name.upper()} {who.given_names}",
            self.tr("{age} years").replace("{age}", str(age)),
        ]
        if who.nir:
            parts.append(self.tr("SSN {nir}").replace("{nir}", mask_nir(who.nir)))
        if session.triage is not None:
            parts.append(messages.reason_label(session.triage.reason))
        self.summary.setText("  ·  ".join(parts))

    def _render_menu(self, view: MeasureView) -> None:
        states = {state.family: state for state in view.devices}
        last: dict[str, ReadingView] = {}
        for reading in view.readings:
            if reading.status == "accepted":
                last[reading.kind] = reading  # newest last
        for kind, tile in self.tiles.items():
            family = KIND_DEVICE[kind]
            state = states.get(family)
            status = state.status if state is not None else DeviceStatus.NOT_INSTALLED
            value = when = ""
            alerts: tuple[str, ...] = ()
            if kind == "otoscope":
                if view.stills:
                    value = self.tr("{n} image(s) kept").replace("{n}", str(len(view.stills)))
                    when = local_time(view.stills[-1].taken_at)
            elif (newest := last.get(STORED_KIND[kind])) is not None:
                value = messages.reading_value(newest.kind, newest.values)
                when = local_time(newest.taken_at)
                alerts = newest.alerts
            words = messages.device_status(str(status))
            out_of_service = state is not None and state.service == "out_of_service"
            if state is not None and state.service != "ok" and status != "not_installed":
                service = messages.device_service(
                    state.service, state.service_reason, state.calibration_due
                )
                words = service if out_of_service else f"{words} · {service}"
            tile.show_lines(
                messages.measurement_name(kind),
                value,
                when,
                [messages.alert_label(a) for a in alerts],
                words,
            )
            tile.setEnabled(
                status == DeviceStatus.READY and view.run is None and not out_of_service
            )
            tile.setProperty("status", "out_of_service" if out_of_service else str(status))
            repolish(tile, "alert", "true" if alerts else "false")
        self._render_summary(view)
        self._render_menu_stills(view.stills)
        microphone = states.get("microphone")
        broken = (
            not self.in_call and microphone is not None and microphone.service == "out_of_service"
        )
        self.microphone_warning.setText(
            self.tr(
                "The cabin's microphone is out of service (its last self-test failed): the "
                "doctor may not hear the patient. Tell the technician."
            )
            if broken
            else ""
        )
        self.microphone_warning.setVisible(broken)

    def _render_summary(self, view: MeasureView) -> None:
        if not view.readings and not view.stills:
            self.readings.setText(self.tr("Nothing measured yet: touch a device to begin."))
            return
        lines = []
        shown = view.readings[-SUMMARY_LINES:]
        earlier = len(view.readings) - len(shown)
        if earlier:
            lines.append(self.tr("... and {n} earlier").replace("{n}", str(earlier)))
        for reading in shown:
            value = messages.reading_value(reading.kind, reading.values)
            text = (
                _html(self.tr("{time}  {what}: {value}"))
                .replace("{time}", local_time(reading.taken_at))
                .replace("{what}", _html(messages.measurement_name(reading.kind)))
                .replace("{value}", f"<b>{_html(value)}</b>")
            )
            details = messages.reading_details(reading.kind, reading.values)
            if details:
                text += "  ·  " + _html(details)
            if reading.status != "accepted":
                text += "  " + _html(self.tr("(not accepted yet)"))
            if reading.alerts:
                words = ", ".join(messages.alert_label(a) for a in reading.alerts)
                text += f'  <span style="color:#b00020; font-weight:700">⚠ {_html(words)}</span>'
            lines.append(text)
        self.readings.setText("<br>".join(lines))

    def _pixmap(self, still: StillView) -> QPixmap:
        pixmap = self._pixmaps.get(still.id)
        if pixmap is None:
            pixmap = QPixmap()
            pixmap.loadFromData(still.thumbnail, "JPG")
            self._pixmaps[still.id] = pixmap
        return pixmap

    def _render_menu_stills(self, stills: tuple[StillView, ...]) -> None:
        ids = tuple(still.id for still in stills)
        if ids == self._menu_stills_shown:
            return
        self._menu_stills_shown = ids
        # Only this session's kept stills stay decoded.
        self._pixmaps = {i: pixmap for i, pixmap in self._pixmaps.items() if i in ids}
        for widget in self.menu_still_labels:
            widget.setParent(None)
            widget.deleteLater()
        self.menu_still_labels = []
        for still in stills:
            box = QWidget()
            box.setObjectName(f"summary_still_{still.id}")
            picture = QLabel()
            picture.setPixmap(self._pixmap(still))
            picture.setFixedSize(*THUMB_MENU)
            picture.setScaledContents(True)
            caption = label(messages.ear_site(still.site), wrap=False)
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(picture)
            column.addWidget(caption)
            self.menu_stills.addWidget(box, 0, Qt.AlignmentFlag.AlignTop)
            self.menu_still_labels.append(box)

    def _render_cards(self, stills: tuple[StillView, ...]) -> None:
        ids = tuple(still.id for still in stills)
        if ids == self._cards_shown:
            return
        self._cards_shown = ids
        for card in self.card_widgets:
            card.setParent(None)
            card.deleteLater()
        self.card_widgets = []
        for still in stills:
            card = StillCard(still, self._pixmap(still))
            card.site.setText(messages.ear_site(still.site))
            card.retake.setText(self.tr("Retake"))
            card.retake.clicked.connect(lambda _=False, s=still: self._retake_still(s))
            self.cards.insertWidget(self.cards.count() - 1, card)
            self.card_widgets.append(card)

    def _render_run(self, run: RunView, view: MeasureView) -> None:
        previous = self._run
        if (
            previous is None
            or previous.kind != run.kind
            or (run.phase == "running" and previous.phase != "running")
        ):
            # A new measurement (or a retake): start the live values from nothing.
            self.runs_seen += 1
            self._reset_live()
        self._run = run
        self.run_title.setText(messages.measurement_name(run.kind))
        self.posture.set_kind(run.kind)
        otoscope = run.kind == "otoscope"
        running = run.phase == "running"
        failed = run.phase == "failed"
        self.left_box.setVisible(run.phase != "result")
        self.capture_left.setVisible(otoscope and running)
        self.capture_right.setVisible(otoscope and running)
        preview_on = otoscope and running and run.step == "preview"
        self.capture_left.setEnabled(preview_on)
        self.capture_right.setEnabled(preview_on)
        if running:
            self.instruction.setText(messages.measure_step(run.kind, run.step))
            pages = {
                "blood_pressure": self.live_bp,
                "temperature": self.live_temperature,
                "spo2": self.live_spo2,
                "otoscope": self.live_otoscope,
            }
            self.live.setCurrentWidget(pages[run.kind])
            if otoscope:
                self._render_cards(view.stills)
        elif failed:
            self.instruction.setText(messages.measure_step(run.kind, "starting"))
            self.error.setText(messages.device_error(run.error_code or "", run.error))
            self.live.setCurrentWidget(self.live_failed)
        elif run.result is not None:
            self._render_result(run.result)
            self.live.setCurrentWidget(self.live_result)
        advice = str(run.error.get("advice") or "")
        self.stop.setVisible(running and not otoscope)
        self.run_back.setVisible(failed or (otoscope and running))
        # "Done" moves the otoscope forward (right); "Back to the menu" is a way out (left).
        done = otoscope and running
        self.run_back.setText(self.tr("Done") if done else self.tr("Back to the menu"))
        self._place_back(at_right=done)
        self.retake.setVisible(
            run.phase == "result" or (failed and advice not in messages.STOP_ADVICE)
        )
        self.accept.setVisible(run.phase == "result")

    def _place_back(self, at_right: bool) -> None:
        index = self.run_row.indexOf(self.run_back)
        wanted = self.run_row.count() - 1 if at_right else 1
        if index != wanted:
            self.run_row.removeWidget(self.run_back)
            self.run_row.insertWidget(wanted, self.run_back, 1)
            repolish(self.run_back, "role", "primary" if at_right else "")

    def _render_result(self, reading: ReadingView) -> None:
        self.result_value.setText(messages.reading_value(reading.kind, reading.values))
        repolish(self.result_value, "alert", "true" if reading.alerts else "false")
        self.result_details.setText(messages.reading_details(reading.kind, reading.values))
        self.result_time.setText(
            self.tr("Measured at {time}").replace("{time}", local_time(reading.taken_at))
        )
        if reading.alerts:
            words = ", ".join(messages.alert_label(a) for a in reading.alerts)
            self.result_alerts.setText(
                "⚠ "
                + self.tr("Outside the usual range: {what}. Point it out to the doctor.").replace(
                    "{what}", words
                )
            )
        self.result_alerts.setVisible(bool(reading.alerts))
        notes = [messages.quality_flag(flag) for flag in reading.flags]
        self.result_flags.setText(
            self.tr("Note: {notes}").replace("{notes}", ", ".join(notes)) if notes else ""
        )
        self.result_flags.setVisible(bool(notes))

    def _reset_live(self) -> None:
        self.gauge.reset()
        self.probe.setText("-- °C")
        self._show_oximetry(None, {})
        self.sensor_hint.setText("")
        self.pleth.clear()
        self.preview.clear()

    # -- live values -------------------------------------------------------------------------
    def _live(self, update: LiveUpdate) -> None:
        run = self._run
        if run is None or run.phase != "running":
            return
        if update.kind == "cuff_pressure" and update.value is not None:
            self.gauge.set_value(update.value)
        elif update.kind == "probe_temperature" and update.value is not None:
            self.probe.setText(messages.decimal(update.value) + " °C")
        elif update.kind == "oximetry":
            self._show_oximetry(update.value, update.extra)
        elif update.kind == "pleth":
            samples = update.extra.get("samples")
            if isinstance(samples, list):
                self.pleth.add_samples(samples)
        elif update.kind == "preview":
            image = update.extra.get("image")
            if isinstance(image, np.ndarray) and run.kind == "otoscope":
                self.preview.set_frame(image)

    def _show_oximetry(self, spo2: float | None, extra: Mapping[str, object]) -> None:
        self.spo2.setText(
            messages.reading_value("oximetry", {"spo2": None if spo2 is None else round(spo2)})
        )
        self.pulse.setText(messages.pulse_rate(extra.get("pulse")))
        flags = extra.get("flags")
        notes = [messages.quality_flag(str(f)) for f in flags] if isinstance(flags, list) else []
        self.sensor_hint.setText(("⚠ " + ", ".join(notes)) if notes else "")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["MeasureScreen"]
