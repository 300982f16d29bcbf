"""The window: a top bar, one screen per state, and the idle-warning overlay."""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QCloseEvent, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from kiosk.config import Config
from kiosk.flow import State
from kiosk.services.session import Snapshot
from ui import messages
from ui.bridge import Bridge
from ui.i18n import Translations
from ui.screens.base import Screen
from ui.screens.call import CallScreen, ReportScreen, WaitingScreen
from ui.screens.consent import ConsentScreen
from ui.screens.endings import AbandonedScreen, ReferredScreen
from ui.screens.home import HomeScreen
from ui.screens.hygiene import HygieneScreen
from ui.screens.identify import IdentifyScreen
from ui.screens.measure import MeasureScreen
from ui.screens.signin import SignInScreen
from ui.screens.technician import TechnicianScreen, TechnicianSignInScreen
from ui.screens.triage import TriageScreen
from ui.widgets.touch import big_button, label

logger = logging.getLogger(__name__)

_TOUCH_EVENTS = frozenset(
    {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress}
)


class IdleOverlay(QFrame):
    """Covers the screen with a countdown; one touch on the button keeps the session."""

    def __init__(self, parent: QWidget, bridge: Bridge) -> None:
        super().__init__(parent)
        self.setObjectName("overlay")
        self.bridge = bridge
        dialog = QFrame()
        dialog.setObjectName("dialog")
        self.question = label(kind="title")
        self.countdown = label(kind="subtitle")
        self.countdown.setObjectName("idle_countdown")
        self.stay = big_button(role="primary", name="idle_stay")
        self.stay.clicked.connect(lambda: self.bridge.command(lambda s: s.touch()))
        inner = QVBoxLayout(dialog)
        inner.setContentsMargins(40, 30, 40, 30)
        inner.addWidget(self.question)
        inner.addWidget(self.countdown)
        inner.addWidget(self.stay)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(dialog, 3)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        self.hide()

    def show_countdown(self, seconds: int | None) -> None:
        if seconds is None:
            self.hide()
            return
        self.question.setText(self.tr("Are you still there?"))
        self.countdown.setText(
            self.tr("Without a touch, the session will be paused in {n} seconds.").replace(
                "{n}", str(seconds)
            )
        )
        self.stay.setText(self.tr("Yes, continue"))
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        QGuiApplication.inputMethod().hide()  # the on-screen keyboard would cover the question


class MainWindow(QMainWindow):
    def __init__(self, bridge: Bridge, translations: Translations, config: Config) -> None:
        super().__init__()
        self.bridge = bridge
        self.translations = translations
        self.default_language = translations.language
        # Kiosk mode: only the application itself closes this window (``allow_close``), never the
        # compositor or a key (Alt+F4 where a window manager binds it).
        self.kiosk_mode = config.ui.fullscreen
        self._closing = False
        self.setWindowTitle("Kiosk")
        central = QWidget()
        self.setCentralWidget(central)
        self.status = label(wrap=False)
        self.status.setObjectName("status_bar")
        self.language = big_button(name="language")
        self.language.setFixedWidth(220)
        self.language.clicked.connect(self._toggle_language)
        top = QHBoxLayout()
        top.setContentsMargins(20, 8, 20, 0)
        top.addWidget(self.status, 1)
        top.addWidget(self.language)
        self.stack = QStackedWidget()
        self.signin = SignInScreen(bridge)
        self.home = HomeScreen(bridge)
        self.technician_signin = TechnicianSignInScreen(bridge)
        self.technician = TechnicianScreen(bridge, config.records.retention_days)
        self.by_state: dict[State, Screen] = {
            State.IDENTIFY: IdentifyScreen(bridge),
            State.CONSENT: ConsentScreen(bridge),
            State.TRIAGE: TriageScreen(bridge),
            State.MEASURE: MeasureScreen(bridge),
            State.WAITING_FOR_DOCTOR: WaitingScreen(bridge),
            State.IN_CALL: CallScreen(bridge),
            State.REPORT: ReportScreen(bridge),
            State.REFERRED: ReferredScreen(bridge),
            State.ABANDONED: AbandonedScreen(bridge),
            State.HYGIENE: HygieneScreen(bridge),
        }
        for screen in (self.signin, self.home, *self.by_state.values()):
            self.stack.addWidget(screen)
        for screen in (self.technician_signin, self.technician):  # after: sign-in shows first
            self.stack.addWidget(screen)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        self.overlay = IdleOverlay(central, bridge)
        self._shown: tuple[int, str | None, State | None] | None = None
        self._report_language_for: str | None = None  # the session whose report set the language
        self.resize(config.ui.width, config.ui.height)
        bridge.snapshot.connect(self.show_snapshot)
        bridge.technician_snapshot.connect(self._show_technician)
        self._retranslate()

    # -- rendering ---------------------------------------------------------------------------
    def _show_technician(self, _snap: object) -> None:
        if self.bridge.last is not None:
            self.show_snapshot(self.bridge.last)

    def screen_for(self, snap: Snapshot) -> Screen:
        tech = self.bridge.last_technician
        if tech is not None and snap.session is None and snap.assistant is None:
            # Technician mode: only from the sign-in screen, never over a patient's session.
            if tech.technician is not None:
                return self.technician
            if tech.signing_in:
                return self.technician_signin
        if snap.session is not None:
            screen = self.by_state.get(snap.session.state)
            if screen is not None:
                return screen
            # Every state a session can be in has its screen; this is a bug, not a step.
            logger.error("ui: no screen for a session in %s", snap.session.state)
        return self.home if snap.assistant is not None else self.signin

    def show_snapshot(self, snap: Snapshot) -> None:
        screen = self.screen_for(snap)
        session_id = snap.session.id if snap.session else None
        state = snap.session.state if snap.session else None
        key = (self.stack.indexOf(screen), session_id, state)
        leaving = session_id is None or not screen.patient_facing
        if leaving and self.translations.language != self.default_language:
            # The next patient starts in the cabin's language, not the previous patient's (and
            # the assistant's screens after the patient, such as cleaning, are in it too).
            self.translations.switch(self.default_language)
        if key != self._shown:
            self._shown = key
            if leaving:
                # Screens kept in the stack still hold what they showed: the patient's name,
                # answers, values and pictures go from all of them, hidden or not.
                for index in range(self.stack.count()):
                    other = self.stack.widget(index)
                    if isinstance(other, Screen) and other is not screen:
                        other.forget()
            screen.enter(snap)
            self.stack.setCurrentWidget(screen)
        self._follow_report_language(snap)
        screen.show_snapshot(snap)
        self.language.setVisible(screen.patient_facing)
        parts = []
        if snap.assistant is not None:
            parts.append(snap.assistant.name)
        if state is not None:
            parts.append(messages.state_name(state))
        self.status.setText("  ·  ".join(parts))
        self.overlay.show_countdown(snap.idle_warning_s)

    def _follow_report_language(self, snap: Snapshot) -> None:
        """The report step speaks the language the doctor wrote the advice in: switched once,
        when the report shows, so that the patient can still switch back."""
        session = snap.session
        report = snap.call.report if snap.call is not None else None
        if session is None or session.state is not State.REPORT or report is None:
            return
        if self._report_language_for == session.id:
            return
        self._report_language_for = session.id
        if report.language in ("fr", "en") and report.language != self.translations.language:
            logger.info("ui: the report is in %s: the screens follow", report.language)
            self.translations.switch(report.language)

    def _toggle_language(self) -> None:
        self.translations.switch("en" if self.translations.language == "fr" else "fr")

    def _retranslate(self) -> None:
        # The button names the language it switches to, in that language.
        self.language.setText("English" if self.translations.language == "fr" else "Français")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
            if self.bridge.last is not None:
                self.show_snapshot(self.bridge.last)
        super().changeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.overlay.isVisible():
            self.overlay.setGeometry(self.centralWidget().rect())

    # -- kiosk mode --------------------------------------------------------------------------
    def accepts_physical_keyboard(self) -> bool:
        """Whether the screen shown takes a plugged-in keyboard's keys (see Screen)."""
        screen = self.stack.currentWidget()
        return isinstance(screen, Screen) and screen.physical_keyboard

    def allow_close(self) -> None:
        """The application is shutting down: the window may close."""
        self._closing = True

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.kiosk_mode and not self._closing:
            logger.info("ui: kiosk mode: the window refused to close")
            event.ignore()
            return
        super().closeEvent(event)


class ActivityFilter(QObject):
    """Every touch or key anywhere counts as activity for the idle timeout."""

    def __init__(self, bridge: Bridge) -> None:
        super().__init__()
        self.bridge = bridge

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _TOUCH_EVENTS:
            self.bridge.touch()
        return False


__all__ = ["ActivityFilter", "MainWindow"]
