"""A simulated Welch Allyn SureTemp Plus module (sans I/O), with scripted fault scenarios.

The probe sits in its well (state 2, ready) until it is "taken out" ``probe_out_after`` simulated
seconds after the first temperature poll of a cycle; the module then predicts (states 3 and 4,
the probe warming up from about 25 °C), shows the final temperature (state 6) after
``predict_seconds``, and goes back to ready once the probe is "put back" ``put_back_after``
seconds after the host first read that final (the assistant reads the screen, then puts the probe
back: a compressed clock never hides the final between two polls). The next poll starts a new
cycle. The locked-probe commands (3503 + 3604) start and end a cycle at once, as a technician's
self-test does.
"""

from __future__ import annotations

import logging
import math
import random
import struct
from collections.abc import Iterable

from devices.thermometer.protocol import (
    PREAMBLE,
    Command,
    Packet,
    PacketDecoder,
    PacketType,
    ProbeType,
    State,
    StatusRecord,
    TemperatureRecord,
    encode_response,
    encode_status,
    encode_temperature_record,
)

logger = logging.getLogger(__name__)

SCENARIOS: tuple[str, ...] = (
    "normal",
    "garbage",  # noise between valid packets
    "babble",  # noise only, never a valid packet
    "silence",  # never answers
    "unplug",  # the module goes away while predicting
    "slow",  # every reply comes about 150 ms late
    "fever",  # final 39.8 °C
    "over_range",  # final state 8 (over temperature)
    "under_range",  # final state 10 (under temperature)
    "error",  # error status (state 20), error code 5
    "no_probe",  # probe type 3, never ready
    "implausible",  # final 28.0 °C
    "post_fail",  # power-on self-test code 7
    "long_record",  # the 33-byte temperature record
)

FINAL_CELSIUS = {"fever": 39.8, "implausible": 28.0}
KELVIN = 273.15
START_CELSIUS = 25.0  # the probe's temperature in its well
SAMPLE_S = 0.173
SLOW_REPLY_S = 0.15
ERROR_CODE = 5
POST_FAIL_CODE = 7
ALL_POST_TESTS = 0xFC00  # data bus, address bus, memory, segments, thermistor, heater
UNPLUG_AFTER_S = 2.0  # into the prediction


class SureTempModel:
    """The module, answering every command with a good response (unknown ones with a bad one).

    ``method``: 0 predictive, 1 monitor (the module then shows state 12 instead of predicting);
    ``unsupported``: command codes to answer with a bad response, as an older module might;
    ``ignored``: command codes never answered at all;
    ``predict_seconds`` / ``put_back_after``: the cycle's timing; ``seed``: the noise's seed.
    """

    def __init__(
        self,
        scenario: str = "normal",
        final_celsius: float | None = None,
        probe_out_after: float = 1.0,
        *,
        predict_seconds: float = 8.0,
        put_back_after: float = 5.0,
        method: int = 0,
        unsupported: Iterable[int] = (),
        ignored: Iterable[int] = (),
        seed: int = 0,
    ) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(
                f"unknown thermometer scenario {scenario!r}; valid: {', '.join(SCENARIOS)}"
            )
        self.scenario = scenario
        self.final_celsius = (
            final_celsius if final_celsius is not None else FINAL_CELSIUS.get(scenario, 37.0)
        )
        self.probe_out_after = probe_out_after
        self.predict_seconds = predict_seconds
        self.put_back_after = put_back_after
        self.method = method
        self.unsupported = frozenset(unsupported)
        self.ignored = frozenset(ignored)
        self.connected = True
        self.locked = False
        self.clinical_pause_ms = 0
        self._rng = random.Random(seed)
        self._decoder = PacketDecoder()
        self._delayed: list[tuple[float, bytes]] = []
        self._tail = b""  # last bytes sent, so noise never completes a preamble across writes
        self._started: float | None = None
        self._phase = "ready"  # "ready", "out" (predicting), "final"
        self._out_at: float | None = None  # when the probe leaves (or left) its well
        self._final_read_at: float | None = None  # when the host first read this cycle's end
        self._next_noise = 0.0

    # --- DeviceModel -------------------------------------------------------------------------

    def receive(self, data: bytes, now: float) -> bytes:
        if self._started is None:
            self._started = now
        self._advance(now)
        if self.scenario == "silence" or not self.connected:
            return b""
        if self.scenario == "babble":
            return self._send(self._noise(8, 24))
        out = bytearray()
        for packet in self._decoder.feed(data):
            if packet.type != PacketType.COMMAND or packet.command in self.ignored:
                continue  # a module only answers commands
            reply = self._answer(packet, now)
            if self.scenario == "slow":
                self._delayed.append((now + SLOW_REPLY_S, reply))
            elif self.scenario == "garbage":
                out += self._send(self._noise(1, 12, fragment=True))
                out += self._send(reply)
            else:
                out += self._send(reply)
        return bytes(out)

    def tick(self, now: float) -> bytes:
        if self._started is None:
            self._started = now
        self._advance(now)
        if not self.connected:
            return b""
        out = bytearray()
        while self._delayed and self._delayed[0][0] <= now:
            out += self._send(self._delayed.pop(0)[1])
        if self.scenario in ("garbage", "babble") and now >= self._next_noise:
            self._next_noise = now + 0.2 + self._rng.random() * 0.3
            out += self._send(self._noise(1, 8))
        return bytes(out)

    # --- the probe cycle ---------------------------------------------------------------------

    def _advance(self, now: float) -> None:
        if self._phase == "ready" and self._out_at is not None and now >= self._out_at:
            self._phase = "out"
            logger.debug("suretemp sim: probe out at %.2f", now)
        if self._phase == "out" and self._out_at is not None:
            elapsed = now - self._out_at
            if self.scenario == "unplug" and elapsed >= UNPLUG_AFTER_S:
                if self.connected:
                    logger.info("suretemp sim: unplugged while predicting")
                self.connected = False
            if self.method != 1 and elapsed >= self.predict_seconds:
                self._phase = "final"
        if (
            self._phase == "final"
            and self._final_read_at is not None
            and not self.locked
            and now >= self._final_read_at + self.put_back_after
        ):
            self._put_back()

    def _put_back(self) -> None:
        self._phase = "ready"
        self._out_at = None
        self._final_read_at = None

    def _record(self, now: float) -> TemperatureRecord:
        start = self._started if self._started is not None else now
        counter = int((now - start) / SAMPLE_S)
        final_k = 0.0
        error = 0
        active = self._phase != "ready"
        probe_c = START_CELSIUS
        if self.scenario == "no_probe":
            state = State.NOT_READY
            active = False
        elif self._phase == "ready":
            state = State.READY
        else:
            elapsed = now - (self._out_at or now)
            probe_c = self.final_celsius - (self.final_celsius - START_CELSIUS) * math.exp(
                -elapsed / 2.0
            )
            if self._phase == "out":
                if self.method == 1:
                    state = State.NO_PREDICT
                else:
                    state = State.PREDICT if elapsed < 1.0 else State.PREDICT_DISPLAY
            else:
                state, final_k, error = self._final_state()
        probe_type = ProbeType.NO_PROBE if self.scenario == "no_probe" else ProbeType.ORAL_AXILLARY
        if self.scenario != "long_record":
            return TemperatureRecord(
                final_k,
                probe_c + KELVIN,
                counter & 0xFFFFFFFF,
                self.method,
                0,
                state,
                error,
                active,
                probe_type,
            )
        return TemperatureRecord(
            final_k,
            probe_c + KELVIN,
            counter & 0xFFFF,
            self.method,
            0,
            state,
            error,
            active,
            probe_type,
            heater_pwm=350 if active else 0,
            probe_resistance=10000.0 * math.exp(3950.0 * (1 / (probe_c + KELVIN) - 1 / 298.15)),
            ambient_kelvin=22.0 + KELVIN,
            ptb_resistance=10000.0,
            battery_centivolts=450,
        )

    def _final_state(self) -> tuple[State, float, int]:
        final_k = self.final_celsius + KELVIN
        if self.scenario == "over_range":
            return State.FINAL_OVER, final_k, 0
        if self.scenario == "under_range":
            return State.FINAL_UNDER, final_k, 0
        if self.scenario == "error":
            return State.ERROR, 0.0, ERROR_CODE
        return State.FINAL, final_k, 0

    # --- commands ----------------------------------------------------------------------------

    def _answer(self, packet: Packet, now: float) -> bytes:
        command = packet.command
        if command in self.unsupported:
            return encode_response(command, good=False)
        if command == Command.SEND_TEMPERATURE:
            if self._phase == "ready" and self._out_at is None and self.scenario != "no_probe":
                self._out_at = now + self.probe_out_after
            if self._phase == "final" and self._final_read_at is None:
                self._final_read_at = now
            return encode_response(command, encode_temperature_record(self._record(now)))
        if command == Command.SEND_STATUS:
            post = POST_FAIL_CODE if self.scenario == "post_fail" else 0
            return encode_response(command, encode_status(StatusRecord(post, ALL_POST_TESTS)))
        if command == Command.LOCK_PROBE and len(packet.data) == 1:
            self.locked = bool(packet.data[0])
            return encode_response(command)
        if command == Command.SET_TEMPERATURE_PROBE and len(packet.data) == 1:
            if packet.data[0] and self._phase == "ready" and self.scenario != "no_probe":
                self._out_at = now
                self._advance(now)
            elif not packet.data[0]:
                self._put_back()
            return encode_response(command)
        if command == Command.SET_METHOD and len(packet.data) == 1:
            self.method = packet.data[0]
            return encode_response(command)
        if command == Command.SET_CLINICAL_PAUSE and len(packet.data) == 2:
            (self.clinical_pause_ms,) = struct.unpack("<H", packet.data)
            return encode_response(command)
        if command == Command.GET_CLINICAL_PAUSE:
            return encode_response(command, struct.pack("<H", self.clinical_pause_ms))
        if command in (
            Command.SEND_PROBE_MODE,
            Command.SEND_DEFAULT_PROBE_MODE,
            Command.SEND_DEFAULT_THERMOMETER_MODE,
            Command.DIGITAL_INPUT_STATUS,
        ):
            return encode_response(command, b"\x00")
        if command == Command.RESTART:
            self._put_back()
            self.locked = False
            return encode_response(command)
        if command in (Command.ENABLE_ASYNC_MESSAGES, Command.ERASE_EVENT_LOG):
            return encode_response(command)
        logger.debug("suretemp sim: bad response to %04X", command)
        return encode_response(command, good=False)

    # --- noise -------------------------------------------------------------------------------

    def _noise(self, low: int, high: int, *, fragment: bool = False) -> bytes:
        """Random bytes that never hold (nor complete) a preamble; maybe a preamble's start."""
        noise = bytearray(self._rng.randbytes(self._rng.randint(low, high)))
        if fragment and self._rng.random() < 0.5:
            noise += PREAMBLE[: self._rng.randint(1, 2)]
        while PREAMBLE in self._tail + noise:
            index = (self._tail + noise).find(PREAMBLE) - len(self._tail)
            noise[max(index, 0)] = self._rng.randrange(0x04, 0x100)
        return bytes(noise)

    def _send(self, data: bytes) -> bytes:
        """Remember the tail of what goes out (call in the order the bytes are sent)."""
        if data:
            self._tail = (self._tail + data)[-2:]
        return data
