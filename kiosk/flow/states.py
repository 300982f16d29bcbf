"""States of a teleconsultation session (design.md section 4)."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    IDLE = "IDLE"  # no session: locked screen or the assistant's home
    IDENTIFY = "IDENTIFY"
    CONSENT = "CONSENT"
    TRIAGE = "TRIAGE"
    MEASURE = "MEASURE"
    WAITING_FOR_DOCTOR = "WAITING_FOR_DOCTOR"
    IN_CALL = "IN_CALL"
    REPORT = "REPORT"
    HYGIENE = "HYGIENE"
    REFERRED = "REFERRED"  # a red flag: emergency number shown, nothing more measured
    ABANDONED = "ABANDONED"  # consent refused, patient left, session cancelled
    OUT_OF_SERVICE = "OUT_OF_SERVICE"  # a required device failed; no session can start


# States where a patient sits in the cabin and patient data may be on screen: the idle timeout
# applies to them, and they are the ones a crash or a park can resume.
PATIENT_STATES = frozenset(
    {
        State.IDENTIFY,
        State.CONSENT,
        State.TRIAGE,
        State.MEASURE,
        State.WAITING_FOR_DOCTOR,
        State.IN_CALL,
        State.REPORT,
        State.REFERRED,
        State.ABANDONED,
    }
)

# States from which a session can be parked and later resumed where it stopped.
RESUMABLE_STATES = frozenset(
    {
        State.IDENTIFY,
        State.CONSENT,
        State.TRIAGE,
        State.MEASURE,
        State.WAITING_FOR_DOCTOR,
        State.IN_CALL,
        State.REPORT,
        State.HYGIENE,
    }
)
