"""Events fed to the session machine. Plain frozen dataclasses, validated before they get here."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.identity import PatientIdentity


@dataclass(frozen=True)
class Event:
    """Base class of every session event."""


@dataclass(frozen=True)
class StartSession(Event):
    assistant_id: int


@dataclass(frozen=True)
class SubmitIdentity(Event):
    identity: PatientIdentity


@dataclass(frozen=True)
class RecordConsent(Event):
    accepted: bool
    explained: tuple[str, ...]  # the consent points read to the patient (codes)


@dataclass(frozen=True)
class SubmitTriage(Event):
    reason: str  # a code from kiosk.triage.REASONS
    details: str  # free text, may be empty
    red_flags: tuple[str, ...]  # codes answered "yes"


@dataclass(frozen=True)
class GoBack(Event):
    pass


@dataclass(frozen=True)
class Cancel(Event):
    reason: str  # "patient_left", "assistant_cancelled", ...


@dataclass(frozen=True)
class Close(Event):
    """The assistant leaves an ending screen (referred, abandoned)."""


@dataclass(frozen=True)
class CallDoctor(Event):
    pass


@dataclass(frozen=True)
class CallCancelled(Event):
    pass


@dataclass(frozen=True)
class DoctorJoined(Event):
    doctor: str


@dataclass(frozen=True)
class CallEnded(Event):
    pass


@dataclass(frozen=True)
class ReportDelivered(Event):
    pass


@dataclass(frozen=True)
class HygieneDone(Event):
    pass


@dataclass(frozen=True)
class DeviceFailure(Event):
    device: str


@dataclass(frozen=True)
class ServiceRestored(Event):
    pass


@dataclass(frozen=True)
class IdleTimeout(Event):
    """Nobody touched a patient screen for the configured time, countdown included."""
