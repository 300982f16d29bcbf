"""The real ``kiosk run`` with a scripted assistant at the touchscreen, for tests that signal it.

Run: python -m tests.support.scripted_run SCRIPT KIOSK_ARGS...   (e.g. walk --data-dir D run --demo)

The process is the kiosk's own command line (``kiosk.cli.main``: settings, the frontend entry
point, the SIGTERM handling); the only addition is a timer that touches the screen as an assistant
would, once the window is up. Scripts:

- ``walk``: sign in as the demo assistant, start a session, identify the patient, record the
  consent, pass the triage; print ``AT <state> <session_id>`` once the measurement menu is shown.
- ``resume``: sign in; print ``OFFERED <session_id> <button text>`` for each resume button of the
  home; touch the first; print ``AT <state> <session_id>`` once its screen is shown.

Then the process waits, like a kiosk, for the SIGTERM the test sends.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from kiosk import cli
from kiosk.flow import State
from kiosk.flow.triage import RED_FLAGS
from ui.main_window import MainWindow

IDENTITY = {
    "family_name": "Martin",
    "given_names": "Jeanne",
    "birth_date": "24/06/1942",
    "sex": "female",
}


def say(line: str) -> None:
    print(line, flush=True)


def touch(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


class Script:
    """Steps run one after the other; each waits (polling) until its condition holds."""

    def __init__(self, app: QApplication, name: str) -> None:
        self.app = app
        self.window: MainWindow | None = None
        self.steps: list[tuple[Callable[[], bool], Callable[[], None]]] = []
        self.timer = QTimer()
        self.timer.setInterval(50)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self.name = name

    def _tick(self) -> None:
        if self.window is None:
            found = [w for w in self.app.topLevelWidgets() if isinstance(w, MainWindow)]
            if not found or found[0].bridge.last is None:
                return
            self.window = found[0]
            self._plan(self.window)
        if self.steps and self.steps[0][0]():
            _, action = self.steps.pop(0)
            action()
        if not self.steps:
            self.timer.stop()

    def _plan(self, window: MainWindow) -> None:
        bridge = window.bridge

        def on(screen: QWidget) -> Callable[[], bool]:
            return lambda: window.stack.currentWidget() is screen

        def sign_in() -> None:
            for digit in cli.DEMO_PIN:
                touch(window.signin.pad.keys[digit])
            touch(window.signin.pad.ok)

        names_ready = on(window.signin)
        self.steps.append(
            (
                lambda: (
                    names_ready()
                    and window.signin.names is not None
                    and bool(window.signin.names.value())
                ),
                sign_in,
            )
        )
        measure = window.by_state[State.MEASURE]
        if self.name == "walk":
            self.steps.append((on(window.home), lambda: touch(window.home.start)))
            self.steps.append(
                (
                    on(window.by_state[State.IDENTIFY]),
                    lambda: bridge.command(
                        lambda s: (
                            s.submit_identity(IDENTITY),
                            s.record_consent(True),
                            s.submit_triage("fever", "", dict.fromkeys(RED_FLAGS, False)),
                        )
                    ),
                )
            )
        else:

            def resume() -> None:
                buttons = window.home.resume_buttons
                for button in buttons:
                    say(f"OFFERED {button.objectName().removeprefix('resume_')} {button.text()}")
                if buttons:
                    touch(buttons[0])

            self.steps.append((lambda: bool(window.home.resume_buttons), resume))
        self.steps.append((on(measure), lambda: self._report(window)))

    def _report(self, window: MainWindow) -> None:
        snap = window.bridge.last
        assert snap is not None and snap.session is not None
        say(f"AT {snap.session.state} {snap.session.id}")


def main(argv: list[str]) -> int:
    name, kiosk_args = argv[0], argv[1:]
    app = QApplication(sys.argv[:1])  # ``kiosk run`` takes this one (QApplication.instance())
    script = Script(app, name)
    try:
        return cli.main(kiosk_args)
    finally:
        script.timer.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
