"""Welch Allyn SureTemp Plus OEM module: the wire format, sans I/O.

A packet, in both directions (host to module and back)::

    03 02 10 | command (2, big-endian) | type (1) | data size (2, little-endian) | data | checksum

The checksum is the 8-bit two's complement of the sum of every preceding byte, so a whole packet
sums to 0 mod 256. Numbers inside the data are little-endian.

This module only turns bytes into values and back: ``encode_*`` build packets and records,
``decode_*`` read them (raising ``CodecError``), and ``PacketDecoder`` cuts a byte stream into
packets, resynchronising one byte at a time after noise.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

from devices.errors import CodecError

PREAMBLE = b"\x03\x02\x10"
HEADER_SIZE = 8  # preamble (3) + command (2) + type (1) + data size (2)
# The largest record the protocol documents has 33 data bytes. A bigger size is far more likely a
# noise byte that happens to sit where a size would be than a real packet: refusing it at once
# lets the decoder resynchronise instead of waiting for hundreds of bytes that never come.
MAX_DATA_SIZE = 128


class PacketType(IntEnum):
    COMMAND = 0x01
    GOOD = 0x02  # good response
    BAD = 0x03  # bad response (NAK)


class Command(IntEnum):
    """Command codes (names from the vendor manual)."""

    SEND_PROBE_MODE = 0x2945
    SEND_DEFAULT_PROBE_MODE = 0x2949
    SET_METHOD = 0x2A12
    RESTART = 0x3000
    DIGITAL_INPUT_STATUS = 0x3101
    ERASE_EVENT_LOG = 0x3109
    LOCK_PROBE = 0x3503
    SET_TEMPERATURE_PROBE = 0x3604
    SEND_STATUS = 0x9401  # "send thermometer status, no clear"
    GET_CLINICAL_PAUSE = 0x9413
    SEND_DEFAULT_THERMOMETER_MODE = 0x9415
    SEND_TEMPERATURE = 0x941C
    SET_CLINICAL_PAUSE = 0x9433
    ENABLE_ASYNC_MESSAGES = 0x9434


class State(IntEnum):
    """The module's SureTemp state (byte 10 of the 19-byte record)."""

    IDLE = 0
    NOT_READY = 1
    READY = 2
    PREDICT = 3
    PREDICT_DISPLAY = 4
    PREDICT_POSITION = 5
    FINAL = 6
    FINAL_POSITION = 7
    FINAL_OVER = 8
    FINAL_OVER_POSITION = 9
    FINAL_UNDER = 10
    FINAL_UNDER_POSITION = 11
    NO_PREDICT = 12  # monitor mode
    END_NORMAL = 13
    ERROR = 20


WAITING_STATES = frozenset({State.IDLE, State.NOT_READY, State.READY})
PREDICTING_STATES = frozenset({State.PREDICT, State.PREDICT_DISPLAY, State.PREDICT_POSITION})
FINAL_STATES = frozenset({State.FINAL, State.FINAL_POSITION})
OVER_RANGE_STATES = frozenset({State.FINAL_OVER, State.FINAL_OVER_POSITION})
UNDER_RANGE_STATES = frozenset({State.FINAL_UNDER, State.FINAL_UNDER_POSITION})


class Method(IntEnum):
    NORMAL = 0  # predictive
    MONITOR = 1
    CLINICAL = 2


class Algorithm(IntEnum):
    ORAL = 0
    RECTAL = 1
    PEDIATRIC_AXILLARY = 2
    CAL_KEY = 3
    ADULT_AXILLARY = 4


class ProbeType(IntEnum):
    ORAL_AXILLARY = 0
    CAL_KEY = 1
    RECTAL = 2
    NO_PROBE = 3


KELVIN_OFFSET = 273.15

# Bits of the status record's "tests performed" bitmap, highest first.
POST_TESTS: tuple[tuple[int, str], ...] = (
    (15, "data bus"),
    (14, "address bus"),
    (13, "physical memory"),
    (12, "segments"),
    (11, "thermistor"),
    (10, "heater"),
)
POST_PASSED = 0
POST_NOT_READY = 255


def checksum(data: bytes) -> int:
    """The byte that makes ``data`` + checksum sum to 0 mod 256."""
    return -sum(data) & 0xFF


@dataclass(frozen=True)
class Packet:
    """One packet: a command (type 01), a good response (02) or a bad response (03)."""

    command: int
    type: int
    data: bytes = b""

    @property
    def is_good(self) -> bool:
        return self.type == PacketType.GOOD

    @property
    def is_bad(self) -> bool:
        return self.type == PacketType.BAD

    @property
    def is_response(self) -> bool:
        return self.type in (PacketType.GOOD, PacketType.BAD)

    def encode(self) -> bytes:
        return encode_packet(self.command, self.type, self.data)

    def describe(self) -> str:
        try:
            kind = PacketType(self.type).name.lower()
        except ValueError:
            kind = f"type {self.type:02X}"
        return f"{self.command:04X} {kind} ({len(self.data)} data bytes)"


def encode_packet(command: int, packet_type: int, data: bytes = b"") -> bytes:
    """A whole packet, checksum included; raises CodecError on values out of their field."""
    if not 0 <= command <= 0xFFFF:
        raise CodecError(f"command code {command!r} does not fit in 16 bits")
    if not 0 <= packet_type <= 0xFF:
        raise CodecError(f"packet type {packet_type!r} does not fit in a byte")
    if len(data) > MAX_DATA_SIZE:
        raise CodecError(f"{len(data)} data bytes exceed the limit of {MAX_DATA_SIZE}")
    body = PREAMBLE + struct.pack(">HB", command, packet_type) + struct.pack("<H", len(data)) + data
    return body + bytes([checksum(body)])


def encode_command(command: int, data: bytes = b"") -> bytes:
    """A host-to-module command packet (type 01)."""
    return encode_packet(command, PacketType.COMMAND, data)


def encode_response(command: int, data: bytes = b"", *, good: bool = True) -> bytes:
    """A module-to-host response packet: good (type 02) or bad (type 03)."""
    return encode_packet(command, PacketType.GOOD if good else PacketType.BAD, data)


def decode_packet(frame: bytes) -> Packet:
    """Exactly one whole packet; raises CodecError when it is not one."""
    if len(frame) < HEADER_SIZE + 1:
        raise CodecError(f"a packet has at least {HEADER_SIZE + 1} bytes, got {len(frame)}")
    if frame[:3] != PREAMBLE:
        raise CodecError(f"bad preamble {frame[:3].hex(' ')}")
    command, packet_type = struct.unpack_from(">HB", frame, 3)
    (size,) = struct.unpack_from("<H", frame, 6)
    if len(frame) != HEADER_SIZE + size + 1:
        raise CodecError(f"the size field says {size} data bytes, the frame has {len(frame)} bytes")
    if sum(frame) & 0xFF:
        raise CodecError(f"bad checksum {frame[-1]:02X}, expected {checksum(frame[:-1]):02X}")
    return Packet(command, packet_type, bytes(frame[HEADER_SIZE:-1]))


class PacketDecoder:
    """Cut a byte stream into packets, whatever noise surrounds them.

    ``feed`` returns every whole, checksum-valid packet the new bytes complete. On a missing
    preamble, an impossible size or a bad checksum it drops ONE byte and scans again, so a valid
    packet that follows (or hides inside) noise is never lost. It holds at most one incomplete
    candidate (``HEADER_SIZE + MAX_DATA_SIZE + 1`` bytes), so its buffer cannot grow without
    bound. ``flush`` is for when the line went quiet: the incomplete candidate will never be
    finished, so it is abandoned one byte at a time too, and any packet hidden in it is returned.
    """

    def __init__(self, max_data_size: int = MAX_DATA_SIZE) -> None:
        self.max_data_size = max_data_size
        self._buffer = bytearray()
        self.skipped = 0  # bytes dropped while resynchronising, for diagnostics

    @property
    def pending(self) -> int:
        """Bytes held while waiting for the rest of a packet."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Packet]:
        self._buffer += data
        return self._scan(final=False)

    def flush(self) -> list[Packet]:
        """Give up on any incomplete packet (one byte at a time) and return what that reveals."""
        return self._scan(final=True)

    def _drop(self, count: int) -> None:
        del self._buffer[:count]
        self.skipped += count

    def _scan(self, *, final: bool) -> list[Packet]:
        packets: list[Packet] = []
        buf = self._buffer
        while buf:
            start = buf.find(PREAMBLE[0])
            if start < 0:
                self._drop(len(buf))
                break
            if start:
                self._drop(start)
            # Here buf[0] is the first preamble byte.
            prefix = bytes(buf[: len(PREAMBLE)])
            if not PREAMBLE.startswith(prefix):
                self._drop(1)
                continue
            if len(buf) < HEADER_SIZE:
                if final:
                    self._drop(1)
                    continue
                break
            (size,) = struct.unpack_from("<H", buf, 6)
            if size > self.max_data_size:
                self._drop(1)
                continue
            total = HEADER_SIZE + size + 1
            if len(buf) < total:
                if final:
                    self._drop(1)
                    continue
                break
            if sum(buf[:total]) & 0xFF:
                self._drop(1)
                continue
            command, packet_type = struct.unpack_from(">HB", buf, 3)
            packets.append(Packet(command, packet_type, bytes(buf[HEADER_SIZE : total - 1])))
            del buf[:total]
        return packets


# --- Temperature record (reply to 941C) -------------------------------------------------------

SHORT_RECORD_SIZE = 19
LONG_RECORD_SIZE = 33
_SHORT_RECORD = struct.Struct("<ffIbbbh?b")
# The 33-byte form, field order as the vendor manual's TEMP table (page 35) gives it: the heater
# PWM sits between the probe temperature and a 16-bit sample counter, and four fields follow the
# probe type.
_LONG_RECORD = struct.Struct("<ffHHbbbh?bfffH")
assert _SHORT_RECORD.size == SHORT_RECORD_SIZE
assert _LONG_RECORD.size == LONG_RECORD_SIZE


@dataclass(frozen=True)
class TemperatureRecord:
    """The module's current temperature record, in either of its two forms.

    The fields after ``probe_type`` exist in the 33-byte form only (None in the 19-byte one).
    """

    final_kelvin: float  # final or predicted temperature; 0 when there is none yet
    probe_kelvin: float  # current probe temperature
    sample_counter: int  # one sample = 173 ms
    method: int
    algorithm: int
    state: int
    error_code: int
    active: bool  # probe out and active
    probe_type: int
    heater_pwm: int | None = None  # 0-999
    probe_resistance: float | None = None  # ohms
    ambient_kelvin: float | None = None  # ambient temperature used in the final result
    ptb_resistance: float | None = None  # ohms, read at the beginning of a cycle
    battery_centivolts: int | None = None  # 1/100 V

    @property
    def long_form(self) -> bool:
        return self.heater_pwm is not None

    @property
    def final_celsius(self) -> float:
        """The final temperature in °C, one decimal, as the module's display shows it."""
        return round(self.final_kelvin - KELVIN_OFFSET, 1)

    @property
    def probe_celsius(self) -> float:
        return round(self.probe_kelvin - KELVIN_OFFSET, 1)


def decode_temperature_record(data: bytes) -> TemperatureRecord:
    """The 19-byte or the 33-byte form, told apart by size; raises CodecError otherwise."""
    if len(data) == SHORT_RECORD_SIZE:
        final, probe, counter, method, algorithm, state, error, active, probe_type = (
            _SHORT_RECORD.unpack(data)
        )
        return TemperatureRecord(
            final, probe, counter, method, algorithm, state, error, active, probe_type
        )
    if len(data) == LONG_RECORD_SIZE:
        (
            final,
            probe,
            pwm,
            counter,
            method,
            algorithm,
            state,
            error,
            active,
            probe_type,
            resistance,
            ambient,
            ptb,
            battery,
        ) = _LONG_RECORD.unpack(data)
        return TemperatureRecord(
            final,
            probe,
            counter,
            method,
            algorithm,
            state,
            error,
            active,
            probe_type,
            heater_pwm=pwm,
            probe_resistance=resistance,
            ambient_kelvin=ambient,
            ptb_resistance=ptb,
            battery_centivolts=battery,
        )
    raise CodecError(
        f"a temperature record has {SHORT_RECORD_SIZE} or {LONG_RECORD_SIZE} bytes, got {len(data)}"
    )


def encode_temperature_record(record: TemperatureRecord) -> bytes:
    """The record's bytes: the 33-byte form when ``record.long_form``, else the 19-byte one."""
    try:
        if not record.long_form:
            return _SHORT_RECORD.pack(
                record.final_kelvin,
                record.probe_kelvin,
                record.sample_counter,
                record.method,
                record.algorithm,
                record.state,
                record.error_code,
                record.active,
                record.probe_type,
            )
        return _LONG_RECORD.pack(
            record.final_kelvin,
            record.probe_kelvin,
            record.heater_pwm,
            record.sample_counter,
            record.method,
            record.algorithm,
            record.state,
            record.error_code,
            record.active,
            record.probe_type,
            record.probe_resistance or 0.0,
            record.ambient_kelvin or 0.0,
            record.ptb_resistance or 0.0,
            record.battery_centivolts or 0,
        )
    except (struct.error, TypeError) as exc:
        raise CodecError(f"cannot encode temperature record: {exc}") from exc


# --- Status record (reply to 9401) -------------------------------------------------------------

STATUS_SIZE = 4
_STATUS = struct.Struct("<HH")


@dataclass(frozen=True)
class StatusRecord:
    post_status: int  # 0 = no errors, 255 = not yet ready, other = error code
    tests_performed: int  # bitmap, see POST_TESTS

    @property
    def passed(self) -> bool:
        return self.post_status == POST_PASSED

    @property
    def not_ready(self) -> bool:
        return self.post_status == POST_NOT_READY

    @property
    def test_names(self) -> list[str]:
        """The tests the power-on self-test ran, in plain names."""
        return [name for bit, name in POST_TESTS if self.tests_performed >> bit & 1]


def decode_status(data: bytes) -> StatusRecord:
    if len(data) != STATUS_SIZE:
        raise CodecError(f"a status record has {STATUS_SIZE} bytes, got {len(data)}")
    post, tests = _STATUS.unpack(data)
    return StatusRecord(post, tests)


def encode_status(status: StatusRecord) -> bytes:
    try:
        return _STATUS.pack(status.post_status, status.tests_performed)
    except struct.error as exc:
        raise CodecError(f"cannot encode status record: {exc}") from exc
