"""A simulated SunTech Advantage NIBP module (sans I/O), with scripted fault scenarios.

It follows the protocol file: replies 20-50 ms after each command, ``O`` to a start, inflation at
18 mmHg/s to 160 mmHg (or 30 mmHg above the systolic), stepwise deflation, a cycle of about
30 s, an unsolicited ``K`` when the cycle ends, the result on "get BP data", ``A`` to an abort
(and the cuff really deflates), ``D`` to a command it does not know. It refuses nothing because
the cuff is still inflated: checking that is the host's job.

Times are the simulated ``now`` the runner passes in (seconds since the connection).
"""

from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass

from devices.bp import protocol as p

logger = logging.getLogger(__name__)

SCENARIOS: tuple[str, ...] = (
    "normal",
    "garbage",  # noise bytes and broken frames between the valid replies
    "babble",  # only noise, never a valid frame, and it never stops once spoken to
    "silence",  # never answers
    "unplug",  # disappears 5 s into a measurement
    "slow",  # every reply 150 ms late (still well within the host's limits)
    "motion",  # error 2: erratic signal
    "loose_cuff",  # the cuff never builds up pressure: error 87
    "over_pressure",  # pressure runs past 300 mmHg: error 89
    "weak_signal",  # error 1
    "not_deflated",  # the cuff holds 40 mmHg for 20 s after the first command, then empties
    "busy",  # the first start is answered B, the next one O
    "hypertension",  # 185/115, pulse 90: a valid reading
    "safety_timeout",  # the cycle drags past 120 s: error 88
    "no_pressure_value",  # the first two cuff-pressure replies are "no value" (FF FF)
    "stops_answering",  # the firmware hangs 5 s into a measurement; the line stays up
)

REPLY_DELAY_S = (0.02, 0.05)
SLOW_REPLY_DELAY_S = 0.15
INFLATE_RATE = 18.0  # mmHg/s
DEFAULT_INITIAL_PRESSURE = 160
ABORT_DUMP_RATE = 50.0  # mmHg/s: the dump valve after an abort
UNPLUG_AFTER_S = 5.0
NOT_DEFLATED_MMHG = 40.0
NOT_DEFLATED_HOLD_S = 20.0
NOT_DEFLATED_DUMP_RATE = 20.0
VERSION = ("LX0310", "SIM-ADV-0001")  # an Advantage ("LX" prefix)
ABORTED_BY_USER = 86
BABBLE_BYTES_PER_S = 200
BABBLE_MAX_BURST = 64
_NOISE_BYTES = bytes(b for b in range(256) if b != p.MODULE_SYNC)


@dataclass(frozen=True)
class _Profile:
    """How the cuff pressure moves during one cycle (t = seconds since the start)."""

    rate: float  # mmHg/s while inflating
    peak: float  # the pump stops here
    inflate_s: float  # how long the pump runs (the pressure plateaus at ``peak`` after)
    step_mmhg: float  # stepwise deflation...
    step_s: float
    floor: float  # ...down to here
    dump_s: float  # then the dump valve empties the cuff in this time
    give_up_at: float | None  # the module's own safety stop (dump starts then)
    error_code: int

    def _level_after_inflation(self) -> float:
        return min(self.peak, self.rate * self.inflate_s)

    def _deflation_end(self) -> float:
        level = self._level_after_inflation()
        steps = math.ceil((level - self.floor) / self.step_mmhg) if self.step_mmhg else 0
        end = self.inflate_s + max(0, steps) * self.step_s
        return end if self.give_up_at is None else min(end, self.give_up_at)

    def _stepped(self, t: float) -> float:
        level = self._level_after_inflation()
        if not self.step_mmhg:
            return level
        steps = math.floor((t - self.inflate_s) / self.step_s)
        return max(self.floor, level - steps * self.step_mmhg)

    @property
    def duration(self) -> float:
        return self._deflation_end() + self.dump_s

    def pressure(self, t: float) -> float:
        if t < self.inflate_s:
            return min(self.peak, self.rate * t)
        dump_at = self._deflation_end()
        if t < dump_at:
            return self._stepped(t)
        if t < dump_at + self.dump_s:
            start = self._stepped(dump_at - 1e-9) if dump_at > self.inflate_s else self.peak
            return start * (1.0 - (t - dump_at) / self.dump_s)
        return 0.0


def _profile(scenario: str, systolic: int, initial: int) -> _Profile:
    if scenario == "loose_cuff":
        # The pump runs, the cuff leaks: it never gets past a few mmHg, then inflation times out.
        return _Profile(2.0, 12.0, 12.0, 0.0, 1.0, 12.0, 1.0, None, 87)
    if scenario == "over_pressure":
        return _Profile(40.0, 305.0, 305.0 / 40.0, 0.0, 1.0, 305.0, 3.0, None, 89)
    peak = float(max(initial, systolic + 30))
    inflate_s = peak / INFLATE_RATE
    if scenario == "safety_timeout":
        return _Profile(INFLATE_RATE, peak, inflate_s, 1.0, 1.0, 0.0, 2.0, 120.0, 88)
    error = {"motion": 2, "weak_signal": 1}.get(scenario, 0)
    return _Profile(INFLATE_RATE, peak, inflate_s, 8.0, 1.1, 40.0, 2.0, None, error)


@dataclass
class _Cycle:
    started: float
    profile: _Profile


class SuntechModel:
    """The module as the protocol file describes it; ``scenario`` scripts one fault."""

    def __init__(
        self,
        scenario: str = "normal",
        systolic: int = 120,
        diastolic: int = 80,
        pulse: int = 72,
        *,
        seed: int = 0,
    ) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(
                f"unknown SunTech scenario {scenario!r}; valid scenarios: {', '.join(SCENARIOS)}"
            )
        if scenario == "hypertension" and (systolic, diastolic, pulse) == (120, 80, 72):
            systolic, diastolic, pulse = 185, 115, 90
        self.scenario = scenario
        self.systolic = systolic
        self.diastolic = diastolic
        self.pulse = pulse
        self._rng = random.Random(seed)
        self._decoder = p.CommandDecoder()
        self._connected = True
        self._hung = False
        self._outbox: list[tuple[float, bytes]] = []  # (due, bytes), due times never decrease
        self._cycle: _Cycle | None = None
        self._dump: tuple[float, float] | None = None  # (since, from mmHg) after an abort
        self._first_command_at: float | None = None
        self._babbled_until = 0.0
        self._initial_pressure = DEFAULT_INITIAL_PRESSURE
        self._starts_seen = 0
        self._pressure_queries = 0
        self._last_result = p.encode_bp_result(systolic=0, diastolic=0, mean=0, heart_rate=0)
        self.commands: list[bytes] = []  # every command frame received, for tests

    # -- DeviceModel --------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._connected

    def receive(self, data: bytes, now: float) -> bytes:
        if not self._connected:
            return b""
        for command in self._decoder.feed(data):
            self.commands.append(command.frame)
            if self._first_command_at is None:
                self._first_command_at = self._babbled_until = now
            if not self._hung:
                self._handle(command, now)
        return b""  # every reply is delayed; tick() sends it when due

    def tick(self, now: float) -> bytes:
        if not self._connected or self._hung:
            return b""
        cycle = self._cycle
        if cycle is not None:
            if self.scenario == "unplug" and now - cycle.started >= UNPLUG_AFTER_S:
                logger.info("suntech sim: unplugged in the middle of a measurement")
                self._connected = False
                return b""
            if self.scenario == "stops_answering" and now - cycle.started >= UNPLUG_AFTER_S:
                logger.info("suntech sim: the firmware hangs in the middle of a measurement")
                self._hung = True
                return b""
            if now - cycle.started >= cycle.profile.duration:
                self._finish(cycle, now)
        out = bytearray()
        while self._outbox and self._outbox[0][0] <= now:
            out += self._outbox.pop(0)[1]
        if self.scenario == "babble" and self._first_command_at is not None:
            # It never stops talking: noise at about BABBLE_BYTES_PER_S, whether asked or not.
            due = min(BABBLE_MAX_BURST, int((now - self._babbled_until) * BABBLE_BYTES_PER_S))
            if due > 0:
                out += bytes(self._rng.choice(_NOISE_BYTES) for _ in range(due))
                self._babbled_until = now
        return bytes(out)

    # -- the module ---------------------------------------------------------------------------

    def pressure(self, now: float) -> float:
        """The cuff pressure in mmHg at ``now`` (simulated seconds)."""
        if self._cycle is not None:
            return self._cycle.profile.pressure(now - self._cycle.started)
        if self._dump is not None:
            since, level = self._dump
            left = level - ABORT_DUMP_RATE * (now - since)
            if left > 0:
                return left
            self._dump = None
        if self.scenario == "not_deflated":
            first = self._first_command_at if self._first_command_at is not None else now
            held = now - first - NOT_DEFLATED_HOLD_S
            return max(0.0, NOT_DEFLATED_MMHG - max(0.0, held) * NOT_DEFLATED_DUMP_RATE)
        return 0.0

    @property
    def measuring(self) -> bool:
        return self._cycle is not None

    def _handle(self, command: p.Command, now: float) -> None:
        frame = command.frame
        if not command.known:
            self._reply(now, p.encode_status("D"))
        elif frame in (p.START_BP_ADULT, p.START_BP_PEDIATRIC, p.START_BP_NEONATE):
            self._start(now)
        elif frame == p.ABORT_BP:
            self._abort(now)
        elif frame == p.GET_CUFF_PRESSURE:
            self._pressure_queries += 1
            value: int | None = round(self.pressure(now))
            if self.scenario == "no_pressure_value" and self._pressure_queries <= 2:
                value = None
            self._reply(now, p.encode_cuff_pressure(value))
        elif frame == p.GET_BP_DATA:
            self._reply(now, self._last_result)
        elif frame == p.GET_RETURN_STRING:
            self._reply(now, p.encode_version(*VERSION))
        elif frame == p.GET_RETURN_CODE:
            self._reply(now, p.encode_reply(b"\x00\x00\x00"))
        elif frame == p.STATUS_SELF_TEST_A_PLUS:
            self._reply(now, p.encode_status("D"))  # this is an Advantage, not an A+
        elif frame == p.RESET:
            self._abort_cycle(now)
            self._reply(now, p.encode_status("K"))
        elif command.body[0] == 0x17:
            self._initial_pressure = int.from_bytes(command.body[1:3], "little")
            self._reply(now, p.encode_status("K"))
        else:  # module data, status / self test, control pneumatics, calibrate
            self._reply(now, p.encode_status("K"))

    def _start(self, now: float) -> None:
        self._starts_seen += 1
        if self._cycle is not None or (self.scenario == "busy" and self._starts_seen == 1):
            self._reply(now, p.encode_status("B"))
            return
        self._dump = None
        profile = _profile(self.scenario, self.systolic, self._initial_pressure)
        self._cycle = _Cycle(started=now, profile=profile)
        self._reply(now, p.encode_status("O"))

    def _abort_cycle(self, now: float) -> bool:
        if self._cycle is None:
            return False
        self._dump = (now, self.pressure(now))
        self._cycle = None
        return True

    def _abort(self, now: float) -> None:
        if self._abort_cycle(now):
            self._last_result = p.encode_bp_result(
                systolic=0, diastolic=0, mean=0, heart_rate=0, error_code=ABORTED_BY_USER
            )
            logger.info("suntech sim: aborted, the cuff deflates")
        self._reply(now, p.encode_status("A"))

    def _finish(self, cycle: _Cycle, now: float) -> None:
        self._cycle = None
        code = cycle.profile.error_code
        if code:
            self._last_result = p.encode_bp_result(
                systolic=0, diastolic=0, mean=0, heart_rate=0, error_code=code
            )
        else:
            mean = round(self.diastolic + (self.systolic - self.diastolic) / 3)
            beats = min(255, round(self.pulse * cycle.profile.duration / 60))
            self._last_result = p.encode_bp_result(
                systolic=self.systolic,
                diastolic=self.diastolic,
                mean=mean,
                heart_rate=self.pulse,
                beats=beats,
                bp_status=1,
            )
        self._reply(now, p.encode_status("K"), delay=0.0)  # unsolicited: the cycle is over

    # -- output -------------------------------------------------------------------------------

    def _reply(self, now: float, frame: bytes, delay: float | None = None) -> None:
        if self.scenario == "silence":
            return
        if delay is None:
            delay = (
                SLOW_REPLY_DELAY_S if self.scenario == "slow" else self._rng.uniform(*REPLY_DELAY_S)
            )
        if self.scenario == "babble":
            frame = self._noise()
        elif self.scenario == "garbage":
            frame = self._noise() + frame + self._noise()
        due = now + delay
        if self._outbox:
            due = max(due, self._outbox[-1][0])
        self._outbox.append((due, frame))

    def _noise(self) -> bytes:
        """Noise that can never complete a valid frame, so no reading is ever made up.

        Random bytes other than the sync byte, sometimes with a sync byte followed by an
        impossible length, or a whole frame whose checksum is wrong.
        """
        rng = self._rng
        out = bytearray(rng.choice(_NOISE_BYTES) for _ in range(rng.randint(1, 8)))
        roll = rng.random()
        if roll < 0.25:
            out += bytes([p.MODULE_SYNC, rng.choice([0x00, 0x02, 0x44, 0x90, 0xFF])])
        elif roll < 0.5:
            body = bytes([p.MODULE_SYNC, 0x05, rng.randint(0, 0x3D), rng.randint(0, 0x3D)])
            wrong = (p.checksum(body) + 1) & 0xFF
            out += body + bytes([wrong if wrong != p.MODULE_SYNC else wrong + 1])
        return bytes(out)
