"""The records outbox: every ended session's record queued once, delivered, never lost.

When a session ends, its record is assembled and queued, once. A session has ended when it
reaches HYGIENE (REPORT -> HYGIENE, REFERRED or ABANDONED closed, or an idle timeout on one of
those screens) or is closed: HYGIENE is one-way, so nothing more can be measured or reported. The
outbox reads that from the database (``Repository.ended_sessions_without_record``), not from the
screens: a session that ended just before a crash, or one closed by an older kiosk, is queued at
the next start all the same. The session service's snapshots only wake it up.

The queued row holds the record as assembled then (JSON), so every attempt sends the same
document; its ``ended_at`` is the time the session reached HYGIENE (the consultation's end; the
cleaning is not part of it). ``record_id`` is unique: a record is queued once, and a row that
reached ``sent`` can never leave it (a database trigger), so nothing is sent twice by us; a
resend after an answer we never saw is made harmless by the FHIR conditional create
(kiosk.records.delivery).

States: ``pending`` (waiting for its next attempt, or for a destination), ``sending``, ``sent``,
``failed`` (the server refused this record with a 4xx: kept, visible, not retried by itself:
``kiosk outbox --retry ID`` puts it back). Retries back off from ``records.retry_backoff_s``,
doubling up to ``records.retry_backoff_max_s``.

Retention runs at start and then hourly: a delivered record's patient data is purged once
``records.retention_days`` have passed since delivery; undelivered records are never purged (the
count of those past the delay is ``retention_blocked``, for the technician). The audit log keeps
``records.audit_keep_days``, rolling. Time comes from the injected clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp

from kiosk.clock import Clock
from kiosk.config import Config
from kiosk.flow.states import State
from kiosk.records.delivery import Outcome, Payload, build_payload, deliver, folder_of
from kiosk.records.record import ConsultationRecord, assemble_record
from kiosk.storage import Repository
from kiosk.storage.repository import OutboxRow

if TYPE_CHECKING:
    from kiosk.services.session import Snapshot

logger = logging.getLogger(__name__)

RETENTION_EVERY_S = 3600.0
POLL_S = 30.0  # the queue is read again at least this often (a retry asked from the CLI)
VIEW_ITEMS = 50  # rows in the view: the undelivered ones first
NO_DESTINATION = "no_destination"
NO_DESTINATION_TEXT = "no destination configured (records.endpoint)"
DAY_S = 86400.0


@dataclass(frozen=True)
class OutboxItem:
    """One record in the queue. No patient data: ids, states, times and errors."""

    record_id: str
    session_id: str
    state: str  # pending | sending | sent | failed
    attempts: int
    last_error: str | None
    last_error_code: str | None
    next_attempt_at: str | None
    created_at: str
    sent_at: str | None
    destination: str
    purged: bool  # the patient data was purged after delivery

    @classmethod
    def of(cls, row: OutboxRow) -> OutboxItem:
        return cls(
            record_id=row.record_id,
            session_id=row.session_id,
            state=row.state,
            attempts=row.attempts,
            last_error=row.last_error,
            last_error_code=row.last_error_code,
            next_attempt_at=row.next_attempt_at if row.state == "pending" else None,
            created_at=row.created_at,
            sent_at=row.sent_at,
            destination=row.destination,
            purged=row.purged_at is not None,
        )

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class OutboxView:
    """What the assistant and the technician see of the outbox."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    retention_blocked: int = 0  # undelivered records past the retention delay
    destination: str = ""  # the configured endpoint ("" = none)
    items: tuple[OutboxItem, ...] = ()  # undelivered first (oldest first), then the newest sent

    @property
    def undelivered(self) -> int:
        return self.pending + self.sending + self.failed

    def to_dict(self) -> dict[str, object]:
        return {
            "pending": self.pending,
            "sending": self.sending,
            "sent": self.sent,
            "failed": self.failed,
            "retention_blocked": self.retention_blocked,
            "destination": self.destination,
            "items": [item.to_dict() for item in self.items],
        }


@dataclass(frozen=True)
class RetentionRun:
    purged: int  # records whose patient data was purged now
    audit_rows_deleted: int
    blocked: int  # undelivered records past the delay (kept)


OutboxListener = Callable[[OutboxView], None]


def outbox_view(
    repo: Repository, config: Config, now: dt.datetime, limit: int = VIEW_ITEMS
) -> OutboxView:
    counts = repo.outbox_counts()
    cutoff = now.timestamp() - config.records.retention_days * DAY_S
    return OutboxView(
        pending=counts.get("pending", 0),
        sending=counts.get("sending", 0),
        sent=counts.get("sent", 0),
        failed=counts.get("failed", 0),
        retention_blocked=repo.undelivered_before(cutoff),
        destination=config.records.endpoint,
        items=tuple(OutboxItem.of(row) for row in repo.outbox_items(limit)),
    )


def _consultation_end(record: ConsultationRecord) -> str | None:
    """When the session reached HYGIENE (its last arrival there), from its timeline."""
    ends = [
        e.at
        for e in record.session_timeline
        if e.event == "transition" and e.detail.get("to") == State.HYGIENE
    ]
    return ends[-1] if ends else None


class Outbox:
    def __init__(self, repo: Repository, config: Config, clock: Clock) -> None:
        self.repo = repo
        self.config = config
        self.clock = clock
        self._listeners: list[OutboxListener] = []
        self._view = OutboxView(destination=config.records.endpoint)
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._hold_until: float | None = None  # the destination failed: left alone until then
        self._session_key: object = None
        self._last_retention: float | None = None
        self._unassembled: set[str] = set()  # sessions whose record failed to assemble

    # -- life cycle ----------------------------------------------------------------------------
    def subscribe(self, listener: OutboxListener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        """Recover after a crash, queue what ended meanwhile, run retention, then work."""
        interrupted = self.repo.outbox_reset_interrupted()
        if interrupted:
            logger.info("outbox: %d record(s) interrupted while sending, queued again", interrupted)
        self.queue_ended()
        self.run_retention()
        self._view = outbox_view(self.repo, self.config, self.clock.now())
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="records-outbox")

    async def stop(self) -> None:
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])  # the caller's own cancellation still goes through

    def wake(self) -> None:
        self._wake.set()

    def session_changed(self, snapshot: Snapshot) -> None:
        """A session snapshot (listener): a session that changed state may have ended."""
        session = snapshot.session
        key = None if session is None else (session.id, session.state)
        if key != self._session_key:
            self._session_key = key
            self.wake()

    # -- what people see -----------------------------------------------------------------------
    def view(self) -> OutboxView:
        return self._view

    def refresh(self) -> None:
        """Read the queue again; listeners hear of it when something changed."""
        view = outbox_view(self.repo, self.config, self.clock.now())
        if view != self._view:
            self._view = view
            for listener in self._listeners:
                listener(view)

    def retry(self, key: str, actor: str) -> OutboxRow | None:
        """Put a failed (or waiting) record back in the queue now (record id or session id)."""
        row = self.repo.outbox_retry(key, actor)
        if row is not None:
            self._hold_until = None  # a person asks: try now
            logger.info("outbox: record %s queued again by %s", row.record_id, actor)
            self.refresh()
            self.wake()
        return row

    # -- queueing -------------------------------------------------------------------------------
    def queue_ended(self) -> list[str]:
        """Queue the record of every ended session not queued yet; returns their record ids."""
        queued: list[str] = []
        for session_id in self.repo.ended_sessions_without_record():
            if session_id in self._unassembled:
                continue
            try:
                record_id = self.queue_session(session_id)
            except Exception:
                self._unassembled.add(session_id)  # said once; tried again at the next start
                logger.exception("outbox: the record of session %s cannot be assembled", session_id)
                continue
            if record_id is not None:
                queued.append(record_id)
        if queued:
            self.refresh()
        return queued

    def queue_session(self, session_id: str) -> str | None:
        """Assemble one session's record and queue it; None if it was already queued."""
        record = assemble_record(self.repo, session_id, self.config.call.cabin)
        if record.ended_at is None:
            record = dataclasses.replace(record, ended_at=_consultation_end(record))
        if not self.repo.queue_record(
            record.record_id, session_id, record.to_json(), self.config.records.endpoint
        ):
            return None
        logger.info("outbox: record %s queued (%s)", record.record_id, record.outcome)
        return record.record_id

    # -- delivery -------------------------------------------------------------------------------
    async def deliver_due(self) -> int:
        """Attempt the records whose time has come; returns the number of attempts.

        When the destination fails for a reason that is not the record's own (down, slow, 5xx, a
        missing folder or token), the pass stops there: the others wait behind that record's
        next attempt instead of each knocking on a door that is known to be shut.
        """
        async with self._lock:
            endpoint = self.config.records.endpoint
            if not endpoint:
                if self.repo.outbox_note_waiting(NO_DESTINATION, NO_DESTINATION_TEXT):
                    self.refresh()
                return 0
            now = self.clock.now().timestamp()
            if self._hold_until is not None and now < self._hold_until:
                return 0
            self._hold_until = None
            due = self.repo.outbox_due(now)
            if not due:
                return 0
            attempts = 0
            async with contextlib.AsyncExitStack() as stack:
                http = None
                if folder_of(endpoint) is None:
                    http = await stack.enter_async_context(aiohttp.ClientSession())
                for row in due:
                    attempts += 1
                    hold = await self._attempt(row, endpoint, http)
                    if hold is not None:
                        self._hold_until = hold
                        break
            return attempts

    async def _attempt(
        self, row: OutboxRow, endpoint: str, http: aiohttp.ClientSession | None
    ) -> float | None:
        """One attempt; returns the time until which the destination is left alone, if any."""
        text = self.repo.outbox_record(row.id)
        if text is None:  # cannot happen to an undelivered row; kept visible if it ever does
            self.repo.outbox_mark_failed(row.id, "record_missing", "the queued record is missing")
            self.refresh()
            return None
        self.repo.outbox_mark_sending(row.id, endpoint)
        self.refresh()
        try:
            outcome = await self._send(row, text, endpoint, http)
        except asyncio.CancelledError:
            # The kiosk is stopping: back in the queue (the server may have it: resent safely).
            self.repo.outbox_mark_retry(
                row.id,
                "interrupted",
                "interrupted while sending",
                self.clock.now().timestamp(),
                count=False,
            )
            raise
        except Exception as exc:  # a bug or the database: never leave the row "sending"
            logger.exception("outbox: the attempt to deliver record %s broke", row.record_id)
            outcome = Outcome("retry", "internal", f"internal error ({type(exc).__name__})")
        next_epoch = self._record(row, outcome, endpoint)
        self.refresh()
        if outcome.kind == "retry" and outcome.code != "internal":
            return next_epoch
        return None

    async def _send(
        self, row: OutboxRow, text: str, endpoint: str, http: aiohttp.ClientSession | None
    ) -> Outcome:
        records = self.config.records
        try:
            payload = await self._payload(text)
        except Exception as exc:
            logger.exception("outbox: the record %s cannot be built", row.record_id)
            return Outcome(
                "failed", "build_failed", f"the record cannot be built ({type(exc).__name__})"
            )
        return await deliver(endpoint, payload, records.token_file, records.timeout_s, http)

    async def _payload(self, text: str) -> Payload:
        record = ConsultationRecord.from_json(text)
        # The stills are read here, on the loop that owns the database; the Bundle and the PDF
        # are built in a thread, so a call in progress never waits for them.
        pngs = {still.id: self.repo.image_png(still.id) for still in record.stills}
        record = dataclasses.replace(record, png_source=pngs.get)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            None, build_payload, record, self.config.session.emergency_number
        )

    def _record(self, row: OutboxRow, outcome: Outcome, endpoint: str) -> float | None:
        """Store the outcome; returns the next attempt's time when there is one."""
        if outcome.kind == "sent":
            self.repo.outbox_mark_sent(row.id, endpoint)
            logger.info("outbox: record %s delivered (%s)", row.record_id, outcome.code)
            return None
        if outcome.kind == "failed":
            self.repo.outbox_mark_failed(row.id, outcome.code, outcome.message)
            logger.warning(
                "outbox: record %s refused (%s); kept, not retried until asked",
                row.record_id,
                outcome.code,
            )
            return None
        records = self.config.records
        wait = min(
            records.retry_backoff_s * 2.0 ** min(row.attempts, 30), records.retry_backoff_max_s
        )
        next_epoch = self.clock.now().timestamp() + wait
        self.repo.outbox_mark_retry(row.id, outcome.code, outcome.message, next_epoch)
        logger.info(
            "outbox: record %s not delivered (%s); next attempt in %.0f s",
            row.record_id,
            outcome.code,
            wait,
        )
        return next_epoch

    # -- retention -----------------------------------------------------------------------------
    def run_retention(self) -> RetentionRun:
        """Purge delivered records' patient data past the delay; roll the audit log."""
        records = self.config.records
        now = self.clock.now()
        cutoff = now.timestamp() - records.retention_days * DAY_S
        purged = 0
        for row in self.repo.records_to_purge(cutoff):
            self.repo.purge_record_data(row.id, "retention")
            purged += 1
        if purged:
            self.repo.scrub_freed_pages()
        keep_from = (now - dt.timedelta(days=records.audit_keep_days)).isoformat()
        deleted = self.repo.roll_audit_log(keep_from)
        blocked = self.repo.undelivered_before(cutoff)
        self._last_retention = self.clock.monotonic()
        if purged or deleted:
            logger.info(
                "retention: patient data of %d delivered record(s) purged; %d audit row(s) "
                "older than %g days deleted",
                purged,
                deleted,
                records.audit_keep_days,
            )
        if blocked:
            logger.warning(
                "retention: %d undelivered record(s) older than %g days; their patient data "
                "stays until they are delivered",
                blocked,
                records.retention_days,
            )
        if purged or deleted:
            self.refresh()
        return RetentionRun(purged, deleted, blocked)

    # -- the loop ------------------------------------------------------------------------------
    def _wait_s(self) -> float:
        if not self.config.records.endpoint:
            return POLL_S
        due = self.repo.outbox_next_due_epoch()
        if due is None:
            return POLL_S
        if self._hold_until is not None:
            due = max(due, self._hold_until)
        return max(0.1, min(POLL_S, due - self.clock.now().timestamp()))

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            wait = POLL_S
            try:
                self.queue_ended()
                since = self._last_retention
                if since is None or self.clock.monotonic() - since >= RETENTION_EVERY_S:
                    self.run_retention()
                await self.deliver_due()
                self.refresh()
                wait = self._wait_s()
            except Exception:
                logger.exception("outbox: a pass over the queue failed")
            # Not asyncio.wait_for: on Python 3.11 it swallows a cancellation that arrives while
            # the wake-up completes, and stop() would wait forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()


__all__ = [
    "Outbox",
    "OutboxItem",
    "OutboxView",
    "RetentionRun",
    "outbox_view",
]
