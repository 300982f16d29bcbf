"""A question over the whole screen with two large answers, asked before anything hard to undo.

A touchscreen in a small booth gets touches nobody meant: ending the session, hanging up. These
touches ask first. The safe answer ("No, ...") is on the left and filled, so the eye finds it
first; the other one is outlined in red.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from ui.widgets.touch import big_button, label

logger = logging.getLogger(__name__)


class ConfirmOverlay(QFrame):
    """Covers its parent (a screen) and follows its size; hidden until ``ask``.

    A question left open is dropped on a language change (it would stay in the old language):
    the touch that asked it can be made again.
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("overlay")
        dialog = QFrame()
        dialog.setObjectName("dialog")
        self.question = label(kind="title")
        self.no = big_button(role="primary", name="confirm_no")
        self.no.clicked.connect(self.reset)
        self.yes = big_button(role="danger", name="confirm_yes")
        self.yes.clicked.connect(self._yes)
        answers = QHBoxLayout()
        answers.setSpacing(20)
        answers.addWidget(self.no, 1)
        answers.addWidget(self.yes, 1)
        inner = QVBoxLayout(dialog)
        inner.setContentsMargins(40, 30, 40, 30)
        inner.setSpacing(24)
        inner.addWidget(self.question)
        inner.addLayout(answers)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(dialog, 4)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        self._action: Callable[[], None] | None = None
        parent.installEventFilter(self)
        self.hide()

    def ask(self, question: str, yes: str, no: str, action: Callable[[], None]) -> None:
        """Show ``question``; ``action`` runs only if the "yes" answer is touched."""
        self.question.setText(question)
        self.yes.setText(yes)
        self.no.setText(no)
        self._action = action
        self.cover()
        self.show()
        self.raise_()

    def ask_end_session(self, action: Callable[[], None]) -> None:
        """The one question before a session ends early, in the same words on every screen."""
        self.ask(
            self.tr("End the session? The measurements already taken are kept."),
            self.tr("Yes, end it"),
            self.tr("No, continue"),
            action,
        )

    def cover(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())

    def reset(self) -> None:
        """Close the question without doing anything."""
        self._action = None
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.cover()
        return super().eventFilter(watched, event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange and self._action is not None:
            logger.info("confirm: question dropped on a language change")
            self.reset()
        super().changeEvent(event)

    def _yes(self) -> None:
        action, self._action = self._action, None
        self.hide()
        if action is not None:
            action()
