"""A round gauge for the cuff pressure: a needle on a 0-300 mmHg dial and the value in large type."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

SCALE_MAX = 300  # mmHg: a cuff never goes above, and the monitors stop before
_START_DEG = 225.0  # 0 mmHg at bottom left, clockwise to 300 at bottom right
_SWEEP_DEG = 270.0


class CuffGauge(QWidget):
    """Repaints only when the value changes (a few times a second while the cuff inflates)."""

    def __init__(self, unit: str = "mmHg") -> None:
        super().__init__()
        self.setObjectName("cuff_gauge")
        self.unit = unit
        self._value: float | None = None
        self.peak = 0.0  # highest pressure since the last reset (tests: the gauge moved)
        self.updates = 0
        self.setMinimumSize(300, 300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(360, 360)

    def value(self) -> float | None:
        return self._value

    def set_value(self, value: float | None) -> None:
        if value == self._value:
            return
        self._value = value
        self.updates += 1
        if value is not None:
            self.peak = max(self.peak, value)
        self.update()

    def reset(self) -> None:
        self._value = None
        self.peak = 0.0
        self.updates = 0
        self.update()

    def _angle(self, value: float) -> float:
        """Screen angle in radians for ``value`` (Qt's y axis points down)."""
        fraction = min(max(value, 0.0), SCALE_MAX) / SCALE_MAX
        return math.radians(_START_DEG - fraction * _SWEEP_DEG)

    def paintEvent(self, event: QPaintEvent) -> None:
        side = min(self.width(), self.height()) - 10
        if side <= 0:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        center = QPointF(self.width() / 2, self.height() / 2)
        radius = side / 2
        painter.setPen(QPen(QColor("#8fa3bf"), 3))
        painter.setBrush(QColor("#ffffff"))
        painter.drawEllipse(center, radius, radius)
        # Ticks every 10 mmHg, longer with a number every 50.
        small = QFont(self.font())
        small.setPixelSize(max(12, int(radius / 9)))
        painter.setFont(small)
        for mmhg in range(0, SCALE_MAX + 1, 10):
            angle = self._angle(mmhg)
            major = mmhg % 50 == 0
            outer = radius - 8
            inner = outer - (radius * 0.12 if major else radius * 0.06)
            cos, sin = math.cos(angle), -math.sin(angle)
            painter.setPen(QPen(QColor("#33415c"), 3 if major else 1.5))
            painter.drawLine(
                QPointF(center.x() + inner * cos, center.y() + inner * sin),
                QPointF(center.x() + outer * cos, center.y() + outer * sin),
            )
            if major:
                at = radius * 0.68
                box = QRectF(center.x() + at * cos - 30, center.y() + at * sin - 14, 60, 28)
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, str(mmhg))
        # The value in large type, in the lower half, and the needle.
        big = QFont(self.font())
        big.setPixelSize(max(20, int(radius / 3.2)))
        big.setBold(True)
        painter.setFont(big)
        painter.setPen(QColor("#0b3d91"))
        text = "-" if self._value is None else f"{self._value:.0f}"
        painter.drawText(
            QRectF(center.x() - radius, center.y() + radius * 0.15, 2 * radius, radius * 0.42),
            Qt.AlignmentFlag.AlignCenter,
            text,
        )
        painter.setFont(small)
        painter.setPen(QColor("#33415c"))
        painter.drawText(
            QRectF(center.x() - radius, center.y() + radius * 0.55, 2 * radius, radius * 0.25),
            Qt.AlignmentFlag.AlignCenter,
            self.unit,
        )
        if self._value is not None:
            angle = self._angle(self._value)
            tip = radius * 0.78
            needle = QPen(QColor("#b00020"), 6)
            needle.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(needle)
            painter.drawLine(
                center,
                QPointF(center.x() + tip * math.cos(angle), center.y() - tip * math.sin(angle)),
            )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#1b2430"))
        painter.drawEllipse(center, radius * 0.06, radius * 0.06)
        painter.end()
