"""Driver of the SunTech Advantage OEM NIBP module (blood-pressure cuff).

One measurement: check that the cuff is empty, start, poll the cuff pressure while it inflates
and deflates (live progress), wait for the unsolicited ``K`` that ends the cycle, then read the
result and check its error byte before any number. Whatever ends a measurement early
(cancellation, a timeout, a lost module) sends Abort BP on the way out, so the cuff deflates.

Only this module talks to the port: one exchange at a time, commands spaced 100 ms apart.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import logging
from collections.abc import Callable

from devices.base import Driver, ProgressCallback, SelfTestResult
from devices.bp import protocol as p
from devices.errors import (
    DeviceBusy,
    DeviceError,
    DeviceNotConnected,
    DeviceNotReady,
    DeviceProtocolError,
    DeviceTimeout,
    MeasurementAborted,
    MeasurementFailed,
)
from devices.link import Link, LinkClosed
from devices.readings import BloodPressure, DeviceIdentity, Progress

logger = logging.getLogger(__name__)

COMMAND_SPACING_S = 0.1  # "space queued commands 100 ms apart"
READ_SLICE_S = 0.1  # how long one read waits; also how often an abort request is noticed
QUIET_LINE_S = 0.08  # a gap this long ends any frame in flight (67 bytes take 70 ms at 9600 baud)
MAX_MISSED_REPLIES = 5  # "5 missed replies in a row" = module disconnected
CUFF_CHECK_ATTEMPTS = 4  # get cuff pressure before a start, while it says "no value"
SILENT_RETRIES = 2  # how many times a command meeting silence is sent before giving up
START_ATTEMPTS = 4  # start BP re-sent on B (busy)
ABORT_ATTEMPTS = 4  # abort BP re-sent on B (busy)
PING_TIMEOUT_S = 1.0
IDLE_PRESSURE_TOLERANCE = 5  # mmHg: what "near 0" means for an idle cuff
PNEUMATIC_CHECK_READINGS = 3
PHASE_HYSTERESIS_MMHG = 3
STEADY_MMHG = 3  # closed valves, pump off: the idle pressure may wander less than this
GENERIC_MODEL = "SunTech Advantage"

# Result error codes: (plain message, advice key).
FAILURES: dict[int, tuple[str, str]] = {
    1: (
        "the module found a weak pulse signal or none (is the cuff well placed?)",
        "check_placement",
    ),
    2: ("the signal was erratic: the arm moved during the measurement", "stay_still"),
    3: ("the blood pressure came out of the module's measuring range", "retake"),
    4: ("the measurement took longer than the module allows", "retake"),
    85: ("the air tube seems blocked (pneumatic blockage)", "technician"),
    87: ("the cuff is loose or leaking: it did not inflate in time", "tighten_cuff"),
    88: ("the module's safety timer stopped the measurement", "pause_then_retake"),
    89: ("the cuff pressure went too high and the module stopped", "technician"),
    90: ("the module's power supply or hardware is out of range", "technician"),
    91: ("the module's safety override or pressure auto-zero is out of range", "technician"),
    97: ("the module's pressure sensor is out of range", "technician"),
    99: ("the module's calibration memory failed: it must not be used", "out_of_service"),
}
ABORTED_CODE = 86


def _is_cycle_end(frame: p.Reply) -> bool:
    # K ends a cycle; an A the host did not ask for means the module stopped it.
    return isinstance(frame, p.StatusReply) and frame.letter in ("K", "A")


def _is_status(*letters: str) -> Callable[[p.Reply], bool]:
    def accept(frame: p.Reply) -> bool:
        return isinstance(frame, p.StatusReply) and frame.letter in letters

    return accept


def _is_pressure(frame: p.Reply) -> bool:
    return isinstance(frame, p.CuffPressure)


class SuntechDriver(Driver):
    """SunTech Advantage / Advantage A+ over a serial link (9600 8N1, no flow control)."""

    family = "bp"

    def __init__(
        self,
        target: str | Link,
        *,
        reply_timeout: float = 0.5,
        poll_interval: float = 0.2,
        cycle_timeout: float = 150.0,
    ) -> None:
        super().__init__(target)
        self.reply_timeout = reply_timeout
        self.poll_interval = poll_interval
        self.cycle_timeout = cycle_timeout
        self.identity: DeviceIdentity | None = None
        self._decoder = p.ReplyDecoder()
        self._frames: collections.deque[p.Reply] = collections.deque()
        self._lock = asyncio.Lock()
        self._last_sent = float("-inf")
        self._last_rx = float("-inf")
        self._last_heard = float("-inf")  # last valid frame
        self._late_look = float("nan")  # the deadline past which the link was read once more
        self._rx_bytes = 0
        self._rx_frames = 0
        self._measuring = False
        self._abort_requested = asyncio.Event()
        self._measure_done = asyncio.Event()
        self._measure_done.set()

    # -- bytes and frames ---------------------------------------------------------------------

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    async def _send(self, link: Link, command: bytes) -> None:
        wait = self._last_sent + COMMAND_SPACING_S - self._now()
        if wait > 0:
            await asyncio.sleep(wait)
        logger.debug("bp: -> %s (%s)", command.hex(" "), p.COMMAND_NAMES.get(command, "?"))
        await link.write(command)
        self._last_sent = self._now()

    def _take(self, frames: list[p.Reply]) -> None:
        if frames:
            self._rx_frames += len(frames)
            self._last_heard = self._now()
            for frame in frames:
                if isinstance(frame, p.BPResult):  # the patient's values: never in a log
                    logger.debug("bp: <- BP result (%d bytes)", len(frame.raw))
                else:
                    logger.debug("bp: <- %s", frame.raw.hex(" "))
            self._frames.extend(frames)

    async def _next_frame(
        self, link: Link, deadline: float, stop: asyncio.Event | None = None
    ) -> p.Reply | None:
        """The next valid frame before ``deadline`` (or before ``stop`` is set), else None."""
        while not self._frames:
            if stop is not None and stop.is_set():
                return None
            remaining = deadline - self._now()
            if remaining <= 0:
                # Past the deadline, look once more at what already arrived (a late event loop
                # must not turn a reply waiting in the link into a missed one), but only once
                # per deadline: a device that never stops talking must not keep us here.
                if self._late_look == deadline:
                    return None
                self._late_look = deadline
            data = await link.read(min(max(remaining, 0.0), READ_SLICE_S))
            if data:
                self._rx_bytes += len(data)
                self._last_rx = self._now()
                self._take(self._decoder.feed(data))
            elif self._decoder.pending and self._now() - self._last_rx >= QUIET_LINE_S:
                # A frame start that the line left unfinished is noise: rescan past it.
                self._take(self._decoder.flush_stale())
            elif remaining <= 0:
                return None
        return self._frames.popleft()

    async def _ask(
        self,
        link: Link,
        command: bytes,
        accept: Callable[[p.Reply], bool],
        *,
        timeout: float | None = None,
        stop: asyncio.Event | None = None,
    ) -> p.Reply | None:
        """Send ``command``; the first frame ``accept`` takes within the timeout, else None."""
        await self._send(link, command)
        deadline = self._now() + (self.reply_timeout if timeout is None else timeout)
        while (frame := await self._next_frame(link, deadline, stop)) is not None:
            if accept(frame):
                return frame
            logger.debug("bp: ignored %s while waiting", type(frame).__name__)
        return None

    async def _ask_retrying(
        self, link: Link, command: bytes, accept: Callable[[p.Reply], bool]
    ) -> p.Reply | None:
        """``_ask``, re-sent when met by silence (a reply lost on the line)."""
        for attempt in range(SILENT_RETRIES):
            reply = await self._ask(link, command, accept)
            if reply is not None:
                return reply
            logger.info(
                "bp: no reply to %s (attempt %d)", p.COMMAND_NAMES.get(command, "?"), attempt + 1
            )
        return None

    async def _discard_stale(self, link: Link) -> None:
        """Forget replies to earlier exchanges (a late K must not end the next cycle)."""
        data = await link.read(0)
        if data:
            self._rx_bytes += len(data)
            self._last_rx = self._now()
            self._take(self._decoder.feed(data))
        if self._frames:
            logger.debug("bp: dropped %d stale frame(s)", len(self._frames))
            self._frames.clear()

    def _counters(self) -> tuple[int, int]:
        return self._rx_bytes, self._rx_frames

    def _no_answer(self, step: str, what: str, since: tuple[int, int]) -> DeviceError:
        """Silence is a timeout; bytes that never made a frame are a protocol error."""
        rx_bytes, rx_frames = since
        if self._rx_bytes > rx_bytes and self._rx_frames == rx_frames:
            return self.error(
                DeviceProtocolError,
                f"the blood-pressure module sends unreadable data when asked to {what} "
                "(another device on this port, a wrong speed or a damaged cable?)",
                step,
            )
        return self.error(
            DeviceTimeout,
            f"the blood-pressure module did not answer when asked to {what} "
            "(is it powered and plugged in?)",
            step,
        )

    def _report(self, on_progress: ProgressCallback | None, progress: Progress) -> None:
        if on_progress is None:
            return
        try:
            on_progress(progress)
        except Exception:
            logger.warning("bp: the progress callback failed", exc_info=True)

    # -- identify -----------------------------------------------------------------------------

    async def identify(self) -> DeviceIdentity:
        if self._measuring and self.identity is not None:
            return self.identity  # the port is busy measuring; the module has not changed
        async with self._lock, self.step("identify") as link:
            return await self._identify(link, "identify")

    async def _identify(self, link: Link, step: str) -> DeviceIdentity:
        await self._discard_stale(link)
        since = self._counters()
        # Both version steps are single-source: a module may answer K, D, or nothing at all.
        await self._ask(link, p.GET_MODULE_DATA, lambda f: isinstance(f, p.StatusReply))
        version = await self._ask(
            link,
            p.GET_RETURN_STRING,
            lambda f: isinstance(f, p.VersionString | p.StatusReply),
        )
        if isinstance(version, p.VersionString):
            model = version.model or GENERIC_MODEL
            # Both C strings, as the one implementation read shows them ("first-second").
            firmware = "-".join(s for s in (version.primary, version.secondary) if s) or None
        else:
            # Still a SunTech if it answers the confirmed get-cuff-pressure command.
            pressure = await self._ask(link, p.GET_CUFF_PRESSURE, _is_pressure)
            if pressure is None and self._rx_bytes > since[0]:
                # Something is on the line: the reply may have been garbled, ask once more.
                pressure = await self._ask(link, p.GET_CUFF_PRESSURE, _is_pressure)
            if pressure is None:
                raise self._no_answer(step, "identify itself", since)
            model, firmware = GENERIC_MODEL, None
        self.identity = DeviceIdentity(
            family=self.family, model=model, firmware=firmware, port=self.port_name
        )
        logger.info("bp: %s (firmware %s) on %s", model, firmware or "unknown", self.port_name)
        return self.identity

    # -- ping ---------------------------------------------------------------------------------

    async def ping(self) -> None:
        if self._measuring or self._lock.locked():
            # Someone is already talking to the module: what it heard lately is the answer.
            if self._now() - self._last_heard <= PING_TIMEOUT_S + self.reply_timeout:
                return
            raise self.error(
                DeviceTimeout, "the blood-pressure module has not answered lately", "ping"
            )
        async with self._lock, self.step("ping") as link:
            since = self._counters()
            timeout = min(PING_TIMEOUT_S, 2 * self.reply_timeout)
            reply = await self._ask(link, p.GET_CUFF_PRESSURE, _is_pressure, timeout=timeout)
            if reply is None:
                raise self._no_answer("ping", "report its cuff pressure", since)

    # -- abort --------------------------------------------------------------------------------

    async def abort(self) -> None:
        if self._measuring:
            # The measuring task owns the port: ask it to stop, and wait until it has.
            self._abort_requested.set()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._abort_budget() + 1.0):  # wait_for can swallow
                    await self._measure_done.wait()  # a cancellation on 3.11
            return
        async with self._lock, self.step("abort") as link:
            await self._abort_exchange(link)

    def _abort_budget(self) -> float:
        return (READ_SLICE_S + COMMAND_SPACING_S + self.reply_timeout) * (ABORT_ATTEMPTS + 1)

    async def _abort_exchange(self, link: Link) -> bool:
        """Abort BP, re-sent on B; True once the module said A (or K). Silence is tolerated."""
        silent = 0
        for _ in range(ABORT_ATTEMPTS):
            reply = await self._ask(link, p.ABORT_BP, _is_status("A", "K", "B"))
            if reply is None:
                silent += 1
                if silent >= SILENT_RETRIES:
                    logger.info("bp: no reply to abort (tolerated)")
                    return False
                continue
            assert isinstance(reply, p.StatusReply)
            if reply.letter != "B":
                logger.info("bp: measurement aborted, the cuff deflates")
                return True
            logger.info("bp: module busy, abort sent again")
        return False

    async def _abort_on_the_way_out(self, link: Link) -> None:
        """Abort whatever stopped the measurement: shielded, so a cancellation cannot skip it."""

        async def quietly() -> None:
            try:
                await self._abort_exchange(link)
            except Exception as exc:  # the link is gone: nothing more can be done
                logger.info("bp: abort on the way out failed: %s", exc)

        await asyncio.shield(asyncio.ensure_future(quietly()))

    # -- measure ------------------------------------------------------------------------------

    async def measure(self, on_progress: ProgressCallback | None = None) -> BloodPressure:
        async with self._lock, self.step("measure") as link:
            self._measuring = True
            self._abort_requested.clear()
            self._measure_done.clear()
            try:
                return await self._measure(link, on_progress)
            finally:
                self._measuring = False
                self._measure_done.set()

    async def _measure(self, link: Link, on_progress: ProgressCallback | None) -> BloodPressure:
        step = "measure"
        identity = self.identity or await self._identify(link, step)
        self._report(on_progress, Progress("phase", None, "", {"phase": "starting"}))
        await self._check_cuff_is_empty(link, step)
        await self._discard_stale(link)
        if self._abort_requested.is_set():
            raise self.error(
                MeasurementAborted, "the measurement was stopped before it began", step
            )

        cycle_over = link_gone = False
        try:
            await self._start(link, step)
            await self._follow_cycle(link, step, on_progress)
            cycle_over = True
        except LinkClosed:
            link_gone = True  # nobody left to send an abort to
            raise
        finally:
            if not cycle_over and not link_gone:
                await self._abort_on_the_way_out(link)

        since = self._counters()
        result = await self._ask_retrying(link, p.GET_BP_DATA, lambda f: isinstance(f, p.BPResult))
        if result is None:
            raise self._no_answer(step, "send the result of the measurement", since)
        assert isinstance(result, p.BPResult)
        return self._reading(result, identity, step)

    async def _check_cuff_is_empty(self, link: Link, step: str) -> None:
        since = self._counters()
        reply: p.Reply | None = None
        for attempt in range(CUFF_CHECK_ATTEMPTS):
            if attempt:
                await asyncio.sleep(self.poll_interval)
            reply = await self._ask_retrying(link, p.GET_CUFF_PRESSURE, _is_pressure)
            if reply is None:
                raise self._no_answer(step, "report its cuff pressure", since)
            assert isinstance(reply, p.CuffPressure)
            if reply.mmhg is not None:
                break
            logger.info("bp: the module has no cuff pressure value yet (attempt %d)", attempt + 1)
        assert isinstance(reply, p.CuffPressure)
        if reply.mmhg is None:
            raise self.error(
                DeviceNotReady,
                "the module cannot read the cuff pressure yet: try again in a moment",
                step,
            )
        if reply.mmhg >= p.SAFE_START_PRESSURE:
            raise self.error(
                DeviceNotReady,
                f"the cuff is not deflated ({reply.mmhg} mmHg): wait for it to empty",
                step,
                pressure=reply.mmhg,
            )

    async def _start(self, link: Link, step: str) -> None:
        since = self._counters()
        silent = 0
        for attempt in range(START_ATTEMPTS):
            if attempt:
                await asyncio.sleep(self.poll_interval)
            # A K or A here is left over from an earlier cycle: only a fresh letter answers.
            reply = await self._ask(
                link,
                p.START_BP_ADULT,
                lambda f: isinstance(f, p.StatusReply) and f.letter not in "KA",
            )
            if reply is None:
                silent += 1
                if silent >= SILENT_RETRIES:
                    raise self._no_answer(step, "start a measurement", since)
                continue
            assert isinstance(reply, p.StatusReply)
            if reply.letter == "O":
                logger.info("bp: measurement started")
                return
            if reply.letter == "B":
                logger.info("bp: module busy, start sent again")
                continue
            if reply.letter == "D":
                raise self.error(
                    DeviceProtocolError,
                    "the blood-pressure module did not recognise the start command",
                    step,
                    status=reply.letter,
                )
            raise self.error(
                DeviceNotReady,
                f"the blood-pressure module refused to start ({reply.meaning})",
                step,
                status=reply.letter,
            )
        raise self.error(
            DeviceBusy,
            "the blood-pressure module stays busy and will not start: try again in a moment",
            step,
        )

    async def _follow_cycle(
        self, link: Link, step: str, on_progress: ProgressCallback | None
    ) -> None:
        """Poll the cuff pressure until the module says the cycle is over (K)."""
        started = self._now()
        phase = "inflating"
        self._report(on_progress, Progress("phase", None, "", {"phase": phase}))
        turn: int | None = None  # the extreme pressure since the last phase change
        missed = 0
        awaiting_reply = False
        reply_due = next_poll = started
        while True:
            if self._abort_requested.is_set():
                raise self.error(
                    MeasurementAborted, "the measurement was stopped; the cuff deflates", step
                )
            if self._now() - started > self.cycle_timeout:
                raise self.error(
                    DeviceTimeout,
                    f"the measurement did not end within {self.cycle_timeout:.0f} s; "
                    "it was stopped and the cuff deflates",
                    step,
                )
            if awaiting_reply and self._now() >= reply_due:
                awaiting_reply = False
                missed += 1
                logger.info("bp: no cuff pressure reply (%d in a row)", missed)
                if missed >= MAX_MISSED_REPLIES:
                    raise self.error(
                        DeviceNotConnected,
                        "the blood-pressure module stopped answering",
                        step,
                        missed_replies=missed,
                    )
            if not awaiting_reply and self._now() >= next_poll:
                await self._send(link, p.GET_CUFF_PRESSURE)
                awaiting_reply = True
                reply_due = self._last_sent + self.reply_timeout
                next_poll = self._last_sent + self.poll_interval
            frame = await self._next_frame(
                link, reply_due if awaiting_reply else next_poll, self._abort_requested
            )
            if frame is None:
                continue
            if _is_cycle_end(frame):
                assert isinstance(frame, p.StatusReply)
                logger.info("bp: cycle over (%s)", frame.letter)
                return
            if not isinstance(frame, p.CuffPressure):
                logger.debug("bp: ignored %s during the cycle", type(frame).__name__)
                continue
            awaiting_reply = False
            missed = 0
            if frame.mmhg is None:
                continue
            pressure = frame.mmhg
            self._report(on_progress, Progress("cuff_pressure", float(pressure), "mmHg"))
            if turn is None:
                turn = pressure
            elif phase == "inflating":
                if pressure <= turn - PHASE_HYSTERESIS_MMHG:
                    phase, turn = "deflating", pressure
                    self._report(on_progress, Progress("phase", None, "", {"phase": phase}))
                else:
                    turn = max(turn, pressure)
            elif pressure >= turn + PHASE_HYSTERESIS_MMHG:
                phase, turn = "inflating", pressure  # the module pumps again
                self._report(on_progress, Progress("phase", None, "", {"phase": phase}))
            else:
                turn = min(turn, pressure)

    def _reading(self, result: p.BPResult, identity: DeviceIdentity, step: str) -> BloodPressure:
        code = result.error_code
        if code == ABORTED_CODE:
            raise self.error(
                MeasurementAborted,
                "the module reports the measurement was stopped",
                step,
                device_code=code,
                advice="retake",
            )
        if code:
            message, advice = FAILURES.get(
                code, (f"the module reported error code {code}", "retake")
            )
            raise self.error(
                MeasurementFailed,
                f"blood pressure not measured: {message}",
                step,
                device_code=code,
                advice=advice,
            )
        if (
            result.systolic <= result.diastolic
            or not result.systolic
            or not result.diastolic
            or not result.mean
        ):
            raise self.error(
                MeasurementFailed,
                "blood pressure not measured: the module returned impossible values "
                f"({result.systolic}/{result.diastolic}, mean {result.mean})",
                step,
                device_code=0,
                advice="retake",
            )
        # No values in the log: a measurement is patient data (logs go into support bundles).
        logger.info("bp: reading received")
        return BloodPressure(
            systolic=result.systolic,
            diastolic=result.diastolic,
            mean=result.mean,
            pulse=result.heart_rate or None,
            taken_at=dt.datetime.now(dt.UTC),
            device=identity,
            raw=result.raw,
        )

    # -- self test ----------------------------------------------------------------------------

    async def self_test(self) -> SelfTestResult:
        if self._measuring:
            raise self.error(
                DeviceBusy, "a measurement is running: run the self-test after it", "self_test"
            )
        async with self._lock, self.step("self_test") as link:
            return await self._self_test(link)

    async def _self_test(self, link: Link) -> SelfTestResult:
        problems: list[str] = []
        details: dict[str, object] = {}
        since = self._counters()
        heard_before = self._rx_frames
        try:
            identity = self.identity or await self._identify(link, "self_test")
            details["model"] = identity.model
            details["firmware"] = identity.firmware
        except (DeviceTimeout, DeviceProtocolError) as exc:
            if self._rx_frames == heard_before:
                # Nothing readable came back: the remaining checks would only wait in vain.
                details["error"] = exc.code
                return SelfTestResult(
                    False, f"blood-pressure module FAILED: {exc.args[0]}", details
                )
            identity = None
            problems.append(f"it does not identify itself ({exc.args[0]})")

        status_command = (
            p.STATUS_SELF_TEST_A_PLUS
            if identity is not None and identity.model.endswith("A+")
            else p.STATUS_SELF_TEST_ADVANTAGE
        )
        status = await self._ask(link, status_command, lambda f: True)
        details["status_reply"] = _describe(status)
        if isinstance(status, p.StatusReply) and status.letter in ("E", "N"):
            problems.append(f"its self-test answers {status.letter} ({status.meaning})")

        pressure = await self._ask_retrying(link, p.GET_CUFF_PRESSURE, _is_pressure)
        if self._rx_frames == heard_before:
            error = self._no_answer("self_test", "report its cuff pressure", since)
            details["error"] = error.code
            return SelfTestResult(False, f"blood-pressure module FAILED: {error.args[0]}", details)
        idle = pressure.mmhg if isinstance(pressure, p.CuffPressure) else None
        details["idle_pressure_mmhg"] = idle
        if pressure is None:
            problems.append("it does not report the cuff pressure")
        elif idle is None:
            problems.append("it has no cuff pressure value")
        elif abs(idle) >= IDLE_PRESSURE_TOLERANCE:
            problems.append(
                f"the cuff pressure reads {idle} mmHg at rest (cuff not empty or sensor off zero)"
            )

        # What these two commands answer is not documented: only a refusal counts against it.
        valves = await self._ask(
            link, p.CONTROL_PNEUMATICS_ALL_CLOSED, lambda f: isinstance(f, p.StatusReply)
        )
        details["pneumatics_reply"] = _describe(valves)
        if isinstance(valves, p.StatusReply) and valves.letter in ("E", "N"):
            problems.append(f"it refused the valve command ({valves.meaning})")

        # Short pneumatic check: pump off, valves closed, the empty cuff must read steady near 0.
        readings: list[int] = []
        for _ in range(PNEUMATIC_CHECK_READINGS):
            await asyncio.sleep(self.poll_interval)
            reply = await self._ask(link, p.GET_CUFF_PRESSURE, _is_pressure)
            if isinstance(reply, p.CuffPressure) and reply.mmhg is not None:
                readings.append(reply.mmhg)
        details["closed_valve_pressures_mmhg"] = readings
        if len(readings) < PNEUMATIC_CHECK_READINGS:
            problems.append("the pressure could not be read while the valves were closed")
        elif max(readings) - min(readings) >= STEADY_MMHG or any(
            abs(r) >= IDLE_PRESSURE_TOLERANCE for r in readings
        ):
            problems.append(f"the pressure is not steady with the valves closed ({readings})")

        # Leave the pneumatics as a measurement expects them (abort opens the dump valve).
        released = await self._abort_exchange(link)
        details["released"] = released

        name = identity.model if identity is not None else "SunTech module"
        if problems:
            summary = f"blood-pressure module FAILED ({name}): " + "; ".join(problems)
            return SelfTestResult(False, summary, details)
        summary = (
            f"blood-pressure module OK ({name}): cuff at {idle} mmHg at rest, "
            "valves and pressure sensor respond"
        )
        return SelfTestResult(True, summary, details)


def _describe(reply: p.Reply | None) -> str:
    if reply is None:
        return "no reply"
    if isinstance(reply, p.StatusReply):
        return f"{reply.letter} ({reply.meaning})"
    return f"{type(reply).__name__} ({reply.raw.hex(' ')})"
