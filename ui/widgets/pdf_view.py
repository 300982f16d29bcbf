"""The patient's report as a PDF on the screen, when it cannot be printed.

Over the whole screen: the pages one under the other, as wide as the screen allows, dragged up
and down with a finger, and one large button to close. The PDF comes as bytes from the core; it
is read from memory (QBuffer) and never written to a file.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScroller, QVBoxLayout, QWidget

from ui.widgets.touch import big_button, label

logger = logging.getLogger(__name__)


class PdfViewer(QFrame):
    """A full-screen PDF viewer with a close button; hidden until ``show_pdf``."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("pdf_viewer")
        self.setAutoFillBackground(True)
        self.title = label(kind="title")
        self.close_button = big_button(role="primary", name="pdf_close")
        self.close_button.setFixedWidth(300)
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setObjectName("pdf_view")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(16)
        # A finger drags the pages, as on a phone.
        QScroller.grabGesture(
            self.view.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture
        )
        self._buffer: QBuffer | None = None
        self._data: bytes | None = None
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(30, 16, 30, 16)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self.hide()

    @property
    def page_count(self) -> int:
        return int(self.document.pageCount())

    def show_pdf(self, pdf: bytes) -> bool:
        """Load ``pdf`` (unless it is already shown) and cover the parent; False if unreadable."""
        if pdf != self._data:
            self.clear()
            buffer = QBuffer(self)
            buffer.setData(QByteArray(pdf))
            buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            self.document.load(buffer)
            if self.document.status() != QPdfDocument.Status.Ready:
                logger.error("ui: the report's PDF could not be read (%s)", self.document.error())
                self.clear()
                return False
            self._buffer = buffer
            self._data = pdf
            self.view.verticalScrollBar().setValue(0)
        self.follow_parent()
        self.show()
        self.raise_()
        return True

    def clear(self) -> None:
        """Close the document and drop its bytes (the report leaves the screen)."""
        self.hide()
        self.document.close()
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
            self._buffer = None
        self._data = None

    def follow_parent(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())


__all__ = ["PdfViewer"]
