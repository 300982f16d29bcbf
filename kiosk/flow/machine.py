"""The transition table of a session and its guards.

``decide(state, event, facts)`` is pure: it returns a Decision or raises. The session service feeds
it events, persists what it decides, then publishes the new state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.errors import GuardRefused, InvalidTransition
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
from kiosk.flow.states import State
from kiosk.flow.triage import REASONS, RED_FLAGS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Facts:
    """What the guards may look at: derived from storage by the session service."""

    signed_in: bool = False
    patient_identified: bool = False
    consent_given: bool = False
    cabin_clean: bool = False  # no session anywhere waits for the cleaning checklist
    checklist_done: bool = False  # every item of this session's cleaning checklist is confirmed


@dataclass(frozen=True)
class Decision:
    source: State
    target: State
    reason: str
    park: bool = False  # keep the session open at ``target`` and lock the screen
    close: bool = False  # the session ends here (target is IDLE)
    purge_patient: bool = False  # forget the identity and triage (consent refused)


Handler = Callable[[State, Event, Facts], Decision]

# States in which the assistant can end a session early (the patient leaves, a mistake...).
_CANCELLABLE = frozenset(
    {
        State.IDENTIFY,
        State.CONSENT,
        State.TRIAGE,
        State.MEASURE,
        State.WAITING_FOR_DOCTOR,
        State.IN_CALL,
    }
)
# One step back, where that makes sense: correct the identity, re-read the consent, redo triage.
_BACK = {
    State.CONSENT: State.IDENTIFY,
    State.TRIAGE: State.CONSENT,
    State.MEASURE: State.TRIAGE,
}


def _to(target: State, reason: str, **flags: bool) -> Handler:
    def handler(state: State, event: Event, facts: Facts) -> Decision:
        return Decision(state, target, reason, **flags)

    return handler


def _start(state: State, event: Event, facts: Facts) -> Decision:
    if not facts.signed_in:
        raise GuardRefused(
            "an assistant must be signed in to start a session", {"guard": "signed_in"}
        )
    if not facts.cabin_clean:
        raise GuardRefused(
            "the cabin must be cleaned after the last patient first", {"guard": "cabin_clean"}
        )
    return Decision(state, State.IDENTIFY, "session started")


def _consent(state: State, event: Event, facts: Facts) -> Decision:
    assert isinstance(event, RecordConsent)
    if not facts.patient_identified:
        raise GuardRefused(
            "the patient must be identified before consent", {"guard": "patient_identified"}
        )
    if event.accepted:
        return Decision(state, State.TRIAGE, "consent given")
    return Decision(state, State.ABANDONED, "consent refused", purge_patient=True)


def _triage(state: State, event: Event, facts: Facts) -> Decision:
    assert isinstance(event, SubmitTriage)
    if not facts.consent_given:
        raise GuardRefused(
            "no triage, measurement or call before consent", {"guard": "consent_given"}
        )
    unknown = [flag for flag in event.red_flags if flag not in RED_FLAGS]
    # With a red flag the reason is not asked (empty): the patient goes to emergency care first.
    reason_ok = event.reason in REASONS or (bool(event.red_flags) and event.reason == "")
    if unknown or not reason_ok:
        raise GuardRefused("unknown triage answer", {"guard": "triage_codes"})
    # The reasons name no answer: they go to the log and the audit log, which outlive the
    # patient's data (the answers themselves are in the triage record, purged with it).
    if event.red_flags:
        return Decision(state, State.REFERRED, "red flag")
    return Decision(state, State.MEASURE, "triage passed")


def _call(state: State, event: Event, facts: Facts) -> Decision:
    if not facts.consent_given:
        raise GuardRefused("no call before consent", {"guard": "consent_given"})
    return Decision(state, State.WAITING_FOR_DOCTOR, "doctor called")


def _back(state: State, event: Event, facts: Facts) -> Decision:
    return Decision(state, _BACK[state], "went back one step")


def _cancel(state: State, event: Event, facts: Facts) -> Decision:
    assert isinstance(event, Cancel)
    return Decision(state, State.ABANDONED, f"cancelled ({event.reason})")


def _hygiene_done(state: State, event: Event, facts: Facts) -> Decision:
    if not facts.checklist_done:
        raise GuardRefused(
            "every item of the cleaning checklist must be confirmed", {"guard": "checklist_done"}
        )
    return Decision(state, State.IDLE, "cabin cleaned", close=True)


def _idle(state: State, event: Event, facts: Facts) -> Decision:
    if state in (State.REFERRED, State.ABANDONED):
        # The ending is recorded; the patient data leaves the screen, the cleaning is still owed.
        return Decision(
            state, State.HYGIENE, "idle timeout on an ending screen: cleaning parked", park=True
        )
    return Decision(state, state, "idle timeout: session parked", park=True)


_TABLE: dict[tuple[State, type[Event]], Handler] = {
    (State.IDLE, StartSession): _start,
    (State.IDLE, DeviceFailure): _to(State.OUT_OF_SERVICE, "required device failed"),
    (State.OUT_OF_SERVICE, ServiceRestored): _to(State.IDLE, "devices restored"),
    (State.IDENTIFY, SubmitIdentity): _to(State.CONSENT, "patient identified"),
    (State.CONSENT, RecordConsent): _consent,
    (State.TRIAGE, SubmitTriage): _triage,
    (State.MEASURE, CallDoctor): _call,
    (State.WAITING_FOR_DOCTOR, CallCancelled): _to(State.MEASURE, "call cancelled"),
    (State.WAITING_FOR_DOCTOR, DoctorJoined): _to(State.IN_CALL, "doctor joined"),
    (State.IN_CALL, CallEnded): _to(State.REPORT, "call ended"),
    (State.REPORT, ReportDelivered): _to(State.HYGIENE, "report handed to the patient"),
    (State.HYGIENE, HygieneDone): _hygiene_done,
    # The patient sat in the cabin: every ending goes through the cleaning checklist.
    (State.REFERRED, Close): _to(State.HYGIENE, "referral acknowledged"),
    (State.ABANDONED, Close): _to(State.HYGIENE, "session ended"),
}
_TABLE.update({(state, GoBack): _back for state in _BACK})
_TABLE.update({(state, Cancel): _cancel for state in _CANCELLABLE})
_TABLE.update(
    {
        (state, IdleTimeout): _idle
        for state in _CANCELLABLE | {State.REPORT, State.REFERRED, State.ABANDONED, State.HYGIENE}
    }
)


def accepted_events(state: State) -> frozenset[type[Event]]:
    """Event types the state accepts (the screen shows only the matching buttons)."""
    return frozenset(kind for (source, kind) in _TABLE if source is state)


def decide(state: State, event: Event, facts: Facts) -> Decision:
    """Return what ``event`` does in ``state``, or raise InvalidTransition / GuardRefused."""
    handler = _TABLE.get((state, type(event)))
    if handler is None:
        logger.error("flow: %s rejected in %s", type(event).__name__, state)
        raise InvalidTransition(
            f"{type(event).__name__} is not accepted in {state}",
            {"state": str(state), "event": type(event).__name__},
        )
    try:
        decision = handler(state, event, facts)
    except GuardRefused as exc:
        logger.warning("flow: %s refused in %s: %s", type(event).__name__, state, exc)
        raise
    logger.info("flow: %s -> %s (reason=%s)", decision.source, decision.target, decision.reason)
    return decision
