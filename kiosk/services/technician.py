"""Technician mode: sign-in by PIN, the device panel, self-tests, calibration dates, support bundle.

The technician is a separate role from the assistants, with the same lockout rule on their own
PIN attempts. Everything the technician screen shows comes out as an immutable
``TechnicianSnapshot``, published to its own listeners (the session ``Snapshot`` is untouched).
Self-tests use the same engine as ``kiosk selftest``, through the drivers the kiosk holds open.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import errors
from kiosk.clock import Clock
from kiosk.config import Config
from kiosk.services.auth import failures_before_lock, lockout_remaining, verify_pin
from kiosk.services.devices import DEVICE_NAMES, MICROPHONE, CheckOutcome, Devices, DeviceState
from kiosk.services.panel import ALL_DEVICES, DevicePanel, device_panel, service_states
from kiosk.services.session import Notice, SessionService
from kiosk.services.support import write_support_bundle
from kiosk.storage import Repository

if TYPE_CHECKING:
    from kiosk.records.outbox import Outbox, OutboxView

logger = logging.getLogger(__name__)

SELF_TEST_TIMEOUT_S = 60.0
HYGIENE_SHOWN = 12
SERVICE_REFRESH_S = 60.0  # a calibration date passes at midnight, with nobody touching anything


@dataclass(frozen=True)
class TechnicianView:
    id: int
    name: str


@dataclass(frozen=True)
class HygieneLine:
    session_id: str
    item: str
    done_at: str


@dataclass(frozen=True)
class TechnicianSnapshot:
    technicians: tuple[TechnicianView, ...] = ()
    signing_in: bool = False  # the technician sign-in is on screen
    technician: TechnicianView | None = None
    locked_for_s: float = 0.0
    attempts_left: int = 0
    notice: Notice | None = None
    devices: tuple[DevicePanel, ...] = ()
    testing: tuple[tuple[str, str], ...] = ()  # (device, "waiting" | "running"), in test order
    bundle_path: str | None = None  # the support bundle just written
    hygiene: tuple[HygieneLine, ...] = ()  # the newest cleaning confirmations
    # Undelivered records past the retention delay: their patient data cannot be purged. A
    # warning like a device's: someone must fix the delivery (kiosk outbox).
    retention_blocked: int = 0
    outbox: OutboxView | None = None  # the records outbox (once signed in)
    seq: int = 0


TechnicianListener = Callable[[TechnicianSnapshot], None]


class TechnicianService:
    def __init__(
        self,
        repo: Repository,
        config: Config,
        clock: Clock,
        devices: Devices,
        session: SessionService,
    ) -> None:
        self.repo = repo
        self.config = config
        self.clock = clock
        self.devices = devices
        self.session = session
        self._listeners: list[TechnicianListener] = []
        self._technician: TechnicianView | None = None
        self._signing_in = False
        self._notice: Notice | None = None
        self._testing: dict[str, str] = {}
        self._test_task: asyncio.Task[None] | None = None
        self._bundle_path: str | None = None
        self._last_activity = clock.monotonic()
        self._watchdog: asyncio.Task[None] | None = None
        self._seq = 0
        self.outbox_view: Callable[[], OutboxView] | None = None  # attached by the core
        self.last = TechnicianSnapshot()

    # -- life cycle ------------------------------------------------------------------------
    def subscribe(self, listener: TechnicianListener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        self.refresh_service()
        self._watchdog = asyncio.create_task(self._watch(), name="technician-watchdog")

    async def stop(self) -> None:
        for task in (self._watchdog, self._test_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._watchdog = self._test_task = None

    def today(self) -> dt.date:
        return self.clock.now().astimezone().date()

    def refresh_service(self) -> None:
        """Recompute which devices are out of service; the assistant's menu follows."""
        if self.devices.set_service(service_states(self.repo, self.today())):
            self.session.publish()

    # -- what the technician screen sees ---------------------------------------------------
    @property
    def active(self) -> bool:
        return self._technician is not None or self._signing_in

    def snapshot(self) -> TechnicianSnapshot:
        max_attempts = self.config.security.pin_max_attempts
        attempts = self.repo.recent_technician_pin_attempts(max_attempts)
        signed_in = self._technician is not None
        outbox = self.outbox_view() if self.outbox_view is not None else None
        return TechnicianSnapshot(
            technicians=tuple(TechnicianView(t.id, t.name) for t in self.repo.technicians(False)),
            signing_in=self._signing_in,
            technician=self._technician,
            locked_for_s=lockout_remaining(
                attempts,
                self.clock.now().timestamp(),
                max_attempts,
                self.config.security.pin_lockout_s,
            ),
            attempts_left=failures_before_lock(attempts, max_attempts),
            notice=self._notice,
            devices=(
                device_panel(self.repo, self.config, self.today(), self.devices)
                if signed_in
                else ()
            ),
            testing=tuple(self._testing.items()),
            bundle_path=self._bundle_path,
            hygiene=(
                tuple(
                    HygieneLine(s, item, at)
                    for s, item, at, _by in self.repo.hygiene_log(HYGIENE_SHOWN)
                )
                if signed_in
                else ()
            ),
            retention_blocked=outbox.retention_blocked if outbox is not None else 0,
            outbox=outbox if signed_in else None,
            seq=self._seq,
        )

    def publish(self) -> None:
        self._seq += 1
        self.last = self.snapshot()
        for listener in self._listeners:
            listener(self.last)

    # -- sign-in ---------------------------------------------------------------------------
    def touch(self) -> None:
        self._last_activity = self.clock.monotonic()

    def open_sign_in(self) -> None:
        """The "Technician" button of the assistants' sign-in screen."""
        if self.session.assistant_id is not None or self.session.current_session_id is not None:
            logger.info("technician: sign-in refused while an assistant works")
            return
        self.touch()
        self._signing_in = True
        self._notice = None
        self.publish()

    def cancel_sign_in(self) -> None:
        self._signing_in = False
        self._notice = None
        self.publish()

    def sign_in(self, technician_id: int, pin: str) -> bool:
        self.touch()
        max_attempts = self.config.security.pin_max_attempts
        remaining = lockout_remaining(
            self.repo.recent_technician_pin_attempts(max_attempts),
            self.clock.now().timestamp(),
            max_attempts,
            self.config.security.pin_lockout_s,
        )
        if remaining > 0:
            self.repo.audit(
                "unknown",
                "technician_sign_in_refused_locked",
                detail={"technician_id": technician_id},
            )
            self._notice = Notice(errors.SCREEN_LOCKED, {"seconds": int(remaining + 0.999)})
            self.publish()
            return False
        technician = self.repo.technician(technician_id)
        ok = (
            technician is not None
            and not technician.disabled
            and verify_pin(pin, technician.pin_hash)
        )
        self.repo.record_technician_pin_attempt(
            technician_id if technician is not None else None, ok
        )
        if not ok or technician is None:
            logger.info("auth: wrong PIN for technician %s", technician_id)
            self._notice = Notice(errors.WRONG_PIN)
            self.publish()
            return False
        logger.info("auth: technician %s signed in", technician.id)
        self._technician = TechnicianView(technician.id, technician.name)
        self._signing_in = False
        self._notice = None
        self._bundle_path = None
        self.publish()
        return True

    def sign_out(self, reason: str = "signed_out") -> None:
        if self._technician is None and not self._signing_in:
            return
        if self._technician is not None:
            self.repo.audit(self._actor(), "technician_sign_out", detail={"reason": reason})
            logger.info("auth: technician %s signed out (%s)", self._technician.id, reason)
        self._technician = None
        self._signing_in = False
        self._notice = None
        self._bundle_path = None
        self.publish()

    def _actor(self) -> str:
        return f"technician:{self._technician.id}" if self._technician else "system"

    def dismiss_notice(self) -> None:
        self._notice = None
        self.publish()

    # -- calibration -----------------------------------------------------------------------
    def set_calibration_due(self, name: str, due: dt.date) -> None:
        if self._technician is None or name not in ALL_DEVICES:
            return
        self.touch()
        with self.repo.atomic():
            self.repo.set_calibration_due(name, due.isoformat(), self._technician.id)
            self.repo.audit(
                self._actor(),
                "calibration_due_set",
                detail={"device": name, "due_date": due.isoformat()},
            )
        logger.info("technician: calibration of %s due on %s", name, due.isoformat())
        self.refresh_service()
        self.publish()

    # -- self-tests ------------------------------------------------------------------------
    def installed(self) -> list[str]:
        held = {*self.devices.serial, *self.devices.cameras}
        if self.devices.microphone:
            held.add(MICROPHONE)
        return [n for n in ALL_DEVICES if n in held]

    def run_self_tests(self, names: Sequence[str] | None = None) -> None:
        """Test one device, some, or every installed one (None), one after the other."""
        if self._technician is None:
            return
        if self._test_task is not None and not self._test_task.done():
            logger.info("technician: a self-test is already running")
            return
        chosen = [n for n in self.installed() if names is None or n in names]
        if not chosen:
            return
        self.touch()
        self._testing = dict.fromkeys(chosen, "waiting")
        self._test_task = asyncio.create_task(self._run_tests(chosen), name="self-tests")
        self.publish()

    async def _run_tests(self, names: list[str]) -> None:
        try:
            for name in names:
                self._testing[name] = "running"
                self.publish()
                outcome = await self._test_one(name)
                self.record_outcome(outcome, self._actor())
                self._testing.pop(name, None)
                self.touch()  # a technician watching the tests is not idle
                self.publish()
        finally:
            self._testing.clear()

    async def _test_one(self, name: str) -> CheckOutcome:
        try:
            async with asyncio.timeout(SELF_TEST_TIMEOUT_S):
                return await self.devices.self_test(name)
        except TimeoutError:
            return CheckOutcome(
                name,
                False,
                f"{DEVICE_NAMES.get(name, name)}: no answer within {SELF_TEST_TIMEOUT_S:g} s",
                None,
                {"error": "DEVICE_TIMEOUT"},
            )

    def record_outcome(self, outcome: CheckOutcome, actor: str) -> None:
        record_outcome(self.repo, outcome, actor)
        self.refresh_service()

    # -- support bundle --------------------------------------------------------------------
    def write_bundle(self) -> Path | None:
        if self._technician is None:
            return None
        self.touch()
        stamp = self.clock.now().astimezone().strftime("%Y%m%d-%H%M%S")
        path = self.config.data_dir / "support" / f"bundle-{stamp}.zip"
        try:
            write_support_bundle(path, self.config, self.repo, self.devices, self.today())
        except OSError as exc:
            logger.error("technician: the support bundle could not be written: %s", exc)
            self._notice = Notice(errors.BUNDLE_FAILED, {"path": str(path)})
            self.publish()
            return None
        self.repo.audit(self._actor(), "support_bundle_written", detail={"path": str(path)})
        self._bundle_path = str(path)
        self.publish()
        return path

    # -- idle sign-out ---------------------------------------------------------------------
    def check_idle(self) -> None:
        if not self.active:
            return
        limit = self.config.session.idle_timeout_s + self.config.session.idle_warning_s
        testing = self._test_task is not None and not self._test_task.done()
        if not testing and self.clock.monotonic() - self._last_activity >= limit:
            self.sign_out("idle")

    async def _watch(self) -> None:
        since_refresh = 0.0
        while True:
            await asyncio.sleep(0.5)
            since_refresh += 0.5
            try:
                self.check_idle()
                if since_refresh >= SERVICE_REFRESH_S:
                    since_refresh = 0.0
                    self.refresh_service()
            except Exception:
                logger.exception("technician: idle check failed")

    def device_changed(self, state: DeviceState) -> None:
        """A device's state changed (connecting, ready, in use...): the open panel follows."""
        if self._technician is not None:
            self.publish()

    def device_event(self, name: str, kind: str, detail: dict[str, object]) -> None:
        """A device lost or back (from ``Devices``): kept in its history."""
        with self.repo.atomic():
            self.repo.add_device_event(name, kind, None, detail)
        if self._technician is not None:
            self.publish()

    # -- records ---------------------------------------------------------------------------
    def retry_record(self, outbox: Outbox, record_id: str) -> bool:
        """The technician's "Retry" on a record: back in the queue now, in their name."""
        if self._technician is None:
            logger.info("technician: a record retry refused: nobody signed in")
            return False
        self.touch()
        return outbox.retry(record_id, self._actor()) is not None


def record_outcome(repo: Repository, outcome: CheckOutcome, actor: str) -> None:
    """Store a self-test verdict (and a failure in the device's history), with its audit row."""
    identity = outcome.identity.to_dict() if outcome.identity is not None else {}
    with repo.atomic():
        repo.add_device_check(
            outcome.family, outcome.ok, outcome.summary, outcome.details, identity
        )
        repo.audit(actor, "self_test", detail={"device": outcome.family, "ok": outcome.ok})
        if not outcome.ok:
            code = str(outcome.details.get("error") or "SELF_TEST_FAILED")
            repo.add_device_event(
                outcome.family, "self_test_failed", code, {"summary": outcome.summary}
            )
    logger.info(
        "technician: self-test of %s: %s (%s)",
        outcome.family,
        "pass" if outcome.ok else "FAIL",
        outcome.summary,
    )


__all__ = [
    "HygieneLine",
    "TechnicianService",
    "TechnicianSnapshot",
    "TechnicianView",
    "record_outcome",
]
