"""HYGIENE: the assistant cleans the cabin after the patient and confirms each item by a touch.

The screen is the assistant's (no patient data on it). Each item is one large button; once touched
it shows a tick and the time it was confirmed. "Finish" is enabled only when every item is done.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QPushButton, QVBoxLayout

from kiosk.flow import HYGIENE_ITEMS
from kiosk.services.session import Snapshot
from ui import messages
from ui.bridge import Bridge
from ui.screens.base import Screen
from ui.screens.measure import local_time, repolish
from ui.widgets.touch import big_button, button_row, label

_COLUMNS = 2
RECORD_CALM = "font-size: 22px; color: #33415c;"
RECORD_ALERT = "font-size: 24px; font-weight: 600; color: #b00020;"


class HygieneScreen(Screen):
    patient_facing = False

    def __init__(self, bridge: Bridge) -> None:
        super().__init__(bridge)
        self.title = label(kind="title")
        self.explain = label(kind="subtitle")
        self.items: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setSpacing(16)
        for index, item in enumerate(HYGIENE_ITEMS):
            button = big_button(name=f"hygiene_{item}")
            button.setProperty("role", "check")
            button.setMinimumHeight(120)
            button.clicked.connect(
                lambda _=False, code=item: self.bridge.command(lambda s: s.check_hygiene(code))
            )
            grid.addWidget(button, index // _COLUMNS, index % _COLUMNS)
            self.items[item] = button
        # Where this session's consultation record is (queued, sent, refused): no patient in it.
        self.record = label()
        self.record.setObjectName("record_state")
        self.record.hide()
        self.notice = label(kind="notice")
        self.notice.hide()
        self.finish = big_button(role="primary", name="hygiene_finish")
        self.finish.clicked.connect(lambda: self.bridge.command(lambda s: s.finish_hygiene()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(60, 30, 60, 20)
        layout.setSpacing(16)
        layout.addWidget(self.title)
        layout.addWidget(self.explain)
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addWidget(self.record)
        layout.addWidget(self.notice)
        layout.addLayout(button_row(None, self.finish, wide=2))
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Clean the cabin"))
        self.explain.setText(
            self.tr(
                "The patient has left. Clean each item, then touch it to confirm. The next "
                "session can start once everything is clean."
            )
        )
        self.finish.setText(self.tr("Finish: the cabin is clean"))

    def render(self, snap: Snapshot) -> None:
        done = {row.item: row.done_at for row in snap.hygiene}
        for item, button in self.items.items():
            name = messages.hygiene_item(item)
            # Two lines: the item, then what to do or when it was done (no clipped words).
            if item in done:
                when = self.tr("done at {time}").replace("{time}", local_time(done[item]))
                button.setText(f"✓  {name}\n{when}")
                repolish(button, "done", "true")
            else:
                todo = self.tr("touch once cleaned")
                button.setText(f"{name}\n{todo}")
                repolish(button, "done", "false")
        self.finish.setEnabled(all(item in done for item in HYGIENE_ITEMS))
        text = messages.notice(snap.notice.code, snap.notice.params) if snap.notice else ""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        self._render_record(snap)

    def _render_record(self, snap: Snapshot) -> None:
        session_id = snap.session.id if snap.session else None
        items = snap.outbox.items if snap.outbox is not None else ()
        item = next((i for i in items if i.session_id == session_id), None)
        text = ""
        style = RECORD_CALM
        if item is None:
            text = ""  # not queued yet: it is, within a moment of reaching this screen
        elif item.state == "sent":
            text = self.tr("Consultation record: sent.")
        elif item.state == "failed":
            text = self.tr("Consultation record: refused by the recipient. Call the technician.")
            style = RECORD_ALERT
        elif item.state == "sending":
            text = self.tr("Consultation record: being sent...")
        elif snap.outbox is not None and not snap.outbox.destination:
            text = self.tr(
                "Consultation record: waiting to be sent, no destination is configured. "
                "Tell the technician."
            )
        else:
            text = self.tr("Consultation record: queued; it will be sent automatically.")
        self.record.setText(text)
        self.record.setVisible(bool(text))
        if self.record.styleSheet() != style:
            self.record.setStyleSheet(style)

    def forget(self) -> None:
        super().forget()
        self.record.setText("")
        self.record.hide()
