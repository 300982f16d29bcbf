"""The data channel's delivery rules (docs/signaling.md section 5): pure, no I/O.

Reliable messages carry a ``seq`` and stay in the ``Outbox`` until the doctor acknowledges them;
a new peer connection sends every one still there, in order. The ``Inbox`` drops a ``seq`` it has
already seen (a re-send) but the caller still acknowledges it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk import signaling


@dataclass
class _Item:
    seq: int
    kind: str
    texts: list[str]  # the message, then any unreliable follow-ups (a still's chunks)
    key: str | None = None  # what it carries (a still's id): a newer copy replaces it


@dataclass
class Outbox:
    next_seq: int = 1
    _items: list[_Item] = field(default_factory=list)

    def push(
        self, msg_type: str, follow_ups: list[str] | None = None, /, **fields: Any
    ) -> tuple[int, list[str]]:
        """Queue a reliable message; returns its seq and the texts to send now."""
        seq = self.next_seq
        self.next_seq += 1
        texts = [signaling.message(msg_type, seq=seq, **fields), *(follow_ups or [])]
        self._items.append(_Item(seq, msg_type, texts))
        return seq, texts

    def replace(
        self, key: str, msg_type: str, follow_ups: list[str] | None = None, /, **fields: Any
    ) -> tuple[int, list[str]]:
        """Queue a reliable message that replaces any unacknowledged one with the same ``key``.

        A still sent again (the patient's file sent again to a reloaded page) must not travel
        twice when the first copy is still waiting for its acknowledgement.
        """
        self._items = [item for item in self._items if item.key != key]
        seq, texts = self.push(msg_type, follow_ups, **fields)
        self._items[-1].key = key
        return seq, texts

    def ack(self, seq: int) -> bool:
        before = len(self._items)
        self._items = [item for item in self._items if item.seq != seq]
        return len(self._items) != before

    def pending(self) -> list[str]:
        """Every text of every unacknowledged message, in order (sent again on a new channel)."""
        return [text for item in self._items for text in item.texts]

    def count(self, kinds: tuple[str, ...]) -> int:
        """Unacknowledged messages of these types."""
        return sum(1 for item in self._items if item.kind in kinds)

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class Inbox:
    _seen: set[int] = field(default_factory=set)

    def first_time(self, seq: int) -> bool:
        if seq in self._seen:
            return False
        self._seen.add(seq)
        return True
