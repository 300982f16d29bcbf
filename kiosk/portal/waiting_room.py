"""The waiting room: the calls, who may see them, in which order, and who owns each one.

Pure: no I/O, no clock of its own. Every method that depends on time takes ``now`` (seconds from
the injected clock's ``monotonic``). Refusals raise ``ProtocolError`` with the code of
docs/signaling.md that the doctor's or the cabin's socket must get back.

Rules:

- A doctor sees a waiting call when the cabin's territory is one of the doctor's territories (or
  the doctor has all of them, ``"*"``), and any call whose ``treating_doctor`` is the doctor's RPPS
  number, wherever the cabin is.
- A doctor's queue: the patients whose treating physician they are first, then the patients of
  the territories named in their list, then the others (a doctor with ``"*"`` sees every territory;
  ``["*", "29"]`` puts the 29's patients before the rest); within each group the longest wait
  first.
- The first pick wins; the call then leaves every queue, and its owner gets a join token. A token
  works once and for ``join_token_ttl_s``; the owner gets a fresh one whenever their page comes
  back (``call.active``).
- Position of a waiting call (the number the cabin shows, 1 = next): 1 + the number of older
  waiting calls that compete for the same doctors, i.e. that at least one online doctor who may
  take this call may also take. With no such doctor online, the older calls of the same territory
  count instead (they will compete for the doctors who come online). The estimated wait is
  ``max(0, position - free doctors) * average_consultation_s / max(1, doctors online who may take
  it)``, a free doctor being one online with no live call: 0 when one can take the patient now. Treating
  physicians' priority is not anticipated: it is an estimate.
- A call whose cabin's socket dropped keeps its place but leaves the queues until the cabin comes
  back (``call.request`` with ``resume``); ``expire_lost_cabins`` ends it after a grace period.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kiosk.signaling import (
    ALREADY_TAKEN,
    FORBIDDEN,
    NOT_FOUND,
    TOKEN_EXPIRED,
    TOKEN_USED,
    ProtocolError,
)

ALL_TERRITORIES = "*"


class CallState(enum.Enum):
    WAITING = "waiting"  # in the waiting room
    PICKED = "picked"  # a doctor took it and has not joined yet
    IN_CALL = "in_call"  # the doctor joined (at least once)


@dataclass(frozen=True)
class Doctor:
    name: str
    display_name: str
    territories: tuple[str, ...]  # ("*",) for every territory
    rpps: str | None = None

    @property
    def all_territories(self) -> bool:
        return ALL_TERRITORIES in self.territories

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "display_name": self.display_name}


@dataclass(frozen=True)
class Cabin:
    name: str
    territory: str

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "territory": self.territory}


@dataclass
class JoinToken:
    doctor: str
    expires_at: float
    used: bool = False


@dataclass(eq=False)
class Call:
    call_id: str
    cabin: Cabin
    reason: str
    age: int | None
    treating_doctor: str | None  # RPPS number
    requested_at: float
    order: int  # arrival number: breaks ties between equal times
    state: CallState = CallState.WAITING
    owner: Doctor | None = None
    cabin_connected: bool = True
    cabin_left_at: float | None = None
    tokens: dict[str, JoinToken] = field(default_factory=dict)

    @property
    def owned(self) -> bool:
        return self.owner is not None


@dataclass(frozen=True)
class QueueEntry:
    call_id: str
    reason: str
    age: int | None
    territory: str
    waiting_s: float
    treating: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "reason": self.reason,
            "age": self.age,
            "territory": self.territory,
            "waiting_s": self.waiting_s,
            "treating": self.treating,
        }


@dataclass(frozen=True)
class QueueStatus:
    position: int
    estimated_wait_s: float
    doctors_online: int


@dataclass(frozen=True)
class JoinGrant:
    call_id: str
    join_token: str
    expires_in_s: float
    cabin: Cabin


def may_see(doctor: Doctor, call: Call) -> bool:
    """May ``doctor`` see (and take) ``call``?"""
    return (
        doctor.all_territories
        or call.cabin.territory in doctor.territories
        or is_treating(doctor, call)
    )


def is_treating(doctor: Doctor, call: Call) -> bool:
    return doctor.rpps is not None and call.treating_doctor == doctor.rpps


def _new_call_id() -> str:
    return "c-" + secrets.token_hex(8)


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class WaitingRoom:
    """Every live call of the portal, from the request to the end."""

    def __init__(
        self,
        *,
        join_token_ttl_s: float = 60.0,
        average_consultation_s: float = 600.0,
        new_call_id: Callable[[], str] = _new_call_id,
        new_token: Callable[[], str] = _new_token,
    ) -> None:
        self.join_token_ttl_s = join_token_ttl_s
        self.average_consultation_s = average_consultation_s
        self._new_call_id = new_call_id
        self._new_token = new_token
        self._calls: dict[str, Call] = {}
        self._online: dict[str, tuple[Doctor, int]] = {}  # name -> (doctor, open sockets)
        self._arrivals = 0

    # -- looking -------------------------------------------------------------------------------
    def call(self, call_id: str) -> Call | None:
        return self._calls.get(call_id)

    def calls(self) -> list[Call]:
        return sorted(self._calls.values(), key=lambda c: (c.requested_at, c.order))

    def waiting(self) -> list[Call]:
        """Waiting calls whose cabin is connected, oldest first."""
        return [c for c in self.calls() if c.state is CallState.WAITING and c.cabin_connected]

    def call_of_cabin(self, cabin_name: str) -> Call | None:
        for call in self._calls.values():
            if call.cabin.name == cabin_name:
                return call
        return None

    def owned_by(self, doctor_name: str) -> list[Call]:
        return [c for c in self.calls() if c.owner is not None and c.owner.name == doctor_name]

    # -- doctors online ------------------------------------------------------------------------
    def doctor_connected(self, doctor: Doctor) -> None:
        """One more open page of ``doctor`` (a doctor may have two tabs)."""
        _, count = self._online.get(doctor.name, (doctor, 0))
        self._online[doctor.name] = (doctor, count + 1)

    def doctor_disconnected(self, name: str) -> None:
        entry = self._online.get(name)
        if entry is None:
            return
        doctor, count = entry
        if count <= 1:
            del self._online[name]
        else:
            self._online[name] = (doctor, count - 1)

    def online_doctors(self) -> list[Doctor]:
        return [doctor for doctor, _ in self._online.values()]

    def is_online(self, name: str) -> bool:
        return name in self._online

    def _eligible(self, call: Call) -> frozenset[str]:
        return frozenset(d.name for d, _ in self._online.values() if may_see(d, call))

    # -- the cabin's side ----------------------------------------------------------------------
    def request(
        self,
        cabin: Cabin,
        reason: str,
        age: int | None,
        treating_doctor: str | None,
        now: float,
    ) -> tuple[Call, Call | None]:
        """A new call for ``cabin``; returns it and the cabin's previous call, which it replaces
        (already removed: its owner, if any, must be told it ended)."""
        previous = self.call_of_cabin(cabin.name)
        if previous is not None:
            del self._calls[previous.call_id]
        self._arrivals += 1
        call_id = self._new_call_id()
        while call_id in self._calls:
            call_id = self._new_call_id()
        call = Call(
            call_id=call_id,
            cabin=cabin,
            reason=reason,
            age=age,
            treating_doctor=treating_doctor,
            requested_at=now,
            order=self._arrivals,
        )
        self._calls[call_id] = call
        return call, previous

    def resume(self, cabin_name: str, call_id: str) -> Call | None:
        """The cabin is back with the call it had; None if that call is gone or not this cabin's."""
        call = self._calls.get(call_id)
        if call is None or call.cabin.name != cabin_name:
            return None
        call.cabin_connected = True
        call.cabin_left_at = None
        return call

    def cabin_disconnected(self, cabin_name: str, now: float) -> Call | None:
        """The cabin's socket dropped: its call (if any) waits for it to come back."""
        call = self.call_of_cabin(cabin_name)
        if call is not None and call.cabin_connected:
            call.cabin_connected = False
            call.cabin_left_at = now
        return call

    def expire_lost_cabins(self, now: float, grace_s: float) -> list[Call]:
        """End (and return) the calls whose cabin has been away for more than ``grace_s``."""
        lost = [
            c
            for c in self._calls.values()
            if not c.cabin_connected
            and c.cabin_left_at is not None
            and now - c.cabin_left_at > grace_s
        ]
        for call in lost:
            del self._calls[call.call_id]
        return lost

    def cabin_call(self, cabin_name: str, call_id: str) -> Call:
        """The cabin's own call ``call_id``; a call of another cabin is "not found" to it."""
        call = self._calls.get(call_id)
        if call is None or call.cabin.name != cabin_name:
            raise ProtocolError(NOT_FOUND, f"no call {call_id} for this cabin")
        return call

    def cancel(self, cabin_name: str, call_id: str) -> Call:
        """The patient leaves (waiting or not): the call is removed and returned."""
        call = self.cabin_call(cabin_name, call_id)
        del self._calls[call_id]
        return call

    def end(self, call_id: str) -> Call:
        call = self._calls.pop(call_id, None)
        if call is None:
            raise ProtocolError(NOT_FOUND, f"no call {call_id}")
        return call

    def status(self, call_id: str) -> QueueStatus:
        """The cabin's place in the waiting room (see the module's docstring)."""
        call = self._calls.get(call_id)
        if call is None:
            raise ProtocolError(NOT_FOUND, f"no call {call_id}")
        mine = self._eligible(call)
        ahead = 0
        for other in self.waiting():
            if other is call:
                break
            if mine:
                ahead += bool(self._eligible(other) & mine)
            else:
                ahead += other.cabin.territory == call.cabin.territory
        position = 1 + ahead
        # Doctors with no live call can take the next patients at once; the others free up one
        # consultation at a time.
        busy = {c.owner.name for c in self._calls.values() if c.owner is not None}
        free = len(mine - busy)
        estimate = max(0, position - free) * self.average_consultation_s / max(1, len(mine))
        return QueueStatus(position, round(estimate, 1), len(mine))

    # -- the doctor's side ---------------------------------------------------------------------
    def queue(self, doctor: Doctor, now: float) -> list[QueueEntry]:
        """The waiting calls ``doctor`` may take, in the order they should be taken."""

        def group(call: Call) -> int:
            if is_treating(doctor, call):
                return 0
            return 1 if call.cabin.territory in doctor.territories else 2

        visible = [c for c in self.waiting() if may_see(doctor, c)]
        visible.sort(key=lambda c: (group(c), c.requested_at, c.order))
        return [
            QueueEntry(
                call_id=c.call_id,
                reason=c.reason,
                age=c.age,
                territory=c.cabin.territory,
                waiting_s=round(max(0.0, now - c.requested_at), 1),
                treating=is_treating(doctor, c),
            )
            for c in visible
        ]

    def _grant(self, doctor: Doctor, call: Call, now: float) -> JoinGrant:
        token = self._new_token()
        call.tokens[token] = JoinToken(doctor.name, now + self.join_token_ttl_s)
        return JoinGrant(call.call_id, token, self.join_token_ttl_s, call.cabin)

    def pick(self, doctor: Doctor, call_id: str, now: float) -> JoinGrant:
        """``doctor`` takes the call: first pick wins. Picking one's own call again gives a fresh
        token (a double click is not an error)."""
        call = self._calls.get(call_id)
        if call is None:
            raise ProtocolError(NOT_FOUND, f"no call {call_id}")
        if call.owner is not None:
            if call.owner.name == doctor.name:
                return self._grant(doctor, call, now)
            if not may_see(doctor, call):
                raise ProtocolError(FORBIDDEN, "this call is not one you may see")
            raise ProtocolError(ALREADY_TAKEN, "another doctor took this patient")
        if not may_see(doctor, call):
            raise ProtocolError(FORBIDDEN, "this call is not one you may see")
        if not call.cabin_connected:
            raise ProtocolError(NOT_FOUND, f"call {call_id} is not waiting: its cabin is away")
        call.owner = doctor
        call.state = CallState.PICKED
        return self._grant(doctor, call, now)

    def owned_call(self, doctor: Doctor, call_id: str) -> Call:
        """``doctor``'s own call ``call_id``, or the refusal to send back."""
        call = self._calls.get(call_id)
        if call is None:
            raise ProtocolError(NOT_FOUND, f"no call {call_id}")
        if call.owner is None or call.owner.name != doctor.name:
            raise ProtocolError(FORBIDDEN, "this call is not yours")
        return call

    def issue_token(self, doctor: Doctor, call_id: str, now: float) -> JoinGrant:
        """A fresh join token for the owner (their page came back: ``call.active``)."""
        return self._grant(doctor, self.owned_call(doctor, call_id), now)

    def join(self, doctor: Doctor, call_id: str, token: str, now: float) -> Call:
        """Spend a join token. The call is then in progress with ``doctor``."""
        call = self.owned_call(doctor, call_id)
        entry = call.tokens.get(token)
        if entry is None or entry.doctor != doctor.name:
            raise ProtocolError(FORBIDDEN, "this join token was not given for this call")
        if entry.used:
            raise ProtocolError(TOKEN_USED, "this join token was already used")
        if now > entry.expires_at:
            raise ProtocolError(TOKEN_EXPIRED, "this join token has expired: pick again")
        entry.used = True  # kept, so that a replay is told apart from a forgery
        call.state = CallState.IN_CALL
        return call


__all__ = [
    "ALL_TERRITORIES",
    "Cabin",
    "Call",
    "CallState",
    "Doctor",
    "JoinGrant",
    "QueueEntry",
    "QueueStatus",
    "WaitingRoom",
    "is_treating",
    "may_see",
]
