"""Driver of the Welch Allyn SureTemp Plus OEM thermometer module.

The module is a command-driven slave: every command gets one response block. A reading is
driven by the probe, not by the host: the assistant takes the probe out of its well, the module
predicts, and the host only polls the temperature record (941C) until it shows a final state.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from typing import ClassVar

from devices.base import Driver, ProgressCallback, SelfTestResult
from devices.errors import (
    CodecError,
    DeviceError,
    DeviceNotReady,
    DeviceProtocolError,
    DeviceTimeout,
    MeasurementAborted,
    MeasurementFailed,
)
from devices.link import Link, LinkClosed
from devices.readings import BodyTemperature, DeviceIdentity, Flag, Progress
from devices.thermometer.protocol import (
    FINAL_STATES,
    OVER_RANGE_STATES,
    PREDICTING_STATES,
    UNDER_RANGE_STATES,
    WAITING_STATES,
    Algorithm,
    Command,
    Packet,
    PacketDecoder,
    ProbeType,
    State,
    StatusRecord,
    TemperatureRecord,
    decode_status,
    decode_temperature_record,
    encode_command,
)

logger = logging.getLogger(__name__)

MODEL_NAME = "Welch Allyn SureTemp Plus"
SITES = ("oral", "axillary", "rectal")
SITE_BY_ALGORITHM: dict[int, str] = {
    Algorithm.ORAL: "oral",
    Algorithm.RECTAL: "rectal",
    Algorithm.PEDIATRIC_AXILLARY: "axillary",
    Algorithm.ADULT_AXILLARY: "axillary",
}
PLAUSIBLE_CELSIUS = (30.0, 45.0)  # a body temperature outside is a measurement problem
# States that prove the module is in a cycle of its own, not showing an older result: only a
# final reached after one of these counts as this measurement's reading.
ARMING_STATES = WAITING_STATES | PREDICTING_STATES
POST_READY_WAIT_S = 1.0  # how long self_test waits for a power-on self-test still running
CYCLE_START_WAIT_S = 3.0  # how long self_test's locked-probe cycle may take to start predicting

_Outcome = Packet | str  # a response packet, or why there is none


class SureTempDriver(Driver):
    """One SureTemp Plus module on a serial port (or a Link).

    ``reply_timeout``: seconds a reply may take before the command is sent again;
    ``retries``: how many times a command is sent again before giving up;
    ``poll_interval``: seconds between two temperature-record polls (the protocol says 0.2-0.5);
    ``site``: the body site the cabin uses the probe at ("oral", "axillary", "rectal"); None
    takes it from the module's algorithm.
    """

    family: ClassVar[str] = "thermometer"

    def __init__(
        self,
        target: str | Link,
        *,
        reply_timeout: float = 0.25,
        retries: int = 3,
        poll_interval: float = 0.3,
        site: str | None = None,
    ) -> None:
        super().__init__(target)
        if reply_timeout <= 0 or poll_interval < 0 or retries < 0:
            raise ValueError("reply_timeout must be > 0, poll_interval and retries >= 0")
        if site is not None and site not in SITES:
            raise ValueError(f"unknown body site {site!r}; valid sites: {', '.join(SITES)}")
        self.reply_timeout = reply_timeout
        self.retries = retries
        self.poll_interval = poll_interval
        self.site = site
        self._decoder = PacketDecoder()
        self._abort = asyncio.Event()
        self._measuring = False
        self._last_error_code: int | None = None  # error of the previous measure, if it had one

    # --- lifecycle ---------------------------------------------------------------------------

    async def identify(self) -> DeviceIdentity:
        """Ask for the status block: an answer proves a SureTemp module is there.

        The protocol carries no serial number or firmware version, so those stay None.
        """
        async with self.step("identify") as link:
            await self._exchange(link, Command.SEND_STATUS, b"", "identify", "the status request")
        return self._identity()

    async def ping(self) -> None:
        """One status exchange (with its retries): about 1 s at most with the defaults."""
        async with self.step("ping") as link:
            await self._exchange(link, Command.SEND_STATUS, b"", "ping", "the status request")

    async def abort(self) -> None:
        """Nothing to stop on the module (the probe drives the cycle): end a running measure."""
        if self._measuring:
            logger.info("thermometer: abort requested")
            self._abort.set()

    async def measure(self, on_progress: ProgressCallback | None = None) -> BodyTemperature:
        """Poll the temperature record until this cycle's final temperature.

        Reports ``phase`` (``waiting_for_probe``, ``predicting``) and ``probe_temperature``
        progress. A final already on show when the measure starts belongs to an earlier reading:
        it is skipped until the module leaves it (probe back in its well, new cycle).
        """
        previous_error, self._last_error_code = self._last_error_code, None
        self._abort.clear()
        self._measuring = True
        try:
            async with self.step("measure") as link:
                return await self._measure(link, on_progress, previous_error)
        finally:
            self._measuring = False

    async def self_test(self) -> SelfTestResult:
        """Read the power-on self-test, then drive one locked-probe cycle (best effort)."""
        async with self.step("self_test") as link:
            status = await self._read_post(link)
            details: dict[str, object] = {
                "post_status": status.post_status,
                "tests_performed": status.test_names,
            }
            tests = ", ".join(status.test_names) or "none reported"
            if status.not_ready:
                return SelfTestResult(
                    False,
                    "the thermometer has not finished its power-on self-test: "
                    "restart it, then call a technician if this persists",
                    details,
                )
            if not status.passed:
                details["device_code"] = status.post_status
                return SelfTestResult(
                    False,
                    f"the thermometer's power-on self-test failed with code "
                    f"{status.post_status} (tests run: {tests})",
                    details,
                )
            ok, note = await self._locked_probe_cycle(link, details)
        summary = f"power-on self-test passed (tests run: {tests}); {note}"
        return SelfTestResult(ok, summary, details)

    # --- measurement ---------------------------------------------------------------------------

    async def _measure(
        self, link: Link, on_progress: ProgressCallback | None, previous_error: int | None
    ) -> BodyTemperature:
        armed = False  # saw a state of this cycle before any final
        phase: str | None = None

        def announce(new_phase: str) -> None:
            nonlocal phase
            if phase != new_phase:
                phase = new_phase
                logger.info("thermometer: %s", new_phase.replace("_", " "))
                self._report(on_progress, Progress("phase", None, "", {"phase": new_phase}))

        loop = asyncio.get_running_loop()
        while True:
            self._check_abort()
            polled_at = loop.time()
            record, raw = await self._poll_record(link)
            if record.probe_type == ProbeType.NO_PROBE:
                raise self.error(
                    DeviceNotReady,
                    "no probe connected: plug the temperature probe into the thermometer",
                    "measure",
                )
            state = record.state
            if state == State.NO_PREDICT:
                raise self.error(
                    DeviceNotReady,
                    "the thermometer is in monitor mode: put the probe back in its well "
                    "to end monitoring, then retake",
                    "measure",
                )
            if state == State.ERROR:
                code = record.error_code
                self._last_error_code = code
                advice = "technician" if previous_error == code else "retake"
                raise self.error(
                    MeasurementFailed,
                    f"the thermometer reported error {code}: "
                    + ("it repeats, call a technician" if advice == "technician" else "retake"),
                    "measure",
                    device_code=code,
                    advice=advice,
                )
            if state in ARMING_STATES:
                armed = True
                if state in PREDICTING_STATES:
                    announce("predicting")
                    self._report(
                        on_progress,
                        Progress("probe_temperature", record.probe_celsius, "Cel"),
                    )
                else:
                    announce("waiting_for_probe")
            elif state in FINAL_STATES | OVER_RANGE_STATES | UNDER_RANGE_STATES:
                if not armed:
                    # An older reading still on show: wait for the probe to go back.
                    announce("waiting_for_probe")
                elif state in FINAL_STATES:
                    return self._reading(record, raw)
                else:
                    flag = Flag.OVER_RANGE if state in OVER_RANGE_STATES else Flag.UNDER_RANGE
                    raise self.error(
                        MeasurementFailed,
                        "the temperature is out of the thermometer's range: retake",
                        "measure",
                        device_code=state,
                        advice="retake",
                        flag=flag.value,
                    )
            else:
                # 13 (end normal status) or a state the protocol does not list: not a reading.
                logger.debug("thermometer: state %s, waiting", state)
                announce("waiting_for_probe")
            # Poll at a steady rate, however long the reply took.
            await self._pause(max(0.0, polled_at + self.poll_interval - loop.time()))

    def _reading(self, record: TemperatureRecord, raw: bytes) -> BodyTemperature:
        celsius = record.final_celsius
        flags: set[Flag] = set()
        low, high = PLAUSIBLE_CELSIUS
        if not low <= celsius <= high:
            flags.add(Flag.IMPLAUSIBLE)
        site = self.site or SITE_BY_ALGORITHM.get(record.algorithm)
        if site is None:
            logger.info(
                "thermometer: algorithm %s names no body site; reporting oral", record.algorithm
            )
            site = "oral"
        logger.info("thermometer: final reading received (%s)", site)  # no values: patient data
        return BodyTemperature(
            celsius=celsius,
            site=site,
            taken_at=dt.datetime.now(dt.UTC),
            device=self._identity(),
            flags=frozenset(flags),
            raw=raw,
        )

    async def _poll_record(self, link: Link) -> tuple[TemperatureRecord, bytes]:
        reply = await self._exchange(
            link,
            Command.SEND_TEMPERATURE,
            b"",
            "measure",
            "the temperature request",
            decode=decode_temperature_record,
        )
        return decode_temperature_record(reply.data), reply.data

    def _check_abort(self) -> None:
        if self._abort.is_set():
            raise self.error(MeasurementAborted, "the temperature reading was stopped", "measure")

    async def _pause(self, seconds: float) -> None:
        """Wait between polls; an abort ends the wait at once."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):  # not wait_for: it can swallow a cancellation
                await self._abort.wait()
        self._check_abort()

    def _report(self, on_progress: ProgressCallback | None, progress: Progress) -> None:
        if on_progress is None:
            return
        try:
            on_progress(progress)
        except Exception:
            # The screen's problem must not cost the patient the reading.
            logger.exception("thermometer: progress callback failed")

    # --- self-test -----------------------------------------------------------------------------

    async def _read_post(self, link: Link) -> StatusRecord:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + POST_READY_WAIT_S
        while True:
            reply = await self._exchange(
                link,
                Command.SEND_STATUS,
                b"",
                "self_test",
                "the status request",
                decode=decode_status,
            )
            status = decode_status(reply.data)
            if not status.not_ready or loop.time() >= deadline:
                return status
            logger.info("thermometer: power-on self-test still running, asking again")
            await asyncio.sleep(self.reply_timeout)

    async def _locked_probe_cycle(self, link: Link, details: dict[str, object]) -> tuple[bool, str]:
        """Lock the probe switch, simulate a probe removal, and check a cycle starts.

        Best effort: a module that refuses these commands is noted, not failed. The probe is
        always put back and unlocked, even when the self-test is cancelled.
        """
        try:
            locked = await self._optional(link, Command.LOCK_PROBE, b"\x01", "locking the probe")
        except (DeviceTimeout, DeviceProtocolError) as exc:
            # It answered the status request a moment ago: this one command is what it ignores.
            logger.info("thermometer: no usable answer to the probe lock: %s", exc)
            # In case the lock went through and only its reply was lost.
            await self._restore_probe(link, locked_for_sure=False)
            details["probe_cycle"] = "not supported"
            return True, "locked-probe cycle skipped: the module did not answer the probe lock"
        if not locked:
            details["probe_cycle"] = "not supported"
            return True, "locked-probe cycle not supported by this module"
        try:
            if not await self._optional(
                link, Command.SET_TEMPERATURE_PROBE, b"\x01", "simulating probe removal"
            ):
                details["probe_cycle"] = "not supported"
                return True, "locked-probe cycle not supported by this module"
            return await self._watch_cycle(link, details)
        finally:
            await self._restore_probe(link)

    async def _watch_cycle(self, link: Link, details: dict[str, object]) -> tuple[bool, str]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CYCLE_START_WAIT_S
        while True:
            reply = await self._exchange(
                link,
                Command.SEND_TEMPERATURE,
                b"",
                "self_test",
                "the temperature request",
                decode=decode_temperature_record,
            )
            record = decode_temperature_record(reply.data)
            details["probe_celsius"] = record.probe_celsius
            details["probe_type"] = record.probe_type
            if record.probe_type == ProbeType.NO_PROBE:
                details["probe_cycle"] = "no probe"
                return False, "no probe connected: plug the temperature probe in"
            if record.state == State.ERROR:
                details["probe_cycle"] = "error"
                details["device_code"] = record.error_code
                return False, f"the probe cycle ended in error {record.error_code}"
            if (
                record.state in PREDICTING_STATES
                or record.state in FINAL_STATES | OVER_RANGE_STATES | UNDER_RANGE_STATES
            ):
                details["probe_cycle"] = "passed"
                return True, (
                    f"locked-probe cycle started (probe at {record.probe_celsius:.1f} °C)"
                )
            if loop.time() >= deadline:
                details["probe_cycle"] = "did not start"
                return True, (
                    f"locked-probe cycle did not start within {CYCLE_START_WAIT_S:g} s "
                    f"(state {record.state}); check the probe if readings fail"
                )
            await asyncio.sleep(self.poll_interval)

    async def _restore_probe(self, link: Link, *, locked_for_sure: bool = True) -> None:
        """Probe back in its holder, switch unlocked: the module is as the patient expects it."""
        for command, what in (
            (Command.SET_TEMPERATURE_PROBE, "putting the probe back"),
            (Command.LOCK_PROBE, "unlocking the probe"),
        ):
            try:
                await self._optional(link, command, b"\x00", what)
            except (DeviceError, LinkClosed) as exc:
                # The probe may stay locked out of its well: the next reading would be wrong.
                level = logging.WARNING if locked_for_sure else logging.INFO
                logger.log(level, "thermometer: %s after the self-test failed: %s", what, exc)

    async def _optional(self, link: Link, command: Command, data: bytes, what: str) -> bool:
        """Send a command the module may not support: False when it refuses it (NAK)."""
        outcome = await self._attempts(link, command, data)
        if isinstance(outcome, Packet) and outcome.is_good:
            return True
        if isinstance(outcome, Packet):
            logger.info("thermometer: module refused %s (%04X)", what, command)
            return False
        raise self._no_reply_error(outcome, "self_test", what)

    # --- exchanges -----------------------------------------------------------------------------

    async def _exchange(
        self,
        link: Link,
        command: Command,
        data: bytes,
        step: str,
        what: str,
        decode: Callable[[bytes], object] | None = None,
    ) -> Packet:
        """Send ``command`` until a good response comes (``1 + retries`` tries at most)."""
        outcome = await self._attempts(link, command, data, decode)
        if isinstance(outcome, Packet) and outcome.is_good:
            return outcome
        if isinstance(outcome, Packet):
            raise self.error(
                DeviceProtocolError,
                f"the thermometer refused {what} {self.retries + 1} times "
                f"(bad response to command {command:04X})",
                step,
                command=f"{command:04X}",
            )
        raise self._no_reply_error(outcome, step, what)

    async def _attempts(
        self,
        link: Link,
        command: Command,
        data: bytes,
        decode: Callable[[bytes], object] | None = None,
    ) -> _Outcome:
        """Up to ``1 + retries`` tries: the good response, else the last bad one, else why none."""
        request = encode_command(command, data)
        refused: Packet | None = None
        malformed = noise = False
        for attempt in range(self.retries + 1):
            if attempt:
                logger.debug("thermometer: no good reply to %04X, retry %d", command, attempt)
            await self._discard_stale(link)
            await link.write(request)
            reply, heard = await self._await_reply(link, command)
            if reply is None:
                # Bytes but no packet of ours: noise, another device, or the wrong speed.
                noise = noise or heard
                continue
            if reply.is_bad:
                logger.debug("thermometer: bad response to %04X: %s", command, reply.data.hex(" "))
                refused = reply
                continue
            if decode is not None:
                try:
                    decode(reply.data)
                except CodecError as exc:
                    logger.debug("thermometer: unreadable reply to %04X: %s", command, exc)
                    malformed = True
                    continue
            return reply
        if refused is not None:
            return refused
        if malformed:
            return "malformed"
        return "unreadable" if noise else "silent"

    async def _discard_stale(self, link: Link) -> None:
        """Drop what arrived since the last exchange (a late reply) so it cannot be taken as new."""
        data = await link.read(0)
        stale = self._decoder.feed(data) + self._decoder.flush()
        if stale:
            logger.debug("thermometer: dropped %d stale packets", len(stale))

    async def _await_reply(self, link: Link, command: Command) -> tuple[Packet | None, bool]:
        """The response to ``command`` within ``reply_timeout``; and whether any byte came."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reply_timeout
        heard = False
        skipped_before = self._decoder.skipped
        while True:
            remaining = deadline - loop.time()
            if remaining > 0:
                data = await link.read(remaining)
                heard = heard or bool(data)
                packets = self._decoder.feed(data)
            else:
                # The reply time is over: a half packet still waiting will never be finished.
                packets = self._decoder.flush()
            for packet in packets:
                if packet.command == command and packet.is_response:
                    if self._decoder.skipped > skipped_before:
                        logger.debug(
                            "thermometer: skipped %d noise bytes",
                            self._decoder.skipped - skipped_before,
                        )
                    return packet, heard
                logger.debug("thermometer: ignored packet %s", packet.describe())
            if remaining <= 0:
                return None, heard

    def _no_reply_error(self, outcome: _Outcome, step: str, what: str) -> DeviceError:
        tries = self.retries + 1
        if outcome == "unreadable":
            return self.error(
                DeviceProtocolError,
                f"the thermometer answers {what} with unreadable data ({tries} tries): "
                "check that the right device is on this port at 9600 baud",
                step,
            )
        if outcome == "malformed":
            return self.error(
                DeviceProtocolError,
                f"the thermometer's replies to {what} have an unexpected layout ({tries} tries)",
                step,
            )
        prefix = (
            "thermometer not answering"
            if step == "identify"
            else ("the thermometer is not answering")
        )
        return self.error(
            DeviceTimeout,
            f"{prefix}: no reply to {what} after {tries} tries; check its cable and power",
            step,
        )

    def _identity(self) -> DeviceIdentity:
        return DeviceIdentity(family=self.family, model=MODEL_NAME, port=self.port_name)
