"""The session state machine: pure, no I/O. See ``machine.decide``."""

from kiosk.flow.events import (
    CallCancelled,
    CallDoctor,
    CallEnded,
    Cancel,
    Close,
    DeviceFailure,
    DoctorJoined,
    Event,
    GoBack,
    HygieneDone,
    IdleTimeout,
    RecordConsent,
    ReportDelivered,
    ServiceRestored,
    StartSession,
    SubmitIdentity,
    SubmitTriage,
)
from kiosk.flow.hygiene import CLEANING_DUE_STATES, HYGIENE_ITEMS
from kiosk.flow.machine import Decision, Facts, accepted_events, decide
from kiosk.flow.states import PATIENT_STATES, State
from kiosk.flow.timeouts import IdlePhase, IdlePolicy, idle_phase

__all__ = [
    "CLEANING_DUE_STATES",
    "HYGIENE_ITEMS",
    "PATIENT_STATES",
    "CallCancelled",
    "CallDoctor",
    "CallEnded",
    "Cancel",
    "Close",
    "Decision",
    "DeviceFailure",
    "DoctorJoined",
    "Event",
    "Facts",
    "GoBack",
    "HygieneDone",
    "IdlePhase",
    "IdlePolicy",
    "IdleTimeout",
    "RecordConsent",
    "ReportDelivered",
    "ServiceRestored",
    "StartSession",
    "State",
    "SubmitIdentity",
    "SubmitTriage",
    "accepted_events",
    "decide",
    "idle_phase",
]
