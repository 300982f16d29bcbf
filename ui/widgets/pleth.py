"""The oximeter's pleth waveform, scrolling from right to left.

Samples come in packets (25 at 75 Hz, about three a second). Repainting on every packet would
jerk, and on every sample would cost too much: a timer repaints at most ``FPS`` times a second,
and each tick moves into view as many queued samples as the elapsed time is worth, so the wave
scrolls evenly. The timer runs only while the widget is on screen and has something new.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable

from PySide6.QtCore import QPointF, QSize, QTimer
from PySide6.QtGui import QColor, QHideEvent, QPainter, QPaintEvent, QPen, QPolygonF, QShowEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

SAMPLE_RATE = 75.0  # Hz, the Nonin pleth rate
WINDOW_S = 4.0  # seconds of wave on screen
FPS = 20  # repaints per second, at most
MAX_BACKLOG = 2 * 25  # samples: beyond two packets late, catch up at once


class PlethWave(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("pleth")
        self.setMinimumSize(300, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._size = int(SAMPLE_RATE * WINDOW_S)
        self._shown: deque[int] = deque(maxlen=self._size)
        self._queued: deque[int] = deque(maxlen=self._size)  # bounded, even when hidden
        self._last_tick = time.monotonic()
        self._budget = 0.0  # fractional samples carried from one tick to the next
        self.repaints = 0  # counted for the CPU budget test
        self.samples_received = 0
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / FPS))
        self._timer.timeout.connect(self._tick)

    def sizeHint(self) -> QSize:
        return QSize(600, 200)

    def clear(self) -> None:
        self._shown.clear()
        self._queued.clear()
        self._budget = 0.0
        self.update()

    def add_samples(self, samples: Iterable[int]) -> None:
        before = len(self._queued)
        self._queued.extend(int(s) for s in samples)
        self.samples_received += len(self._queued) - before
        if self.isVisible() and not self._timer.isActive():
            self._last_tick = time.monotonic()
            self._timer.start()

    def _tick(self) -> None:
        now = time.monotonic()
        self._budget += (now - self._last_tick) * SAMPLE_RATE
        self._last_tick = now
        count = int(self._budget)
        self._budget -= count
        if len(self._queued) - count > MAX_BACKLOG:
            count = len(self._queued) - MAX_BACKLOG // 2
        count = min(count, len(self._queued))
        for _ in range(count):
            self._shown.append(self._queued.popleft())
        if count:
            self.update()
        if not self._queued:
            self._timer.stop()  # wakes up again with the next packet
            self._budget = 0.0

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._queued:
            self._last_tick = time.monotonic()
            self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()

    def paintEvent(self, event: QPaintEvent) -> None:
        self.repaints += 1
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        painter.setPen(QPen(QColor("#d0d7e2"), 1))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        if len(self._shown) < 2:
            painter.end()
            return
        # No antialiasing: a thick antialiased polyline costs five times more, 20 times a second.
        low, high = min(self._shown), max(self._shown)
        span = max(high - low, 1)
        margin = 10
        height = self.height() - 2 * margin
        step = self.width() / (self._size - 1)
        # Newest sample at the right edge; the wave enters from the right and scrolls left.
        offset = self._size - len(self._shown)
        points = [
            QPointF((offset + i) * step, margin + height * (1.0 - (value - low) / span))
            for i, value in enumerate(self._shown)
        ]
        painter.setPen(QPen(QColor("#0b3d91"), 3))
        painter.drawPolyline(QPolygonF(points))
        painter.end()
