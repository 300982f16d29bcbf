"""Driver of Nonin pulse oximeters streaming serial data format 7 (default), 2 or 8.

The oximeter streams all the time; the host only chooses the format, once, right after the port
opens (the device answers ACK or NAK during its first 5 s only, so the answer is noted but never
waited for). Whatever the device actually streams is detected from the data itself and reported
by ``identify()``.

A measurement reads the stream until SpO2-D and HR-D have held within 1 for ``stable_after``
seconds with no artifact and a finger in the sensor, reporting the pleth waveform and the values
on the way. Silence and unreadable data end in typed errors after ``silence_timeout`` seconds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from devices.base import Driver, ProgressCallback, SelfTestResult
from devices.errors import (
    DeviceBusy,
    DeviceError,
    DeviceProtocolError,
    DeviceTimeout,
    MeasurementAborted,
    MeasurementFailed,
)
from devices.link import Link
from devices.oximeter.protocol import (
    DATA_FORMATS,
    Packet,
    Reply,
    StabilityTracker,
    StreamDecoder,
    encode_select_format,
    perfusion_flags,
    plausible,
)
from devices.readings import DeviceIdentity, Flag, Oximetry, Progress

logger = logging.getLogger(__name__)

NO_DATA: Final = "the oximeter sends no data"
UNREADABLE: Final = "the oximeter sends data the kiosk cannot read (check the data format setting)"
IDENTIFY_WITHIN_S: Final = 3.0
SELF_TEST_WITHIN_S: Final = 3.5  # two format-8 records can take 2 s, plus the first to line up
PING_WITHIN_S: Final = 1.5
POLL_S: Final = 0.1  # longest wait between two looks at the abort request
PROGRESS_EVERY_S: Final = 1.0


def _ignore(progress: Progress) -> None:
    pass


class NoninDriver(Driver):
    """A Nonin oximeter on a serial port (9600 8N1, no flow control) or an open Link.

    ``give_up_after`` bounds one measurement: when no stable reading came by then, it ends in
    MeasurementFailed saying why (no finger, motion, weak pulse, values that do not settle).
    None waits until the caller aborts or cancels.
    """

    family = "oximeter"

    def __init__(
        self,
        target: str | Link,
        *,
        data_format: int = 7,
        stable_after: float = 5.0,
        silence_timeout: float = 2.0,
        give_up_after: float | None = 90.0,
    ) -> None:
        if data_format not in DATA_FORMATS:
            raise ValueError(f"Nonin data format must be 7, 2 or 8, got {data_format!r}")
        super().__init__(target)
        self.data_format = data_format
        self.stable_after = stable_after
        self.silence_timeout = silence_timeout
        self.give_up_after = give_up_after
        self._decoder = self._new_decoder()
        self._busy: str | None = None
        self._abort = asyncio.Event()
        self._opened_at: float | None = None
        self._last_byte_at: float | None = None
        self._format_reply: str | None = None  # "ack" or "nak", as the device answered
        self._format_reply_at: float | None = None
        self._firmware: str | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def _new_decoder(self) -> StreamDecoder:
        return StreamDecoder(self.data_format, switch_after=min(1.0, self.silence_timeout / 2))

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    async def open(self) -> None:
        await super().open()
        self._decoder = self._new_decoder()
        self._opened_at = self._now()
        self._last_byte_at = None
        self._format_reply = None
        self._format_reply_at = None
        try:
            async with self.step("open") as link:
                await link.write(encode_select_format(self.data_format))
        except DeviceError:
            await self.close()
            raise
        logger.info("oximeter: asked %s for data format %d", self.port_name, self.data_format)

    @property
    def current_format(self) -> int:
        """The format the oximeter streams, as detected (the configured one until data comes)."""
        return self._decoder.data_format

    @property
    def identity(self) -> DeviceIdentity:
        return DeviceIdentity(
            family=self.family,
            model=f"Nonin oximeter (format {self.current_format})",
            firmware=self._firmware,
            port=self.port_name,
        )

    @asynccontextmanager
    async def _reading(self, step: str) -> AsyncIterator[Link]:
        """One reader at a time: the stream cannot be shared between two consumers."""
        if self._busy is not None:
            raise self.error(DeviceBusy, f"the oximeter is already being read ({self._busy})", step)
        self._busy = step
        try:
            async with self.step(step) as link:
                yield link
        finally:
            self._busy = None

    # -- reading the stream ------------------------------------------------------------------
    def _decode(self, data: bytes, now: float) -> list[Packet]:
        self._last_byte_at = now
        before = self._decoder.data_format
        packets: list[Packet] = []
        for event in self._decoder.feed(data, now):
            if isinstance(event, Reply):
                self._on_reply(event, now)
            else:
                packets.append(event)
        if self._decoder.data_format != before:
            logger.info(
                "oximeter: the data is in format %d (configured: %d); using it",
                self._decoder.data_format,
                self.data_format,
            )
        for packet in packets:
            if packet.firmware is not None:
                self._firmware = packet.firmware
        return packets

    def _on_reply(self, reply: Reply, now: float) -> None:
        if reply.kind == "message":
            logger.debug("oximeter: reply %s", reply.raw.hex(" "))
            return
        if self._format_reply is not None:  # only the answer to our one command means anything
            logger.debug("oximeter: another %s in the stream", reply.kind.upper())
            return
        self._format_reply, self._format_reply_at = reply.kind, now
        if reply.kind == "ack":
            logger.info("oximeter: data format %d acknowledged", self.data_format)
        else:
            logger.info(
                "oximeter: data format %d refused (NAK); detecting the format from the data",
                self.data_format,
            )

    @staticmethod
    async def _receive(link: Link, timeout: float) -> bytes:
        """``link.read``, but a cancellation is never lost.

        On Python 3.11 ``asyncio.wait_for`` (under ``Link.read``) returns the data instead of
        raising when the task is cancelled just as data arrives; the task still counts the
        request, so it is honoured here.
        """
        data = await link.read(timeout)
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise asyncio.CancelledError
        return data

    async def _drain(self, link: Link) -> int:
        """Decode what waits in the port (older than this step: its packets are dropped).

        Returns how many valid frames or records it held.
        """
        before = self._decoder.valid_units
        data = await self._receive(link, 0)
        if data:
            self._decode(data, self._now())
        return self._decoder.valid_units - before

    async def _read(
        self, link: Link, step: str, since: float, poll: float = POLL_S
    ) -> list[Packet]:
        """The packets that arrive within ``poll`` seconds; raises on silence or noise."""
        data = await self._receive(link, poll)
        now = self._now()
        packets = self._decode(data, now) if data else []
        self._check_health(step, since, now)
        return packets

    def _check_health(self, step: str, since: float, now: float) -> None:
        last_byte = max(since, self._last_byte_at or since)
        if now - last_byte >= self.silence_timeout:
            raise self.error(
                DeviceTimeout, NO_DATA, step, advice="technician", seconds=self.silence_timeout
            )
        last_valid = max(since, self._decoder.last_valid_at or since)
        if now - last_valid >= self.silence_timeout:
            raise self.error(
                DeviceProtocolError,
                UNREADABLE,
                step,
                advice="technician",
                data_format=self.data_format,
            )

    async def stream(self) -> AsyncIterator[Packet]:
        """Decoded packets as they arrive, for a live view (about 3 per second in formats 2
        and 7, 1 per second in format 8). Errors as in ``measure``. Only one reader at a time:
        a measurement cannot run while a stream is being read, and the other way round."""
        started: float | None = None
        while True:
            async with self._reading("measure") as link:
                if started is None:
                    started = self._now()
                    await self._drain(link)
                packets = await self._read(link, "measure", started, poll=0.25)
            for packet in packets:
                yield packet

    # -- identify, self-test, ping -------------------------------------------------------------
    async def identify(self) -> DeviceIdentity:
        """Wait (at most 3 s) for a whole packet: the format it came in and the firmware."""
        async with self._reading("identify") as link:
            started = self._now()
            await self._drain(link)
            while True:
                if await self._read(link, "identify", started):
                    break
                if self._now() - started >= IDENTIFY_WITHIN_S:
                    raise self.error(
                        DeviceProtocolError,
                        "the oximeter sends data but no complete packet came within "
                        f"{IDENTIFY_WITHIN_S:g} s (check the cable)",
                        "identify",
                        advice="technician",
                    )
        identity = self.identity
        logger.info("oximeter: %s, firmware %s", identity.model, identity.firmware or "unknown")
        return identity

    async def self_test(self) -> SelfTestResult:
        """Two whole packets with valid checksums, plausible values (or no finger), and the
        format acknowledgement if the device sent one."""
        async with self._reading("self_test") as link:
            started = self._now()
            await self._drain(link)
            stats_before = self._decoder.stats
            packets: list[Packet] = []
            while len(packets) < 2 and self._now() - started < SELF_TEST_WITHIN_S:
                packets += await self._read(link, "self_test", started)
            stats = {k: v - stats_before.get(k, 0) for k, v in self._decoder.stats.items()}
        details: dict[str, object] = {
            "data_format": self.current_format,
            "configured_format": self.data_format,
            "format_reply": self._format_reply,
            "format_reply_after_s": self._format_reply_delay(),
            "firmware": self._firmware,
            "packets": len(packets),
            **stats,
        }
        ack_note = self._format_note()
        if len(packets) < 2:
            return SelfTestResult(
                False,
                f"only {len(packets)} complete packet(s) in {SELF_TEST_WITHIN_S:g} s: the data "
                "is unreliable (check the cable)",
                details,
            )
        last = packets[-1]
        details.update(spo2=last.spo2_d, pulse=last.hr_d, low_battery=last.low_battery)
        wrong = [p for p in packets if not plausible(p.spo2_d, p.hr_d)]
        if wrong:
            return SelfTestResult(
                False,
                f"implausible values (SpO2 {wrong[0].spo2_d}, pulse {wrong[0].hr_d}): "
                "the oximeter needs a technician",
                details,
            )
        if last.finger_out or last.values_missing:
            verdict = "no finger in the sensor"
        else:
            verdict = f"SpO2 {last.spo2_d} %, pulse {last.hr_d}/min"
        battery = "; battery low: replace it soon" if last.low_battery else ""
        summary = f"data OK in format {self.current_format} ({verdict}){ack_note}{battery}"
        return SelfTestResult(True, summary, details)

    def _format_reply_delay(self) -> float | None:
        """Seconds from opening the port to the device's ACK or NAK (None: no answer)."""
        if self._format_reply_at is None or self._opened_at is None:
            return None
        return round(self._format_reply_at - self._opened_at, 3)

    def _format_note(self) -> str:
        if self._format_reply == "ack":
            return f"; format {self.data_format} acknowledged"
        if self._format_reply == "nak":
            return f"; format {self.data_format} refused by the oximeter"
        return ""  # the device answers only in its first 5 s: no answer is normal

    async def ping(self) -> None:
        """Valid frames came within the last ~1.5 s (pending ones count; at most
        ``silence_timeout`` is waited for new ones)."""
        if self._busy is not None:
            last = self._decoder.last_valid_at
            if last is not None and self._now() - last <= PING_WITHIN_S:
                return
            raise self.error(DeviceTimeout, NO_DATA, "ping", advice="technician")
        within = min(PING_WITHIN_S, self.silence_timeout)
        async with self._reading("ping") as link:
            started = self._now()
            if await self._drain(link):
                return
            got_bytes = self._last_byte_at is not None and self._last_byte_at >= started
            before = self._decoder.valid_units
            while self._now() - started < within:
                data = await self._receive(link, POLL_S)
                if data:
                    got_bytes = True
                    self._decode(data, self._now())
                    if self._decoder.valid_units > before:
                        return
            if not got_bytes:
                raise self.error(DeviceTimeout, NO_DATA, "ping", advice="technician")
            raise self.error(DeviceProtocolError, UNREADABLE, "ping", advice="technician")

    async def abort(self) -> None:
        """Make a running measurement stop with MeasurementAborted; the oximeter itself needs
        nothing (it only streams)."""
        self._abort.set()

    # -- measuring ---------------------------------------------------------------------------
    async def measure(self, on_progress: ProgressCallback | None = None) -> Oximetry:
        """Read until SpO2-D and HR-D are stable; report pleth, values and phases on the way."""
        report = on_progress or _ignore
        async with self._reading("measure") as link:
            self._abort.clear()
            started = self._now()
            await self._drain(link)
            session = _Session(self.stable_after, report)
            while True:
                if self._abort.is_set():
                    raise self.error(MeasurementAborted, "the measurement was stopped", "measure")
                if self.give_up_after is not None and self._now() - started >= self.give_up_after:
                    raise self._give_up(session)
                for packet in await self._read(link, "measure", started):
                    if session.add(packet, self._now()):
                        return Oximetry(
                            spo2=packet.spo2_d,
                            pulse=packet.hr_d,
                            perfusion=session.perfusion,
                            taken_at=dt.datetime.now(dt.UTC),
                            device=self.identity,
                            flags=session.flags(packet),
                            stable=True,
                            raw=packet.raw,
                        )

    def _give_up(self, session: _Session) -> DeviceError:
        seconds = f"{self.give_up_after:g}"
        if session.waiting:
            code, advice, why = "finger_out", "check_placement", "no finger detected in the sensor"
        elif session.recent_artifact:
            code, advice, why = "artifact", "stay_still", "the patient moves too much"
        elif session.perfusion == "low":
            code, advice, why = "low_perfusion", "check_placement", "the pulse signal is too weak"
        else:
            code, advice, why = "not_stable", "retake", "the values did not settle"
        return self.error(
            MeasurementFailed,
            f"no stable reading in {seconds} s: {why}",
            "measure",
            device_code=code,
            advice=advice,
        )


class _Session:
    """What one measurement has seen so far, and the progress it reports."""

    def __init__(self, stable_after: float, report: ProgressCallback) -> None:
        self.tracker = StabilityTracker(stable_after)
        self.report = report
        self.phase: str | None = None
        self.perfusion: str | None = None
        self.waiting = True
        self.last_artifact_at: float | None = None
        self.last_report_at: float | None = None
        self.now = 0.0

    @property
    def recent_artifact(self) -> bool:
        last = self.last_artifact_at
        return last is not None and self.now - last <= 5.0

    def flags(self, packet: Packet) -> frozenset[Flag]:
        """The packet's flags, with the perfusion held from the packets that showed it."""
        return (packet.flags - perfusion_flags(packet.perfusion)) | perfusion_flags(self.perfusion)

    def add(self, packet: Packet, now: float) -> bool:
        """Take one packet into account; True once the reading is stable."""
        self.now = now
        if packet.pleth:
            self.report(Progress("pleth", None, "", {"samples": list(packet.pleth)}))
        self.waiting = packet.finger_out or packet.values_missing
        phase = "waiting_for_finger" if self.waiting else "measuring"
        if phase != self.phase:
            self.phase = phase
            self.report(Progress("phase", None, "", {"phase": phase}))
        if self.waiting:
            self.perfusion = None  # perfusion is shown only while a pulse is found
        elif packet.perfusion is not None:
            self.perfusion = packet.perfusion
        if packet.artifact or packet.out_of_track:
            self.last_artifact_at = now
        stable = self.tracker.update_packet(packet, now)
        due = self.last_report_at is None or now - self.last_report_at >= PROGRESS_EVERY_S
        if stable or due:
            self.last_report_at = now
            self.report(
                Progress(
                    "oximetry",
                    packet.spo2_d,
                    "%",
                    {
                        "pulse": packet.hr_d,
                        "perfusion": self.perfusion,
                        "flags": sorted(self.flags(packet)),
                        "stable": stable,
                    },
                )
            )
        return stable
