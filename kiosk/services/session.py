"""The session service: feeds the pure flow, persists what it decides, then publishes.

Everything the screen shows comes out of here as an immutable ``Snapshot``. Commands carry the
state the screen was in when the assistant touched it, so a double tap or a stale screen is ignored
instead of being applied twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kiosk import errors
from kiosk.call.state import CallSnapshot
from kiosk.clock import Clock
from kiosk.config import Config
from kiosk.errors import FlowError
from kiosk.flow import (
    CLEANING_DUE_STATES,
    HYGIENE_ITEMS,
    PATIENT_STATES,
    Cancel,
    Close,
    Decision,
    Event,
    Facts,
    GoBack,
    HygieneDone,
    IdlePhase,
    IdlePolicy,
    IdleTimeout,
    RecordConsent,
    StartSession,
    State,
    SubmitIdentity,
    SubmitTriage,
    decide,
)
from kiosk.flow.triage import CONSENT_POINTS, DETAILS_MAX, REASONS, RED_FLAGS
from kiosk.identity import (
    INVALID_CHARACTERS,
    REQUIRED,
    TOO_LONG,
    FieldError,
    PatientIdentity,
    validate_identity,
)
from kiosk.services.auth import failures_before_lock, lockout_remaining, verify_pin
from kiosk.storage import Repository
from kiosk.storage.database import DATABASE_ERRORS
from kiosk.storage.repository import HygieneRow, TriageRow

if TYPE_CHECKING:
    from kiosk.records.outbox import OutboxView
    from kiosk.records.printing import PrintView, ReportPrinting
    from kiosk.services.measurements import MeasurementService, MeasureView

logger = logging.getLogger(__name__)

UNANSWERED = "UNANSWERED"  # a red-flag question left without an answer


@dataclass(frozen=True)
class Notice:
    """A message for the assistant, as a code with parameters."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class AssistantView:
    id: int
    name: str


@dataclass(frozen=True)
class SessionView:
    id: str
    state: State
    identity: PatientIdentity | None
    consent_given: bool | None
    triage: TriageRow | None
    end_reason: str | None


@dataclass(frozen=True)
class ResumableView:
    id: str
    state: State
    patient: str  # "FAMILY Given" or "" when not identified yet
    updated_at: str
    parked: bool


@dataclass(frozen=True)
class Snapshot:
    """Everything a screen may show. The UI renders it and holds no rule of its own."""

    assistants: tuple[AssistantView, ...] = ()
    assistant: AssistantView | None = None
    locked_for_s: float = 0.0
    attempts_left: int = 0
    session: SessionView | None = None
    resumable: tuple[ResumableView, ...] = ()
    cleaning_due: ResumableView | None = None  # a session whose cleaning must end before the next
    hygiene: tuple[HygieneRow, ...] = ()  # the checklist items confirmed so far, with their times
    unfinished: int = 0  # interrupted sessions waiting, shown (without names) before sign-in
    idle_warning_s: int | None = None
    field_errors: tuple[FieldError, ...] = ()
    notice: Notice | None = None
    emergency_number: str = "15"
    measure: MeasureView | None = None  # devices, the running measurement, what was accepted
    call: CallSnapshot | None = None  # the doctor's call: waiting room, doctor, requests, report
    outbox: OutboxView | None = None  # records waiting, sent, refused (kiosk.records.outbox)
    printing: PrintView | None = None  # the report's printing (kiosk.records.printing)
    seq: int = 0  # increases with every snapshot


Listener = Callable[[Snapshot], None]


class SessionService:
    def __init__(self, repo: Repository, config: Config, clock: Clock) -> None:
        self.repo = repo
        self.config = config
        self.clock = clock
        self.policy = IdlePolicy(config.session.idle_timeout_s, config.session.idle_warning_s)
        self._listeners: list[Listener] = []
        self._assistant: AssistantView | None = None
        self._session_id: str | None = None
        self._last_activity = clock.monotonic()
        self._idle_warning: int | None = None
        self._field_errors: tuple[FieldError, ...] = ()
        self._notice: Notice | None = None
        self._seq = 0
        self._watchdog: asyncio.Task[None] | None = None
        self.measurements: MeasurementService | None = None  # attached by the core
        self.call_view: Callable[[str | None], CallSnapshot] | None = None  # the call service's
        self.outbox_view: Callable[[], OutboxView] | None = None  # the records outbox's
        self.printing: ReportPrinting | None = None  # attached by the core
        self.last: Snapshot = Snapshot()

    # -- life cycle --------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def start(self, notice: Notice | None = None) -> None:
        self._notice = notice
        self._watchdog = asyncio.create_task(self._watch_idle(), name="idle-watchdog")
        self.publish()

    async def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
            self._watchdog = None

    # -- what the screen sees ----------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        attempts = self.repo.recent_pin_attempts(self.config.security.pin_max_attempts)
        now = self.clock.now().timestamp()
        max_attempts = self.config.security.pin_max_attempts
        session: SessionView | None = None
        if self._session_id is not None:
            row = self.repo.session(self._session_id)
            assert row is not None
            consent = self.repo.consent(row.id)
            session = SessionView(
                id=row.id,
                state=State(row.state),
                identity=self.repo.identity(row.id),
                consent_given=None if consent is None else consent.accepted,
                triage=self.repo.triage(row.id),
                end_reason=row.end_reason,
            )
        unfinished = self.repo.unfinished_sessions()
        resumable: tuple[ResumableView, ...] = ()
        cleaning_due: ResumableView | None = None
        if self._assistant is not None and session is None:
            resumable = tuple(self._resumable_view(r.id) for r in unfinished)
            cleaning_due = next((r for r in resumable if r.state in CLEANING_DUE_STATES), None)
        hygiene: tuple[HygieneRow, ...] = ()
        if session is not None and session.state is State.HYGIENE:
            hygiene = tuple(self.repo.hygiene_checks(session.id))
        return Snapshot(
            assistants=tuple(AssistantView(a.id, a.name) for a in self.repo.assistants(False)),
            assistant=self._assistant,
            locked_for_s=lockout_remaining(
                attempts, now, max_attempts, self.config.security.pin_lockout_s
            ),
            attempts_left=failures_before_lock(attempts, max_attempts),
            session=session,
            resumable=resumable,
            cleaning_due=cleaning_due,
            hygiene=hygiene,
            unfinished=len(unfinished),
            idle_warning_s=self._idle_warning,
            field_errors=self._field_errors,
            notice=self._notice,
            emergency_number=self.config.session.emergency_number,
            measure=(
                self.measurements.view(self._session_id) if self.measurements is not None else None
            ),
            call=self.call_view(self._session_id) if self.call_view is not None else None,
            outbox=self.outbox_view() if self.outbox_view is not None else None,
            printing=self.printing.view(self._session_id) if self.printing is not None else None,
            seq=self._seq,
        )

    def _resumable_view(self, session_id: str) -> ResumableView:
        row = self.repo.session(session_id)
        assert row is not None
        identity = self.repo.identity(session_id)
        patient = f"{identity.family_name.upper()} {identity.given_names}" if identity else ""
        return ResumableView(
            row.id, State(row.state), patient, row.updated_at, row.status == "parked"
        )

    def publish(self) -> None:
        self._seq += 1
        self.last = self.snapshot()
        for listener in self._listeners:
            listener(self.last)

    # -- commands from the screen ------------------------------------------------------------
    def touch(self) -> None:
        """Any touch on the screen: the patient and the assistant are still there."""
        self._last_activity = self.clock.monotonic()
        if self._idle_warning is not None:
            self._idle_warning = None
            self.publish()

    def notify(self, code: str, params: Mapping[str, object] | None = None) -> None:
        self._notice = Notice(code, dict(params or {}))
        self.publish()

    # Read by the measurement service: which session, which state, who is signed in.
    @property
    def current_session_id(self) -> str | None:
        return self._session_id

    def current_state(self) -> State:
        return self._state()

    @property
    def assistant_id(self) -> int | None:
        return self._assistant.id if self._assistant else None

    def actor(self) -> str:
        return self._actor()

    def dismiss_notice(self) -> None:
        self._notice = None
        self.publish()

    def sign_in(self, assistant_id: int, pin: str) -> bool:
        self.touch()
        attempts = self.repo.recent_pin_attempts(self.config.security.pin_max_attempts)
        remaining = lockout_remaining(
            attempts,
            self.clock.now().timestamp(),
            self.config.security.pin_max_attempts,
            self.config.security.pin_lockout_s,
        )
        if remaining > 0:
            self.repo.audit(
                "unknown", "sign_in_refused_locked", detail={"assistant_id": assistant_id}
            )
            self._notice = Notice(errors.SCREEN_LOCKED, {"seconds": int(remaining + 0.999)})
            self.publish()
            return False
        assistant = self.repo.assistant(assistant_id)
        ok = (
            assistant is not None and not assistant.disabled and verify_pin(pin, assistant.pin_hash)
        )
        self.repo.record_pin_attempt(assistant_id if assistant is not None else None, ok)
        if not ok or assistant is None:
            logger.info("auth: wrong PIN for assistant %s", assistant_id)
            self._notice = Notice(errors.WRONG_PIN)
            self.publish()
            return False
        logger.info("auth: assistant %s signed in", assistant.id)
        self._assistant = AssistantView(assistant.id, assistant.name)
        self._notice = None
        self.publish()
        return True

    def sign_out(self) -> None:
        if self._assistant is None:
            return
        if self._session_id is not None:
            self._park("signed out")
        self.repo.audit(self._actor(), "sign_out")
        self._assistant = None
        self.publish()

    def start_session(self) -> None:
        self._apply(StartSession(self._assistant.id if self._assistant else 0), State.IDLE)

    def resume_session(self, session_id: str) -> None:
        if self._assistant is None or self._session_id is not None:
            return
        row = self.repo.session(session_id)
        if row is None or row.status == "closed":
            self._notice = Notice(errors.SESSION_NOT_FOUND)
            self.publish()
            return
        with self.repo.atomic():
            self.repo.update_session(session_id, row.state, "open")
            self.repo.audit(self._actor(), "session_resumed", session_id, {"state": row.state})
            self.repo.audit(self._actor(), "patient_read", session_id)
        self._session_id = session_id
        self.touch()
        self._field_errors = ()
        logger.info("flow: session resumed at %s", row.state)
        self.publish()

    def submit_identity(self, raw: Mapping[str, str]) -> None:
        if self._state() is not State.IDENTIFY:
            logger.info("flow: identity from a stale screen ignored")
            return
        result = validate_identity(raw, self.clock.now().date())
        if isinstance(result, list):
            self._field_errors = tuple(result)
            self.touch()
            self.publish()
            return
        self._apply(SubmitIdentity(result), State.IDENTIFY)

    def record_consent(self, accepted: bool) -> None:
        self._apply(RecordConsent(accepted, CONSENT_POINTS), State.CONSENT)

    def submit_triage(self, reason: str, details: str, answers: Mapping[str, bool]) -> None:
        """``answers`` holds every red-flag question answered (True = yes)."""
        if self._state() is not State.TRIAGE:
            logger.info("flow: triage from a stale screen ignored")
            return
        details = " ".join(details.split())
        flags = tuple(flag for flag in RED_FLAGS if answers.get(flag) is True)
        problems: list[FieldError] = []
        if not flags and any(flag not in answers for flag in RED_FLAGS):
            problems.append(FieldError("red_flags", UNANSWERED))
        if not flags and reason not in REASONS:
            problems.append(FieldError("reason", REQUIRED))
        if not flags and reason == "other" and not details:
            problems.append(FieldError("details", REQUIRED))
        if len(details) > DETAILS_MAX:
            problems.append(FieldError("details", TOO_LONG, {"max": DETAILS_MAX}))
        elif any(not ch.isprintable() for ch in details):
            problems.append(FieldError("details", INVALID_CHARACTERS))
        if problems and not flags:
            self._field_errors = tuple(problems)
            self.touch()
            self.publish()
            return
        # A red flag wins over anything missing: the patient must be sent to emergency care.
        if problems:
            details = ""
        self._apply(SubmitTriage(reason if reason in REASONS else "", details, flags), State.TRIAGE)

    def go_back(self, expected: State) -> None:
        self._apply(GoBack(), expected)

    def cancel(self, expected: State, reason: str = "assistant_cancelled") -> None:
        self._apply(Cancel(reason), expected)

    def close_session(self, expected: State) -> None:
        self._apply(Close(), expected)

    def check_hygiene(self, item: str) -> None:
        """The assistant confirms one item of the cleaning checklist; its time is kept."""
        if self._session_id is None or self._state() is not State.HYGIENE:
            logger.info("flow: hygiene check from a stale screen ignored")
            return
        if item not in HYGIENE_ITEMS:
            logger.info("flow: unknown hygiene item %r ignored", item)
            return
        session_id = self._session_id
        self.touch()
        if any(row.item == item for row in self.repo.hygiene_checks(session_id)):
            return  # a double tap: the first time stays
        try:
            with self.repo.atomic():
                self.repo.check_hygiene_item(session_id, item, self.assistant_id)
                self.repo.audit(self._actor(), "hygiene_checked", session_id, {"item": item})
        except DATABASE_ERRORS as exc:
            logger.error("storage: could not save the hygiene check %s: %s", item, exc)
            self._notice = Notice(errors.STORAGE_FAILED)
            self.publish()
            return
        self.publish()

    def finish_hygiene(self) -> None:
        self._apply(HygieneDone(), State.HYGIENE)

    def apply(self, event: Event, expected: State | None) -> None:
        """Feed any flow event (later issues: measurements, calls, hygiene)."""
        self._apply(event, expected)

    # -- the one place where the flow's decisions are persisted --------------------------------
    def _actor(self) -> str:
        return f"assistant:{self._assistant.id}" if self._assistant else "system"

    def _state(self) -> State:
        if self._session_id is None:
            return State.IDLE
        row = self.repo.session(self._session_id)
        assert row is not None
        return State(row.state)

    def _facts(self) -> Facts:
        if self._session_id is None:
            # Parked or crashed sessions count too: the cabin is cleaned before the next patient.
            cleaning_due = any(
                State(row.state) in CLEANING_DUE_STATES for row in self.repo.unfinished_sessions()
            )
            return Facts(signed_in=self._assistant is not None, cabin_clean=not cleaning_due)
        consent = self.repo.consent(self._session_id)
        done = {row.item for row in self.repo.hygiene_checks(self._session_id)}
        return Facts(
            signed_in=self._assistant is not None,
            patient_identified=self.repo.identity(self._session_id) is not None,
            consent_given=consent is not None and consent.accepted,
            checklist_done=done >= set(HYGIENE_ITEMS),
        )

    def _apply(self, event: Event, expected: State | None) -> None:
        state = self._state()
        if expected is not None and state is not expected:
            logger.info(
                "flow: %s from a %s screen ignored in %s", type(event).__name__, expected, state
            )
            return
        if self._session_id is None and not isinstance(event, StartSession):
            # Cabin-level events (device failure...) belong to the device service, not built yet.
            logger.info("flow: %s ignored: no session is open", type(event).__name__)
            return
        self.touch()
        try:
            decision = decide(state, event, self._facts())
        except FlowError as exc:
            self._notice = Notice(exc.code, exc.params)
            self.publish()
            return
        try:
            self._persist(decision, event)
        except DATABASE_ERRORS as exc:
            # Nothing changed (the transaction rolled back): the screen stays where it was.
            logger.error("storage: could not save %s: %s", type(event).__name__, exc)
            self._notice = Notice(errors.STORAGE_FAILED)
            self.publish()
            return
        self._field_errors = ()
        if self.measurements is not None and (
            decision.park or decision.close or decision.target is not decision.source
        ):
            self.measurements.close_soon()  # nothing keeps measuring once the screen changes
        if decision.park or decision.close:
            self._session_id = None
        if decision.park or isinstance(event, IdleTimeout):
            self._assistant = None  # back to the sign-in screen: no patient data stays visible
        self.publish()

    def _persist(self, decision: Decision, event: Event) -> None:
        actor = self._actor()
        with self.repo.atomic():
            if isinstance(event, StartSession):
                session_id = self.repo.create_session(event.assistant_id, decision.target)
            else:
                assert self._session_id is not None
                session_id = self._session_id
            if isinstance(event, SubmitIdentity):
                self.repo.save_identity(session_id, event.identity)
                self.repo.audit(actor, "patient_written", session_id)
            elif isinstance(event, RecordConsent):
                assert self._assistant is not None
                self.repo.save_consent(
                    session_id, event.accepted, event.explained, self._assistant.id
                )
            elif isinstance(event, SubmitTriage):
                self.repo.save_triage(session_id, event.reason, event.details, event.red_flags)
            if decision.purge_patient:
                self.repo.purge_patient_data(session_id)
            status = "closed" if decision.close else "parked" if decision.park else "open"
            end_reason = None
            if decision.target in (State.ABANDONED, State.REFERRED) and not decision.park:
                end_reason = decision.reason
            self.repo.update_session(session_id, decision.target, status, end_reason)
            self.repo.audit(
                actor,
                "transition",
                session_id,
                {
                    "from": decision.source,
                    "to": decision.target,
                    "reason": decision.reason,
                    "status": status,
                },
            )
        self._session_id = session_id  # only once the transaction has committed

    def park_open_session(self, reason: str) -> None:
        """Keep the current session for later (kiosk stopping, sign-out)."""
        if self._session_id is not None:
            self._park(reason)

    def _park(self, reason: str) -> None:
        assert self._session_id is not None
        if self.measurements is not None:
            self.measurements.close_soon()
        state = self._state()
        with self.repo.atomic():
            self.repo.update_session(self._session_id, state, "parked")
            self.repo.audit(self._actor(), "session_parked", self._session_id, {"reason": reason})
        self._session_id = None
        # What was on the session's screens may hold patient data (a typed birth date).
        self._field_errors = ()
        self._idle_warning = None

    # -- idle timeout: the clock produces events ----------------------------------------------
    def check_idle(self) -> None:
        """Publish the countdown, or park the session once it has run out.

        The assistant's home counts too: it lists interrupted sessions by patient name, so an
        unattended home screen signs the assistant out.
        """
        state = self._state()
        on_home = self._session_id is None and self._assistant is not None
        # HYGIENE shows no patient data, but an unattended cabin must not stay signed in.
        timed = state in PATIENT_STATES or state is State.HYGIENE
        if not on_home and (self._session_id is None or not timed):
            return
        phase, left = self.policy.phase(self.clock.monotonic() - self._last_activity)
        if phase is IdlePhase.ACTIVE:
            return
        if phase is IdlePhase.WARNING:
            seconds = int(left + 0.999)
            if seconds != self._idle_warning:
                self._idle_warning = seconds
                self.publish()
            return
        self._idle_warning = None
        if on_home:
            logger.info("auth: assistant signed out after inactivity")
            self.sign_out()
            return
        self._apply(IdleTimeout(), state)

    async def _watch_idle(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            try:
                self.check_idle()
            except Exception:
                logger.exception("session: idle check failed")
