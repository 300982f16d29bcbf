"""A simulated Nonin pulse oximeter (sans I/O) streaming format 7, 2 or 8, with fault scenarios.

It streams at the real rate (75 frames per second, one packet every 1/3 s, in formats 2 and 7;
one record per second in format 8): a pleth waveform at the pulse rate, plain values every packet
and display ("-D") values updated every 1.5 s and held 10 s after the finger leaves. Streaming
starts when the host sends its first byte (pyserial drops what arrives before the port is open),
or 0.3 s after the connection at the latest. The select-format command is answered ACK during
the first 5 s (NAK later, or for a format the device does not support) and switches the stream;
get-time is answered; set-time sets the clock silently.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random

from devices.oximeter.protocol import (
    ACK,
    FRAMES_PER_PACKET,
    FRAMES_PER_SECOND,
    NAK,
    STAT2_LOW_BATTERY,
    STAT2_SPA,
    STATUS_ALWAYS,
    STATUS_ARTF,
    STATUS_GPRF,
    STATUS_OOT,
    STATUS_RPRF,
    STATUS_SNSA,
    STATUS_SYNC,
    Command,
    CommandParser,
    FloatValues,
    encode_frame,
    encode_record8,
    encode_time_reply,
    float_schedule,
)

logger = logging.getLogger(__name__)

SCENARIOS: tuple[str, ...] = (
    "normal",
    "garbage",  # noise bytes between valid frames
    "babble",  # noise only, never a valid frame
    "silence",  # never sends anything
    "unplug",  # goes away 3 s into the stream
    "slow",  # replies ~150 ms late, the stream in bursts every 150 ms
    "finger_out",  # SNSA set; -D values held 10 s, then missing (127 / 511)
    "low_battery",  # STAT2 bit 0
    "motion",  # ARTF most of the time (OOT when it lasts), jumpy values
    "low_perfusion",  # red perfusion, a small pleth
    "hypoxia",  # SpO2 88
    "late_finger",  # the finger goes in 3 s into the stream
)

START_FALLBACK_S = 0.3
FORMAT_WINDOW_S = 5.0
DISPLAY_EVERY_S = 1.5
DISPLAY_HOLD_S = 10.0
SLOW_S = 0.15
UNPLUG_AFTER_S = 3.0
LATE_FINGER_S = 3.0
HYPOXIA_SPO2 = 88
PERFUSION_FRAMES = 12  # frames per beat that show the perfusion colour
MOTION_CYCLE_S = 3.5  # motion for 2.5 s, still for 1 s: never 5 s still
MOTION_S = 2.5
OOT_AFTER_S = 1.5  # artifact lasting longer than this is "out of track"
BABBLE_BYTES_PER_S = 960  # what 9600 baud carries
GARBAGE_PER_FRAME = 1 / 40  # chance of a noise burst before a frame (formats 2 and 7)
GARBAGE_PER_RECORD = 0.3  # and before a record (format 8)
SREV = 0x10
PERFUSION_BITS = {"high": STATUS_GPRF, "marginal": STATUS_GPRF | STATUS_RPRF, "low": STATUS_RPRF}
CLOCK_START = dt.datetime(2024, 1, 1, 8, 0, 0)
OP_SELECT_FORMAT = 0x70
OP_TIME = 0x72


class NoninModel:
    """The oximeter. ``spo2`` and ``pulse`` are the patient's true values; ``supported_formats``
    lets a test play an older device that refuses some formats; ``seed`` fixes the noise."""

    def __init__(
        self,
        data_format: int = 7,
        scenario: str = "normal",
        spo2: int = 97,
        pulse: int = 72,
        *,
        supported_formats: tuple[int, ...] = (2, 7, 8),
        seed: int = 0,
    ) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(
                f"unknown oximeter scenario {scenario!r}; valid: {', '.join(SCENARIOS)}"
            )
        if data_format not in (2, 7, 8):
            raise ValueError(f"Nonin data format must be 7, 2 or 8, got {data_format!r}")
        self.data_format = data_format
        self.scenario = scenario
        self.spo2 = HYPOXIA_SPO2 if scenario == "hypoxia" else spo2
        self.pulse = pulse
        self.supported_formats = supported_formats
        self.commands: list[Command] = []  # what the host sent, for tests
        self._rng = random.Random(seed)
        self._connected = True
        self._parser = CommandParser()
        self._queue: list[tuple[float, bytes]] = []  # replies due later (slow scenario)
        self._clock_offset = dt.timedelta()
        self._stream_origin: float | None = None  # when the stream first started
        self._format_origin = 0.0  # when the current format started
        self._units_sent = 0  # frames (formats 2 and 7) or records (8) in the current format
        self._noise_sent = 0
        self._next_burst = 0.0
        self._packet_index = 0
        self._frame_index = 0
        self._floats = bytes(FRAMES_PER_PACKET)
        self._beat_phase = 0.0
        self._frames_since_beat = PERFUSION_FRAMES
        self._next_display = 0.0
        self._spo2_d: int | None = None
        self._hr_d: int | None = None
        self._finger_left_at: float | None = None
        if scenario == "finger_out":  # the previous reading is still shown, then dropped
            self._spo2_d, self._hr_d, self._finger_left_at = self.spo2, self.pulse, 0.0

    @property
    def connected(self) -> bool:
        return self._connected

    # -- host side ---------------------------------------------------------------------------
    def receive(self, data: bytes, now: float) -> bytes:
        if self.scenario == "silence":
            return b""
        self._start(now)
        out = bytearray()
        for command in self._parser.feed(data):
            self.commands.append(command)
            out += self._answer(command, now)
        if not out or self.scenario == "babble":
            return b""
        if self.scenario == "slow":
            self._queue.append((now + SLOW_S, bytes(out)))
            return b""
        return bytes(out)

    def _answer(self, command: Command, now: float) -> bytes:
        if command.opcode == OP_SELECT_FORMAT:
            if (
                len(command.data) != 2
                or command.data[0] != 0x02
                or command.data[1] not in self.supported_formats
                or now > FORMAT_WINDOW_S
            ):
                return bytes([NAK])
            wanted = command.data[1]
            if wanted != self.data_format:
                self.data_format = wanted
                self._format_origin = now
                self._units_sent = 0
                self._frame_index = 0  # the new format starts with a whole packet
            return bytes([ACK])
        if command.opcode == OP_TIME and not command.data:
            return encode_time_reply(self._clock(now))
        if command.opcode == OP_TIME and len(command.data) == 6:
            yy, month, day, hour, minute, second = command.data
            try:
                wanted_time = dt.datetime(2000 + yy, month, day, hour, minute, second)
            except ValueError:
                return b""
            self._clock_offset = wanted_time - (CLOCK_START + dt.timedelta(seconds=now))
        return b""

    def _clock(self, now: float) -> dt.datetime:
        return CLOCK_START + dt.timedelta(seconds=now) + self._clock_offset

    # -- device side -------------------------------------------------------------------------
    def _start(self, now: float) -> None:
        if self._stream_origin is None and self.scenario != "silence":
            self._stream_origin = now
            self._format_origin = now
            self._next_display = 0.0
            self._next_burst = now

    def tick(self, now: float) -> bytes:
        if not self._connected or self.scenario == "silence":
            return b""
        if self._stream_origin is None and now >= START_FALLBACK_S:
            self._start(now)
        if self._stream_origin is None:
            return b""
        if self.scenario == "unplug" and now - self._stream_origin >= UNPLUG_AFTER_S:
            self._connected = False
            return b""
        out = bytearray()
        due = [item for item in self._queue if item[0] <= now]
        if due:
            self._queue = [item for item in self._queue if item[0] > now]
            for _, data in due:
                out += data
        if self.scenario == "slow":
            if now < self._next_burst:
                return bytes(out)
            self._next_burst = now + SLOW_S
        if self.scenario == "babble":
            count = int((now - self._stream_origin) * BABBLE_BYTES_PER_S) - self._noise_sent
            self._noise_sent += max(0, count)
            return bytes(out) + self._noise(max(0, count))
        if self.data_format == 8:
            while self._format_origin + self._units_sent <= now:
                out += self._record(self._format_origin + self._units_sent)
                self._units_sent += 1
        else:
            while self._format_origin + self._units_sent / FRAMES_PER_SECOND <= now:
                out += self._frame(self._format_origin + self._units_sent / FRAMES_PER_SECOND)
                self._units_sent += 1
        return bytes(out)

    def _noise(self, count: int) -> bytes:
        return bytes(self._rng.getrandbits(8) for _ in range(count))

    def _garbage(self, chance: float) -> bytes:
        if self.scenario == "garbage" and self._rng.random() < chance:
            return self._noise(self._rng.randint(1, 8))
        return b""

    # -- the patient -------------------------------------------------------------------------
    def _elapsed(self, t: float) -> float:
        assert self._stream_origin is not None
        return t - self._stream_origin

    def _finger_in(self, t: float) -> bool:
        if self.scenario == "finger_out":
            return False
        if self.scenario == "late_finger":
            return self._elapsed(t) >= LATE_FINGER_S
        return True

    def _moving(self, t: float) -> bool:
        return self.scenario == "motion" and self._elapsed(t) % MOTION_CYCLE_S < MOTION_S

    def _out_of_track(self, t: float) -> bool:
        return self._moving(t) and self._elapsed(t) % MOTION_CYCLE_S >= OOT_AFTER_S

    def _truth(self, t: float) -> tuple[int, int]:
        """The patient's SpO2 and pulse now (steady, unless the patient moves)."""
        spo2, pulse = self.spo2, self.pulse
        if self._moving(t):
            spo2 = max(70, min(100, spo2 + self._rng.randint(-4, 3)))
            pulse = max(30, pulse + self._rng.randint(-12, 12))
        return spo2, pulse

    def _perfusion(self, t: float) -> str | None:
        if not self._finger_in(t):
            return None
        if self.scenario == "low_perfusion":
            return "low"
        if self._moving(t):
            return "marginal"
        return "high"

    def _update_display(self, t: float) -> None:
        """-D values: every 1.5 s; held 10 s after the finger leaves, then missing."""
        while self._elapsed(t) >= self._next_display:
            at = t - self._elapsed(t) + self._next_display
            self._next_display += DISPLAY_EVERY_S
            if self._finger_in(at):
                self._finger_left_at = None
                self._spo2_d, self._hr_d = self._truth(at)
            else:
                if self._finger_left_at is None:
                    self._finger_left_at = self._elapsed(at)
                if self._elapsed(at) - self._finger_left_at >= DISPLAY_HOLD_S:
                    self._spo2_d = self._hr_d = None

    def _stat2(self, t: float) -> int:
        stat2 = STAT2_LOW_BATTERY if self.scenario == "low_battery" else 0
        if self._finger_in(t) and not self._moving(t) and self._perfusion(t) == "high":
            stat2 |= STAT2_SPA
        return stat2

    def _pleth(self, t: float) -> float:
        """The waveform at this frame, 0..1: a systolic peak and a dicrotic wave."""
        if not self._finger_in(t):
            return 0.5
        phase = self._beat_phase
        wave = math.exp(-(((phase - 0.18) / 0.08) ** 2)) + 0.35 * math.exp(
            -(((phase - 0.5) / 0.1) ** 2)
        )
        amplitude = 0.08 if self.scenario == "low_perfusion" else 0.7
        value = 0.15 + amplitude * wave / 1.05
        if self._moving(t):
            value += self._rng.uniform(-0.15, 0.15)
        return max(0.0, min(1.0, value))

    # -- frames, packets, records ------------------------------------------------------------
    def _frame(self, t: float) -> bytes:
        """Frame ``index`` of the current packet; the FLOAT schedule is fixed at frame 1."""
        index = self._frame_index
        if index == 0:
            self._update_display(t)
            self._floats = float_schedule(self._packet_values(t))
        _, pulse = self._truth(t)
        self._beat_phase += pulse / 60.0 / FRAMES_PER_SECOND
        if self._beat_phase >= 1.0:
            self._beat_phase -= 1.0
            self._frames_since_beat = 0
        else:
            self._frames_since_beat += 1
        status = STATUS_ALWAYS | (STATUS_SYNC if index == 0 else 0)
        if not self._finger_in(t):
            status |= STATUS_SNSA
        if self._moving(t):
            status |= STATUS_ARTF
        if self._out_of_track(t):
            status |= STATUS_OOT
        perfusion = self._perfusion(t)
        if perfusion is not None and self._frames_since_beat < PERFUSION_FRAMES:
            status |= PERFUSION_BITS[perfusion]
        top = 0xFF if self.data_format == 2 else 0xFFFF
        pleth = round(self._pleth(t) * top)
        self._frame_index = (index + 1) % FRAMES_PER_PACKET
        frame = encode_frame(self.data_format, status, pleth, self._floats[index])
        return self._garbage(GARBAGE_PER_FRAME) + frame

    def _packet_values(self, t: float) -> FloatValues:
        finger = self._finger_in(t)
        spo2, hr = self._truth(t) if finger else (None, None)
        self._packet_index += 1
        return FloatValues(
            hr=hr,
            spo2=spo2,
            firmware_revision=SREV,
            timer=(self._packet_index - 1) & 0x3FFF,
            stat2=self._stat2(t),
            spo2_d=self._spo2_d,
            spo2_fast=spo2,
            spo2_beat=spo2,
            e_hr=hr,
            e_spo2=spo2,
            e_spo2_d=self._spo2_d,
            hr_d=self._hr_d,
            e_hr_d=self._hr_d,
        )

    def _record(self, t: float) -> bytes:
        self._update_display(t)
        return self._garbage(GARBAGE_PER_RECORD) + encode_record8(
            self._hr_d,
            self._spo2_d,
            artifact=self._moving(t),
            out_of_track=self._out_of_track(t),
            perfusion=self._perfusion(t),
            spa=bool(self._stat2(t) & STAT2_SPA),
            finger_out=not self._finger_in(t),
            low_battery=self.scenario == "low_battery",
        )
