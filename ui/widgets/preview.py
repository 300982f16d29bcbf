"""A live camera picture (the otoscope), from BGR frames the core sends about 20 times a second.

Only the newest frame is kept; it is turned into a ``QImage`` when Qt paints, in the UI thread,
so frames that arrive between two paints cost nothing but a reference.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


def bgr_to_qimage(frame: np.ndarray[Any, Any]) -> QImage:
    """A QImage that owns a copy of an HxWx3 uint8 BGR frame."""
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"expected an HxWx3 uint8 BGR frame, got {frame.shape} {frame.dtype}")
    frame = np.ascontiguousarray(frame)
    height, width = frame.shape[:2]
    image = QImage(frame.data, width, height, frame.strides[0], QImage.Format.Format_BGR888)
    return image.copy()  # the QImage above only borrows the numpy buffer


class PreviewView(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("preview")
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._frame: np.ndarray[Any, Any] | None = None
        self._image: QImage | None = None
        self.placeholder = ""
        self.frames_received = 0
        self.frames_painted = 0

    def sizeHint(self) -> QSize:
        return QSize(640, 480)

    def set_frame(self, frame: np.ndarray[Any, Any]) -> None:
        self._frame = frame
        self._image = None
        self.frames_received += 1
        self.update()

    def clear(self) -> None:
        self._frame = None
        self._image = None
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#000000"))
        if self._frame is not None and self._image is None:
            self._image = bgr_to_qimage(self._frame)
        if self._image is None:
            painter.setPen(QColor("#ffffff"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            painter.end()
            return
        # Keep the picture's proportions, centred.
        size = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRectF(
            (self.width() - size.width()) / 2,
            (self.height() - size.height()) / 2,
            size.width(),
            size.height(),
        )
        painter.drawImage(target, self._image)
        painter.end()
        self.frames_painted += 1
