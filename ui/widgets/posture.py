"""Pictograms of how to place the patient and the device, drawn with QPainter (no image files).

Each is drawn on a 100 x 100 canvas scaled to the widget: a seated person with the cuff on the
bare upper arm at heart level; a probe under the tongue; a finger in the oximeter clip; the
otoscope in the ear. Simple shapes, thick lines, the device in the accent colour.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

BODY = QColor("#33415c")
SKIN = QColor("#f1d3bf")
DEVICE = QColor("#0b3d91")
MARK = QColor("#b00020")
FURNITURE = QColor("#9aa5b1")

KINDS = ("blood_pressure", "temperature", "spo2", "otoscope")


def _pen(color: QColor, width: float, dashed: bool = False) -> QPen:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


class PosturePicture(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("posture")
        self.kind = ""
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(280, 280)

    def set_kind(self, kind: str) -> None:
        if kind != self.kind:
            self.kind = kind
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        draw = {
            "blood_pressure": _seated_with_cuff,
            "temperature": _probe_under_tongue,
            "spo2": _finger_in_clip,
            "otoscope": _otoscope_in_ear,
        }.get(self.kind)
        side = min(self.width(), self.height())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        if draw is not None and side > 0:
            painter.translate((self.width() - side) / 2, (self.height() - side) / 2)
            painter.scale(side / 100, side / 100)
            draw(painter)
        painter.end()


def _seated_with_cuff(p: QPainter) -> None:
    # Chair with a back (the back is supported) and a table at heart level.
    p.setPen(_pen(FURNITURE, 3))
    p.drawLine(QPointF(22, 30), QPointF(22, 66))  # chair back
    p.drawLine(QPointF(22, 66), QPointF(50, 66))  # seat
    p.drawLine(QPointF(24, 66), QPointF(24, 92))
    p.drawLine(QPointF(48, 66), QPointF(48, 92))
    p.drawLine(QPointF(58, 48), QPointF(92, 48))  # table top
    p.drawLine(QPointF(86, 48), QPointF(86, 92))
    p.drawLine(QPointF(8, 92), QPointF(96, 92))  # floor
    # The person: back against the chair, thighs level, feet flat on the floor.
    p.setPen(_pen(BODY, 6))
    p.drawLine(QPointF(30, 30), QPointF(30, 62))  # torso
    p.drawLine(QPointF(30, 62), QPointF(52, 62))  # thigh
    p.drawLine(QPointF(52, 62), QPointF(52, 90))  # shin
    p.drawLine(QPointF(52, 90), QPointF(60, 90))  # foot, flat
    # Arm: upper arm down from the shoulder, forearm resting on the table.
    p.drawLine(QPointF(31, 32), QPointF(40, 46))
    p.drawLine(QPointF(40, 46), QPointF(70, 46))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(BODY)
    p.drawEllipse(QPointF(31, 19), 8, 8)  # head
    # The cuff on the bare upper arm, with its tube to the monitor on the table.
    p.setBrush(DEVICE)
    p.save()
    p.translate(35.5, 39)
    p.rotate(57)
    p.drawRoundedRect(QRectF(-6, -5, 12, 10), 2, 2)
    p.restore()
    p.setPen(_pen(DEVICE, 1.5))
    p.setBrush(Qt.BrushStyle.NoBrush)
    path = QPainterPath(QPointF(39, 36))
    path.cubicTo(QPointF(50, 28), QPointF(66, 30), QPointF(74, 40))
    p.drawPath(path)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(DEVICE)
    p.drawRoundedRect(QRectF(72, 36, 14, 11), 2, 2)  # monitor
    # Heart level: the heart and the cuff on the same dashed line.
    p.setBrush(MARK)
    p.drawEllipse(QPointF(33, 39), 2.4, 2.4)
    p.setPen(_pen(MARK, 1.2, dashed=True))
    p.drawLine(QPointF(14, 39), QPointF(46, 39))


def _head_profile(p: QPainter, mouth_open: bool) -> None:
    p.setPen(_pen(BODY, 3))
    p.setBrush(SKIN)
    path = QPainterPath(QPointF(30, 88))
    path.lineTo(QPointF(30, 70))
    path.cubicTo(QPointF(14, 62), QPointF(14, 22), QPointF(42, 14))
    path.cubicTo(QPointF(62, 10), QPointF(76, 24), QPointF(74, 40))
    path.lineTo(QPointF(80, 50))
    path.lineTo(QPointF(74, 52))
    path.lineTo(QPointF(74, 58 if mouth_open else 60))
    path.cubicTo(QPointF(74, 70), QPointF(62, 72), QPointF(54, 70))
    path.lineTo(QPointF(54, 88))
    p.drawPath(path)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(BODY)
    p.drawEllipse(QPointF(60, 34), 2.2, 2.2)  # eye


def _probe_under_tongue(p: QPainter) -> None:
    _head_profile(p, mouth_open=True)
    # The probe goes in at the corner of the mouth and lies under the tongue, far back.
    p.setPen(_pen(DEVICE, 3))
    p.drawLine(QPointF(96, 64), QPointF(56, 60))
    p.setPen(_pen(MARK, 2))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QPointF(56, 60), 4, 3)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(DEVICE)
    p.save()
    p.translate(92, 76)
    p.rotate(-10)
    p.drawRoundedRect(QRectF(-7, -8, 14, 22), 3, 3)  # the thermometer in the hand
    p.restore()
    p.setBrush(QColor("#ffffff"))
    p.drawRect(QRectF(87, 72, 8, 5))  # its display


def _finger_in_clip(p: QPainter) -> None:
    # A hand resting flat, index finger straight into the clip, nail up.
    p.setPen(_pen(BODY, 2.5))
    p.setBrush(SKIN)
    p.drawRoundedRect(QRectF(8, 50, 36, 26), 8, 8)  # palm
    p.drawRoundedRect(QRectF(36, 52, 44, 10), 5, 5)  # index finger
    for y in (62, 68):
        p.drawRoundedRect(QRectF(36, y, 22, 7), 3.5, 3.5)  # folded fingers
    p.drawRoundedRect(QRectF(22, 44, 20, 9), 4.5, 4.5)  # thumb
    # The clip: two jaws closing on the finger, hinge at the back, cable to the monitor.
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(DEVICE)
    upper = QPainterPath(QPointF(56, 52))
    upper.lineTo(QPointF(84, 52))
    upper.cubicTo(QPointF(88, 52), QPointF(88, 40), QPointF(80, 38))
    upper.lineTo(QPointF(58, 40))
    upper.closeSubpath()
    p.drawPath(upper)
    p.drawRoundedRect(QRectF(56, 62, 30, 8), 3, 3)  # lower jaw
    p.setPen(_pen(DEVICE, 2))
    p.setBrush(Qt.BrushStyle.NoBrush)
    cable = QPainterPath(QPointF(86, 66))
    cable.cubicTo(QPointF(96, 70), QPointF(94, 86), QPointF(80, 90))
    p.drawPath(cable)
    # A small red light: the sensor shines through the finger.
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(MARK)
    p.drawEllipse(QPointF(74, 57), 2, 2)


def _otoscope_in_ear(p: QPainter) -> None:
    # The head seen from the side (facing left), the ear in the middle.
    p.setPen(_pen(BODY, 3))
    p.setBrush(SKIN)
    p.drawEllipse(QPointF(40, 46), 30, 34)
    p.setBrush(QColor("#e8bfa6"))
    p.drawEllipse(QPointF(46, 48), 7, 11)  # ear
    # The otoscope: handle down and out, the tip in the ear canal.
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(DEVICE)
    tip = QPainterPath(QPointF(47, 50))
    tip.lineTo(QPointF(64, 42))
    tip.lineTo(QPointF(68, 52))
    tip.closeSubpath()
    p.drawPath(tip)
    p.drawRoundedRect(QRectF(63, 40, 12, 14), 3, 3)  # head of the otoscope
    p.save()
    p.translate(74, 68)
    p.rotate(-20)
    p.drawRoundedRect(QRectF(-5, -16, 10, 32), 4, 4)  # handle
    p.restore()
    # Pull the ear gently up and back (the arrow points up and to the back of the head).
    p.setPen(_pen(MARK, 2.5))
    p.drawLine(QPointF(50, 36), QPointF(60, 24))
    p.drawLine(QPointF(60, 24), QPointF(53, 25))
    p.drawLine(QPointF(60, 24), QPointF(60, 31))
