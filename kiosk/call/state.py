"""What the screens see of the call: plain frozen views, no aiortc, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CallPhase(StrEnum):
    IDLE = "idle"  # no call
    CONNECTING = "connecting"  # reaching the portal
    WAITING = "waiting"  # in the waiting room: position and estimated wait are known
    IN_CALL = "in_call"  # media and data flow with the doctor
    RECONNECTING = "reconnecting"  # the connection was lost; a new one is being built
    ENDED = "ended"  # the call is over (a report came, or it was ended)
    FAILED = "failed"  # no call is possible: ``error`` says why


# Error codes of a call (ui/messages.py turns them into words).
CALL_NOT_CONFIGURED = "CALL_NOT_CONFIGURED"  # no portal URL or cabin secret in the config
CALL_PORTAL_UNREACHABLE = "CALL_PORTAL_UNREACHABLE"  # the network or the portal is down
CALL_AUTH_FAILED = "CALL_AUTH_FAILED"  # the portal refused the cabin's name or secret
CALL_CABIN_REVOKED = "CALL_CABIN_REVOKED"  # the cabin's secret was revoked at the portal
CALL_REFUSED = "CALL_REFUSED"  # the portal answered with an error we did not expect


@dataclass(frozen=True)
class DoctorRequest:
    """A measurement the doctor asked for, waiting for the assistant's confirmation."""

    request_id: str
    action: str  # take_bp, take_temperature, take_spo2, show_otoscope


@dataclass(frozen=True)
class ReportView:
    report_id: str
    doctor: str  # display name
    observations: str
    conclusion: str
    advice: str
    prescription: tuple[str, ...]
    orientation: str  # none, treating_physician, specialist, emergency
    language: str  # fr or en: the language of the advice
    received_at: str  # ISO time


@dataclass(frozen=True)
class CallSnapshot:
    phase: CallPhase = CallPhase.IDLE
    error: str | None = None  # a CALL_* code while FAILED (or the last failure, while retrying)
    position: int | None = None  # 1 = next
    estimated_wait_s: float | None = None
    doctors_online: int | None = None
    doctor: str | None = None  # the doctor's display name once one joined
    requests: tuple[DoctorRequest, ...] = ()
    report: ReportView | None = None
    otoscope_active: bool = False
    undelivered: int = 0  # messages for the doctor not yet acknowledged (queued while lost)
