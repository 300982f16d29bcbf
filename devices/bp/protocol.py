"""SunTech Advantage OEM NIBP module: the wire format, sans I/O.

Host to module: ``0x3A`` + command bytes + checksum. Module to host: ``0x3E`` + LEN + data +
checksum, where LEN counts the whole frame (``>`` and checksum included) and replies are told
apart by LEN alone. The checksum makes the 8-bit sum of every byte of a frame zero.

This module only turns bytes into values and back: no ports, no clocks, no asyncio. Both
directions are here so the simulator and the tests share one definition of the bytes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from devices.errors import CodecError

logger = logging.getLogger(__name__)

HOST_SYNC = 0x3A  # ':'
MODULE_SYNC = 0x3E  # '>'
MIN_REPLY_LEN = 4
MAX_REPLY_LEN = 0x43

LEN_STATUS = 4
LEN_CUFF_PRESSURE = 5
LEN_CALIBRATION = 6
LEN_BP_RESULT = 0x18
LEN_VERSION = 0x43

NO_PRESSURE_VALUE = -1  # "FF FF": the module has no pressure to report
SAFE_START_PRESSURE = 5  # mmHg: a start is only safe below this (cuff deflated)


def checksum(frame_without_checksum: bytes) -> int:
    """The byte that makes the 8-bit sum of the whole frame zero."""
    return (-sum(frame_without_checksum)) & 0xFF


def encode_command(body: bytes) -> bytes:
    """A host command: ``:`` + ``body`` + checksum."""
    if not body:
        raise CodecError("a command needs at least one byte")
    frame = bytes([HOST_SYNC]) + bytes(body)
    return frame + bytes([checksum(frame)])


# Commands, byte for byte as the protocol file lists them.
START_BP_ADULT = encode_command(b"\x20")
START_BP_PEDIATRIC = encode_command(b"\x87")
START_BP_NEONATE = encode_command(b"\x28")
ABORT_BP = encode_command(b"\x79\x01\x00")
GET_CUFF_PRESSURE = encode_command(b"\x79\x05\x00")
GET_BP_DATA = encode_command(b"\x79\x03\x00")
CONTROL_PNEUMATICS_ALL_CLOSED = encode_command(b"\x0c\x00\x01\x01")
GET_MODULE_DATA = encode_command(b"\x00")
GET_RETURN_STRING = encode_command(b"\x79\x02\x40")
GET_RETURN_CODE = encode_command(b"\x79\x02\x03")
STATUS_SELF_TEST_ADVANTAGE = encode_command(b"\x79\x10\x03")
STATUS_SELF_TEST_A_PLUS = encode_command(b"\x79\x11\x00")
CALIBRATE_TRANSDUCER = encode_command(b"\x04\x01")
RESET = encode_command(b"\x8a")


def set_initial_inflate_command(mmhg: int) -> bytes:
    """Set the initial inflation pressure (int16 little-endian mmHg)."""
    if not 0 <= mmhg <= 0x7FFF:
        raise CodecError(f"initial inflation pressure {mmhg} mmHg is out of range")
    return encode_command(b"\x17" + mmhg.to_bytes(2, "little"))


COMMAND_NAMES: dict[bytes, str] = {
    START_BP_ADULT: "start BP (adult)",
    START_BP_PEDIATRIC: "start BP (pediatric)",
    START_BP_NEONATE: "start BP (neonate)",
    ABORT_BP: "abort BP",
    GET_CUFF_PRESSURE: "get cuff pressure",
    GET_BP_DATA: "get BP data",
    CONTROL_PNEUMATICS_ALL_CLOSED: "control pneumatics",
    GET_MODULE_DATA: "get module data",
    GET_RETURN_STRING: "get return string",
    GET_RETURN_CODE: "get return code",
    STATUS_SELF_TEST_ADVANTAGE: "status / self test (Advantage)",
    STATUS_SELF_TEST_A_PLUS: "status / self test (Advantage A+)",
    CALIBRATE_TRANSDUCER: "calibrate transducer",
    RESET: "reset",
}

STATUS_MEANINGS: dict[str, str] = {
    "O": "command received",
    "K": "command executed",
    "A": "aborted",
    "B": "busy",
    "E": "error",
    "N": "not accepted",
    "D": "unrecognisable command",
    "S": "sleep",
    "T": "timeout",
}


# ---------------------------------------------------------------------------------------------
# Replies (module to host)


@dataclass(frozen=True)
class StatusReply:
    """LEN 4: one ASCII status letter (O, K, A, B, E, N, D, S, T; others kept as they come)."""

    letter: str
    raw: bytes

    @property
    def meaning(self) -> str:
        return STATUS_MEANINGS.get(self.letter, f"unknown status {self.letter!r}")


@dataclass(frozen=True)
class CuffPressure:
    """LEN 5: the cuff pressure in mmHg, or None when the module sends "no value" (-1)."""

    mmhg: int | None
    raw: bytes


@dataclass(frozen=True)
class BPResult:
    """LEN 0x18: a blood-pressure result. Check ``error_code`` before any number."""

    systolic: int
    diastolic: int
    beats: int
    bp_status: int
    test_codes: bytes
    heart_rate: int
    mean: int
    error_code: int
    raw: bytes


@dataclass(frozen=True)
class VersionString:
    """LEN 0x43: the "return string", two C strings at frame offsets 2 and 10."""

    primary: str
    secondary: str
    raw: bytes

    @property
    def model(self) -> str | None:
        """The module model its version prefix names, or None for an unknown prefix."""
        if self.primary.startswith("LX"):
            return "SunTech Advantage"
        if self.primary.startswith("SB"):
            return "SunTech Advantage A+"
        return None


@dataclass(frozen=True)
class CalibrationResult:
    """LEN 6: the calibration return code (its byte meanings are not known)."""

    data: bytes
    raw: bytes


@dataclass(frozen=True)
class OtherReply:
    """A checksum-valid frame of a length this codec does not know: kept, never interpreted."""

    data: bytes
    raw: bytes


Reply = StatusReply | CuffPressure | BPResult | VersionString | CalibrationResult | OtherReply

# Where the two C strings of the version frame start (frame offsets, as in the result table).
_VERSION_PRIMARY_AT = 2
_VERSION_SECONDARY_AT = 10


def _c_string(raw: bytes) -> str:
    """Text up to the first NUL, printable ASCII only (a garbled byte becomes '?')."""
    text = raw.split(b"\x00", 1)[0]
    return "".join(chr(b) if 0x20 <= b < 0x7F else "?" for b in text).strip()


def decode_reply(frame: bytes) -> Reply:
    """One complete module frame to a value; CodecError if it is not a valid frame."""
    frame = bytes(frame)
    if len(frame) < MIN_REPLY_LEN or frame[0] != MODULE_SYNC:
        raise CodecError("a module frame starts with 0x3E and is at least 4 bytes long")
    length = frame[1]
    if not MIN_REPLY_LEN <= length <= MAX_REPLY_LEN:
        raise CodecError(f"frame length 0x{length:02X} is outside 0x04..0x43")
    if len(frame) != length:
        raise CodecError(f"frame says {length} bytes but has {len(frame)}")
    if sum(frame) & 0xFF:
        raise CodecError("frame checksum does not match")
    data = frame[2:-1]
    if length == LEN_STATUS:
        return StatusReply(chr(data[0]), frame)
    if length == LEN_CUFF_PRESSURE:
        value = int.from_bytes(data[0:2], "little", signed=True)
        return CuffPressure(None if value == NO_PRESSURE_VALUE else value, frame)
    if length == LEN_BP_RESULT:
        return BPResult(
            systolic=int.from_bytes(frame[2:4], "little"),
            diastolic=int.from_bytes(frame[4:6], "little"),
            beats=frame[6],
            bp_status=frame[7],
            test_codes=frame[8:16],
            # Byte 16 only: the protocol file confirms one byte; 17 is spare.
            heart_rate=frame[16],
            mean=int.from_bytes(frame[18:20], "little"),
            error_code=frame[20],
            raw=frame,
        )
    if length == LEN_VERSION:
        return VersionString(
            primary=_c_string(frame[_VERSION_PRIMARY_AT:_VERSION_SECONDARY_AT]),
            secondary=_c_string(frame[_VERSION_SECONDARY_AT:-1]),
            raw=frame,
        )
    if length == LEN_CALIBRATION:
        return CalibrationResult(data, frame)
    return OtherReply(data, frame)


def encode_reply(data: bytes) -> bytes:
    """A module frame around ``data``: ``>`` + LEN + data + checksum."""
    length = len(data) + 3
    if not MIN_REPLY_LEN <= length <= MAX_REPLY_LEN:
        raise CodecError(f"reply data of {len(data)} bytes does not fit a frame")
    frame = bytes([MODULE_SYNC, length]) + bytes(data)
    return frame + bytes([checksum(frame)])


def encode_status(letter: str) -> bytes:
    if len(letter) != 1 or not 0x20 < ord(letter) < 0x7F:
        raise CodecError(f"a status is one printable ASCII letter, not {letter!r}")
    return encode_reply(letter.encode("ascii"))


def encode_cuff_pressure(mmhg: int | None) -> bytes:
    value = NO_PRESSURE_VALUE if mmhg is None else mmhg
    if not -0x8000 <= value <= 0x7FFF:
        raise CodecError(f"cuff pressure {value} mmHg does not fit an int16")
    return encode_reply(value.to_bytes(2, "little", signed=True))


def _u16(name: str, value: int) -> bytes:
    if not 0 <= value <= 0xFFFF:
        raise CodecError(f"{name} {value} does not fit an unsigned 16-bit field")
    return value.to_bytes(2, "little")


def _u8(name: str, value: int) -> bytes:
    if not 0 <= value <= 0xFF:
        raise CodecError(f"{name} {value} does not fit one byte")
    return bytes([value])


def encode_bp_result(
    *,
    systolic: int,
    diastolic: int,
    mean: int,
    heart_rate: int,
    beats: int = 0,
    bp_status: int = 0,
    test_codes: bytes = bytes(8),
    error_code: int = 0,
) -> bytes:
    if len(test_codes) != 8:
        raise CodecError("a result carries exactly 8 test codes")
    data = (
        _u16("systolic", systolic)
        + _u16("diastolic", diastolic)
        + _u8("beats", beats)
        + _u8("BP status", bp_status)
        + bytes(test_codes)
        + _u8("heart rate", heart_rate)
        + b"\x00"
        + _u16("mean", mean)
        + _u8("error code", error_code)
        + b"\x00\x00"
    )
    return encode_reply(data)


def encode_version(primary: str, secondary: str) -> bytes:
    """The 0x43 "return string" frame; each string is NUL-terminated in its field."""
    first_size = _VERSION_SECONDARY_AT - _VERSION_PRIMARY_AT
    second_size = LEN_VERSION - 1 - _VERSION_SECONDARY_AT
    first = primary.encode("ascii", errors="strict")
    second = secondary.encode("ascii", errors="strict")
    if len(first) >= first_size or len(second) >= second_size:
        raise CodecError("version strings too long for the return-string frame")
    data = first.ljust(first_size, b"\x00") + second.ljust(second_size, b"\x00")
    return encode_reply(data)


class ReplyDecoder:
    """Incremental decoder of module frames: feed bytes, get the valid frames they complete.

    On a missing sync byte, a bad length or a bad checksum it drops ONE byte and rescans. It
    keeps at most one incomplete frame (< 0x43 bytes) between feeds. Because a false sync byte
    with a large LEN could hold back the frames behind it, the caller reports a quiet line with
    ``flush_stale()``: what is still incomplete then is not a frame, and is rescanned byte by byte.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.skipped = 0  # bytes dropped while resynchronising (for logs and tests)

    @property
    def pending(self) -> int:
        """Bytes held back: the start of a frame not yet complete."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Reply]:
        self._buffer += data
        return self._scan(final=False)

    def flush_stale(self) -> list[Reply]:
        """The line went quiet: an incomplete candidate is noise, rescan past it."""
        return self._scan(final=True)

    def _scan(self, *, final: bool) -> list[Reply]:
        buf = self._buffer
        frames: list[Reply] = []
        start = 0
        skipped = 0
        while start < len(buf):
            if buf[start] != MODULE_SYNC:
                start += 1
                skipped += 1
                continue
            if start + 1 >= len(buf):
                if final:
                    start += 1
                    skipped += 1
                    continue
                break
            length = buf[start + 1]
            if not MIN_REPLY_LEN <= length <= MAX_REPLY_LEN:
                start += 1
                skipped += 1
                continue
            if start + length > len(buf):
                if final:
                    start += 1
                    skipped += 1
                    continue
                break
            candidate = bytes(buf[start : start + length])
            if sum(candidate) & 0xFF:
                start += 1
                skipped += 1
                continue
            frames.append(decode_reply(candidate))
            start += length
        del buf[:start]
        if skipped:
            self.skipped += skipped
            logger.debug("suntech: skipped %d byte(s) that were not a frame", skipped)
        return frames


# ---------------------------------------------------------------------------------------------
# Commands (host to module), decoded on the module's side: used by the simulator and tests.

# Body length (opcode included) of each known opcode.
_COMMAND_BODY_LENGTHS: dict[int, int] = {
    0x20: 1,  # start adult
    0x87: 1,  # start pediatric
    0x28: 1,  # start neonate
    0x00: 1,  # get module data
    0x8A: 1,  # reset
    0x04: 2,  # calibrate transducer
    0x79: 3,  # the 0x79 family: abort, get pressure, get data, return string/code, status
    0x17: 3,  # set initial inflate pressure
    0x0C: 4,  # control pneumatics
}
_KNOWN_0X79_BODIES = frozenset(command[1:-1] for command in COMMAND_NAMES if command[1] == 0x79)
_MAX_UNKNOWN_BODY = 8


@dataclass(frozen=True)
class Command:
    """A checksum-valid host command; ``known`` is False for an opcode this codec does not know."""

    body: bytes
    known: bool

    @property
    def frame(self) -> bytes:
        return encode_command(self.body)


class CommandDecoder:
    """Incremental decoder of host commands (a module's view), resyncing one byte at a time.

    Commands carry no length: a known opcode fixes it; for an unknown opcode the first byte that
    closes a zero checksum (within 8 body bytes) ends it, so the module can answer ``D``.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Command]:
        self._buffer += data
        buf = self._buffer
        commands: list[Command] = []
        start = 0
        while start < len(buf):
            if buf[start] != HOST_SYNC:
                start += 1
                continue
            if start + 1 >= len(buf):
                break
            size = _COMMAND_BODY_LENGTHS.get(buf[start + 1])
            if size is not None:
                end = start + 1 + size + 1
                if end > len(buf):
                    break
                if sum(buf[start:end]) & 0xFF:
                    start += 1
                    continue
                body = bytes(buf[start + 1 : end - 1])
                commands.append(Command(body, body[0] != 0x79 or body in _KNOWN_0X79_BODIES))
                start = end
                continue
            # Unknown opcode: the shortest body that closes a zero checksum.
            found = 0
            for size in range(1, _MAX_UNKNOWN_BODY + 1):
                end = start + 1 + size + 1
                if end > len(buf):
                    break
                if not sum(buf[start:end]) & 0xFF:
                    found = end
                    break
            if found:
                commands.append(Command(bytes(buf[start + 1 : found - 1]), known=False))
                start = found
            elif len(buf) - start >= _MAX_UNKNOWN_BODY + 2:
                start += 1
            else:
                break
        del buf[:start]
        return commands
